/**
 * Attendance and the termly report in a Teams client (issue 16): on the day of cluster 5's meeting
 * the SCL opens the agenda, records who attended on its card, and the partnership lead's
 * `report summer-2023` answers with the summary card linking to the report in the Reports library.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { withExampleContacts } from "../../local/people.js";
import { partnership as hounslow } from "../helpers/tenant.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { launchBrowser, openTeams } from "./playground.js";

const p = withExampleContacts(hounslow);
const NOW = "2023-05-18T15:00:00Z"; // Thursday 18 May 2023, after cluster 5's 2pm meeting
const c5 = p.clusters.find((c) => c.id === 5)!;
let s: Stack;
let browser: Browser;

beforeAll(async () => {
  s = await startStack({ partnership: p, at: NOW });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

async function type(page: Page, text: string) {
  const box = page.locator("div[role=textbox][contenteditable=true]").first();
  await box.click();
  await box.fill(text);
  await box.press("Enter");
}

describe("attendance and the report in the Agents Playground", () => {
  it("the SCL records attendance on the agenda card; the partnership lead's report card links to the saved report", async () => {
    const scl = await openTeams(s, p, browser, { cluster: 5, now: new Date(NOW) }); // Katy Luciani, cluster 5's SCL
    try {
      const { page } = scl;
      await type(page, "agenda");
      const agenda = page.locator(".ac-adaptiveCard").filter({ hasText: "Cluster 5 meeting agenda" }).last();
      await agenda.waitFor({ timeout: 20_000 });
      expect(await agenda.innerText()).toContain("Thursday 18 May 2023");
      await agenda.getByRole("button", { name: "Record attendance" }).click();
      const card = page.locator(".ac-adaptiveCard").filter({ hasText: "Attendance: Cluster 5 meeting" }).last();
      await card.waitFor({ timeout: 20_000 });
      expect(await card.innerText()).toContain("Not recorded yet");
      await card.getByText(c5.schools[0]!.name, { exact: true }).click();
      await card.getByText(c5.schools[1]!.name, { exact: true }).click();
      await card.getByRole("button", { name: "Save attendance" }).click();
      await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain(`Recorded: 2 of ${c5.schools.length} schools' SENDCos attended.`);
      await page.screenshot({ path: ".data/e2e/attendance.png" });
      const rows = await s.deps.attendance.ofMeeting(5, "2023-05-18");
      expect(
        rows
          .filter((r) => r.attended)
          .map((r) => r.school)
          .sort(),
      ).toEqual([c5.schools[0]!.name, c5.schools[1]!.name].sort());
    } finally {
      await scl.close();
    }

    const lead = await openTeams(s, p, browser, { cluster: 5, currentUser: p.partnershipLead.email, now: new Date(NOW) });
    try {
      const { page } = lead;
      await type(page, "report summer-2023");
      const card = page.locator(".ac-adaptiveCard").filter({ hasText: "evaluation, Summer term 2023" }).last();
      await card.waitFor({ timeout: 30_000 });
      const text = await card.innerText();
      expect(text).toMatch(/SENDCo attendance\s+\d+(\.\d)?% \(1 meeting recorded\)/);
      expect(text).toContain("Cluster 5");
      await page.screenshot({ path: ".data/e2e/report-card.png" });
      // Meetings after today are not counted as held: cluster 5's 18 May is the term's first for five clusters.
      expect(text).toMatch(/Meetings held\s+\d+ of \d+ planned \(/);
      expect(await card.getByText("Open the full report").count()).toBe(1);
    } finally {
      await lead.close();
    }
  }, 120_000);
});
