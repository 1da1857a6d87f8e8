/**
 * Exchange Online's message rate limit: a mailbox sends at most N messages a minute (30 in
 * Exchange Online), and "when outbound message volumes surpass the message rate limit, any excess
 * in message submission will be throttled and successively carried over to the following minutes"
 * (Exchange Online limits, "Sending limits"; learn.microsoft.com/office365/servicedescriptions/
 * exchange-online-service-description/exchange-online-limits). Here a message over the limit is
 * accepted as usual (202), waits in the Outbox as sent (no longer a draft, same immutable id),
 * and is delivered, and put in Sent Items, in the first minute with room. Off (0) unless the
 * tenant's `messagesPerMinute` is set: `TENANT_FAULTS='{"messagesPerMinute":30}'` is Exchange's.
 */
import type { Db } from "./db.js";
import type { Ctx } from "./context.js";

const MINUTE = 60_000;

export class SendingLimit {
  /** Messages given a slot, per mailbox and minute (minutes since the epoch). */
  private readonly taken = new Map<string, Map<number, number>>();
  constructor(private readonly perMinute: () => number) {}

  /** When this mailbox's next message may go (`now`, or the start of a later minute); the slot is taken. */
  slot(mailboxId: string, now: number): number {
    const limit = this.perMinute();
    if (!limit) return now;
    let minutes = this.taken.get(mailboxId);
    if (!minutes) this.taken.set(mailboxId, (minutes = new Map()));
    const current = Math.floor(now / MINUTE);
    for (const m of minutes.keys()) if (m < current) minutes.delete(m);
    let m = current;
    while ((minutes.get(m) ?? 0) >= limit) m++;
    minutes.set(m, (minutes.get(m) ?? 0) + 1);
    return m === current ? now : m * MINUTE;
  }
}

export interface HeldRow {
  messageId: string;
  mailbox: string;
  releaseAt: number;
  /** 1: it goes to Sent Items when sent; 0: sendMail with saveToSentItems false. */
  keepCopy: number;
}

/** Records a message waiting in the Outbox for its minute. */
export function holdMessage(db: Db, messageId: string, mailboxId: string, releaseAt: number, keepCopy: boolean): void {
  db.prepare("INSERT OR REPLACE INTO held (messageId, mailbox, releaseAt, keepCopy) VALUES (?, ?, ?, ?)").run(
    messageId,
    mailboxId,
    releaseAt,
    keepCopy ? 1 : 0,
  );
}

/** The held messages whose minute has come, taken off the list (oldest first). */
export function dueMessages(db: Db, now: number): HeldRow[] {
  const due = db.prepare("SELECT * FROM held WHERE releaseAt <= ? ORDER BY releaseAt, rowid").all(now) as HeldRow[];
  for (const h of due) db.prepare("DELETE FROM held WHERE messageId = ?").run(h.messageId);
  return due;
}

export type ReleaseCtx = Pick<Ctx, "db" | "now" | "events" | "sending">;
