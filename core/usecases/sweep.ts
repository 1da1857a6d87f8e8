/**
 * The delta sweep: every message the Inbox gained since the last look, queued for intake unless it
 * is done or in hand. It catches the mail whose change notification never came; the reconciler
 * (reconcile.ts) catches what stopped part-way.
 */
import { SyncExpiredError, type KeyValuePort, type Logger, type MailboxChangesPort, type StatePort } from "../ports.js";
import { intakeKey } from "./intake.js";
import type { IntakeQueuePort } from "./reconcile.js";

export const DELTA_KEY = "inbox-delta";

export interface SweepDeps {
  changes: MailboxChangesPort;
  state: Pick<StatePort, "intake"> & KeyValuePort;
  queue: IntakeQueuePort;
  log: Logger;
  now: () => Date;
  timing: { leaseMs: number };
}

export async function sweepInbox(d: SweepDeps): Promise<{ enqueued: number; resynced: boolean }> {
  let link = await d.state.getSync(DELTA_KEY);
  let resynced = false;
  if (link && !d.changes.owns(link)) {
    d.log.warn("mail-sweep.resync", { reason: "stored deltaLink is for another Graph endpoint" });
    link = null;
    resynced = true;
  }
  for (let round = 0; round < 2; round++) {
    let found;
    try {
      found = await d.changes.changes(link);
    } catch (e) {
      if (!(e instanceof SyncExpiredError)) throw e;
      // The sync state expired: start again from nothing. The worker dedupes what was done.
      d.log.warn("mail-sweep.resync", { reason: "delta token expired" });
      link = null;
      resynced = true;
      await d.state.setSync(DELTA_KEY, null);
      continue;
    }
    // Mail younger than a lease is in hand (its notification queued it); the reconciler looks
    // again at anything still undone later, so skipping it here loses nothing.
    const recent = d.now().getTime() - d.timing.leaseMs;
    const toQueue: string[] = [];
    for (const m of found.messages) {
      if (m.receivedAt && Date.parse(m.receivedAt) > recent) continue;
      const st = await d.state.intake(intakeKey(m.id));
      if (st?.stage !== "done") toQueue.push(m.id);
    }
    if (toQueue.length) await d.queue.send(toQueue.map((messageId) => ({ messageId })));
    await d.state.setSync(DELTA_KEY, found.next);
    d.log.info("mail-sweep.done", { enqueued: toQueue.length, resynced });
    return { enqueued: toQueue.length, resynced };
  }
  throw new Error("mail sweep could not resync");
}
