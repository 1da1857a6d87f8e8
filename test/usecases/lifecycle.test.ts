/**
 * The case lifecycle (core/rules/lifecycle.ts) and its use case (core/usecases/triage.ts) against
 * in-memory fakes: who may do what, when; the effects of each transition, once; routing.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { allowedNow, applyTransition, rolesOn, TRANSITIONS, TransitionRefused, type CaseVerb } from "../../core/rules/lifecycle.js";
import { announceCase, runTransition, type TriageDeps } from "../../core/usecases/triage.js";
import { triageCardData } from "../../core/rules/triage.js";
import type { StoredCase } from "../../core/ports.js";
import { FakeAudit, FakeCards, FakeCases, FakeKv, FakeMailer } from "../fakes/teams.js";
import { loadPartnership } from "../../config/load.js";

const p = loadPartnership("hounslow-mip").partnership;

const KL = "katy.luciani@hounslow.gov.uk"; // clusters 4 and 5
const GV = "georgie.venn@hounslow.gov.uk"; // cluster 6
const LEAD = p.partnershipLead.email.toLowerCase();
const ADVISER = p.advisers[0]!.email.toLowerCase();
const SCHOOL = "senco@worple.example";
const now = new Date("2023-05-02T09:00:00Z");

const fields = (over: Partial<StoredCase["fields"]> = {}): StoredCase["fields"] => ({
  Title: "C5-2023-0001",
  Status: "Accepted",
  Cluster: 5,
  School: "Worple Primary School",
  LeadInitials: "KL",
  SenderEmail: SCHOOL,
  ReceivedAt: "2023-05-02T08:00:00Z",
  MeetingDate: "2023-05-18T13:00:00Z",
  SubmissionDeadline: "2023-05-03T15:00:00Z",
  AckDueBy: "2023-05-10T00:00:00Z",
  ...over,
});

let cases: FakeCases;
let mail: FakeMailer;
let audit: FakeAudit;
let cards: FakeCards;
let d: TriageDeps;
beforeEach(() => {
  cases = new FakeCases();
  mail = new FakeMailer();
  audit = new FakeAudit();
  cards = new FakeCards(new Set([KL, GV, LEAD]));
  d = { partnership: p, cases, mailer: mail, kv: new FakeKv(), audit: audit.write, cards, log: { info: () => {}, warn: () => {} }, now: () => now };
});
const verbs = (c: StoredCase, who: string) => allowedNow(p, c, who).map((t) => t.verb);

describe("lifecycle: who may do what, now", () => {
  it("the case's SCL and the partnership lead have the triage transitions; another SCL, an adviser and a stranger have none", () => {
    const c = cases.add(fields());
    const triage: CaseVerb[] = ["triage.details", "triage.accept", "triage.acknowledge", "triage.requestInfo", "triage.refer", "triage.move"];
    expect(verbs(c, KL)).toEqual(triage);
    expect(verbs(c, LEAD)).toEqual(triage);
    expect(verbs(c, GV)).toEqual([]);
    expect(verbs(c, ADVISER)).toEqual([]);
    expect(verbs(c, "someone@else.example")).toEqual([]);
    expect(rolesOn(p, c, KL)).toEqual(["scl"]);
  });

  it("a case with no cluster: any SCL (and the partnership lead) may assign it one, nothing else", () => {
    const c = cases.add(fields({ Title: "U-2023-0001", Cluster: null, LeadInitials: null, MeetingDate: null, Status: "Needs attention" }));
    expect(verbs(c, GV)).toEqual(["triage.move"]);
    expect(verbs(c, LEAD)).toContain("triage.move");
    expect(verbs(c, LEAD)).not.toContain("triage.accept"); // no meeting yet
  });

  it("only what changes something is offered: no second acknowledgement, no accept without a meeting, nothing on a decided case", () => {
    expect(verbs(cases.add(fields({ Title: "C5-2023-0002", AcknowledgedAt: "2023-05-03T10:00:00Z" })), KL)).not.toContain("triage.acknowledge");
    expect(verbs(cases.add(fields({ Title: "C5-2023-0003", MeetingDate: null })), KL)).not.toContain("triage.accept");
    expect(verbs(cases.add(fields({ Title: "C5-2023-0004", Status: "Decided" })), KL)).toEqual([]);
    expect(verbs(cases.add(fields({ Title: "C5-2023-0005", Status: "On agenda" })), KL)).not.toContain("triage.accept");
  });

  it("every transition names statuses and roles that exist, and the card shows exactly the viewer's allowed transitions", () => {
    for (const t of TRANSITIONS) {
      expect(t.from.length, t.verb).toBeGreaterThan(0);
      expect(t.roles.length, t.verb).toBeGreaterThan(0);
    }
    const c = cases.add(fields());
    expect(triageCardData(p, c, { now, viewer: KL }).actions.map((a) => a.verb)).toEqual(verbs(c, KL));
    expect(triageCardData(p, c, { now, viewer: GV }).actions).toEqual([]);
  });
});

describe("lifecycle: effects, once", () => {
  it("accept: status, one audit row with who, when, from and to; a repeated click changes and sends nothing", async () => {
    cases.add(fields());
    const r = await runTransition(d, KL, "triage.accept", "C5-2023-0001");
    expect(r).toMatchObject({ ok: true, changed: true });
    expect((await cases.byRef("C5-2023-0001"))!.fields.Status).toBe("On agenda");
    expect(audit.rows).toEqual([
      expect.objectContaining({ event: "triage.accept", caseRef: "C5-2023-0001", outcome: "Accepted -> On agenda", actor: KL, at: now.toISOString() }),
    ]);
    const again = await runTransition(d, KL, "triage.accept", "C5-2023-0001");
    expect(again).toMatchObject({ ok: true, changed: false, message: "C5-2023-0001 is already on agenda." });
    expect(audit.rows).toHaveLength(1);
  });

  it("acknowledge: one email to the school, however many clicks (two at once included)", async () => {
    cases.add(fields());
    await Promise.all([runTransition(d, KL, "triage.acknowledge", "C5-2023-0001"), runTransition(d, LEAD, "triage.acknowledge", "C5-2023-0001")]);
    await runTransition(d, KL, "triage.acknowledge", "C5-2023-0001");
    expect(mail.to(SCHOOL)).toHaveLength(1);
    expect(mail.to(SCHOOL)[0]!.body).toContain("Katy Luciani");
    expect(audit.rows.filter((a) => a.event === "triage.acknowledge")).toHaveLength(1);
  });

  it("a concurrent change between read and write is seen: the transition is applied to the case as saved", async () => {
    cases.add(fields());
    // The partnership lead refers the case while Katy's accept is in flight.
    cases.beforeNextWrite = () => {
      const c = cases.items.get("C5-2023-0001")!;
      cases.items.set("C5-2023-0001", { ...c, etag: "other", fields: { ...c.fields, Status: "Referred to SEND Adviser" } });
    };
    const r = await runTransition(d, KL, "triage.accept", "C5-2023-0001");
    expect(r.ok).toBe(false);
    expect(r.message).toContain('is referred to send adviser: "Accept to agenda" is not possible now');
    expect(audit.rows).toEqual([]);
  });

  it("refer: the school is told exactly what happens, the adviser gets the reference and school only, then may send it back", async () => {
    cases.add(fields());
    const r = await runTransition(d, KL, "triage.refer", "C5-2023-0001");
    expect(r.ok).toBe(true);
    const school = mail.to(SCHOOL)[0]!;
    expect(school.body).toContain(`passed to ${p.advisers[0]!.name}, the SEND Adviser`);
    expect(school.body).toContain("will contact you within 5 working days");
    const adviser = mail.to(ADVISER);
    expect(adviser).toHaveLength(1);
    expect(adviser[0]!.subject).toBe("C5-2023-0001: referred to you by Katy Luciani");
    expect(adviser[0]!.body).toContain("C5-2023-0001 (Worple Primary School, cluster 5)");
    // Nothing is offered twice: the SCL has only "acknowledge" left; the adviser may send it back.
    const c = (await cases.byRef("C5-2023-0001"))!;
    expect(verbs(c, KL)).toEqual(["triage.acknowledge"]);
    expect(verbs(c, ADVISER)).toEqual(["adviser.exceptional"]);
    expect((await runTransition(d, KL, "triage.refer", "C5-2023-0001")).changed).toBe(false);
    expect(mail.to(ADVISER)).toHaveLength(1);
    const back = await runTransition(d, ADVISER, "adviser.exceptional", "C5-2023-0001");
    expect(back).toMatchObject({ ok: true, changed: true });
    expect((await cases.byRef("C5-2023-0001"))!.fields.Status).toBe("Accepted");
    expect(cards.posted).toEqual([expect.objectContaining({ to: KL, ref: "C5-2023-0001" })]);
  });

  it("more information: the SCL's words go to the school, never to the audit row; an empty message is refused on the card", async () => {
    cases.add(fields());
    const empty = await runTransition(d, KL, "triage.requestInfo", "C5-2023-0001", { message: "  " });
    expect(empty).toMatchObject({ ok: false, changed: false });
    expect(empty.message).toContain("Type what the school needs");
    const words = "Please send Jamie's latest provision map and the EP report.";
    expect((await runTransition(d, KL, "triage.requestInfo", "C5-2023-0001", { message: words })).ok).toBe(true);
    expect(mail.to(SCHOOL)[0]!.body).toContain(words);
    expect(JSON.stringify(audit.rows)).not.toContain("Jamie");
  });

  it("triage details: checked on the server, refused with the reason, and the limit from the policy in force appears", async () => {
    cases.add(fields());
    for (const [input, reason] of [
      [{ caseType: "Individual", cyp: 3, terms: 2, amount: 4000 }, "An individual case is for 1 child"],
      [{ caseType: "Group", cyp: 1, terms: 2, amount: 4000 }, "A group case is for 2 or more"],
      [{ caseType: "Individual", cyp: 1, terms: 9, amount: 4000 }, "terms sought: a whole number from 1 to 3"],
      [{ caseType: "Individual", cyp: 1, terms: 2, amount: -5 }, "amount requested"],
      [{ cyp: 1, terms: 2, amount: 100 }, "Choose the case type"],
    ] as const) {
      const r = await runTransition(d, KL, "triage.details", "C5-2023-0001", input);
      expect(r.ok, reason).toBe(false);
      expect(r.message).toContain(reason);
    }
    expect(triageCardData(p, (await cases.byRef("C5-2023-0001"))!, { now, viewer: KL }).limit).toContain("enter the details to see it");
    const r = await runTransition(d, KL, "triage.details", "C5-2023-0001", { caseType: "Group", cyp: 5, terms: 2, amount: 4500 });
    expect(r.ok).toBe(true);
    const card = triageCardData(p, r.case!, { now, viewer: KL });
    expect(card.limit).toBe("£4,000 (Regressive MIP funding limits (summer term 2023))");
    expect(card.details).toBe("Group, 5 CYP, 2 term(s), £4,500 requested");
    // Saving the same details again is not a change.
    expect((await runTransition(d, KL, "triage.details", "C5-2023-0001", { caseType: "Group", cyp: 5, terms: 2, amount: 4500 })).changed).toBe(false);
  });

  it("a refused action keeps what was typed on the card, with the reason at the top", () => {
    const c = cases.add(fields());
    const card = triageCardData(p, c, {
      now,
      viewer: KL,
      message: "An individual case is for 1 child or young person; choose Group for more.",
      ok: false,
      typed: { caseType: "Individual", cyp: 3, terms: 2, amount: 4000 },
    });
    expect(card).toMatchObject({ messageStyle: "attention", caseType: "Individual", cyp: 3, terms: 2, amount: 4000 });
  });

  it("applyTransition refuses someone with no role on the case, naming who may", () => {
    const c = cases.add(fields());
    expect(() => applyTransition(p, c, "triage.accept", GV, {}, now)).toThrow(TransitionRefused);
    expect(() => applyTransition(p, c, "triage.accept", GV, {}, now)).toThrow(/the case's SEND Cluster Lead, the partnership lead can/);
  });
});

describe("lifecycle: routing", () => {
  it("a move recomputes meeting, deadline and acknowledgement date; the new SCL gets the card; the old SCL's card loses its actions", async () => {
    cases.add(fields({ Status: "On agenda" }));
    const r = await runTransition(d, KL, "triage.move", "C5-2023-0001", { toCluster: 6 });
    expect(r.ok).toBe(true);
    const c = (await cases.byRef("C5-2023-0001"))!;
    expect(c.fields).toMatchObject({ Cluster: 6, LeadInitials: "GV", Status: "Accepted", AckDueBy: "2023-05-10T00:00:00Z" });
    // Cluster 6's meeting and deadline (9:30am, forms by 4pm on 3 May), not cluster 5's (2pm).
    expect(c.fields.MeetingDate).toBe("2023-05-18T08:30:00.000Z");
    expect(c.fields.SubmissionDeadline).toBe("2023-05-03T15:00:00.000Z");
    expect(cards.posted).toEqual([expect.objectContaining({ to: GV, ref: "C5-2023-0001" })]);
    expect(cards.updated).toHaveLength(1);
    expect(verbs(c, KL)).toEqual([]);
    expect(verbs(c, GV)).toContain("triage.accept");
    expect(audit.rows[0]).toMatchObject({ outcome: "On agenda -> Accepted", event: "triage.move" });
  });

  it("a move keeps every open problem and says on the card where the case came from and who moved it", async () => {
    cases.add(fields({ Status: "Needs attention", Problems: "No presentation form is attached.\nThe school is not named in the subject line." }));
    await runTransition(d, KL, "triage.move", "C5-2023-0001", { toCluster: 6 });
    const moved = (await cases.byRef("C5-2023-0001"))!;
    expect(moved.fields).toMatchObject({ Cluster: 6, Status: "Needs attention" });
    const card = triageCardData(p, moved, { viewer: GV, now });
    expect(card.problems.map((x) => x.text)).toEqual(["No presentation form is attached.", "The school is not named in the subject line."]);
    expect(audit.rows[0]!.detail).toBe("Moved from cluster 5 to cluster 6 (GV) by Katy Luciani");
    // A late form stays late, whatever the new cluster's deadline.
    cases.add(fields({ Title: "C5-2023-0002", Status: "Late" }));
    await runTransition(d, KL, "triage.move", "C5-2023-0002", { toCluster: 6 });
    expect((await cases.byRef("C5-2023-0002"))!.fields.Status).toBe("Late");
  });

  it("a case with no cluster, assigned by any SCL: the new SCL without a Teams chat is emailed instead", async () => {
    cases.add(fields({ Title: "U-2023-0001", Cluster: null, LeadInitials: null, MeetingDate: null, SubmissionDeadline: null, Status: "Needs attention" }));
    cards = new FakeCards(new Set([KL]));
    d.cards = cards;
    const r = await runTransition(d, KL, "triage.move", "U-2023-0001", { toCluster: 6 });
    expect(r.ok).toBe(true);
    expect(r.message).toContain("has no chat with Cluster Desk yet, so they were emailed");
    expect(mail.to(GV)).toEqual([expect.objectContaining({ subject: "U-2023-0001 is now yours to triage" })]);
    expect((await cases.byRef("U-2023-0001"))!.fields).toMatchObject({ Cluster: 6, Status: "Accepted" });
  });
});

describe("announcing a new case", () => {
  it("a lead the bot cannot reach in Teams gets the case by email, once, with where to see it", async () => {
    const c = cases.add(fields({ Title: "C5-2023-0009", Status: "Accepted" }));
    const kv = new FakeKv();
    const deps = {
      teams: { triageCards: async () => [] },
      cases,
      cards: { postFor: async () => null },
      log: { info: () => {}, warn: () => {} },
      fallback: {
        kv,
        mailer: mail,
        log: { info: () => {}, warn: () => {} },
        now: () => now,
        partnership: p,
        casesListUrl: "https://council.sharepoint.com/sites/cd/Lists/Cases/AllItems.aspx",
      },
    };
    expect(await announceCase(deps, "C5-2023-0009", KL, c)).toBeNull();
    await announceCase(deps, "C5-2023-0009", KL, c); // a resumed intake announces again: one email
    const sent = mail.to(KL);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe("C5-2023-0009 has come to you to triage");
    expect(sent[0]!.body).toContain(
      "Case C5-2023-0009 (Worple Primary School) has come to you to triage: accepted, for the meeting on Thursday 18 May 2023, 2pm.",
    );
    expect(sent[0]!.body).toContain('type "case C5-2023-0009"');
    expect(sent[0]!.body).toContain("https://council.sharepoint.com/sites/cd/Lists/Cases/AllItems.aspx");
    // Reached in Teams: the card, no email.
    const reached = { ...deps, cards: { postFor: async () => "activity-1" } };
    cases.add(fields({ Title: "C5-2023-0010" }));
    expect(await announceCase(reached, "C5-2023-0010", KL, null)).toBe("activity-1");
    expect(mail.to(KL)).toHaveLength(1);
  });
});
