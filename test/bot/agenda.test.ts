import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agendaCard } from "../../cards/index.js";
import { ActivityTypes, TestAdapter } from "botbuilder";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ClusterDeskBot } from "../../bot/bot.js";
import { agendaData, budgetOverview, isFirstOfTerm } from "../../core/rules/agenda.js";
import { parsePartnership } from "../../core/config.js";
import { meetingsOf } from "../../core/rules/schedule.js";
import { runAgendas } from "../../core/usecases/agenda.js";
import { withBudgets } from "../../core/rules/schedule.js";
import { clusterChannelKey } from "../../m365/teamsState.js";
import { resolveConfigPath } from "../../config/load.js";
import { botBase, pdfForm, startStack, type Stack, clusterCases } from "../helpers/stack.js";
import { cardAction } from "../helpers/activities.js";

const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
raw.clusters[4].budgets = { "2022-23": 30000 };
const p = parsePartnership(raw).partnership;
const c5 = p.clusters.find((c) => c.id === 5)!;
const KL = "katy.luciani@hounslow.gov.uk";
const people: Record<string, string> = { kl: KL, gv: "georgie.venn@hounslow.gov.uk" };
let s: Stack;
let bot: ClusterDeskBot;

async function say(who: string, text: string, conversation = "conv-5") {
  const a = new TestAdapter(async (ctx) => bot.run(ctx));
  const replies: any[] = [];
  await a.processActivity(
    { type: ActivityTypes.Message, text, channelId: "msteams", from: { id: who, name: who }, conversation: { id: conversation } } as never,
    async (ctx) => bot.run(ctx),
  );
  replies.push(...a.activeQueue);
  return replies;
}

beforeAll(async () => {
  s = await startStack({ partnership: p, at: "2023-05-02T09:00:00Z" });
  await s.send({ from: "senco@worple.example", subject: "Cluster 5/KL/Worple Primary School", text: "x", attachments: [pdfForm()] });
  await s.send({ from: "senco@bolder.example", subject: "Cluster 5/KL/Bolder Academy", text: "x", attachments: [pdfForm()] });
  await s.settle();
  await s.deps.cases.change("C5-2023-0001", () => ({ Status: "On agenda", CaseType: "Group", CypCount: 5, TermsSought: 2, AmountRequested: 4500 }));
  bot = new ClusterDeskBot({
    ...botBase(s, p),
    resolveEmail: async (ctx) => people[ctx.activity.from.id] ?? null,
  });
}, 60_000);
afterAll(() => s?.stop());

describe("agenda", () => {
  it("budget and RAG rating from the cluster budget and the thresholds", () => {
    const awarded = (n: number, at = "2023-05-18T13:00:00Z") => [
      { itemId: "1", etag: "", fields: { Title: "x", Status: "Decided" as const, AmountAwarded: n, DecisionAt: at } },
    ];
    expect(budgetOverview(p, c5, awarded(12000), "2023-05-18")).toMatchObject({
      rag: "Green",
      remaining: 18000,
      year: "2022-23",
      text: "£12,000 of £30,000 committed (40%), £18,000 remaining in 2022-23: Green",
    });
    expect(budgetOverview(p, c5, awarded(24000), "2023-05-18").rag).toBe("Amber");
    expect(budgetOverview(p, c5, awarded(27000), "2023-05-18").rag).toBe("Red");
    expect(budgetOverview(p, p.clusters[0]!, awarded(1000), "2023-05-18").rag).toBeNull();
  });

  it("a year's budget: the allocation for that academic year (the Budgets list's over the config's), awards decided in that year only", () => {
    const c = { ...c5, budgets: { "2026-27": 20000 } };
    const cases = [
      { itemId: "1", etag: "", fields: { Title: "a", Status: "Decided" as const, AmountAwarded: 6000, DecisionAt: "2026-10-15T13:00:00Z" } },
      { itemId: "2", etag: "", fields: { Title: "b", Status: "Decided" as const, AmountAwarded: 9000, DecisionAt: "2026-06-18T13:00:00Z" } }, // last year's
    ];
    expect(budgetOverview(p, c, cases, "2026-11-23")).toMatchObject({ year: "2026-27", budget: 20000, committed: 6000, remaining: 14000, rag: "Green" });
    const listed = withBudgets({ ...p, clusters: [c] }, [{ clusterId: 5, year: "2026-27", allocated: 7000 }]).clusters[0]!;
    expect(budgetOverview(p, listed, cases, "2026-11-23")).toMatchObject({ budget: 7000, rag: "Amber" });
    expect(budgetOverview(p, c, cases, "2027-09-10")).toMatchObject({ year: "2027-28", budget: null, rag: null });
  });

  it("CPD only in the first meeting of the term", () => {
    expect(isFirstOfTerm(c5, "2023-05-18")).toBe(true);
    expect(isFirstOfTerm(c5, "2023-06-15")).toBe(false);
  });

  it("lists accepted cases with their cap under the policy in force", async () => {
    const may = meetingsOf(p, c5)[0]!;
    const d = agendaData(p, c5, may, await clusterCases(s, 5));
    expect(d).toMatchObject({ meeting: "Thursday 18 May 2023, 2pm", htRep: "Headteacher representative: Worple Primary School", hasCpd: true, hasCases: true });
    expect(d.cases).toEqual([
      {
        ref: "C5-2023-0001",
        heading: "C5-2023-0001",
        kind: "Group",
        cyp: "5",
        terms: "2",
        requested: "£4,500",
        cap: "£4,000",
        capTitle: "Limit that applies",
        state: "To decide",
        canOpen: true,
      },
    ]);
    // In the meeting, the SCL opens each case's vote from the agenda.
    const card = JSON.stringify(agendaCard(d));
    expect(card).toContain('"title":"Open vote on C5-2023-0001","verb":"vote.open","data":{"caseRef":"C5-2023-0001","from":"agenda"}');
    // Issue 31: a card re-drawn once the vote is open, or decided, offers no "Open vote" for it.
    const open = agendaData(p, c5, may, await clusterCases(s, 5), new Set(["C5-2023-0001"]));
    expect(open.cases[0]).toMatchObject({ state: "Vote open", canOpen: false });
    expect(JSON.stringify(agendaCard(open))).not.toContain("Open vote on C5-2023-0001");
    const decided = (await clusterCases(s, 5)).map((x) => ({
      ...x,
      fields: { ...x.fields, Status: "Decided" as const, Decision: "Agree to fund" as const, AmountAwarded: 4000 },
    }));
    expect(agendaData(p, c5, may, decided).cases[0]).toMatchObject({ state: "Decided: Agree to fund, £4,000", canOpen: false });
  });

  it("the SCL links the cluster's channel; someone else cannot", async () => {
    expect((await say("gv", "cluster 5"))[0].text).toMatch(/Only cluster 5's SEND Cluster Lead or the partnership lead/);
    expect(await s.deps.state.getSync(clusterChannelKey(5))).toBeNull();
    expect((await say("kl", "cluster 5", "channel-c5"))[0].text).toMatch(/now gets cluster 5's agendas, 3 working days before/);
    expect(JSON.parse((await s.deps.state.getSync(clusterChannelKey(5)))!).conversation.id).toBe("channel-c5");
  });

  it("agenda and budget answer in chat", async () => {
    const agenda = await say("kl", "agenda");
    const cards = agenda.filter((a) => a.attachments).map((a) => a.attachments[0].content);
    expect(cards.map((c) => c.body[0].text)).toEqual(["Cluster 4 meeting agenda", "Cluster 5 meeting agenda"]); // KL leads both
    const card = cards[1];
    expect(JSON.stringify(card)).toContain("C5-2023-0001");
    expect(JSON.stringify(card)).toContain("£4,000");
    // One message, a line a cluster (KL leads clusters 4 and 5).
    const budget = await say("kl", "budget");
    expect(budget).toHaveLength(1);
    expect(budget[0].text.split("\n\n")).toEqual([
      expect.stringMatching(/^Cluster 4: /),
      "Cluster 5: £0 of £30,000 committed (0%), £30,000 remaining in 2022-23: Green.",
    ]);
  });

  it("posts each agenda to its channel three working days before, once", async () => {
    const posts: { ref: string; data: any }[] = [];
    const run = () =>
      runAgendas({ ...s.deps, partnership: p, kv: s.deps.state, postAgenda: async (ref, data) => (posts.push({ ref, data }), `agenda-${posts.length}`) });
    s.at("2023-05-12T09:00:00Z"); // Friday: four working days before Thursday 18 May
    expect((await run()).posted).toEqual([]);
    s.at("2023-05-15T09:00:00Z"); // Monday: three working days before
    const r = await run();
    expect(r.posted).toEqual(["cluster 5 2023-05-18"]);
    expect(r.waiting.some((w) => w.startsWith("cluster 1: no channel linked"))).toBe(true);
    expect((await run()).posted).toEqual([]);
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]!.ref).conversation.id).toBe("channel-c5");
    expect(posts[0]!.data.cases.map((x: any) => x.ref)).toEqual(["C5-2023-0001"]);
  });

  it("the SCL records who attended a meeting from the agenda card; the Attendance list keeps a row per school", async () => {
    // A bot per click: the stack's adapters are new after each move of the clock.
    const invoke = async (who: string, verb: string, data: Record<string, unknown>) => {
      const withAttendance = new ClusterDeskBot({
        ...botBase(s, p),
        attendance: s.deps.attendance,
        audit: (r) => s.deps.cases.audit(r),
        resolveEmail: async (ctx) => people[ctx.activity.from.id] ?? null,
      });
      const a = new TestAdapter(async (ctx) => withAttendance.run(ctx));
      await a.processActivity(cardAction(who, verb, data), async (ctx) => withAttendance.run(ctx));
      return a.activeQueue.find((x) => x.type === "invokeResponse")!.value.body.value;
    };
    // The agenda card carries the meeting, as the action's data.
    const agenda = agendaCard(
      agendaData(
        p,
        c5,
        meetingsOf(p, c5).find((m) => m.date === "2023-05-18")!,
        [],
      ),
    );
    const action = JSON.stringify(agenda).match(/"verb":"attendance\.open","data":(\{[^}]*\})/);
    expect(action).not.toBeNull();
    const data = JSON.parse(action![1]!);
    expect(data).toEqual({ cluster: 5, date: "2023-05-18" });

    // Another cluster's SCL may not; the cluster's SCL sees one toggle per school, nothing ticked yet.
    expect(JSON.stringify(await invoke("gv", "attendance.open", data))).toContain("Only the cluster's SEND Cluster Lead");
    const open = await invoke("kl", "attendance.open", data);
    // One labelled input: a checkbox per school, none ticked.
    const ticks = open.body.find((b: any) => b.type === "Input.ChoiceSet" && b.id === "attended");
    expect(ticks).toMatchObject({ label: "Schools whose SENDCo attended", isMultiSelect: true, style: "expanded" });
    expect(ticks.choices.map((t: any) => t.title)).toEqual(c5.schools.map((x) => x.name));
    expect(ticks.value ?? "").toBe("");
    expect(JSON.stringify(open)).toContain("Not recorded yet");

    // Before the meeting starts nothing is saved.
    expect(JSON.stringify(await invoke("kl", "attendance.save", { ...data, s0: "true" }))).toContain("The meeting has not started yet");
    expect(await s.deps.attendance.ofMeeting(5, "2023-05-18")).toEqual([]);

    // After it: the ticked schools are saved (a forged school name is not a position, so it is ignored).
    s.at("2023-05-18T15:00:00Z");
    const saved = await invoke("kl", "attendance.save", { ...data, s0: "true", s2: "true", s3: "false", "Not a school": "true" });
    expect(JSON.stringify(saved)).toContain(`Recorded: 2 of ${c5.schools.length} schools' SENDCos attended.`);
    const rows = await s.deps.attendance.ofMeeting(5, "2023-05-18");
    expect(rows).toHaveLength(c5.schools.length);
    expect(
      rows
        .filter((r) => r.attended)
        .map((r) => r.school)
        .sort(),
    ).toEqual([c5.schools[0]!.name, c5.schools[2]!.name].sort());
    // Recorded again (a correction) from the card as it is now: the same rows change, none are added.
    await invoke("kl", "attendance.save", { ...data, attended: "s0,s1,s2" });
    expect((await s.deps.attendance.ofMeeting(5, "2023-05-18")).filter((r) => r.attended)).toHaveLength(3);
    expect((await s.deps.attendance.between("2023-04-24", "2023-08-31")).length).toBe(c5.schools.length);
    const reopened = await invoke("kl", "attendance.open", data);
    expect(reopened.body.find((b: any) => b.id === "attended").value).toBe("s0,s1,s2");
    // A meeting that is not in the calendar is refused, not recorded.
    expect(JSON.stringify(await invoke("kl", "attendance.save", { cluster: 5, date: "2023-05-19", s0: "true" }))).toContain("has no meeting on 2023-05-19");
  });
});
