/**
 * Issue 31: a vote never traps. Closing with fewer votes than the quorum asks first and leaves the
 * case re-openable; the SCL gets her controls back (on the shared card, and with `case <ref>`); a
 * cancelled or undecided vote can be opened again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parsePartnership } from "../../core/config.js";
import { resolveConfigPath } from "../../config/load.js";
import { GraphVotes } from "../../m365/sharepoint.js";
import { voteSessionKey } from "../../m365/teamsState.js";
import { ClusterDeskBot } from "../../bot/bot.js";
import { clickAs, sayAs } from "../helpers/activities.js";
import { botBase, votingBot, pdfForm, stackWithAgendaCase, type Stack } from "../helpers/stack.js";

const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
for (const s of raw.clusters[4].schools) s.sendcoEmail = `senco@${s.shortName.toLowerCase().replace(/[^a-z]/g, "")}.example`;
const p = parsePartnership(raw).partnership;
const KL = "katy.luciani@hounslow.gov.uk";
const ref = "C5-2023-0001";
let s: Stack;
let bot: ClusterDeskBot;
const click = async (who: string, verb: string, data: Record<string, unknown>) => (await clickAs(bot, who, verb, data)).card;
const buttons = (card: string) => ((JSON.parse(card).actions ?? []) as { title: string }[]).map((a) => a.title);

beforeAll(async () => {
  s = await stackWithAgendaCase(p);
  bot = votingBot(s, p);
}, 60_000);
afterAll(() => s?.stop());

describe("a vote never traps", () => {
  it("the SCL pressing a voting button on the shared card gets her own view with Close and Cancel, not an error", async () => {
    await click(KL, "vote.open", { caseRef: ref });
    const card = await click(KL, "vote.cast", { caseRef: ref, choice: "agree" });
    expect(card).toContain("You lead this case, so you do not vote on it: close or cancel the vote below.");
    expect(buttons(card)).toEqual(expect.arrayContaining(["Close vote", "Cancel vote"]));
    expect(await new GraphVotes(s.deps.site).votes(ref)).toEqual([]);
  });

  it("`case <ref>` brings the live vote card back to the SCL, with her controls", async () => {
    const sent = await sayAs(bot, KL, `case ${ref}`);
    expect(sent).toHaveLength(2);
    const vote = JSON.stringify(sent[1]!.attachments![0]!.content);
    expect(vote).toContain(`Vote: ${ref}`);
    expect(buttons(vote)).toEqual(expect.arrayContaining(["Close vote", "Cancel vote"]));
  });

  it("closing with fewer votes than the quorum asks first; confirmed, nothing is decided and the vote can be opened again", async () => {
    await click("senco@bolder.example", "vote.cast", { caseRef: ref, choice: "agree" });
    // An amount outside the limits is refused with them, not clamped (the card has no min or max).
    for (const bad of [-100, 9_999_999])
      expect(await click(KL, "vote.close", { caseRef: ref, panelAmount: bad })).toContain(
        "Enter the amount the panel agreed in pounds (and pence), from £0 to £1,000,000. Nothing was closed.",
      );
    const asked = await click(KL, "vote.close", { caseRef: ref, panelAmount: "4500" });
    expect(asked).toContain("Only 1 of the 3 votes needed are in. Closing now decides nothing");
    expect(buttons(asked)).toContain("Close without a decision");
    expect(buttons(asked)).not.toContain("Close vote");
    expect(JSON.parse((await s.deps.state.getSync(voteSessionKey(ref)))!).status).toBe("open");

    const closed = await click(KL, "vote.close", { caseRef: ref, confirm: "yes" });
    expect(closed).toContain(`Closed: No decision (1 vote(s) cast; 3 are needed): ${ref} stays on the agenda; the vote can be opened again`);
    const c = (await s.deps.cases.byRef(ref))!;
    expect(c.fields.Status).toBe("On agenda");
    expect(c.fields.Decision ?? null).toBeNull();
    const told = (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value.filter((o: { message: { subject: string } }) =>
      o.message.subject.includes("decision"),
    );
    expect(told).toHaveLength(0); // the school is told only a decision

    const again = await click(KL, "vote.open", { caseRef: ref });
    expect(again).toContain("Vote opened in this conversation.");
    expect(await new GraphVotes(s.deps.site).votes(ref)).toEqual([]); // a new vote: its votes start again
    for (const v of ["senco@bolder.example", "senco@blueschool.example", "senco@greenboys.example"])
      await click(v, "vote.cast", { caseRef: ref, choice: "agree" });
    const decided = await click(KL, "vote.close", { caseRef: ref, panelAmount: "4500" });
    expect(decided).toContain("Closed: Agree to fund, £4,000");
    expect((await s.deps.cases.byRef(ref))!.fields.Status).toBe("Decided");
    // A decided vote is not opened again.
    expect(await click(KL, "vote.open", { caseRef: ref })).toContain("has closed");
  });
});

describe("cards stay current", () => {
  it('the posted agenda is re-drawn when a vote opens (no "Open vote" for that case) and when it closes (the decision)', async () => {
    await s.send({ from: "senco@bolder.example", subject: "Cluster 5/KL/Bolder Academy", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const ref2 = "C5-2023-0002";
    await s.deps.cases.change(ref2, () => ({ Status: "On agenda", CaseType: "Individual", CypCount: 1, TermsSought: 1, AmountRequested: 1000 }));
    const meeting = (await s.deps.cases.byRef(ref2))!.fields.MeetingDate!.slice(0, 10);
    const channel = JSON.stringify({ conversation: { id: "19:cluster-5@thread.tacv2" }, serviceUrl: "https://smba.example/" });
    await s.deps.teams.setAgendaCard(`c5|${meeting}`, { conversation: channel, activityId: "agenda-7" });
    const updates: { id: string; card: string }[] = [];
    const recording = new ClusterDeskBot({
      ...botBase(s, p),
      votes: new GraphVotes(s.deps.site),
      audit: (r) => s.deps.cases.audit(r),
      resolveEmail: async (ctx) => ctx.activity.from.id,
      elsewhere: {
        post: async () => "vote-9",
        update: async (_ref, id, card) => void updates.push({ id, card: JSON.stringify(card) }),
      },
    });
    const act = async (who: string, verb: string, data: Record<string, unknown>) => (await clickAs(recording, who, verb, data)).card;
    await act(KL, "vote.open", { caseRef: ref2 });
    const afterOpen = updates.filter((u) => u.id === "agenda-7").at(-1)!.card;
    expect(afterOpen).toContain(`"title":"Now","value":"Vote open"`);
    expect(afterOpen).not.toContain(`Open vote on ${ref2}`);
    for (const v of ["senco@blueschool.example", "senco@greenboys.example", "senco@worple.example"])
      await act(v, "vote.cast", { caseRef: ref2, choice: "agree" });
    await act(KL, "vote.close", { caseRef: ref2, panelAmount: "1000" });
    const afterClose = updates.filter((u) => u.id === "agenda-7").at(-1)!.card;
    expect(afterClose).toContain(`"title":"Now","value":"Decided: Agree to fund, £1,000"`);
  });
});
