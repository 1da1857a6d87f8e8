import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAcknowledgements } from "../../core/usecases/acknowledgements.js";
import { pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { inspectorGraph, partnership as p } from "../helpers/tenant.js";

let s: Stack;
// Teams messages: recorded here (the bot's proactive post is tested in the bot tests).
const told: { to: string; text: string }[] = [];
let teamsDown = false;
const notify = async (to: string, text: string) => {
  if (teamsDown) throw new Error("Teams is unavailable");
  told.push({ to, text });
  return true;
};
const run = () => runAcknowledgements({ ...s.deps, kv: s.deps.state, notify });
const subjects = async (who: string) =>
  (await inspectorGraph(s.tenant).client.api(`/users/${who}/mailFolders/inbox/messages`).select("subject").top(50).get()).value.map((m: any) => m.subject);
const KL = p.leads.find((l) => l.initials === "KL")!.email;

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" }); // Tuesday: acknowledgement due Wednesday 10 May
  await s.send({ from: "senco@worple.example", subject: "Cluster 5/KL/Worple Primary School", text: "x", attachments: [pdfForm()] });
  await s.send({ from: "senco@marlborough.example", subject: "Cluster 5/KL/Marlborough Primary School", text: "x", attachments: [pdfForm()] });
  await s.settle();
  // One of the two is acknowledged at once; only the other is chased.
  await s.deps.cases.change("C5-2023-0002", () => ({ AcknowledgedAt: new Date(s.tenant.now()).toISOString() }));
}, 60_000);
afterAll(() => s?.stop());

describe("acknowledgement reminders and escalation", () => {
  it("the SCL is reminded one working day before, once; the acknowledged case is not chased", async () => {
    s.at("2023-05-08T09:00:00Z"); // Monday 8 May (coronation bank holiday): two working days left
    expect((await run()).reminded).toEqual([]);
    s.at("2023-05-09T09:00:00Z"); // Tuesday: one working day left
    expect((await run()).reminded).toEqual(["C5-2023-0001"]);
    expect((await run()).reminded).toEqual([]);
    expect((await subjects(KL)).filter((x: string) => x.startsWith("Acknowledge"))).toEqual(["Acknowledge C5-2023-0001 by tomorrow"]);
    // In Teams too, once, naming the case and the date.
    expect(told).toEqual([{ to: KL, text: expect.stringContaining("**Acknowledge C5-2023-0001 by tomorrow.**") }]);
    expect(told[0]!.text).toContain("Wednesday 10 May 2023");
  });

  it("an overdue case is escalated to the partnership lead, once", async () => {
    s.at("2023-05-10T15:00:00Z"); // due today: not overdue yet
    expect((await run()).escalated).toEqual([]);
    s.at("2023-05-11T09:00:00Z");
    teamsDown = true; // the email still goes, and is still sent only once
    expect((await run()).escalated).toEqual(["C5-2023-0001"]);
    teamsDown = false;
    expect(s.logs.some((l) => l.includes("acknowledgements.teams-failed"))).toBe(true);
    expect((await run()).escalated).toEqual([]);
    expect((await subjects(p.partnershipLead.email)).filter((x: string) => x.startsWith("Overdue"))).toEqual(["Overdue acknowledgement: C5-2023-0001"]);
  });
});
