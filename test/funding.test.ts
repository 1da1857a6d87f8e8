import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadPartnership } from "../config/load.js";
import { fundingCap, FundingInputError, policyInForce } from "../core/rules/funding.js";
import { publishedFundingLimits } from "./seeds.js";

const { partnership: p } = loadPartnership("hounslow-mip");

describe("funding limits (seed 001)", () => {
  const published = publishedFundingLimits();

  it("summer 2023 meetings use the regressive limits: £2,000 a term whatever the group size", () => {
    for (const cyp of [1, 3, 5, 12]) {
      published.regressive.forEach((limit, i) => {
        const r = fundingCap(p, { cyp, terms: i + 1, date: "2023-06-14" });
        expect(r.policy.kind).toBe("regressive");
        expect(r.cap).toBe(limit);
      });
    }
  });

  it("2023-24 meetings use the progressive table cell by cell", () => {
    const groups = [
      { label: "Individual/Small Group (up to 3 CYP)", cyps: [1, 2, 3] },
      { label: "Medium Group (4-6 CYP)", cyps: [4, 5, 6] },
      { label: "Large Group (7+ CYP)", cyps: [7, 8, 30] },
    ];
    expect(published.progressive.map((r) => r.label)).toEqual(groups.map((g) => g.label));
    for (const row of published.progressive) {
      for (const cyp of groups.find((g) => g.label === row.label)!.cyps) {
        row.perTerms.forEach((limit, i) => {
          const r = fundingCap(p, { cyp, terms: i + 1, date: "2023-10-17" });
          expect(r.policy.id).toBe("progressive-2023-24");
          expect(r.band?.label).toBe(row.label);
          expect(r.cap).toBe(limit);
        });
      }
    }
  });

  it("caps the award and shows the calculation line by line", () => {
    const r = fundingCap(p, { cyp: 5, terms: 2, date: "2023-10-17", requested: 7200 });
    expect(r.award).toBe(6000);
    expect(r.caseType).toBe("Group");
    expect(r.lines).toEqual([
      "Policy in force on Tuesday 17 October 2023: Increased progressive MIP funding limits 2023-24",
      "5 CYP: Medium Group (4-6 CYP), £3,000 per term",
      "Limit: £3,000 × 2 terms = £6,000",
      "Requested £7,200 is above the limit: award £6,000",
    ]);
    expect(fundingCap(p, { cyp: 1, terms: 1, date: "2023-10-17", requested: 1800.5 }).award).toBe(1800.5);
  });

  it("the policy changes between the summer and autumn terms", () => {
    expect(policyInForce(p, "2023-08-31")!.id).toBe("regressive-summer-2023");
    expect(policyInForce(p, "2023-09-01")!.id).toBe("progressive-2023-24");
    expect(policyInForce(p, "2023-04-16")).toBeUndefined();
  });

  it("refuses bad input with a reason", () => {
    expect(() => fundingCap(p, { cyp: 0, terms: 1, date: "2023-10-17" })).toThrow(/at least 1/);
    expect(() => fundingCap(p, { cyp: 2.5, terms: 1, date: "2023-10-17" })).toThrow(FundingInputError);
    expect(() => fundingCap(p, { cyp: 2, terms: 4, date: "2023-10-17" })).toThrow(/from 1 to 3/);
    expect(() => fundingCap(p, { cyp: 2, terms: 1, date: "2023-02-01" })).toThrow(
      /no funding policy .* in force on 2023-02-01: the first starts on 2023-04-17/,
    );
    expect(() => fundingCap(p, { cyp: 2, terms: 1, date: "17/10/2023" })).toThrow(/YYYY-MM-DD/);
    expect(() => fundingCap(p, { cyp: 2, terms: 1, date: "2023-10-17", requested: -1 })).toThrow(/£0 or more/);
  });

  it("never awards more than requested or than the limit, and more children never lowers the limit (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 20000 }),
        fc.constantFrom("2023-05-17", "2023-10-17", "2024-06-01"),
        (cyp, terms, requested, date) => {
          const r = fundingCap(p, { cyp, terms, date, requested });
          const cap = r.cap!; // Hounslow's policies are banded: always a limit
          expect(r.award).toBe(Math.min(requested, cap));
          expect(fundingCap(p, { cyp: cyp + 1, terms, date }).cap).toBeGreaterThanOrEqual(cap);
          if (terms < 3) expect(fundingCap(p, { cyp, terms: terms + 1, date }).cap).toBeGreaterThan(cap);
        },
      ),
    );
  });
});
