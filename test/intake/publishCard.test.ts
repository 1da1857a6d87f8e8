/**
 * Issue 14's Teams side of the calendar: from 1 June the partnership lead is sent the next year's
 * proposed meetings; "Publish" on that card (only theirs) writes the Meetings list and tells each
 * lead their dates; an officer who moves a meeting in the list has its lead told, once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestAdapter, type TurnContext } from "botbuilder";
import { ClusterDeskBot } from "../../bot/bot.js";
import { runCalendarDuties, type CalendarCardData } from "../../core/usecases/calendar.js";
import { cardAction } from "../helpers/activities.js";
import { FakeMailer } from "../fakes/teams.js";
import { botBase, listFields, startStack, type Stack } from "../helpers/stack.js";
import { partnership as p } from "../helpers/tenant.js";

const KL = "katy.luciani@hounslow.gov.uk";
const LEAD = p.partnershipLead.email.toLowerCase();
const people: Record<string, string> = { kl: KL, lead: LEAD };

let s: Stack;
let bot: ClusterDeskBot;
let mailer: FakeMailer;
beforeAll(async () => {
  s = await startStack({ at: "2027-06-02T09:00:00Z" });
  mailer = new FakeMailer();
  bot = new ClusterDeskBot({
    ...botBase(s, p),
    mailer,
    meetingsList: s.deps.meetingsList,
    refreshCalendar: s.deps.refreshCalendar,
    resolveEmail: async (ctx) => people[ctx.activity.from.id] ?? null,
  });
}, 60_000);
afterAll(() => s?.stop());

async function invoke(who: string, verb: string, data: Record<string, unknown>): Promise<any> {
  const a = new TestAdapter(async (ctx) => bot.run(ctx), { channelId: "msteams" });
  await a.processActivity(cardAction(who, verb, data), async (ctx: TurnContext) => bot.run(ctx));
  return a.activeQueue.find((x) => x.type === "invokeResponse")!.value.body.value;
}

async function say(who: string, text: string): Promise<any[]> {
  const a = new TestAdapter(async (ctx) => bot.run(ctx), { channelId: "msteams" });
  await a.processActivity({ type: "message", text, from: { id: who, name: who } }, async (ctx: TurnContext) => bot.run(ctx));
  return a.activeQueue.filter((x) => x.type === "message");
}

const duties = (posted: CalendarCardData[]) =>
  runCalendarDuties({ ...s.deps, kv: s.deps.state, mailer, meetings: s.deps.meetingsList, postToLead: async (c) => (posted.push(c), true) });

describe("the year's calendar from Teams", () => {
  it("proposes next year to the lead once from June; only the lead publishes; each lead hears their dates; a moved meeting is told to its lead", async () => {
    const posted: CalendarCardData[] = [];
    expect((await duties(posted)).proposed).toBe("2027-28");
    expect((await duties(posted)).proposed).toBeNull();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.title).toMatch(/^MIP meetings 2027-28: \d+ proposed$/);
    expect(posted[0]!.clusters[4]).toMatchObject({ title: "Cluster 5", value: expect.stringMatching(/^Thu 16 Sep 14:00; /) });

    expect((await say("kl", "plan"))[0].text).toBe("The year's meetings are planned and published by the partnership lead.");
    const card = (await say("lead", "plan"))[0].attachments[0].content;
    expect(JSON.stringify(card)).toContain('"verb":"calendar.publish","data":{"year":"2027-28"}');

    const refused = await invoke("kl", "calendar.publish", { year: "2027-28" });
    expect(JSON.stringify(refused)).toContain("Only the partnership lead (SEND Transformation (MIP Implementation Lead)) publishes the year");
    expect(await listFields(s, "Meetings")).toHaveLength(0);

    const done = JSON.stringify(await invoke("lead", "calendar.publish", { year: "2027-28" }));
    const rows = await listFields(s, "Meetings");
    expect(rows.length).toBeGreaterThan(60);
    expect(done).toContain(`Published by ${p.partnershipLead.name}: ${rows.length} meetings added to the Meetings list. Each lead has been told their dates.`);
    expect(done).not.toContain("calendar.publish"); // no second button
    expect(mailer.outbox.map((m) => m.to[0]).sort()).toEqual(p.leads.map((l) => l.email).sort());
    expect(mailer.to(KL)[0]!.body).toMatch(/Cluster 4: .*\nCluster 5: Thursday 16 September 2027, /);
    const again = JSON.stringify(await invoke("lead", "calendar.publish", { year: "2027-28" }));
    expect(again).toContain(`0 meetings added to the Meetings list, ${rows.length} already there kept as they are`);

    // The first look stores what the list holds; an officer then moves KL's cluster 5 September meeting.
    expect((await duties(posted)).told).toEqual([]);
    const site = await s.deps.site.id();
    const items = (await s.deps.graph.api(`/sites/${site}/lists/Meetings/items`).expand("fields").top(999).get()).value;
    const item = items.find((i: any) => i.fields.MeetingKey === "c5|2027-09-16");
    await s.deps.graph.api(`/sites/${site}/lists/Meetings/items/${item.id}/fields`).patch({ MeetingStart: "2027-09-23T13:00:00Z" });
    mailer.outbox.length = 0;
    expect((await duties(posted)).told).toEqual(["c5|2027-09-16: 2027-09-23 14:00; deadline 2027-09-06 16:00"]);
    expect(mailer.outbox).toHaveLength(1);
    expect(mailer.to(KL)).toHaveLength(1);
    expect(mailer.outbox[0]!.body).toContain("it was 2027-09-16 14:00; deadline 2027-09-06 16:00; it is now 2027-09-23 14:00; deadline 2027-09-06 16:00");
    expect((await duties(posted)).told).toEqual([]);
  });
});
