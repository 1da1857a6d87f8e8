import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addDays, isoWeekday } from "../core/rules/time.js";
import { addWorkingDays, bankHolidayName, isWorkingDay, workingDaysBetween } from "../core/rules/workingDays.js";

const dateArb = fc.integer({ min: 0, max: 365 * 30 }).map((n) => addDays("2015-01-01", n));

describe("working days (England and Wales)", () => {
  it("skips weekends and bank holidays, including one-off ones", () => {
    expect(bankHolidayName("2023-05-08")).toMatch(/Coronation/);
    expect(bankHolidayName("2022-09-19")).toMatch(/Funeral/);
    expect(isWorkingDay("2023-05-01")).toBe(false); // Early May bank holiday
    expect(isWorkingDay("2023-05-06")).toBe(false); // Saturday
    expect(isWorkingDay("2023-05-02")).toBe(true);
    // Tue 2 May 2023 + 5: 3, 4, 5, (8 coronation), 9, 10
    expect(addWorkingDays("2023-05-02", 5)).toBe("2023-05-10");
    // Fri 28 April 2023 + 5: (1 May), 2, 3, 4, 5, (8), 9
    expect(addWorkingDays("2023-04-28", 5)).toBe("2023-05-09");
    // Christmas 2022: 26 Boxing Day, 27 substitute for Christmas Day
    expect(addWorkingDays("2022-12-23", 1)).toBe("2022-12-28");
    expect(addWorkingDays("2023-05-06", 0)).toBe("2023-05-09");
    expect(addWorkingDays("2023-05-10", -5)).toBe("2023-05-02");
  });

  it("n working days later is a working day, n working days away (property)", () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 40 }), (d, n) => {
        const later = addWorkingDays(d, n);
        expect(isWorkingDay(later)).toBe(true);
        expect(later > d).toBe(true);
        expect(workingDaysBetween(d, later)).toBe(n);
        // No working day is skipped: the day before `later` is at most n-1 working days away.
        expect(workingDaysBetween(d, addDays(later, -1))).toBe(n - 1);
      }),
      { numRuns: 500 },
    );
  });

  it("adding in steps equals adding at once; counting is antisymmetric (property)", () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), dateArb, (d, a, b, e) => {
        expect(addWorkingDays(addWorkingDays(d, a), b)).toBe(addWorkingDays(d, a + b));
        expect(workingDaysBetween(d, e) + workingDaysBetween(e, d)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("going forward then back returns to the day if it is a working day (property)", () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 30 }), (d, n) => {
        const back = addWorkingDays(addWorkingDays(d, n), -n);
        if (isWorkingDay(d)) expect(back).toBe(d);
        else expect(back).toBe(addWorkingDays(d, -1)); // the working day before it
      }),
      { numRuns: 300 },
    );
  });

  it("counting agrees with walking the calendar day by day (property)", () => {
    const walk = (from: string, to: string) => {
      let n = 0;
      for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (isWorkingDay(d)) n++;
      return n;
    };
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 0, max: 800 }), (d, span) => {
        const to = addDays(d, span);
        expect(workingDaysBetween(d, to)).toBe(walk(d, to));
      }),
      { numRuns: 300 },
    );
  });

  it("weekends are never working days (property)", () => {
    fc.assert(
      fc.property(dateArb, (d) => {
        if (isoWeekday(d) >= 6) expect(isWorkingDay(d)).toBe(false);
      }),
    );
  });
});
