/**
 * Seed 001's school engagement through Graph (issue 33): a summer 2023 register (forms emailed to
 * the local tenant, decisions), a contact log recorded with `contact` in Teams and attendance
 * recorded at meetings give the engagement table's counts exactly, as CSV, HTML (with a chart) and a
 * workbook; the Engagement list holds the kind only; `not engaged` lists a lead's schools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { ClusterDeskBot } from "../bot/bot.js";
import { termPeriod } from "../core/rules/report.js";
import { termReport } from "../core/usecases/termly.js";
import { renderReport } from "../reports/render.js";
import { sayAs } from "./helpers/activities.js";
import { botBase, listFields, pdfForm, startStack, type Stack } from "./helpers/stack.js";
import { partnership as p } from "./helpers/tenant.js";

const NF = "nikita.fernandes@hounslow.gov.uk"; // cluster 1
const KL = "katy.luciani@hounslow.gov.uk"; // clusters 4 and 5
let s: Stack;
/** The bot on the stack's adapters as they are now (moving the clock makes new ones: tokens expire). */
const bot = () =>
  new ClusterDeskBot({
    ...botBase(s, p),
    attendance: s.deps.attendance,
    engagement: s.deps.engagement,
    resolveEmail: async (ctx) => ctx.activity.from.id,
  });
const say = async (who: string, t: string) => (await sayAs(bot(), who, t)).map((a) => a.text ?? "").join("\n");

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
  for (const [from, subject] of [
    ["senco@bedfont.example", "Cluster 1/NF/Bedfont Primary School"],
    ["senco@isleworthtown.example", "Cluster 5/KL/Isleworth Town Primary School"],
    ["senco@worple.example", "Cluster 5/KL/Worple Primary School"],
  ])
    await s.send({ from, subject, text: "x", attachments: [pdfForm()] });
  await s.settle();
}, 60_000);
afterAll(() => s?.stop());

describe("school engagement", () => {
  it("contacts recorded in Teams, with the register and attendance, give seed 001's table exactly", async () => {
    expect(await say(NF, "contact bedfont informal")).toBe(
      "Recorded: Bedfont Primary School (Cluster 1), contacted the SCL to informally discuss cases, Tuesday 2 May 2023.",
    );
    expect(await say(NF, "contact Bedfont informal")).toMatch(/^Already recorded: Bedfont Primary School/);
    expect(await say(NF, "contact cardinal road informal yesterday")).toMatch(/^Recorded: Cardinal Road Infant and Nursery School/);
    expect(await say(NF, "contact bedfont familiarity")).toMatch(/^Recorded: /);
    expect(await say(KL, "contact worple presentation support")).toMatch(/^Recorded: Worple Primary School \(Cluster 5\)/);
    expect(await say(KL, "contact isleworth town visit")).toMatch(/^Recorded: /);
    expect(await say(KL, "contact bedfont informal")).toContain("not a school of your clusters");
    s.at("2023-06-07T09:00:00Z");
    expect(await say(NF, "contact bedfont informal")).toMatch(/^Recorded: /); // a second informal contact: still one school
    // The list holds the school, cluster, kind, day and who: nothing typed.
    const rows = await listFields(s, "Engagement");
    expect(rows).toHaveLength(6);
    expect(
      Object.keys(rows[0])
        .filter(
          (k) =>
            !k.startsWith("@") &&
            ![
              "id",
              "ContentType",
              "Modified",
              "Created",
              "AuthorLookupId",
              "EditorLookupId",
              "_UIVersionString",
              "Attachments",
              "Edit",
              "LinkTitleNoMenu",
              "LinkTitle",
              "ItemChildCount",
              "FolderChildCount",
              "_ComplianceFlags",
              "_ComplianceTag",
              "_ComplianceTagWrittenTime",
              "_ComplianceTagUserId",
              "AppAuthorLookupId",
              "AppEditorLookupId",
            ].includes(k),
        )
        .sort(),
    ).toEqual(["Cluster", "ContactDate", "EngagementKey", "Kind", "RecordedAt", "RecordedBy", "Title"]);

    await s.deps.cases.change("C1-2023-0001", () => ({
      Status: "Decided",
      Decision: "Agree to fund",
      AmountAwarded: 2000,
      CypCount: 1,
      TermsSought: 1,
      DecisionAt: "2023-05-17T14:00:00Z",
    }));
    await s.deps.cases.change("C5-2023-0002", () => ({
      Status: "Decided",
      Decision: "Do not fund (alternative support)",
      AmountAwarded: 0,
      CypCount: 1,
      TermsSought: 1,
      DecisionAt: "2023-05-18T14:00:00Z",
    }));
    const c1 = p.clusters.find((c) => c.id === 1)!;
    const c5 = p.clusters.find((c) => c.id === 5)!;
    await s.deps.attendance.record(
      c5.schools.map((x, i) => ({ clusterId: 5, date: "2023-05-18", school: x.name, attended: i < 7 })),
      KL,
      "2023-05-18T15:00:00Z",
    );
    await s.deps.attendance.record(
      c1.schools.map((x, i) => ({ clusterId: 1, date: "2023-06-14", school: x.name, attended: i < 12 })),
      NF,
      "2023-06-14T15:00:00Z",
    );
    s.at("2023-07-21T09:00:00Z");

    const report = await termReport({ ...s.deps, partnership: p, intakeSince: (since) => s.deps.cases.intakeSince(since) }, termPeriod(p, "summer-2023"));
    const csv = String(await renderReport(report, "csv", "engagement"))
      .trim()
      .split("\n");
    expect(csv[0]).toBe(
      "School engagement,Cluster familiarity Teams meeting and/or visit,Contacted the SCL for MIP information/clarification,Contacted the SCL to informally discuss cases,Contacted the SCL for support to complete forms,Submitted a presentation form,Contacted the SCL for case presentation support,Presented a case during a meeting and awarded funding,SCL has visited the school this term,Attended cluster meetings: May,Attended cluster meetings: June",
    );
    expect(csv[1]).toBe("Number of schools,1,0,2,0,3,1,1,1,7,12");
    const pct = (n: number, of: number) => Math.round((n / of) * 1000) / 10;
    expect(csv[2]).toBe(`% of schools,${[1, 0, 2, 0, 3, 1, 1, 1].map((n) => pct(n, 71)).join(",")},${pct(7, 10)},${pct(12, 14)}`);

    const html = String(await renderReport(report, "html"));
    expect(html).toContain("<h2>School Engagement: Summer term 2023</h2>");
    expect(html).toContain("School engagement: % of the partnership&#39;s schools");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(new Uint8Array((await renderReport(report, "xlsx")) as Buffer).buffer);
    expect(book.getWorksheet("Engagement")!.getRow(2).values).toEqual([undefined, "Number of schools", 1, 0, 2, 0, 3, 1, 1, 1, 7, 12]);
    expect(JSON.parse(String(await renderReport(report, "json"))).engagement.schools).toBe(71);
  });

  it("`not engaged` lists the lead's schools with no contact, form or attendance this academic year", async () => {
    const text = await say(KL, "not engaged");
    expect(text).toMatch(/^\*\*Schools not yet engaged\*\* since Monday 1 August 2022/);
    const c5 = p.clusters.find((c) => c.id === 5)!;
    const line5 = text.split("\n").find((l) => l.startsWith("- **Cluster 5**"))!;
    // Worple and Isleworth Town sent forms; the first seven attended in May.
    const engaged = new Set([...c5.schools.slice(0, 7).map((x) => x.name), "Worple Primary School", "Isleworth Town Primary School"]);
    expect(line5).toBe(
      `- **Cluster 5**: ${
        c5.schools
          .filter((x) => !engaged.has(x.name))
          .map((x) => x.name)
          .sort()
          .join("; ") || "every school has engaged"
      }`,
    );
    expect(text).toContain("- **Cluster 4**: ");
  });
});
