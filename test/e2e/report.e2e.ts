/** The termly report's HTML in chromium: it renders without errors, the charts are there, and it prints to PDF. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { loadPartnership } from "../../config/load.js";
import { buildReport, termPeriod } from "../../core/rules/report.js";
import type { StoredCase } from "../../core/ports.js";
import { reportHtml, reportPdf } from "../../reports/render.js";
import { axeViolations, launchBrowser } from "./playground.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const p = loadPartnership("hounslow-mip").partnership;
const decided = (ref: string, cluster: number, school: string, phase: string, cyp: number, awarded: number, at: string): StoredCase => ({
  itemId: ref,
  etag: "e",
  fields: {
    Title: ref,
    Status: "Decided",
    Cluster: cluster,
    School: school,
    Phase: phase,
    CypCount: cyp,
    TermsSought: 2,
    AmountRequested: awarded || 3000,
    AmountAwarded: awarded,
    Decision: awarded ? "Agree to fund" : "Do not fund (alternative support)",
    ReceivedAt: "2023-05-02T09:00:00Z",
    DecisionAt: at,
  },
});

describe("the termly report in a browser", () => {
  it("renders seed 001's tables and two SVG charts without errors, and prints to PDF", async () => {
    const cases = [
      decided("C5-2023-0001", 5, "Isleworth Town Primary School", "primary", 5, 4000, "2023-05-18T14:00:00Z"),
      decided("C2-2023-0001", 2, "The Heathland School", "secondary", 1, 0, "2023-05-16T12:00:00Z"),
      decided("C6-2023-0001", 6, "Belmont Primary School", "primary", 3, 4000, "2023-06-14T12:00:00Z"),
    ];
    const r = buildReport(p, cases, [], termPeriod(p, "summer-2023"));
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.setContent(await reportHtml(r), { waitUntil: "load" });
    expect(await page.locator("svg.marks").count()).toBe(2);
    expect(await page.locator("h2").first().innerText()).toBe("Termly Overview of Awards by Cluster");
    expect(await page.locator("table").first().innerText()).toMatch(/CYP supported with funding\s+0\s+0\s+0\s+0\s+5\s+3\s+8/);
    // (Two-stage and contingency tables are the other partnerships'; the meetings table is the fourth.)
    // A meeting counts as held with cases heard or attendance recorded (none recorded here): cluster 2's
    // and cluster 5's; cluster 6 decided on a day it did not meet.
    const meetings = await page.locator("table").nth(3).innerText();
    expect(meetings).toMatch(/Meetings planned\s+3\s+3\s+3\s+3\s+3\s+3\s+18/);
    expect(meetings).toMatch(/Meetings held \(cases heard or attendance recorded\)\s+0\s+1\s+0\s+0\s+1\s+0\s+2/);
    // Each chart has its figures in words (its text alternative, and the SVG's aria-label).
    expect(await page.locator("figure p.alt").first().innerText()).toContain("Cluster 5: Requested £4,000, Awarded £4,000");
    expect(await page.locator("figure svg").first().getAttribute("aria-label")).toContain("Awarded and requested by cluster.");
    // WCAG 2.2 AA as axe-core checks it in the browser: no violation (contrast, names, structure).
    expect(await axeViolations(page)).toEqual([]);
    mkdirSync(".data/e2e", { recursive: true });
    await page.screenshot({ path: ".data/e2e/report.png", fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
    const pdf = await reportPdf(r);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.length).toBeGreaterThan(10_000);
  }, 60_000);
});
