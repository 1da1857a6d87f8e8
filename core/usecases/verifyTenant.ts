/**
 * `npx cluster-desk verify-tenant`: on day one, before the first school emails, each platform
 * behaviour Cluster Desk relies on is tried against the council's tenant and said as pass or fail
 * with what to do (issue 28). Nothing here is a school's data: the probe email goes from the secure
 * mailbox to itself (intake files it as the product's own mail, with no case and no reply), and the
 * probe list item is deleted.
 */
import type { Partnership } from "../config.js";
import type { DraftState, KeyValuePort, MailSenderPort } from "../ports.js";
import { unreachable } from "../rules/doctor.js";
import { londonMinute } from "../rules/time.js";
import { HEALTH_KEYS } from "./health.js";
import { keepSubscription, type SubscriptionDeps } from "./subscription.js";

export interface VerifyCheck {
  check: string;
  result: "pass" | "fail";
  detail: string;
  /** What to do when it fails. */
  fix?: string;
}

export interface VerifyDeps extends SubscriptionDeps {
  partnership: Partnership;
  /** What `provision` would still have to do to the site (empty: the lists, columns and indexes are there). */
  siteProblems(): Promise<string[]>;
  /** Creates a probe case twice with one reference: whether the second was refused; the probe is deleted. */
  duplicateRefused(probeRef: string): Promise<boolean>;
  mailer: Pick<MailSenderPort, "draft" | "sendDraft" | "draftState">;
  kv: Pick<KeyValuePort, "getSync">;
  /** Whether the bot has a personal chat with this person (they installed the app or it was installed for them). */
  reaches(email: string): Promise<boolean>;
  sleep(ms: number): Promise<void>;
  /** How long to wait for the probe to be sent and notified. */
  waitMs: number;
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 200);

export async function verifyTenant(d: VerifyDeps): Promise<{ ok: boolean; checks: VerifyCheck[] }> {
  const p = d.partnership;
  const checks: VerifyCheck[] = [];
  const pass = (check: string, detail: string) => checks.push({ check, result: "pass", detail });
  const fail = (check: string, detail: string, fix: string) => checks.push({ check, result: "fail", detail, fix });
  const stamp = d.now().toISOString();
  const token = stamp.replace(/\D/g, "").slice(0, 14);

  // 1. The lists, their columns and indexes (the windowed reads fail past 5,000 items without them).
  const lists = "SharePoint lists, columns and indexes";
  try {
    const problems = await d.siteProblems();
    if (problems.length) fail(lists, `missing: ${problems.join("; ")}`, "npx cluster-desk provision (as a site owner), then run verify-tenant again");
    else pass(lists, "every list, column, index and library is there");
  } catch (e) {
    fail(lists, `the site could not be read: ${msg(e)}`, "check SHAREPOINT_SITE and the Sites.Selected grant (docs/deploy.md, step 3)");
  }

  // 2. Two schools are never given one reference: SharePoint refuses a duplicate Cases.Title.
  const unique = "Cases.Title refuses a duplicate reference";
  try {
    if (await d.duplicateRefused(`VERIFY-${token}`)) pass(unique, "a second case with the same reference was refused");
    else fail(unique, "a second case with the same reference was accepted", "npx cluster-desk provision (it makes Cases.Title indexed and unique)");
  } catch (e) {
    fail(unique, `the probe case could not be written: ${msg(e)}`, "check the Sites.Selected grant is `write` (docs/deploy.md, step 3)");
  }

  // 3. The mail subscription: created or renewed now (Graph validates the notification URL first).
  const subscription = "mail subscription";
  let subscribed = false;
  try {
    const s = await keepSubscription(d, true);
    subscribed = true;
    pass(subscription, `${s.action}; expires ${londonMinute(s.expiresAt)} (London time)`);
  } catch (e) {
    fail(
      subscription,
      `Graph refused it: ${msg(e)}`,
      "check the Exchange RBAC scope covers the secure mailbox (docs/deploy.md, step 2) and that MAIL_NOTIFICATION_URL answers Graph's validation",
    );
  }

  // 4. A reply can be sent and found again by its id (how a resumed reply is never sent twice).
  const reply = "a reply is sent and found again by its id";
  const before = await d.kv.getSync(HEALTH_KEYS.lastNotification).catch(() => null);
  let sentAt: number | null = null;
  try {
    const id = await d.mailer.draft({
      to: [p.intake.mailbox],
      subject: `Cluster Desk check ${stamp}`,
      body: "This email is Cluster Desk's day-one check (npx cluster-desk verify-tenant). It needs no action; Cluster Desk files it as its own mail.",
      marker: `cd-verify-${token}`,
    });
    await d.mailer.sendDraft(id);
    sentAt = d.now().getTime();
    let state: DraftState = await d.mailer.draftState(id);
    for (let waited = 0; state !== "sent" && waited < d.waitMs; waited += 2000) {
      await d.sleep(2000);
      state = await d.mailer.draftState(id);
    }
    if (state === "sent") pass(reply, "the probe was sent from the secure mailbox and found in Sent Items by its immutable id");
    else
      fail(
        reply,
        `after sending, the probe is "${state}", not in Sent Items`,
        "check Application Mail.Send in the Exchange RBAC scope (docs/deploy.md, step 2)",
      );
  } catch (e) {
    fail(reply, `the probe could not be sent: ${msg(e)}`, "check Application Mail.ReadWrite and Mail.Send in the Exchange RBAC scope (docs/deploy.md, step 2)");
  }

  // 5. The probe, arriving in the Inbox, is notified to the functions.
  const notified = "a change notification arrives";
  if (!subscribed || sentAt === null) fail(notified, "not tried: the subscription or the probe failed", "fix the checks above first");
  else {
    let last = before;
    for (let waited = 0; last === before && waited < d.waitMs; waited += 2000) {
      await d.sleep(2000);
      last = await d.kv.getSync(HEALTH_KEYS.lastNotification);
    }
    if (last !== before) pass(notified, `the functions were notified at ${last ? londonMinute(last) : "?"} (London time)`);
    else
      fail(
        notified,
        `no notification within ${Math.round(d.waitMs / 1000)} s of the probe`,
        "check the Function App is running and MAIL_NOTIFICATION_URL is its public address (npx cluster-desk health); the 15-minute sweep still finds mail meanwhile",
      );
  }

  // 6. The bot reaches each lead (their cases' cards and reminders).
  const bot = "the bot reaches each lead";
  const people = [...p.leads.map((l) => l.email), p.partnershipLead.email];
  const reached = new Set<string>();
  for (const e of people) if (await d.reaches(e).catch(() => false)) reached.add(e.toLowerCase());
  const missing = unreachable(p, reached);
  if (missing.length) fail(bot, `not yet: ${missing.map((m) => m.where).join("; ")}`, missing[0]!.fix);
  else pass(bot, `all ${people.length} reached in Teams`);

  return { ok: checks.every((c) => c.result === "pass"), checks };
}
