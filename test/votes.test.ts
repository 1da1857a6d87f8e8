import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { resolveConfigPath } from "../config/load.js";
import { parsePartnership } from "../core/config.js";
import { decide, eligibleVoters, outcome, tally, type VoteChoice } from "../core/rules/votes.js";

function config(mutate?: (raw: any) => void) {
  const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
  for (const s of raw.clusters[4].schools) s.sendcoEmail = `senco@${s.shortName.toLowerCase().replace(/[^a-z]/g, "")}.example`;
  raw.clusters[4].schools.find((s: any) => s.shortName === "Worple").headteacherEmail = "head@worple.example";
  mutate?.(raw);
  return parsePartnership(raw).partnership;
}
const p = config();
const c5 = p.clusters.find((c) => c.id === 5)!;
const votes = (a: number, d: number, x: number) =>
  tally([...Array(a).fill({ choice: "agree" }), ...Array(d).fill({ choice: "disagree" }), ...Array(x).fill({ choice: "abstain" })]);

describe("who votes", () => {
  it("the cluster's SENDCos and the meeting's HT representative; not the presenting school", () => {
    const v = eligibleVoters(p, c5, "2023-05-18", "Isleworth Town Primary School");
    expect(v.map((x) => x.email)).not.toContain("senco@isleworthtown.example");
    expect(v).toHaveLength(c5.schools.length - 1 + 1);
    expect(v.find((x) => x.role === "HT representative")).toEqual({ email: "head@worple.example", role: "HT representative", school: "Worple Primary School" });
    // Worple presenting: neither its SENDCo nor its head (the HT rep) votes on its own case.
    const own = eligibleVoters(p, c5, "2023-05-18", "Worple Primary School").map((x) => x.email);
    expect(own).not.toContain("senco@worple.example");
    expect(own).not.toContain("head@worple.example");
  });
});

describe("outcome and award", () => {
  it("quorum, majority, everyone abstaining", () => {
    expect(outcome(p, votes(2, 0, 0)).decision).toBe("No decision");
    expect(outcome(p, votes(2, 1, 0))).toEqual({ decision: "Agree to fund", reason: "2 agree, 1 do not, 0 abstain: carried by a majority of those voting" });
    expect(outcome(p, votes(1, 1, 1)).decision).toBe("Do not fund (alternative support)");
    expect(outcome(p, votes(0, 0, 4))).toEqual({ decision: "No decision", reason: "everyone abstained" });
  });
  it("two-thirds when configured", () => {
    const strict = config((raw) => (raw.votes = { rule: "two-thirds" }));
    expect(outcome(strict, votes(2, 1, 0)).decision).toBe("Agree to fund");
    expect(outcome(strict, votes(3, 2, 0)).decision).toBe("Do not fund (alternative support)");
  });
  it("the award is the panel's amount capped by the policy, with the calculation (summer 2023: regressive)", () => {
    const d = decide(p, votes(5, 1, 1), { cyp: 5, terms: 2, meetingDate: "2023-06-15", panelAmount: 4500 });
    expect(d.award).toBe(4000);
    expect(d.lines).toEqual([
      "Vote: 5 agree, 1 do not, 1 abstain: carried by a majority of those voting",
      "Policy in force on Thursday 15 June 2023: Regressive MIP funding limits (summer term 2023)",
      "5 CYP: No case differential, £2,000 per term",
      "Limit: £2,000 × 2 terms = £4,000",
      "Requested £4,500 is above the limit: award £4,000",
      "Award: £4,000",
    ]);
    expect(decide(p, votes(1, 3, 0), { cyp: 5, terms: 2, meetingDate: "2023-06-15", panelAmount: 4500 }).award).toBe(0);
  });
  it("agreeing never lowers the outcome (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<VoteChoice>("agree", "disagree", "abstain"), { maxLength: 40 }), (choices) => {
        const before = outcome(p, tally(choices.map((choice) => ({ choice }))));
        const after = outcome(p, tally([...choices, "agree"].map((choice) => ({ choice: choice as VoteChoice }))));
        if (before.decision === "Agree to fund") expect(after.decision).toBe("Agree to fund");
      }),
    );
  });
});
