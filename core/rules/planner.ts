/**
 * The academic-year planner: every cluster's meetings for a year from its regular slot, at the
 * partnership's cadence, inside term time; each submission deadline by the partnership's rule,
 * moved to an earlier school day when it falls on a weekend, a bank holiday or a holiday (as the
 * June 2023 deadlines were for half-term); and the HT representative rota assigned from the
 * cluster's rota list, with gaps and clashes reported. Pure.
 *
 * Term dates come from the config (`calendar.terms`, per academic year). Where the council's
 * dates are not there, England's usual pattern is used and the plan says the dates are proposed:
 * - autumn: the first Monday on or after 1 September to the last weekday on or before 19 December;
 *   half-term the week (Monday to Friday) holding the last Monday of October;
 * - spring: the first Monday on or after 4 January to the last weekday before Good Friday;
 *   half-term the week holding the third Monday of February;
 * - summer: the Monday two weeks after Easter Monday to the last weekday on or before 22 July;
 *   half-term the week holding the late May bank holiday (the last Monday of May).
 */
import { clusterMeetingKind, clusterName, type Cluster, type MeetingKind, type Partnership } from "../config.js";
import type { PublishedMeeting } from "./schedule.js";
import { addDays, isoWeekday, type LocalDate, type LocalTime } from "./time.js";
import { bankHolidayName, bankHolidays, isWorkingDay } from "./workingDays.js";

export type TermName = "autumn" | "spring" | "summer";
export interface Term {
  name: TermName;
  start: LocalDate;
  end: LocalDate;
  halfTerm: { start: LocalDate; end: LocalDate };
}

export interface PlannedMeeting {
  /** 0 for a partnership-wide meeting (a borough or city decision meeting; see `kind`). */
  clusterId: number;
  /** The meeting kind (meetingKinds[].id). */
  kind?: string;
  date: LocalDate;
  start: LocalTime;
  term: TermName;
  deadline: { date: LocalDate; time: LocalTime; note?: string };
  /** The HT representative's school (its short name as the rota gives it), if the rota has one. */
  htRep: string | null;
}

export interface YearPlan {
  year: string;
  /** "config": the council's dates; "default-england": the usual pattern, to be checked. */
  termSource: "config" | "default-england";
  terms: Term[];
  cadence: MeetingKind["cadence"];
  meetings: PlannedMeeting[];
  /** What an officer should look at: gaps and clashes in the rota, clusters with no regular slot. */
  notes: string[];
}

export class PlanInputError extends Error {}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5 };

/** "2026-27" → 2026; anything else is refused. */
export function academicYearStart(year: string): number {
  const m = /^(\d{4})-(\d{2})$/.exec(year);
  if (!m || (Number(m[1]) + 1) % 100 !== Number(m[2])) throw new PlanInputError(`"${year}" is not an academic year: write it like 2026-27`);
  return Number(m[1]);
}

export const nextAcademicYear = (year: string) => {
  const y = academicYearStart(year) + 1;
  return `${y}-${String((y + 1) % 100).padStart(2, "0")}`;
};

/** The academic year a date falls in (1 August starts a new one). */
export function academicYearOf(date: LocalDate): string {
  const y = Number(date.slice(0, 4));
  const start = date.slice(5) >= "08-01" ? y : y - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, "0")}`;
}

const onOrAfter = (date: LocalDate, weekday: number) => {
  let d = date;
  while (isoWeekday(d) !== weekday) d = addDays(d, 1);
  return d;
};
const lastWeekdayOnOrBefore = (date: LocalDate) => {
  let d = date;
  while (isoWeekday(d) > 5) d = addDays(d, -1);
  return d;
};
/** The Monday-to-Friday week holding `monday`. */
const weekOf = (monday: LocalDate) => ({ start: monday, end: addDays(monday, 4) });
const lastMondayOf = (year: number, month: number) => {
  let d = addDays(`${year}-${String(month + 1).padStart(2, "0")}-01`, -1);
  if (month === 12) d = `${year}-12-31`;
  while (isoWeekday(d) !== 1) d = addDays(d, -1);
  return d;
};
function holiday(year: number, name: RegExp): LocalDate {
  for (const [d, n] of bankHolidays(year)) if (name.test(n)) return d;
  throw new PlanInputError(`no ${name.source} in ${year}`);
}

/** England's usual term dates for an academic year (see the header). */
export function defaultEnglandTerms(startYear: number): Term[] {
  const y2 = startYear + 1;
  const goodFriday = holiday(y2, /good friday/i);
  const easterMonday = holiday(y2, /easter monday/i);
  return [
    {
      name: "autumn",
      start: onOrAfter(`${startYear}-09-01`, 1),
      end: lastWeekdayOnOrBefore(`${startYear}-12-19`),
      halfTerm: weekOf(lastMondayOf(startYear, 10)),
    },
    {
      name: "spring",
      start: onOrAfter(`${y2}-01-04`, 1),
      end: lastWeekdayOnOrBefore(addDays(goodFriday, -1)),
      halfTerm: weekOf(addDays(onOrAfter(`${y2}-02-01`, 1), 14)),
    },
    { name: "summer", start: addDays(easterMonday, 14), end: lastWeekdayOnOrBefore(`${y2}-07-22`), halfTerm: weekOf(lastMondayOf(y2, 5)) },
  ];
}

export function termsFor(p: Partnership, year: string): { terms: Term[]; source: YearPlan["termSource"] } {
  const start = academicYearStart(year);
  const given = p.calendar.terms[year];
  if (given) return { source: "config", terms: (["autumn", "spring", "summer"] as const).map((name) => ({ name, ...given[name] })) };
  return { source: "default-england", terms: defaultEnglandTerms(start) };
}

/** A day the schools are open: a working day inside a term and outside its half-term. */
export function isSchoolDay(terms: Term[], date: LocalDate): boolean {
  if (!isWorkingDay(date)) return false;
  return terms.some((t) => date >= t.start && date <= t.end && !(date >= t.halfTerm.start && date <= t.halfTerm.end));
}

/**
 * The last school day on or before `date` (the council's terms, else England's usual pattern): a
 * review due, or its reminder, never falls on a weekend, a bank holiday or in the school holidays.
 */
export function schoolDayOnOrBefore(p: Partnership, date: LocalDate): LocalDate {
  let d = date;
  for (let i = 0; i < 120; i++, d = addDays(d, -1)) if (isSchoolDay(termsFor(p, academicYearOf(d)).terms, d)) return d;
  return date;
}

/** The day `n` school days after `date` (holidays, half-terms, weekends and bank holidays not counted). */
export function addSchoolDays(p: Partnership, date: LocalDate, n: number): LocalDate {
  let d = date;
  for (let left = n, guard = 0; left > 0 && guard < 800; guard++) {
    d = addDays(d, 1);
    if (isSchoolDay(termsFor(p, academicYearOf(d)).terms, d)) left--;
  }
  return d;
}

/** Why a day is not a school day (for the deadline's note). */
function closedBecause(terms: Term[], date: LocalDate): string {
  const bh = bankHolidayName(date);
  if (bh) return bh;
  if (isoWeekday(date) > 5) return "a weekend";
  if (terms.some((t) => date >= t.halfTerm.start && date <= t.halfTerm.end)) return "half-term";
  return "the school holidays";
}

/** The half-terms of a term as date ranges (for the half-termly cadence). */
function halves(t: Term): { start: LocalDate; end: LocalDate }[] {
  return [
    { start: t.start, end: addDays(t.halfTerm.start, -1) },
    { start: addDays(t.halfTerm.end, 1), end: t.end },
  ];
}

/** Days `from`..`to` inclusive. */
function days(from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The slot's weekday nearest the middle of a period that is a school day; null if none. */
function nearestMiddle(terms: Term[], period: { start: LocalDate; end: LocalDate }, weekday: number): LocalDate | null {
  const candidates = days(period.start, period.end).filter((d) => isoWeekday(d) === weekday && isSchoolDay(terms, d));
  if (!candidates.length) return null;
  const all = days(period.start, period.end);
  const middle = all[Math.floor(all.length / 2)]!;
  const dist = (d: LocalDate) => Math.abs(Date.parse(d) - Date.parse(middle));
  return candidates.reduce((a, b) => (dist(b) < dist(a) ? b : a));
}

/** The periods one meeting each goes in: calendar months in term time, half-terms, or terms. */
function periods(terms: Term[], cadence: YearPlan["cadence"]): { term: TermName; start: LocalDate; end: LocalDate }[] {
  // Twice a year: the first half of autumn and the second half of summer (Sutton's conferences).
  if (cadence === "twice-yearly") {
    const a = terms[0]!;
    const z = terms[terms.length - 1]!;
    return [
      { term: a.name, ...halves(a)[0]! },
      { term: z.name, ...halves(z)[1]! },
    ];
  }
  if (cadence === "termly") return terms.map((t) => ({ term: t.name, start: t.start, end: t.end }));
  if (cadence === "half-termly") return terms.flatMap((t) => halves(t).map((h) => ({ term: t.name, ...h })));
  // Monthly: calendar months from the first term's start to the last term's end (a month two
  // terms share, such as April around Easter, still has one meeting, in whichever term it falls).
  const out: { term: TermName; start: LocalDate; end: LocalDate }[] = [];
  const first = terms[0]!.start;
  const last = terms[terms.length - 1]!.end;
  for (let m = first.slice(0, 7); m <= last.slice(0, 7);) {
    const start = `${m}-01`;
    const next = addDays(start, 32).slice(0, 7);
    const end = addDays(`${next}-01`, -1);
    out.push({ term: terms.find((t) => t.end >= start)!.name, start: start < first ? first : start, end: end > last ? last : end });
    m = next;
  }
  return out;
}

/** The deadline by the partnership's rule, moved to the school day before when the schools are closed. */
export function plannedDeadline(p: Partnership, terms: Term[], meeting: LocalDate): PlannedMeeting["deadline"] {
  const ruled = addDays(meeting, -p.deadlineRule.calendarDaysBeforeMeeting);
  const time = p.deadlineRule.time;
  if (isSchoolDay(terms, ruled)) return { date: ruled, time };
  const why = closedBecause(terms, ruled);
  // Earlier, within a fortnight (a weekend, a bank holiday, a half-term)...
  for (let d = addDays(ruled, -1); d >= addDays(ruled, -14); d = addDays(d, -1)) {
    if (isSchoolDay(terms, d)) return { date: d, time, note: `moved from ${ruled} (${why})` };
  }
  // ...else (the holidays before a term) the first school day of the term, if it is before the meeting.
  for (let d = addDays(ruled, 1); d < meeting; d = addDays(d, 1)) {
    if (isSchoolDay(terms, d)) return { date: d, time, note: `moved from ${ruled} (${why}) to the first school day of term` };
  }
  return { date: ruled, time, note: `${ruled} is in ${why}: no school day before the meeting to move it to` };
}

/** "Aut 26", "Spr 27", "Sum 27": the rota's name for a term of the year. */
export function termLabel(name: TermName, startYear: number): string {
  return name === "autumn"
    ? `Aut ${String(startYear % 100).padStart(2, "0")}`
    : `${name === "spring" ? "Spr" : "Sum"} ${String((startYear + 1) % 100).padStart(2, "0")}`;
}

/** One meeting per period of the cadence, on the slot's weekday nearest the period's middle. */
function planSlot(
  p: Partnership,
  terms: Term[],
  cadence: YearPlan["cadence"],
  slot: { weekday: string; time: LocalTime },
  clusterId: number,
  kind: string | undefined,
): PlannedMeeting[] {
  const weekday = WEEKDAY[slot.weekday]!;
  const out: PlannedMeeting[] = [];
  for (const period of periods(terms, cadence)) {
    const date = nearestMiddle(terms, period, weekday);
    if (!date) continue;
    const term = terms.find((t) => date >= t.start && date <= t.end)?.name ?? period.term;
    out.push({ clusterId, ...(kind ? { kind } : {}), date, start: slot.time, term, deadline: plannedDeadline(p, terms, date), htRep: null });
  }
  return out;
}

/** The n-th (or, -1, the last) `weekday` of a month, as a date. */
function nthWeekday(year: number, month: number, weekday: number, nth: number): LocalDate | null {
  const first = `${year}-${String(month).padStart(2, "0")}-01`;
  const all = days(first, addDays(`${month === 12 ? year + 1 : year}-${String((month % 12) + 1).padStart(2, "0")}-01`, -1)).filter(
    (d) => isoWeekday(d) === weekday,
  );
  return (nth === -1 ? all.at(-1) : all[nth - 1]) ?? null;
}

/** A kind's dates by its `on` rule in the academic year starting `startYear` (September to August). */
function ruleDates(terms: Term[], startYear: number, kind: MeetingKind, who: string, notes: string[]): LocalDate[] {
  const out: LocalDate[] = [];
  for (const r of kind.on ?? []) {
    for (const month of r.months) {
      const year = month >= 8 ? startYear : startYear + 1;
      let date = nthWeekday(year, month, WEEKDAY[r.weekday]!, r.nth);
      if (!date) {
        notes.push(`${who}: ${year}-${String(month).padStart(2, "0")} has no ${r.nth === -1 ? "last" : `${r.nth}th`} ${r.weekday}`);
        continue;
      }
      if (!isSchoolDay(terms, date)) {
        const why = closedBecause(terms, date);
        const earlier = addDays(date, -7);
        notes.push(`${who}, ${date}: ${why}, so moved a week earlier to ${earlier}`);
        date = earlier;
      }
      out.push(date);
    }
  }
  return out.sort();
}

function planCluster(p: Partnership, c: Cluster, terms: Term[], startYear: number, notes: string[]): PlannedMeeting[] {
  if (!c.regular) {
    notes.push(`${clusterName(p, c.id)}: no regular slot (clusters[].regular), so no meetings were planned`);
    return [];
  }
  // The cluster's own meeting kind sets the dates: by its rule (Sutton, seed 003), else its cadence.
  const kind = p.meetingKinds.length > 1 ? clusterMeetingKind(p, c) : undefined;
  const cadence = kind?.cadence ?? p.calendar.cadence;
  const out = kind?.on
    ? ruleDates(terms, startYear, kind, clusterName(p, c.id), notes).map((date) => ({
        clusterId: c.id,
        date,
        start: c.regular!.time,
        term: terms.find((t) => date >= t.start && date <= t.end)?.name ?? "autumn",
        deadline: plannedDeadline(p, terms, date),
        htRep: null as string | null,
      }))
    : planSlot(p, terms, cadence, c.regular, c.id, undefined);
  // The rota: each term's schools take that term's meetings in order; a named date takes its meeting.
  // A cluster whose meetings have no headteacher representative (Sutton, Southampton) has none.
  if (!c.rota.length && !clusterMeetingKind(p, c)?.voters.includes("ht-rep")) return out;
  for (const t of terms) {
    const label = termLabel(t.name, startYear);
    const inTerm = out.filter((m) => m.term === t.name);
    for (const r of c.rota.filter((x) => /^\d{4}-/.test(x.when))) {
      const m = inTerm.find((x) => x.date === r.when);
      if (m) m.htRep = r.school;
    }
    const named = c.rota.filter((r) => r.when === label).map((r) => r.school);
    const open = inTerm.filter((m) => m.htRep === null);
    named.forEach((school, i) => {
      if (open[i]) open[i].htRep = school;
      else
        notes.push(
          `${clusterName(p, c.id)}, ${label}: ${school} is on the rota but the term has only ${inTerm.length} meeting(s) (a clash: rota it in another term)`,
        );
    });
    for (const m of open.slice(named.length)) notes.push(`${clusterName(p, c.id)}, ${m.date}: no HT representative on the rota (a gap)`);
  }
  return out;
}

export function planYear(p: Partnership, year: string, opts: { cluster?: number } = {}): YearPlan {
  const startYear = academicYearStart(year);
  const { terms, source } = termsFor(p, year);
  const clusters = opts.cluster === undefined ? p.clusters : p.clusters.filter((c) => c.id === opts.cluster);
  if (!clusters.length) throw new PlanInputError(`there is no cluster ${opts.cluster}`);
  const notes: string[] = [];
  if (source === "default-england")
    notes.push(
      `Term dates for ${year} are not in the config (calendar.terms): England's usual pattern is used, so the dates are proposed; check them against the council's published term dates.`,
    );
  const meetings = clusters.flatMap((c) => planCluster(p, c, terms, startYear, notes));
  // Partnership-wide meetings: conferences and decision meetings, by their rule, after the cluster
  // meetings they decide on, or at their own slot and cadence.
  if (opts.cluster === undefined) {
    const wide = (k: MeetingKind, date: LocalDate, deadline: PlannedMeeting["deadline"]): PlannedMeeting => ({
      clusterId: 0,
      kind: k.id,
      date,
      start: k.regular?.time ?? "14:00",
      term: terms.find((t) => date >= t.start && date <= t.end)?.name ?? "summer",
      deadline,
      htRep: null,
    });
    for (const k of p.meetingKinds.filter((m) => m.scope === "partnership")) {
      if (k.after) {
        const kindOf = (m: PlannedMeeting) =>
          m.kind ??
          clusterMeetingKind(
            p,
            p.clusters.find((c) => c.id === m.clusterId)!,
          )?.id;
        const decided = [...new Set(meetings.filter((m) => k.after!.kinds.includes(kindOf(m) ?? "")).map((m) => m.date))].sort();
        for (const d of decided) {
          let date = addDays(d, k.after.days);
          while (!isSchoolDay(terms, date)) date = addDays(date, 1);
          // Its cases are the recommendations that meeting makes: the deadline is the end of it.
          meetings.push(wide(k, date, { date: d, time: "17:00", note: `the recommendations of the meetings of ${d}` }));
        }
      } else if (k.on) {
        for (const date of ruleDates(terms, startYear, k, k.label, notes)) meetings.push(wide(k, date, plannedDeadline(p, terms, date)));
      } else if (k.hearsCases) {
        if (!k.regular) notes.push(`${k.label}: no regular slot (meetingKinds[].regular), so none were planned`);
        else meetings.push(...planSlot(p, terms, k.cadence, k.regular, 0, k.id));
      }
    }
  }
  return {
    year,
    termSource: source,
    terms,
    cadence: p.calendar.cadence,
    meetings: meetings.sort((a, b) => a.date.localeCompare(b.date) || a.clusterId - b.clusterId),
    notes,
  };
}

/** The plan's meetings as the Meetings list holds them (what `publish-meetings` writes). */
export function publishedMeetings(plan: YearPlan): PublishedMeeting[] {
  return plan.meetings.map((m) => ({
    clusterId: m.clusterId,
    ...(m.kind ? { kind: m.kind } : {}),
    date: m.date,
    start: m.start,
    deadline: { date: m.deadline.date, time: m.deadline.time },
    htRepSchool: m.htRep,
  }));
}
