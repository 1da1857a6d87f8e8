import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadPartnership } from "../config/load.js";
import { ackDueBy, deadlineFor, meetingsOf, placeForm } from "../core/rules/schedule.js";
import { fromLocal, toLocal } from "../core/rules/time.js";
import { isWorkingDay, workingDaysBetween } from "../core/rules/workingDays.js";
import { publishedDeadlines } from "./seeds.js";

const { partnership: p } = loadPartnership("hounslow-mip");
const cluster = (id: number) => p.clusters.find((c) => c.id === id)!;

describe("submission deadlines (seed 000)", () => {
  it("reproduces every published deadline, including the amended June dates", () => {
    for (const [id, published] of publishedDeadlines()) {
      const ms = meetingsOf(p, cluster(id));
      expect(ms).toHaveLength(published.length);
      published.forEach((d, i) => {
        const m = ms[i]!;
        expect(m.deadline.source).toBe("published");
        expect(m.deadline.date).toBe(d.date);
        if (d.time) expect(m.deadline.time).toBe(d.time);
        else {
          // "26th June pm": the time is missing in the seed; the config says what it assumed.
          expect(m.deadline.note).toMatch(/pm/);
          expect(m.deadline.time).toBe("16:00");
        }
        if (d.amended) expect(m.deadline.note).toMatch(/amended/);
      });
    }
  });

  it("the default rule gives the published date for every deadline that was not amended", () => {
    for (const [id, published] of publishedDeadlines()) {
      const c = cluster(id);
      published.forEach((d, i) => {
        const { deadline: _published, ...withoutDeadline } = c.meetings[i]!;
        const byRule = deadlineFor(p, withoutDeadline);
        expect(byRule.source).toBe("default-rule");
        if (!d.amended) expect(`${byRule.date} ${byRule.time}`).toBe(`${d.date} ${d.time ?? "16:00"}`);
        else expect(byRule.date < d.date).toBe(true); // June was moved later, after half term
      });
    }
  });
});

describe("which meeting a form goes to", () => {
  const c5deadlineMay = fromLocal("2023-05-03", "16:00");
  it("in time up to and including the deadline", () => {
    expect(placeForm(p, 5, c5deadlineMay)).toMatchObject({ kind: "on-time", meeting: { date: "2023-05-18" } });
    expect(placeForm(p, 5, new Date(c5deadlineMay.getTime() - 1))).toMatchObject({ kind: "on-time", meeting: { date: "2023-05-18" } });
  });
  it("a late form goes to the next meeting of that cluster", () => {
    expect(placeForm(p, 5, new Date(c5deadlineMay.getTime() + 1000))).toMatchObject({
      kind: "late",
      missed: { date: "2023-05-18" },
      meeting: { date: "2023-06-15", deadline: { date: "2023-06-07", time: "12:00" } },
    });
  });
  it("a form between a meeting and the next deadline is on time for the next meeting", () => {
    expect(placeForm(p, 5, fromLocal("2023-05-19", "09:00"))).toMatchObject({ kind: "on-time", meeting: { date: "2023-06-15" } });
  });
  it("late for July with no later meeting published", () => {
    expect(placeForm(p, 1, fromLocal("2023-06-28", "09:00"))).toMatchObject({ kind: "late-no-meeting", missed: { date: "2023-07-12" } });
  });
  it("after the last meeting", () => {
    expect(placeForm(p, 1, fromLocal("2023-07-20", "09:00"))).toEqual({ kind: "no-meeting" });
  });
  it("never places a form at a meeting whose deadline had passed or that had started (property)", () => {
    const start = Date.UTC(2023, 3, 1);
    const end = Date.UTC(2023, 7, 1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: start, max: end }), (id, t) => {
        const at = new Date(t);
        const r = placeForm(p, id, at);
        if (r.kind === "on-time" || r.kind === "late") {
          expect(r.meeting.deadline.at.getTime()).toBeGreaterThanOrEqual(t);
          expect(r.meeting.startsAt.getTime()).toBeGreaterThan(t);
          // and no earlier meeting of the cluster was still open to it
          for (const m of meetingsOf(p, cluster(id))) {
            if (m.startsAt < r.meeting.startsAt && m.startsAt.getTime() > t) expect(m.deadline.at.getTime()).toBeLessThan(t);
          }
        }
        if (r.kind === "late") expect(r.missed.deadline.at.getTime()).toBeLessThan(t);
      }),
      { numRuns: 500 },
    );
  });
});

describe("acknowledgement due date: five working days after receipt", () => {
  it("counts past bank holidays", () => {
    expect(ackDueBy(p, fromLocal("2023-05-02", "10:00"))).toBe("2023-05-10");
    expect(ackDueBy(p, fromLocal("2023-05-06", "10:00"))).toBe("2023-05-15"); // Saturday
  });
  it("uses the London date, not the UTC date", () => {
    // 00:30 BST on Friday 5 May is still Thursday 4 May in UTC. From Friday 5 May: (8 coronation),
    // 9, 10, 11, 12, 15. From Thursday 4 May it would have been the 12th.
    expect(ackDueBy(p, new Date("2023-05-04T23:30:00Z"))).toBe("2023-05-15");
    expect(ackDueBy(p, new Date("2023-05-04T22:30:00Z"))).toBe("2023-05-12");
  });
  it("is always a working day exactly five working days on (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), (t) => {
        const due = ackDueBy(p, new Date(t));
        expect(isWorkingDay(due)).toBe(true);
        expect(workingDaysBetween(toLocal(new Date(t)).date, due)).toBe(5);
      }),
      { numRuns: 300 },
    );
  });
});
