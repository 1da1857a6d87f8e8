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
    // Receipt, fix-your-subject, rejected, late, acknowledgement, decision; and the reminders to the
    // HT representatives of clusters 1-4, whose meetings on 16-17 May are near on 15 May.
    expect(r.replies).toBe(10);
    const out = lines.join("\n");
    expect(out).toContain("Limit: £2,000 × 2 terms = £4,000");
    // Every Teams step went through the Agents Playground and the real bot.
    expect(out).toContain(`Teams is the Agents Playground at ${r.playground}`);
    expect(out).toContain("Vote: 3 agree, 1 do not, 0 abstain: carried by a majority of those voting");
    expect(r.playground).toMatch(/^http:\/\/localhost:\d+\/$/);
  }, 120_000);
});
