/**
 * Meetings, submission deadlines, and which meeting a form received at an instant goes to.
 */
import { clusterById, perCluster, type Cluster, type ConfigProblem, type Meeting, type Partnership } from "../config.js";
import { addDays, fromLocal, type LocalDate, type LocalTime } from "./time.js";
import { addWorkingDays, bankHolidayName, londonDate } from "./workingDays.js";

export interface ScheduledMeeting {
  clusterId: number;
  date: LocalDate;
  start: LocalTime;
  /** UTC instant of the meeting start. */
  startsAt: Date;
  deadline: { date: LocalDate; time: LocalTime; at: Date; source: "published" | "default-rule"; note?: string };
  location?: string;
  teamsLink?: string;
}

export function deadlineFor(p: Partnership, m: Meeting): ScheduledMeeting["deadline"] {
  if (m.deadline) {
    return {
      date: m.deadline.date,
      time: m.deadline.time,
      at: fromLocal(m.deadline.date, m.deadline.time),
      source: "published",
      ...(m.deadline.note ? { note: m.deadline.note } : {}),
    };
  }
  const date = addDays(m.date, -p.deadlineRule.calendarDaysBeforeMeeting);
  return { date, time: p.deadlineRule.time, at: fromLocal(date, p.deadlineRule.time), source: "default-rule" };
}

/** A meeting as the Meetings list holds it (what `publish-meetings` wrote, or an officer edited). */
export interface PublishedMeeting {
  /** 0: a partnership-wide meeting of `kind`. */
  clusterId: number;
  kind?: string;
  date: LocalDate;
  start: LocalTime;
  deadline: { date: LocalDate; time: LocalTime };
  htRepSchool?: string | null;
}

/**
 * A Meetings list row's key: a cluster's meeting by cluster and date ("c5|2026-12-17"), a
 * partnership-wide one by its kind ("k:borough-decision|2026-11-26"). An officer's edit keeps it.
 */
export const publishedMeetingKey = (m: PublishedMeeting): string => (m.clusterId === 0 && m.kind ? `k:${m.kind}|${m.date}` : `c${m.clusterId}|${m.date}`);

/**
 * The partnership with the Meetings list's meetings: for each cluster, the list's meetings replace
 * the config's on the same date and add to them otherwise (the config seeds a new tenant; the list
 * is what the council keeps). The HT representative the list names takes that meeting in the rota.
 */
export function withPublishedMeetings(p: Partnership, published: PublishedMeeting[]): Partnership {
  const wide = published.filter((m) => m.clusterId === 0 && m.kind);
  const withWide = wide.length
    ? {
        ...p,
        partnershipMeetings: [
          ...p.partnershipMeetings.filter((m) => !wide.some((w) => w.kind === m.kind && w.date === m.date)),
          ...wide.map((m) => ({ kind: m.kind!, date: m.date, start: m.start })),
        ].sort((a, b) => a.date.localeCompare(b.date)),
      }
    : p;
  return perCluster(withWide, published, (c, mine) => {
    const dates = new Set(mine.map((m) => m.date));
    const meetings = [
      ...c.meetings.filter((m) => !dates.has(m.date)),
      ...mine.map((m) => ({ date: m.date, start: m.start, deadline: { date: m.deadline.date, time: m.deadline.time } })),
    ].sort((a, b) => a.date.localeCompare(b.date));
    const known = new Set(c.schools.flatMap((s) => [s.name, s.shortName ?? s.name]));
    const rota = [
      ...c.rota.filter((r) => !dates.has(r.when)),
      ...mine.filter((m) => m.htRepSchool && known.has(m.htRepSchool)).map((m) => ({ school: m.htRepSchool!, when: m.date })),
    ];
    return { ...c, meetings, rota };
  });
}

/** A cluster's allocated budget for an academic year, as the Budgets list holds it. */
export interface AllocatedBudget {
  clusterId: number;
  year: string;
  allocated: number;
}

/** The partnership with the Budgets list's allocations (they win over the config's for the same year). */
export function withBudgets(p: Partnership, budgets: AllocatedBudget[]): Partnership {
  // Cluster 0's row is the partnership's total annual funding for the year (shared by the allocation).
  const totals = budgets.filter((b) => b.clusterId === 0);
  if (totals.length && p.allocation) {
    p = { ...p, allocation: { ...p.allocation, totals: { ...p.allocation.totals, ...Object.fromEntries(totals.map((b) => [b.year, b.allocated])) } } };
  }
  return perCluster(p, budgets, (c, mine) => ({ ...c, budgets: { ...c.budgets, ...Object.fromEntries(mine.map((b) => [b.year, b.allocated])) } }));
}

/** A cluster's meetings in date order, with their deadlines worked out. */
export function meetingsOf(p: Partnership, c: Cluster): ScheduledMeeting[] {
  return c.meetings
    .map((m) => ({
      clusterId: c.id,
      date: m.date,
      start: m.start,
      startsAt: fromLocal(m.date, m.start),
      deadline: deadlineFor(p, m),
      ...(m.location ? { location: m.location } : {}),
      ...(m.teamsLink ? { teamsLink: m.teamsLink } : {}),
    }))
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

export type Placement =
  /** In time for the cluster's next meeting. */
  | { kind: "on-time"; meeting: ScheduledMeeting }
  /** Missed the next meeting's deadline; listed for the one after. */
  | { kind: "late"; missed: ScheduledMeeting; meeting: ScheduledMeeting }
  /** Missed the next meeting's deadline and no later meeting is published yet. */
  | { kind: "late-no-meeting"; missed: ScheduledMeeting }
  /** No meeting of the cluster after this instant is published. */
  | { kind: "no-meeting" };

/**
 * Which meeting a form received at `receivedAt` goes to. A form received exactly at the deadline
 * is in time. The "next meeting" is the first one that starts after the form arrived.
 */
export function placeForm(p: Partnership, clusterId: number, receivedAt: Date): Placement {
  const c = clusterById(p, clusterId);
  if (!c) throw new RangeError(`there is no cluster ${clusterId}`);
  const upcoming = meetingsOf(p, c).filter((m) => m.startsAt.getTime() > receivedAt.getTime());
  const next = upcoming[0];
  if (!next) return { kind: "no-meeting" };
  if (receivedAt.getTime() <= next.deadline.at.getTime()) return { kind: "on-time", meeting: next };
  const taking = upcoming.find((m) => receivedAt.getTime() <= m.deadline.at.getTime());
  return taking ? { kind: "late", missed: next, meeting: taking } : { kind: "late-no-meeting", missed: next };
}

/** The date by which the SCL contacts the school: N working days after the London date of receipt. */
export function ackDueBy(p: Partnership, receivedAt: Date): LocalDate {
  return addWorkingDays(londonDate(receivedAt), p.intake.ackWorkingDays);
}

/** Things in the schedule and rotas that a council officer should look at. */
export function scheduleWarnings(p: Partnership): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  p.clusters.forEach((c, ci) => {
    c.meetings.forEach((m, mi) => {
      const at = `clusters[${ci}].meetings[${mi}]`;
      const hol = bankHolidayName(m.date);
      if (hol) out.push({ path: `${at}.date`, message: `cluster ${c.id} meets on ${m.date}, a bank holiday (${hol})` });
      const d = deadlineFor(p, m);
      const dHol = bankHolidayName(d.date);
      if (dHol)
        out.push({
          path: `${at}.deadline`,
          message: `the submission deadline ${d.date} ${d.time} is a bank holiday (${dHol}); forms sent that day are still in time`,
        });
      if (addWorkingDays(d.date, 0) !== d.date && !dHol) {
        out.push({ path: `${at}.deadline`, message: `the submission deadline ${d.date} falls on a weekend` });
      }
    });
    const meetingDates = new Set(c.meetings.map((m) => m.date));
    c.rota.forEach((r, ri) => {
      if (/^\d{4}-/.test(r.when) && !meetingDates.has(r.when)) {
        const near = c.meetings.map((m) => m.date).filter((d) => d.slice(0, 7) === r.when.slice(0, 7) || d.slice(8) === r.when.slice(8));
        out.push({
          path: `clusters[${ci}].rota[${ri}].when`,
          message: `${r.school} is rostered for ${r.published ?? r.when}, which is not a cluster ${c.id} meeting${near.length ? ` (meetings near it: ${near.join(", ")})` : ""}`,
        });
      }
    });
  });
  return out;
}

/** A partnership-wide meeting (a borough or city meeting) as scheduled. */
export interface WideMeeting {
  kind: string;
  date: LocalDate;
  start: LocalTime;
  startsAt: Date;
  location?: string;
}

/** The partnership's meetings of `kind`, in order (the config's, with the Meetings list's over them). */
export function wideMeetingsOf(p: Partnership, kind: string): WideMeeting[] {
  return p.partnershipMeetings
    .filter((m) => m.kind === kind)
    .map((m) => ({ kind, date: m.date, start: m.start, startsAt: fromLocal(m.date, m.start), ...(m.location ? { location: m.location } : {}) }))
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** The first meeting of `kind` after `after`; null when none is published yet. */
export function nextWideMeeting(p: Partnership, kind: string, after: Date): WideMeeting | null {
  return wideMeetingsOf(p, kind).find((m) => m.startsAt.getTime() > after.getTime()) ?? null;
}
