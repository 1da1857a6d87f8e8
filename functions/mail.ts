/**
 * Mail intake functions: the change-notification endpoint, the intake queue worker, the delta
 * sweep, and the subscription's upkeep. Thin: parse, call one use case, map the result.
 */
import { timingSafeEqual } from "node:crypto";
import type { GraphJson } from "../m365/json.js";
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import { processMessage, sha } from "../core/usecases/intake.js";
import { reconcileIntake } from "../core/usecases/reconcile.js";
import { describeHealth, HEALTH_KEYS } from "../core/usecases/health.js";
import { runOutlook } from "../core/usecases/outlook.js";
import { runAcknowledgements } from "../core/usecases/acknowledgements.js";
import { runReviewReminders } from "../core/usecases/reviews.js";
import { runTermlyReport } from "../core/usecases/termly.js";
import { runCalendarDuties } from "../core/usecases/calendar.js";
import { runAgendas } from "../core/usecases/agenda.js";
import type { AppDeps } from "./deps.js";
import { shortReason, statusOf } from "../core/errors.js";

export const SUBSCRIPTION_MINUTES = 10_000; // Graph allows at most 10,080 for mail
export const RENEW_WITHIN_MS = 24 * 3600_000;
const DELTA_KEY = "inbox-delta";
const SUB_KEY = "mail-subscription";

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
  if (token !== null) return { response: { status: 200, headers: { "content-type": "text/plain" }, body: token } };
  try {
    const body = (await request.json()) as { value?: unknown };
    return { items: Array.isArray(body?.value) ? body.value : [] };
  } catch {
    return { response: { status: 400, body: `expected a JSON ${what}` } };
  }
}

/** POST /api/notifications/mail: answer fast; enqueue ids of genuine notifications only. */
export function mailNotification(deps: () => AppDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await readNotifications(request, "change notification");
    if ("response" in read) return read.response;
    const d = deps();
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
export function mailIntake(deps: () => AppDeps) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const { messageId: id, key } = (message ?? {}) as { messageId?: unknown; key?: unknown };
    if (typeof id !== "string" || !id) {
      context.error("mail-intake: message without messageId; dropped");
      return;
    }
    const d = deps();
    await d.refreshCalendar();
    // `key`: where a throttled attempt got to (a hash), so the retry need not read the email again.
    const r = await processMessage(d, id, d.timing.leaseMs, typeof key === "string" && /^[0-9a-f]{64}$/.test(key) ? key : undefined);
    if (r.status === "busy" || r.status === "later") {
      const seconds = (r.retryAfterMs ?? d.timing.leaseMs) / 1000;
      await d.queue.send([{ messageId: id, ...(r.resumeKey ? { key: r.resumeKey } : {}) }], seconds);
      if (r.status === "later") d.log.info("mail-intake.throttled", { retryAfterSeconds: seconds });
    }
    context.log(
      `mail-intake: ${r.status === "later" ? `throttled, queued again in ${(r.retryAfterMs ?? 0) / 1000} s` : r.status}${r.outcome ? ` ${r.outcome}` : ""}${r.caseRef ? ` ${r.caseRef}` : ""}`,
    );
  };
}

/** Reconciles the inbox with a stored deltaLink; enqueues anything not yet processed. */
export async function sweepInbox(d: AppDeps): Promise<{ enqueued: number; resynced: boolean }> {
  const user = `/users/${encodeURIComponent(d.partnership.intake.mailbox)}`;
  let link = await d.state.getSync(DELTA_KEY);
  let resynced = false;
  if (link && new URL(link).origin !== d.graphOrigin) {
    d.log.warn("mail-sweep.resync", { reason: "stored deltaLink is for another Graph endpoint" });
    link = null;
    resynced = true;
  }
  for (let round = 0; round < 2; round++) {
    const toQueue: string[] = [];
    try {
      let page = link
        ? await d.graph.api(link).header("Prefer", 'IdType="ImmutableId", odata.maxpagesize=50').get()
        : await d.graph
            .api(`${user}/mailFolders/inbox/messages/delta`)
            .header("Prefer", 'IdType="ImmutableId", odata.maxpagesize=50')
            .select("id,internetMessageId,receivedDateTime")
            .get();
      // Mail younger than a lease is in hand (its notification queued it); the reconciler looks
      // again at anything still undone later, so skipping it here loses nothing.
      const recent = d.now().getTime() - d.timing.leaseMs;
      for (;;) {
        for (const m of page.value as GraphJson[]) {
          if (m["@removed"]) continue;
          if (m.receivedDateTime && Date.parse(m.receivedDateTime) > recent) continue;
          const st = await d.state.intake(sha(m.internetMessageId || m.id));
          if (st?.stage !== "done") toQueue.push(m.id);
        }
        if (page["@odata.nextLink"]) page = await d.graph.api(page["@odata.nextLink"]).header("Prefer", 'IdType="ImmutableId", odata.maxpagesize=50').get();
        else break;
      }
      if (toQueue.length) await d.queue.send(toQueue.map((messageId) => ({ messageId })));
      await d.state.setSync(DELTA_KEY, page["@odata.deltaLink"]);
      d.log.info("mail-sweep.done", { enqueued: toQueue.length, resynced });
      return { enqueued: toQueue.length, resynced };
    } catch (e) {
      const code = statusOf(e);
      if (code === 410 && link) {
        // The sync state expired: start again from nothing. The worker dedupes what was done.
        d.log.warn("mail-sweep.resync", { reason: "delta token expired" });
        link = null;
        resynced = true;
        await d.state.setSync(DELTA_KEY, null);
        continue;
      }
      throw e;
    }
  }
  throw new Error("mail sweep could not resync");
}

/** Runs `first`, then `then` whatever happened to `first`; then `first`'s failure, if any, goes up. */
async function thenEvenIfFailed(first: () => Promise<void>, then: () => Promise<void>): Promise<void> {
  let failed: { error: unknown } | undefined;
  try {
    await first();
  } catch (error) {
    failed = { error };
  }
  await then();
  if (failed) throw failed.error;
}

/** Every 15 minutes: the delta sweep (missed notifications), then the reconciler (anything unfinished). */
export function mailSweep(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    // The reconciler runs even when the sweep fails: it does not depend on the delta link.
    await thenEvenIfFailed(
      async () => {
        const r = await sweepInbox(d);
        context.log(`mail-sweep: enqueued ${r.enqueued}${r.resynced ? " after a full resync" : ""}`);
      },
      async () => {
        await d.state.setSync(HEALTH_KEYS.lastSweep, d.now().toISOString());
        const c = await reconcileIntake(d, d.timing.reconcileAfterMs);
        context.log(
          `mail-reconcile: ${c.requeued} queued again (${c.fromInbox} in the Inbox, ${c.unfinished} unfinished, ${c.poisonRetried} poisoned retried), ${c.poisonLeft} left poisoned`,
        );
      },
    );
  };
}

interface StoredSubscription {
  id: string;
  expiresAt: string;
}

/** Creates the inbox subscription, or renews it when it expires within a day. */
export async function keepSubscription(d: AppDeps, force = false): Promise<{ action: "created" | "renewed" | "kept"; id: string; expiresAt: string }> {
  const { notificationUrl, lifecycleUrl, clientState } = d.settings;
  if (!notificationUrl || !clientState) throw new Error("MAIL_NOTIFICATION_URL and MAIL_CLIENT_STATE must be set to subscribe to mail");
  const raw = await d.state.getSync(SUB_KEY);
  const current = raw ? (JSON.parse(raw) as StoredSubscription) : null;
  const expiry = new Date(d.now().getTime() + SUBSCRIPTION_MINUTES * 60_000).toISOString();
  if (current && !force && Date.parse(current.expiresAt) - d.now().getTime() > RENEW_WITHIN_MS) return { action: "kept", ...current };
  if (current) {
    try {
      const r = await d.graph.api(`/subscriptions/${current.id}`).patch({ expirationDateTime: expiry });
      const s = { id: r.id as string, expiresAt: r.expirationDateTime as string };
      await d.state.setSync(SUB_KEY, JSON.stringify(s));
      d.log.info("mail-subscription.renewed", { expiresAt: s.expiresAt });
      return { action: "renewed", ...s };
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  }
  const r = await d.graph.api("/subscriptions").post({
    changeType: "created",
    notificationUrl,
    ...(lifecycleUrl ? { lifecycleNotificationUrl: lifecycleUrl } : {}),
    resource: `users/${d.partnership.intake.mailbox}/mailFolders('inbox')/messages`,
    expirationDateTime: expiry,
    clientState,
  });
  const s = { id: r.id as string, expiresAt: r.expirationDateTime as string };
  await d.state.setSync(SUB_KEY, JSON.stringify(s));
  d.log.info("mail-subscription.created", { expiresAt: s.expiresAt });
  return { action: "created", ...s };
}

/** Hourly: keeps the subscription; then tells the partnership lead (once a day) if intake needs them. */
export function mailSubscription(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    // The lead is told even when the renewal fails (that is when they most need to know).
    await thenEvenIfFailed(
      async () => {
        const r = await keepSubscription(d);
        context.log(`mail-subscription: ${r.action}, expires ${r.expiresAt}`);
      },
      async () => {
        const alerted = await alertLead(d);
        if (alerted) context.log(`mail-health: the partnership lead was told (${alerted})`);
      },
    );
  };
}

/** The health report's alerts to the partnership lead, by Teams when the bot knows their chat and by email, once a day. */
export async function alertLead(d: AppDeps): Promise<string | null> {
  const report = await d.health();
  if (!report.alerts.length) return null;
  const lead = d.partnership.partnershipLead.email;
  const key = `health-alert|${d.now().toISOString().slice(0, 10)}|${sha(report.alerts.map((a) => a.slice(0, 30)).join("|")).slice(0, 16)}`;
  if (await d.state.getSync(key)) return null;
  const text = describeHealth(report);
  await d.notify(lead, text).catch((e: Error) => d.log.warn("mail-health.teams-failed", { reason: shortReason(e) }));
  await d.mailer.send({ to: [lead], subject: `Cluster Desk: mailbox intake needs attention`, body: text.replace(/\*\*/g, ""), marker: `cd-${key}` });
  await d.state.setSync(key, d.now().toISOString());
  return `${report.alerts.length} alert(s)`;
}

/** POST /api/notifications/lifecycle: reauthorize, recreate, or sweep for missed mail. */
export function mailLifecycle(deps: () => AppDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await readNotifications(request, "lifecycle notification");
    if ("response" in read) return read.response;
    const d = deps();
    for (const n of read.items) {
      if (!sameSecret(n?.clientState, d.settings.clientState)) {
        d.log.warn("mail-lifecycle.rejected", { reason: "clientState mismatch" });
        continue;
      }
      if (n.lifecycleEvent === "reauthorizationRequired") await keepSubscription(d, true);
      else if (n.lifecycleEvent === "subscriptionRemoved") {
        await d.state.setSync(SUB_KEY, null);
        await keepSubscription(d, true);
      } else if (n.lifecycleEvent === "missed") await sweepInbox(d);
      context.log(`mail-lifecycle: ${n.lifecycleEvent}`);
    }
    return { status: 202 };
  };
}

/** Hourly: invitations, HT reminders, deadline reminders (each once). */
export function outlookReminders(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    await d.refreshCalendar();
    const r = await runOutlook({ ...d, kv: d.state });
    context.log(
      `outlook: ${r.invited} invited, ${r.updated} updated, ${r.htReminders} HT reminders, ${r.deadlineReminders} deadline reminders, ${r.skipped.length} skipped`,
    );
  };
}

/** Hourly: acknowledgement reminders to SCLs and escalations to the partnership lead (each once). */
export function acknowledgements(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    await d.refreshCalendar();
    const r = await runAcknowledgements({ ...d, kv: d.state });
    const reviews = await runReviewReminders({ ...d, kv: d.state });
    // After the last cluster meeting of a term: the term's figures to the partnership lead, once.
    const term = await runTermlyReport({ ...d, kv: d.state, intakeSince: (since) => d.cases.intakeSince(since) });
    if (term) context.log(`report: ${term} sent to the partnership lead`);
    context.log(`acknowledgements: ${r.reminded.length} reminded, ${r.escalated.length} escalated; reviews: ${reviews.reminded.length} reminded`);
  };
}

/** Hourly: each cluster's agenda to its channel N working days before the meeting (once). */
export function agendas(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    await d.refreshCalendar();
    const r = await runAgendas({ ...d, kv: d.state });
    // The year's calendar: the next year's proposal to the partnership lead, and moved meetings told to their leads.
    const c = await runCalendarDuties({ ...d, kv: d.state, meetings: d.meetingsList, refresh: () => d.refreshCalendar(true) });
    context.log(
      `agendas: ${r.posted.length} posted; ${r.waiting.join("; ") || "none waiting"}; calendar: ${c.proposed ? `${c.proposed} proposed` : "nothing to propose"}, ${c.told.length} change(s) told`,
    );
  };
}
