/**
 * Intake's last step in one Graph `$batch`: send the reply to the school (a draft made before), file the message (after the
 * reply), mark a corrected case Superseded, record the triage card's Teams message id on the case,
 * and write the audit row. Items Graph throttles inside the batch are sent again after their
 * Retry-After; a step whose dependency failed (424) goes again with it. A 409 on the audit row
 * means an earlier attempt wrote it: the step is done.
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import { PartlyFinishedError, type FinishPart, type FinishStep } from "../core/ports.js";
import { IMMUTABLE } from "./drafts.js";
import type { SharePointSite } from "./sharepoint.js";
import { MAX_INLINE_WAIT_SECONDS } from "./graph.js";
import { batchItemRetryAfter, GraphRequestError, RETRY_LATER, RetryLaterError } from "./graphError.js";

interface BatchRequest {
  id: string;
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  dependsOn?: string[];
}

export class GraphIntakeFinisher {
  private readonly user: string;
  constructor(
    private readonly client: Client,
    private readonly mailbox: string,
    private readonly site: SharePointSite,
    private readonly attempts = 6,
  ) {
    this.user = `/users/${encodeURIComponent(mailbox)}`;
  }

  async finish(step: FinishStep): Promise<void> {
    const site = await this.site.id();
    const msg = `${this.user}/messages/${encodeURIComponent(step.messageId)}`;
    const json = { "Content-Type": "application/json", Prefer: IMMUTABLE };
    const all: BatchRequest[] = [];
    // The reply was made as a draft before this step (its id recorded): here it is sent.
    if (step.reply)
      all.push({ id: "reply", method: "POST", url: `${this.user}/messages/${encodeURIComponent(step.reply.draftId)}/send`, headers: { Prefer: IMMUTABLE } });
    if (step.folderId)
      all.push({
        id: "move",
        method: "POST",
        url: `${msg}/move`,
        headers: json,
        body: { destinationId: step.folderId },
        ...(step.reply ? { dependsOn: ["reply"] } : {}),
      });
    const caseFields = (itemId: string) => `/sites/${site}/lists/Cases/items/${encodeURIComponent(itemId)}/fields`;
    if (step.supersede)
      all.push({
        id: "supersede",
        method: "PATCH",
        url: caseFields(step.supersede),
        headers: { "Content-Type": "application/json" },
        body: { Status: "Superseded" },
      });
    if (step.triageCard)
      all.push({
        id: "card",
        method: "PATCH",
        url: caseFields(step.triageCard.itemId),
        headers: { "Content-Type": "application/json" },
        body: { TriageCard: step.triageCard.activityId },
      });
    const a = step.audit;
    if (a)
      all.push({
        id: "audit",
        method: "POST",
        url: `/sites/${site}/lists/Audit/items`,
        headers: { "Content-Type": "application/json" },
        body: { fields: { Title: a.event, AuditKey: a.key, CaseRef: a.caseRef ?? "", Outcome: a.outcome, At: a.at, Actor: a.actor, Detail: a.detail } },
      });

    let pending = all;
    for (let attempt = 1; pending.length; attempt++) {
      const finishedBefore = new Set(all.map((r) => r.id).filter((id) => !pending.some((p) => p.id === id)));
      // A request whose dependency finished in an earlier round no longer waits for it.
      const requests = pending.map(({ dependsOn, ...r }) => {
        const waitFor = dependsOn?.filter((d) => !finishedBefore.has(d));
        return waitFor?.length ? { ...r, dependsOn: waitFor } : r;
      });
      const res = (await this.client.api("/$batch").post({ requests })) as {
        responses: { id: string; status: number; headers?: Record<string, string>; body?: { error?: { code?: string } } }[];
      };
      const again: BatchRequest[] = [];
      let wait = 0;
      for (const r of res.responses) {
        const ok = (r.status >= 200 && r.status < 300) || (r.id === "audit" && r.status === 409);
        if (ok) continue;
        if ((RETRY_LATER.has(r.status) || r.status === 424) && attempt < this.attempts) {
          again.push(pending.find((p) => p.id === r.id)!);
          if (r.status !== 424) wait = Math.max(wait, batchItemRetryAfter(r.headers));
          continue;
        }
        throw new GraphRequestError(r.status, r.body?.error?.code, `intake batch step ${r.id}`);
      }
      if (again.length && wait > MAX_INLINE_WAIT_SECONDS) {
        // Everything that went through is done, the audit row too: a retry sends only the rest.
        const done = all.filter((r) => !again.some((x) => x.id === r.id)).map((r) => r.id as FinishPart);
        throw new PartlyFinishedError(done, new RetryLaterError(429, wait, "intake's last step was throttled"));
      }
      if (again.length && wait) await new Promise((res2) => setTimeout(res2, wait * 1000));
      pending = all.filter((r) => again.some((x) => x.id === r.id));
    }
  }
}
