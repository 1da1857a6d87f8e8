/** The reconciler on in-memory fakes: every email ends in one outcome, whatever stopped it (end to end: test/security/reconcile.test.ts). */
import { describe, expect, it } from "vitest";
import { INBOX_WAITING_KEY, MAX_POISON_RETRIES, reconcileIntake } from "../../core/usecases/reconcile.js";
import { intakeKey } from "../../core/usecases/intake.js";
import { FakeMailbox, FakeState } from "../fakes/intake.js";
import { FakePoison, FakeQueue } from "../fakes/mail.js";

const now = Date.parse("2026-11-24T10:00:00Z");
const minutesAgo = (m: number) => new Date(now - m * 60_000);

function setup() {
  const mailbox = new FakeMailbox();
  const state = new FakeState(() => now);
  const queue = new FakeQueue();
  const poison = new FakePoison();
  const d = { mailbox, state, queue, poison, log: { info: () => {}, warn: () => {} }, now: () => new Date(now) };
  const arrive = (id: string, at: Date) =>
    mailbox.add({ id, internetMessageId: `<${id}@x>`, subject: "s", from: { address: "a@b" }, receivedAt: at, headers: [], attachments: [] });
  return { d, mailbox, state, queue, poison, arrive };
}

describe("the reconciler", () => {
  it("queues again what sat in the Inbox past the bound and what stopped part-way, each once; leaves new and done mail alone", async () => {
    const { d, state, queue, arrive } = setup();
    arrive("stuck", minutesAgo(10));
    arrive("new", minutesAgo(1));
    arrive("done", minutesAgo(10));
    await state.saveIntake(intakeKey("done"), { stage: "done", updatedAt: minutesAgo(9).toISOString() });
    await state.saveIntake("k-filed", { stage: "announced", messageId: "filed-elsewhere", updatedAt: minutesAgo(20).toISOString() });
    await state.saveIntake(intakeKey("stuck"), { stage: "case-written", messageId: "stuck", updatedAt: minutesAgo(20).toISOString() });
    const r = await reconcileIntake(d, 5 * 60_000);
    expect(r).toMatchObject({ requeued: 2, fromInbox: 1, unfinished: 1 });
    expect(queue.sent.map((m) => m.messageId).sort()).toEqual(["filed-elsewhere", "stuck"]);
    // Every email still in the Inbox past the bound counts, done or not (a done email should have left it): the health report reads this.
    expect(r.waiting).toBe(2);
    expect(JSON.parse((await state.getSync(INBOX_WAITING_KEY))!)).toEqual({ waiting: 2, at: new Date(now).toISOString(), afterMinutes: 5 });
  });

  it(`gives a poisoned email ${MAX_POISON_RETRIES} more tries, then leaves it poisoned for a person`, async () => {
    const { d, queue, poison } = setup();
    for (let round = 1; round <= MAX_POISON_RETRIES + 1; round++) {
      await poison.send([{ messageId: "bad" }]);
      const r = await reconcileIntake(d);
      if (round <= MAX_POISON_RETRIES) expect(r).toMatchObject({ poisonRetried: 1, poisonLeft: 0 });
      else expect(r).toMatchObject({ poisonRetried: 0, poisonLeft: 1 });
    }
    expect(queue.sent.filter((m) => m.messageId === "bad")).toHaveLength(MAX_POISON_RETRIES);
    expect(poison.sent.map((m) => m.messageId)).toEqual(["bad"]);
  });
});
