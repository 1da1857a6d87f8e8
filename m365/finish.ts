/**
 * Intake's last step as one group of requests in a Graph `$batch` (m365/batcher.ts, shared with
 * other emails' last steps): send the reply (a draft made before), file the message (after the
 * send), mark a corrected case Superseded, record the triage card's Teams message id on the case,
 * and write the audit row. Requests Graph throttles are sent again after their Retry-After; one
 * whose dependency failed (424) goes again with it. A 409 on the audit row means an earlier attempt
 * wrote it: the step is done. Throttled for longer than a request waits, what went through is
 * reported (PartlyFinishedError) and never sent again.
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import { PartlyFinishedError, type FinishPart, type FinishStep } from "../core/ports.js";
import { sendDraftUrl } from "./drafts.js";
import { IMMUTABLE } from "./graph.js";
import type { SharePointSite } from "./sharepoint.js";
import { batcherFor } from "./batcher.js";
import { GraphRequestError, RetryLaterError } from "./graphError.js";

/** One of the step's requests, known by its part's name. */
interface Step {
  id: string;
  method: "POST" | "PATCH";
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
    const all: Step[] = [];
    // The reply was made as a draft before this step (its id recorded): here it is sent.
    if (step.reply) all.push({ id: "reply", method: "POST", url: sendDraftUrl(this.user, step.reply.draftId), headers: { Prefer: IMMUTABLE } });
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

    // Sent through the client's batcher (m365/batcher.ts): the step's requests travel together
    // (the move after the send), in one batch with other emails' last steps. A throttled request
    // is sent again by the batcher after its Retry-After; one refused for its dependency (424)
    // goes again here, without it once the dependency has gone.
    const batcher = batcherFor(this.client);
    const done = new Set<string>();
    let pending = all;
    for (let attempt = 1; pending.length; attempt++) {
      const group = pending.map(({ dependsOn, id: _id, ...r }) => {
        const dep = dependsOn?.find((d) => !done.has(d));
        const at = dep ? pending.findIndex((p) => p.id === dep) : -1;
        return at >= 0 ? { ...r, after: at } : r;
      });
      const answers = await Promise.allSettled(batcher.sendGroup(group));
      const again: Step[] = [];
      let later: RetryLaterError | null = null;
      answers.forEach((a, i) => {
        const r = pending[i]!;
        if (a.status === "rejected") {
          if (a.reason instanceof RetryLaterError) later = a.reason;
          else throw a.reason;
          return;
        }
        const { status, body } = a.value;
        if ((status >= 200 && status < 300) || (r.id === "audit" && status === 409)) done.add(r.id);
        else if (status === 424 && attempt < this.attempts) again.push(r);
        else throw new GraphRequestError(status, body?.error?.code, `intake batch step ${r.id}`);
      });
      if (later) {
        // Throttled for longer than a request waits: what went through is not sent again.
        throw new PartlyFinishedError(
          all.filter((r) => done.has(r.id)).map((r) => r.id as FinishPart),
          later,
        );
      }
      pending = again;
    }
  }
}
