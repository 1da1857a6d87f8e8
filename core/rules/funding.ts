/**
 * Funding limits: the most the partnership can award a case, from the policy in force on the date
 * the case is decided (the meeting date), the number of children and young people (CYP) and the
 * terms sought. Amounts are whole pounds.
 */
import type { FundingBand, FundingPolicy, Partnership, ReferralType } from "../config.js";
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
  /** The referral type (its funding: per-term limits, a project's lump sum, or none); absent: limits. */
  type?: ReferralType;
}

export interface FundingResult {
  date: LocalDate;
  policy: { id: string; label: string; kind: FundingPolicy["kind"]; source?: string; example?: true };
  /** The per-term band; null when the policy has none (as agreed, trial) or the type is not funded by terms. */
  band: { label: string; minCyp: number; maxCyp: number | null; perTerm: number } | null;
  caseType: "Individual" | "Group";
  cyp: number;
  terms: number;
  /** The most that can be awarded; null: no limit (the award is what the meeting agrees). */
  cap: number | null;
  /** The limit in words for cards: "£5,000", "no limit: as agreed", "£0: trial term". */
  capText: string;
  requested: number | null;
  award: number | null;
  /** The calculation, line by line, as the cluster sees it in the meeting. */
  lines: string[];
}

export function formatPounds(amount: number): string {
  return `£${amount.toLocaleString("en-GB", { maximumFractionDigits: 2, minimumFractionDigits: Number.isInteger(amount) ? 0 : 2 })}`;
}

/** Written after an example policy's limits wherever a person reads them. */
export const EXAMPLE_MARK = " (example limits, not the council's)";

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
  const type = q.type;
  const head = `Policy in force on ${describeDate(q.date)}: ${policy.label}${policy.example ? EXAMPLE_MARK : ""}`;
  let band: FundingBand | null = null;
  let cap: number | null;
  let capText: string;
  const lines = [head];
  if (type?.funding === "none") {
    cap = 0;
    capText = "£0: no funding (discussion)";
    lines.push(`${type.label}: a discussion, no funding`);
  } else if (policy.kind === "trial") {
    cap = 0;
    capText = "£0: trial term";
    lines.push("Trial term: the model runs without funding; every award is £0");
  } else if (type?.funding === "lump-sum") {
    cap = type.lumpSumCap ?? null;
    capText = cap === null ? "no limit: as agreed" : formatPounds(cap);
    lines.push(`${type.label}: a lump sum${cap === null ? " as agreed" : ` up to ${formatPounds(cap)}`}, paid to the lead school`);
  } else if (policy.kind === "as-agreed") {
    cap = null;
    capText = "no limit: as agreed";
    lines.push(`No per-term limit: the award is the amount agreed`);
  } else {
    band = bandFor(policy, q.cyp);
    cap = band.perTerm * q.terms;
    capText = formatPounds(cap);
    lines.push(
      `${q.cyp} CYP: ${band.label}, ${formatPounds(band.perTerm)} per term`,
      `Limit: ${formatPounds(band.perTerm)} × ${q.terms} ${q.terms === 1 ? "term" : "terms"} = ${formatPounds(cap)}`,
    );
  }
  let award: number | null = null;
  if (q.requested !== undefined) {
    award = cap === null ? q.requested : Math.min(q.requested, cap);
    lines.push(
      cap === null
        ? `Agreed ${formatPounds(q.requested)}: award ${formatPounds(award)}`
        : q.requested > cap
          ? `Requested ${formatPounds(q.requested)} is above the limit: award ${formatPounds(award)}`
          : `Requested ${formatPounds(q.requested)} is within the limit: award ${formatPounds(award)}`,
    );
    if (award > 0 && policy.split === "equal-over-terms" && type?.funding !== "lump-sum" && q.terms > 1) lines.push(splitLine(award, q.terms));
  }
  if (policy.example && cap !== null && cap > 0) capText += EXAMPLE_MARK;
  return {
    date: q.date,
    policy: {
      id: policy.id,
      label: policy.label,
      kind: policy.kind,
      ...(policy.source ? { source: policy.source } : {}),
      ...(policy.example ? { example: true } : {}),
    },
    band: band ? { label: band.label, minCyp: band.minCyp, maxCyp: band.maxCyp, perTerm: band.perTerm } : null,
    caseType: q.cyp === 1 ? "Individual" : "Group",
    cyp: q.cyp,
    terms: q.terms,
    cap,
    capText,
    requested: q.requested ?? null,
    award,
    lines,
  };
}

/**
 * "Paid over 3 terms: £1,333.34, £1,333.33, £1,333.33": the award in equal parts, to the penny,
 * the first parts taking the pennies left over.
 */
export function splitLine(award: number, terms: number): string {
  const pence = Math.round(award * 100);
  const base = Math.floor(pence / terms);
  const parts = Array.from({ length: terms }, (_, i) => (base + (i < pence - base * terms ? 1 : 0)) / 100);
  return `Paid over ${terms} terms in equal parts: ${parts.map(formatPounds).join(", ")}`;
}
