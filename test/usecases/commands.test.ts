/** The words of the bot's text commands (core/usecases/commands.ts), on fakes. */
import { describe, expect, it } from "vitest";
import { budgetText, openCasesText, whichTermText } from "../../core/usecases/commands.js";
import { FakeCases } from "../fakes/teams.js";
import { loadPartnership } from "../../config/load.js";

const p = loadPartnership("sutton").partnership;
const now = () => new Date("2020-11-10T10:00:00Z");

describe("command answers", () => {
  it("cases: the partnership lead's begin with the unassigned; a lead's are her clusters' only; closed cases are left out", async () => {
    const cases = new FakeCases();
    const base = { ReceivedAt: "2020-11-02T09:00:00Z", AckDueBy: "2020-11-09T00:00:00Z" };
    cases.add({ Title: "U-2020-0001", Status: "Needs attention", Cluster: null, ...base });
    cases.add({ Title: "SP3-2020-0001", Status: "Accepted", Cluster: p.clusters[2]!.id, School: "A School", ...base, AcknowledgedAt: "2020-11-03T09:00:00Z" });
    cases.add({ Title: "SP3-2020-0002", Status: "Decided", Cluster: p.clusters[2]!.id, ...base });
    const d = { partnership: p, cases, now };
    const all = await openCasesText(
      d,
      p.clusters.map((c) => c.id),
    );
    expect(all.split("\n")).toEqual([
      "Open cases in every cluster and without one (2). Type **case <reference>** to see a case's card.",
      "No cluster yet (1): assign each with **Move to cluster** on its card.",
      "- **U-2020-0001** school not identified: Needs attention; no meeting yet; acknowledgement overdue by 1 working day(s)",
      "- **SP3-2020-0001** A School: Accepted; no meeting yet; acknowledged",
    ]);
    expect(await openCasesText(d, [p.clusters[2]!.id])).not.toContain("U-2020-0001");
    expect(await openCasesText(d, [])).toContain("no cases come to you");
  });

  it("budget names each cluster as the council does, and report without a term offers this year's terms", async () => {
    const d = { partnership: p, cases: new FakeCases(), now };
    const text = await budgetText(d, [p.clusters[0]!.id, p.clusters[p.clusters.length - 1]!.id]);
    expect(text.split("\n\n").map((l) => l.split(":")[0])).toEqual(["SP 1", `CP ${p.clusters[p.clusters.length - 1]!.id - 10}`]);
    expect(whichTermText(now())).toBe("Which term? Write **report** and the term: report autumn-2020, report spring-2021 or report summer-2021.");
  });
});
