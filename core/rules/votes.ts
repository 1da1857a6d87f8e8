/**
 * Votes in the cluster meeting (seed 000: "cases are presented/discussed with decisions made via a
 * vote"; seed 001: "transparent calculations ... with the level of funding confirmed immediately").
 * Pure: who may vote, the outcome by the configured rule, and the award with its calculation.
 */
import { clusterMeetingKind, type Cluster, type MeetingKind, type Partnership, type ReferralType, type School } from "../config.js";
import { fundingCap, formatPounds, type FundingResult } from "./funding.js";
import { resolveRota } from "./rota.js";

export type VoteChoice = "agree" | "disagree" | "abstain";
export const CHOICE_LABEL: Record<VoteChoice, string> = { agree: "Agree to fund", disagree: "Do not fund (alternative support)", abstain: "Abstain" };

export interface Voter {
  email: string;
  /** "SENDCo", "HT representative", the lead's title, or a role's title. */
  role: string;
  /** The school they vote for (cluster members); null for leads and officers. */
  school: string | null;
}

/**
 * Who votes at a meeting of `kind` (config meetingKinds[].voters), except the presenting school's
 * own people: the cluster's SENDCos and its meeting's HT representative (a cluster meeting), the
 * leads, the partnership lead, or a role's holders (a borough or city meeting). Without a kind,
 * the cluster's own meeting kind's voters.
 */
export function eligibleVoters(p: Partnership, c: Cluster, meetingDate: string | null, presentingSchool: string | null, kind?: MeetingKind): Voter[] {
  const k = kind ?? clusterMeetingKind(p, c);
  const groups = k?.voters ?? ["cluster-sendcos", "ht-rep"];
  const out: Voter[] = [];
  const presenting = (s: School) => presentingSchool !== null && s.name === presentingSchool;
  const wide = k?.scope === "partnership";
  for (const g of groups) {
    if (g === "cluster-sendcos") {
      for (const s of c.schools) if (s.sendcoEmail && !presenting(s)) out.push({ email: s.sendcoEmail.toLowerCase(), role: "SENDCo", school: s.name });
    } else if (g === "ht-rep") {
      const rep = meetingDate ? resolveRota(p, c).assignments.find((a) => a.meeting.date === meetingDate)?.school : undefined;
      if (rep?.headteacherEmail && !presenting(rep)) out.push({ email: rep.headteacherEmail.toLowerCase(), role: "HT representative", school: rep.name });
    } else if (g === "leads") {
      for (const l of p.leads) out.push({ email: l.email.toLowerCase(), role: p.leadTitle, school: null });
    } else if (g === "partnership-lead") {
      out.push({ email: p.partnershipLead.email.toLowerCase(), role: p.partnershipLead.role ?? "partnership lead", school: null });
    } else {
      const role = p.roles.find((r) => r.id === g);
      for (const h of role?.people ?? []) {
        // At a partnership-wide meeting every holder votes; at a cluster's, those for that cluster.
        if (wide || !h.clusters || h.clusters.includes(c.id)) out.push({ email: h.email.toLowerCase(), role: role!.title, school: null });
      }
    }
  }
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
export function decide(p: Partnership, t: Tally, c: { cyp: number; terms: number; meetingDate: string; panelAmount: number; type?: ReferralType }): Decision {
  const o = outcome(p, t);
  if (o.decision !== "Agree to fund") return { ...o, award: 0, funding: null, lines: [`Vote: ${o.reason}`, "Award: £0"] };
  const f = fundingCap(p, { cyp: c.cyp, terms: c.terms, date: c.meetingDate, requested: c.panelAmount, ...(c.type ? { type: c.type } : {}) });
  return { ...o, award: f.award!, funding: f, lines: [`Vote: ${o.reason}`, ...f.lines, `Award: ${formatPounds(f.award!)}`] };
}
