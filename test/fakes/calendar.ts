/**
 * In-memory fakes of the ports the year's jobs use: the partnership mailbox's Outlook calendar,
 * the Meetings list and the Attendance list. They keep the contracts the real adapters keep
 * (m365/outlook.ts GraphCalendar, m365/sharepoint.ts GraphMeetings and GraphAttendance): the same
 * transactionId creates one event, publishing keeps a row that is already there (an officer's edit
 * wins), and attendance is one row per school per meeting, changed in place when recorded again.
 */
import type { AttendancePort, AttendanceRecord, CalendarPort, OutlookEvent } from "../../core/ports.js";
import { publishedMeetingKey, type PublishedMeeting } from "../../core/rules/schedule.js";
import type { MeetingsListPort } from "../../core/usecases/calendar.js";
import { Calls } from "./intake.js";

export class FakeCalendar implements CalendarPort {
  readonly events = new Map<string, OutlookEvent>();
  private readonly byTransaction = new Map<string, string>();
  readonly calls = new Calls();
  async create(ev: OutlookEvent, transactionId: string): Promise<string> {
    this.calls.add("create");
    const known = this.byTransaction.get(transactionId);
    if (known) return known;
    const id = `event-${this.events.size + 1}`;
    this.events.set(id, structuredClone(ev));
    this.byTransaction.set(transactionId, id);
    return id;
  }
  async update(eventId: string, ev: OutlookEvent): Promise<void> {
    this.calls.add("update");
    if (!this.events.has(eventId)) throw Object.assign(new Error("event not found"), { statusCode: 404 });
    this.events.set(eventId, structuredClone(ev));
  }
  /** The events whose attendee is `address`. */
  of(address: string): OutlookEvent[] {
    return [...this.events.values()].filter((e) => e.attendee.address.toLowerCase() === address.toLowerCase());
  }
}

export class FakeMeetingsList implements MeetingsListPort {
  readonly rows = new Map<string, PublishedMeeting>();
  async list() {
    return [...this.rows].map(([key, m]) => ({ ...structuredClone(m), key }));
  }
  async publish(meetings: PublishedMeeting[]) {
    let created = 0;
    let unchanged = 0;
    for (const m of meetings) {
      const key = publishedMeetingKey(m);
      if (this.rows.has(key)) unchanged++;
      else {
        this.rows.set(key, structuredClone(m));
        created++;
      }
    }
    return { created, updated: 0, unchanged };
  }
  /** An officer's edit in the list: the row keeps its key. */
  edit(key: string, change: Partial<PublishedMeeting>): void {
    const row = this.rows.get(key);
    if (!row) throw new Error(`no meeting ${key}`);
    this.rows.set(key, { ...row, ...change });
  }
}

const record = ({ clusterId, date, school, attended }: AttendanceRecord): AttendanceRecord => ({ clusterId, date, school, attended });

export class FakeAttendance implements AttendancePort {
  readonly rows = new Map<string, AttendanceRecord & { by: string; at: string }>();
  async ofMeeting(clusterId: number, date: string) {
    return [...this.rows.values()].filter((r) => r.clusterId === clusterId && r.date === date).map(record);
  }
  async between(from: string, to: string) {
    return [...this.rows.values()].filter((r) => r.date >= from && r.date <= to).map(record);
  }
  async record(rows: AttendanceRecord[], by: string, at: string) {
    if (new Set(rows.map((r) => r.date)).size !== 1) throw new Error("attendance is recorded one meeting at a time");
    for (const r of rows) this.rows.set(`c${r.clusterId}|${r.date}|${r.school.toLowerCase()}`, { ...r, by, at });
  }
}
