/**
 * Attendance at a cluster meeting (issue 16): the SCL opens "Record attendance" on the agenda
 * card, ticks the schools whose SENDCo came, and saves; the Attendance list keeps one row per
 * school, and the termly report counts them per meeting. Schools' names come from the config,
 * never from what the card sends back (the card sends positions).
 */
import type { Partnership } from "../config.js";
import { ClusterName } from "../config.js";
import type { AttendancePort, AuditRow, Logger } from "../ports.js";
import { meetingsOf } from "../rules/schedule.js";
import { describeLocal } from "../rules/time.js";
import { mayTriage } from "../rules/triage.js";

export interface AttendanceDeps {
  partnership: Partnership;
  attendance: AttendancePort;
  audit?: (row: AuditRow) => Promise<unknown>;
  now(): Date;
  log: Logger;
}

export interface AttendanceCardData {
  title: string;
  meeting: string;
  message: string;
  /** The message's text colour: "Attention" for a refusal; the default otherwise (Teams' "Good" green is too pale for text). */
  messageStyle: "Attention" | "Default";
  clusterId: number;
  date: string;
  /** One toggle per school of the cluster: `id` is the school's position ("s0", "s1", …). */
  schools: { id: string; title: string; value: "true" | "false" }[];
  /** The ticked schools' ids, comma-separated: the value of the card's one input. */
  attendedValue: string;
  canSave: boolean;
  summary: string;
}

export type AttendanceAnswer = { show: "attendance"; data: AttendanceCardData } | { show: "error"; title: string; message: string };

const refuse = (title: string, message: string): AttendanceAnswer => ({ show: "error", title, message });

/** The cluster and meeting an action names, or why not. */
function meetingOf(p: Partnership, clusterId: number, date: string) {
  const cluster = p.clusters.find((c) => c.id === clusterId);
  const meeting = cluster && meetingsOf(p, cluster).find((m) => m.date === date);
  return cluster && meeting ? { cluster, meeting } : null;
}

/** The meeting and who records it, if they may (the cluster's SCL, or whoever may triage its cases); else the refusal. */
function mayRecord(
  p: Partnership,
  who: string | null,
  clusterId: number,
  date: string,
): (NonNullable<ReturnType<typeof meetingOf>> & { by: string }) | AttendanceAnswer {
  if (!who || !mayTriage(p, clusterId, who))
    return refuse("Attendance is the SCL's to record", "Only the cluster's SEND Cluster Lead or the partnership lead can record attendance.");
  const m = meetingOf(p, clusterId, date);
  return m ? { ...m, by: who } : refuse("No such meeting", `${ClusterName(p, clusterId)} has no meeting on ${date} in the calendar.`);
}

function card(
  p: Partnership,
  m: NonNullable<ReturnType<typeof meetingOf>>,
  attended: Set<string>,
  recorded: boolean,
  message = "",
  ok = true,
): AttendanceCardData {
  const schools: AttendanceCardData["schools"] = m.cluster.schools.map((s, i) => ({
    id: `s${i}`,
    title: s.name,
    value: attended.has(s.name) ? "true" : "false",
  }));
  const count = schools.filter((s) => s.value === "true").length;
  return {
    // One labelled input (a list of checkboxes), its value the ticked schools' ids: "s0,s3".
    attendedValue: schools
      .filter((s) => s.value === "true")
      .map((s) => s.id)
      .join(","),
    title: `Attendance: ${ClusterName(p, m.cluster.id)} meeting`,
    meeting: describeLocal(m.meeting.startsAt),
    message,
    messageStyle: message && !ok ? "Attention" : "Default",
    clusterId: m.cluster.id,
    date: m.meeting.date,
    schools,
    canSave: true,
    summary: recorded ? `Recorded: ${count} of ${schools.length} schools' SENDCos attended.` : "Not recorded yet: tick each school whose SENDCo attended.",
  };
}

/** The card as the Attendance list has it now, with a message at its top (if any). */
async function asRecorded(d: AttendanceDeps, m: NonNullable<ReturnType<typeof meetingOf>>, message = "", ok = true): Promise<AttendanceAnswer> {
  const rows = await d.attendance.ofMeeting(m.cluster.id, m.meeting.date);
  const attended = new Set(rows.filter((r) => r.attended).map((r) => r.school));
  return { show: "attendance", data: card(d.partnership, m, attended, rows.length > 0, message, ok) };
}

/** The attendance card for a meeting, as recorded so far. Only the cluster's SCL (or whoever may triage its cases) gets it. */
export async function attendanceView(d: AttendanceDeps, who: string | null, clusterId: number, date: string): Promise<AttendanceAnswer> {
  const m = mayRecord(d.partnership, who, clusterId, date);
  return "show" in m ? m : asRecorded(d, m);
}

/**
 * Saves a meeting's attendance from the card's toggles (`s0`…: "true"/"false"). A meeting that has
 * not started yet is refused: attendance is a record of what happened.
 */
export async function recordAttendance(
  d: AttendanceDeps,
  who: string | null,
  clusterId: number,
  date: string,
  toggles: Record<string, unknown>,
): Promise<AttendanceAnswer> {
  const p = d.partnership;
  const m = mayRecord(p, who, clusterId, date);
  if ("show" in m) return m;
  if (d.now().getTime() < m.meeting.startsAt.getTime()) {
    return asRecorded(d, m, `The meeting has not started yet: record attendance from ${describeLocal(m.meeting.startsAt)}.`, false);
  }
  // The card's one input ("attended": "s0,s3"), or a card posted before it had one (a toggle per school).
  const ticked =
    typeof toggles.attended === "string"
      ? new Set(toggles.attended.split(",").map((x) => x.trim()))
      : new Set(Object.keys(toggles).filter((k) => /^s\d+$/.test(k) && String(toggles[k]) === "true"));
  const attended = new Set(m.cluster.schools.filter((_, i) => ticked.has(`s${i}`)).map((s) => s.name));
  const at = d.now().toISOString();
  await d.attendance.record(
    m.cluster.schools.map((s) => ({ clusterId, date, school: s.name, attended: attended.has(s.name) })),
    m.by,
    at,
  );
  await d.audit?.({
    key: `attendance|c${clusterId}|${date}|${at}`,
    event: "attendance",
    caseRef: null,
    outcome: `${attended.size} of ${m.cluster.schools.length}`,
    at,
    actor: m.by,
    detail: `${ClusterName(p, clusterId)} meeting ${date}`,
  });
  d.log.info("attendance.recorded", { cluster: clusterId, date, attended: attended.size, of: m.cluster.schools.length });
  return { show: "attendance", data: card(p, m, attended, true, "Attendance saved.") };
}
