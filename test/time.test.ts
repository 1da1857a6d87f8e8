import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { describeLocal, describeTime, endOfLocalDay, fromLocal, offsetMinutes, parseInstant, toLocal } from "../core/rules/time.js";

describe("Europe/London time", () => {
  it("converts summer and winter wall-clock times", () => {
    expect(fromLocal("2023-05-17", "09:30").toISOString()).toBe("2023-05-17T08:30:00.000Z");
    expect(fromLocal("2023-12-12", "09:30").toISOString()).toBe("2023-12-12T09:30:00.000Z");
  });
  it("handles the clock changes", () => {
    // 26 March 2023: 01:00 GMT -> 02:00 BST; 01:30 does not exist and lands after the gap.
    expect(fromLocal("2023-03-26", "01:30").toISOString()).toBe("2023-03-26T01:30:00.000Z");
    expect(toLocal(new Date("2023-03-26T01:30:00Z")).time).toBe("02:30");
    // 29 October 2023: 01:30 happens twice; the first (BST) is taken.
    expect(fromLocal("2023-10-29", "01:30").toISOString()).toBe("2023-10-29T00:30:00.000Z");
    expect(offsetMinutes(new Date("2023-07-01T12:00:00Z"))).toBe(60);
    expect(offsetMinutes(new Date("2023-01-01T12:00:00Z"))).toBe(0);
  });
  it("reads instants with and without an offset", () => {
    expect(parseInstant("2023-05-02T16:00").toISOString()).toBe("2023-05-02T15:00:00.000Z");
    expect(parseInstant("2023-05-02T15:00:00Z").toISOString()).toBe("2023-05-02T15:00:00.000Z");
    expect(parseInstant("2023-05-02T16:00:00+01:00").toISOString()).toBe("2023-05-02T15:00:00.000Z");
    expect(() => parseInstant("2 May 4pm")).toThrow(/ISO 8601/);
    expect(() => parseInstant("2023-02-30T10:00")).toThrow(/real calendar date/);
  });
  it("writes dates as the council does", () => {
    expect(describeLocal(new Date("2023-06-07T11:00:00Z"))).toBe("Wednesday 7 June 2023, 12 noon");
    expect(describeTime("09:30")).toBe("9:30am");
    expect(describeTime("00:00")).toBe("12am");
    expect(endOfLocalDay("2023-05-10").toISOString()).toBe("2023-05-10T22:59:59.999Z");
  });
  it("round-trips every minute between 2000 and 2100 (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1) / 60000, max: Date.UTC(2100, 0, 1) / 60000 }), (minute) => {
        const instant = new Date(minute * 60000);
        const l = toLocal(instant);
        const back = fromLocal(l.date, l.time);
        // Exactly the same instant, except in the repeated autumn hour where the earlier is chosen.
        const diff = instant.getTime() - back.getTime();
        expect(diff === 0 || diff === 3600_000).toBe(true);
        expect(toLocal(back).time).toBe(l.time);
      }),
      { numRuns: 2000 },
    );
  });
});
