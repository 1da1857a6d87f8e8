/**
 * The five-working-day promise (core/usecases/acknowledgements.ts) on in-memory fakes, in the
 * 2026-27 year: the SCL's reminder one working day before (bank holidays of that year counted),
 * the partnership lead's escalation after, each once; Teams where the bot knows the person, the
 * email always, and a Teams outage logged without the email going twice.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { runAcknowledgements, teamsElseEmail, type AckDeps } from "../../core/usecases/acknowledgements.js";
import type { StoredCase } from "../../core/ports.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeCases, FakeKv, FakeMailer } from "../fakes/teams.js";
import { FakeLog, FakeTeamsMessages } from "../fakes/people.js";
import { inYear } from "./year.js";

const p = inYear("hounslow-mip", "2026-27");
const KL = p.leads.find((l) => l.initials === "KL")!.email; // clusters 4 and 5
const LEAD = p.partnershipLead.email;

const open = (ref: string, ackDue: string, over: Partial<StoredCase["fields"]> = {}): StoredCase["fields"] => ({
  Title: ref,
  Status: "Accepted",
  Cluster: 5,
  School: "Worple Primary School",
  LeadInitials: "KL",
  SenderEmail: "senco@worple.example",
  ReceivedAt: "2026-11-23T09:00:00Z",
  AckDueBy: `${ackDue}T00:00:00Z`,
  ...over,
});

let cases: FakeCases;
let mail: FakeMailer;
let kv: FakeKv;
let log: FakeLog;
let teams: FakeTeamsMessages;
let clock: Date;
let d: AckDeps;
const at = (date: string, time = "09:00") => (clock = fromLocal(date, time));

beforeEach(() => {
  cases = new FakeCases();
  mail = new FakeMailer();
  kv = new FakeKv();
  log = new FakeLog();
  teams = new FakeTeamsMessages([KL, LEAD]);
  d = { partnership: p, cases, mailer: mail, kv, log, now: () => clock, notify: teams.notify };
});

describe("acknowledgements: the SCL's reminder", () => {
  it("goes one working day before the date, once, by email and in Teams; two days before, nothing", async () => {
    cases.add(open("C5-2026-0001", "2026-12-02")); // Wednesday
    at("2026-11-30"); // Monday: two working days left
    expect(await runAcknowledgements(d)).toEqual({ reminded: [], escalated: [] });
    at("2026-12-01"); // Tuesday: one
    expect((await runAcknowledgements(d)).reminded).toEqual(["C5-2026-0001"]);
    at("2026-12-01", "15:00");
    expect((await runAcknowledgements(d)).reminded).toEqual([]);
    expect(mail.to(KL).map((m) => m.subject)).toEqual(["Acknowledge C5-2026-0001 by tomorrow"]);
    expect(mail.to(KL)[0]!.body).toContain("Wednesday 2 December 2026");
    expect(teams.to(KL)).toEqual([expect.stringMatching(/^\*\*Acknowledge C5-2026-0001 by tomorrow\.\*\*/)]);
    expect(mail.to(LEAD)).toEqual([]);
  });

  it("counts that year's bank holidays: due Tuesday 29 December 2026, reminded on Thursday 24th (Christmas and the Boxing Day substitute are not working days)", async () => {
    cases.add(open("C5-2026-0002", "2026-12-29"));
    at("2026-12-23");
    expect((await runAcknowledgements(d)).reminded).toEqual([]);
    at("2026-12-24");
    expect((await runAcknowledgements(d)).reminded).toEqual(["C5-2026-0002"]);
  });

  it("an acknowledged case is not chased; a case with no cluster has no SCL to remind", async () => {
    cases.add(open("C5-2026-0003", "2026-12-02", { AcknowledgedAt: "2026-11-24T10:00:00Z" }));
    cases.add(open("C0-2026-0004", "2026-12-02", { Cluster: null, LeadInitials: null }));
    at("2026-12-01");
    expect(await runAcknowledgements(d)).toEqual({ reminded: [], escalated: [] });
    expect(mail.outbox).toEqual([]);
  });
});

describe("acknowledgements: the partnership lead's escalation", () => {
  it("on the due date nothing; the day after, the lead is told once, naming the case's cluster and SCL", async () => {
    cases.add(open("C5-2026-0005", "2026-12-02"));
    at("2026-12-02", "16:00");
    expect((await runAcknowledgements(d)).escalated).toEqual([]);
    at("2026-12-03");
    expect((await runAcknowledgements(d)).escalated).toEqual(["C5-2026-0005"]);
    expect((await runAcknowledgements(d)).escalated).toEqual([]);
    const [email] = mail.to(LEAD);
    expect(mail.to(LEAD)).toHaveLength(1);
    expect(email!.subject).toBe("Overdue acknowledgement: C5-2026-0005");
    expect(email!.body).toContain(`cluster 5, ${p.leads.find((l) => l.initials === "KL")!.name}`);
    expect(teams.to(LEAD)).toEqual([expect.stringContaining("**Overdue acknowledgement.**")]);
  });

  it("a case with no cluster is escalated all the same, as having none", async () => {
    cases.add(open("C0-2026-0006", "2026-12-02", { Cluster: null, LeadInitials: null, School: null }));
    at("2026-12-04");
    expect((await runAcknowledgements(d)).escalated).toEqual(["C0-2026-0006"]);
    expect(mail.to(LEAD)[0]!.body).toContain("(school not identified, no cluster)");
  });

  it("Teams down: the email goes, once; the failure is logged with its status and nothing of the case", async () => {
    cases.add(open("C5-2026-0007", "2026-12-02"));
    teams.down = true;
    at("2026-12-03");
    expect((await runAcknowledgements(d)).escalated).toEqual(["C5-2026-0007"]);
    teams.down = false;
    at("2026-12-03", "10:00");
    expect((await runAcknowledgements(d)).escalated).toEqual([]);
    expect(mail.to(LEAD)).toHaveLength(1);
    expect(teams.told).toEqual([]);
    expect(log.events("warn")).toEqual(["acknowledgements.teams-failed"]);
    expect(log.text()).not.toMatch(/Worple|C5-2026-0007|senco@/);
  });

  it("with no bot (notify absent) the email is the whole message", async () => {
    cases.add(open("C5-2026-0008", "2026-12-02"));
    at("2026-12-01");
    expect((await runAcknowledgements({ ...d, notify: undefined })).reminded).toEqual(["C5-2026-0008"]);
    expect(mail.to(KL)).toHaveLength(1);
    expect(teams.told).toEqual([]);
  });
});

describe("teamsElseEmail", () => {
  const email = { subject: "S", marker: "cd-x" };
  it("in Teams when the bot knows the person's chat; no email then", async () => {
    await teamsElseEmail({ mailer: mail, notify: teams.notify }, KL, "hello", email);
    expect(teams.to(KL)).toEqual(["hello"]);
    expect(mail.outbox).toEqual([]);
  });
  it("by email, signed, when it does not, or when Teams fails", async () => {
    await teamsElseEmail({ mailer: mail, notify: teams.notify }, "someone@school.example", "hello", email);
    teams.down = true;
    await teamsElseEmail({ mailer: mail, notify: teams.notify }, KL, "hello", { ...email, body: "the longer text" });
    expect(mail.outbox.map((m) => [m.to, m.body])).toEqual([
      [["someone@school.example"], "hello\n\nCluster Desk"],
      [[KL], "the longer text\n\nCluster Desk"],
    ]);
  });
});
