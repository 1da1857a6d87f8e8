/**
 * In-memory fakes of the Inbox's changes (delta links that can expire), the subscriptions service
 * and the intake queue, for the sweep's and the subscription's use-case tests.
 */
import { SyncExpiredError, type MailboxChangesPort, type SubscriptionsPort } from "../../core/ports.js";
import type { IntakeQueuePort, PoisonQueuePort } from "../../core/usecases/reconcile.js";

type Arrival = { id: string; internetMessageId: string; receivedAt: string | null };

export class FakeInboxChanges implements MailboxChangesPort {
  readonly arrivals: Arrival[] = [];
  /** Links the service no longer knows (410). */
  readonly expired = new Set<string>();
  constructor(readonly origin = "https://graph.example") {}
  owns(link: string): boolean {
    return new URL(link).origin === this.origin;
  }
  async changes(link: string | null) {
    if (link && this.expired.has(link)) throw new SyncExpiredError();
    const from = link ? Number(new URL(link).searchParams.get("from")) : 0;
    return { messages: this.arrivals.slice(from), next: `${this.origin}/delta?from=${this.arrivals.length}` };
  }
}

export class FakeSubscriptions implements SubscriptionsPort {
  readonly live = new Map<string, { expiresAt: string; notificationUrl: string }>();
  created = 0;
  async create(s: { notificationUrl: string; lifecycleUrl: string | null; clientState: string; expiresAt: string }) {
    const id = `sub-${++this.created}`;
    this.live.set(id, { expiresAt: s.expiresAt, notificationUrl: s.notificationUrl });
    return { id, expiresAt: s.expiresAt };
  }
  async renew(id: string, expiresAt: string) {
    const s = this.live.get(id);
    if (!s) return null;
    s.expiresAt = expiresAt;
    return { id, expiresAt };
  }
}

export class FakeQueue implements IntakeQueuePort {
  readonly sent: { messageId: string; key?: string; delaySeconds: number }[] = [];
  async send(messages: { messageId: string; key?: string }[], delaySeconds = 0) {
    for (const m of messages) this.sent.push({ ...m, delaySeconds });
  }
}

/** The poison queue: what the host put there, taken off by the reconciler. */
export class FakePoison extends FakeQueue implements PoisonQueuePort {
  unreadable = 0;
  async take(max = 32) {
    const taken = this.sent.splice(0, max);
    const unreadable = this.unreadable;
    this.unreadable = 0;
    return { ids: taken.map((m) => m.messageId), unreadable };
  }
}
