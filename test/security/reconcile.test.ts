/**
 * Findings: emails stuck for good after a crash (poisoned copies, and a sweep that reads only
 * inbox changes since its last run); a retry after a failed audit write posted the triage card
 * twice; after storage lost its last writes, one reference was issued to two schools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import { pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { partnership as p } from "../helpers/tenant.js";
import { personalChatKey as refKey, triageCardKey } from "../../m365/teamsState.js";
import { doneKey, intakeKey } from "../../core/usecases/intake.js";
import { sweepInbox } from "../../core/usecases/sweep.js";
import { reconcileIntake } from "../../core/usecases/reconcile.js";
import { asStorage, tableClient } from "../../m365/storage.js";
import { TABLES } from "../../m365/state.js";

let s: Stack;
const cards: string[] = [];
const katy = p.leads.find((l) => l.initials === "KL")!.email;

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
  await s.deps.state.setSync(refKey(katy), JSON.stringify({ conversation: { id: "katy-chat" } }));
  watchCards();
}, 60_000);
/** Counts the triage cards posted (again after s.at(), which builds the dependencies afresh). */
function watchCards() {
  s.deps.bot.postCard = async (_ref, card) => {
    cards.push((card as any).refresh.action.data.caseRef);
    return "activity";
  };
}
afterAll(async () => s?.stop());

const site = async () => s.deps.site.id();
async function list(name: string): Promise<any[]> {
  return (
    await s.deps.graph
      .api(`/sites/${await site()}/lists/${name}/items`)
      .expand("fields")
      .top(999)
      .get()
  ).value.map((i: any) => i.fields);
}
const outbox = async (to: string) => ((await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value as { to: string }[]).filter((o) => o.to === to);
const faults = (body: unknown) => fetch(`${s.tenant.url}/_admin/faults`, { method: body ? "POST" : "DELETE", ...(body ? { body: JSON.stringify(body) } : {}) });

describe("security: the reconciler", () => {
  it("retries a poisoned email with a visible count; the triage card is posted once, though the last step after it failed five times", async () => {
    const sender = "senco@poisoned.example";
    // The audit row is written in intake's last step: make that fail every time.
    const finish = s.deps.finish!;
    s.deps.finish = async () => {
      throw new Error("SharePoint is down");
    };
    try {
      await s.send({ from: sender, subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
      await s.settle(); // five failed tries: the host poisons it
    } finally {
      s.deps.finish = finish;
    }
    const poison = new QueueClient(s.azurite.connectionString, "mail-intake-poison");
    expect((await poison.getProperties()).approximateMessagesCount).toBe(1);
    const [c] = (await list("Cases")).filter((x) => x.SenderEmail === sender);
    // The card goes before the last step, and storage's record of it stops a second one on each try.
    expect(cards.filter((r) => r === c.Title)).toHaveLength(1);
    expect((await list("Audit")).filter((a) => a.CaseRef === c.Title)).toHaveLength(0);

    const r = await reconcileIntake(s.deps, 0);
    expect(r).toMatchObject({ poisonRetried: 1, poisonLeft: 0 });
    expect(s.logs.some((l) => l.includes("mail-reconcile.requeued") && l.includes('"poisonRetried":1'))).toBe(true);
    await s.host.drain();
    expect((await list("Audit")).filter((a) => a.CaseRef === c.Title)).toHaveLength(1);
    expect(cards.filter((r) => r === c.Title)).toHaveLength(1);
    expect(await outbox(sender)).toHaveLength(1);
  });

  it("queues again an email the delta sweep returned before but whose queue message was lost", async () => {
    const sender = "senco@lostqueue.example";
    await faults({ dropNotificationRate: 1 });
    try {
      await s.send({ from: sender, subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
      await s.tenant.notifier.settle();
      s.at(new Date(s.tenant.now() + 2 * 60_000).toISOString()); // older than a lease: the sweep takes it
      expect((await sweepInbox(s.deps)).enqueued).toBeGreaterThan(0);
      await new QueueClient(s.azurite.connectionString, "mail-intake").clearMessages(); // storage lost it
      expect((await sweepInbox(s.deps)).enqueued).toBe(0); // delta has moved on
      await s.host.drain();
      expect((await list("Cases")).filter((x) => x.SenderEmail === sender)).toHaveLength(0);
      const r = await reconcileIntake(s.deps, 0);
      expect(r.fromInbox).toBeGreaterThanOrEqual(1);
      await s.host.drain();
      expect((await list("Cases")).filter((x) => x.SenderEmail === sender)).toHaveLength(1);
      expect(await outbox(sender)).toHaveLength(1);
      // Nothing is left to do: a second run queues nothing.
      expect((await reconcileIntake(s.deps, 0)).requeued).toBe(0);
    } finally {
      await faults(null);
    }
  });
});

describe("security: storage that loses its last writes does not repeat a triage card", () => {
  it("an email whose state went back to 'case written', and one whose state is gone: no second card, reply or audit row", async () => {
    watchCards();
    const senders = ["senco@back.example", "senco@gone.example"];
    for (const from of senders) await s.send({ from, subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const mine = (await list("Cases")).filter((c) => senders.includes(c.SenderEmail));
    expect(mine.map((c) => c.TriageCard)).toEqual(["activity", "activity"]); // the last step recorded each card
    const intake = tableClient(asStorage(s.azurite.connectionString), TABLES.intake);
    for (const c of mine) {
      // What storage keeps only in memory for its last seconds goes: the card's record, "done"...
      await s.deps.state.setSync(triageCardKey(c.Title), null);
      await s.deps.state.setSync(doneKey(c.GraphMessageId), null);
      const key = intakeKey(c.GraphMessageId);
      // ...and the email's state goes back to an older save, or is gone.
      if (c.SenderEmail === senders[0])
        await s.deps.state.saveIntake(key, {
          stage: "case-written",
          caseRef: c.Title,
          caseItemId: String(c.id),
          messageId: c.GraphMessageId,
          outcome: "accepted",
          updatedAt: "2023-05-02T09:00:00Z",
        });
      else await intake.deleteEntity("intake", key);
    }
    const stateBack = JSON.parse(
      (await intake.getEntity<{ json: string }>("intake", intakeKey(mine.find((c) => c.SenderEmail === senders[0]).GraphMessageId))).json,
    );
    expect(stateBack.stage).toBe("case-written");
    // Copies of both come back (a notification, the sweep or the reconciler).
    await s.deps.queue.send(mine.map((c) => ({ messageId: c.GraphMessageId })));
    await s.host.drain();
    for (const c of mine) {
      expect(
        cards.filter((r) => r === c.Title),
        c.SenderEmail,
      ).toHaveLength(1);
      expect(await outbox(c.SenderEmail), c.SenderEmail).toHaveLength(1);
      expect(
        (await list("Audit")).filter((a) => a.CaseRef === c.Title),
        c.SenderEmail,
      ).toHaveLength(1);
    }
  });
});

describe("security: case references are unique", () => {
  it("after the counter loses its last writes, intake takes the next free number (checked against the register)", async () => {
    for (const i of [1, 2])
      await s.send({ from: `senco${i}@counter.example`, subject: "Cluster 6/GV/Green Dragon Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const before = (await list("Cases")).filter((c) => c.Cluster === 6).map((c) => c.Title);
    expect(before).toEqual(["C6-2023-0001", "C6-2023-0002"]);
    // Storage comes back from a crash without its last writes: the counter is at 0 again.
    await tableClient(asStorage(s.azurite.connectionString), TABLES.sequences).upsertEntity({ partitionKey: "seq", rowKey: "C6-2023", value: 0 }, "Replace");
    await s.send({ from: "senco3@counter.example", subject: "Cluster 6/GV/Green Dragon Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const after = (await list("Cases")).filter((c) => c.Cluster === 6);
    expect(after.map((c) => c.Title).sort()).toEqual(["C6-2023-0001", "C6-2023-0002", "C6-2023-0003"]);
    expect(after.find((c) => c.SenderEmail === "senco3@counter.example").Title).toBe("C6-2023-0003");
    expect(s.logs.filter((l) => l.includes("intake.reference-taken"))).toHaveLength(2);
    const reply = await outbox("senco3@counter.example");
    expect(reply).toHaveLength(1);
    expect(JSON.stringify(reply[0])).toContain("C6-2023-0003");
  });
});
