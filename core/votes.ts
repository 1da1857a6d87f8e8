/**
 * Votes in the cluster meeting (seed 000: "cases are presented/discussed with decisions made via a
 * vote"; seed 001: "transparent calculations ... with the level of funding confirmed immediately").
 * Pure: who may vote, the outcome by the configured rule, and the award with its calculation.
 */
import type { Cluster, Partnership, School } from "./config.js";
import { fundingCap, formatPounds, type FundingResult } from "./funding.js";
import { resolveRota } from "./rota.js";

export type VoteChoice = "agree" | "disagree" | "abstain";
export const CHOICE_LABEL: Record<VoteChoice, string> = { agree: "Agree to fund", disagree: "Do not fund (alternative support)", abstain: "Abstain" };

export interface Voter {
  email: string;
  role: "SENDCo" | "HT representative";
  school: string;
}

/**
 * SENDCos of the cluster's schools and the meeting's HT representative, except the presenting
 * school's own people.
 */
export function eligibleVoters(p: Partnership, c: Cluster, meetingDate: string | null, presentingSchool: string | null): Voter[] {
  const out: Voter[] = [];
  const presenting = (s: School) => presentingSchool !== null && s.name === presentingSchool;
  for (const s of c.schools) {
    if (s.sendcoEmail && !presenting(s)) out.push({ email: s.sendcoEmail.toLowerCase(), role: "SENDCo", school: s.name });
  }
  const rep = meetingDate ? resolveRota(p, c).assignments.find((a) => a.meeting.date === meetingDate)?.school : undefined;
  if (rep?.headteacherEmail && !presenting(rep)) out.push({ email: rep.headteacherEmail.toLowerCase(), role: "HT representative", school: rep.name });
  const seen = new Set<string>();
  return out.filter((v) => !seen.has(v.email) && seen.add(v.email));
}

export interface Tally {
  agree: number;
  disagree: number;
  abstain: number;
  total: number;
}

export function tally(votes: { choice: VoteChoice }[]): Tally {
  const t = { agree: 0, disagree: 0, abstain: 0, total: votes.length };
  for (const v of votes) t[v.choice]++;
  return t;
}

export type VoteOutcome = { decision: "Agree to fund" | "Do not fund (alternative support)" | "No decision"; reason: string };

export function outcome(p: Partnership, t: Tally): VoteOutcome {
  const { quorum, rule } = p.votes;
  if (t.total < quorum) return { decision: "No decision", reason: `${t.total} vote(s) cast; ${quorum} are needed` };
  const deciding = t.agree + t.disagree;
  if (!deciding) return { decision: "No decision", reason: "everyone abstained" };
  const carried = rule === "majority" ? t.agree > t.disagree : t.agree * 3 >= deciding * 2;
  const how = rule === "majority" ? "a majority of those voting" : "two thirds of those voting";
  return carried
    ? { decision: "Agree to fund", reason: `${t.agree} agree, ${t.disagree} do not, ${t.abstain} abstain: carried by ${how}` }
    : { decision: "Do not fund (alternative support)", reason: `${t.agree} agree, ${t.disagree} do not, ${t.abstain} abstain: not carried by ${how}` };
}

export interface Decision extends VoteOutcome {
  award: number;
  funding: FundingResult | null;
  lines: string[];
}

/** The decision and the award, the calculation line by line. */
export function decide(p: Partnership, t: Tally, c: { cyp: number; terms: number; meetingDate: string; panelAmount: number }): Decision {
  const o = outcome(p, t);
  if (o.decision !== "Agree to fund") return { ...o, award: 0, funding: null, lines: [`Vote: ${o.reason}`, "Award: £0"] };
  const f = fundingCap(p, { cyp: c.cyp, terms: c.terms, date: c.meetingDate, requested: c.panelAmount });
  return { ...o, award: f.award!, funding: f, lines: [`Vote: ${o.reason}`, ...f.lines, `Award: ${formatPounds(f.award!)}`] };
}
