/**
 * The intake decision for one emailed form: which cluster, SCL, school and meeting it belongs to,
 * whether it was in time, and when the school must hear from its SCL. Pure: the caller supplies
 * the message facts and the clock.
 */
import { clusterName, clustersOfSchool, leadForCluster, referralType, type Partnership } from "../config.js";
import { ackDueBy, placeForm, type Placement, type ScheduledMeeting } from "./schedule.js";
import { checkSubject, type SubjectCheck } from "./subject.js";
import { describeDate, describeLocal, toLocal } from "./time.js";

export type IntakeOutcome = "accepted" | "late" | "needs-attention" | "quarantined";

export interface IntakeInput {
  subject: string;
  /** The sender's address (From). */
  sender: string;
  receivedAt: Date;
}

export interface MeetingRef {
  clusterId: number;
  date: string;
  start: string;
  startsAt: string;
  description: string;
}

export interface DeadlineRef {
  date: string;
  time: string;
  at: string;
  source: "published" | "default-rule";
  note?: string;
  description: string;
}

export interface IntakeAssessment {
  outcome: IntakeOutcome;
  receivedAt: string;
  receivedLocal: string;
  sender: string;
  cluster: number | null;
  lead: SubjectCheck["lead"];
  school: { name: string; phase: string } | null;
  meeting: MeetingRef | null;
  /** The submission deadline of the meeting the form goes to. */
  deadline: DeadlineRef | null;
  /** For a late form: the deadline it missed. */
  missedDeadline: DeadlineRef | null;
  /** London date by which the SCL contacts the school; null when the form is not logged as a case. */
  ackDueBy: string | null;
  /** For the school's reply: may quote what the school wrote. */
  reasons: string[];
  /** The same, for cards, agendas and Teams: codes and values the product knows only. */
  notes: string[];
  expectedSubject: string | null;
  subject: SubjectCheck;
}

const EMAIL_RE = /^[^\s@<>()",;:]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i;

export class IntakeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IntakeInputError";
  }
}

/** An address is at most 254 characters (RFC 5321); with a display name, 1,000 is plenty. */
export const MAX_SENDER_CHARS = 1000;

/** Reads `Name <address>` or a bare address; the domain in lower case. Linear in the input. */
export function parseSender(sender: string): { address: string; domain: string } {
  const s = sender.slice(0, MAX_SENDER_CHARS).trim();
  const open = s.endsWith(">") ? s.lastIndexOf("<") : -1;
  const address = (open >= 0 ? s.slice(open + 1, -1) : s).trim();
  const e = address.length <= 254 ? EMAIL_RE.exec(address) : null;
  if (!e) throw new IntakeInputError(`"${s.slice(0, 100)}" is not an email address`);
  return { address, domain: e[1]!.toLowerCase() };
}

function meetingRef(p: Partnership, m: ScheduledMeeting): MeetingRef {
  return {
    clusterId: m.clusterId,
    date: m.date,
    start: m.start,
    startsAt: m.startsAt.toISOString(),
    description: `${clusterName(p, m.clusterId)} meeting, ${describeLocal(m.startsAt)}`,
  };
}

function deadlineRef(m: ScheduledMeeting): DeadlineRef {
  return {
    date: m.deadline.date,
    time: m.deadline.time,
    at: m.deadline.at.toISOString(),
    source: m.deadline.source,
    ...(m.deadline.note ? { note: m.deadline.note } : {}),
    description: describeLocal(m.deadline.at),
  };
}

function allowedDomains(p: Partnership): Set<string> {
  return new Set([...p.intake.emailDomains, ...p.clusters.flatMap((c) => c.schools.flatMap((s) => s.emailDomains))].map((d) => d.toLowerCase()));
}

function domainAllowed(domain: string, allowed: Set<string>): boolean {
  for (const d of allowed) if (domain === d || domain.endsWith(`.${d}`)) return true;
  return false;
}

export function assess(p: Partnership, input: IntakeInput): IntakeAssessment {
  const a = assessPlacement(p, input);
  // Where a placement explains itself, it does so from dates and the config alone: safe for cards.
  return { ...a, notes: a.notes ?? a.reasons };
}

function assessPlacement(p: Partnership, input: IntakeInput): Omit<IntakeAssessment, "notes"> & { notes?: string[] } {
  if (!(input.receivedAt instanceof Date) || Number.isNaN(input.receivedAt.getTime())) {
    throw new IntakeInputError("the received time is not a valid instant");
  }
  const sender = parseSender(input.sender);
  const subject = checkSubject(p, input.subject);
  // Routing: a school the partnership knows goes to its own cluster, whatever cluster number or
  // initials the subject has; otherwise the cluster read from the subject, if it exists. The
  // case's SCL is that cluster's (not whoever the initials name). With neither, no cluster: the
  // case goes to the partnership lead.
  const routed = subject.school?.clusterId ?? subject.clusterId;
  const routedLead = routed !== null ? leadForCluster(p, routed) : undefined;
  const base = {
    receivedAt: input.receivedAt.toISOString(),
    receivedLocal: describeLocal(input.receivedAt),
    sender: sender.address,
    cluster: routed,
    lead: routedLead ? { initials: routedLead.initials, name: routedLead.name, email: routedLead.email } : null,
    school: subject.school ? { name: subject.school.name, phase: subject.school.phase } : null,
    expectedSubject: subject.expectedSubject,
    subject,
  };
  const none = { meeting: null, deadline: null, missedDeadline: null, ackDueBy: null };

  const allowed = allowedDomains(p);
  if (allowed.size > 0 && !domainAllowed(sender.domain, allowed)) {
    return {
      ...base,
      ...none,
      outcome: "quarantined",
      reasons: [`The sender's domain ${sender.domain} is not one of the partnership's school domains; held for the SEND Cluster Lead without a reply.`],
      notes: ["The sender's domain is not one of the partnership's school domains; held without a reply."],
    };
  }
  if (!subject.ok || subject.clusterId === null) {
    const problems = { reasons: subject.problems.map((pr) => pr.message), notes: subject.problems.map((pr) => pr.note) };
    if (routed === null) return { ...base, ...none, outcome: "needs-attention", ...problems };
    // Logged in the school's cluster for its SCL, provisionally for the meeting it would go to.
    const pl = placeForm(p, routed, input.receivedAt);
    const meeting = pl.kind === "on-time" || pl.kind === "late" ? pl.meeting : null;
    return {
      ...base,
      outcome: "needs-attention",
      meeting: meeting ? meetingRef(p, meeting) : null,
      deadline: meeting ? deadlineRef(meeting) : null,
      missedDeadline: null,
      ackDueBy: ackDueBy(p, input.receivedAt),
      ...problems,
    };
  }

  // A school in two clusters (Sutton: a single-phase and a cross-phase one) is listed at the
  // earliest meeting it may use for the referral (its type's clusterKinds), not a later one of the
  // cluster it named: the case goes to that cluster and its lead, and the reply says why.
  let clusterId = subject.clusterId;
  let placement = placeForm(p, clusterId, input.receivedAt);
  let named: number | null = null;
  if (subject.school) {
    const type = referralType(p, subject.type?.id);
    const when = (pl: Placement) => (pl.kind === "on-time" || pl.kind === "late" ? pl.meeting.startsAt.getTime() : Number.POSITIVE_INFINITY);
    for (const other of clustersOfSchool(p, subject.school.name)) {
      if (other.id === clusterId || (type.clusterKinds && !type.clusterKinds.includes(other.kind))) continue;
      const pl = placeForm(p, other.id, input.receivedAt);
      if (pl.kind === "on-time" && when(pl) < when(placement)) {
        named ??= clusterId;
        clusterId = other.id;
        placement = pl;
      }
    }
  }
  if (named !== null) {
    const lead = leadForCluster(p, clusterId);
    base.cluster = clusterId;
    base.lead = lead ? { initials: lead.initials, name: lead.name, email: lead.email } : null;
  }
  const also =
    named !== null
      ? ` It is listed in ${clusterName(p, clusterId)}, the school's earliest meeting for it (the school is also in ${clusterName(p, named)}).`
      : "";
  const due = ackDueBy(p, input.receivedAt);
  const receivedDay = describeDate(toLocal(input.receivedAt).date);
  switch (placement.kind) {
    case "on-time":
      return {
        ...base,
        outcome: "accepted",
        meeting: meetingRef(p, placement.meeting),
        deadline: deadlineRef(placement.meeting),
        missedDeadline: null,
        ackDueBy: due,
        reasons: [
          `Received ${base.receivedLocal}, before the deadline of ${describeLocal(placement.meeting.deadline.at)} for the ${meetingRef(p, placement.meeting).description}.${also}`,
        ],
      };
    case "late":
      return {
        ...base,
        outcome: "late",
        meeting: meetingRef(p, placement.meeting),
        deadline: deadlineRef(placement.meeting),
        missedDeadline: deadlineRef(placement.missed),
        ackDueBy: due,
        reasons: [
          `Received ${base.receivedLocal}, after the deadline of ${describeLocal(placement.missed.deadline.at)} for the ${meetingRef(p, placement.missed).description}; listed for the ${meetingRef(p, placement.meeting).description}.`,
        ],
      };
    case "late-no-meeting":
      return {
        ...base,
        outcome: "late",
        meeting: null,
        deadline: null,
        missedDeadline: deadlineRef(placement.missed),
        ackDueBy: due,
        reasons: [
          `Received ${base.receivedLocal}, after the deadline of ${describeLocal(placement.missed.deadline.at)} for the ${meetingRef(p, placement.missed).description}; no later ${clusterName(p, clusterId)} meeting is published yet, so it will be listed for the next one when dates are published.`,
        ],
      };
    case "no-meeting":
      return {
        ...base,
        outcome: "needs-attention",
        ...none,
        ackDueBy: due,
        reasons: [
          `Received ${receivedDay}; no ${clusterName(p, clusterId)} meeting after that date is published yet, so the SEND Cluster Lead will confirm the meeting.`,
        ],
      };
  }
}
