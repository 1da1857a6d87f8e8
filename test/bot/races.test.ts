/**
 * Concurrency, proven through the real adapters (issue 30): two closes of one vote, two votes by
 * one person and two moves of one case at the same moment each give one outcome, against the local
 * tenant's SharePoint lists (ETags) and Azurite's tables, with the bot's own code in between.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickAs } from "../helpers/activities.js";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ClusterDeskBot } from "../../bot/bot.js";
import { parsePartnership } from "../../core/config.js";
import { resolveConfigPath } from "../../config/load.js";
import { GraphVotes } from "../../m365/sharepoint.js";
import { votingBot, listFields, pdfForm, startStack, type Stack, clusterCases } from "../helpers/stack.js";

const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
for (const s of raw.clusters[4].schools) s.sendcoEmail = `senco@${s.shortName.toLowerCase().replace(/[^a-z]/g, "")}.example`;
const p = parsePartnership(raw).partnership;
const KL = "katy.luciani@hounslow.gov.uk";
const LEAD = p.partnershipLead.email;
let s: Stack;
let bot: ClusterDeskBot;

const invoke = async (email: string, verb: string, data: Record<string, unknown>) => (await clickAs(bot, email, verb, data)).card;

/** A case of cluster 5 from `school`, on the agenda with its details, as the SCL would leave it. */
async function caseFrom(school: string, sender: string): Promise<string> {
  await s.send({ from: sender, subject: `Cluster 5/KL/${school}`, text: "x", attachments: [pdfForm()] });
  await s.settle();
  const c = (await clusterCases(s, 5)).find((x) => x.fields.SenderEmail === sender)!;
  await s.deps.cases.change(c.fields.Title, () => ({ Status: "On agenda", CaseType: "Group", CypCount: 5, TermsSought: 2, AmountRequested: 4500 }));
  return c.fields.Title;
}
const outboxTo = async (to: string) =>
  ((await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value as { to: string; message: { subject: string } }[]).filter((m) => m.to === to);

beforeAll(async () => {
  s = await startStack({ partnership: p, at: "2023-06-01T09:00:00Z" });
  bot = votingBot(s, p);
}, 60_000);
afterAll(() => s?.stop());

describe("at the same moment", () => {
  it("two closes of one vote (the SCL twice, and the partnership lead): one decision, one email to the school, one audit row", async () => {
    const ref = await caseFrom("Worple Primary School", "senco@worple.example");
    await invoke(KL, "vote.open", { caseRef: ref });
    for (const v of ["senco@bolder.example", "senco@marlborough.example", "senco@gumleyhouse.example"])
      await invoke(v, "vote.cast", { caseRef: ref, choice: "agree" });
    const cards = await Promise.all([
      invoke(KL, "vote.close", { caseRef: ref, panelAmount: "4500" }),
      invoke(KL, "vote.close", { caseRef: ref, panelAmount: "4500" }),
      invoke(LEAD, "vote.close", { caseRef: ref, panelAmount: "3000" }),
    ]);
    for (const card of cards) expect(card).toContain("Closed: Agree to fund");
    const c = (await s.deps.cases.byRef(ref))!;
    expect(c.fields.Status).toBe("Decided");
    // Every card shows the one decision that was saved (£4,000 from the SCL's, or £3,000 from the lead's: never both).
    const award = c.fields.AmountAwarded!;
    expect([3000, 4000]).toContain(award);
    for (const card of cards) expect(card).toContain(`Closed: Agree to fund, £${award.toLocaleString("en-GB")}`);
    expect((await outboxTo("senco@worple.example")).filter((m) => m.message.subject.includes("decision"))).toHaveLength(1);
    const audit = (await listFields(s, "Audit")).filter((r) => r.CaseRef === ref);
    expect(audit.filter((r) => r.Title === "vote-closed")).toHaveLength(1);
    expect(audit.filter((r) => r.Title === "vote.decide")).toHaveLength(1);
  });

  it("two votes by one person: one row, holding one of the two choices", async () => {
    const ref = await caseFrom("Bolder Academy", "senco@bolder.example");
    await invoke(KL, "vote.open", { caseRef: ref });
    const voter = "senco@worple.example";
    await Promise.all([invoke(voter, "vote.cast", { caseRef: ref, choice: "agree" }), invoke(voter, "vote.cast", { caseRef: ref, choice: "disagree" })]);
    const rows = (await new GraphVotes(s.deps.site).votes(ref)).filter((r) => r.voter === voter);
    expect(rows).toHaveLength(1);
    expect(["agree", "disagree"]).toContain(rows[0]!.choice);
  });

  it("two moves of one case: to one cluster, one move (one audit row, one card); to two clusters, each a move of its own, none lost", async () => {
    const ref = await caseFrom("Marlborough Primary School", "senco@marlborough.example");
    const same = await Promise.all([
      invoke(LEAD, "triage.move", { caseRef: ref, toCluster: "4" }),
      invoke(KL, "triage.move", { caseRef: ref, toCluster: "4" }),
    ]);
    // One moved it; the other was told it is already there.
    expect(same.filter((c) => c.includes("to cluster 4 (KL)"))).toHaveLength(1);
    expect(same.filter((c) => c.includes("already in cluster 4"))).toHaveLength(1);
    const moves = async () => (await listFields(s, "Audit")).filter((r) => r.CaseRef === ref && r.Title === "triage.move");
    expect(await moves()).toHaveLength(1);
    expect((await s.deps.cases.byRef(ref))!.fields.Cluster).toBe(4);
    await Promise.all([invoke(LEAD, "triage.move", { caseRef: ref, toCluster: "6" }), invoke(LEAD, "triage.move", { caseRef: ref, toCluster: "1" })]);
    // Each saved in turn (ETags): both are in the audit, and the case is where the later one put it.
    const after = (await moves()).sort((a, b) => Number(a.id) - Number(b.id));
    expect(after).toHaveLength(3);
    expect(
      after
        .slice(1)
        .map((r) => /^Moved from cluster \d+ (to cluster \d+)/.exec(String(r.Detail))?.[1])
        .sort(),
    ).toEqual(["to cluster 1", "to cluster 6"]);
    expect(String(after[2]!.Detail)).toContain(`to cluster ${(await s.deps.cases.byRef(ref))!.fields.Cluster} `);
  });
});
