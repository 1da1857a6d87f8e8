/**
 * Agendas (core/usecases/agenda.ts) on in-memory fakes, in the 2026-27 year the planner proposes:
 * each cluster's agenda goes to its linked channel the configured working days before its next
 * meeting, once, listing that meeting's cases only; a cluster with no channel waits with the way
 * to link it; Southampton's city meeting has its agenda of the clusters' recommendations sent to
 * the partnership lead, anonymised.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { runAgendas, type AgendaDeps } from "../../core/usecases/agenda.js";
import type { AgendaData } from "../../core/rules/agenda.js";
import type { StoredCase } from "../../core/ports.js";
import { meetingsOf, wideMeetingsOf } from "../../core/rules/schedule.js";
import { fromLocal } from "../../core/rules/time.js";
import type { Partnership } from "../../core/config.js";
import { FakeCases, FakeKv, FakeTeams } from "../fakes/teams.js";
import { FakeLog } from "../fakes/people.js";
import { inYear } from "./year.js";

const hounslow = inYear("hounslow-mip", "2026-27");

let cases: FakeCases;
let kv: FakeKv;
let teams: FakeTeams;
let log: FakeLog;
let posted: { to: string; data: AgendaData }[];
let clock: Date;
const deps = (p: Partnership): AgendaDeps => ({
  partnership: p,
  cases,
  kv,
  teams,
  log,
  now: () => clock,
  postAgenda: async (to, data) => (posted.push({ to, data }), `agenda-${posted.length}`),
});
const at = (date: string, time = "09:00") => (clock = fromLocal(date, time));
const meeting = (p: Partnership, cluster: number, date: string) =>
  meetingsOf(
    p,
    p.clusters.find((c) => c.id === cluster)!,
  ).find((m) => m.date === date)!;
const listed = (ref: string, cluster: number, meetingAt: Date, over: Partial<StoredCase["fields"]> = {}): StoredCase["fields"] => ({
  Title: ref,
  Status: "On agenda",
  Cluster: cluster,
  School: "Worple Primary School",
  SenderEmail: "senco@worple.example",
  ReceivedAt: "2026-11-20T09:00:00Z",
  MeetingDate: meetingAt.toISOString(),
  CypCount: 1,
  TermsSought: 2,
  AmountRequested: 3000,
  ...over,
});

beforeEach(() => {
  cases = new FakeCases();
  kv = new FakeKv();
  teams = new FakeTeams();
  log = new FakeLog();
  posted = [];
});

describe("agendas: a cluster's meeting", () => {
  beforeEach(async () => {
    await teams.setClusterChannel(4, "channel-4");
    await teams.setClusterChannel(5, "channel-5");
  });

  it("three working days before the meeting, once, to the cluster's channel (cluster 4 meets Tue 15 Dec 2026, cluster 5 Thu 17 Dec)", async () => {
    const d = deps(hounslow);
    at("2026-12-09");
    expect((await runAgendas(d)).posted).toEqual([]);
    at("2026-12-10");
    expect((await runAgendas(d)).posted).toEqual(["cluster 4 2026-12-15"]);
    at("2026-12-11");
    expect((await runAgendas(d)).posted).toEqual([]);
    at("2026-12-14");
    expect((await runAgendas(d)).posted).toEqual(["cluster 5 2026-12-17"]);
    expect((await runAgendas(d)).posted).toEqual([]);
    expect(posted.map((x) => [x.to, x.data.title, x.data.date])).toEqual([
      ["channel-4", "Cluster 4 meeting agenda", "2026-12-15"],
      ["channel-5", "Cluster 5 meeting agenda", "2026-12-17"],
    ]);
    expect(log.lines.filter((l) => l.event === "agenda.posted").map((l) => l.fields)).toEqual([
      { cluster: 4, meeting: "2026-12-15" },
      { cluster: 5, meeting: "2026-12-17" },
    ]);
  });

  it("lists the cases on the agenda for that meeting only, oldest first", async () => {
    const dec = meeting(hounslow, 5, "2026-12-17").startsAt;
    const jan = meeting(hounslow, 5, "2027-01-14").startsAt;
    cases.add(listed("C5-2026-0002", 5, dec, { ReceivedAt: "2026-11-25T09:00:00Z" }));
    cases.add(listed("C5-2026-0001", 5, dec, { ReceivedAt: "2026-11-23T09:00:00Z" }));
    cases.add(listed("C5-2026-0003", 5, jan));
    cases.add(listed("C5-2026-0004", 5, dec, { Status: "Accepted" }));
    cases.add(listed("C4-2026-0001", 4, dec));
    at("2026-12-14");
    await runAgendas(deps(hounslow));
    const five = posted.find((x) => x.to === "channel-5")!.data;
    expect(five.cases.map((c) => c.ref)).toEqual(["C5-2026-0001", "C5-2026-0002"]);
    expect(five.cases[0]).toMatchObject({ kind: "Individual", cyp: "1", terms: "2", requested: "£3,000" });
    expect(JSON.stringify(posted)).not.toContain("Worple");
  });

  it("after the meeting has started, the next one's agenda waits for its own posting day (Mon 11 Jan 2027)", async () => {
    const d = deps(hounslow);
    at("2026-12-17", "14:30");
    expect((await runAgendas(d)).posted).not.toContain("cluster 5 2027-01-14");
    at("2027-01-08");
    expect((await runAgendas(d)).posted).not.toContain("cluster 5 2027-01-14");
    at("2027-01-11");
    expect((await runAgendas(d)).posted).toContain("cluster 5 2027-01-14");
  });

  it("a cluster with no linked channel waits, with how to link it; once linked, its agenda goes", async () => {
    const d = deps(hounslow);
    at("2026-12-14");
    const first = await runAgendas(d);
    expect(first.waiting).toContain('cluster 6: no channel linked (@mention Cluster Desk with "cluster 6" in the cluster\'s channel)');
    expect(first.posted.filter((x) => x.startsWith("cluster 6 "))).toEqual([]);
    await teams.setClusterChannel(6, "channel-6");
    expect((await runAgendas(d)).posted).toEqual([expect.stringMatching(/^cluster 6 2026-12-1\d$/)]);
  });
});

describe("agendas: Southampton's city meeting", () => {
  const soton = inYear("southampton", "2026-27");
  const city = wideMeetingsOf(soton, "city").find((m) => m.date === "2026-10-23")!;
  const lead = soton.partnershipLead.email;

  it("the clusters' recommendations go to the partnership lead three working days before (Tue 20 Oct 2026), anonymised", async () => {
    cases.add(listed("C2-2026-0001", 2, city.startsAt, { Status: "Recommended", RecommendedAt: "2026-10-01T10:00:00Z", School: "Bitterne Park School" }));
    cases.add(listed("C3-2026-0001", 3, city.startsAt, { Status: "On agenda", School: "Bitterne Park School" }));
    const d = deps(soton);
    at("2026-10-20");
    const waiting = await runAgendas(d);
    expect(waiting.posted).not.toContain("city 2026-10-23");
    expect(waiting.waiting).toContain("City Cluster Meeting: the partnership lead has not added Cluster Desk in Teams");
    await teams.setPersonalChat(lead, "chat-lead");
    expect((await runAgendas(d)).posted).toEqual(["city 2026-10-23"]);
    expect((await runAgendas(d)).posted).toEqual([]);
    const sent = posted.find((x) => x.to === "chat-lead")!.data;
    expect(sent.title).toBe("City Cluster Meeting agenda");
    expect(sent.cases.map((c) => c.ref)).toEqual(["C2-2026-0001"]);
    expect(sent.cases[0]!.heading).toMatch(/^C2-2026-0001 · Cluster 2 · Case A/);
    expect(JSON.stringify(sent)).not.toContain("Bitterne");
  });
});
