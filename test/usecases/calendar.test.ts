/**
 * The year's calendar kept from Teams (core/usecases/calendar.ts) on in-memory fakes: from 1 June
 * 2027 the partnership lead is offered the 2027-28 meetings, once, until they are published; only
 * the partnership lead publishes, an officer's edit in the list survives publishing again, each
 * lead hears their own clusters' dates; a meeting an officer moves is told to its cluster's lead.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { publishYear, runCalendarDuties, type CalendarCardData, type CalendarDeps } from "../../core/usecases/calendar.js";
import { planYear, publishedMeetings } from "../../core/rules/planner.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeMeetingsList } from "../fakes/calendar.js";
import { FakeAudit, FakeKv, FakeMailer } from "../fakes/teams.js";
import { FakeLog, FakeTeamsMessages } from "../fakes/people.js";
import { inYear } from "./year.js";

const p = inYear("hounslow-mip", "2026-27");
const LEAD = p.partnershipLead.email;
const KL = p.leads.find((l) => l.initials === "KL")!.email; // clusters 4 and 5
const GV = p.leads.find((l) => l.initials === "GV")!.email; // cluster 6
const plan2728 = planYear(p, "2027-28");

let meetings: FakeMeetingsList;
let kv: FakeKv;
let mail: FakeMailer;
let audit: FakeAudit;
let teams: FakeTeamsMessages;
let offered: CalendarCardData[];
let leadInTeams: boolean;
let refreshed: number;
let clock: Date;
let d: CalendarDeps;
const at = (date: string, time = "09:00") => (clock = fromLocal(date, time));

beforeEach(async () => {
  meetings = new FakeMeetingsList();
  await meetings.publish(publishedMeetings(planYear(p, "2026-27")));
  kv = new FakeKv();
  mail = new FakeMailer();
  audit = new FakeAudit();
  teams = new FakeTeamsMessages([KL]); // KL has the bot; GV and the others do not
  offered = [];
  leadInTeams = true;
  refreshed = 0;
  d = {
    partnership: p,
    meetings,
    kv,
    mailer: mail,
    log: new FakeLog(),
    now: () => clock,
    audit: audit.write,
    notify: teams.notify,
    refresh: async () => void refreshed++,
    postToLead: async (card) => leadInTeams && Boolean(offered.push(card)),
  };
});

describe("calendar: the next year offered to the partnership lead", () => {
  it("not before 1 June; on 1 June once, with every proposed meeting; not again", async () => {
    at("2027-05-31", "23:00");
    expect((await runCalendarDuties(d)).proposed).toBeNull();
    at("2027-06-01", "08:00");
    expect((await runCalendarDuties(d)).proposed).toBe("2027-28");
    at("2027-06-01", "09:00");
    expect((await runCalendarDuties(d)).proposed).toBeNull();
    expect(offered.map((c) => [c.year, c.title, c.canPublish])).toEqual([["2027-28", `MIP meetings 2027-28: ${plan2728.meetings.length} proposed`, true]]);
    expect(offered[0]!.clusters.map((c) => c.title)).toEqual(p.clusters.map((c) => `Cluster ${c.id}`));
  });

  it("while the bot does not know the lead's chat it is offered again each hour, and recorded only once it went", async () => {
    leadInTeams = false;
    at("2027-06-01");
    expect((await runCalendarDuties(d)).proposed).toBeNull();
    leadInTeams = true;
    at("2027-06-01", "10:00");
    expect((await runCalendarDuties(d)).proposed).toBe("2027-28");
  });

  it("a year already in the Meetings list is not offered", async () => {
    await meetings.publish(publishedMeetings(plan2728).slice(0, 1));
    at("2027-06-01");
    expect((await runCalendarDuties(d)).proposed).toBeNull();
    expect(offered).toEqual([]);
  });
});

describe("calendar: publishing", () => {
  it("only the partnership lead publishes; anyone else is told so and nothing is written", async () => {
    at("2027-06-02");
    const before = meetings.rows.size;
    for (const who of [KL, "someone@school.example", null]) {
      const card = await publishYear(d, who, "2027-28");
      expect(card).toMatchObject({
        messageStyle: "attention",
        message: `Only the partnership lead (${p.partnershipLead.name}) publishes the year's meetings.`,
      });
    }
    expect(meetings.rows.size).toBe(before);
    expect(audit.rows).toEqual([]);
  });

  it("an unreadable year gives next year's card with the reason, and writes nothing", async () => {
    at("2027-06-02");
    const card = await publishYear(d, LEAD, "2027-29");
    expect(card).toMatchObject({ year: "2027-28", messageStyle: "attention", message: '"2027-29" is not an academic year: write it like 2026-27' });
    expect(audit.rows).toEqual([]);
  });

  it("writes the year's meetings, reads the list again, audits, and tells each lead their clusters' dates (Teams, else email)", async () => {
    at("2027-06-02");
    const card = await publishYear(d, LEAD.toUpperCase(), "2027-28");
    const n = plan2728.meetings.length;
    expect(card).toMatchObject({ canPublish: false, messageStyle: "default" });
    expect(card.message).toBe(`Published by ${p.partnershipLead.name}: ${n} meetings added to the Meetings list. Each lead has been told their dates.`);
    expect([...meetings.rows.keys()].filter((k) => k.endsWith(plan2728.meetings[0]!.date)).length).toBeGreaterThan(0);
    expect(refreshed).toBe(1);
    expect(audit.rows.map((r) => [r.event, r.outcome, r.detail])).toEqual([["calendar-published", "published", `${n} created, 0 already in the list`]]);
    // KL in Teams, with both of her clusters; GV by email, with his one.
    expect(teams.to(KL)).toEqual([expect.stringMatching(/^The 2027-28 meetings are published in the Meetings list:\nCluster 4: .+\nCluster 5: .+$/)]);
    expect(mail.to(KL)).toEqual([]);
    expect(mail.to(GV).map((m) => m.subject)).toEqual(["MIP meetings 2027-28 published"]);
    expect(mail.to(GV)[0]!.body).toMatch(/^The 2027-28 meetings are published in the Meetings list:\nCluster 6: \w+day \d+ \w+ 2027/);
  });

  it("publishing again keeps an officer's edit and adds nothing", async () => {
    at("2027-06-02");
    await publishYear(d, LEAD, "2027-28");
    const key = [...meetings.rows.keys()].find((k) => k.startsWith("c5|2027-"))!;
    meetings.edit(key, { start: "15:30" });
    const card = await publishYear(d, LEAD, "2027-28");
    expect(card.message).toContain(`0 meetings added to the Meetings list, ${plan2728.meetings.length} already there kept as they are`);
    expect(meetings.rows.get(key)!.start).toBe("15:30");
  });
});

describe("calendar: a meeting an officer moved", () => {
  it("its cluster's lead is told what it was and what it is, once per change; the first look only records", async () => {
    at("2026-11-24");
    expect((await runCalendarDuties(d)).told).toEqual([]);
    meetings.edit("c5|2026-12-17", { start: "15:00" });
    meetings.edit("c6|2026-12-17", { deadline: { date: "2026-12-02", time: "12:00" } });
    const { told } = await runCalendarDuties(d);
    expect(told.sort()).toEqual(["c5|2026-12-17: 2026-12-17 15:00; deadline 2026-12-02 16:00", "c6|2026-12-17: 2026-12-17 09:30; deadline 2026-12-02 12:00"]);
    expect((await runCalendarDuties(d)).told).toEqual([]);
    expect(teams.to(KL)).toEqual([
      "Cluster 5's meeting has been changed in the Meetings list: it was 2026-12-17 14:00; deadline 2026-12-02 16:00; it is now 2026-12-17 15:00; deadline 2026-12-02 16:00. Forms are placed by the new dates; the HT representative's invitation is updated.",
    ]);
    expect(mail.to(GV).map((m) => m.subject)).toEqual(["Cluster 6 meeting changed"]);
  });
});

describe("the year's calendar card lists the partnership's own meetings too (issue 32)", () => {
  it("Sutton's card has its two conferences and the borough meetings beside the SP and CP clusters", async () => {
    const { loadPartnership } = await import("../../config/load.js");
    const { proposalData } = await import("../../core/usecases/calendar.js");
    const card = proposalData(loadPartnership("sutton").partnership, "2026-27");
    const row = (title: string) => card.clusters.find((c) => c.title === title)?.value;
    expect(row("Conference (all clusters)")).toBe("Tue 22 Sep 13:30; Tue 13 Jul 13:30");
    expect(row("Borough-wide final decision meeting")!.split("; ")).toHaveLength(8);
    expect(row("SP 5")!.split("; ")).toHaveLength(5);
  });
});
