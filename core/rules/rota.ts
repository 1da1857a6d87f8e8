/**
 * Headteacher representative rotas: which school's headteacher attends each meeting.
 *
 * The launch pack names a school for a date ("Victoria 17/5/23") or for a term ("Rivers Aut 23").
 * Resolution, in this order:
 *   1. A dated entry takes the meeting of its cluster on that date.
 *   2. Term entries fill the term's meetings that are still free, in date order, taking the schools
 *      in the order the rota lists them (the council's own order, kept in the config).
 * Terms: Aut = 1 September to 31 December; Spr = 1 January to Easter Monday; Sum = the day after
 * Easter Monday to 31 August (England and Wales bank holidays give Easter Monday).
 * Reported: meetings with no representative (gaps), two schools for one meeting (clashes), dated
 * entries that are not a meeting of the cluster, term schools left over, terms with no meetings.
 */
import { clusterMeetingKind, findSchoolByName, type Cluster, type Partnership, type School } from "../config.js";
import { meetingsOf, type ScheduledMeeting } from "./schedule.js";
import type { LocalDate } from "./time.js";
import { bankHolidays } from "./workingDays.js";

export interface RotaAssignment {
  meeting: ScheduledMeeting;
  school: School | null;
  source: "date" | "term" | null;
  /** The rota text it came from ("17/5/23", "Aut 23"). */
  rota: string | null;
}

export type RotaProblemKind = "gap" | "clash" | "not-a-meeting" | "unplaced" | "term-without-meetings";

export interface RotaProblem {
  kind: RotaProblemKind;
  message: string;
}

export interface ResolvedRota {
  clusterId: number;
  assignments: RotaAssignment[];
  problems: RotaProblem[];
}

function easterMonday(year: number): LocalDate {
  for (const [date, name] of bankHolidays(year)) if (/easter monday/i.test(name)) return date;
  throw new Error(`no Easter Monday found for ${year}`);
}

/** First and last date of a term written "Aut 23", "Spr 24" or "Sum 24". */
export function termDates(term: string): { from: LocalDate; to: LocalDate } {
  const m = /^(Aut|Spr|Sum) (\d{2})$/.exec(term);
  if (!m) throw new RangeError(`"${term}" is not a term such as "Aut 23"`);
  const year = 2000 + Number(m[2]);
  const em = easterMonday(year);
  if (m[1] === "Aut") return { from: `${year}-09-01`, to: `${year}-12-31` };
  if (m[1] === "Spr") return { from: `${year}-01-01`, to: em };
  const next = new Date(Date.parse(`${em}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { from: next, to: `${year}-08-31` };
}

export function resolveRota(p: Partnership, c: Cluster): ResolvedRota {
  const meetings = meetingsOf(p, c);
  const slots = new Map<string, RotaAssignment>(meetings.map((m) => [m.date, { meeting: m, school: null, source: null, rota: null }]));
  const problems: RotaProblem[] = [];
  const label = (e: Cluster["rota"][number]) => e.published ?? e.when;

  // 1. Dated entries.
  for (const e of c.rota.filter((x) => /^\d{4}-/.test(x.when))) {
    const school = findSchoolByName(c, e.school)!;
    const slot = slots.get(e.when);
    if (!slot) {
      const near = meetings.filter((m) => m.date.slice(0, 7) === e.when.slice(0, 7)).map((m) => m.date);
      problems.push({
        kind: "not-a-meeting",
        message: `${e.school} is rostered for ${label(e)}, which is not a cluster ${c.id} meeting${near.length ? `; that month's meeting is ${near.join(", ")}` : ""}.`,
      });
      continue;
    }
    if (slot.school) {
      problems.push({
        kind: "clash",
        message: `${e.school} and ${slot.school.shortName ?? slot.school.name} are both rostered for the cluster ${c.id} meeting on ${slot.meeting.date}.`,
      });
      continue;
    }
    Object.assign(slot, { school, source: "date", rota: label(e) });
  }

  // 2. Term entries, in the rota's order, into the term's free meetings in date order.
  const terms = [...new Set(c.rota.filter((x) => !/^\d{4}-/.test(x.when)).map((x) => x.when))];
  for (const term of terms) {
    const { from, to } = termDates(term);
    const schools = c.rota.filter((x) => x.when === term);
    const inTerm = meetings.filter((m) => m.date >= from && m.date <= to);
    const free = inTerm.filter((m) => !slots.get(m.date)!.school);
    if (!inTerm.length) {
      problems.push({
        kind: "term-without-meetings",
        message: `No cluster ${c.id} meetings are published for ${term} yet: ${schools.map((s) => s.school).join(", ")} will be placed when they are.`,
      });
      continue;
    }
    schools.forEach((e, i) => {
      const m = free[i];
      if (!m) {
        problems.push({
          kind: "unplaced",
          message: `${e.school} is rostered for ${term}, but all ${inTerm.length} cluster ${c.id} meeting(s) that term already have a representative.`,
        });
        return;
      }
      Object.assign(slots.get(m.date)!, { school: findSchoolByName(c, e.school)!, source: "term", rota: term });
    });
  }

  const assignments = meetings.map((m) => slots.get(m.date)!);
  for (const a of assignments.filter((x) => !x.school)) {
    problems.push({ kind: "gap", message: `The cluster ${c.id} meeting on ${a.meeting.date} has no headteacher representative.` });
  }
  return { clusterId: c.id, assignments, problems };
}

/** Rota problems for validate-config (dated entries that are not meetings are reported by the schedule check). */
export function rotaWarnings(p: Partnership): { path: string; message: string }[] {
  return p.clusters.flatMap((c, ci) =>
    // A cluster whose meetings have no headteacher representative (Sutton, Southampton) keeps no rota.
    !c.rota.length && !clusterMeetingKind(p, c)?.voters.includes("ht-rep")
      ? []
      : resolveRota(p, c)
          .problems.filter((x) => x.kind === "gap" || x.kind === "clash" || x.kind === "unplaced")
          .map((x) => ({ path: `clusters[${ci}].rota`, message: x.message })),
  );
}
