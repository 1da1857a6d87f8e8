/**
 * The triage card's data: the case as its SCL (or the partnership lead, or an adviser) sees it,
 * with the transitions that person may make now (core/rules/lifecycle.ts). Pure.
 */
import { ClusterName, holdersWith, leadForCluster, meetingKind, referralType, type Partnership } from "../config.js";
import type { StoredCase } from "../ports.js";
import { allowedNow, limitFor, MAX_AMOUNT, MAX_CYP, MAX_MESSAGE_CHARS, type TransitionInput } from "./lifecycle.js";
import { formatPounds, policyInForce } from "./funding.js";
import { describeDate, describeLocal, toLocal } from "./time.js";
import { workingDaysBetween } from "./workingDays.js";

/** An SCL of any cluster, or the partnership lead (told that a case does not exist; others learn nothing). */
/** The case fields a form can fill, in the card's words. */
const FORM_LABELS: Record<string, string> = {
  CaseType: "case type",
  CypCount: "number of CYP",
  TermsSought: "terms",
  AmountRequested: "amount",
  ConsentConfirmed: "consent",
};

export function isLeadOfAny(p: Partnership, userEmail: string | null | undefined): boolean {
  const e = userEmail?.toLowerCase();
  return Boolean(e && (p.partnershipLead.email.toLowerCase() === e || p.leads.some((l) => l.email.toLowerCase() === e)));
}

/** The cluster's SCL or the partnership lead: who runs the cluster's votes. */
export function mayTriage(p: Partnership, cluster: number | null | undefined, userEmail: string | null | undefined): boolean {
  if (!userEmail) return false;
  const e = userEmail.toLowerCase();
  if (p.partnershipLead.email.toLowerCase() === e) return true;
  const lead = cluster ? leadForCluster(p, cluster) : undefined;
  if (lead && lead.email.toLowerCase() === e) return true;
  // Roles the config lets triage (Southampton's locality leads, who support the lead SENCo's decisions).
  return Boolean(cluster && holdersWith(p, "triage", cluster).some((h) => h.email.toLowerCase() === e));
}

/**
 * Text shown as-is on a card: Markdown's characters are escaped, so a value an officer or a school
 * typed ("[click](https://…)", "**urgent**") is shown, never rendered as a link or formatting.
 */
export function plainText(s: string): string {
  return s.replace(/[\\`*_[\]<>~]/g, (c) => `\\${c}`).replace(/^([#+-]|\d{1,9}\.)/, (c) => `\\${c}`);
}

/** The data the triage card template is expanded with. Case references, never children's names. */
export interface TriageCardData {
  caseRef: string;
  /** "Presentation form", or the referral type's label where the partnership has several. */
  heading: string;
  /** What the council calls the cluster's lead. */
  leadTitle: string;
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
  /** What was just done, or why not (at the top of the card). */
  message: string;
  messageStyle: "good" | "attention" | "default";
  details: string;
  limit: string;
  /** The transitions the viewer may make now, as buttons; `inputs`: whether the card's inputs go with it. */
  actions: { verb: string; title: string; inputs: "auto" | "none"; mode: "primary" | "secondary" }[];
  showDetails: boolean;
  showMessage: boolean;
  showMove: boolean;
  /** Input values: what was typed (kept after a refusal), else what is saved. */
  caseType: string | null;
  cyp: number | null;
  terms: number | null;
  amount: number | null;
  /**
   * The limits, shown as the inputs' placeholders. The inputs carry no min or max: Teams clamps a
   * value outside them before sending (terms 9 arrived as 3), so the server's check
   * (validateDetails) refuses it instead, naming the limit.
   */
  maxTerms: number;
  maxCyp: number;
  maxAmount: number;
  maxMessage: number;
  moveChoices: { title: string; value: string }[];
}

/**
 * Teams shows at most six of a card's actions as buttons (its host config's maxActions) and drops
 * the rest without a word; Adaptive Cards' `mode: "secondary"` puts an action in the card's "..."
 * menu instead. The triage card shows the first five as buttons (the vote, the details, accept,
 * acknowledge, ask for information), with a referral to the adviser always in the menu.
 */
export const MAX_PRIMARY_ACTIONS = 5;
const IN_THE_MENU = new Set(["triage.refer"]);

export function withOverflow<T extends { verb: string }>(actions: T[]): (T & { mode: "primary" | "secondary" })[] {
  let shown = 0;
  return actions.map((a) => {
    const primary = !IN_THE_MENU.has(a.verb) && shown < MAX_PRIMARY_ACTIONS;
    if (primary) shown++;
    return { ...a, mode: primary ? ("primary" as const) : ("secondary" as const) };
  });
}

export function triageCardData(
  p: Partnership,
  c: StoredCase,
  opts: { now: Date; viewer: string | null; message?: string; ok?: boolean; typed?: TransitionInput },
): TriageCardData {
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
  const problems =
    f.Status === "Needs attention" || f.Status === "Rejected"
      ? (f.Problems ?? "")
          .split("\n")
          .filter(Boolean)
          .map((text) => ({ text: plainText(text) }))
      : [];
  const allowed = allowedNow(p, c, opts.viewer).filter((t) => t.onCard);
  const can = (verb: string) => allowed.some((t) => t.verb === verb);
  const typed = opts.typed ?? {};
  const num = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const limit = limitFor(p, c, opts.now);
  const policy = policyInForce(p, f.MeetingDate ? toLocal(new Date(f.MeetingDate)).date : today);
  const recommended =
    f.Status === "Recommended"
      ? `Recommended: ${f.Recommendation ?? "?"}${f.RecommendedAmount ? `, ${formatPounds(f.RecommendedAmount)}` : ""}; for decision at the ${meetingKind(p, referralType(p, f.ReferralType).stages.at(-1)!.meeting)?.label ?? "final meeting"}`
      : null;
  return {
    caseRef: f.Title,
    heading: p.referralTypes.length > 1 ? referralType(p, f.ReferralType).label : "Presentation form",
    leadTitle: p.leadTitle,
    school: f.School ? plainText(f.School) : "not identified",
    cluster: f.Cluster ? ClusterName(p, f.Cluster) : "not identified",
    lead: lead ? `${lead.name} (${lead.initials})` : `none yet: ${p.partnershipLead.name} assigns a cluster`,
    received: f.ReceivedAt ? describeLocal(new Date(f.ReceivedAt)) : "",
    meeting: f.MeetingDate ? describeLocal(new Date(f.MeetingDate)) : "not yet known",
    deadlineStatus:
      f.Status === "Late"
        ? "Late: listed for the next meeting"
        : f.SubmissionDeadline
          ? `In time (deadline ${describeLocal(new Date(f.SubmissionDeadline))})`
          : "not yet known (no meeting)",
    ackDue: ackDue ? describeDate(ackDue) : "",
    ackState,
    status: recommended ?? f.Status,
    problems,
    hasProblems: problems.length > 0,
    message: opts.message ? plainText(opts.message) : "",
    messageStyle: !opts.message ? "default" : opts.ok === false ? "attention" : "good",
    details:
      f.CypCount && f.TermsSought
        ? `${f.CaseType ?? (f.CypCount === 1 ? "Individual" : "Group")}, ${f.CypCount} CYP, ${f.TermsSought} term(s), ${f.AmountRequested != null ? formatPounds(f.AmountRequested) : "no amount"} requested${f.FromForm ? " (from the form)" : ""}`
        : f.FromForm
          ? `partly from the form: ${f.FromForm.split(",")
              .map((x) => FORM_LABELS[x] ?? x)
              .join(", ")}; enter the rest`
          : "not entered yet",
    limit: limit ? limit.text : policy ? `enter the details to see it (${policy.label})` : "no funding policy is in force for this date",
    actions: withOverflow([
      // In the meeting: the SCL opens the vote from here or from the agenda (core/rules/votes.ts).
      ...((f.Status === "On agenda" || f.Status === "Recommended") && mayTriage(p, f.Cluster, opts.viewer)
        ? [{ verb: "vote.open", title: f.Status === "Recommended" ? "Open the final vote" : "Open vote", inputs: "none" as const }]
        : []),
      ...allowed.map((t) => ({ verb: t.verb, title: t.title, inputs: t.takesInput ? ("auto" as const) : ("none" as const) })),
    ]),
    showDetails: can("triage.details"),
    showMessage: can("triage.requestInfo"),
    showMove: can("triage.move"),
    caseType: typed.caseType ?? f.CaseType ?? null,
    cyp: num(typed.cyp ?? f.CypCount),
    terms: num(typed.terms ?? f.TermsSought),
    amount: num(typed.amount ?? f.AmountRequested),
    maxTerms: policy?.maxTerms ?? 3,
    maxCyp: MAX_CYP,
    maxAmount: MAX_AMOUNT,
    maxMessage: MAX_MESSAGE_CHARS,
    moveChoices: p.clusters
      .filter((x) => x.id !== f.Cluster)
      .map((x) => ({ title: `${ClusterName(p, x.id)} (${leadForCluster(p, x.id)?.initials ?? "?"})`, value: String(x.id) })),
  };
}

/** Whether `email` sees real school names where the partnership anonymises: the cluster's lead, the partnership lead, roles that may. */
export function seesNames(p: Partnership, clusterId: number, email: string | null | undefined): boolean {
  if (!email) return false;
  const e = email.toLowerCase();
  return mayTriage(p, clusterId, e) || holdersWith(p, "see-names", clusterId).some((h) => h.email.toLowerCase() === e);
}
