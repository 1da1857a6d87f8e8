import { describe, expect, it } from "vitest";
import { runDemo } from "../../local/demo.js";
import { tempDataDir } from "../helpers/tenant.js";

describe("npm run demo", () => {
  it("replays summer 2023: every outcome, triage, a vote and its decision, an invitation", async () => {
    const lines: string[] = [];
    const r = await runDemo({ dataDir: tempDataDir(), tlsDir: ".data/test-tls", print: (l) => lines.push(l), keepRunning: false });
    expect(Object.fromEntries(r.cases.map((c) => [c.ref, c.status]))).toEqual({
      "C5-2023-0001": "Decided",
      "C5-2023-0002": "Needs attention", // cluster 4 in the subject; the school is cluster 5's
      "C6-2023-0001": "Rejected",
      "C6-2023-0002": "Late",
    });
    expect(r).toMatchObject({ decision: "Agree to fund", award: 4000 });
    expect(r.invitations).toBeGreaterThan(0);
    // Receipt, fix-your-subject, rejected, late, acknowledgement, decision; the reminders to the
    // HT representatives of clusters 1-4, whose meetings on 16-17 May are near on 15 May; and
    // cluster 6's two cases to Georgie Venn by email (the Playground is Katy's: the bot cannot reach her).
    expect(r.replies).toBe(12);
    const out = lines.join("\n");
    expect(out).toContain("Limit: £2,000 × 2 terms = £4,000");
    // Every Teams step went through the Agents Playground and the real bot.
    expect(out).toContain(`Teams is the Agents Playground at ${r.playground}`);
    expect(out).toContain("Vote: 3 agree, 1 do not, 0 abstain: carried by a majority of those voting");
    expect(r.playground).toMatch(/^http:\/\/localhost:\d+\/$/);
  }, 120_000);
});

describe("npm run demo -- --partnership", () => {
  it("sutton: a cluster recommends and the borough-wide meeting decides, acting through the Playground", async () => {
    const lines: string[] = [];
    const r = await runDemo({ partnership: "sutton", dataDir: tempDataDir(), tlsDir: ".data/test-tls", print: (l) => lines.push(l), keepRunning: false });
    expect(Object.fromEntries(r.cases.map((c) => [c.ref, c.status]))).toEqual({ "SP5-2021-0001": "Decided", "CP2-2021-0001": "Needs attention" });
    expect(r).toMatchObject({ decision: "Agree to fund", award: 5000 });
    const out = lines.join("\n");
    expect(out).toContain('Wallington County Grammar School is in CP 2, not CP 3. The subject line should be "CP 2/Wallington County Grammar School".');
    expect(out).toContain(
      "SP5-2021-0001 is Recommended (Agree to fund, £6000); it is on the agenda of the borough-wide meeting, Thursday 4 February 2021, 2pm",
    );
    expect(out).toContain("A recommendation: Borough-wide final decision meeting decides, and commits the award");
    expect(out).toMatch(/SP5-2021-0001: recommendation of the SP 5 meeting\n\s+SP5-2021-0001: decision of the Borough-wide final decision meeting/);
  }, 120_000);

  it("southampton: incomplete referral, anonymised cases, the allocation, the city meeting's contingency decision, the review reminder", async () => {
    const lines: string[] = [];
    const r = await runDemo({ partnership: "southampton", dataDir: tempDataDir(), tlsDir: ".data/test-tls", print: (l) => lines.push(l), keepRunning: false });
    expect(Object.fromEntries(r.cases.map((c) => [c.ref, c.status]))).toEqual({
      "C3-2027-0001": "Decided",
      "C3-2027-0002": "Superseded",
      "C3-2027-0003": "Decided",
    });
    expect(r).toMatchObject({ decision: "Agree to fund", award: 8000 });
    const out = lines.join("\n");
    expect(out).toContain("Missing: Costed Provision Map, Profile of Need.");
    expect(out).toContain("Cluster 3: 4,945 pupils (15.11%) = £57,129");
    expect(out).toContain('C3-2027-0003 is shown to members as "Cluster 3 · Case B"');
    expect(out).toContain("Contingency fund 2026-27: £42,000 allocated, £8,000 committed, £34,000 remaining");
    expect(out).toContain('"C3-2027-0001: review of the allocation due" to the school');
  }, 120_000);
});
