/**
 * Funding limits: the most the partnership can award a case, from the policy in force on the date
 * the case is decided (the meeting date), the number of children and young people (CYP) and the
 * terms sought. Amounts are whole pounds.
 */
import type { FundingBand, FundingPolicy, Partnership } from "./config.js";
import { describeDate, isLocalDate, type LocalDate } from "./time.js";

export class FundingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FundingInputError";
  }
}

export interface FundingQuery {
  cyp: number;
  terms: number;
  /** The date the case is decided (London), YYYY-MM-DD. */
  date: LocalDate;
  /** What the school asked for or the panel agreed; the award is this, capped. */
  requested?: number;
}

export interface FundingResult {
  date: LocalDate;
  policy: { id: string; label: string; kind: FundingPolicy["kind"]; source?: string };
  band: { label: string; minCyp: number; maxCyp: number | null; perTerm: number };
  caseType: "Individual" | "Group";
  cyp: number;
  terms: number;
  cap: number;
  requested: number | null;
  award: number | null;
  /** The calculation, line by line, as the cluster sees it in the meeting. */
  lines: string[];
}

export function formatPounds(amount: number): string {
  return `£${amount.toLocaleString("en-GB", { maximumFractionDigits: 2, minimumFractionDigits: Number.isInteger(amount) ? 0 : 2 })}`;
}

export function policyInForce(p: Partnership, date: LocalDate): FundingPolicy | undefined {
  return p.fundingPolicies.find((f) => f.from <= date && (f.to === null || date <= f.to));
}

export function bandFor(policy: FundingPolicy, cyp: number): FundingBand {
  const band = policy.bands.find((b) => b.minCyp <= cyp && (b.maxCyp === null || cyp <= b.maxCyp));
  // The schema makes the bands cover 1..infinity, so a positive count always has one.
  if (!band) throw new FundingInputError(`no band of ${policy.id} covers ${cyp} CYP`);
  return band;
}

export function fundingCap(p: Partnership, q: FundingQuery): FundingResult {
  if (!Number.isInteger(q.cyp) || q.cyp < 1) {
    throw new FundingInputError(`the number of children and young people must be a whole number of at least 1, not ${q.cyp}`);
  }
  if (!isLocalDate(q.date)) throw new FundingInputError(`"${q.date}" is not a date written YYYY-MM-DD`);
  const policy = policyInForce(p, q.date);
  if (!policy) {
    const first = [...p.fundingPolicies].sort((a, b) => a.from.localeCompare(b.from))[0];
    throw new FundingInputError(
      `no funding policy of the ${p.shortName} is in force on ${q.date}${first && q.date < first.from ? `: the first starts on ${first.from}` : ""}`,
    );
  }
  if (!Number.isInteger(q.terms) || q.terms < 1 || q.terms > policy.maxTerms) {
    throw new FundingInputError(`terms sought must be a whole number from 1 to ${policy.maxTerms} under ${policy.label}, not ${q.terms}`);
  }
  if (q.requested !== undefined && (!Number.isFinite(q.requested) || q.requested < 0)) {
    throw new FundingInputError(`the amount requested must be a sum of money of £0 or more, not ${q.requested}`);
  }
  const band = bandFor(policy, q.cyp);
  const cap = band.perTerm * q.terms;
  const lines = [
    `Policy in force on ${describeDate(q.date)}: ${policy.label}`,
    `${q.cyp} CYP: ${band.label}, ${formatPounds(band.perTerm)} per term`,
    `Limit: ${formatPounds(band.perTerm)} × ${q.terms} ${q.terms === 1 ? "term" : "terms"} = ${formatPounds(cap)}`,
  ];
  let award: number | null = null;
  if (q.requested !== undefined) {
    award = Math.min(q.requested, cap);
    lines.push(
      q.requested > cap
        ? `Requested ${formatPounds(q.requested)} is above the limit: award ${formatPounds(award)}`
        : `Requested ${formatPounds(q.requested)} is within the limit: award ${formatPounds(award)}`,
    );
  }
  return {
    date: q.date,
    policy: { id: policy.id, label: policy.label, kind: policy.kind, ...(policy.source ? { source: policy.source } : {}) },
    band: { label: band.label, minCyp: band.minCyp, maxCyp: band.maxCyp, perTerm: band.perTerm },
    caseType: q.cyp === 1 ? "Individual" : "Group",
    cyp: q.cyp,
    terms: q.terms,
    cap,
    requested: q.requested ?? null,
    award,
    lines,
  };
}
