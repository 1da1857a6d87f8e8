/**
 * The partnership's annual funding shared out (Southampton, seed 004): "the Total Annual Funding
 * allocated to each Cluster will then be based on the characteristics of the setting in each
 * cluster ... The remaining percentage will form the Contingency Fund". Here: the contingency
 * share is held back, the rest shared by pupil numbers, in whole pounds that add up exactly
 * (largest remainders), each line of the calculation shown. Pure.
 */
import { clusterName, referralType, type Cluster, type Partnership } from "../config.js";
import { formatPounds } from "./funding.js";
import type { StoredCase } from "../ports.js";
import { academicYearOf } from "./planner.js";
import { toLocal, type LocalDate } from "./time.js";

export interface Allocation {
  year: string;
  total: number;
  contingency: number;
  shared: number;
  pupils: number;
  clusters: { id: number; pupils: number; amount: number }[];
  /** The calculation, line by line. */
  lines: string[];
}

const percent = (x: number) => `${(x * 100).toLocaleString("en-GB", { maximumFractionDigits: 2 })}%`;

export function allocationFor(p: Partnership, year: string): Allocation | null {
  const a = p.allocation;
  const total = a?.totals[year];
  if (!a || total === undefined) return null;
  // Shared in whole pounds (a total edited in the Budgets list may carry pence: they stay unshared).
  const whole = Math.floor(total);
  const contingency = Math.round(whole * a.contingencyShare);
  const shared = whole - contingency;
  const pupils = p.clusters.reduce((n, c) => n + (c.pupils ?? 0), 0);
  // Whole pounds by largest remainder: the clusters' amounts add up to `shared` exactly.
  const exact = p.clusters.map((c) => ({ id: c.id, pupils: c.pupils ?? 0, raw: pupils ? (shared * (c.pupils ?? 0)) / pupils : 0 }));
  const floors = exact.map((e) => ({ ...e, amount: Math.floor(e.raw) }));
  let left = shared - floors.reduce((n, e) => n + e.amount, 0);
  for (const e of [...floors].sort((x, y) => y.raw - Math.floor(y.raw) - (x.raw - Math.floor(x.raw)) || x.id - y.id)) {
    if (left <= 0) break;
    e.amount++;
    left--;
  }
  const clusters = floors.map(({ id, pupils: n, amount }) => ({ id, pupils: n, amount }));
  return {
    year,
    total,
    contingency,
    shared,
    pupils,
    clusters,
    lines: [
      `Total annual funding ${year}: ${formatPounds(total)}`,
      `Contingency fund (${percent(a.contingencyShare)}): ${formatPounds(contingency)}`,
      `Shared by pupil numbers: ${formatPounds(shared)} over ${pupils.toLocaleString("en-GB")} pupils`,
      ...clusters.map(
        (c) =>
          `${clusterName(p, c.id).replace(/^./, (x) => x.toUpperCase())}: ${c.pupils.toLocaleString("en-GB")} pupils (${percent(pupils ? c.pupils / pupils : 0)}) = ${formatPounds(c.amount)}`,
      ),
    ],
  };
}

/** A cluster's budget for a year: the Budgets list's or the config's (`budgets`), else its share of the allocation. */
export function clusterBudget(p: Partnership, c: Cluster, year: string): number | null {
  return c.budgets[year] ?? allocationFor(p, year)?.clusters.find((x) => x.id === c.id)?.amount ?? null;
}

/** Whether a case's award is paid from the contingency fund (its type's deciding stage says so). */
export function fromContingency(p: Partnership, c: StoredCase): boolean {
  const t = referralType(p, c.fields.ReferralType);
  return t.stages[t.stages.length - 1]!.fund === "contingency";
}

export interface Ledger {
  year: string;
  allocated: number | null;
  committed: number;
  remaining: number | null;
  text: string;
}

/** The contingency fund's ledger for the academic year holding `on`: allocated, committed, remaining. */
export function contingencyLedger(p: Partnership, cases: StoredCase[], on: LocalDate): Ledger {
  const year = academicYearOf(on);
  const allocated = allocationFor(p, year)?.contingency ?? null;
  const committed = cases
    .filter(
      (x) =>
        fromContingency(p, x) && x.fields.Status === "Decided" && x.fields.DecisionAt && academicYearOf(toLocal(new Date(x.fields.DecisionAt)).date) === year,
    )
    .reduce((n, x) => n + (x.fields.AmountAwarded ?? 0), 0);
  if (allocated === null)
    return {
      year,
      allocated,
      committed,
      remaining: null,
      text: `Contingency fund ${year}: ${formatPounds(committed)} committed; no total funding is set for ${year}`,
    };
  return {
    year,
    allocated,
    committed,
    remaining: allocated - committed,
    text: `Contingency fund ${year}: ${formatPounds(allocated)} allocated, ${formatPounds(committed)} committed, ${formatPounds(allocated - committed)} remaining`,
  };
}
