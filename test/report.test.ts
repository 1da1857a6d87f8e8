/**
 * The termly evaluation (issue 16): figures counted by hand against core/rules/report.ts, the edge cases
 * (superseded, moved, two-stage, not yet heard, another term), seed 001's overview as CSV, and a
 * register built through Graph in the local tenant rendered to HTML (charts as SVG), a workbook
 * and JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { TestAdapter, type TurnContext } from "botbuilder";
import { ClusterDeskBot } from "../bot/bot.js";
import { loadPartnership } from "../config/load.js";
import { ackText, buildReport, overviewCsv, termPeriod } from "../core/rules/report.js";
import type { StoredCase } from "../core/ports.js";
import { renderReport } from "../reports/render.js";
import { botBase, everyCase, listFields, pdfForm, startStack, type Stack } from "./helpers/stack.js";
import { FakeCases, FakeKv, FakeMailer } from "./fakes/teams.js";
import { runTermlyReport, termJustEnded, termReport } from "../core/usecases/termly.js";
import { partnership as hounslow } from "./helpers/tenant.js";
import { REFUSED_INDIVIDUAL } from "./helpers/cases.js";

let n = 0;
const sc = (fields: Partial<StoredCase["fields"]> & { Title: string; Status: StoredCase["fields"]["Status"] }): StoredCase => ({
  itemId: String(++n),
  etag: "e",
  fields: { ReceivedAt: "2023-05-02T09:00:00Z", ...fields },
});

describe("the report's figures", () => {
  const summer = termPeriod(hounslow, "summer-2023");
  const cases = [
    sc({
      Title: "C5-2023-0001",
      Status: "Decided",
      Cluster: 5,
      School: "Isleworth Town Primary School",
      Phase: "primary",
      CaseType: "Group",
      CypCount: 5,
      TermsSought: 2,
      AmountRequested: 4500,
      AmountAwarded: 4000,
      Decision: "Agree to fund",
      DecisionAt: "2023-05-18T14:00:00Z",
      MeetingDate: "2023-05-18T13:00:00Z",
      AckDueBy: "2023-05-09T00:00:00Z",
      AcknowledgedAt: "2023-05-04T10:00:00Z",
    }),
    sc({
      Title: "C5-2023-0002",
      Status: "Decided",
      Cluster: 5,
      School: "Gumley House School",
      Phase: "secondary",
      ...REFUSED_INDIVIDUAL,
      DecisionAt: "2023-06-15T14:00:00Z",
      AckDueBy: "2023-05-09T00:00:00Z",
      AcknowledgedAt: "2023-05-12T10:00:00Z",
    }),
    sc({ Title: "C5-2023-0003", Status: "Superseded", Cluster: 5, School: "Gumley House School", CypCount: 1, DecisionAt: "2023-06-15T14:00:00Z" }),
    // Moved from cluster 5 to cluster 4 before it was heard: counted once, in cluster 4.
    sc({
      Title: "C5-2023-0004",
      Status: "Decided",
      Cluster: 4,
      School: "Marlborough Primary School",
      Phase: "primary",
      CaseType: "Individual",
      CypCount: 1,
      TermsSought: 3,
      AmountRequested: 6000,
      AmountAwarded: 6000,
      Decision: "Agree to fund",
      DecisionAt: "2023-07-11T12:00:00Z",
    }),
    sc({ Title: "C6-2023-0001", Status: "On agenda", Cluster: 6, School: "Chiswick School", Phase: "secondary", CypCount: 2 }),
    sc({
      Title: "C1-2023-0001",
      Status: "Decided",
      Cluster: 1,
      School: "Bedfont Primary School",
      Phase: "primary",
      CypCount: 1,
      TermsSought: 1,
      AmountAwarded: 2000,
      Decision: "Agree to fund",
      DecisionAt: "2023-10-12T12:00:00Z",
    }),
  ];
  const intake = [
    { outcome: "accepted", at: "2023-05-02T09:00:05Z" },
    { outcome: "late", at: "2023-05-03T15:30:05Z" },
    { outcome: "rejected", at: "2023-05-02T09:01:00Z" },
    { outcome: "accepted", at: "2023-03-01T09:00:00Z" },
  ];
  const r = buildReport(hounslow, cases, intake, summer);

  it("counts each heard case once, in its final cluster, in the term it was heard", () => {
    expect(summer).toEqual({ label: "Summer term 2023", from: "2023-04-24", to: "2023-08-31" });
    expect(r.counted).toEqual(["C5-2023-0001", "C5-2023-0002", "C5-2023-0004"]);
    const c5 = r.clusters.find((c) => c.cluster === 5)!;
    expect(c5).toMatchObject({ casesPresented: 2, cypPresented: 6, cypFunded: 5, schoolsAwarded: 1, individual: 1, group: 1, requested: 6500, awarded: 4000 });
    expect(c5.capped).toBe(4000 + 2000); // regressive £2,000 a term: 2 terms, and 1 term
    expect(r.clusters.find((c) => c.cluster === 4)).toMatchObject({ casesPresented: 1, cypFunded: 1, schoolsAwarded: 1 });
    expect(r.totals).toMatchObject({ casesPresented: 3, cypPresented: 7, cypFunded: 6, schoolsAwarded: 2, schools: 71 });
    expect(r.byPhase.find((b) => b.phase === "secondary")).toMatchObject({ cases: 1, casesPct: 33.3 });
    expect(r.termsSought).toEqual([
      { terms: 1, cases: 1 },
      { terms: 2, cases: 1 },
      { terms: 3, cases: 1 },
    ]);
    expect(r.service.received).toEqual({ accepted: 1, late: 1, rejected: 1 });
    expect(r.service.acknowledgedInTime).toEqual({ count: 1, of: 2, pct: 50, late: 1, notYetDue: 0 });
    expect(r.service.workingDaysToDecision).toMatchObject({ cases: 3, worst: 48 });
    // Per school, counts below 3 are not shown as numbers.
    expect(r.schools.find((s) => s.school === "Gumley House School")).toEqual({
      school: "Gumley House School",
      cluster: "Cluster 5",
      presented: "fewer than 3",
      funded: 0,
    });
  });

  it("a report made mid-term counts only the meetings on the calendar so far", () => {
    expect(buildReport(hounslow, [], [], summer).totals.meetingsPlanned).toBe(18); // 6 clusters, 3 meetings each
    const mid = buildReport(hounslow, [], [], summer, [], "2023-05-18");
    expect(mid.clusters.find((c) => c.cluster === 5)!.meetingsPlanned).toBe(1); // 18 May; 15 June and 13 July to come
    expect(mid.totals.meetingsPlanned).toBeLessThan(18);
  });

  it("a meeting counts as held only with cases heard or attendance recorded (issue 31; seed 001: two clusters held no July meeting)", () => {
    // Nothing heard, nothing recorded: 18 meetings planned, none held.
    expect(buildReport(hounslow, [], [], summer).totals).toMatchObject({ meetingsPlanned: 18, meetingsHeld: 0, meetingsWithoutCases: 0 });
    // Attendance recorded at cluster 1's May meeting, with no case: held, without cases.
    const att = [{ clusterId: 1, date: "2023-05-17", school: "Bedfont Primary School", attended: true }];
    expect(buildReport(hounslow, [], [], summer, att).clusters.find((c) => c.cluster === 1)).toMatchObject({
      meetingsPlanned: 3,
      meetingsHeld: 1,
      meetingsWithoutCases: 1,
    });
    // The term's register: meetings held are those its cases were heard at.
    expect(r.totals.meetingsHeld).toBeGreaterThan(0);
    expect(r.totals.meetingsHeld).toBeLessThan(r.totals.meetingsPlanned);
  });

  it("acknowledgements not yet due are counted apart from late ones", () => {
    const received = (ref: string, ack: string | null) =>
      ({
        itemId: ref,
        etag: "1",
        fields: { Title: ref, Status: "Accepted", Cluster: 5, ReceivedAt: "2023-07-10T09:00:00Z", AckDueBy: "2023-07-17T00:00:00Z", AcknowledgedAt: ack },
      }) as StoredCase;
    const cases = [received("C5-2023-0101", "2023-07-11T09:00:00Z"), received("C5-2023-0102", null), received("C5-2023-0103", null)];
    // On 12 July two are within their five working days: not late, not yet due.
    const mid = buildReport(hounslow, cases, [], summer, [], "2023-07-12").service.acknowledgedInTime;
    expect(mid).toEqual({ count: 1, of: 1, pct: 100, late: 0, notYetDue: 2 });
    expect(ackText(mid)).toBe("1 of 1 due; 2 not yet due");
    // At the end of term they are late.
    expect(buildReport(hounslow, cases, [], summer).service.acknowledgedInTime).toEqual({ count: 1, of: 3, pct: 33.3, late: 2, notYetDue: 0 });
  });

  it("prints seed 001's overview as it is laid out there", () => {
    expect(overviewCsv(r)).toBe(
      [
        ",1,2,3,4,5,6,Totals",
        "Cases presented to cluster,0,0,0,1,2,0,3",
        "CYP presented,0,0,0,1,6,0,7",
        "CYP supported with funding,0,0,0,1,5,0,6",
        "Schools awarded funding,0,0,0,1,1,0,2",
        "",
      ].join("\n"),
    );
  });

  it("counts a two-stage case once, when its cluster heard it (Sutton)", () => {
    const sutton = loadPartnership("sutton").partnership;
    const two = sc({
      Title: "SP5-2021-0001",
      Status: "Decided",
      Cluster: 5,
      School: "Westbourne Primary School",
      Phase: "primary",
      CypCount: 1,
      TermsSought: 2,
      AmountAwarded: 5000,
      Decision: "Agree to fund",
      Recommendation: "Agree to fund",
      RecommendedAt: "2021-01-26T15:00:00Z",
      DecisionAt: "2021-02-04T15:00:00Z",
    });
    const spring = buildReport(sutton, [two], [], termPeriod(sutton, "spring-2021"));
    expect(spring.counted).toEqual(["SP5-2021-0001"]);
    expect(spring.clusters.find((c) => c.name === "SP 5")).toMatchObject({ casesPresented: 1, awarded: 5000 });
    expect(buildReport(sutton, [two], [], termPeriod(sutton, "autumn-2020")).counted).toEqual([]);
  });

  it("refuses a term it cannot read", () => {
    expect(() => termPeriod(hounslow, "summer 23")).toThrow(/is not a term: write it like autumn-2026/);
  });
});

describe("the termly timer", () => {
  it("after the term's last cluster meeting, the partnership lead gets the term's figures once (by email without a Teams chat)", async () => {
    // Hounslow's summer 2023 meetings end on 13 July.
    expect(termJustEnded({ partnership: hounslow }, "2023-07-12")).toBeNull();
    expect(termJustEnded({ partnership: hounslow }, "2023-07-14")).toBe("summer-2023");
    const cases = new FakeCases();
    cases.add({
      Title: "C5-2023-0001",
      Status: "Decided",
      Cluster: 5,
      School: "Isleworth Town Primary School",
      Phase: "primary",
      CypCount: 5,
      TermsSought: 2,
      AmountRequested: 4000,
      AmountAwarded: 4000,
      Decision: "Agree to fund",
      ReceivedAt: "2023-05-02T09:00:00Z",
      DecisionAt: "2023-05-18T14:00:00Z",
    });
    const mailer = new FakeMailer();
    let now = new Date("2023-07-12T09:00:00Z");
    const d = {
      partnership: hounslow,
      cases,
      mailer,
      kv: new FakeKv(),
      log: { info: () => {}, warn: () => {} },
      now: () => now,
      notify: async () => false,
    };
    expect(await runTermlyReport(d)).toBeNull();
    now = new Date("2023-07-14T09:00:00Z");
    expect(await runTermlyReport(d)).toBe("summer-2023");
    expect(await runTermlyReport(d)).toBeNull();
    expect(mailer.to(hounslow.partnershipLead.email)).toHaveLength(1);
    expect(mailer.outbox[0]!.subject).toBe("MIP evaluation: Summer term 2023");
    expect(mailer.outbox[0]!.body).toContain("1 case presented, 5 CYP; 5 CYP supported with funding");

    // With a Reports library the message links to the saved report; a failed save still sends the figures.
    const saved: string[] = [];
    const warnings: string[] = [];
    const next = { ...d, kv: new FakeKv(), log: { info: () => {}, warn: (e: string) => void warnings.push(e) } };
    await runTermlyReport({
      ...next,
      publishReport: async (r, term) => (saved.push(`${r.partnership.id} ${term}`), { name: "x.html", url: "https://sp.example/Reports/x.html" }),
    });
    expect(saved).toEqual(["hounslow-mip summer-2023"]);
    expect(mailer.outbox[1]!.body).toContain("The full report: [x.html](https://sp.example/Reports/x.html)");
    await runTermlyReport({ ...next, kv: new FakeKv(), publishReport: async () => Promise.reject(Object.assign(new Error("no"), { statusCode: 503 })) });
    expect(warnings).toEqual(["report.save-failed"]);
    expect(mailer.outbox[2]!.body).toContain("npx cluster-desk report --term summer-2023");
  });
});

describe("a register built through Graph, rendered", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ at: "2023-05-02T09:00:00Z" });
  }, 60_000);
  afterAll(() => s?.stop());

  it("HTML with SVG charts, a workbook with a sheet per table, and JSON, from the Cases list and the intake audit", async () => {
    for (const [from, subject] of [
      ["senco@isleworthtown.example", "Cluster 5/KL/Isleworth Town Primary School"],
      ["senco@worple.example", "Cluster 5/KL/Worple Primary School"],
      ["senco@bedfont.example", "Cluster 1/NF/Bedfont Primary School"],
    ])
      await s.send({ from, subject, text: "x", attachments: [pdfForm()] });
    await s.settle();
    await s.deps.cases.change("C5-2023-0001", () => ({
      Status: "Decided",
      CaseType: "Group",
      CypCount: 4,
      TermsSought: 2,
      AmountRequested: 4000,
      AmountAwarded: 4000,
      Decision: "Agree to fund",
      DecisionAt: "2023-05-18T14:00:00Z",
    }));
    await s.deps.cases.change("C1-2023-0001", () => ({ Status: "Decided", ...REFUSED_INDIVIDUAL, DecisionAt: "2023-05-17T12:00:00Z" }));
    const cases = await everyCase(s, hounslow);
    expect(cases).toHaveLength((await listFields(s, "Cases")).length);
    s.at("2023-07-21T09:00:00Z"); // the term's meetings are held
    // Attendance at cluster 5's meeting of 18 May, as the SCL's card records it (test/bot/agenda.test.ts).
    const c5 = hounslow.clusters.find((c) => c.id === 5)!;
    await s.deps.attendance.record(
      c5.schools.map((x, i) => ({ clusterId: 5, date: "2023-05-18", school: x.name, attended: i < 3 })),
      "katy.luciani@hounslow.gov.uk",
      "2023-05-18T15:00:00Z",
    );
    const report = await termReport(
      { ...s.deps, partnership: hounslow, intakeSince: (since) => s.deps.cases.intakeSince(since) },
      termPeriod(hounslow, "summer-2023"),
    );
    expect(report.counted).toEqual(["C1-2023-0001", "C5-2023-0001"]);
    expect(report.clusters.find((c) => c.cluster === 5)!.attendance).toEqual([{ date: "2023-05-18", attended: 3, schools: c5.schools.length }]);
    expect(report.clusters.find((c) => c.cluster === 1)!.attendance).toEqual([]);
    expect(report.totals).toMatchObject({ meetingsRecorded: 1, attendancePct: Math.round((3 / c5.schools.length) * 1000) / 10 });
    expect(report.totals).toMatchObject({ casesPresented: 2, cypPresented: 5, cypFunded: 4, schoolsAwarded: 1 });
    expect(report.service.received).toEqual({ accepted: 3 });

    const html = String(await renderReport(report, "html"));
    expect(html).toContain("<h2>Termly Overview of Awards by Cluster</h2>");
    // Awards by cluster, cases by phase, and school engagement (the Engagement list, read with the rest).
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    const book = new ExcelJS.Workbook();
    const xlsx = (await renderReport(report, "xlsx")) as Buffer;
    await book.xlsx.load(new Uint8Array(xlsx).buffer);
    expect(book.worksheets.map((w) => w.name)).toEqual([
      "Overview",
      "Engagement",
      "Cases",
      "Funding",
      "Meetings",
      "Attendance",
      "Phase",
      "Terms sought",
      "Service",
      "Schools",
    ]);
    expect(book.getWorksheet("Overview")!.getRow(2).values).toEqual([undefined, "Cases presented to cluster", 1, 0, 0, 0, 1, 0, 2]);
    expect(JSON.parse(String(await renderReport(report, "json"))).totals.cypFunded).toBe(4);

    // In Teams, the partnership lead's `report summer-2023` gives a summary card (headline figures,
    // each cluster's RAG) linking to the full report saved in the Reports library; an SCL is refused.
    const bot = new ClusterDeskBot({
      ...botBase(s, hounslow),
      intakeSince: (since) => s.deps.cases.intakeSince(since),
      attendance: s.deps.attendance,
      publishReport: s.deps.publishReport,
      resolveEmail: async (ctx) => ({ lead: hounslow.partnershipLead.email.toLowerCase(), kl: "katy.luciani@hounslow.gov.uk" })[ctx.activity.from.id] ?? null,
    });
    const say = async (who: string, text: string) => {
      const a = new TestAdapter(async (ctx) => bot.run(ctx), { channelId: "msteams" });
      await a.processActivity({ type: "message", text, from: { id: who, name: who } }, async (ctx: TurnContext) => bot.run(ctx));
      return a.activeQueue.filter((x) => x.type === "message").map((x) => x.text ?? JSON.stringify(x.attachments?.[0]?.content ?? null));
    };
    expect(await say("kl", "report summer-2023")).toEqual(["The termly report is for the partnership lead."]);
    const card = JSON.parse((await say("lead", "report summer-2023"))[0]!);
    expect(card.body[0].text).toBe("Mainstream Inclusion Partnership: evaluation, Summer term 2023");
    const facts = Object.fromEntries(card.body.find((b: any) => b.type === "FactSet").facts.map((f: any) => [f.title, f.value]));
    expect(facts).toMatchObject({
      "Cases presented": "2",
      "CYP supported with funding": "4",
      "Schools awarded funding": "1 of 71 (1.4%)",
      Awarded: "£4,000 of £6,000 requested",
      "SENDCo attendance": `${report.totals.attendancePct}% (1 meeting recorded)`,
    });
    const c5row = card.body.filter((b: any) => b.type === "ColumnSet").find((b: any) => b.columns[0].items[0].text.startsWith("**Cluster 5**"));
    expect(c5row.columns[0].items[0].text).toBe("**Cluster 5**: 1 case, £4,000 awarded");
    const open = card.actions.find((a: any) => a.type === "Action.OpenUrl");
    expect(open.title).toBe("Open the full report");
    // The link opens the saved HTML report, as SharePoint would; the library holds one file per term.
    expect(open.url.startsWith(`${s.tenant.url}/files/`)).toBe(true);
    const saved = await fetch(open.url);
    expect(saved.status).toBe(200);
    expect(saved.headers.get("content-type")).toBe("text/html");
    const body = await saved.text();
    expect(body).toContain("<h2>Termly Overview of Awards by Cluster</h2>");
    expect(body).toContain("<h2>Attendance</h2>");
    await say("lead", "report summer-2023");
    const site = await s.deps.site.id();
    const drive = await s.deps.graph.api(`/sites/${site}/lists/Reports/drive`).get();
    expect((await s.deps.graph.api(`/drives/${drive.id}/root/children`).get()).value.map((f: any) => f.name)).toEqual([
      "evaluation-hounslow-mip-summer-2023.html",
    ]);
    expect(await say("lead", "report summer-23")).toEqual(['"summer-23" is not a term: write it like autumn-2026, spring-2027 or summer-2027']);
    // No term: how to ask, with this academic year's terms (the stack's clock is in summer 2023), not the welcome text.
    expect(await say("lead", "report")).toEqual(["Which term? Write **report** and the term: report autumn-2022, report spring-2023 or report summer-2023."]);
  }, 60_000);
});
