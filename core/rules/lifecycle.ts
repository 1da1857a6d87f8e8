/**
 * The case lifecycle: one state machine for every change a person makes to a case after intake.
 * For each transition: the statuses it starts from, the roles that may make it, the status it
 * leads to, and its effects (case fields, emails, who gets a triage card, the audit row). Pure:
 * the use case in `usecases/triage.ts` loads the case, applies a transition here and carries out
 * the effects.
 *
 * Roles (seed 000, "Identifying MIP Roles and Responsibilities"): the SEND Cluster Lead of the
 * case's cluster; the partnership lead (every cluster); a SEND Adviser, to whom an SCL refers a
 * case whose needs are predictable, and who may send it back when they find them exceptional ("Should
 * a school or the SEND Adviser determine needs may be exceptional, the involvement of the SCL will
 * be triggered"); and any SCL, for a case whose cluster could not be read (it has no SCL yet).
 */
import { schoolDayOnOrBefore } from "./planner.js";
import { clusterName, holdersWith, personName, leadForCluster, meetingKind, referralType, type Partnership } from "../config.js";
import { fundingCap, formatPounds, FundingInputError, policyInForce } from "./funding.js";
import type { CaseStatus, StoredCase } from "../ports.js";
import { ackDueBy, nextWideMeeting, placeForm } from "./schedule.js";
import { addMonths, describeDate, describeLocal, toLocal } from "./time.js";

export type CaseVerb =
  "triage.details" | "triage.accept" | "triage.acknowledge" | "triage.requestInfo" | "triage.refer" | "triage.move" | "adviser.exceptional" | "vote.decide";
export type Role = "scl" | "partnership-lead" | "adviser" | "any-scl";

export interface Transition {
  verb: CaseVerb;
  /** The button's title on the triage card. */
  title: string;
  from: readonly CaseStatus[];
  /** The status after it; null: the status stays (or, for a move, follows the new cluster's dates). */
  to: CaseStatus | null;
  roles: readonly Role[];
  /** Made from a card button (vote.decide is made by closing the vote). */
  onCard: boolean;
  /** Its button sends what was typed on the card (the others send nothing, so a half-typed input never blocks them). */
  takesInput?: true;
}

/** Statuses in which a case is still being triaged or heard. */
const IN_PROGRESS: readonly CaseStatus[] = ["Accepted", "Late", "Needs attention", "More information requested", "On agenda"];
const LEADS: readonly Role[] = ["scl", "partnership-lead"];

export const TRANSITIONS: readonly Transition[] = [
  { verb: "triage.details", title: "Save details", from: IN_PROGRESS, to: null, roles: LEADS, onCard: true, takesInput: true },
  {
    verb: "triage.accept",
    title: "Accept to agenda",
    from: ["Accepted", "Late", "Needs attention", "More information requested"],
    to: "On agenda",
    roles: LEADS,
    onCard: true,
  },
  { verb: "triage.acknowledge", title: "Acknowledge school", from: [...IN_PROGRESS, "Referred to SEND Adviser"], to: null, roles: LEADS, onCard: true },
  {
    verb: "triage.requestInfo",
    title: "Ask for more information",
    from: ["Accepted", "Late", "Needs attention", "On agenda"],
    to: "More information requested",
    roles: LEADS,
    onCard: true,
    takesInput: true,
  },
  {
    verb: "triage.refer",
    title: "Not exceptional: refer to SEND Adviser",
    from: ["Accepted", "Late", "Needs attention", "More information requested", "On agenda"],
    to: "Referred to SEND Adviser",
    roles: LEADS,
    onCard: true,
  },
  {
    verb: "triage.move",
    title: "Move to chosen cluster",
    from: ["Accepted", "Late", "Needs attention", "More information requested", "On agenda"],
    to: null,
    roles: [...LEADS, "any-scl"],
    onCard: true,
    takesInput: true,
  },
  {
    verb: "adviser.exceptional",
    title: "Exceptional: back to the SEND Cluster Lead",
    from: ["Referred to SEND Adviser"],
    to: "Accepted",
    roles: ["adviser", "partnership-lead"],
    onCard: true,
  },
  // A one-stage type is decided by its vote; a two-stage type's first vote recommends ("Recommended",
  // on the agenda of the next borough or city meeting) and the second decides.
  { verb: "vote.decide", title: "Close the vote", from: ["On agenda", "Recommended"], to: null, roles: LEADS, onCard: false },
];

export const CASE_VERBS = TRANSITIONS.map((t) => t.verb);
export const transition = (verb: CaseVerb): Transition => TRANSITIONS.find((t) => t.verb === verb)!;

/** A transition refused: the message is shown at the top of the same card. */
export class TransitionRefused extends Error {}

const same = (a: string | null | undefined, b: string | null | undefined) => Boolean(a && b && a.toLowerCase() === b.toLowerCase());

/** The roles `email` holds on case `c`. */
export function rolesOn(p: Partnership, c: StoredCase, email: string | null | undefined): Role[] {
  if (!email) return [];
  const roles: Role[] = [];
  const cluster = c.fields.Cluster ?? null;
  if (cluster !== null && (same(leadForCluster(p, cluster)?.email, email) || holdersWith(p, "triage", cluster).some((h) => same(h.email, email))))
    roles.push("scl");
  if (same(p.partnershipLead.email, email)) roles.push("partnership-lead");
  if (p.advisers.some((a) => same(a.email, email))) roles.push("adviser");
  if (cluster === null && p.leads.some((l) => same(l.email, email))) roles.push("any-scl");
  return roles;
}

/** May `email` see the case's triage card at all (any role on it)? */
export const maySee = (p: Partnership, c: StoredCase, email: string | null | undefined) => rolesOn(p, c, email).length > 0;

/**
 * The transitions `email` may make on `c` now: its status is one they start from, they hold one
 * of the roles, and the transition would change something (a case acknowledged is not offered
 * "Acknowledge" again; a case with no meeting is not offered "Accept").
 */
export function allowedNow(p: Partnership, c: StoredCase, email: string | null | undefined): Transition[] {
  const roles = rolesOn(p, c, email);
  return TRANSITIONS.filter((t) => t.from.includes(c.fields.Status) && t.roles.some((r) => roles.includes(r)) && !pointless(p, t.verb, c));
}

function pointless(p: Partnership, verb: CaseVerb, c: StoredCase): boolean {
  // No SEND Adviser in the partnership (Sutton, Southampton): nobody to refer to.
  if (verb === "triage.refer") return p.advisers.length === 0;
  if (verb === "triage.acknowledge") return Boolean(c.fields.AcknowledgedAt);
  if (verb === "triage.accept") return !c.fields.MeetingDate;
  return false;
}

/** What an SCL types on the card: the triage details, a message to the school, a cluster. */
export interface TransitionInput {
  caseType?: string;
  cyp?: number;
  terms?: number;
  amount?: number;
  message?: string;
  toCluster?: number;
  /** For vote.decide: the decision and its calculation, line by line. */
  /** `reason`: why a deciding meeting departs from the recommendation, as its chair typed it (it goes to the school). */
  decision?: { decision: "Agree to fund" | "Do not fund (alternative support)"; award: number; lines: string[]; reason?: string };
}

export interface Email {
  to: string[];
  subject: string;
  body: string;
}

export interface TransitionEffects {
  /** False: the case is already where this would take it (a repeated click): nothing is done or sent. */
  changed: boolean;
  fields: Partial<StoredCase["fields"]>;
  from: CaseStatus;
  to: CaseStatus;
  emails: Email[];
  /** People who get the case's triage card now (the new cluster's SCL after a move). */
  cardTo: string[];
  /** One line for the card and the audit row. */
  summary: string;
}

/** The longest message an SCL may send the school from the card. */
export const MAX_MESSAGE_CHARS = 2000;
export const MAX_CYP = 60;
export const MAX_AMOUNT = 1_000_000;

/** The meeting date's policy decides the limit; before a meeting is known, today's. */
function limitDate(c: StoredCase, now: Date): string {
  return c.fields.MeetingDate ? toLocal(new Date(c.fields.MeetingDate)).date : toLocal(now).date;
}

/** Checks the triage details against the policy in force; the fields to save, or a refusal naming the field. */
export function validateDetails(p: Partnership, c: StoredCase, i: TransitionInput, now: Date): Partial<StoredCase["fields"]> {
  const date = limitDate(c, now);
  const policy = policyInForce(p, date);
  if (i.caseType !== "Individual" && i.caseType !== "Group") throw new TransitionRefused("Choose the case type: Individual or Group.");
  if (i.cyp === undefined || !Number.isInteger(i.cyp) || i.cyp < 1 || i.cyp > MAX_CYP)
    throw new TransitionRefused(`Enter the number of children and young people: a whole number from 1 to ${MAX_CYP}.`);
  if (i.caseType === "Individual" && i.cyp !== 1) throw new TransitionRefused("An individual case is for 1 child or young person; choose Group for more.");
  if (i.caseType === "Group" && i.cyp < 2) throw new TransitionRefused("A group case is for 2 or more children and young people; choose Individual for 1.");
  const maxTerms = policy?.maxTerms ?? 3;
  if (i.terms === undefined || !Number.isInteger(i.terms) || i.terms < 1 || i.terms > maxTerms)
    throw new TransitionRefused(`Enter the terms sought: a whole number from 1 to ${maxTerms}.`);
  if (i.amount === undefined || !Number.isFinite(i.amount) || i.amount < 0 || i.amount > MAX_AMOUNT || Math.round(i.amount * 100) !== i.amount * 100) {
    throw new TransitionRefused(`Enter the amount requested in pounds (and pence), from £0 to ${formatPounds(MAX_AMOUNT)}.`);
  }
  return { CaseType: i.caseType, CypCount: i.cyp, TermsSought: i.terms, AmountRequested: i.amount, FromForm: "" };
}

/** The funding limit for the case's details, from the policy in force; null until they are entered. */
export function limitFor(p: Partnership, c: StoredCase, now: Date): { text: string; lines: string[] } | null {
  const f = c.fields;
  if (!f.CypCount || !f.TermsSought) return null;
  try {
    const r = fundingCap(p, {
      cyp: f.CypCount,
      terms: f.TermsSought,
      date: limitDate(c, now),
      ...(f.AmountRequested != null ? { requested: f.AmountRequested } : {}),
    });
    return { text: `${r.capText} (${r.policy.label})`, lines: r.lines };
  } catch (e) {
    if (e instanceof FundingInputError) return { text: `not available: ${e.message}`, lines: [] };
    throw e;
  }
}

/** The case's placement in cluster `to`: meeting, deadline, acknowledgement date and status. */
function placeIn(p: Partnership, c: StoredCase, to: number): Partial<StoredCase["fields"]> {
  // A school asked for more information stays asked; anything else is the new cluster's to triage.
  const keep = c.fields.Status === "More information requested";
  const received = new Date(c.fields.ReceivedAt ?? Date.now());
  const pl = placeForm(p, to, received);
  const lead = leadForCluster(p, to);
  const meeting = pl.kind === "on-time" || pl.kind === "late" ? pl.meeting : null;
  return {
    Cluster: to,
    LeadInitials: lead?.initials ?? null,
    MeetingDate: meeting ? meeting.startsAt.toISOString() : null,
    SubmissionDeadline: meeting ? meeting.deadline.at.toISOString() : null,
    AckDueBy: c.fields.AckDueBy ?? `${ackDueBy(p, received)}T00:00:00Z`,
    // A move keeps every open problem: a case with problems (no form, school not identified: the
    // Problems field, which a move does not touch) stays "Needs attention"; a late form stays late.
    Status: keep
      ? c.fields.Status
      : c.fields.Status === "Needs attention" && (c.fields.Problems ?? "").trim()
        ? "Needs attention"
        : pl.kind === "no-meeting"
          ? "Needs attention"
          : pl.kind === "late" || pl.kind === "late-no-meeting" || c.fields.Status === "Late"
            ? "Late"
            : "Accepted",
  };
}

/**
 * Applies `verb` to case `c` for `by` (an email). Throws TransitionRefused (who may not, what is
 * missing); returns `changed: false` when the case is already where the transition leads.
 */
export function applyTransition(p: Partnership, c: StoredCase, verb: CaseVerb, by: string, input: TransitionInput, now: Date): TransitionEffects {
  const t = transition(verb);
  const f = c.fields;
  const from = f.Status;
  const roles = rolesOn(p, c, by);
  if (!t.roles.some((r) => roles.includes(r))) throw new TransitionRefused(`You cannot do that on ${f.Title}: ${describeRoles(t.roles)} can.`);
  const unchanged = (summary: string): TransitionEffects => ({ changed: false, fields: {}, from, to: from, emails: [], cardTo: [], summary });
  if (!t.from.includes(from)) {
    if (t.to === from) return unchanged(`${f.Title} is already ${from.toLowerCase()}.`);
    throw new TransitionRefused(`${f.Title} is ${from.toLowerCase()}: "${t.title}" is not possible now.`);
  }
  const lead = f.Cluster ? leadForCluster(p, f.Cluster) : undefined;
  const sclName = lead?.name ?? p.partnershipLead.name;
  const sign = `${sclName}, ${p.name}`;
  const school = f.SenderEmail ? [f.SenderEmail] : [];
  const done = (fields: Partial<StoredCase["fields"]>, summary: string, emails: Email[] = [], cardTo: string[] = []): TransitionEffects => ({
    changed: true,
    fields: t.to ? { ...fields, Status: t.to } : fields,
    from,
    to: t.to ?? fields.Status ?? from,
    emails: emails.filter((e) => e.to.length),
    cardTo,
    summary,
  });
  switch (verb) {
    case "triage.details": {
      const fields = validateDetails(p, c, input, now);
      if (Object.entries(fields).every(([k, v]) => (f as Record<string, unknown>)[k] === v)) return unchanged("The details are as saved.");
      return done(fields, `Details saved by ${personName(p, by)}`);
    }
    case "triage.accept":
      if (!f.MeetingDate) throw new TransitionRefused(`${f.Title} has no meeting yet: move it to a cluster with a published meeting, or wait for the dates.`);
      return done({}, `Accepted to the agenda of ${describeLocal(new Date(f.MeetingDate))} by ${personName(p, by)}`);
    case "triage.acknowledge":
      if (f.AcknowledgedAt) return unchanged(`${f.Title} was acknowledged on ${describeLocal(new Date(f.AcknowledgedAt))}.`);
      return done({ AcknowledgedAt: now.toISOString() }, `School acknowledged by ${personName(p, by)}`, [
        {
          to: school,
          subject: `${f.Title}: your presentation form`,
          body: `Your presentation form ${f.Title} has been received by your SEND Cluster Lead, ${sclName}, who will be in touch about next steps${f.MeetingDate ? ` before the cluster meeting on ${describeLocal(new Date(f.MeetingDate))}` : ""}.\n\n${sign}`,
        },
      ]);
    case "triage.requestInfo": {
      const message = (input.message ?? "").trim();
      if (!message) throw new TransitionRefused("Type what the school needs to send or explain: it goes to the school as you write it.");
      if (message.length > MAX_MESSAGE_CHARS) throw new TransitionRefused(`Keep the message to the school under ${MAX_MESSAGE_CHARS} characters.`);
      return done({}, `More information requested by ${personName(p, by)}`, [
        {
          to: school,
          subject: `${f.Title}: more information needed`,
          body: `Thank you for presentation form ${f.Title}. Before it can go to the cluster meeting, your SEND Cluster Lead needs the following:\n\n${message}\n\nPlease reply to this email (keeping ${f.Title} in the subject) or contact ${lead?.email ?? p.partnershipLead.email}.\n\n${sign}`,
        },
      ]);
    }
    case "triage.refer": {
      const adviser = p.advisers.find((a) => /send adviser/i.test(a.role ?? "")) ?? p.advisers[0];
      const who = adviser ? `${adviser.name}, the SEND Adviser` : "the SEND Adviser";
      return done({}, `Referred to ${who} by ${personName(p, by)}`, [
        {
          to: school,
          subject: `${f.Title}: referred to the SEND Adviser`,
          body: `Thank you for presentation form ${f.Title}. Your SEND Cluster Lead considers the needs described predictable rather than exceptional, so the case will not go to the cluster meeting. It has been passed to ${who}${adviser ? ` (${adviser.email})` : ""}, who will contact you within ${p.intake.ackWorkingDays} working days to offer advice and support (a visit, observation, or a connection with another school). If the SEND Adviser finds the needs may be exceptional, the case comes back to your SEND Cluster Lead.\n\n${sign}`,
        },
        ...(adviser
          ? [
              {
                to: [adviser.email],
                // Reference and school only: the form stays in the secure mailbox and the Cases list.
                subject: `${f.Title}: referred to you by ${sclName}`,
                body: `${sclName} has referred case ${f.Title} (${f.School ?? "school not identified"}, ${f.Cluster != null ? clusterName(p, f.Cluster) : "no cluster"}) to you as predictable rather than exceptional need. Please contact the school to offer advice and support. If you find the needs may be exceptional, use the case's card in Teams to send it back to the SEND Cluster Lead.\n\n${p.name}`,
              },
            ]
          : []),
      ]);
    }
    case "triage.move": {
      const to = input.toCluster;
      if (!to || !p.clusters.some((x) => x.id === to)) throw new TransitionRefused("Choose the cluster to move the case to.");
      if (to === f.Cluster) return unchanged(`${f.Title} is already in ${clusterName(p, to)}.`);
      const newLead = leadForCluster(p, to);
      return done(
        placeIn(p, c, to),
        `Moved from ${f.Cluster ? clusterName(p, f.Cluster) : "no cluster"} to ${clusterName(p, to)} (${newLead?.initials ?? "no SCL"}) by ${personName(p, by)}`,
        [],
        newLead ? [newLead.email] : [p.partnershipLead.email],
      );
    }
    case "adviser.exceptional":
      return done({}, `Sent back to the SEND Cluster Lead by ${personName(p, by)}: needs may be exceptional`, [], [lead?.email ?? p.partnershipLead.email]);
    case "vote.decide": {
      const dec = input.decision;
      if (!dec) throw new TransitionRefused("The vote has no decision yet.");
      const type = referralType(p, f.ReferralType);
      const cluster = f.Cluster !== null && f.Cluster !== undefined ? clusterName(p, f.Cluster) : "unassigned";
      const money = dec.award ? `, ${formatPounds(dec.award)}` : "";
      const next = from === "On agenda" && type.stages.length > 1 ? type.stages[1]! : undefined;
      if (next) {
        // The first stage recommends: to the agenda of the next meeting of the deciding kind.
        const kind = meetingKind(p, next.meeting);
        const label = kind?.label ?? next.meeting;
        const after = f.MeetingDate ? new Date(f.MeetingDate) : now;
        const m = nextWideMeeting(p, next.meeting, after);
        return done(
          {
            Status: "Recommended",
            Recommendation: dec.decision,
            RecommendedAmount: dec.award,
            RecommendedAt: now.toISOString(),
            MeetingDate: m ? m.startsAt.toISOString() : null,
          },
          `Recommended by the ${cluster} meeting: ${dec.decision}${money}; to the ${label}${m ? ` on ${describeLocal(m.startsAt)}` : " (no date published yet)"}`,
          [
            {
              to: school,
              subject: `${f.Title}: recommendation of the ${cluster} meeting`,
              body: [
                `The ${cluster} meeting has considered case ${f.Title} and recommends: ${dec.decision}${money}.`,
                "",
                ...forSchool(dec.lines, "recommendation"),
                "",
                `This is a recommendation. The final decision is made at the ${label}${m ? ` on ${describeLocal(m.startsAt)}` : ", whose date will be confirmed"}; you will be told it then.`,
                "",
                p.name,
              ].join("\n"),
            },
          ],
        );
      }
      const final = from === "Recommended";
      const where = final ? (meetingKind(p, type.stages[type.stages.length - 1]!.meeting)?.label ?? "final meeting") : `${cluster} meeting`;
      const decidedOn = toLocal(now).date;
      // Within the months the type allows, on a school day (the last before, when it would fall in a holiday or a weekend).
      const review = type.reviewWithinMonths && dec.award > 0 ? schoolDayOnOrBefore(p, addMonths(decidedOn, type.reviewWithinMonths)) : null;
      const recommended =
        final && f.Recommendation
          ? [`Recommendation of the ${cluster} meeting: ${f.Recommendation}${f.RecommendedAmount ? `, ${formatPounds(f.RecommendedAmount)}` : ""}`, ""]
          : [];
      // A decision other than the recommendation says why, in the meeting's words (typed by its chair on the vote card).
      const differs =
        final && f.Recommendation && (f.Recommendation !== dec.decision || (f.RecommendedAmount ?? 0) !== dec.award)
          ? [`The ${where} decided differently from the recommendation${dec.reason ? `: ${dec.reason}` : "."}`, ""]
          : [];
      return done(
        {
          Status: "Decided",
          Decision: dec.decision,
          AmountAwarded: dec.award,
          DecisionAt: now.toISOString(),
          ...(review ? { ReviewDue: `${review}T00:00:00Z` } : {}),
        },
        `Decided by the ${where}: ${dec.decision}${money}`,
        [
          {
            to: school,
            subject: `${f.Title}: decision of the ${where}`,
            body: [
              `The ${where} has decided on case ${f.Title}.`,
              "",
              ...recommended,
              ...differs,
              ...forSchool(dec.lines, "decision"),
              ...(review ? ["", `The allocation is to be reviewed by ${describeDate(review)}; you and the ${p.leadTitle} will be reminded before then.`] : []),
              "",
              p.name,
            ].join("\n"),
          },
        ],
      );
    }
  }
}

/**
 * A decision's calculation as a school reads it: without the policy's internal name (the partnership's
 * label for its limits, which may carry notes for officers), and a recommendation's amount as recommended,
 * never as an award.
 */
export function forSchool(lines: string[], what: "recommendation" | "decision"): string[] {
  return lines
    .filter((l) => !l.startsWith("Policy in force on "))
    .map((l) => (what === "recommendation" && l.startsWith("Award: ") ? `Recommended amount: ${l.slice("Award: ".length)}` : l));
}

function describeRoles(roles: readonly Role[]): string {
  const names: Record<Role, string> = {
    scl: "the case's SEND Cluster Lead",
    "partnership-lead": "the partnership lead",
    adviser: "a SEND Adviser",
    "any-scl": "any SEND Cluster Lead (the case has no cluster yet)",
  };
  return roles.map((r) => names[r]).join(", ");
}
