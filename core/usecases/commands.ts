/**
 * What the bot's text commands answer, as words: a person's open cases, the budgets of their
 * clusters, which term to ask a report for. The bot (bot/bot.ts) only routes a command here and
 * sends the answer; the rules and the reading are here.
 */
import { ClusterName, clusterName, type Partnership } from "../config.js";
import type { CaseStorePort, CaseStatus } from "../ports.js";
import { budgetOverview } from "../rules/agenda.js";
import { academicYearOf } from "../rules/planner.js";
import { describeLocal, toLocal } from "../rules/time.js";
import { plainText } from "../rules/triage.js";
import { workingDaysBetween } from "../rules/workingDays.js";
import { recentCases, yearDecisions } from "./caseWindows.js";
import { contingencyNow } from "./termly.js";
import { formatPounds } from "../rules/funding.js";

export interface CommandDeps {
  partnership: Partnership;
  cases: Pick<CaseStorePort, "casesIn">;
  now: () => Date;
}

/** Statuses with nothing left for a lead to do. */
const CLOSED: readonly CaseStatus[] = ["Superseded", "Decided", "Rejected", "Quarantined", "Referred to SEND Adviser"];
/** At most this many lines in a message; the rest are in the Cases list. */
const MAX_LINES = 50;

/**
 * `cases`: the open cases of `clusters` (the person's), one line each; for the partnership lead
 * (every cluster) also the cases no cluster has yet, first, hers to assign.
 */
export async function openCasesText(d: CommandDeps, clusters: number[]): Promise<string> {
  const p = d.partnership;
  if (!clusters.length) return "You are not a SEND Cluster Lead or the partnership lead here, so no cases come to you.";
  const today = toLocal(d.now()).date;
  const lines: string[] = [];
  let count = 0;
  // The partnership lead's: every cluster's, and the unassigned, in one read.
  const everyCluster = clusters.length === p.clusters.length;
  const all = everyCluster ? await recentCases(d.cases, null, today) : null;
  for (const id of everyCluster ? [null, ...clusters] : clusters) {
    // The last year's cases: one still open after that is the lead's to chase by hand.
    const open = (all ? all.filter((c) => (c.fields.Cluster ?? null) === id) : await recentCases(d.cases, id, today))
      .filter((c) => !CLOSED.includes(c.fields.Status))
      .sort((a, b) => a.fields.Title.localeCompare(b.fields.Title));
    if (id === null && open.length) lines.push(`No cluster yet (${open.length}): assign each with **Move to cluster** on its card.`);
    count += open.length;
    for (const c of open) {
      const f = c.fields;
      const left = f.AckDueBy ? workingDaysBetween(today, f.AckDueBy.slice(0, 10)) : null;
      const ack = f.AcknowledgedAt
        ? "acknowledged"
        : left === null
          ? "no acknowledgement date"
          : left < 0
            ? `acknowledgement overdue by ${-left} working day(s)`
            : `${left} working day(s) to acknowledge`;
      lines.push(
        `- **${f.Title}** ${f.School ? plainText(f.School) : "school not identified"}: ${f.Status}; ${f.MeetingDate ? `meeting ${describeLocal(new Date(f.MeetingDate))}` : "no meeting yet"}; ${ack}`,
      );
    }
  }
  const who = everyCluster ? "every cluster and without one" : clusters.map((id) => clusterName(p, id)).join(", ");
  if (!count) return `No open cases in ${who}.`;
  return [
    `Open cases in ${who} (${count}). Type **case <reference>** to see a case's card.`,
    ...lines.slice(0, MAX_LINES),
    lines.length > MAX_LINES ? `…and ${lines.length - MAX_LINES} more in the Cases list.` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

/** `budget`: one message, a line a cluster, from one read of the year's decisions. */
export async function budgetText(d: CommandDeps, clusters: number[]): Promise<string> {
  const p = d.partnership;
  const today = toLocal(d.now()).date;
  const year = await yearDecisions(d.cases, today, clusters.length === 1 ? clusters[0] : undefined);
  return clusters
    .map((id) => {
      const c = p.clusters.find((x) => x.id === id)!;
      const o = budgetOverview(
        p,
        c,
        year.filter((x) => x.fields.Cluster === id),
        today,
      );
      return `${ClusterName(p, id)}: ${o.text}.`;
    })
    .join("\n\n");
}

/** `report` with no term: how to ask, with this academic year's terms. */
export function whichTermText(now: Date): string {
  const start = Number(academicYearOf(toLocal(now).date).slice(0, 4));
  return `Which term? Write **report** and the term: report autumn-${start}, report spring-${start + 1} or report summer-${start + 1}.`;
}

/**
 * `contingency`: the contingency fund's ledger for this academic year (Southampton, seed 004: "the
 * remaining percentage will form the Contingency Fund"), with each award from it: references and
 * clusters only, never a school (cases are anonymised there).
 */
export async function contingencyText(d: CommandDeps): Promise<string> {
  const p = d.partnership;
  if (!p.allocation) return `The ${p.shortName} holds no contingency fund.`;
  const today = toLocal(d.now()).date;
  const ledger = await contingencyNow(d, today);
  return [
    `**${ledger.text}.**`,
    ...(ledger.cases.length
      ? ledger.cases
          .sort((a, b) => (a.fields.DecisionAt ?? "").localeCompare(b.fields.DecisionAt ?? ""))
          .map(
            (c) =>
              `- ${c.fields.Title} (${c.fields.Cluster != null ? clusterName(p, c.fields.Cluster) : "no cluster"}): ${formatPounds(c.fields.AmountAwarded ?? 0)}, decided ${c.fields.DecisionAt ? describeLocal(new Date(c.fields.DecisionAt)) : ""}`,
          )
      : ["No awards from the fund yet this year."]),
  ].join("\n");
}
