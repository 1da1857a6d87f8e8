/**
 * The termly report's timer (issue 16): after the last cluster meeting of a term, the partnership
 * lead gets the term's headline figures in Teams (by email when the bot does not know their chat),
 * once per term. The full report is `npx cluster-desk report --term <term>`.
 */
import { engagementTable } from "../rules/engagement.js";
import type { EngagementPort } from "../ports.js";
import type { Partnership } from "../config.js";
import { buildReport, reportSummary, termPeriod, type Period, type Report } from "../rules/report.js";
import { type AttendancePort, type CaseStorePort, type StoredCase } from "../ports.js";
import { periodCases, yearDecisions } from "./caseWindows.js";
import { contingencyLedger, fromContingency, type Ledger } from "../rules/allocation.js";
import { meetingsOf } from "../rules/schedule.js";
import { toLocal, type LocalDate } from "../rules/time.js";
import { teamsElseEmail, type AckDeps } from "./acknowledgements.js";
import { statusOf } from "../errors.js";

export interface TermlyDeps extends AckDeps {
  cases: AckDeps["cases"] & Pick<CaseStorePort, "casesIn">;
  intakeSince?: (since: string) => Promise<{ outcome: string; at?: string }[]>;
  attendance?: Pick<AttendancePort, "between">;
  /** Saves the full report (HTML) to the Reports library: its name and link. */
  publishReport?: (r: Report, term: string) => Promise<{ name: string; url: string }>;
}

/**
 * A term's report for the partnership lead: the figures, and the full report saved to the Reports
 * library when the deployment has one. A failed save is logged and the figures still go (with the
 * CLI command instead of a link): the lead is never left with nothing.
 */
export async function leadReport(
  d: Parameters<typeof termReport>[0] & Pick<TermlyDeps, "publishReport" | "log">,
  term: string,
): Promise<{ report: Report; link?: { name: string; url: string } }> {
  const report = await termReport(d, termPeriod(d.partnership, term));
  if (!d.publishReport) return { report };
  try {
    return { report, link: await d.publishReport(report, term) };
  } catch (e) {
    d.log.warn("report.save-failed", { term, status: statusOf(e) ?? null });
    return { report };
  }
}

/** The report for a period, from the cases it listed, heard or received and the intake audit rows since its start. */
export async function termReport(
  d: {
    partnership: Partnership;
    cases: Pick<CaseStorePort, "casesIn">;
    intakeSince?: TermlyDeps["intakeSince"];
    attendance?: TermlyDeps["attendance"];
    /** The Engagement list: with it, the report has seed 001's engagement table. */
    engagement?: Pick<EngagementPort, "between">;
    now?: () => Date;
  },
  period: Period,
): Promise<Report> {
  const intake = d.intakeSince ? await d.intakeSince(`${period.from}T00:00:00Z`) : [];
  const attendance = d.attendance ? await d.attendance.between(period.from, period.to) : [];
  const asOf = d.now ? toLocal(d.now()).date : period.to;
  // One period's cases (windows on indexed columns), never the whole register.
  const cases = await periodCases(d.cases, period);
  const report = buildReport(d.partnership, cases, intake, period, attendance, asOf);
  if (d.engagement) report.engagement = engagementTable(d.partnership, period, await d.engagement.between(period.from, period.to), cases, attendance);
  if (d.partnership.allocation) {
    // Figures only: the awards' cases stay out of the report.
    const { cases: _awards, ...ledger } = await contingencyNow(d, period.to);
    report.contingency = ledger;
  }
  return report;
}

/** The contingency fund's ledger for the academic year holding `on`, with how many awards it has made. */
export async function contingencyNow(
  d: { partnership: Partnership; cases: Pick<CaseStorePort, "casesIn"> },
  on: LocalDate,
): Promise<Ledger & { awards: number; cases: StoredCase[] }> {
  const year = await yearDecisions(d.cases, on);
  const awards = year.filter((c) => fromContingency(d.partnership, c) && c.fields.Status === "Decided" && (c.fields.AmountAwarded ?? 0) > 0);
  return { ...contingencyLedger(d.partnership, year, on), awards: awards.length, cases: awards };
}

/** The term (e.g. "summer-2023") whose last cluster meeting has passed, while that term lasts; null otherwise. */
export function termJustEnded(d: Pick<TermlyDeps, "partnership">, today: string): string | null {
  const p = d.partnership;
  const year = Number(today.slice(0, 4));
  for (const term of [`autumn-${year}`, `spring-${year}`, `summer-${year}`]) {
    const period = termPeriod(p, term);
    if (today < period.from || today > period.to) continue;
    const last = p.clusters
      .flatMap((c) => meetingsOf(p, c).map((m) => m.date))
      .filter((date) => date >= period.from && date <= period.to)
      .sort()
      .at(-1);
    return last && today > last ? term : null;
  }
  return null;
}

export async function runTermlyReport(d: TermlyDeps): Promise<string | null> {
  const p = d.partnership;
  const term = termJustEnded(d, toLocal(d.now()).date);
  if (!term) return null;
  const key = `report-sent|${term}`;
  if (await d.kv.getSync(key)) return null;
  const { report, link } = await leadReport(d, term);
  const text = reportSummary(report, term, link);
  await teamsElseEmail(d, p.partnershipLead.email, text, {
    subject: `${p.shortName} evaluation: ${report.period.label}`,
    body: text.replace(/\*\*/g, ""),
    marker: `cd-report-${term}`,
  });
  await d.kv.setSync(key, d.now().toISOString());
  d.log.info("report.sent", { term });
  return term;
}
