/**
 * The mailbox's health, for the partnership lead (`health` in Teams, `npx cluster-desk health`):
 * the change-notification subscription's expiry, when the last notification and the last sweep
 * came, the intake and poison queues, today's forms by outcome, and how long schools waited for
 * their receipt (95th percentile over the last day). Alerts when the subscription is within a
 * day of expiry or the poison queue is not empty.
 */
import type { KeyValuePort, Logger, MailSenderPort } from "../ports.js";
import { shortReason } from "../errors.js";
import { repliesPausedKey, sha } from "./intake.js";
import { INBOX_WAITING_KEY } from "./reconcile.js";
import { CHECK_BY_HAND } from "../rules/mailRules.js";
import { fromLocal, londonMinute, toLocal } from "../rules/time.js";

export const HEALTH_KEYS = { lastNotification: "health|last-notification", lastSweep: "health|last-sweep", subscription: "mail-subscription" } as const;

export interface HealthDeps {
  kv: Pick<KeyValuePort, "getSync">;
  queueDepth: () => Promise<number>;
  poisonDepth: () => Promise<number>;
  /** Intake audit rows written since `since` (ISO): outcome and the seconds from arrival to receipt. */
  intakeSince: (since: string) => Promise<{ outcome: string; receiptSeconds: number | null }[]>;
  now: () => Date;
}

export interface HealthReport {
  subscription: { expiresAt: string; hoursLeft: number } | null;
  lastNotification: string | null;
  lastSweep: string | null;
  queue: number;
  poison: number;
  /** Emails that had waited in the Inbox past the reconciler's bound when it last looked. */
  inboxWaiting: { count: number; at: string; afterMinutes: number } | null;
  /** Forms since midnight in London, by outcome. */
  today: Record<string, number>;
  /** Seconds from an email's arrival to its receipt, 95th percentile, over the last 24 hours. */
  receiptP95Seconds: number | null;
  alerts: string[];
}

export async function mailboxHealth(d: HealthDeps): Promise<HealthReport> {
  const now = d.now();
  const sub = await d.kv.getSync(HEALTH_KEYS.subscription);
  const s = sub ? (JSON.parse(sub) as { expiresAt: string }) : null;
  const midnight = fromLocal(toLocal(now).date, "00:00").toISOString();
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const rows = await d.intakeSince(midnight < dayAgo ? midnight : dayAgo);
  const today: Record<string, number> = {};
  const waits: number[] = [];
  for (const r of rows) {
    today[r.outcome] = (today[r.outcome] ?? 0) + 1;
    if (r.receiptSeconds !== null) waits.push(r.receiptSeconds);
  }
  waits.sort((a, b) => a - b);
  const report: HealthReport = {
    subscription: s ? { expiresAt: s.expiresAt, hoursLeft: Math.round((Date.parse(s.expiresAt) - now.getTime()) / 3_600_000) } : null,
    lastNotification: await d.kv.getSync(HEALTH_KEYS.lastNotification),
    lastSweep: await d.kv.getSync(HEALTH_KEYS.lastSweep),
    queue: await d.queueDepth(),
    poison: await d.poisonDepth(),
    inboxWaiting: inboxWaiting(await d.kv.getSync(INBOX_WAITING_KEY)),
    today,
    receiptP95Seconds: waits.length ? waits[Math.min(waits.length - 1, Math.ceil(0.95 * waits.length) - 1)]! : null,
    alerts: [],
  };
  if (!report.subscription) report.alerts.push("There is no mail subscription: new forms are found only by the 15-minute sweep.");
  else if (report.subscription.hoursLeft < 24)
    report.alerts.push(
      `The mail subscription expires in ${report.subscription.hoursLeft} hours (${londonMinute(report.subscription.expiresAt)}, London time); the hourly renewal has not worked.`,
    );
  if (report.inboxWaiting?.count)
    report.alerts.push(
      `${report.inboxWaiting.count} email(s) were still in the Inbox after ${report.inboxWaiting.afterMinutes} minutes at ${londonMinute(report.inboxWaiting.at)} (London time); the reconciler queued them again. If the number stays, look at them in the mailbox.`,
    );
  const paused = Number((await d.kv.getSync(repliesPausedKey(toLocal(now).date))) ?? 0);
  if (paused)
    report.alerts.push(
      `Replies to ${paused} sender(s) were paused today: each sent more emails in an hour than the partnership's limit of replies. Their forms were still logged as cases, with no receipt; the SCLs acknowledge them by hand.`,
    );
  const byHand = report.today[CHECK_BY_HAND] ?? 0;
  if (byHand)
    report.alerts.push(
      `${byHand} email(s) today looked automatic but carried what may be a form from a school: they are in the mailbox's "Check by hand" folder, with no case and no reply.`,
    );
  if (report.poison > 0) report.alerts.push(`${report.poison} email(s) failed every retry (the poison queue); the reconciler retries them, or retry them now.`);
  return report;
}

function inboxWaiting(json: string | null): HealthReport["inboxWaiting"] {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as { waiting?: number; at?: string; afterMinutes?: number };
    return typeof v.waiting === "number" && v.at ? { count: v.waiting, at: v.at, afterMinutes: v.afterMinutes ?? 5 } : null;
  } catch {
    return null;
  }
}

/** The report as a few lines of text (Teams, the CLI's summary). */
export function describeHealth(r: HealthReport): string {
  const outcomes =
    Object.entries(r.today)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  return [
    r.alerts.length ? `**Needs attention:** ${r.alerts.join(" ")}` : "Mailbox intake is healthy.",
    `Times are London's. Subscription: ${r.subscription ? `expires ${londonMinute(r.subscription.expiresAt)} (${r.subscription.hoursLeft} h)` : "none"}.`,
    `Last notification: ${r.lastNotification ? londonMinute(r.lastNotification) : "never"}; last sweep: ${r.lastSweep ? londonMinute(r.lastSweep) : "never"}.`,
    `Queue: ${r.queue} waiting, ${r.poison} poisoned.${r.inboxWaiting ? ` Inbox: ${r.inboxWaiting.count} waiting over ${r.inboxWaiting.afterMinutes} minutes (${londonMinute(r.inboxWaiting.at)}).` : ""}`,
    `Forms today: ${outcomes}. Receipt within ${r.receiptP95Seconds ?? "-"} s for 95% of emails over the last day.`,
  ].join("\n\n");
}

export interface AlertDeps {
  partnership: { partnershipLead: { email: string } };
  health: () => Promise<HealthReport>;
  /** A Teams message to a person whose chat the bot knows (false if it does not). */
  notify: (email: string, text: string) => Promise<boolean>;
  mailer: Pick<MailSenderPort, "send">;
  state: KeyValuePort;
  log: Logger;
  now: () => Date;
}

/** The health report's alerts to the partnership lead, by Teams when the bot knows their chat and by email, once a day. */
export async function alertLead(d: AlertDeps): Promise<string | null> {
  const report = await d.health();
  if (!report.alerts.length) return null;
  // Each hour there is something wrong, a warning the council's IT team alerts on (infra/modules/alerts.bicep).
  d.log.warn("mail-health.alert", { alerts: report.alerts.length, poison: report.poison, subscriptionHoursLeft: report.subscription?.hoursLeft ?? -1 });
  const lead = d.partnership.partnershipLead.email;
  const key = `health-alert|${d.now().toISOString().slice(0, 10)}|${sha(report.alerts.map((a) => a.slice(0, 30)).join("|")).slice(0, 16)}`;
  if (await d.state.getSync(key)) return null;
  const text = describeHealth(report);
  await d.notify(lead, text).catch((e: unknown) => d.log.warn("mail-health.teams-failed", { reason: shortReason(e) }));
  await d.mailer.send({ to: [lead], subject: `Cluster Desk: mailbox intake needs attention`, body: text.replace(/\*\*/g, ""), marker: `cd-${key}` });
  await d.state.setSync(key, d.now().toISOString());
  return `${report.alerts.length} alert(s)`;
}
