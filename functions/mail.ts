/**
 * Mail intake functions: the change-notification endpoint, the intake queue worker, the delta
 * sweep, the reconciler, the subscription's upkeep, the health alert and the subscription's
 * lifecycle endpoint. Thin: each parses, calls one use case and logs. The other timers are in
 * timers.ts.
 */
import { timingSafeEqual } from "node:crypto";
import type { GraphJson } from "../m365/json.js";
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import { processMessage } from "../core/usecases/intake.js";
import { reconcileIntake } from "../core/usecases/reconcile.js";
import { alertLead, HEALTH_KEYS } from "../core/usecases/health.js";
import { sweepInbox } from "../core/usecases/sweep.js";
import { keepSubscription, onLifecycleEvent } from "../core/usecases/subscription.js";
import type { DepsSource } from "./deps.js";

function sameSecret(a: unknown, b: string | null): boolean {
  if (typeof a !== "string" || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * What Graph posts to a notification endpoint: the validation handshake (answered here), or JSON
 * with a `value` array. Either a response to send back, or the notifications.
 */
async function readNotifications(request: HttpRequest, what: string): Promise<{ response: HttpResponseInit } | { items: GraphJson[] }> {
  const token = request.query.get("validationToken");
  // Graph wants the token back as text/plain; nosniff stops a browser reading a crafted token as HTML.
  if (token !== null)
    return { response: { status: 200, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" }, body: token } };
  try {
    const body = (await request.json()) as { value?: unknown };
    return { items: Array.isArray(body?.value) ? body.value : [] };
  } catch {
    return { response: { status: 400, body: `expected a JSON ${what}` } };
  }
}

/** POST /api/notifications/mail: answer fast; enqueue ids of genuine notifications only. */
export function mailNotification(deps: DepsSource) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await readNotifications(request, "change notification");
    if ("response" in read) return read.response;
    const d = await deps();
    const items = read.items;
    const accepted: string[] = [];
    let rejected = 0;
    for (const n of items) {
      if (sameSecret(n?.clientState, d.settings.clientState) && typeof n?.resourceData?.id === "string") accepted.push(n.resourceData.id);
      else rejected++;
    }
    if (rejected) {
      d.log.warn("mail-notification.rejected", { count: rejected, reason: "clientState mismatch or no resource id" });
      context.warn(`rejected ${rejected} notification(s)`);
    }
    if (accepted.length) {
      await d.queue.send(accepted.map((messageId) => ({ messageId })));
      await d.state.setSync(HEALTH_KEYS.lastNotification, d.now().toISOString());
    }
    return { status: accepted.length || !items.length ? 202 : 403 };
  };
}

/**
 * Queue trigger on mail-intake. Throws on failure so the host retries, then poisons (the
 * reconciler gives poisoned emails more tries). An email another worker holds, or one Graph
 * throttled for longer than a request waits, is queued again for when it may go on: that is not a
 * failure, spends none of the queue's retries, and frees the worker at once.
 */
export function mailIntake(deps: DepsSource) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const { messageId: id, key } = (message ?? {}) as { messageId?: unknown; key?: unknown };
    if (typeof id !== "string" || !id) {
      context.error("mail-intake: message without messageId; dropped");
      return;
    }
    const d = await deps();
    await d.refreshCalendar();
    // `key`: where a throttled attempt got to (a hash), so the retry need not read the email again.
    const r = await processMessage(d, id, d.timing.leaseMs, typeof key === "string" && /^[0-9a-f]{64}$/.test(key) ? key : undefined);
    let status: string = r.status;
    if (r.status === "busy" || r.status === "later") {
      const seconds = (r.retryAfterMs ?? d.timing.leaseMs) / 1000;
      await d.queue.send([{ messageId: id, ...(r.resumeKey ? { key: r.resumeKey } : {}) }], seconds);
      if (r.status === "later") {
        d.log.info("mail-intake.throttled", { retryAfterSeconds: seconds });
        status = `throttled, queued again in ${seconds} s`;
      }
    }
    context.log(`mail-intake: ${status}${r.outcome ? ` ${r.outcome}` : ""}${r.caseRef ? ` ${r.caseRef}` : ""}`);
  };
}

/** Every 15 minutes: the delta sweep, for mail whose notification never came. */
export function mailSweep(deps: DepsSource) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = await deps();
    try {
      const r = await sweepInbox(d);
      context.log(`mail-sweep: enqueued ${r.enqueued}${r.resynced ? " after a full resync" : ""}`);
    } finally {
      // When the sweep last ran, for the health report (written whether or not it succeeded, as before).
      await d.state.setSync(HEALTH_KEYS.lastSweep, d.now().toISOString());
    }
  };
}

/**
 * Every 15 minutes, between sweeps: the reconciler queues again anything unfinished. Its own
 * function, so it runs whether or not the sweep (which needs the delta link) works.
 */
export function mailReconcile(deps: DepsSource) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = await deps();
    const c = await reconcileIntake(d, d.timing.reconcileAfterMs);
    context.log(
      `mail-reconcile: ${c.requeued} queued again (${c.fromInbox} in the Inbox, ${c.unfinished} unfinished, ${c.poisonRetried} poisoned retried), ${c.poisonLeft} left poisoned`,
    );
  };
}

/** Hourly: keeps the mailbox's change-notification subscription. */
export function mailSubscription(deps: DepsSource) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const r = await keepSubscription(await deps());
    context.log(`mail-subscription: ${r.action}, expires ${r.expiresAt}`);
  };
}

/**
 * Hourly, after the subscription's upkeep: tells the partnership lead (once a day) if intake needs
 * them. Its own function, so the lead is told even when the renewal fails (when they most need to).
 */
export function mailHealth(deps: DepsSource) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const alerted = await alertLead(await deps());
    if (alerted) context.log(`mail-health: the partnership lead was told (${alerted})`);
  };
}

/** POST /api/notifications/lifecycle: reauthorize, recreate, or sweep for missed mail. */
export function mailLifecycle(deps: DepsSource) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await readNotifications(request, "lifecycle notification");
    if ("response" in read) return read.response;
    const d = await deps();
    for (const n of read.items) {
      if (!sameSecret(n?.clientState, d.settings.clientState)) {
        d.log.warn("mail-lifecycle.rejected", { reason: "clientState mismatch" });
        continue;
      }
      const done = await onLifecycleEvent(d, n.lifecycleEvent);
      context.log(`mail-lifecycle: ${String(n.lifecycleEvent).slice(0, 40)}, ${done}`);
    }
    return { status: 202 };
  };
}
