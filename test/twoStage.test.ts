/**
 * Two-stage decisions (issue 15), on in-memory fakes: Sutton's cluster vote recommends and the
 * borough-wide final decision meeting decides; Southampton's contingency case is recommended by
 * its locality meeting and decided at the city meeting from the contingency fund, with the
 * ledger and a review date. The school is told the recommendation, then the decision; both are
 * audited; each stage is voted by its own meeting's voters.
 */
import { contingencyText } from "../core/usecases/commands.js";
import { termReport } from "../core/usecases/termly.js";
import { reportSummary, termPeriod } from "../core/rules/report.js";
import { renderReport } from "../reports/render.js";
import { describe, expect, it } from "vitest";
import { loadPartnership } from "../config/load.js";
import { clusterById, type Partnership } from "../core/config.js";
import { runVote, type VoteCardData, type VoteDeps } from "../core/usecases/votes.js";
import { runReviewReminders } from "../core/usecases/reviews.js";
import { runAgendas } from "../core/usecases/agenda.js";
import type { AgendaData } from "../core/rules/agenda.js";
import { eligibleVoters } from "../core/rules/votes.js";
import { withExampleContacts } from "../local/people.js";
import { FakeAudit, FakeCards, FakeCases, FakeKv, FakeMailer, FakeTeams, FakeVotes } from "./fakes/teams.js";

function setup(p: Partnership, fields: Parameters<FakeCases["add"]>[0], now: string) {
  const cases = new FakeCases();
  cases.add(fields);
  const audit = new FakeAudit();
  const mailer = new FakeMailer();
  const votes = new FakeVotes();
  const posted: VoteCardData[] = [];
  let clock = new Date(now);
  const d: VoteDeps = {
    partnership: p,
    cases,
    mailer,
    kv: new FakeKv(),
    audit: audit.write,
    cards: new FakeCards(new Set()),
    log: { info: () => {}, warn: () => {} },
    now: () => clock,
    votes,
    teams: new FakeTeams(),
    poster: {
      canPostElsewhere: true,
      post: async (_to, card) => (posted.push(card), `a${posted.length}`),
      update: async (_to, _id, card) => void posted.push(card),
    },
  };
  const click = (verb: string, by: string, extra: Record<string, unknown> = {}) =>
    runVote(d, { verb, caseRef: fields.Title, by, teamsUserId: by, here: '{"conversation":{"id":"a:chat"}}', hereId: "a:chat", ...extra });
  return { d, cases, audit, mailer, votes, posted, click, at: (iso: string) => (clock = new Date(iso)) };
}

describe("Sutton: the cluster recommends, the borough-wide meeting decides", () => {
  const base = withExampleContacts(loadPartnership("sutton").partnership);
  const p: Partnership = { ...base, partnershipMeetings: [...base.partnershipMeetings, { kind: "borough-decision", date: "2021-02-04", start: "14:00" }] };
  const SW = "sarah.wilson@sutton.example";
  const ref = "C5-2021-0001";
  const school = "Westbourne Primary School";

  it("records the recommendation, moves the case to the borough meeting, and decides there with that meeting's voters", async () => {
    const s = setup(
      p,
      {
        Title: ref,
        Status: "On agenda",
        Cluster: 5,
        School: school,
        SenderEmail: "senco@westbourne.example",
        MeetingDate: "2021-01-26T14:00:00Z",
        CaseType: "Individual",
        CypCount: 1,
        TermsSought: 2,
        AmountRequested: 6000,
        ReferralType: "exceptional-needs",
      },
      "2021-01-26T14:30:00Z",
    );
    const sp5 = clusterById(p, 5)!;
    const members = eligibleVoters(p, sp5, "2021-01-26", school);
    expect(members.every((v) => v.role === "SENDCo")).toBe(true);
    await s.click("vote.open", SW);
    for (const v of members.slice(0, 3)) await s.click("vote.cast", v.email, { choice: "agree" });
    await s.click("vote.close", SW, { panelAmount: "6000" });

    let c = (await s.cases.byRef(ref))!;
    expect(c.fields).toMatchObject({
      Status: "Recommended",
      Recommendation: "Agree to fund",
      RecommendedAmount: 6000,
      MeetingDate: "2021-02-04T14:00:00.000Z",
    });
    expect(c.fields.Decision).toBeUndefined();
    const told = s.mailer.to("senco@westbourne.example");
    expect(told).toHaveLength(1);
    expect(told[0]!.subject).toBe(`${ref}: recommendation of the SP 5 meeting`);
    expect(told[0]!.body).toContain(
      "This is a recommendation. The final decision is made at the Borough-wide final decision meeting on Thursday 4 February 2021",
    );
    // A recommendation is never an award, and the policy's internal name (with its officers' notes) stays inside.
    expect(told[0]!.body).toContain("Recommended amount: £6,000");
    expect(told[0]!.body).not.toMatch(/Award:|Policy in force|as agreed; no limits/);

    // Three working days before, the borough meeting's agenda (the recommendation with its amount) goes to the partnership lead.
    s.at("2021-02-01T09:00:00Z");
    const agendaPosts: { to: string; data: AgendaData }[] = [];
    const teams = s.d.teams as FakeTeams;
    const agendaDeps = { ...s.d, kv: new FakeKv(), postAgenda: async (to: string, data: AgendaData) => (agendaPosts.push({ to, data }), null) };
    expect((await runAgendas(agendaDeps)).waiting).toEqual(["Borough-wide final decision meeting: the partnership lead has not added Cluster Desk in Teams"]);
    await teams.setPersonalChat(p.partnershipLead.email, '{"conversation":{"id":"lead-chat"}}');
    expect((await runAgendas(agendaDeps)).posted).toEqual(["borough-decision 2021-02-04"]);
    expect(agendaPosts[0]!.to).toBe('{"conversation":{"id":"lead-chat"}}');
    expect(agendaPosts[0]!.data.cases).toEqual([
      expect.objectContaining({
        ref,
        heading: `${ref} · SP 5, ${school} · Exceptional needs funding · recommended: Agree to fund, £6,000`,
        capTitle: "Recommended by the cluster",
      }),
    ]);
    expect((await runAgendas(agendaDeps)).posted).toEqual([]);

    // The borough meeting: a SENDCo of the cluster does not vote there; leads and key officers do.
    s.at("2021-02-04T14:20:00Z");
    const open = await s.click("vote.open", SW);
    expect(open.show).toBe("triage");
    const refused = await s.click("vote.cast", members[0]!.email, { choice: "agree" });
    expect(refused).toMatchObject({ show: "error", message: expect.stringContaining("Borough-wide final decision meeting") });
    const borough = eligibleVoters(
      p,
      sp5,
      "2021-02-04",
      school,
      p.meetingKinds.find((k) => k.id === "borough-decision"),
    );
    expect(borough.map((v) => v.email)).toEqual([...p.leads.map((l) => l.email), "sen-assessment@sutton.example"]);
    for (const v of borough.slice(0, 2)) await s.click("vote.cast", v.email, { choice: "agree" });
    await s.click("vote.cast", borough[5]!.email, { choice: "disagree" });
    // £5,000 where the cluster recommended £6,000: the chair gives the meeting's reason, which goes to the school.
    const asked = await s.click("vote.close", SW, { panelAmount: "5000" });
    expect(asked.show === "vote" && asked.card.note).toMatch(/differs from the recommendation \(Agree to fund, £6,000\): type the meeting's reason/);
    expect(asked.show === "vote" && asked.card.asksReason).toBe(true);
    expect((await s.cases.byRef(ref))!.fields.Status).toBe("Recommended");
    await s.click("vote.close", SW, { panelAmount: "5000", reason: "Two terms at the band's rate meet the need described" });

    c = (await s.cases.byRef(ref))!;
    expect(c.fields).toMatchObject({ Status: "Decided", Decision: "Agree to fund", AmountAwarded: 5000, Recommendation: "Agree to fund" });
    expect(agendaPosts[0]!.data.title).toBe("Borough-wide final decision meeting agenda");
    const decision = s.mailer.to("senco@westbourne.example")[1]!;
    expect(decision.subject).toBe(`${ref}: decision of the Borough-wide final decision meeting`);
    expect(decision.body).toContain("Recommendation of the SP 5 meeting: Agree to fund, £6,000");
    expect(decision.body).toContain("Agreed £5,000: award £5,000");
    expect(decision.body).toContain(
      "The Borough-wide final decision meeting decided differently from the recommendation: Two terms at the band's rate meet the need described",
    );
    expect(decision.body).not.toMatch(/Policy in force|as agreed; no limits/);
    // Both stages audited, each once.
    const summaries = s.audit.rows.filter((r) => r.caseRef === ref && r.event !== "vote-opened" && r.event !== "vote-closed").map((r) => r.outcome);
    expect(summaries).toEqual(["On agenda -> Recommended", "Recommended -> Decided"]);
    expect(s.audit.rows.filter((r) => r.event === "vote-closed").map((r) => r.key)).toEqual([`vote|${ref}|close`, `vote|${ref}-final|close`]);
  });
});

describe("Southampton: a contingency case goes from the locality meeting to the city meeting", () => {
  const base = withExampleContacts(loadPartnership("southampton").partnership);
  const p: Partnership = {
    ...base,
    allocation: { ...base.allocation!, totals: { "2026-27": 1_000_000 } },
    partnershipMeetings: [{ kind: "city", date: "2026-12-04", start: "09:00" }],
  };
  const lead3 = p.leads.find((l) => l.clusters.includes(3))!.email;
  const ref = "C3-2026-0004";

  it("is decided by the city meeting's voters from the contingency fund, shows the ledger, and sets the review date", async () => {
    const s = setup(
      p,
      {
        Title: ref,
        Status: "On agenda",
        Cluster: 3,
        School: "Shirley Junior School",
        SenderEmail: "senco@shirley-junior.example",
        MeetingDate: "2026-11-24T09:00:00Z",
        CaseType: "Individual",
        CypCount: 1,
        TermsSought: 3,
        AmountRequested: 9000,
        ReferralType: "contingency",
      },
      "2026-11-24T10:00:00Z",
    );
    const members = eligibleVoters(p, clusterById(p, 3)!, "2026-11-24", "Shirley Junior School");
    await s.click("vote.open", lead3);
    for (const v of members.slice(0, 3)) await s.click("vote.cast", v.email, { choice: "agree" });
    await s.click("vote.close", lead3, { panelAmount: "9000" });
    expect((await s.cases.byRef(ref))!.fields).toMatchObject({ Status: "Recommended", MeetingDate: "2026-12-04T09:00:00.000Z" });

    s.at("2026-12-04T10:00:00Z");
    await s.click("vote.open", lead3);
    const city = eligibleVoters(
      p,
      clusterById(p, 3)!,
      "2026-12-04",
      "Shirley Junior School",
      p.meetingKinds.find((k) => k.id === "city"),
    );
    expect(new Set(city.map((v) => v.role))).toEqual(new Set(["Locality Lead", "Nominated Headteacher", "SEND Team (Head of Service SEND)"]));
    expect(city.filter((v) => v.role === "Nominated Headteacher")).toHaveLength(7);
    for (const v of city.slice(0, 4)) await s.click("vote.cast", v.email, { choice: "agree" });
    const closed = await s.click("vote.close", lead3, { panelAmount: "8000", reason: "The fund's remaining balance for the year" });
    expect(closed.show).toBe("vote");
    const lines = closed.show === "vote" ? closed.card.lines.map((l) => l.line) : [];
    expect(lines).toContain("Paid over 3 terms in equal parts: £2,666.67, £2,666.67, £2,666.66");
    expect(lines).toContain("Contingency fund 2026-27: £100,000 allocated, £8,000 committed, £92,000 remaining");
    const c = (await s.cases.byRef(ref))!;
    expect(c.fields).toMatchObject({ Status: "Decided", AmountAwarded: 8000, ReviewDue: "2027-12-03T00:00:00Z" });
    // Twelve months on is Saturday 4 December 2027: the review falls on the school day before.
    expect(s.mailer.to("senco@shirley-junior.example")[1]!.body).toContain("The allocation is to be reviewed by Friday 3 December 2027");
    // The ledger in Teams (`contingency`), and the term's report: the fund, and the decision against the recommendation.
    const at = { partnership: p, cases: s.cases, now: () => new Date("2026-12-04T12:00:00Z") };
    expect(await contingencyText(at)).toBe(
      "**Contingency fund 2026-27: £100,000 allocated, £8,000 committed, £92,000 remaining.**\n- C3-2026-0004 (cluster 3): £8,000, decided Friday 4 December 2026, 10am",
    );
    const r = await termReport(at, termPeriod(p, "autumn-2026"));
    expect(r.twoStage).toEqual({ decided: 1, asRecommended: 0, differently: 1, recommendedAmount: 9000, decidedAmount: 8000 });
    expect(r.contingency).toMatchObject({ year: "2026-27", allocated: 100_000, committed: 8000, remaining: 92_000, awards: 1 });
    expect(reportSummary(r, "autumn-2026")).toContain(
      "Decided after a recommendation: 1 (0 as recommended, 1 differently); £8,000 decided of £9,000 recommended.",
    );
    expect(String(await renderReport(r, "csv", "contingency fund"))).toBe(
      "Contingency fund 2026-27,Figure\nAllocated (£),100000\nCommitted (£),8000\nRemaining (£),92000\nAwards from the fund,1\n",
    );
  });
});

describe("Southampton: anonymised cases", () => {
  const p = withExampleContacts(loadPartnership("southampton").partnership);
  const lead3 = p.leads.find((l) => l.clusters.includes(3))!.email;
  const locality = p.roles.find((r) => r.id === "locality-lead")!.people[0]!.email;
  const cluster3 = clusterById(p, 3)!;

  it("members and the shared card see 'Cluster 3 · Case B', never a school's name; the lead and the locality lead see the school", async () => {
    const s = setup(
      p,
      {
        Title: "C3-2026-0002",
        Status: "On agenda",
        Cluster: 3,
        School: "St Mark's Church of England School",
        SenderEmail: "senco@st-marks.example",
        ReceivedAt: "2026-11-02T10:00:00Z",
        MeetingDate: "2026-11-24T09:00:00Z",
        CaseType: "Individual",
        CypCount: 1,
        TermsSought: 2,
        AmountRequested: 3000,
        ReferralType: "individual-pupil-need",
      },
      "2026-11-24T09:30:00Z",
    );
    // An earlier case for the same meeting is Case A.
    s.cases.add({
      Title: "C3-2026-0001",
      Status: "On agenda",
      Cluster: 3,
      School: "Oakwood Primary School",
      ReceivedAt: "2026-11-01T10:00:00Z",
      MeetingDate: "2026-11-24T09:00:00Z",
    });
    const members = eligibleVoters(p, cluster3, "2026-11-24", "St Mark's Church of England School");
    await s.click("vote.open", lead3);
    const views = [s.posted[0]!];
    for (const v of members.slice(0, 3)) {
      const r = await s.click("vote.cast", v.email, { choice: "agree" });
      if (r.show === "vote") views.push(r.card);
    }
    expect(views).toHaveLength(4);
    const every = cluster3.schools.flatMap((x) => [x.name, ...x.aliases, ...(x.shortName ? [x.shortName] : [])]);
    for (const card of views) {
      expect(card.school).toBe("Cluster 3 · Case B");
      const json = JSON.stringify(card);
      for (const name of every) expect(json).not.toContain(name);
    }
    for (const who of [lead3, locality]) {
      const r = await s.click("vote.refresh", who);
      expect(r.show === "vote" && r.card.school).toBe("St Mark's Church of England School");
    }
  });
});

describe("Southampton: review reminders before each allocation's review date", () => {
  const p = loadPartnership("southampton").partnership;
  it("reminds the school and the lead once, 20 working days before; not an undecided or unfunded case", async () => {
    const cases = new FakeCases();
    const mailer = new FakeMailer();
    const base = { Cluster: 3, Status: "Decided" as const, SenderEmail: "senco@oakwood.example", School: "Oakwood Primary School" };
    cases.add({ ...base, Title: "C3-2026-0001", ReviewDue: "2027-12-01T00:00:00Z" });
    cases.add({ ...base, Title: "C3-2026-0002", Status: "On agenda" });
    cases.add({ ...base, Title: "C3-2026-0003" });
    let now = new Date("2027-10-01T09:00:00Z");
    const d = {
      partnership: p,
      cases,
      mailer,
      kv: new FakeKv(),
      log: { info: () => {}, warn: () => {} },
      now: () => now,
    };
    expect((await runReviewReminders(d)).reminded).toEqual([]);
    now = new Date("2027-11-03T09:00:00Z"); // 20 working days before 1 December 2027
    expect((await runReviewReminders(d)).reminded).toEqual(["C3-2026-0001"]);
    expect((await runReviewReminders(d)).reminded).toEqual([]);
    expect(mailer.outbox.map((m) => m.to[0])).toEqual(["senco@oakwood.example", p.leads.find((l) => l.clusters.includes(3))!.email]);
    expect(mailer.outbox[0]!.body).toContain("is due by Wednesday 1 December 2027");
    expect(mailer.outbox[1]!.body).not.toContain("Oakwood");
    expect((await cases.byRef("C3-2026-0001"))!.fields.ReviewRemindedAt).toBe("2027-11-03T09:00:00.000Z");
  });

  it("a reminder that would fall in the Christmas holidays goes on the last school day before them", async () => {
    const cases = new FakeCases();
    const mailer = new FakeMailer();
    // 20 working days before Thursday 20 January 2028 is Monday 20 December 2027, in the holidays (autumn ends 17 December).
    cases.add({ Title: "C3-2027-0001", Cluster: 3, Status: "Decided", SenderEmail: "senco@oakwood.example", ReviewDue: "2028-01-20T00:00:00Z" });
    let now = new Date("2027-12-16T09:00:00Z");
    const d = { partnership: p, cases, mailer, kv: new FakeKv(), log: { info: () => {}, warn: () => {} }, now: () => now };
    expect((await runReviewReminders(d)).reminded).toEqual([]);
    now = new Date("2027-12-17T09:00:00Z");
    expect((await runReviewReminders(d)).reminded).toEqual(["C3-2027-0001"]);
  });
});
