/**
 * The running calendar is the Meetings list: a published year places today's forms, and an
 * officer's edit of a date in SharePoint (through Graph) is what intake uses next.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planYear, publishedMeetings } from "../../core/rules/planner.js";
import { GraphBudgets, GraphMeetings, GraphSchools } from "../../m365/sharepoint.js";
import { readGiasCsv } from "../../config/gias.js";
import { packageRoot } from "../../config/load.js";
import { matchGias } from "../../core/rules/directory.js";
import { budgetOverview } from "../../core/rules/agenda.js";
import { join } from "node:path";
import { listFields, pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { partnership as p } from "../helpers/tenant.js";

let s: Stack;
beforeAll(async () => {
  s = await startStack({ at: "2026-11-23T10:00:00Z" });
}, 60_000);
afterAll(() => s?.stop());

const cases = () => listFields(s, "Cases");

describe("the Meetings list is the running calendar", () => {
  it("before a year is published a form is 'needs attention'; after, it is accepted at the next meeting; an edit in the list moves it", async () => {
    await s.send({ from: "senco@before.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    expect((await cases()).find((c: any) => c.SenderEmail === "senco@before.example")).toMatchObject({ Status: "Needs attention" });

    const plan = planYear(p, "2026-27");
    const meetings = new GraphMeetings(s.deps.site);
    const r = await meetings.publish(publishedMeetings(plan));
    expect(r).toEqual({ created: plan.meetings.length, updated: 0, unchanged: 0 });
    expect(await meetings.publish(publishedMeetings(plan))).toEqual({ created: 0, updated: 0, unchanged: plan.meetings.length });
    await s.deps.refreshCalendar(true);
    const december = plan.meetings.find((m) => m.clusterId === 5 && m.date.startsWith("2026-12"))!;
    await s.send({ from: "senco@after.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const after = (await cases()).find((c: any) => c.SenderEmail === "senco@after.example");
    expect(after).toMatchObject({ Status: "Accepted" });
    expect(after.MeetingDate.slice(0, 10)).toBe(december.date);

    // An officer moves that meeting to 10 December in SharePoint, deadline 25 November 4pm.
    const site = await s.deps.site.id();
    const items = (await s.deps.graph.api(`/sites/${site}/lists/Meetings/items`).expand("fields").top(999).get()).value;
    const item = items.find((i: any) => i.fields.MeetingKey === `c5|${december.date}`);
    await s.deps.graph
      .api(`/sites/${site}/lists/Meetings/items/${item.id}/fields`)
      .patch({ MeetingStart: "2026-12-10T14:00:00Z", SubmissionDeadline: "2026-11-25T16:00:00Z" });
    await s.deps.refreshCalendar(true); // what the product does every few minutes
    await s.send({ from: "senco@edited.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const edited = (await cases()).find((c: any) => c.SenderEmail === "senco@edited.example");
    expect(edited).toMatchObject({ Status: "Accepted", MeetingDate: "2026-12-10T14:00:00Z", SubmissionDeadline: "2026-11-25T16:00:00Z" });
  });

  it("the Schools list from a GIAS extract; a domain an officer adds there turns the sender check on for that school", async () => {
    const m = matchGias(p, readGiasCsv(join(packageRoot(), "test", "fixtures", "gias", "edubase-hounslow-extract.csv")), "313");
    const schools = new GraphSchools(s.deps.site);
    expect(await schools.upsert(m.matched)).toEqual({ created: m.matched.length, updated: 0, unchanged: 0 });
    expect(await schools.upsert(m.matched)).toEqual({ created: 0, updated: 0, unchanged: m.matched.length });
    const site = await s.deps.site.id();
    const items = (await s.deps.graph.api(`/sites/${site}/lists/Schools/items`).expand("fields").top(999).get()).value;
    const isleworth = items.find((i: any) => i.fields.URN === "102500");
    expect(isleworth.fields).toMatchObject({ Title: "Isleworth Town Primary School", Cluster: 5, Phase: "primary", Website: "isleworthtown.hounslow.sch.uk" });
    await s.deps.graph.api(`/sites/${site}/lists/Schools/items/${isleworth.id}/fields`).patch({ EmailDomains: "isleworthtown.hounslow.sch.uk" });
    await s.deps.refreshCalendar(true);
    await s.send({ from: "someone@elsewhere.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.send({ from: "senco@isleworthtown.hounslow.sch.uk", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const all = await cases();
    expect(all.find((c: any) => c.SenderEmail === "someone@elsewhere.example")).toMatchObject({ Status: "Quarantined" });
    expect(all.find((c: any) => c.SenderEmail === "senco@isleworthtown.hounslow.sch.uk")).toMatchObject({ Status: "Accepted" });
  });

  it("a budget set in the Budgets list is the year's allocation for the agenda and budget", async () => {
    expect(await new GraphBudgets(s.deps.site).set({ clusterId: 5, year: "2026-27", allocated: 25000 })).toBe("created");
    expect(await new GraphBudgets(s.deps.site).set({ clusterId: 5, year: "2026-27", allocated: 24000 })).toBe("updated");
    await s.deps.refreshCalendar(true);
    const c5 = s.deps.partnership.clusters.find((c) => c.id === 5)!;
    expect(budgetOverview(s.deps.partnership, c5, [], "2026-11-23")).toMatchObject({
      year: "2026-27",
      budget: 24000,
      committed: 0,
      remaining: 24000,
      rag: "Green",
    });
  });
});
