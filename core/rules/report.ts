/**
 * The termly evaluation (issue 16), from the case register: seed 001's "Termly Overview of Awards
 * by Cluster" and the figures around it, for the partnership and per cluster. Pure: the caller
 * reads the Cases list and the intake audit rows. Counts and case references only, never a
 * child's data; per-school counts below the config's threshold are "fewer than N".
 *
 * Which cases count in a period: those heard at a cluster meeting in it, once: a two-stage case
 * by its recommendation's date (its final decision is not a second case), a one-stage case by its
 * decision's. Superseded, rejected and quarantined cases never count; a moved case counts in the
 * cluster it ended in.
 */
import { clusterBudget, type Ledger } from "./allocation.js";
import { budgetOverview, NOT_A_HEARD_CASE, ragTextColour, type TextColour } from "./agenda.js";
import { ClusterName, normaliseName, PHASES, referralType, type Partnership } from "../config.js";
import { formatPounds, fundingCap, FundingInputError } from "./funding.js";
import type { AttendanceRecord, StoredCase } from "../ports.js";
import type { EngagementTable } from "./engagement.js";
import { academicYearOf, termsFor, type TermName } from "./planner.js";
import { meetingsOf } from "./schedule.js";
import { addDays, isLocalDate, toLocal, type LocalDate } from "./time.js";
import { workingDaysBetween } from "./workingDays.js";

export class ReportInputError extends Error {}

export interface Period {
  label: string;
  from: LocalDate;
  to: LocalDate;
}

/**
 * "summer-2023": the summer term of 2023 and the holiday after it (to 31 August); "autumn-2026":
 * 1 September to 31 December; "spring-2027": 1 January to the day before the summer term.
 * Summer's start is the council's (config) or England's usual pattern.
 */
export function termPeriod(p: Partnership, term: string): Period {
  const m = /^(autumn|spring|summer)-(\d{4})$/.exec(term.trim().toLowerCase());
  if (!m) throw new ReportInputError(`"${term}" is not a term: write it like autumn-2026, spring-2027 or summer-2027`);
  const name = m[1] as TermName;
  const year = Number(m[2]);
  const academic = name === "autumn" ? `${year}-${String((year + 1) % 100).padStart(2, "0")}` : `${year - 1}-${String(year % 100).padStart(2, "0")}`;
  const summerStart = termsFor(p, academic).terms.find((t) => t.name === "summer")!.start;
  const label = `${name[0]!.toUpperCase()}${name.slice(1)} term ${year}`;
  if (name === "autumn") return { label, from: `${year}-09-01`, to: `${year}-12-31` };
  if (name === "spring") return { label, from: `${year}-01-01`, to: addDays(summerStart, -1) };
  return { label, from: summerStart, to: `${year}-08-31` };
}

export function datesPeriod(from: string, to: string): Period {
  if (!isLocalDate(from) || !isLocalDate(to)) throw new ReportInputError("--from and --to are dates written YYYY-MM-DD");
  if (to < from) throw new ReportInputError("--to must not be before --from");
  return { label: `${from} to ${to}`, from, to };
}

export interface ClusterFigures {
  cluster: number;
  name: string;
  casesPresented: number;
  cypPresented: number;
  cypFunded: number;
  schoolsAwarded: number;
  /** Of the cluster's schools. */
  schoolsAwardedPct: number;
  individual: number;
  group: number;
  requested: number;
  /** The limits that applied (cases under an "as agreed" policy add nothing). */
  capped: number;
  awarded: number;
  budget: number | null;
  rag: string | null;
  /** Meetings on the calendar up to the report's day. */
  meetingsPlanned: number;
  /** Of those, meetings with cases heard or attendance recorded. */
  meetingsHeld: number;
  /** Held (attendance recorded) with no case heard. */
  meetingsWithoutCases: number;
  /** SENDCo attendance per meeting held, where the SCL recorded it (the Attendance list). */
  attendance: { date: string; attended: number; schools: number }[];
  /** Of the schools at the meetings recorded; null when none was. */
  attendancePct: number | null;
}

export interface Report {
  partnership: { id: string; name: string; council: string };
  period: Period;
  clusters: ClusterFigures[];
  totals: Omit<ClusterFigures, "cluster" | "name" | "budget" | "rag" | "attendance"> & { schools: number; meetingsRecorded: number };
  byPhase: { phase: string; cases: number; casesPct: number; schools: number; schoolsPct: number }[];
  /** Cluster pupils where the config has them (Southampton): each cluster's share of pupils against its share of cases. */
  pupils: { cluster: number; pupils: number; pupilsPct: number; casesPct: number }[] | null;
  termsSought: { terms: number; cases: number }[];
  referralTypes: { type: string; cases: number }[] | null;
  /** Per school: cases presented and funded, small counts suppressed. */
  schools: { school: string; cluster: string; presented: number | string; funded: number | string }[];
  service: {
    received: Record<string, number>;
    /** Of the acknowledgements due by the report's day: in time (`count`), late; and those not yet due, counted apart. */
    acknowledgedInTime: { count: number; of: number; pct: number; late: number; notYetDue: number };
    workingDaysToDecision: { cases: number; median: number | null; worst: number | null };
  };
  /** Case references counted, for anyone checking a figure against the Cases list. */
  counted: string[];
  /** Seed 001's "School Engagement" table (issue 33); null when the Engagement list was not read. */
  engagement: EngagementTable | null;
  /**
   * Types decided in two stages (Sutton, Southampton's contingency): the period's final decisions
   * against the clusters' recommendations. Null when the partnership has no such type.
   */
  twoStage: { decided: number; asRecommended: number; differently: number; recommendedAmount: number; decidedAmount: number } | null;
  /** The contingency fund's ledger for the period's academic year (a partnership that holds one); null otherwise or when not read. */
  contingency: (Ledger & { awards: number }) | null;
}

const pct = (n: number, of: number) => (of ? Math.round((n / of) * 1000) / 10 : 0);
/** The share of schools' SENDCos who attended, over the meetings recorded; null when none was. */
function attendanceShare(meetings: { attended: number; schools: number }[]): number | null {
  const seats = meetings.reduce((n, r) => n + r.schools, 0);
  return seats
    ? pct(
        meetings.reduce((n, r) => n + r.attended, 0),
        seats,
      )
    : null;
}
/** "60% (2 meetings recorded)", or "not recorded". */
function attendanceText(t: Report["totals"]): string {
  return t.attendancePct === null
    ? "not recorded"
    : `${t.attendancePct}% (${t.meetingsRecorded} ${t.meetingsRecorded === 1 ? "meeting" : "meetings"} recorded)`;
}
/** "2 of 3 due (1 late); 5 not yet due". */
export function ackText(a: Report["service"]["acknowledgedInTime"]): string {
  return `${a.count} of ${a.of} due${a.late ? ` (${a.late} late)` : ""}${a.notYetDue ? `; ${a.notYetDue} not yet due` : ""}`;
}
/** The CLI command that makes a term's full report. */
const reportCommand = (term: string) => `npx cluster-desk report --term ${term} --format html --out ${term}.html`;

/** When a case was heard at its cluster's meeting (its recommendation, else its decision); null if not yet. */
function heardAt(c: StoredCase): LocalDate | null {
  const f = c.fields;
  if (NOT_A_HEARD_CASE.includes(f.Status)) return null;
  const at = f.RecommendedAt ?? (f.Status === "Decided" ? f.DecisionAt : null);
  return at ? toLocal(new Date(at)).date : null;
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const dateOf = (iso: string | null | undefined): LocalDate | null => (iso ? toLocal(new Date(iso)).date : null);

/** Final decisions of cases a cluster recommended: how many as recommended, how many not, and the sums. */
function twoStageFigures(decidedInPeriod: StoredCase[]): NonNullable<Report["twoStage"]> {
  const two = decidedInPeriod.filter((c) => c.fields.Status === "Decided" && c.fields.Recommendation);
  const same = (c: StoredCase) => c.fields.Recommendation === c.fields.Decision && (c.fields.RecommendedAmount ?? 0) === (c.fields.AmountAwarded ?? 0);
  return {
    decided: two.length,
    asRecommended: two.filter(same).length,
    differently: two.filter((c) => !same(c)).length,
    recommendedAmount: two.reduce((n, c) => n + (c.fields.RecommendedAmount ?? 0), 0),
    decidedAmount: two.reduce((n, c) => n + (c.fields.AmountAwarded ?? 0), 0),
  };
}

export function buildReport(
  p: Partnership,
  cases: StoredCase[],
  intake: { outcome: string; at?: string }[],
  period: Period,
  attendance: AttendanceRecord[] = [],
  /** The day the report is made: meetings after it have not been held (a report made mid-term). */
  asOf: LocalDate = period.to,
): Report {
  const inPeriod = (d: LocalDate | null) => d !== null && d >= period.from && d <= period.to;
  const heard = cases.filter((c) => inPeriod(heardAt(c)));
  const funded = (c: StoredCase) => c.fields.Decision === "Agree to fund" && (c.fields.AmountAwarded ?? 0) > 0;
  const today = asOf < period.to ? asOf : period.to;
  const year = academicYearOf(period.to);
  const clusters: ClusterFigures[] = p.clusters.map((cl) => {
    const mine = heard.filter((c) => c.fields.Cluster === cl.id);
    const awardedSchools = new Set(mine.filter(funded).map((c) => normaliseName(c.fields.School ?? "")));
    let capped = 0;
    for (const c of mine) {
      const f = c.fields;
      if (!f.CypCount || !f.TermsSought) continue;
      try {
        const r = fundingCap(p, { cyp: f.CypCount, terms: f.TermsSought, date: heardAt(c)!, type: referralType(p, f.ReferralType) });
        capped += r.cap ?? 0;
      } catch (e) {
        if (!(e instanceof FundingInputError)) throw e;
      }
    }
    const meetings = meetingsOf(p, cl).filter((m) => inPeriod(m.date) && m.date <= today);
    // A meeting had cases when a case was heard that day (its cluster-stage vote), or listed for it.
    const heardDates = new Set(
      mine.flatMap((c) => [heardAt(c), ...(c.fields.MeetingDate && !c.fields.RecommendedAt ? [toLocal(new Date(c.fields.MeetingDate)).date] : [])]),
    );
    const budget = budgetOverview(
      p,
      cl,
      cases.filter((c) => c.fields.Cluster === cl.id && c.fields.Status === "Decided"),
      period.to,
    );
    // A meeting counts as held when cases were heard at it or its attendance was recorded (seed
    // 001: 26 cases at 16 meetings, two clusters holding no July meeting); a planned date is not enough.
    const held = meetings.filter((m) => heardDates.has(m.date) || attendance.some((a) => a.clusterId === cl.id && a.date === m.date));
    const recorded = meetings.flatMap((m) => {
      const rows = attendance.filter((a) => a.clusterId === cl.id && a.date === m.date);
      return rows.length ? [{ date: m.date, attended: rows.filter((a) => a.attended).length, schools: rows.length }] : [];
    });
    return {
      cluster: cl.id,
      name: ClusterName(p, cl.id),
      casesPresented: mine.length,
      cypPresented: mine.reduce((n, c) => n + (c.fields.CypCount ?? 0), 0),
      cypFunded: mine.filter(funded).reduce((n, c) => n + (c.fields.CypCount ?? 0), 0),
      schoolsAwarded: awardedSchools.size,
      schoolsAwardedPct: pct(awardedSchools.size, cl.schools.length),
      individual: mine.filter((c) => (c.fields.CaseType ?? (c.fields.CypCount === 1 ? "Individual" : "Group")) === "Individual").length,
      group: mine.filter((c) => (c.fields.CaseType ?? (c.fields.CypCount === 1 ? "Individual" : "Group")) === "Group").length,
      requested: mine.reduce((n, c) => n + (c.fields.AmountRequested ?? 0), 0),
      capped,
      awarded: mine.reduce((n, c) => n + (c.fields.AmountAwarded ?? 0), 0),
      budget: clusterBudget(p, cl, year),
      rag: budget.rag,
      meetingsPlanned: meetings.length,
      meetingsHeld: held.length,
      meetingsWithoutCases: held.filter((m) => !heardDates.has(m.date)).length,
      attendance: recorded,
      attendancePct: attendanceShare(recorded),
    };
  });
  const sum = (k: keyof ClusterFigures) => clusters.reduce((n, c) => n + (c[k] as number), 0);
  const allSchools = new Map<string, string>();
  for (const cl of p.clusters) for (const s of cl.schools) allSchools.set(normaliseName(s.name), s.phase);
  const awardedAll = new Set(heard.filter(funded).map((c) => normaliseName(c.fields.School ?? "")));
  const totals = {
    casesPresented: sum("casesPresented"),
    cypPresented: sum("cypPresented"),
    cypFunded: sum("cypFunded"),
    schoolsAwarded: awardedAll.size,
    schoolsAwardedPct: pct(awardedAll.size, allSchools.size),
    schools: allSchools.size,
    individual: sum("individual"),
    group: sum("group"),
    requested: sum("requested"),
    capped: sum("capped"),
    awarded: sum("awarded"),
    meetingsPlanned: sum("meetingsPlanned"),
    meetingsHeld: sum("meetingsHeld"),
    meetingsWithoutCases: sum("meetingsWithoutCases"),
    meetingsRecorded: clusters.reduce((n, c) => n + c.attendance.length, 0),
    attendancePct: attendanceShare(clusters.flatMap((c) => c.attendance)),
  };
  const phases = PHASES.filter((ph) => [...allSchools.values()].includes(ph) || heard.some((c) => c.fields.Phase === ph));
  const byPhase = phases.map((phase) => {
    const n = heard.filter((c) => c.fields.Phase === phase).length;
    const schools = [...allSchools.values()].filter((x) => x === phase).length;
    return { phase, cases: n, casesPct: pct(n, heard.length), schools, schoolsPct: pct(schools, allSchools.size) };
  });
  const totalPupils = p.clusters.reduce((n, c) => n + (c.pupils ?? 0), 0);
  const pupils = p.clusters.every((c) => c.pupils)
    ? clusters.map((c) => ({
        cluster: c.cluster,
        pupils: p.clusters.find((x) => x.id === c.cluster)!.pupils!,
        pupilsPct: pct(p.clusters.find((x) => x.id === c.cluster)!.pupils!, totalPupils),
        casesPct: pct(c.casesPresented, heard.length),
      }))
    : null;
  const min = p.report.minGroup;
  const small = (n: number): number | string => (n > 0 && n < min ? `fewer than ${min}` : n);
  const bySchool = new Map<string, { school: string; cluster: string; presented: number; funded: number }>();
  for (const c of heard) {
    const key = `${c.fields.Cluster}|${normaliseName(c.fields.School ?? "not identified")}`;
    const row = bySchool.get(key) ?? {
      school: c.fields.School ?? "not identified",
      cluster: c.fields.Cluster ? ClusterName(p, c.fields.Cluster) : "unassigned",
      presented: 0,
      funded: 0,
    };
    row.presented++;
    if (funded(c)) row.funded++;
    bySchool.set(key, row);
  }
  // Service levels: forms received in the period by outcome; acknowledgements; time to decision.
  const received: Record<string, number> = {};
  for (const r of intake) {
    const d = r.at ? toLocal(new Date(r.at)).date : null;
    if (inPeriod(d)) received[r.outcome] = (received[r.outcome] ?? 0) + 1;
  }
  const arrived = cases.filter(
    (c) =>
      !NOT_A_HEARD_CASE.includes(c.fields.Status) && c.fields.AckDueBy && inPeriod(c.fields.ReceivedAt ? toLocal(new Date(c.fields.ReceivedAt)).date : null),
  );
  const inTime = arrived.filter((c) => c.fields.AcknowledgedAt && toLocal(new Date(c.fields.AcknowledgedAt)).date <= c.fields.AckDueBy!.slice(0, 10));
  // Not acknowledged and still within its time on the report's day: neither in time nor late yet.
  const notYetDue = arrived.filter((c) => !c.fields.AcknowledgedAt && c.fields.AckDueBy!.slice(0, 10) >= today).length;
  const due = arrived.length - notYetDue;
  const decided = heard.filter((c) => c.fields.Status === "Decided" && c.fields.DecisionAt && c.fields.ReceivedAt);
  const days = decided.map((c) => workingDaysBetween(toLocal(new Date(c.fields.ReceivedAt!)).date, toLocal(new Date(c.fields.DecisionAt!)).date));
  return {
    partnership: { id: p.id, name: p.name, council: p.council },
    period,
    clusters,
    totals,
    byPhase,
    pupils,
    termsSought: [1, 2, 3].map((t) => ({ terms: t, cases: heard.filter((c) => c.fields.TermsSought === t).length })),
    referralTypes:
      p.referralTypes.length > 1
        ? p.referralTypes.map((t) => ({ type: t.label, cases: heard.filter((c) => referralType(p, c.fields.ReferralType).id === t.id).length }))
        : null,
    schools: [...bySchool.values()]
      .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.school.localeCompare(b.school))
      .map((r) => ({ ...r, presented: small(r.presented), funded: small(r.funded) })),
    service: {
      received,
      acknowledgedInTime: { count: inTime.length, of: due, pct: pct(inTime.length, due), late: due - inTime.length, notYetDue },
      workingDaysToDecision: { cases: days.length, median: median(days), worst: days.length ? Math.max(...days) : null },
    },
    counted: heard.map((c) => c.fields.Title).sort(),
    engagement: null,
    twoStage: p.referralTypes.some((t) => t.stages.length > 1) ? twoStageFigures(cases.filter((c) => inPeriod(dateOf(c.fields.DecisionAt)))) : null,
    contingency: null,
  };
}

/** Seed 001's overview as it is laid out there: `,1,2,...,Totals` and one row per measure, numbers only. */
export function overviewCsv(r: Report): string {
  const rows: [string, (c: ClusterFigures) => number, number][] = [
    ["Cases presented to cluster", (c) => c.casesPresented, r.totals.casesPresented],
    ["CYP presented", (c) => c.cypPresented, r.totals.cypPresented],
    ["CYP supported with funding", (c) => c.cypFunded, r.totals.cypFunded],
    ["Schools awarded funding", (c) => c.schoolsAwarded, r.totals.schoolsAwarded],
  ];
  const head = ["", ...r.clusters.map((c) => c.name.replace(/^Cluster /, "")), "Totals"].join(",");
  return [head, ...rows.map(([label, f, total]) => [label, ...r.clusters.map((c) => String(f(c))), String(total)].join(","))].join("\n") + "\n";
}

/** The headline figures for Teams (the partnership lead's `report <term>`); the full report is the CLI's. */
export function reportSummary(r: Report, term: string, link?: { name: string; url: string }): string {
  const t = r.totals;
  const s = r.service;
  return [
    `**${r.partnership.name}: evaluation, ${r.period.label}** (${r.period.from} to ${r.period.to})`,
    `${t.casesPresented} ${t.casesPresented === 1 ? "case" : "cases"} presented, ${t.cypPresented} CYP; ${t.cypFunded} CYP supported with funding; ${t.schoolsAwarded} of ${t.schools} schools awarded funding (${t.schoolsAwardedPct}%). Awarded ${formatPounds(t.awarded)} of ${formatPounds(t.requested)} requested.`,
    ...r.clusters.map(
      (c) =>
        `- ${c.name}: ${c.casesPresented} ${c.casesPresented === 1 ? "case" : "cases"}, ${formatPounds(c.awarded)} awarded${c.budget !== null ? ` of a ${formatPounds(c.budget)} budget (${c.rag ?? "not rated"})` : ""}`,
    ),
    `By phase: ${r.byPhase.map((b) => `${b.phase} ${b.casesPct}% of cases (${b.schoolsPct}% of schools)`).join("; ")}.`,
    `Acknowledged in time: ${ackText(s.acknowledgedInTime)}; working days from receipt to decision: median ${s.workingDaysToDecision.median ?? "none"}, worst ${s.workingDaysToDecision.worst ?? "none"}.`,
    `Meetings held: ${t.meetingsHeld} of ${t.meetingsPlanned} planned (${t.meetingsWithoutCases} without cases); SENDCo attendance ${attendanceText(t)}.`,
    r.twoStage
      ? `Decided after a recommendation: ${r.twoStage.decided} (${r.twoStage.asRecommended} as recommended, ${r.twoStage.differently} differently); ${formatPounds(r.twoStage.decidedAmount)} decided of ${formatPounds(r.twoStage.recommendedAmount)} recommended.`
      : "",
    r.contingency ? `${r.contingency.text}; ${r.contingency.awards} ${r.contingency.awards === 1 ? "award" : "awards"} from it.` : "",
    link ? `The full report: [${link.name}](${link.url})` : `The full report: \`${reportCommand(term)}\` (or pdf, xlsx, csv).`,
  ]
    .filter(Boolean)
    .join("\n\n");
}

/** The partnership lead's summary card: headline figures, each cluster's spend and RAG, the link to the full report. */
export interface ReportCardData {
  title: string;
  period: string;
  headline: { title: string; value: string }[];
  clusters: { name: string; text: string; rag: string; colour: TextColour }[];
  service: string;
  hasLink: boolean;
  url: string;
  note: string;
}

export function reportCardData(r: Report, term: string, link?: { name: string; url: string }): ReportCardData {
  const t = r.totals;
  const s = r.service;
  return {
    title: `${r.partnership.name}: evaluation, ${r.period.label}`,
    period: `${r.period.from} to ${r.period.to}`,
    headline: [
      { title: "Cases presented", value: String(t.casesPresented) },
      { title: "CYP presented", value: String(t.cypPresented) },
      { title: "CYP supported with funding", value: String(t.cypFunded) },
      { title: "Schools awarded funding", value: `${t.schoolsAwarded} of ${t.schools} (${t.schoolsAwardedPct}%)` },
      { title: "Awarded", value: `${formatPounds(t.awarded)} of ${formatPounds(t.requested)} requested` },
      { title: "Meetings held", value: `${t.meetingsHeld} of ${t.meetingsPlanned} planned (${t.meetingsWithoutCases} without cases)` },
      {
        title: "SENDCo attendance",
        value: attendanceText(t),
      },
      ...r.byPhase
        .filter((b) => b.cases || b.schools)
        .map((b) => ({ title: `${b.phase[0]!.toUpperCase()}${b.phase.slice(1)}`, value: `${b.casesPct}% of cases, ${b.schoolsPct}% of schools` })),
    ],
    clusters: r.clusters.map((c) => ({
      name: c.name,
      text: `${c.casesPresented} ${c.casesPresented === 1 ? "case" : "cases"}, ${formatPounds(c.awarded)} awarded${c.budget !== null ? ` of ${formatPounds(c.budget)}` : ""}`,
      rag: c.rag ?? "Not rated",
      colour: ragTextColour(c.rag),
    })),
    service: `Acknowledged in time: ${s.acknowledgedInTime.count} of ${s.acknowledgedInTime.of}. Working days from receipt to decision: median ${s.workingDaysToDecision.median ?? "none"}, worst ${s.workingDaysToDecision.worst ?? "none"}.`,
    hasLink: Boolean(link),
    url: link?.url ?? "",
    note: link ? `The full report is ${link.name} in the Reports library.` : `The full report: ${reportCommand(term)}`,
  };
}
