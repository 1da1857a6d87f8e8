/**
 * Issue 5 in a Teams client: a form emailed to the secure mailbox becomes a triage card in the SEND
 * Cluster Lead's chat in the Agents Playground; "Accept to agenda" changes the card and the case.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { withExampleContacts } from "../../local/people.js";
import { partnership as hounslow } from "../helpers/tenant.js";
import { pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { eventually, launchBrowser, openTeams, type TeamsClient } from "./playground.js";

const p = withExampleContacts(hounslow);
const NOW = "2023-05-02T08:30:00Z"; // Tuesday 2 May 2023, before cluster 5's deadline
let s: Stack;
let browser: Browser;
let teams: TeamsClient;

beforeAll(async () => {
  s = await startStack({ partnership: p, at: NOW });
  browser = await launchBrowser();
  teams = await openTeams(s, p, browser, { cluster: 5, now: new Date(NOW) }); // signed in as Katy Luciani (KL)
});
afterAll(async () => {
  await teams?.close();
  await browser?.close();
  await s?.stop();
});

describe("triage in the Agents Playground", () => {
  it("the SCL accepts a case from its triage card and sees the card change; the acknowledgement reminder reaches her chat", async () => {
    const { page } = teams;
    // The Playground installed the bot when it opened: the bot knows Katy's chat.
    await eventually(async () => expect(await s.deps.state.getSync("convref|user|katy.luciani@hounslow.gov.uk")).toBeTruthy());
    await s.send({ from: "senco@isleworthtown.school.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "Our form.", attachments: [pdfForm()] });
    await s.settle();

    const card = page.locator(".ac-adaptiveCard").filter({ hasText: "New presentation form: C5-2023-0001" });
    await card.waitFor({ timeout: 20_000 });
    const before = await card.innerText();
    expect(before).toContain("Isleworth Town Primary School");
    expect(before).toContain("Thursday 18 May 2023, 2pm");
    expect(before).toMatch(/Status\s+Accepted/);
    await page.screenshot({ path: ".data/e2e/triage-before.png" });

    await card.getByRole("button", { name: "Accept to agenda" }).click();

    // The same card, now showing the new status and what was done.
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Status\s+On agenda/);
    expect(await card.innerText()).not.toMatch(/Status\s+Accepted/);
    await page.screenshot({ path: ".data/e2e/triage-after.png" });
    // Not yet acknowledged: one working day before the date the school was promised, the hourly
    // job reminds Katy in her Teams chat (as well as by email).
    s.at("2023-05-09T09:00:00Z");
    await s.host.runTimer("acknowledgements");
    await page.getByText("Acknowledge C5-2023-0001 by tomorrow.").first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: ".data/e2e/triage-reminder.png" });
    const c = await s.deps.cases.byRef("C5-2023-0001");
    expect(c!.fields.Status).toBe("On agenda");
    // Cards carry case references and schools, never a child's name (none is in the form's email either).
    expect(await card.innerText()).not.toMatch(/child|pupil name/i);
  });
});
