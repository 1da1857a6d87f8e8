/**
 * The lead's work with schools before a form (issue 33; seed 001's "School Engagement" table, seed
 * 000's steps 4a and 4b): the kinds of contact a partnership records, reading `contact <school>
 * <kind> [date]`, the engagement table for a period, and the schools nobody has reached.
 */
import { normaliseName, REGISTER_MEASURES, type Partnership, type RegisterMeasure } from "../config.js";
import type { AttendanceRecord, EngagementRecord, StoredCase } from "../ports.js";
import { matchSchool } from "./subject.js";
import { addDays, describeDate, isLocalDate, toLocal, type LocalDate } from "./time.js";

export interface ContactKind {
  id: string;
  label: string;
}

/** A partnership that says nothing: the measures seed 001 counts, worded for any partnership. */
export const ENGAGEMENT_DEFAULT: { kinds: ContactKind[]; table: string[] } = {
  kinds: [
    { id: "familiarity", label: "Cluster familiarity meeting or visit" },
    { id: "information", label: "Contacted the lead for information or clarification" },
    { id: "informal", label: "Contacted the lead to discuss cases informally" },
    { id: "form-support", label: "Contacted the lead for support to complete forms" },
    { id: "presentation-support", label: "Contacted the lead for case presentation support" },
    { id: "visit", label: "Visited by the lead this term" },
  ],
  table: ["familiarity", "information", "informal", "form-support", "form-submitted", "presentation-support", "presented-awarded", "visit"],
};

const REGISTER_LABELS: Record<RegisterMeasure, string> = {
  "form-submitted": "Submitted a presentation form",
  "presented-awarded": "Presented a case during a meeting and awarded funding",
};

/** The partnership's kinds and its table's columns (kinds, then the register's measures, unless it orders them). */
export function engagementOf(p: Partnership): { kinds: ContactKind[]; table: string[] } {
  if (!p.engagement) return ENGAGEMENT_DEFAULT;
  return { kinds: p.engagement.kinds, table: p.engagement.table ?? [...p.engagement.kinds.map((k) => k.id), ...REGISTER_MEASURES] };
}

export function measureLabel(p: Partnership, id: string): string {
  return (REGISTER_LABELS as Record<string, string>)[id] ?? engagementOf(p).kinds.find((k) => k.id === id)?.label ?? id;
}

/** Every school of the partnership once (a school in two clusters is one school), with its clusters. */
export function partnershipSchools(p: Partnership): Map<string, { name: string; clusters: number[] }> {
  const out = new Map<string, { name: string; clusters: number[] }>();
  for (const c of p.clusters)
    for (const s of c.schools) {
      const key = normaliseName(s.name);
      const have = out.get(key);
      if (have) have.clusters.push(c.id);
      else out.set(key, { name: s.name, clusters: [c.id] });
    }
  return out;
}

export type ContactReading = { ok: true; record: Omit<EngagementRecord, "by"> } | { ok: false; message: string };

/**
 * `contact Bedfont informal`, `contact Worple Primary form support 2026-11-30`: the school (matched
 * as a subject line's is), the kind (its id, words for hyphens) and the day (a date, "today" or
 * "yesterday"; today when absent). `mayRecord` says which clusters' schools the person may record.
 */
export function readContact(p: Partnership, text: string, today: LocalDate, mayRecord: (clusterId: number) => boolean): ContactReading {
  const { kinds } = engagementOf(p);
  const kindList = kinds.map((k) => `**${k.id}** (${k.label})`).join(", ");
  const words = text.trim().split(/\s+/).filter(Boolean);
  let date = today;
  const last = words.at(-1)?.toLowerCase();
  if (last === "today" || last === "yesterday" || (last && /^\d{4}-\d{2}-\d{2}$/.test(last))) {
    words.pop();
    date = last === "today" ? today : last === "yesterday" ? addDays(today, -1) : last;
    if (!isLocalDate(date)) return { ok: false, message: `"${last}" is not a date: write it like 2026-11-30.` };
    if (date > today) return { ok: false, message: "A contact is recorded on or after the day it happened, not before." };
    if (date < addDays(today, -366)) return { ok: false, message: "Contacts more than a year old are not recorded." };
  }
  let kind: ContactKind | undefined;
  for (let n = Math.min(3, words.length - 1); n >= 1 && !kind; n--) {
    const id = words.slice(-n).join("-").toLowerCase();
    kind = kinds.find((k) => k.id === id);
    if (kind) words.splice(-n, n);
  }
  if (!kind || !words.length) return { ok: false, message: `Write \`contact <school> <kind> [date]\`, the kind one of: ${kindList}.` };
  const schoolText = words.join(" ");
  let m = matchSchool(p, schoolText);
  // A part of a name ("Worple") is matched within the person's own clusters, as a subject line's is within its cluster.
  for (const c of p.clusters.filter((x) => mayRecord(x.id))) {
    if (m.kind !== "none") break;
    const inCluster = matchSchool(p, schoolText, c.id);
    if (inCluster.kind === "found") m = inCluster;
  }
  if (m.kind === "ambiguous")
    return { ok: false, message: `"${schoolText}" could be ${m.candidates.map((c) => c.school.name).join(" or ")}: write more of its name.` };
  if (m.kind === "none")
    return {
      ok: false,
      message: `No school of the partnership is called "${schoolText}"${m.suggestions.length ? `: did you mean ${m.suggestions.map((c) => c.school.name).join(" or ")}?` : "."}`,
    };
  const clusters = partnershipSchools(p).get(normaliseName(m.school.name))?.clusters ?? [m.cluster.id];
  const clusterId = clusters.find(mayRecord);
  if (clusterId === undefined)
    return { ok: false, message: `${m.school.name} is not a school of your clusters, so its contacts are its own lead's to record.` };
  return { ok: true, record: { school: m.school.name, clusterId, kind: kind.id, date } };
}

export interface EngagementTable {
  /** The partnership's schools, each once. */
  schools: number;
  measures: { id: string; label: string; schools: number; pct: number }[];
  /** Schools whose SENDCo attended a cluster meeting, by month, of the schools of clusters that met that month. */
  attendance: { month: string; label: string; schools: number; of: number; pct: number }[];
}

const pct = (n: number, of: number) => (of ? Math.round((n / of) * 1000) / 10 : 0);
const dateOf = (iso: string | null | undefined) => (iso ? toLocal(new Date(iso)).date : null);
const within = (d: string | null, from: LocalDate, to: LocalDate) => d !== null && d >= from && d <= to;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/**
 * Seed 001's table for a period: per measure, how many of the partnership's schools (each once,
 * however many contacts of a kind it had); "submitted a form" and "presented and awarded" from the
 * register; attendance per month from the Attendance list.
 */
export function engagementTable(
  p: Partnership,
  period: { from: LocalDate; to: LocalDate },
  contacts: EngagementRecord[],
  cases: StoredCase[],
  attendance: AttendanceRecord[],
): EngagementTable {
  const all = partnershipSchools(p);
  const known = (name: string | null | undefined) => (name && all.has(normaliseName(name)) ? normaliseName(name) : null);
  const distinct = (names: (string | null | undefined)[]) => new Set(names.map(known).filter((x): x is string => x !== null)).size;
  const inPeriod = contacts.filter((c) => within(c.date, period.from, period.to));
  const measures = engagementOf(p).table.map((id) => {
    let schools: number;
    if (id === "form-submitted")
      schools = distinct(
        cases.filter((c) => c.fields.Status !== "Quarantined" && within(dateOf(c.fields.ReceivedAt), period.from, period.to)).map((c) => c.fields.School),
      );
    else if (id === "presented-awarded")
      schools = distinct(
        cases.filter((c) => c.fields.Decision === "Agree to fund" && within(dateOf(c.fields.DecisionAt), period.from, period.to)).map((c) => c.fields.School),
      );
    else schools = distinct(inPeriod.filter((c) => c.kind === id).map((c) => c.school));
    return { id, label: measureLabel(p, id), schools, pct: pct(schools, all.size) };
  });
  const byMonth = new Map<string, AttendanceRecord[]>();
  for (const a of attendance.filter((x) => within(x.date, period.from, period.to)))
    byMonth.set(a.date.slice(0, 7), [...(byMonth.get(a.date.slice(0, 7)) ?? []), a]);
  const months = [...byMonth.keys()].sort().map((month) => {
    const rows = byMonth.get(month)!;
    const met = new Set(rows.map((r) => r.clusterId));
    const of = new Set([...all.entries()].filter(([, s]) => s.clusters.some((c) => met.has(c))).map(([k]) => k)).size;
    const schools = distinct(rows.filter((r) => r.attended).map((r) => r.school));
    return { month, label: MONTHS[Number(month.slice(5)) - 1]!, schools, of, pct: pct(schools, of) };
  });
  return { schools: all.size, measures, attendance: months };
}

/** Schools of `clusters` with no contact, no form and no SENDCo at a meeting in the period; and the partnership's engaged share. */
export function notEngaged(
  p: Partnership,
  clusters: number[],
  contacts: EngagementRecord[],
  cases: StoredCase[],
  attendance: AttendanceRecord[],
): { schools: { name: string; clusters: number[] }[]; engagedPct: number } {
  const engaged = new Set([
    ...contacts.map((c) => normaliseName(c.school)),
    ...cases.filter((c) => c.fields.School).map((c) => normaliseName(c.fields.School!)),
    ...attendance.filter((a) => a.attended).map((a) => normaliseName(a.school)),
  ]);
  const all = partnershipSchools(p);
  const count = [...all.keys()].filter((k) => engaged.has(k)).length;
  const schools = [...all.entries()].filter(([k, s]) => !engaged.has(k) && s.clusters.some((c) => clusters.includes(c))).map(([, s]) => s);
  return { schools: schools.sort((a, b) => a.name.localeCompare(b.name)), engagedPct: Math.round((count / Math.max(1, all.size)) * 100) };
}

/** "since Tuesday 1 September 2026". */
export const sinceText = (from: LocalDate) => `since ${describeDate(from)}`;
