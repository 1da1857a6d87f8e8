/**
 * The termly report (core/rules/report.ts) as a council officer reads it: HTML laid out like seed 001's
 * pages, with charts rendered to SVG on the server by Vega-Lite (a maintained grammar of graphics
 * whose Node renderer needs no browser or canvas); a workbook with one sheet per table (ExcelJS);
 * a PDF printed from the HTML by headless chromium (playwright-core); CSV and JSON.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { formatPounds } from "../core/rules/funding.js";
import { escapeHtml } from "./escape.js";
import { ackText, overviewCsv, type Report } from "../core/rules/report.js";

export type ReportFormat = "html" | "pdf" | "xlsx" | "csv" | "json";
export const REPORT_FORMATS: ReportFormat[] = ["html", "pdf", "xlsx", "csv", "json"];

const money = (n: number | null) => (n === null ? "not set" : formatPounds(n));

/** The chart as SVG, one image to assistive technology named by `label` (its figures in words). */
async function svg(spec: TopLevelSpec, label: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return (await view.toSVG()).replace("<svg ", `<svg role="img" aria-label="${escapeHtml(label)}" `);
  } finally {
    view.finalize();
  }
}

/**
 * Side-by-side bars: for each category on the x axis, one bar per measure. The measures differ by
 * more than colour (WCAG 2.2 1.4.1): the first is filled dark navy, the second is an outline on
 * white, both with a navy edge (11:1 against the page, 1.4.11); `description` is the chart's text
 * alternative (Vega writes it as the SVG's aria-label).
 */
function groupedBars(values: { x: string; measure: string; y: number }[], yTitle: string, height: number, description: string): TopLevelSpec {
  const font = { labelFont: "Arial", titleFont: "Arial", labelLimit: 0, labelColor: "#1b1b1b", titleColor: "#1b1b1b" };
  const measures = [...new Set(values.map((v) => v.measure))];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description,
    width: 420,
    height,
    config: { axis: font, legend: font },
    data: { values },
    mark: { type: "bar", stroke: NAVY, strokeWidth: 1.5 },
    encoding: {
      x: { field: "x", type: "nominal", sort: null, title: null },
      xOffset: { field: "measure" },
      y: { field: "y", type: "quantitative", title: yTitle },
      fill: { field: "measure", type: "nominal", title: null, scale: { domain: measures, range: [NAVY, "#ffffff"] } },
    },
  };
}

const NAVY = "#1f3b73";

/** A chart's figures in words, for its text alternative: "Cluster 1: Requested £4,500, Awarded £4,000; ...". */
function inWords(values: { x: string; measure: string; y: number }[], unit: (n: number) => string): string {
  const byX = new Map<string, string[]>();
  for (const v of values) byX.set(v.x, [...(byX.get(v.x) ?? []), `${v.measure} ${unit(v.y)}`]);
  return [...byX.entries()].map(([x, parts]) => `${x}: ${parts.join(", ")}`).join("; ");
}

/** The report's charts: awards by cluster, cases by phase against the phase's share of schools, and school engagement; each with its figures in words. */
export async function charts(r: Report): Promise<{ title: string; svg: string; text: string }[]> {
  const awards = r.clusters.flatMap((c) => [
    { x: c.name, measure: "Requested", y: c.requested },
    { x: c.name, measure: "Awarded", y: c.awarded },
  ]);
  const phases = r.byPhase.flatMap((b) => [
    { x: b.phase, measure: "Share of cases (%)", y: b.casesPct },
    { x: b.phase, measure: "Share of schools (%)", y: b.schoolsPct },
  ]);
  const engaged = (r.engagement?.measures ?? []).map((m) => ({ x: m.label, measure: "% of schools", y: m.pct }));
  const pounds = (n: number) => formatPounds(n);
  const percent = (n: number) => `${n}%`;
  const chart = async (title: string, values: typeof awards, yTitle: string, height: number, unit: (n: number) => string) => {
    const text = inWords(values, unit);
    return { title, text, svg: await svg(groupedBars(values, yTitle, height, `${title}. ${text}`), `${title}. ${text}`) };
  };
  return [
    await chart("Awarded and requested by cluster", awards, "£", 220, pounds),
    await chart("Cases by phase against the phase's share of schools", phases, "%", 200, percent),
    ...(engaged.length ? [await chart("School engagement: % of the partnership's schools", engaged, "%", 220, percent)] : []),
  ];
}

function table(title: string, head: string[], rows: (string | number)[][]): string {
  return `<h2>${escapeHtml(title)}</h2><table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<${i === 0 ? "th" : "td"}>${escapeHtml(c)}</${i === 0 ? "th" : "td"}>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** The report's tables, as name, header and rows (for HTML and for the workbook's sheets). */
export function tables(r: Report): { name: string; head: string[]; rows: (string | number)[][] }[] {
  const names = r.clusters.map((c) => c.name);
  const row = (label: string, f: (c: Report["clusters"][number]) => number | string, total: number | string) => [label, ...r.clusters.map(f), total];
  return [
    {
      name: "Overview",
      head: ["Termly Overview of Awards by Cluster", ...names, "Totals"],
      rows: [
        row("Cases presented to cluster", (c) => c.casesPresented, r.totals.casesPresented),
        row("CYP presented", (c) => c.cypPresented, r.totals.cypPresented),
        row("CYP supported with funding", (c) => c.cypFunded, r.totals.cypFunded),
        row("Schools awarded funding", (c) => c.schoolsAwarded, r.totals.schoolsAwarded),
        row("Schools awarded funding (%)", (c) => c.schoolsAwardedPct, r.totals.schoolsAwardedPct),
      ],
    },
    ...(r.engagement
      ? [
          {
            // Seed 001's "School Engagement" table: a column per measure, then attendance by month.
            name: "Engagement",
            head: [
              "School engagement",
              ...r.engagement.measures.map((m) => m.label),
              ...r.engagement.attendance.map((a) => `Attended cluster meetings: ${a.label}`),
            ],
            rows: [
              ["Number of schools", ...r.engagement.measures.map((m) => m.schools), ...r.engagement.attendance.map((a) => a.schools)],
              ["% of schools", ...r.engagement.measures.map((m) => m.pct), ...r.engagement.attendance.map((a) => a.pct)],
            ],
          },
        ]
      : []),
    {
      name: "Cases",
      head: ["Cases", ...names, "Totals"],
      rows: [row("Individual", (c) => c.individual, r.totals.individual), row("Group", (c) => c.group, r.totals.group)],
    },
    {
      name: "Funding",
      head: ["Funding", ...names, "Totals"],
      rows: [
        row("Requested (£)", (c) => c.requested, r.totals.requested),
        row("Limits that applied (£)", (c) => c.capped, r.totals.capped),
        row("Awarded (£)", (c) => c.awarded, r.totals.awarded),
        row("Budget (£)", (c) => c.budget ?? "not set", ""),
        row("RAG", (c) => c.rag ?? "not rated", ""),
      ],
    },
    {
      name: "Meetings",
      head: ["Meetings", ...names, "Totals"],
      rows: [
        row("Meetings planned", (c) => c.meetingsPlanned, r.totals.meetingsPlanned),
        row("Meetings held (cases heard or attendance recorded)", (c) => c.meetingsHeld, r.totals.meetingsHeld),
        row("Meetings held with no cases", (c) => c.meetingsWithoutCases, r.totals.meetingsWithoutCases),
        row("Meetings with attendance recorded", (c) => c.attendance.length, r.totals.meetingsRecorded),
        row("SENDCo attendance (%)", (c) => c.attendancePct ?? "not recorded", r.totals.attendancePct ?? "not recorded"),
      ],
    },
    {
      name: "Attendance",
      head: ["Cluster", "Meeting", "SENDCos attended", "Schools", "%"],
      rows: r.clusters.flatMap((c) => c.attendance.map((a) => [c.name, a.date, a.attended, a.schools, Math.round((a.attended / a.schools) * 1000) / 10])),
    },
    {
      name: "Phase",
      head: ["Phase", "Cases", "% of cases", "Schools", "% of schools"],
      rows: r.byPhase.map((b) => [b.phase, b.cases, b.casesPct, b.schools, b.schoolsPct]),
    },
    { name: "Terms sought", head: ["Terms sought", "Cases"], rows: r.termsSought.map((t) => [String(t.terms), t.cases]) },
    ...(r.referralTypes ? [{ name: "Referral types", head: ["Referral type", "Cases"], rows: r.referralTypes.map((t) => [t.type, t.cases]) }] : []),
    ...(r.pupils
      ? [
          {
            name: "Pupils",
            head: ["Cluster", "Pupils", "% of pupils", "% of cases"],
            rows: r.pupils.map((x) => [names[r.clusters.findIndex((c) => c.cluster === x.cluster)]!, x.pupils, x.pupilsPct, x.casesPct]),
          },
        ]
      : []),
    ...(r.twoStage
      ? [
          {
            name: "Two-stage decisions",
            head: ["Decided after a recommendation", "Figure"],
            rows: [
              ["Cases decided", r.twoStage.decided],
              ["Decided as recommended", r.twoStage.asRecommended],
              ["Decided differently", r.twoStage.differently],
              ["Recommended (£)", r.twoStage.recommendedAmount],
              ["Decided (£)", r.twoStage.decidedAmount],
            ] as (string | number)[][],
          },
        ]
      : []),
    ...(r.contingency
      ? [
          {
            name: "Contingency fund",
            head: [`Contingency fund ${r.contingency.year}`, "Figure"],
            rows: [
              ["Allocated (£)", r.contingency.allocated ?? "no total set"],
              ["Committed (£)", r.contingency.committed],
              ["Remaining (£)", r.contingency.remaining ?? "no total set"],
              ["Awards from the fund", r.contingency.awards],
            ] as (string | number)[][],
          },
        ]
      : []),
    {
      name: "Service",
      head: ["Service levels", "Figure"],
      rows: [
        ...Object.entries(r.service.received).map(([k, v]) => [`Forms received: ${k}`, v] as [string, number]),
        ["Acknowledged within the promised working days", `${ackText(r.service.acknowledgedInTime)} (${r.service.acknowledgedInTime.pct}% of those due)`],
        ["Working days from receipt to decision (median)", r.service.workingDaysToDecision.median ?? "none decided"],
        ["Working days from receipt to decision (worst)", r.service.workingDaysToDecision.worst ?? "none decided"],
      ],
    },
    {
      name: "Schools",
      head: ["School", "Cluster", "Cases presented", "Cases funded"],
      rows: r.schools.map((s) => [s.school, s.cluster, s.presented, s.funded]),
    },
  ];
}

export async function reportHtml(r: Report): Promise<string> {
  const pics = await charts(r);
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>${escapeHtml(r.partnership.name)}: ${escapeHtml(r.period.label)}</title>
<style>
body { font-family: Arial, sans-serif; margin: 2em; color: #1b1b1b; }
h1 { font-size: 1.6em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.4em 0; } th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: right; }
thead th { background: #e8eef7; } tbody th { text-align: left; font-weight: normal; }
figure { display: inline-block; vertical-align: top; max-width: 660px; margin: 0.5em 1.5em 0.5em 0; } figcaption { font-weight: bold; margin-bottom: 0.3em; } .alt { font-size: 0.85em; }
@media print { body { margin: 1cm; } h2, table, figure { break-inside: avoid; } }
</style></head><body>
<h1>${escapeHtml(r.partnership.name)} (${escapeHtml(r.partnership.council)}): evaluation, ${escapeHtml(r.period.label)}</h1>
<p>${escapeHtml(r.period.from)} to ${escapeHtml(r.period.to)}. Cases are counted once, at the cluster meeting that heard them; counts and case references only.</p>
${pics.map((p) => `<figure><figcaption>${escapeHtml(p.title)}</figcaption>${p.svg}<p class="alt">${escapeHtml(p.text)}.</p></figure>`).join("\n")}
${tables(r)
  .map((t) =>
    table(
      t.name === "Overview" ? "Termly Overview of Awards by Cluster" : t.name === "Engagement" ? `School Engagement: ${r.period.label}` : t.name,
      t.head,
      t.rows,
    ),
  )
  .join("\n")}
<p>Budgets: ${r.clusters.map((c) => `${escapeHtml(c.name)} ${escapeHtml(money(c.budget))}`).join("; ")}.</p>
</body></html>
`;
}

export async function reportXlsx(r: Report): Promise<Buffer> {
  // The workbook library loads only for a workbook (the CLI's): the function app does not carry it.
  const { default: ExcelJS } = await import("exceljs");
  const wb = new ExcelJS.Workbook();
  wb.creator = "Cluster Desk";
  for (const t of tables(r)) {
    const ws = wb.addWorksheet(t.name.slice(0, 31));
    ws.addRow(t.head).font = { bold: true };
    for (const row of t.rows) ws.addRow(row);
    ws.columns.forEach((c, i) => (c.width = i === 0 ? 44 : 14));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The HTML printed to PDF by headless chromium (CHROMIUM_PATH, else Debian's /usr/bin/chromium). */
export async function reportPdf(r: Report): Promise<Buffer> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.setContent(await reportHtml(r), { waitUntil: "load" });
    return await page.pdf({ format: "A4", printBackground: true, margin: { top: "1cm", bottom: "1cm", left: "1cm", right: "1cm" } });
  } finally {
    await browser.close();
  }
}

export async function renderReport(r: Report, format: ReportFormat, table?: string): Promise<string | Buffer> {
  if (format === "json") return `${JSON.stringify(r, null, 2)}\n`;
  if (format === "csv") {
    if (table === undefined || table === "overview") return overviewCsv(r);
    const t = tables(r).find((x) => x.name.toLowerCase() === table.toLowerCase());
    if (!t)
      throw new Error(
        `there is no table "${table}": ${tables(r)
          .map((x) => x.name.toLowerCase())
          .join(", ")}`,
      );
    const cell = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    return `${[t.head, ...t.rows].map((row) => row.map(cell).join(",")).join("\n")}\n`;
  }
  if (format === "xlsx") return reportXlsx(r);
  if (format === "pdf") return reportPdf(r);
  return reportHtml(r);
}
