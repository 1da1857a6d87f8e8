/**
 * The academic-year planner (core/rules/planner.ts) and the doctor (core/rules/doctor.ts).
 */
import fc from "fast-check";
import { addDays } from "../core/rules/time.js";
import { describe, expect, it } from "vitest";
import { academicYearOf, defaultEnglandTerms, isSchoolDay, planYear, PlanInputError, publishedMeetings } from "../core/rules/planner.js";
import { doctor, unreachable } from "../core/rules/doctor.js";
import { withBudgets, withPublishedMeetings, placeForm } from "../core/rules/schedule.js";
import { isoWeekday } from "../core/rules/time.js";
import { bankHolidayName } from "../core/rules/workingDays.js";
import type { Partnership } from "../core/config.js";
import { loadPartnership } from "../config/load.js";

const hounslow = loadPartnership("hounslow-mip").partnership;

const years = fc.integer({ min: 2024, max: 2040 }).map((y) => `${y}-${String((y + 1) % 100).padStart(2, "0")}`);
const cadences = fc.constantFrom<Partnership["calendar"]["cadence"]>("monthly", "half-termly", "termly");
const withCadence = (cadence: Partnership["calendar"]["cadence"]): Partnership => ({ ...hounslow, calendar: { ...hounslow.calendar, cadence } });

describe("planner: every cluster's year", () => {
  it("no meeting on a weekend, bank holiday, half-term or holiday; each deadline on a school day before its meeting (property)", () => {
    fc.assert(
      fc.property(years, cadences, (year, cadence) => {
        const plan = planYear(withCadence(cadence), year);
        for (const m of plan.meetings) {
          expect(isSchoolDay(plan.terms, m.date), `${m.clusterId} ${m.date}`).toBe(true);
          expect(bankHolidayName(m.date)).toBeUndefined();
          expect(isoWeekday(m.date)).toBeLessThanOrEqual(5);
          expect(`${m.deadline.date}T${m.deadline.time}` < `${m.date}T${m.start}`, `${m.date}: deadline ${m.deadline.date}`).toBe(true);
          expect(isSchoolDay(plan.terms, m.deadline.date), `${m.date}: deadline ${m.deadline.date} ${m.deadline.note ?? ""}`).toBe(true);
        }
      }),
      { numRuns: 12 },
    );
  });

  it("every term is covered at the cadence, on each cluster's regular weekday and time (property)", () => {
    fc.assert(
      fc.property(years, cadences, (year, cadence) => {
        const plan = planYear(withCadence(cadence), year);
        for (const c of hounslow.clusters) {
          const mine = plan.meetings.filter((m) => m.clusterId === c.id);
          const perTerm = (t: string) => mine.filter((m) => m.term === t).length;
          for (const t of ["autumn", "spring", "summer"]) {
            if (cadence === "termly") expect(perTerm(t)).toBe(1);
            else if (cadence === "half-termly") expect(perTerm(t)).toBe(2);
            else expect(perTerm(t)).toBeGreaterThanOrEqual(3); // a month of each term at least
          }
          if (cadence === "monthly") expect(new Set(mine.map((m) => m.date.slice(0, 7))).size).toBe(mine.length); // one a month
          for (const m of mine) {
            expect(isoWeekday(m.date)).toBe({ Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5 }[c.regular!.weekday]);
            expect(m.start).toBe(c.regular!.time);
          }
        }
      }),
      { numRuns: 12 },
    );
  });

  it("the council's own term dates are used when the config has them; otherwise the plan says the dates are proposed", () => {
    const own: Partnership = {
      ...hounslow,
      calendar: {
        cadence: "termly",
        terms: {
          "2026-27": {
            autumn: { start: "2026-09-03", end: "2026-12-18", halfTerm: { start: "2026-10-26", end: "2026-10-30" } },
            spring: { start: "2027-01-05", end: "2027-03-26", halfTerm: { start: "2027-02-15", end: "2027-02-19" } },
            summer: { start: "2027-04-12", end: "2027-07-21", halfTerm: { start: "2027-05-31", end: "2027-06-04" } },
          },
        },
      },
    };
    const plan = planYear(own, "2026-27");
    expect(plan.termSource).toBe("config");
    expect(plan.terms[0]).toMatchObject({ name: "autumn", start: "2026-09-03" });
    expect(plan.notes.join(" ")).not.toContain("proposed");
    const proposed = planYear(hounslow, "2026-27");
    expect(proposed.termSource).toBe("default-england");
    expect(proposed.notes[0]).toContain("the dates are proposed");
  });

  it("England's default pattern: half-terms in late October, mid-February and the late May bank holiday week; Easter between spring and summer", () => {
    const [aut, spr, sum] = defaultEnglandTerms(2026);
    expect(aut!.halfTerm).toEqual({ start: "2026-10-26", end: "2026-10-30" });
    expect(spr!.halfTerm).toEqual({ start: "2027-02-15", end: "2027-02-19" });
    expect(sum!.halfTerm.start).toBe("2027-05-31"); // the spring bank holiday
    expect(spr!.end < "2027-03-26" && sum!.start > "2027-03-29").toBe(true); // Good Friday 26 March, Easter Monday 29 March 2027
  });

  it("a deadline that falls in half-term or the holidays moves to an earlier school day, and says so", () => {
    const plan = planYear(hounslow, "2026-27");
    const moved = plan.meetings.filter((m) => m.deadline.note);
    expect(moved.length).toBeGreaterThan(0);
    for (const m of moved) expect(m.deadline.note).toMatch(/^moved from \d{4}-\d{2}-\d{2} \((half-term|the school holidays|a weekend|.+)\)/);
  });

  it("the HT rota for the year: schools rostered for a term take its meetings in order; gaps and clashes are reported", () => {
    const c5 = hounslow.clusters.find((c) => c.id === 5)!;
    const p: Partnership = {
      ...hounslow,
      clusters: hounslow.clusters.map((c) =>
        c.id === 5
          ? {
              ...c,
              rota: [
                { school: c5.schools[0]!.shortName ?? c5.schools[0]!.name, when: "Aut 26" },
                { school: c5.schools[1]!.shortName ?? c5.schools[1]!.name, when: "Aut 26" },
                ...Array.from({ length: 6 }, (_, i) => ({ school: c5.schools[2 + (i % 3)]!.shortName ?? c5.schools[2 + (i % 3)]!.name, when: "Spr 27" })),
              ],
            }
          : c,
      ),
    };
    const plan = planYear(p, "2026-27", { cluster: 5 });
    const autumn = plan.meetings.filter((m) => m.term === "autumn");
    expect(autumn.slice(0, 2).map((m) => m.htRep)).toEqual([c5.schools[0]!.shortName ?? c5.schools[0]!.name, c5.schools[1]!.shortName ?? c5.schools[1]!.name]);
    expect(plan.notes.some((n) => n.includes("no HT representative on the rota (a gap)") && n.startsWith("cluster 5,"))).toBe(true);
    expect(plan.notes.some((n) => n.includes("Spr 27") && n.includes("a clash"))).toBe(true);
  });

  it("refuses what is not an academic year or a cluster", () => {
    expect(() => planYear(hounslow, "2026")).toThrow(PlanInputError);
    expect(() => planYear(hounslow, "2026-28")).toThrow(/write it like 2026-27/);
    expect(() => planYear(hounslow, "2026-27", { cluster: 99 })).toThrow(/no cluster 99/);
    expect(academicYearOf("2026-11-23")).toBe("2026-27");
    expect(academicYearOf("2027-07-31")).toBe("2026-27");
    expect(academicYearOf("2027-08-01")).toBe("2027-28");
  });
});

describe("the published calendar and the doctor", () => {
  it("published meetings place forms today; the same date edited in the list wins over the config", () => {
    const plan = planYear(hounslow, "2026-27");
    const p = withPublishedMeetings(hounslow, publishedMeetings(plan));
    const placed = placeForm(p, 5, new Date("2026-11-23T10:00:00Z"));
    const december = plan.meetings.find((m) => m.clusterId === 5 && m.date.startsWith("2026-12"))!;
    expect(placed).toMatchObject({ kind: "on-time", meeting: { date: december.date } });
    expect(placeForm(hounslow, 5, new Date("2026-11-23T10:00:00Z")).kind).toBe("no-meeting");
    // An officer moves the December meeting earlier in the list, and its deadline with it.
    const edited = withPublishedMeetings(hounslow, [{ clusterId: 5, date: "2026-12-10", start: "14:00", deadline: { date: "2026-11-25", time: "16:00" } }]);
    expect(placeForm(edited, 5, new Date("2026-11-23T10:00:00Z"))).toMatchObject({
      kind: "on-time",
      meeting: { date: "2026-12-10", deadline: { date: "2026-11-25" } },
    });
    // Summer 2023 (the config's seed) is still there for the demo.
    expect(placeForm(p, 5, new Date("2023-05-02T09:00:00Z"))).toMatchObject({ kind: "on-time", meeting: { date: "2023-05-18" } });
  });

  it("the doctor blocks on no meeting in 8 weeks and no funding policy in force; warns of missing addresses and the sender check, naming cluster and school", () => {
    const today = "2026-11-23";
    const r = doctor(hounslow, today);
    expect(r.blocking.map((f) => f.where)).toEqual([...hounslow.clusters.map((c) => `Cluster ${c.id}`), "fundingPolicies"]);
    expect(r.blocking.at(-1)!.problem).toBe("no funding policy is in force on 2026-11-23");
    expect(r.warnings.some((w) => /^Cluster \d+, school ".+"$/.test(w.where) && w.problem.includes("SENDCo"))).toBe(true);
    expect(r.warnings.some((w) => w.where === "intake.emailDomains")).toBe(true);
    // With this year's meetings published, only the funding policy blocks.
    const plan = planYear(hounslow, "2026-27");
    const p = withPublishedMeetings(hounslow, publishedMeetings(plan));
    expect(doctor(p, today).blocking.map((f) => f.where)).toEqual(["fundingPolicies"]);
    // In summer 2023 the config's own meetings and policy are enough.
    expect(doctor(hounslow, "2023-05-02").blocking).toEqual([]);
  });

  it("reproduces seed 003's 2020/21 calendar from Sutton's rules, decision meetings after the meetings they decide on, and plans 2026-27 the same way (issue 32)", () => {
    const sutton = loadPartnership("sutton").partnership;
    const of = (plan: ReturnType<typeof planYear>, which: (m: (typeof plan.meetings)[number]) => boolean) =>
      [...new Set(plan.meetings.filter(which).map((m) => m.date))].sort();
    const sp = (m: { clusterId: number; kind?: string }) => !m.kind && m.clusterId >= 1 && m.clusterId <= 7;
    const cp = (m: { clusterId: number; kind?: string }) => !m.kind && m.clusterId >= 11;
    const y20 = planYear(sutton, "2020-21");
    // Seed 003, "Confirmed Cluster Dates and Venues".
    expect(of(y20, (m) => m.kind === "conference")).toEqual(["2020-09-22", "2021-07-13"]);
    expect(of(y20, sp)).toEqual(["2020-10-13", "2021-01-26", "2021-02-23", "2021-04-27", "2021-05-25"]);
    expect(of(y20, cp)).toEqual(["2020-11-24", "2021-03-23", "2021-06-29"]);
    expect(y20.meetings.find((m) => m.kind === "conference")!.start).toBe("13:30");
    // Each SP meeting for all seven clusters, each CP meeting for all five.
    expect(y20.meetings.filter(sp)).toHaveLength(5 * 7);
    expect(y20.meetings.filter(cp)).toHaveLength(3 * 5);
    // The borough-wide decision meeting: two days after each cluster meeting, its deadline that meeting's end.
    const borough = y20.meetings.filter((m) => m.kind === "borough-decision");
    expect(borough.map((m) => [m.date, m.deadline.date])).toEqual([...of(y20, sp), ...of(y20, cp)].sort().map((d) => [addDays(d, 2), d]));
    for (const b of borough) expect(b.deadline.date < b.date).toBe(true);
    // 2026-27 follows the same pattern.
    const y26 = planYear(sutton, "2026-27");
    expect(of(y26, sp)).toEqual(["2026-10-13", "2027-01-26", "2027-02-23", "2027-04-27", "2027-05-25"]);
    expect(of(y26, cp)).toEqual(["2026-11-24", "2027-03-23", "2027-06-29"]);
    expect(of(y26, (m) => m.kind === "conference")).toEqual(["2026-09-22", "2027-07-13"]);
  });

  it("the doctor judges the plan it made: Southampton's termly meetings, more than 8 calendar weeks apart over Christmas, are fewer than 8 weeks of term (issue 32)", () => {
    const southampton = loadPartnership("southampton").partnership;
    const p = withPublishedMeetings(southampton, publishedMeetings(planYear(southampton, "2026-27")));
    for (const today of ["2026-11-25", "2026-12-02", "2026-12-16"]) {
      const meetingBlocks = doctor(p, today).blocking.filter((f) => f.problem.includes("meeting"));
      expect(meetingBlocks, today).toEqual([]);
    }
    // Sutton's clusters are named as Sutton names them.
    const sutton = loadPartnership("sutton").partnership;
    expect(doctor(sutton, "2026-11-23").blocking.map((f) => f.where)).toContain("CP 5");
  });

  it("the doctor warns of budgets once for a partnership that shares one total by pupils, and not at all once the total is set (issue 32)", () => {
    const southampton = loadPartnership("southampton").partnership;
    const budgetWarnings = (p: Partnership) => doctor(p, "2026-11-23").warnings.filter((w) => w.problem.includes("budget"));
    expect(budgetWarnings(southampton).map((w) => w.where)).toEqual(["allocation"]);
    expect(budgetWarnings(southampton)[0]!.fix).toContain("set-budget --cluster 0 --year 2026-27");
    expect(budgetWarnings(withBudgets(southampton, [{ clusterId: 0, year: "2026-27", allocated: 300_000 }]))).toEqual([]);
    // A partnership with a budget a cluster: one warning each, named as the council names it.
    expect(budgetWarnings(hounslow).map((w) => w.where)).toEqual(hounslow.clusters.map((c) => `Cluster ${c.id}`));
  });
});

describe("the doctor: who the bot cannot reach", () => {
  it("names each SEND Cluster Lead and the partnership lead whose chat the bot does not know, with what to do", () => {
    const all = new Set([...hounslow.leads.map((l) => l.email.toLowerCase()), hounslow.partnershipLead.email.toLowerCase()]);
    expect(unreachable(hounslow, all)).toEqual([]);
    const kl = hounslow.leads.find((l) => l.initials === "KL")!;
    const missing = new Set([...all].filter((e) => e !== kl.email.toLowerCase() && e !== hounslow.partnershipLead.email.toLowerCase()));
    const found = unreachable(hounslow, missing);
    expect(found.map((f) => f.where)).toEqual([`${kl.name} (SEND Cluster Lead for clusters 4, 5)`, `${hounslow.partnershipLead.name} (partnership lead)`]);
    expect(found[0]!.fix).toMatch(/app setup policy/);
  });
});
