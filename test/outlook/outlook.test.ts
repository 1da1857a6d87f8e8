import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parsePartnership, type Partnership } from "../../core/config.js";
import { resolveConfigPath } from "../../config/load.js";
import { runOutlook } from "../../core/usecases/outlook.js";
import { defaultTenantOptions } from "../../local/tenant/defaults.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { inspectorGraph, partnership as hounslow } from "../helpers/tenant.js";

// Cluster 5 with contact addresses (the seeds have none): the heads are mailboxes in the tenant.
function withContacts(mutate?: (raw: any) => void): Partnership {
  const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
  const c5 = raw.clusters[4];
  const set = (short: string, head: string, sendco?: string) => {
    const s = c5.schools.find((x: any) => x.shortName === short);
    s.headteacherEmail = head;
    if (sendco) s.sendcoEmail = sendco;
  };
  set("Worple", "head@worple.example", "senco@worple.example");
  set("St Mary Isleworth", "head@stmaryisleworth.example", "senco@stmaryisleworth.example");
  set("Smallberry Green", "head@smallberry.example");
  mutate?.(raw);
  return parsePartnership(raw).partnership;
}

const heads = ["head@worple.example", "head@stmaryisleworth.example", "head@smallberry.example"];
let s: Stack;
let p = withContacts();
const run = () => runOutlook({ ...s.deps, partnership: p, kv: s.deps.state });
const events = async (who: string) => (await inspectorGraph(s.tenant).client.api(`/users/${who}/events`).get()).value;
const inbox = async (who: string) =>
  (await inspectorGraph(s.tenant).client.api(`/users/${who}/mailFolders/inbox/messages`).select("subject,meetingMessageType").top(50).get()).value;

beforeAll(async () => {
  const base = defaultTenantOptions(hounslow, {});
  s = await startStack({
    partnership: p,
    at: "2023-05-10T08:00:00Z",
    tenant: {
      mailboxes: [...base.mailboxes, ...heads.map((a) => ({ address: a, displayName: a })), { address: "senco@worple.example", displayName: "SENDCo" }],
    },
  });
}, 60_000);
afterAll(() => s?.stop());

describe("Outlook: HT representative invitations and reminders", () => {
  it("each HT rep gets an invitation from the partnership mailbox in London time; a second run sends nothing", async () => {
    const r = await run();
    expect(r).toMatchObject({ invited: 3, updated: 0, htReminders: 0 });
    expect(r.skipped.some((x) => /cluster 1 2023-05-17: no headteacher address for Victoria Junior School/.test(x))).toBe(true);
    const worple = await events("head@worple.example");
    expect(worple).toHaveLength(1);
    expect(worple[0]).toMatchObject({
      subject: "MIP cluster 5 meeting: headteacher representative",
      start: { dateTime: "2023-05-18T14:00:00.0000000", timeZone: "Europe/London" },
      end: { dateTime: "2023-05-18T16:00:00.0000000", timeZone: "Europe/London" },
      organizer: { emailAddress: { address: hounslow.intake.mailbox } },
    });
    expect(worple[0].body.content).toContain("headteacher representative for Worple Primary School");
    expect((await inbox("head@worple.example")).filter((m: any) => m.meetingMessageType === "meetingRequest")).toHaveLength(1);
    expect(await run()).toMatchObject({ invited: 0, updated: 0, htReminders: 0 });
    expect(await events("head@worple.example")).toHaveLength(1);
  });

  it("reminds the HT rep two working days before, once, also after a restart", async () => {
    s.at("2023-05-15T08:00:00Z"); // Monday: the Thursday 18 May meeting is 3 working days away
    expect((await run()).htReminders).toBe(0);
    s.at("2023-05-16T08:00:00Z"); // Tuesday: 2 working days before
    expect((await run()).htReminders).toBe(1);
    expect((await run()).htReminders).toBe(0);
    s.at("2023-05-16T09:00:00Z"); // the next hourly run, with new clients (a restart)
    expect((await run()).htReminders).toBe(0);
    const reminders = (await inbox("head@worple.example")).filter((m: any) => m.subject.startsWith("Reminder:"));
    expect(reminders.map((m: any) => m.subject)).toEqual(["Reminder: MIP cluster 5 meeting, Thursday 18 May 2023, 2pm"]);
  });

  it("a moved meeting updates the event, not a second one", async () => {
    p = withContacts((raw) => {
      const june = raw.clusters[4].meetings.find((m: any) => m.date === "2023-06-15");
      june.date = "2023-06-16";
      june.start = "10:00";
      raw.clusters[4].rota.find((r: any) => r.school === "St Mary Isleworth").when = "2023-06-16";
    });
    const r = await run();
    expect(r.updated).toBe(1);
    const ev = await events("head@stmaryisleworth.example");
    expect(ev).toHaveLength(1);
    expect(ev[0].start).toEqual({ dateTime: "2023-06-16T10:00:00.0000000", timeZone: "Europe/London" });
    expect((await inbox("head@stmaryisleworth.example")).map((m: any) => m.subject)).toContain("Updated: MIP cluster 5 meeting: headteacher representative");
    expect((await run()).updated).toBe(0);
  });

  it("SENDCos get one deadline reminder three working days before each deadline", async () => {
    s.at("2023-06-01T08:00:00Z"); // Thursday; the 7 June 12pm deadline's reminder is due Friday 2 June
    expect((await run()).deadlineReminders).toBe(0);
    s.at("2023-06-02T08:00:00Z");
    expect((await run()).deadlineReminders).toBe(1);
    expect((await run()).deadlineReminders).toBe(0);
    const got = (await inbox("senco@worple.example")).filter((m: any) => m.subject.includes("presentation forms due"));
    expect(got.map((m: any) => m.subject)).toEqual(["MIP cluster 5: presentation forms due Wednesday 7 June 2023, 12 noon"]);
    const outbox = (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value.filter((o: any) => o.to === "senco@stmaryisleworth.example");
    expect(outbox).toHaveLength(1); // outside the tenant, sent by Bcc
  });

  it("deadline reminders can be switched off", async () => {
    p = withContacts((raw) => (raw.outlook = { deadlineReminderWorkingDays: null }));
    s.at("2023-06-23T08:00:00Z"); // the 28 June deadline's reminder would be due today
    expect((await run()).deadlineReminders).toBe(0);
  });
});
