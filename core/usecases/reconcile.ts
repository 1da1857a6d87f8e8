/**
 * The reconciler (on the sweep's timer): every email ends in exactly one outcome, whatever crashed.
 * It queues again every message that has sat in the Inbox, or whose intake stopped part-way, for
 * longer than a bound, whether or not a notification or the delta sweep ever returned it; and it
 * gives poisoned messages (failed the queue's retries) a few more tries, counting them.
 */
import type { KeyValuePort, Logger, MailboxPort, StatePort } from "../ports.js";
import { intakeKey, sha } from "./intake.js";

/** Longer than a lease plus a queue retry: anything older than this is not in progress. */
export const RECONCILE_AFTER_MS = 5 * 60_000;
/** How many times the reconciler gives a poisoned message another go before it stays poisoned. */
export const MAX_POISON_RETRIES = 3;

export interface IntakeQueuePort {
  /** `key`: the email's intake state, for a retry after a throttle (see processMessage). */
  send(messages: { messageId: string; key?: string }[], delaySeconds?: number): Promise<void>;
}

export interface PoisonQueuePort extends IntakeQueuePort {
  /** Takes messages off the poison queue: their message ids, and how many were not intake messages. */
  take(max?: number): Promise<{ ids: string[]; unreadable: number }>;
}

export interface ReconcileDeps {
  mailbox: Pick<MailboxPort, "inbox">;
  state: Pick<StatePort, "intake" | "unfinished"> & KeyValuePort;
  queue: IntakeQueuePort;
  poison: PoisonQueuePort;
  log: Logger;
  now: () => Date;
}

export interface ReconcileResult {
  /** Messages queued again, from the three looks below (a message is queued once). */
  requeued: number;
  fromInbox: number;
  /** Emails in the Inbox past the bound at this look, queued again or not (the health report shows it). */
  waiting: number;
  unfinished: number;
  poisonRetried: number;
  /** Poisoned past MAX_POISON_RETRIES: left in the poison queue for a person to look at. */
  poisonLeft: number;
}

/** Where the reconciler leaves its last count of emails waiting in the Inbox (core/usecases/health.ts reads it). */
export const INBOX_WAITING_KEY = "health|inbox-waiting";

export const poisonCountKey = (messageId: string) => `poison|${sha(messageId).slice(0, 32)}`;

export async function reconcileIntake(d: ReconcileDeps, afterMs = RECONCILE_AFTER_MS): Promise<ReconcileResult> {
  const before = new Date(d.now().getTime() - Math.max(afterMs, 0));
  const ids = new Set<string>();
  let fromInbox = 0;
  // Every email still in the Inbox past the bound, whatever its state says: intake files each
  // email out of the Inbox as its last step, so one still there was not finished (or was put back).
  let waiting = 0;
  for await (const m of d.mailbox.inbox()) {
    if (Date.parse(m.receivedAt) > before.getTime()) continue; // new: its notification is on the way
    waiting++;
    const st = await d.state.intake(intakeKey(m.id));
    if (st && (st.stage === "done" || Date.parse(st.updatedAt) > before.getTime())) continue;
    if (!ids.has(m.id)) fromInbox++;
    ids.add(m.id);
  }
  let unfinished = 0;
  for (const u of await d.state.unfinished(before)) {
    if (!u.state.messageId || ids.has(u.state.messageId)) continue;
    ids.add(u.state.messageId);
    unfinished++;
  }
  const poisoned = await d.poison.take(200);
  const left: string[] = [];
  let poisonRetried = 0;
  for (const id of poisoned.ids) {
    const key = poisonCountKey(id);
    const n = Number((await d.state.getSync(key)) ?? 0) + 1;
    if (n > MAX_POISON_RETRIES) {
      left.push(id);
      continue;
    }
    await d.state.setSync(key, String(n));
    ids.add(id);
    poisonRetried++;
  }
  if (left.length) await d.poison.send(left.map((messageId) => ({ messageId })));
  if (ids.size) await d.queue.send([...ids].map((messageId) => ({ messageId })));
  const r = { requeued: ids.size, fromInbox, waiting, unfinished, poisonRetried, poisonLeft: left.length };
  // For the health report: how many waited in the Inbox past the bound at this look.
  await d.state.setSync(INBOX_WAITING_KEY, JSON.stringify({ waiting, at: d.now().toISOString(), afterMinutes: Math.round(afterMs / 60_000) }));
  if (r.requeued || r.waiting || r.poisonLeft || poisoned.unreadable) d.log.warn("mail-reconcile.requeued", { ...r, poisonUnreadable: poisoned.unreadable });
  else d.log.info("mail-reconcile.clean", r);
  return r;
}
