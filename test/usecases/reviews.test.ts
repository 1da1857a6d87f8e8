/**
 * Reviews of allocations (core/usecases/reviews.ts) on in-memory fakes; the reminder's first
 * sending is in test/twoStage.test.ts ("review"). Here: a partnership without reviews reads
 * nothing; only decided cases with a review date are reminded; an overdue review says so; the
 * lead's email never names the school; a case reminded already, in the list or in storage, is not
 * reminded again.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { runReviewReminders } from "../../core/usecases/reviews.js";
import type { AckDeps } from "../../core/usecases/acknowledgements.js";
import type { StoredCase } from "../../core/ports.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeCases, FakeKv, FakeMailer } from "../fakes/teams.js";
import { FakeLog } from "../fakes/people.js";
import { inYear } from "./year.js";

const soton = inYear("southampton", "2027-28");
const LEAD3 = soton.leads.find((l) => l.clusters.includes(3))!.email;
const decided = (ref: string, reviewDue: string, over: Partial<StoredCase["fields"]> = {}): StoredCase["fields"] => ({
  Title: ref,
  Status: "Decided",
  Cluster: 3,
  School: "Oakwood Primary School",
  SenderEmail: "senco@oakwood.example",
  ReceivedAt: "2026-11-02T09:00:00Z",
  Decision: "Agree to fund",
  DecisionAt: "2026-12-01T10:00:00Z",
  ReviewDue: `${reviewDue}T00:00:00Z`,
  ...over,
});

let cases: FakeCases;
let mail: FakeMailer;
let kv: FakeKv;
let clock: Date;
let d: AckDeps;
beforeEach(() => {
  cases = new FakeCases();
  mail = new FakeMailer();
  kv = new FakeKv();
  clock = fromLocal("2027-11-03", "09:00");
  d = { partnership: soton, cases, mailer: mail, kv, log: new FakeLog(), now: () => clock };
});

describe("review reminders", () => {
  it("a partnership whose referral types have no review reads no case", async () => {
    const read = vi.spyOn(cases, "ofCluster");
    cases.add(decided("C3-2026-0001", "2027-11-04"));
    expect(await runReviewReminders({ ...d, partnership: inYear("hounslow-mip", "2027-28") })).toEqual({ reminded: [] });
    expect(read).not.toHaveBeenCalled();
    expect(mail.outbox).toEqual([]);
  });

  it("only decided cases with a review date inside the reminder window; the rest wait", async () => {
    cases.add(decided("C3-2026-0001", "2027-11-20"));
    cases.add(decided("C3-2026-0002", "2027-11-20", { Status: "On agenda" }));
    cases.add(decided("C3-2026-0003", "2027-11-20", { ReviewDue: null }));
    cases.add(decided("C3-2026-0004", "2028-03-01"));
    expect((await runReviewReminders(d)).reminded).toEqual(["C3-2026-0001"]);
  });

  it("overdue: both emails say so; the lead's names the reference and not the school", async () => {
    cases.add(decided("C3-2026-0005", "2027-10-29"));
    expect((await runReviewReminders(d)).reminded).toEqual(["C3-2026-0005"]);
    expect(mail.outbox.map((m) => [m.to, m.subject])).toEqual([
      [["senco@oakwood.example"], "C3-2026-0005: review of the allocation overdue"],
      [[LEAD3], "Review overdue: C3-2026-0005"],
    ]);
    expect(mail.outbox[0]!.body).toContain("was due on Friday 29 October 2027");
    expect(mail.outbox[1]!.body).not.toContain("Oakwood");
  });

  it("once: the case's ReviewRemindedAt, or the job's own record, stops a second reminder", async () => {
    cases.add(decided("C3-2026-0006", "2027-11-20", { ReviewRemindedAt: "2027-10-20T09:00:00Z" }));
    cases.add(decided("C3-2026-0007", "2027-11-20"));
    await kv.setSync("review-reminder|C3-2026-0007", "2027-11-02T09:00:00Z");
    expect((await runReviewReminders(d)).reminded).toEqual([]);
    expect(mail.outbox).toEqual([]);
  });
});
