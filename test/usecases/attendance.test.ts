/**
 * Attendance at a cluster meeting (core/usecases/attendance.ts) on in-memory fakes, at a 2026-27
 * meeting: who may record it, which meetings exist, that it is refused before the meeting starts,
 * that the schools come from the config by position (never from what the card sends back), and
 * that recording again changes the rows in place.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { attendanceView, recordAttendance, type AttendanceAnswer, type AttendanceDeps } from "../../core/usecases/attendance.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeAttendance } from "../fakes/calendar.js";
import { FakeAudit } from "../fakes/teams.js";
import { FakeLog } from "../fakes/people.js";
import { inYear } from "./year.js";

const p = inYear("hounslow-mip", "2026-27");
const c5 = p.clusters.find((c) => c.id === 5)!;
const KL = p.leads.find((l) => l.initials === "KL")!.email; // SCL of clusters 4 and 5
const GV = p.leads.find((l) => l.initials === "GV")!.email; // cluster 6 only
const LEAD = p.partnershipLead.email;
const MEETING = "2026-12-17"; // cluster 5, Thursday 14:00

let attendance: FakeAttendance;
let audit: FakeAudit;
let log: FakeLog;
let clock: Date;
let d: AttendanceDeps;
beforeEach(() => {
  attendance = new FakeAttendance();
  audit = new FakeAudit();
  log = new FakeLog();
  clock = fromLocal(MEETING, "16:00");
  d = { partnership: p, attendance, audit: audit.write, log, now: () => clock };
});

const card = (a: AttendanceAnswer) => {
  if (a.show !== "attendance") throw new Error(`refused: ${a.title}`);
  return a.data;
};

describe("attendance: who and which meeting", () => {
  it("the cluster's SCL and the partnership lead get the card, every school unticked until recorded", async () => {
    for (const who of [KL, LEAD.toUpperCase()]) {
      const data = card(await attendanceView(d, who, 5, MEETING));
      expect(data.schools.map((s) => s.title)).toEqual(c5.schools.map((s) => s.name));
      expect(data.schools.every((s) => s.value === "false")).toBe(true);
      expect(data.summary).toBe("Not recorded yet: tick each school whose SENDCo attended.");
      expect(data.title).toBe("Attendance: Cluster 5 meeting");
    }
  });

  it("another cluster's SCL, a stranger and nobody are refused; so is a date with no meeting", async () => {
    for (const who of [GV, "someone@school.example", null]) {
      expect(await attendanceView(d, who, 5, MEETING)).toMatchObject({ show: "error", title: "Attendance is the SCL's to record" });
      expect(await recordAttendance(d, who, 5, MEETING, { s0: "true" })).toMatchObject({ show: "error" });
    }
    expect(await attendanceView(d, KL, 5, "2026-12-18")).toEqual({
      show: "error",
      title: "No such meeting",
      message: "Cluster 5 has no meeting on 2026-12-18 in the calendar.",
    });
    expect(attendance.rows.size).toBe(0);
    expect(audit.rows).toEqual([]);
  });
});

describe("attendance: recording", () => {
  it("is refused before the meeting starts, and nothing is written", async () => {
    clock = fromLocal(MEETING, "13:59");
    const data = card(await recordAttendance(d, KL, 5, MEETING, { s0: "true" }));
    expect(data.message).toBe("The meeting has not started yet: record attendance from Thursday 17 December 2026, 2pm.");
    expect(data.messageStyle).toBe("Attention");
    expect(attendance.rows.size).toBe(0);
  });

  it("saves one row per school by position, names from the config; the card and the list agree", async () => {
    const data = card(await recordAttendance(d, KL, 5, MEETING, { s0: "true", s2: true, s1: "false", s99: "true", [c5.schools[3]!.name]: "true" }));
    expect(data.message).toBe("Attendance saved.");
    expect(data.summary).toBe(`Recorded: 2 of ${c5.schools.length} schools' SENDCos attended.`);
    const rows = await attendance.ofMeeting(5, MEETING);
    expect(rows).toHaveLength(c5.schools.length);
    expect(rows.filter((r) => r.attended).map((r) => r.school)).toEqual([c5.schools[0]!.name, c5.schools[2]!.name]);
    expect([...attendance.rows.values()].every((r) => r.by === KL)).toBe(true);
    // What the card shows when opened again is what the list holds.
    expect(
      card(await attendanceView(d, LEAD, 5, MEETING))
        .schools.filter((s) => s.value === "true")
        .map((s) => s.id),
    ).toEqual(["s0", "s2"]);
  });

  it("recording again changes the rows in place; each save is audited with counts, and logged without names", async () => {
    await recordAttendance(d, KL, 5, MEETING, { s0: "true", s1: "true" });
    clock = fromLocal(MEETING, "16:05");
    await recordAttendance(d, LEAD, 5, MEETING, { s1: "true" });
    expect(attendance.rows.size).toBe(c5.schools.length);
    expect((await attendance.ofMeeting(5, MEETING)).filter((r) => r.attended).map((r) => r.school)).toEqual([c5.schools[1]!.name]);
    expect(audit.rows.map((r) => [r.event, r.outcome, r.actor, r.detail])).toEqual([
      ["attendance", `2 of ${c5.schools.length}`, KL, `Cluster 5 meeting ${MEETING}`],
      ["attendance", `1 of ${c5.schools.length}`, LEAD, `Cluster 5 meeting ${MEETING}`],
    ]);
    expect(log.lines.map((l) => l.fields)).toEqual([
      { cluster: 5, date: MEETING, attended: 2, of: c5.schools.length },
      { cluster: 5, date: MEETING, attended: 1, of: c5.schools.length },
    ]);
    expect(log.text()).not.toContain(c5.schools[1]!.name);
  });
});
