/**
 * The termly report's timer (core/usecases/termly.ts) on in-memory fakes, through the 2026-27
 * year (the 2023 run is in test/report.test.ts): each term's report goes the day after its last
 * cluster meeting, once; it counts the Attendance list's records and the register's cases of that
 * term only; it goes in Teams when the bot knows the lead, by email otherwise; a failed save to
 * the Reports library still sends the figures, with the CLI command instead of the link.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { leadReport, runTermlyReport, termJustEnded, type TermlyDeps } from "../../core/usecases/termly.js";
import type { StoredCase } from "../../core/ports.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeAttendance } from "../fakes/calendar.js";
import { FakeCases, FakeKv, FakeMailer } from "../fakes/teams.js";
import { FakeLog, FakeTeamsMessages } from "../fakes/people.js";
import { inYear } from "./year.js";

const p = inYear("hounslow-mip", "2026-27");
const c5 = p.clusters.find((c) => c.id === 5)!;
const LEAD = p.partnershipLead.email;

let cases: FakeCases;
let attendance: FakeAttendance;
let mail: FakeMailer;
let kv: FakeKv;
let log: FakeLog;
let teams: FakeTeamsMessages;
let clock: Date;
let d: TermlyDeps;
const at = (date: string, time = "09:00") => (clock = fromLocal(date, time));
const decided = (ref: string, heard: string, awarded: number): StoredCase["fields"] => ({
  Title: ref,
  Status: "Decided",
  Cluster: 5,
  School: c5.schools[0]!.name,
  Phase: "secondary",
  SenderEmail: "senco@bolder.example",
  ReceivedAt: `${heard}T08:00:00Z`,
  MeetingDate: `${heard}T14:00:00Z`,
  CaseType: "Individual",
  CypCount: 1,
  TermsSought: 2,
  AmountRequested: 3000,
  AmountAwarded: awarded,
  Decision: awarded ? "Agree to fund" : "Do not fund (alternative support)",
  DecisionAt: `${heard}T15:00:00Z`,
  AcknowledgedAt: `${heard}T09:00:00Z`,
});

beforeEach(() => {
  cases = new FakeCases();
  attendance = new FakeAttendance();
  mail = new FakeMailer();
  kv = new FakeKv();
  log = new FakeLog();
  teams = new FakeTeamsMessages();
  d = { partnership: p, cases, mailer: mail, kv, log, now: () => clock, notify: teams.notify, attendance, intakeSince: async () => [] };
});

describe("termly: which term has just ended", () => {
  it.each([
    ["2026-12-17", null], // the autumn term's last cluster meeting is that day
    ["2026-12-18", "autumn-2026"],
    ["2027-01-05", null],
    ["2027-03-19", "spring-2027"],
    ["2027-04-12", null], // the summer term has begun, no meeting yet
    ["2027-07-16", "summer-2027"],
    ["2027-09-02", null],
  ])("on %s: %s", (today, term) => {
    expect(termJustEnded(d, today)).toBe(term);
  });
});

describe("termly: the partnership lead's report", () => {
  beforeEach(async () => {
    cases.add(decided("C5-2026-0001", "2026-11-19", 3000));
    cases.add(decided("C5-2026-0002", "2026-12-17", 0));
    cases.add(decided("C5-2026-0003", "2027-01-14", 1500)); // spring: not in autumn's figures
    const marked = (date: string, n: number) => c5.schools.map((s, i) => ({ clusterId: 5, date, school: s.name, attended: i < n }));
    await attendance.record(marked("2026-11-19", 5), "kl", "2026-11-19T16:00:00Z");
    await attendance.record(marked("2026-12-17", 10), "kl", "2026-12-17T16:00:00Z");
    await attendance.record(marked("2027-01-14", 1), "kl", "2027-01-14T16:00:00Z");
  });

  it("the day after the term's last meeting, once, by email when the bot does not know the lead, with that term's figures", async () => {
    at("2026-12-17", "18:00");
    expect(await runTermlyReport(d)).toBeNull();
    at("2026-12-18");
    expect(await runTermlyReport(d)).toBe("autumn-2026");
    at("2026-12-18", "10:00");
    expect(await runTermlyReport(d)).toBeNull();
    const [email] = mail.to(LEAD);
    expect(mail.to(LEAD)).toHaveLength(1);
    expect(email!.subject).toBe("MIP evaluation: Autumn term 2026");
    expect(email!.body).not.toContain("**");
    expect(email!.body).toContain("2 cases presented, 2 CYP; 1 CYP supported with funding");
    expect(email!.body).toContain("Awarded £3,000 of £6,000 requested.");
    // Cluster 5's two autumn meetings recorded: 5 of 10, then 10 of 10 (January's 1 of 10 is spring's).
    expect(email!.body).toContain("SENDCo attendance 75% (2 meetings recorded)");
    expect(email!.body).toContain("The full report: `npx cluster-desk report --term autumn-2026 --format html --out autumn-2026.html`");
    expect(log.lines).toEqual([{ level: "info", event: "report.sent", fields: { term: "autumn-2026" } }]);
  });

  it("in Teams when the bot knows the lead's chat, linking the report saved to the Reports library", async () => {
    teams = new FakeTeamsMessages([LEAD]);
    const saved: string[] = [];
    at("2027-03-19");
    const term = await runTermlyReport({
      ...d,
      notify: teams.notify,
      publishReport: async (r, t) => (saved.push(`${r.period.label} ${t}`), { name: `${t}.html`, url: `https://sp.example/Reports/${t}.html` }),
    });
    expect(term).toBe("spring-2027");
    expect(saved).toEqual(["Spring term 2027 spring-2027"]);
    expect(mail.outbox).toEqual([]);
    expect(teams.to(LEAD)).toEqual([expect.stringMatching(/^\*\*.+: evaluation, Spring term 2027\*\* \(2027-01-01 to 2027-04-11\)/)]);
    expect(teams.to(LEAD)[0]).toContain("The full report: [spring-2027.html](https://sp.example/Reports/spring-2027.html)");
  });

  it("the Reports library failing: the figures still go, with the CLI command, and the failure is logged by status", async () => {
    const report = await leadReport(
      {
        ...d,
        publishReport: async () => {
          throw Object.assign(new Error("Access denied to https://sp.example/sites/x"), { statusCode: 403 });
        },
      },
      "autumn-2026",
    );
    expect(report.link).toBeUndefined();
    expect(report.report.totals.casesPresented).toBe(2);
    expect(log.lines).toEqual([{ level: "warn", event: "report.save-failed", fields: { term: "autumn-2026", status: 403 } }]);
  });
});
