/** The case register's reads (core/usecases/caseWindows.ts): every one a window on an indexed date column, never a cluster's whole history. */
import { describe, expect, it } from "vitest";
import { academicYearDays, agendaCases, meetingCases, periodCases, recentCases, reviewsDue, yearDecisions } from "../../core/usecases/caseWindows.js";
import { FakeCases } from "../fakes/teams.js";
import type { StoredCase } from "../../core/ports.js";

const fields = (Title: string, f: Partial<StoredCase["fields"]>): StoredCase["fields"] => ({ Title, Status: "Decided", Cluster: 5, ...f });

describe("case windows", () => {
  it("the academic year runs 1 August to 31 July", () => {
    expect(academicYearDays("2023-05-18")).toEqual({ from: "2022-08-01", to: "2023-07-31" });
    expect(academicYearDays("2023-08-01")).toEqual({ from: "2023-08-01", to: "2024-07-31" });
  });

  it("a budget counts the year's decisions (London's days, BST included), another year's and another cluster's are not read", async () => {
    const cases = new FakeCases();
    cases.add(fields("in", { DecisionAt: "2022-07-31T23:30:00Z", AmountAwarded: 1 })); // 00:30 on 1 August in London: 2022-23
    cases.add(fields("last", { DecisionAt: "2022-07-31T22:30:00Z", AmountAwarded: 2 })); // 23:30 on 31 July: 2021-22
    cases.add(fields("end", { DecisionAt: "2023-07-31T22:59:00Z", AmountAwarded: 3 })); // 23:59 on 31 July 2023
    cases.add(fields("other", { DecisionAt: "2023-01-10T10:00:00Z", Cluster: 6 }));
    expect((await yearDecisions(cases, "2023-05-18", 5)).map((c) => c.fields.Title).sort()).toEqual(["end", "in"]);
    expect((await yearDecisions(cases, "2023-05-18")).map((c) => c.fields.Title).sort()).toEqual(["end", "in", "other"]);
    expect(cases.windows.every((w) => w.by === "DecisionAt" && w.from.startsWith("2022-07-31T23:00") && w.to.startsWith("2023-07-31T22:59:59"))).toBe(true);
  });

  it("an agenda reads its meeting's cases and the year's decisions, each case once", async () => {
    const cases = new FakeCases();
    const at = new Date("2023-05-18T13:00:00Z");
    cases.add(fields("listed", { Status: "On agenda", MeetingDate: at.toISOString() }));
    cases.add(fields("both", { MeetingDate: at.toISOString(), DecisionAt: "2023-05-18T14:00:00Z" }));
    cases.add(fields("decided", { DecisionAt: "2023-03-01T10:00:00Z" }));
    cases.add(fields("later", { Status: "On agenda", MeetingDate: "2023-06-15T13:00:00Z" }));
    const got = await agendaCases(cases, 5, at, "2023-05-18");
    expect(got.map((c) => c.fields.Title).sort()).toEqual(["both", "decided", "listed"]);
    expect((await meetingCases(cases, 5, at)).map((c) => c.fields.Title).sort()).toEqual(["both", "listed"]);
  });

  it("a term's report reads what the term listed, decided or received; open cases look back a year; reviews from a year back", async () => {
    const cases = new FakeCases();
    cases.add(fields("received", { ReceivedAt: "2023-05-02T09:00:00Z" }));
    cases.add(fields("heard", { MeetingDate: "2023-06-15T13:00:00Z" }));
    cases.add(fields("before", { ReceivedAt: "2023-03-02T09:00:00Z", MeetingDate: "2023-03-16T13:00:00Z" }));
    cases.add(fields("review", { ReviewDue: "2023-05-20T00:00:00Z" }));
    const summer = await periodCases(cases, { from: "2023-04-17", to: "2023-07-21" });
    expect(summer.map((c) => c.fields.Title).sort()).toEqual(["heard", "received"]);
    expect((await recentCases(cases, 5, "2023-05-10")).map((c) => c.fields.Title).sort()).toEqual(["before", "received"]);
    expect((await recentCases(cases, 5, "2024-06-01")).map((c) => c.fields.Title)).toEqual([]);
    expect((await reviewsDue(cases, "2023-05-10", 14)).map((c) => c.fields.Title)).toEqual(["review"]);
    // Every read names a bounded window: both ends, at most a year and a few weeks apart.
    for (const w of cases.windows) expect(Date.parse(w.to) - Date.parse(w.from)).toBeLessThanOrEqual(400 * 86_400_000);
  });
});
