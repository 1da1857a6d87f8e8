/**
 * The case reads the use cases make, each a window on an indexed date column of the register
 * (core/ports.ts, CaseWindow), so none reads a cluster's whole history: a meeting's cases, the
 * decisions of an academic year (the budget), the cases a term heard (the report), the cases of
 * the last year still open, and the reviews falling due.
 */
import type { CaseStorePort, CaseWindow, StoredCase } from "../ports.js";
import { academicYearOf } from "../rules/planner.js";
import { addDays, fromLocal, type LocalDate } from "../rules/time.js";

type Cases = Pick<CaseStorePort, "casesIn">;

/** London's day `from` 00:00 to day `to` 23:59:59.999, as UTC instants. */
function days(from: LocalDate, to: LocalDate): { from: string; to: string } {
  return { from: fromLocal(from, "00:00").toISOString(), to: new Date(fromLocal(addDays(to, 1), "00:00").getTime() - 1).toISOString() };
}

/** The academic year (1 August to 31 July) that `on` falls in, as days. */
export function academicYearDays(on: LocalDate): { from: LocalDate; to: LocalDate } {
  const start = Number(academicYearOf(on).slice(0, 4));
  return { from: `${start}-08-01`, to: `${start + 1}-07-31` };
}

const merged = (...lists: StoredCase[][]) => [...new Map(lists.flat().map((c) => [c.fields.Title, c])).values()];

/** The cases listed for one meeting (its start instant): a cluster's, or a partnership-wide one's (no cluster). */
export function meetingCases(d: Cases, cluster: number | undefined, startsAt: Date): Promise<StoredCase[]> {
  const at = startsAt.toISOString();
  return d.casesIn({ by: "MeetingDate", from: at, to: at, ...(cluster !== undefined ? { cluster } : {}) });
}

/** The decisions of the academic year `on` falls in (a cluster's, or the partnership's): what budgets and the contingency fund count. */
export function yearDecisions(d: Cases, on: LocalDate, cluster?: number): Promise<StoredCase[]> {
  const y = academicYearDays(on);
  return d.casesIn({ by: "DecisionAt", ...days(y.from, y.to), ...(cluster !== undefined ? { cluster } : {}) });
}

/** What an agenda shows: the meeting's cases, and the year's decisions for its budget line (or the contingency fund's). */
export async function agendaCases(d: Cases, cluster: number | undefined, startsAt: Date, on: LocalDate): Promise<StoredCase[]> {
  return merged(...(await Promise.all([meetingCases(d, cluster, startsAt), yearDecisions(d, on, cluster)])));
}

/**
 * The cases a period heard, listed or decided (the termly report): three windows, merged. A case
 * is heard at the meeting it was listed for, and decided then or at a later deciding meeting.
 */
export async function periodCases(d: Cases, period: { from: LocalDate; to: LocalDate }): Promise<StoredCase[]> {
  const w = days(period.from, period.to);
  const by = (col: CaseWindow["by"]) => d.casesIn({ by: col, ...w });
  return merged(...(await Promise.all([by("MeetingDate"), by("DecisionAt"), by("ReceivedAt")])));
}

/** How far back `cases` looks for a cluster's open cases: a case still open after a year is the lead's to chase by hand. */
export const OPEN_CASES_DAYS = 366;

/** A cluster's cases received in the last year (the `cases` command filters the open ones). */
export function recentCases(d: Cases, cluster: number | null, today: LocalDate): Promise<StoredCase[]> {
  return d.casesIn({ by: "ReceivedAt", ...days(addDays(today, -OPEN_CASES_DAYS), today), ...(cluster === null ? {} : { cluster }) });
}

/** Cases whose review falls due from a year ago to `ahead` days on (the review reminders). */
export function reviewsDue(d: Cases, today: LocalDate, ahead: number): Promise<StoredCase[]> {
  return d.casesIn({ by: "ReviewDue", ...days(addDays(today, -366), addDays(today, ahead)) });
}

/** The earliest day the data-protection commands read cases from (before any council ran Cluster Desk). */
export const RECORDS_FROM: LocalDate = "2000-01-01";

/**
 * Every case received from `from` to `to`, a calendar year a window (a year's cases stay far below
 * the list view threshold however long the register grows): retention's and subject access's read.
 */
export async function receivedBetween(d: Cases, from: LocalDate, to: LocalDate): Promise<StoredCase[]> {
  const out: StoredCase[] = [];
  for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
    const start = `${year}-01-01` < from ? from : `${year}-01-01`;
    const end = `${year}-12-31` > to ? to : `${year}-12-31`;
    if (start <= end) out.push(...(await d.casesIn({ by: "ReceivedAt", ...days(start, end) })));
  }
  return out;
}
