/**
 * The agenda for a cluster meeting (seed 000): the cluster budget overview with its RAG rating, CPD
 * in the first meeting of each term (15 minutes), and the accepted cases, presented and voted on.
 * Case references only: the card never shows a child's name.
 */
import { ClusterName, clusterName, referralType, type Cluster, type MeetingKind, type Partnership } from "../config.js";
import { fundingCap, formatPounds, FundingInputError } from "./funding.js";
import type { CaseStatus, StoredCase } from "../ports.js";
import { resolveRota, termDates } from "./rota.js";
import type { ScheduledMeeting, WideMeeting } from "./schedule.js";
import { describeLocal, toLocal, type LocalDate } from "./time.js";
import { academicYearOf } from "./planner.js";
import { clusterBudget, contingencyLedger, fromContingency } from "./allocation.js";
import { plainText } from "./triage.js";

export type Rag = "Red" | "Amber" | "Green";

export interface BudgetOverview {
  /** The academic year ("2026-27") the figures are for. */
  year: string;
  budget: number | null;
  committed: number;
  remaining: number | null;
  rag: Rag | null;
  text: string;
}

/**
 * The colours card text may use. Teams' light theme draws "Good" (#92c353, 2.1:1 on white) and
 * "Warning" (#f8d22a, 1.5:1) below WCAG 2.2 AA's 4.5:1 for text, so a RAG rating is written as its
 * word in the default colour; only Red keeps "Attention" (#c4314b, 5.3:1). The word carries the meaning.
 */
export type TextColour = "Default" | "Attention";
export const ragTextColour = (rag: string | null | undefined): TextColour => (rag === "Red" ? "Attention" : "Default");

/**
 * The cluster's budget for the academic year holding `on` (a London date): allocated (the Budgets
 * list's, else the config's for that year, else the config's single `budget`), committed (awards of
 * cases decided in that year), remaining, and the RAG rating by the partnership's thresholds.
 */
export function budgetOverview(p: Partnership, c: Cluster, cases: StoredCase[], on: LocalDate): BudgetOverview {
  const year = academicYearOf(on);
  const inYear = (x: StoredCase) => !x.fields.DecisionAt || academicYearOf(toLocal(new Date(x.fields.DecisionAt)).date) === year;
  // Awards from the contingency fund are the city meeting's, not the cluster's budget.
  const committed = cases.filter((x) => inYear(x) && !fromContingency(p, x)).reduce((n, x) => n + (x.fields.AmountAwarded ?? 0), 0);
  const budget = clusterBudget(p, c, year);
  if (!budget)
    return {
      year,
      budget: null,
      committed,
      remaining: null,
      rag: null,
      text: `${formatPounds(committed)} awarded in ${year}; no budget is allocated for ${year}, so no RAG rating`,
    };
  const share = committed / budget;
  const rag: Rag = share >= p.budgetRag.redFrom ? "Red" : share >= p.budgetRag.amberFrom ? "Amber" : "Green";
  return {
    year,
    budget,
    committed,
    remaining: budget - committed,
    rag,
    text: `${formatPounds(committed)} of ${formatPounds(budget)} committed (${Math.round(share * 100)}%), ${formatPounds(budget - committed)} remaining in ${year}: ${rag}`,
  };
}

function termOf(date: string): string | null {
  const yy = date.slice(2, 4);
  for (const t of ["Aut", "Spr", "Sum"]) {
    const name = `${t} ${yy}`;
    const { from, to } = termDates(name);
    if (date >= from && date <= to) return name;
  }
  return null;
}

/** The first meeting of its term (for this cluster) carries the CPD slot. */
export function isFirstOfTerm(c: Cluster, meetingDate: string): boolean {
  const term = termOf(meetingDate);
  return !c.meetings.some((m) => m.date < meetingDate && termOf(m.date) === term);
}

export interface AgendaData {
  title: string;
  meeting: string;
  htRep: string;
  budget: string;
  rag: string;
  ragColour: TextColour;
  cpd: string;
  hasCpd: boolean;
  /** `heading`: the reference, with the anonymised label ("C3-2026-0004 · Cluster 3 · Case B") and the referral type where the partnership has them. */
  /** `state`: where the case is at this meeting ("to decide", "vote open", the decision); `canOpen`: only then the "Open vote" button. */
  cases: {
    ref: string;
    heading: string;
    kind: string;
    cyp: string;
    terms: string;
    requested: string;
    cap: string;
    capTitle: string;
    state: string;
    canOpen: boolean;
  }[];
  hasCases: boolean;
  /** The meeting, for the "Record attendance" action (cluster meetings only). */
  clusterId: number;
  date: string;
  hasAttendance: boolean;
}

/** The agenda's meeting key, where its posted card is kept: a cluster's, or a partnership-wide kind's. */
export const agendaMeetingKey = (scope: { cluster: number } | { kind: string }, date: string) =>
  "cluster" in scope ? `c${scope.cluster}|${date}` : `k:${scope.kind}|${date}`;

/** What the agenda says of a case at its meeting, and whether its vote can be opened from there. */
function caseState(x: StoredCase, open: ReadonlySet<string>): { state: string; canOpen: boolean } {
  const f = x.fields;
  if (f.Status === "Decided") return { state: `Decided: ${f.Decision ?? ""}${f.AmountAwarded ? `, ${formatPounds(f.AmountAwarded)}` : ""}`, canOpen: false };
  if (f.Status === "Recommended") return { state: `Recommended: ${f.Recommendation ?? ""}`, canOpen: false };
  if (open.has(f.Title)) return { state: "Vote open", canOpen: false };
  return { state: "To decide", canOpen: true };
}

/**
 * The agenda of cluster `c`'s meeting `m`: the cases on it, each with where it is now (`open`: the
 * cases whose vote is open), so a re-drawn card offers only what can be done.
 */
export function agendaData(p: Partnership, c: Cluster, m: ScheduledMeeting, cases: StoredCase[], open: ReadonlySet<string> = new Set()): AgendaData {
  const rota = resolveRota(p, c).assignments.find((a) => a.meeting.date === m.date);
  const budget = budgetOverview(p, c, cases, m.date);
  const heard = new Set(["On agenda", "Decided", "Recommended"]);
  const listed = cases
    .filter((x) => heard.has(x.fields.Status) && x.fields.MeetingDate && new Date(x.fields.MeetingDate).getTime() === m.startsAt.getTime())
    .sort((a, b) => (a.fields.ReceivedAt ?? "").localeCompare(b.fields.ReceivedAt ?? ""));
  const cpd = isFirstOfTerm(c, m.date);
  return {
    title: `${ClusterName(p, c.id)} meeting agenda`,
    meeting: describeLocal(m.startsAt),
    htRep: rota?.school ? `Headteacher representative: ${rota.school.name}` : "Headteacher representative: none rostered",
    budget: budget.text,
    rag: budget.rag ?? "Not rated",
    ragColour: ragTextColour(budget.rag),
    cpd: cpd && p.agenda.cpdMinutes ? `CPD: ${p.agenda.cpdMinutes} minutes (first meeting of the term)` : "",
    hasCpd: cpd && p.agenda.cpdMinutes > 0,
    cases: listed.map((x) => {
      const f = x.fields;
      let cap = "to confirm";
      if (f.CypCount && f.TermsSought) {
        try {
          cap = fundingCap(p, { cyp: f.CypCount, terms: f.TermsSought, date: m.date, type: referralType(p, f.ReferralType) }).capText;
        } catch (e) {
          if (!(e instanceof FundingInputError)) throw e;
          cap = e.message;
        }
      }
      const type = p.referralTypes.length > 1 ? ` · ${referralType(p, f.ReferralType).label}` : "";
      return {
        ref: f.Title,
        heading: `${f.Title}${p.anonymise ? ` · ${caseLabel(p, x, cases)}` : ""}${type}`,
        kind: f.CaseType ?? (f.CypCount ? (f.CypCount === 1 ? "Individual" : "Group") : "to confirm"),
        cyp: f.CypCount ? String(f.CypCount) : "?",
        terms: f.TermsSought ? String(f.TermsSought) : "?",
        requested: f.AmountRequested != null ? formatPounds(f.AmountRequested) : "?",
        cap,
        capTitle: "Limit that applies",
        ...caseState(x, open),
      };
    }),
    hasCases: listed.length > 0,
    clusterId: c.id,
    date: m.date,
    hasAttendance: true,
  };
}

/** Statuses of a record that is never heard at a meeting: replaced by a correction, or refused at intake. */
export const NOT_A_HEARD_CASE: readonly CaseStatus[] = ["Superseded", "Rejected", "Quarantined"];

/**
 * What cluster members see instead of the school (Southampton, seed 004: "anonymising cases and
 * schools in referrals that go to the Cluster"): "Cluster 3 · Case B", the letter by the order
 * the cluster's cases for the same meeting were received. Never built from the school's name.
 */
export function caseLabel(p: Partnership, c: StoredCase, clusterCases: StoredCase[]): string {
  const same = clusterCases
    .filter((x) => x.fields.Cluster === c.fields.Cluster && x.fields.MeetingDate === c.fields.MeetingDate && !NOT_A_HEARD_CASE.includes(x.fields.Status))
    .sort((a, b) => (a.fields.ReceivedAt ?? "").localeCompare(b.fields.ReceivedAt ?? "") || a.fields.Title.localeCompare(b.fields.Title));
  const i = Math.max(
    0,
    same.findIndex((x) => x.fields.Title === c.fields.Title),
  );
  const letter = (n: number): string => (n < 26 ? String.fromCharCode(65 + n) : letter(Math.floor(n / 26) - 1) + String.fromCharCode(65 + (n % 26)));
  const cluster = c.fields.Cluster !== null && c.fields.Cluster !== undefined ? clusterName(p, c.fields.Cluster) : "unassigned";
  return `${cluster.charAt(0).toUpperCase()}${cluster.slice(1)} · Case ${letter(i)}`;
}

/**
 * The agenda of a partnership-wide deciding meeting (Sutton's borough-wide meeting, Southampton's
 * city meeting): the cases the clusters recommended to it, each with its recommendation, and the
 * contingency fund's ledger where the meeting spends it. Anonymised as the clusters' agendas are.
 */
export function wideAgendaData(p: Partnership, kind: MeetingKind, m: WideMeeting, all: StoredCase[], open: ReadonlySet<string> = new Set()): AgendaData {
  const listed = all
    .filter(
      (x) =>
        (x.fields.Status === "Recommended" || (x.fields.Status === "Decided" && x.fields.Recommendation)) &&
        x.fields.MeetingDate &&
        new Date(x.fields.MeetingDate).getTime() === m.startsAt.getTime(),
    )
    .sort((a, b) => (a.fields.RecommendedAt ?? "").localeCompare(b.fields.RecommendedAt ?? "") || a.fields.Title.localeCompare(b.fields.Title));
  const spendsContingency = p.referralTypes.some((t) => t.stages.some((s) => s.meeting === kind.id && s.fund === "contingency"));
  const ledger = spendsContingency ? contingencyLedger(p, all, m.date).text : "Each award comes from its cluster's budget";
  return {
    title: `${kind.label} agenda`,
    meeting: describeLocal(m.startsAt),
    htRep: `Recommendations from the clusters, for decision${m.location ? ` (${m.location})` : ""}`,
    budget: ledger,
    rag: "Not rated",
    ragColour: "Default",
    cpd: "",
    hasCpd: false,
    cases: listed.map((x) => {
      const f = x.fields;
      const type = referralType(p, f.ReferralType);
      const cluster = f.Cluster !== null && f.Cluster !== undefined ? ClusterName(p, f.Cluster) : "Unassigned";
      const recommended = `${f.Recommendation ?? "?"}${f.RecommendedAmount ? `, ${formatPounds(f.RecommendedAmount)}` : ""}`;
      return {
        ref: f.Title,
        heading: `${f.Title} · ${p.anonymise ? caseLabel(p, x, all) : `${cluster}, ${f.School ? plainText(f.School) : "school not identified"}`} · ${type.label} · recommended: ${recommended}`,
        kind: f.CaseType ?? "to confirm",
        cyp: f.CypCount ? String(f.CypCount) : "?",
        terms: f.TermsSought ? String(f.TermsSought) : "?",
        requested: f.AmountRequested != null ? formatPounds(f.AmountRequested) : "?",
        cap: recommended,
        capTitle: "Recommended by the cluster",
        // Here a recommended case is the one to decide.
        ...(f.Status === "Recommended"
          ? open.has(f.Title)
            ? { state: "Vote open", canOpen: false }
            : { state: "To decide", canOpen: true }
          : caseState(x, open)),
      };
    }),
    hasCases: listed.length > 0,
    clusterId: 0,
    date: m.date,
    hasAttendance: false,
  };
}
