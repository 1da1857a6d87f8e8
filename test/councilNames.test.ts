/**
 * Every council's own names (issue 32): each reply to a school, each triage email and card note, the
 * triage and agenda cards and `assign` are rendered for every cluster of Hounslow's, Sutton's and
 * Southampton's configs, and none may name a cluster by the product's internal number ("cluster 15"
 * for Sutton's CP 5) where the council calls it something else. School counts are distinct schools.
 */
import { describe, expect, it } from "vitest";
import { loadPartnership } from "../config/load.js";
import { ClusterName, referralType, type Partnership } from "../core/config.js";
import { decideMail, type MessageFacts } from "../core/rules/mailRules.js";
import { composeReply } from "../core/rules/replies.js";
import { planYear, publishedMeetings } from "../core/rules/planner.js";
import { meetingsOf, withPublishedMeetings } from "../core/rules/schedule.js";
import { canonicalSubject } from "../core/rules/subject.js";
import { triageCardData } from "../core/rules/triage.js";
import { agendaData } from "../core/rules/agenda.js";
import { fromLocal } from "../core/rules/time.js";
import { runTransition } from "../core/usecases/triage.js";
import { partnershipSchools } from "../core/rules/engagement.js";
import { run } from "../cli/main.js";
import { FakeAudit, FakeCards, FakeCases, FakeKv, FakeMailer } from "./fakes/teams.js";

const COUNCILS: [string, string][] = [
  ["hounslow-mip", "2026-27"],
  ["sutton", "2020-21"],
  ["southampton", "2026-27"],
];

/** "cluster 15" where the council says "CP 5": the internal numbers a reader must never see. */
function internalNames(p: Partnership): RegExp[] {
  return p.clusters.filter((c) => ClusterName(p, c.id).toLowerCase() !== `cluster ${c.id}`).map((c) => new RegExp(`\\bcluster ${c.id}\\b`, "i"));
}

async function everythingRead(p: Partnership): Promise<string[]> {
  const out: string[] = [];
  const type = p.referralTypes[0]!;
  for (const c of p.clusters) {
    const school = c.schools[0]!;
    const m = meetingsOf(p, c)[0];
    if (!m) continue;
    const subject = canonicalSubject(p, c.id, school.name, p.referralTypes.length > 1 ? type.label : null) ?? school.name;
    const files = (type.documents.length ? type.documents.map((d) => `${d.label}.pdf`) : ["form.pdf"]).map((name) => ({
      name,
      contentType: "application/pdf",
      size: 40_000,
      isInline: false,
    }));
    const mail = (subjectLine: string, at: Date, attachments = files): MessageFacts => ({
      subject: subjectLine,
      from: { address: `senco@${c.id}.school.example` },
      receivedAt: at,
      internetMessageId: `<${c.id}@school.example>`,
      headers: [],
      attachments,
    });
    const early = fromLocal(m.deadline.date, "09:00");
    const late = new Date(fromLocal(m.deadline.date, "23:00"));
    for (const facts of [
      mail(subject, early),
      mail(subject, late),
      mail(school.name, early),
      mail(subject, early, []),
      mail(subject, early, [{ ...files[0]!, name: "run.exe" }]),
    ]) {
      const d = decideMail(p, facts);
      if (d.reply) out.push(composeReply(p, d, { caseRef: `X-${c.id}` }).body);
    }
    out.push(
      composeReply(p, decideMail(p, mail(subject, early)), { caseRef: `X-${c.id}`, duplicateOf: { caseRef: "X-1", receivedAt: early.toISOString() } }).body,
    );
    out.push(JSON.stringify(await assign(p, subject, facts(early))));

    // Triage: acknowledging, asking for more, moving to another cluster of the same kind.
    const cases = new FakeCases();
    const mailer = new FakeMailer();
    const cards = new FakeCards(new Set());
    const lead = p.leads.find((l) => l.clusters.includes(c.id))!;
    const ref = `X-${c.id}-0001`;
    const stored = cases.add({
      Title: ref,
      Status: "Accepted",
      Cluster: c.id,
      School: school.name,
      SenderEmail: `senco@${c.id}.school.example`,
      ReceivedAt: early.toISOString(),
      MeetingDate: m.startsAt.toISOString(),
      AckDueBy: `${m.deadline.date}T00:00:00Z`,
      ReferralType: type.id,
    } as never);
    out.push(JSON.stringify(triageCardData(p, stored, { now: early, viewer: lead.email })));
    out.push(JSON.stringify(agendaData(p, c, m, [stored])));
    const d = {
      partnership: p,
      cases,
      mailer,
      kv: new FakeKv(),
      audit: new FakeAudit().write,
      cards,
      log: { info: () => {}, warn: () => {} },
      now: () => early,
    };
    const other = p.clusters.find((x) => x.id !== c.id && x.kind === c.kind);
    for (const [verb, input] of [
      ["triage.acknowledge", {}],
      ["triage.requestInfo", { message: "Please send the costed provision map." }],
      ...(other ? [["triage.move", { toCluster: other.id }] as const] : []),
    ] as const) {
      const r = await runTransition(d, lead.email, verb, ref, input);
      out.push(r.message);
    }
    out.push(...mailer.outbox.flatMap((x) => [x.subject, x.body]), ...cards.posted.map((x) => x.note), ...cards.updated.map((x) => x.note));
    out.push(referralType(p, type.id).label);
  }
  return out;
  function facts(at: Date) {
    return at.toISOString();
  }
}

async function assign(p: Partnership, subject: string, received: string): Promise<string> {
  const lines: string[] = [];
  await run(["assign", "--config", p.id, "--subject", subject, "--sender", "senco@school.example", "--received", received], {
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  });
  return lines.join("\n");
}

describe("each council is told in its own names", () => {
  for (const [id, year] of COUNCILS) {
    it(`${id}: no reply, email, card or CLI answer names a cluster by the product's internal number`, async () => {
      const base = loadPartnership(id).partnership;
      const p = withPublishedMeetings(base, publishedMeetings(planYear(base, year)));
      const texts = await everythingRead(p);
      expect(texts.length).toBeGreaterThan(p.clusters.length * 8);
      const forbidden = internalNames(p);
      const found = texts.flatMap((t) => forbidden.filter((re) => re.test(t)).map((re) => `${re.source} in: ${t.slice(0, 160)}`));
      expect(found).toEqual([]);
      if (id === "sutton") {
        // The council's names are there instead.
        expect(texts.some((t) => t.includes("CP 5"))).toBe(true);
        expect(forbidden.length).toBe(12);
      }
    });
  }

  it("school counts are distinct schools: Sutton's 55, each in one single-phase and one cross-phase cluster", () => {
    const sutton = loadPartnership("sutton").partnership;
    expect(partnershipSchools(sutton).size).toBe(55);
    expect(sutton.clusters.reduce((n, c) => n + c.schools.length, 0)).toBe(110);
  });
});
