import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Activity } from "botbuilder";
import { clickAs } from "../helpers/activities.js";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ClusterDeskBot } from "../../bot/bot.js";
import { parsePartnership } from "../../core/config.js";
import { resolveConfigPath } from "../../config/load.js";
import { GraphVotes } from "../../m365/sharepoint.js";
import { clusterChannelKey } from "../../m365/teamsState.js";
import { TriageCards } from "../../functions/triageCards.js";
import { triageCardKey, voteSessionKey } from "../../m365/teamsState.js";
import { botBase, votingBot, pdfForm, stackWithAgendaCase, type Stack } from "../helpers/stack.js";

// Cluster 5 with SENDCo addresses, widened with test-only schools so 30 people can vote at once.
const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
const c5 = raw.clusters[4];
c5.budgets = { "2022-23": 10_000 }; // so that closing shows the RAG rating (the seeds give no budgets)
for (const s of c5.schools) s.sendcoEmail = `senco@${s.shortName.toLowerCase().replace(/[^a-z]/g, "")}.example`;
for (let i = 1; i <= 22; i++) c5.schools.push({ name: `Test School ${i}`, phase: "primary", sendcoEmail: `senco@test${i}.example` });
const p = parsePartnership(raw).partnership;
const KL = "katy.luciani@hounslow.gov.uk";
const voters = p.clusters[4]!.schools.map((s) => s.sendcoEmail!).filter((e) => e !== "senco@worple.example");
let s: Stack;
let bot: ClusterDeskBot;
const ref = "C5-2023-0001";

let posted: Partial<Activity>[] = [];
async function invoke(email: string, verb: string, data: Record<string, unknown>): Promise<string> {
  const click = await clickAs(bot, email, verb, data);
  posted = click.posted;
  return click.card;
}

beforeAll(async () => {
  s = await stackWithAgendaCase(p);
  bot = votingBot(s, p);
}, 60_000);
afterAll(() => s?.stop());

describe("in-meeting votes", () => {
  it("only the SCL opens the vote; a vote card is posted with the amount requested and the cap", async () => {
    expect(await invoke("georgie.venn@hounslow.gov.uk", "vote.open", { caseRef: ref })).toContain("You cannot open a vote");
    expect(posted).toHaveLength(0);
    const triage = await invoke(KL, "vote.open", { caseRef: ref });
    // The SCL's triage card says where the vote is; the vote card itself is a new message
    // (no cluster channel is linked in this test, so it goes to the conversation it was opened in).
    expect(triage).toContain("Vote opened in this conversation.");
    expect(posted).toHaveLength(1);
    const card = JSON.stringify(posted[0]!.attachments![0]!.content);
    expect(card).toContain('"value":"£4,500"');
    expect(card).toContain('"value":"£4,000"'); // 5 CYP, 2 terms, June 2023: regressive £2,000 a term
    expect(card).toContain("Agree to fund");
    expect(card).toContain("Close vote");
    expect(card).toContain('"value":"Open: 0 of 31 voted (quorum 3)"'); // 31 SENDCos but the presenting school's
    // Opening again does not post a second card.
    expect(await invoke(KL, "vote.open", { caseRef: ref })).toContain("already open");
    expect(posted).toHaveLength(0);
    // From the agenda card (in the meeting's channel) the agenda stays in place.
    const agenda = await invoke(KL, "vote.open", { caseRef: ref, from: "agenda" });
    expect(agenda).toContain("Cluster 5 meeting agenda");
    expect(agenda).toContain("Thursday 15 June 2023, 2pm");
  });

  it("the presenting school and people outside the cluster cannot vote; nothing is recorded", async () => {
    expect(await invoke("senco@worple.example", "vote.cast", { caseRef: ref, choice: "agree" })).toContain("You cannot vote on C5-2023-0001");
    expect(await invoke("someone@elsewhere.example", "vote.cast", { caseRef: ref, choice: "agree" })).toContain("No vote was recorded");
    expect(await new GraphVotes(s.deps.site).votes(ref)).toEqual([]);
  });

  it("30 voters clicking at the same moment all count; each sees their own choice; a voter can change it", async () => {
    expect(voters.length).toBeGreaterThanOrEqual(30);
    const thirty = voters.slice(0, 30);
    const cards = await Promise.all(thirty.map((v, i) => invoke(v, "vote.cast", { caseRef: ref, choice: i < 20 ? "agree" : i < 28 ? "disagree" : "abstain" })));
    expect(cards[0]).toContain('"title":"Your vote","value":"Agree to fund"');
    expect(cards[25]).toContain('"title":"Your vote","value":"Do not fund (alternative support)"');
    expect(cards[0]).not.toContain("Agree 20"); // the tally is hidden while the vote is open (config)
    const rows = await new GraphVotes(s.deps.site).votes(ref);
    expect(rows).toHaveLength(30);
    // Every voter keeps their own view (refresh.userIds): no id lost to a concurrent write.
    const session = JSON.parse((await s.deps.state.getSync(voteSessionKey(ref)))!);
    expect(Object.keys(session.ids)).toEqual(expect.arrayContaining(thirty));
    expect(Object.keys(session.ids)).toHaveLength(31); // and the SCL who opened it
    await invoke(thirty[0]!, "vote.cast", { caseRef: ref, choice: "disagree" });
    const after = await new GraphVotes(s.deps.site).votes(ref);
    expect(after).toHaveLength(30);
    expect(after.find((r) => r.voter === thirty[0])!.choice).toBe("disagree");
  });

  it("closing: the decision and the calculation on the card, the case updated, the school told at once; late clicks refused", async () => {
    expect(await invoke(voters[0]!, "vote.close", { caseRef: ref, panelAmount: "4500" })).toContain("You cannot close the vote");
    const card = await invoke(KL, "vote.close", { caseRef: ref, panelAmount: "4500" });
    expect(card).toContain("Vote: 19 agree, 9 do not, 2 abstain: carried by a majority of those voting");
    expect(card).toContain("Limit: £2,000 × 2 terms = £4,000");
    expect(card).toContain("Award: £4,000");
    expect(card).toContain("Agree 19, do not fund 9, abstain 2");
    expect(card).toContain("Cluster 5 budget: £4,000 of £10,000 committed (40%), £6,000 remaining in 2022-23: Green");
    const c = (await s.deps.cases.byRef(ref))!;
    expect(c.fields).toMatchObject({ Status: "Decided", Decision: "Agree to fund", AmountAwarded: 4000 });
    const mail = (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value.filter(
      (o: any) => o.to === "senco@worple.example" && o.message.subject.includes("decision"),
    );
    expect(mail).toHaveLength(1);
    expect(mail[0].message.body.content).toContain("Award: £4,000");
    expect(await invoke(voters[5]!, "vote.cast", { caseRef: ref, choice: "abstain" })).toContain("has closed");
    expect((await new GraphVotes(s.deps.site).votes(ref)).find((r) => r.voter === voters[5])!.choice).not.toBe("abstain");
  });

  it("with the cluster's channel linked, the vote card goes there, and closing updates it for everyone", async () => {
    const ref2 = "C5-2023-0002";
    await s.send({ from: "senco@bolder.example", subject: "Cluster 5/KL/Bolder Academy", text: "x", attachments: [pdfForm()] });
    await s.settle();
    await s.deps.cases.change(ref2, () => ({ Status: "On agenda", CaseType: "Individual", CypCount: 1, TermsSought: 1, AmountRequested: 1000 }));
    const channelRef = JSON.stringify({ conversation: { id: "19:cluster-5@thread.tacv2" }, serviceUrl: "https://smba.example/" });
    await s.deps.state.setSync(clusterChannelKey(5), channelRef);
    const katysChat = JSON.stringify({ conversation: { id: "a:katy" }, serviceUrl: "https://smba.example/" });
    await s.deps.state.setSync(triageCardKey(ref2), JSON.stringify({ ref: katysChat, activityId: "triage-7" }));
    const calls: { kind: string; ref: string; id?: string; card: string }[] = [];
    const saved = bot;
    bot = new ClusterDeskBot({
      ...botBase(s, p),
      // Triage cards are posted and updated through the same recorder.
      triageCards: new TriageCards(
        () => p,
        s.deps.teams,
        {
          postCard: async (ref, card) => (calls.push({ kind: "post", ref, card: JSON.stringify(card) }), "activity-43"),
          updateCard: async (ref, id, card) => void calls.push({ kind: "update", ref, id, card: JSON.stringify(card) }),
        },
        () => new Date(s.tenant.now()),
        s.deps.log,
      ),
      votes: new GraphVotes(s.deps.site),
      audit: (r) => s.deps.cases.audit(r),
      resolveEmail: async (ctx) => ctx.activity.from.id,
      elsewhere: {
        post: async (ref, card) => (calls.push({ kind: "post", ref, card: JSON.stringify(card) }), "activity-42"),
        update: async (ref, id, card) => void calls.push({ kind: "update", ref, id, card: JSON.stringify(card) }),
      },
    });
    try {
      expect(await invoke(KL, "vote.open", { caseRef: ref2 })).toContain("Vote opened in cluster 5's channel.");
      expect(posted).toHaveLength(0); // not in the SCL's chat
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ kind: "post", ref: channelRef });
      expect(calls[0]!.card).toContain(`Vote: ${ref2}`);
      for (const v of voters.filter((e) => e !== "senco@bolder.example").slice(0, 3)) await invoke(v, "vote.cast", { caseRef: ref2, choice: "agree" });
      // Each vote rewrites the shared card with the count against the quorum (not the tally, hidden while open).
      const counts = calls.filter((c) => c.kind === "update" && c.ref === channelRef).map((c) => JSON.parse(c.card).body);
      expect(counts.map((b) => JSON.stringify(b).match(/Open: \d+ of \d+ voted \(quorum 3[^)]*\)/)?.[0])).toEqual([
        "Open: 1 of 31 voted (quorum 3)",
        "Open: 2 of 31 voted (quorum 3)",
        "Open: 3 of 31 voted (quorum 3, reached)",
      ]);
      expect(JSON.stringify(counts)).not.toContain("Agree 3");
      calls.splice(1);
      await invoke(KL, "vote.close", { caseRef: ref2, panelAmount: "1000" });
      expect(calls).toHaveLength(3);
      const voteUpdate = calls.find((c) => c.kind === "update" && c.ref === channelRef)!;
      expect(voteUpdate).toMatchObject({ id: "activity-42" });
      // Katy's triage card, in her chat, shows the decision as well.
      const triageUpdate = calls.find((c) => c.kind === "update" && c.ref === katysChat)!;
      expect(triageUpdate).toMatchObject({ id: "triage-7" });
      expect(triageUpdate.card).toContain("Decided by the cluster 5 meeting: Agree to fund, £1,000");
      expect(triageUpdate.card).toContain('"value":"Decided"');
      expect(triageUpdate.card).not.toContain("Move to cluster"); // nothing left to do on a decided case
      expect(JSON.parse(triageUpdate.card).actions ?? []).toEqual([]);
      expect(voteUpdate.card).toContain("Closed: Agree to fund");
      expect(voteUpdate.card).toContain("voting has closed");
      // Both awards now count against the cluster's budget: £4,000 + £1,000 of £10,000.
      expect(voteUpdate.card).toContain("Cluster 5 budget: £5,000 of £10,000 committed (50%), £5,000 remaining in 2022-23: Green");
    } finally {
      bot = saved;
    }
  });
});
