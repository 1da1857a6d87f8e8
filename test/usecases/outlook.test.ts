/**
 * Outlook workflows (core/usecases/outlook.ts) on in-memory fakes, in 2026-27 with the
 * headteacher representatives an officer named in the Meetings list: one invitation per
 * representative per meeting, updated in place when the meeting or the representative changes;
 * the representative's reminder and the SENDCos' deadline reminder, each once, also across a
 * crash between sending and recording; what is skipped, and why, when addresses are missing.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { runOutlook, type OutlookDeps } from "../../core/usecases/outlook.js";
import type { Partnership } from "../../core/config.js";
import type { PublishedMeeting } from "../../core/rules/schedule.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeCalendar } from "../fakes/calendar.js";
import { FakeKv, FakeMailer } from "../fakes/teams.js";
import { FakeLog } from "../fakes/people.js";
import { inYear } from "./year.js";

/** The officer's HT representatives for cluster 5 (the planner leaves the column empty). */
const REPS: Record<string, string> = { "2026-12-17": "Worple Primary School", "2027-01-14": "Bolder Academy" };
const withReps =
  (reps = REPS, start?: string) =>
  (m: PublishedMeeting): PublishedMeeting =>
    m.clusterId === 5 && reps[m.date] ? { ...m, htRepSchool: reps[m.date]!, ...(start && m.date === "2026-12-17" ? { start } : {}) } : m;
const p = inYear("hounslow-mip", "2026-27", { edit: withReps() });
const c5 = p.clusters.find((c) => c.id === 5)!;
const head = (name: string) => c5.schools.find((s) => s.name === name)!.headteacherEmail!;
const KL = p.leads.find((l) => l.initials === "KL")!.email;

let calendar: FakeCalendar;
let mail: FakeMailer;
let kv: FakeKv;
let clock: Date;
let d: OutlookDeps;
const at = (date: string, time = "09:00") => (clock = fromLocal(date, time));
const using = (partnership: Partnership): OutlookDeps => ({ ...d, partnership });

beforeEach(() => {
  calendar = new FakeCalendar();
  mail = new FakeMailer();
  kv = new FakeKv();
  d = { partnership: p, calendar, mailer: mail, kv, log: new FakeLog(), now: () => clock };
});

describe("outlook: the representative's invitation", () => {
  it("one event per representative per future meeting, in London time, once", async () => {
    at("2026-11-24");
    expect((await runOutlook(d)).invited).toBe(2);
    expect((await runOutlook(d)).invited).toBe(0);
    expect(calendar.of(head("Worple Primary School"))).toEqual([
      {
        subject: "MIP cluster 5 meeting: headteacher representative",
        body: expect.stringContaining("You are the headteacher representative for Worple Primary School at the cluster 5 meeting"),
        start: "2026-12-17T14:00:00",
        end: "2026-12-17T16:00:00",
        location: "Microsoft Teams (link to follow)",
        attendee: { address: head("Worple Primary School"), name: "Headteacher, Worple Primary School" },
      },
    ]);
    expect(calendar.of(head("Bolder Academy")).map((e) => e.start)).toEqual(["2027-01-14T14:00:00"]);
  });

  it("a meeting already started is not invited to", async () => {
    at("2026-12-17", "14:30");
    expect((await runOutlook(d)).invited).toBe(1);
    expect(calendar.of(head("Worple Primary School"))).toEqual([]);
  });

  it("the meeting moved within its month, or another representative named: the same event is updated", async () => {
    at("2026-11-24");
    await runOutlook(d);
    const moved = await runOutlook(using(inYear("hounslow-mip", "2026-27", { edit: withReps(REPS, "15:30") })));
    expect(moved).toMatchObject({ invited: 0, updated: 1 });
    expect(calendar.of(head("Worple Primary School")).map((e) => [e.start, e.end])).toEqual([["2026-12-17T15:30:00", "2026-12-17T17:30:00"]]);
    const other = await runOutlook(using(inYear("hounslow-mip", "2026-27", { edit: withReps({ ...REPS, "2026-12-17": "Gumley House School" }) })));
    expect(other).toMatchObject({ invited: 0, updated: 1 });
    expect(calendar.events.size).toBe(2);
    expect(calendar.of(head("Gumley House School")).map((e) => e.start)).toEqual(["2026-12-17T14:00:00"]);
  });

  it("a crash after the event was created but before it was recorded: the retry gets the same event, not a second", async () => {
    at("2026-11-24");
    kv.beforeSet = (key) => {
      if (key.startsWith("invite|")) throw Object.assign(new Error("storage unavailable"), { statusCode: 503 });
    };
    await expect(runOutlook(d)).rejects.toThrow("storage unavailable");
    kv.beforeSet = undefined;
    expect((await runOutlook(d)).invited).toBe(2);
    expect(calendar.calls.of("create")).toBe(3);
    expect(calendar.events.size).toBe(2);
  });
});

describe("outlook: reminders", () => {
  it("the representative's, two working days before (Tue 15 Dec for Thu 17 Dec 2026), once", async () => {
    at("2026-12-14");
    expect((await runOutlook(d)).htReminders).toBe(0);
    at("2026-12-15");
    expect((await runOutlook(d)).htReminders).toBe(1);
    at("2026-12-16");
    expect((await runOutlook(d)).htReminders).toBe(0);
    expect(mail.to(head("Worple Primary School")).map((m) => m.subject)).toEqual(["Reminder: MIP cluster 5 meeting, Thursday 17 December 2026, 2pm"]);
  });

  it("the SENDCos', three working days before the deadline (Fri 27 Nov for Wed 2 Dec), to the SCL with the SENDCos in Bcc, never the secure mailbox", async () => {
    const ours = () => mail.outbox.filter((m) => m.subject.startsWith("MIP cluster 5: presentation forms due"));
    at("2026-11-26");
    await runOutlook(d);
    expect(ours()).toEqual([]);
    at("2026-11-27");
    await runOutlook(d);
    at("2026-11-30");
    await runOutlook(d);
    expect(ours()).toHaveLength(1);
    const [m] = ours();
    expect(m!.subject).toBe("MIP cluster 5: presentation forms due Wednesday 2 December 2026, 4pm");
    expect(m!.to).toEqual([KL]);
    expect(m!.bcc).toEqual(c5.schools.map((s) => s.sendcoEmail));
    expect(mail.outbox.flatMap((x) => [...x.to, ...(x.bcc ?? [])])).not.toContain(p.intake.mailbox);
    expect(m!.body).toContain(`must reach ${p.intake.mailbox} by Wednesday 2 December 2026, 4pm`);
    expect(m!.body).toContain("Subject line: Cluster 5/KL/<your school's name>.");
  });

  it("sent before a crash but not recorded: its draft, read by id, is found sent; recorded, not sent again", async () => {
    at("2026-12-15");
    kv.beforeSet = (key) => {
      // The draft's record is kept; recording the reminder as sent fails.
      if (key.startsWith("ht-reminder|") && !key.endsWith(":draft")) throw new Error("storage unavailable");
    };
    await expect(runOutlook(d)).rejects.toThrow("storage unavailable");
    kv.beforeSet = undefined;
    expect(mail.to(head("Worple Primary School"))).toHaveLength(1);
    expect((await runOutlook(d)).htReminders).toBe(1);
    expect(mail.to(head("Worple Primary School"))).toHaveLength(1);
    expect([...mail.drafts.values()].filter((m) => m.to.includes(head("Worple Primary School")))).toHaveLength(1);
  });

  it("a draft made but not sent before a crash: the same draft is sent, once", async () => {
    at("2026-12-15");
    const send = mail.sendDraft.bind(mail);
    mail.sendDraft = async () => {
      throw new Error("connection reset");
    };
    await expect(runOutlook(d)).rejects.toThrow("connection reset");
    mail.sendDraft = send;
    expect(mail.to(head("Worple Primary School"))).toHaveLength(0);
    expect((await runOutlook(d)).htReminders).toBe(1);
    expect(mail.to(head("Worple Primary School"))).toHaveLength(1);
    expect([...mail.drafts.values()].filter((m) => m.to.includes(head("Worple Primary School")))).toHaveLength(1);
  });
});

describe("outlook: missing addresses", () => {
  it("no headteacher or SENDCo addresses in the config: skipped, each with its reason, nothing sent", async () => {
    const bare = inYear("hounslow-mip", "2026-27", { contacts: false, edit: withReps() });
    at("2026-11-27");
    const run = await runOutlook(using(bare));
    expect(run.skipped).toEqual(
      expect.arrayContaining([
        "cluster 5 2026-12-17: no headteacher address for Worple Primary School",
        "cluster 5 2027-01-14: no headteacher address for Bolder Academy",
        "cluster 5 deadline 2026-12-02: no SENDCo addresses",
      ]),
    );
    expect(run).toMatchObject({ invited: 0, htReminders: 0, deadlineReminders: 0 });
    expect(calendar.events.size).toBe(0);
    expect(mail.outbox).toEqual([]);
  });
});
