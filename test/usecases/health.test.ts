/**
 * The mailbox's health (core/usecases/health.ts) on in-memory fakes: the figures it reads (the
 * subscription's expiry, today's forms by outcome since London's midnight, the 95th percentile of
 * receipt times over the last day, the queues), the alerts it raises, and the partnership lead's
 * alert: once a day for the same alerts, by email even when Teams fails.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { alertLead, describeHealth, HEALTH_KEYS, mailboxHealth, type HealthDeps } from "../../core/usecases/health.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeKv, FakeMailer } from "../fakes/teams.js";
import { FakeLog, FakeTeamsMessages } from "../fakes/people.js";
import { FakeRegister } from "../fakes/intake.js";
import { receiptCode, type AuditRow } from "../../core/ports.js";
import { INBOX_WAITING_KEY } from "../../core/usecases/reconcile.js";
import { repliesPausedKey } from "../../core/usecases/intake.js";
import { CHECK_BY_HAND } from "../../core/rules/mailRules.js";

const LEAD = "lead@council.example";
let kv: FakeKv;
let register: FakeRegister;
let queue: number;
let poison: number;
let clock: Date;
let d: HealthDeps;

const intake = (at: Date, outcome: string, receipt: number | null, n: number) =>
  register.audit({
    key: `intake|${n}`,
    event: "intake",
    caseRef: null,
    outcome,
    at: at.toISOString(),
    actor: "mailbox",
    detail: receipt === null ? "" : receiptCode(receipt),
  } satisfies AuditRow);

beforeEach(async () => {
  kv = new FakeKv();
  register = new FakeRegister();
  queue = 0;
  poison = 0;
  clock = fromLocal("2027-03-10", "09:00");
  d = {
    kv,
    queueDepth: async () => queue,
    poisonDepth: async () => poison,
    intakeSince: (since) => register.intakeSince(since),
    now: () => clock,
  };
  await kv.setSync(HEALTH_KEYS.subscription, JSON.stringify({ id: "sub-1", expiresAt: new Date(clock.getTime() + 50 * 3_600_000).toISOString() }));
  await kv.setSync(HEALTH_KEYS.lastNotification, "2027-03-10T08:59:00.000Z");
});

describe("mailbox health: mail that waits, paused replies, mail kept for a person (issue 29)", () => {
  it("says what the reconciler found waiting in the Inbox, how many senders had replies paused today, and what is in Check by hand", async () => {
    expect((await mailboxHealth(d)).alerts).toEqual([]);
    await kv.setSync(INBOX_WAITING_KEY, JSON.stringify({ waiting: 3, at: "2027-03-10T08:52:00.000Z", afterMinutes: 5 }));
    await kv.setSync(repliesPausedKey("2027-03-10"), "2");
    await kv.setSync(repliesPausedKey("2027-03-09"), "7"); // yesterday's: not today's alert
    await intake(fromLocal("2027-03-10", "08:30"), CHECK_BY_HAND, 2, 1);
    const r = await mailboxHealth(d);
    expect(r.inboxWaiting).toEqual({ count: 3, at: "2027-03-10T08:52:00.000Z", afterMinutes: 5 });
    expect(r.alerts).toEqual([
      "3 email(s) were still in the Inbox after 5 minutes at 2027-03-10 08:52 (London time); the reconciler queued them again. If the number stays, look at them in the mailbox.",
      "Replies to 2 sender(s) were paused today: each sent more emails in an hour than the partnership's limit of replies. Their forms were still logged as cases, with no receipt; the SCLs acknowledge them by hand.",
      '1 email(s) today looked automatic but carried what may be a form from a school: they are in the mailbox\'s "Check by hand" folder, with no case and no reply.',
    ]);
    expect(describeHealth(r)).toContain("Inbox: 3 waiting over 5 minutes");
    // Once the reconciler finds the Inbox clear, the alert goes.
    await kv.setSync(INBOX_WAITING_KEY, JSON.stringify({ waiting: 0, at: "2027-03-10T09:07:00.000Z", afterMinutes: 5 }));
    expect((await mailboxHealth(d)).alerts.some((a) => a.includes("still in the Inbox"))).toBe(false);
  });
});

describe("mailbox health: the figures", () => {
  it("healthy: the subscription's hours left, the last notification and sweep, the queues, no alert", async () => {
    queue = 3;
    const r = await mailboxHealth(d);
    expect(r).toMatchObject({
      subscription: { hoursLeft: 50 },
      lastNotification: "2027-03-10T08:59:00.000Z",
      lastSweep: null,
      queue: 3,
      poison: 0,
      alerts: [],
    });
    expect(describeHealth(r)).toMatch(
      /^Mailbox intake is healthy\.\n\nTimes are London's\. Subscription: expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(50 h\)\.\n\nLast notification: 2027-03-10 08:59; last sweep: never\.\n\nQueue: 3 waiting, 0 poisoned\./,
    );
  });

  it("today's forms are counted from London's midnight; the 95th percentile of receipt times covers the last 24 hours", async () => {
    // 15 forms today (one waited 300 s), 5 yesterday evening (inside the last day, not today).
    for (let i = 0; i < 15; i++) await intake(fromLocal("2027-03-10", "08:00"), i < 13 ? "accepted" : "late", i === 14 ? 300 : 10 + i, i);
    for (let i = 0; i < 5; i++) await intake(fromLocal("2027-03-09", "20:00"), "needs-attention", 5, 100 + i);
    await intake(fromLocal("2027-03-08", "20:00"), "accepted", 9_999, 200); // two days ago: in neither
    const r = await mailboxHealth(d);
    expect(r.today).toEqual({ accepted: 13, late: 2, "needs-attention": 5 });
    // 20 receipts in the last day: 5 s five times, 10 s to 23 s, and 300 s. The 95th percentile is
    // the 19th smallest (ceil(0.95 × 20) = 19), 23 s; the one of 300 s is the worst 5%.
    expect(r.receiptP95Seconds).toBe(23);
  });

  it("alerts: no subscription; a subscription within a day of expiry; a poison queue that is not empty", async () => {
    poison = 2;
    await kv.setSync(HEALTH_KEYS.subscription, JSON.stringify({ expiresAt: new Date(clock.getTime() + 5 * 3_600_000).toISOString() }));
    expect((await mailboxHealth(d)).alerts).toEqual([
      expect.stringMatching(/^The mail subscription expires in 5 hours \(.+\); the hourly renewal has not worked\.$/),
      "2 email(s) failed every retry (the poison queue); the reconciler retries them, or retry them now.",
    ]);
    await kv.setSync(HEALTH_KEYS.subscription, null);
    poison = 0;
    const r = await mailboxHealth(d);
    expect(r.alerts).toEqual(["There is no mail subscription: new forms are found only by the 15-minute sweep."]);
    expect(describeHealth(r)).toMatch(/^\*\*Needs attention:\*\* There is no mail subscription/);
  });
});

describe("mailbox health: the partnership lead's alert", () => {
  let mail: FakeMailer;
  let teams: FakeTeamsMessages;
  let log: FakeLog;
  let state: FakeKv;
  const run = () =>
    alertLead({
      partnership: { partnershipLead: { email: LEAD } },
      health: () => mailboxHealth(d),
      notify: teams.notify,
      mailer: mail,
      state,
      log,
      now: () => clock,
    });
  beforeEach(() => {
    mail = new FakeMailer();
    teams = new FakeTeamsMessages([LEAD]);
    log = new FakeLog();
    state = new FakeKv();
  });

  it("nothing when healthy", async () => {
    expect(await run()).toBeNull();
    expect(mail.outbox).toEqual([]);
  });

  it("in Teams and by email, once a day for the same alerts; a new alert the same day goes too; the next day again", async () => {
    poison = 1;
    expect(await run()).toBe("1 alert(s)");
    expect(await run()).toBeNull();
    await kv.setSync(HEALTH_KEYS.subscription, null);
    expect(await run()).toBe("2 alert(s)");
    clock = fromLocal("2027-03-11", "09:00");
    expect(await run()).toBe("2 alert(s)");
    expect(mail.to(LEAD).map((m) => m.subject)).toEqual(Array(3).fill("Cluster Desk: mailbox intake needs attention"));
    expect(mail.to(LEAD)[0]!.body).toMatch(/^Needs attention: 1 email\(s\) failed every retry/);
    expect(teams.to(LEAD)).toHaveLength(3);
  });

  it("Teams failing: the email still goes, and the failure is logged by status", async () => {
    poison = 1;
    teams.down = true;
    expect(await run()).toBe("1 alert(s)");
    expect(mail.to(LEAD)).toHaveLength(1);
    expect(log.lines).toEqual([
      // Every hour with an alert, the warning Azure Monitor alerts on (infra/modules/alerts.bicep).
      { level: "warn", event: "mail-health.alert", fields: { alerts: 1, poison: 1, subscriptionHoursLeft: expect.any(Number) } },
      { level: "warn", event: "mail-health.teams-failed", fields: { reason: "503: Teams is unavailable" } },
    ]);
  });
});
