/**
 * Triage of a logged case by its SEND Cluster Lead (or the partnership lead): accept it to the
 * agenda, ask the school for more information, refer it to the SEND Adviser as not exceptional,
 * move it to another cluster, or acknowledge the school. Pure: who may act, and what changes.
 */
import { leadForCluster, type Partnership } from "./config.js";
import type { CaseStatus, StoredCase } from "./ports.js";
import { describeDate, describeLocal, toLocal } from "./time.js";
import { workingDaysBetween } from "./workingDays.js";

export type TriageVerb = "triage.accept" | "triage.requestInfo" | "triage.refer" | "triage.move" | "triage.acknowledge";
export const TRIAGE_VERBS: TriageVerb[] = ["triage.accept", "triage.requestInfo", "triage.refer", "triage.move", "triage.acknowledge"];

export class TriageRefused extends Error {}

/** The cluster's SCL or the partnership lead; nobody else. */
export function mayTriage(p: Partnership, cluster: number | null | undefined, userEmail: string | null | undefined): boolean {
  if (!userEmail) return false;
  const e = userEmail.toLowerCase();
  if (p.partnershipLead.email.toLowerCase() === e) return true;
  const lead = cluster ? leadForCluster(p, cluster) : undefined;
  return Boolean(lead && lead.email.toLowerCase() === e);
}

export interface TriageOutcome {
  fields: Partial<StoredCase["fields"]>;
  /** Email to the school, if the action sends one. */
  email?: { subject: string; body: string };
  summary: string;
}

const STATUS_FOR: Partial<Record<TriageVerb, CaseStatus>> = {
  "triage.accept": "On agenda",
  "triage.requestInfo": "More information requested",
  "triage.refer": "Referred to SEND Adviser",
};

export function applyTriage(p: Partnership, c: StoredCase, verb: TriageVerb, data: { toCluster?: number; by: string; now: Date }): TriageOutcome {
  const f = c.fields;
  const cluster = f.Cluster ?? null;
  const lead = cluster ? leadForCluster(p, cluster) : undefined;
  const sign = `${lead?.name ?? p.partnershipLead.name}, ${p.name}`;
  if (["Superseded", "Decided", "Quarantined", "Rejected"].includes(f.Status) && verb !== "triage.acknowledge") {
    throw new TriageRefused(`${f.Title} is ${f.Status.toLowerCase()}: it cannot be triaged.`);
  }
  switch (verb) {
    case "triage.accept":
      if (!f.MeetingDate) throw new TriageRefused(`${f.Title} has no meeting yet: move it or wait for the meeting dates.`);
      return { fields: { Status: "On agenda" }, summary: `Accepted to the agenda by ${data.by}` };
    case "triage.requestInfo":
      return {
        fields: { Status: STATUS_FOR[verb]! },
        email: {
          subject: `${f.Title}: more information needed`,
          body: `Thank you for presentation form ${f.Title}. Before it can go to the cluster meeting, your SEND Cluster Lead would like to discuss it with you: please reply to ${lead?.email ?? p.partnershipLead.email}.\n\n${sign}`,
        },
        summary: `More information requested by ${data.by}`,
      };
    case "triage.refer":
      return {
        fields: { Status: STATUS_FOR[verb]! },
        email: {
          subject: `${f.Title}: referred to the SEND Adviser`,
          body: `Thank you for presentation form ${f.Title}. Your SEND Cluster Lead considers the needs described predictable rather than exceptional, so the case will not go to the cluster meeting. The SEND Adviser will contact you to offer advice and support.\n\n${sign}`,
        },
        summary: `Referred to the SEND Adviser by ${data.by}`,
      };
    case "triage.move": {
      const to = data.toCluster;
      if (!to || !p.clusters.some((x) => x.id === to)) throw new TriageRefused("Choose the cluster to move the case to.");
      if (to === cluster) throw new TriageRefused(`${f.Title} is already in cluster ${to}.`);
      const newLead = leadForCluster(p, to)!;
      return { fields: { Cluster: to, LeadInitials: newLead.initials }, summary: `Moved to cluster ${to} (${newLead.initials}) by ${data.by}` };
    }
    case "triage.acknowledge":
      if (f.AcknowledgedAt) throw new TriageRefused(`${f.Title} was acknowledged on ${describeLocal(new Date(f.AcknowledgedAt))}.`);
      return {
        fields: { AcknowledgedAt: data.now.toISOString() },
        email: {
          subject: `${f.Title}: your presentation form`,
          body: `Your presentation form ${f.Title} has been received by your SEND Cluster Lead, ${lead?.name ?? p.partnershipLead.name}, who will be in touch about next steps${f.MeetingDate ? ` before the cluster meeting on ${describeLocal(new Date(f.MeetingDate))}` : ""}.\n\n${sign}`,
        },
        summary: `School acknowledged by ${data.by}`,
      };
  }
}

/**
 * Text shown as-is on a card: Markdown's characters are escaped, so a value an officer or a school
 * typed ("[click](https://…)", "**urgent**") is shown, never rendered as a link or formatting.
 */
export function plainText(s: string): string {
  return s
    .replace(/[\\`*_[\]<>~]/g, (c) => `\\${c}`)
    .replace(/^([#+-]|\d{1,9}\.)/, (c) => `\\${c}`);
}

/** The data the triage card template is expanded with. Case references, never children's names. */
export interface TriageCardData {
  caseRef: string;
  school: string;
  cluster: string;
  lead: string;
  received: string;
  meeting: string;
  deadlineStatus: string;
  ackDue: string;
  ackState: string;
  status: string;
  problems: { text: string }[];
  hasProblems: boolean;
  lastAction: string;
  canAct: boolean;
  acknowledged: boolean;
  moveChoices: { title: string; value: string }[];
}

export function triageCardData(p: Partnership, c: StoredCase, opts: { now: Date; lastAction?: string; canAct?: boolean }): TriageCardData {
  const f = c.fields;
  const lead = f.Cluster ? leadForCluster(p, f.Cluster) : undefined;
  const today = toLocal(opts.now).date;
  const ackDue = f.AckDueBy ? f.AckDueBy.slice(0, 10) : null;
  const ackState = f.AcknowledgedAt
    ? `Acknowledged ${describeLocal(new Date(f.AcknowledgedAt))}`
    : ackDue
      ? workingDaysBetween(today, ackDue) < 0
        ? "Overdue"
        : `${workingDaysBetween(today, ackDue)} working day(s) left`
      : "Not due";
  // Problems, not Reasons: built from codes and known values, never from what the school wrote.
  const problems = f.Status === "Needs attention" || f.Status === "Rejected" ? (f.Problems ?? "").split("\n").filter(Boolean).map((text) => ({ text: plainText(text) })) : [];
  return {
    caseRef: f.Title,
    school: f.School ? plainText(f.School) : "not identified",
    cluster: f.Cluster ? `Cluster ${f.Cluster}` : "not identified",
    lead: lead ? `${lead.name} (${lead.initials})` : "none",
    received: f.ReceivedAt ? describeLocal(new Date(f.ReceivedAt)) : "",
    meeting: f.MeetingDate ? describeLocal(new Date(f.MeetingDate)) : "not yet known",
    deadlineStatus: f.Status === "Late" ? "Late: listed for the next meeting" : f.SubmissionDeadline ? `In time (deadline ${describeLocal(new Date(f.SubmissionDeadline))})` : "not yet known (no meeting)",
    ackDue: ackDue ? describeDate(ackDue) : "",
    ackState,
    status: f.Status,
    problems,
    hasProblems: problems.length > 0,
    lastAction: opts.lastAction ?? "",
    canAct: opts.canAct ?? true,
    acknowledged: Boolean(f.AcknowledgedAt),
    moveChoices: p.clusters.filter((x) => x.id !== f.Cluster).map((x) => ({ title: `Cluster ${x.id} (${leadForCluster(p, x.id)?.initials ?? "?"})`, value: String(x.id) })),
  };
}
