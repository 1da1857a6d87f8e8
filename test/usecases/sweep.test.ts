/** The sweep, the subscription's upkeep and its lifecycle events on in-memory fakes (end to end: test/intake/intake.test.ts). */
import { beforeEach, describe, expect, it } from "vitest";
import { intakeKey } from "../../core/usecases/intake.js";
import { DELTA_KEY, sweepInbox, type SweepDeps } from "../../core/usecases/sweep.js";
import { keepSubscription, onLifecycleEvent, resubscribe, RENEW_WITHIN_MS, type SubscriptionDeps } from "../../core/usecases/subscription.js";
import { FakeState } from "../fakes/intake.js";
import { FakeInboxChanges, FakeQueue, FakeSubscriptions } from "../fakes/mail.js";

const log = { info: () => {}, warn: () => {} };
let now: number;
let state: FakeState;

beforeEach(() => {
  now = Date.parse("2026-11-24T10:00:00Z");
  state = new FakeState(() => now);
});

describe("the sweep", () => {
  let changes: FakeInboxChanges;
  let queue: FakeQueue;
  let d: SweepDeps;
  beforeEach(() => {
    changes = new FakeInboxChanges();
    queue = new FakeQueue();
    d = { changes, state, queue, log, now: () => new Date(now), timing: { leaseMs: 60_000 } };
  });
  const arrive = (id: string, minutesAgo: number) =>
    changes.arrivals.push({ id, internetMessageId: `<${id}@x>`, receivedAt: new Date(now - minutesAgo * 60_000).toISOString() });

  it("queues what is not done, leaves mail younger than a lease to its notification, and remembers where it got to", async () => {
    arrive("old", 10);
    arrive("done", 10);
    arrive("new", 0.5);
    await state.saveIntake(intakeKey("done"), { stage: "done", updatedAt: new Date(now).toISOString() });
    expect(await sweepInbox(d)).toEqual({ enqueued: 1, resynced: false });
    expect(queue.sent.map((m) => m.messageId)).toEqual(["old"]);
    expect(await state.getSync(DELTA_KEY)).toBe("https://graph.example/delta?from=3");
    arrive("later", 5);
    expect(await sweepInbox(d)).toEqual({ enqueued: 1, resynced: false });
    expect(queue.sent.map((m) => m.messageId)).toEqual(["old", "later"]);
  });

  it("an expired link, or one for another endpoint, starts again from nothing", async () => {
    arrive("a", 10);
    await state.setSync(DELTA_KEY, "https://graph.example/delta?from=1");
    changes.expired.add("https://graph.example/delta?from=1");
    expect(await sweepInbox(d)).toEqual({ enqueued: 1, resynced: true });
    await state.setSync(DELTA_KEY, "https://elsewhere.example/delta?from=1");
    expect(await sweepInbox(d)).toEqual({ enqueued: 1, resynced: true });
  });
});

describe("the subscription", () => {
  let subs: FakeSubscriptions;
  let d: SubscriptionDeps;
  beforeEach(() => {
    subs = new FakeSubscriptions();
    d = {
      subscriptions: subs,
      state,
      settings: { notificationUrl: "https://app.example/api/notifications/mail", lifecycleUrl: null, clientState: "s" },
      log,
      now: () => new Date(now),
    };
  });

  it("created once, kept while it has more than a day, renewed within a day, created again when it is gone", async () => {
    const first = await keepSubscription(d);
    expect(first.action).toBe("created");
    expect((await keepSubscription(d)).action).toBe("kept");
    now = Date.parse(first.expiresAt) - RENEW_WITHIN_MS + 60_000;
    expect((await keepSubscription(d)).action).toBe("renewed");
    subs.live.clear();
    expect((await keepSubscription(d, true)).action).toBe("created");
    expect((await resubscribe(d)).action).toBe("created");
    expect(subs.created).toBe(3);
  });

  it("refuses to subscribe without the notification URL and client state", async () => {
    await expect(keepSubscription({ ...d, settings: { notificationUrl: null, lifecycleUrl: null, clientState: null } })).rejects.toThrow(
      /MAIL_NOTIFICATION_URL/,
    );
  });

  it("lifecycle events: reauthorization renews now, a removed subscription is made again, missed mail is swept; others are ignored", async () => {
    const changes = new FakeInboxChanges();
    const queue = new FakeQueue();
    const both = { ...d, state, changes, queue, timing: { leaseMs: 60_000 } };
    const first = await keepSubscription(d);
    now += 60_000; // a minute on: well over a day left, so only a forced renewal moves the expiry
    expect(await onLifecycleEvent(both, "reauthorizationRequired")).toBe("renewed");
    expect(subs.live.get(first.id)!.expiresAt > first.expiresAt).toBe(true);
    expect(await onLifecycleEvent(both, "subscriptionRemoved")).toBe("resubscribed");
    expect(subs.created).toBe(2);
    changes.arrivals.push({ id: "lost", internetMessageId: "<lost@x>", receivedAt: new Date(now - 10 * 60_000).toISOString() });
    expect(await onLifecycleEvent(both, "missed")).toBe("swept");
    expect(queue.sent.map((m) => m.messageId)).toEqual(["lost"]);
    expect(await onLifecycleEvent(both, "somethingNew")).toBe("ignored");
    expect(subs.created).toBe(2);
  });
});
