/**
 * Issue 31 in a Teams client (the Agents Playground, signed in as Katy Luciani, SCL of clusters 4
 * and 5): a value outside its limit refused on the card, not changed; a move that keeps the case's
 * problems; a vote closed without quorum, confirmed, then opened again; the SCL getting her vote
 * card back with `case <ref>`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { playgroundPeople, playgroundTeam, withExampleContacts } from "../../local/people.js";
import { partnership as hounslow } from "../helpers/tenant.js";
import { sendIsleworthForm, startStack, type Stack } from "../helpers/stack.js";
import { cardClick, voteCards, eventually, launchBrowser, openTeams, openVote, type TeamsClient, tearDown } from "./playground.js";

const p = withExampleContacts(hounslow);
const NOW = "2023-05-02T08:30:00Z";
const KL = "Katy.Luciani@hounslow.gov.uk";
let s: Stack;
let browser: Browser;
let teams: TeamsClient;

const cardOf = (ref: string) =>
  teams.page
    .locator(".ac-adaptiveCard")
    .filter({ hasText: `Presentation form: ${ref}` })
    .last();

beforeAll(async () => {
  s = await startStack({ partnership: p, at: NOW });
  browser = await launchBrowser();
  teams = await openTeams(s, p, browser, { cluster: 5, now: new Date(NOW) });
  await eventually(async () => expect(await s.deps.teams.personalChat(KL)).toBeTruthy());
});
afterAll(() => tearDown(teams, browser, s));

describe("never trapped, no quiet change of facts (issue 31)", () => {
  it("a number outside its limit is refused on the card with the limit, and stays as typed", async () => {
    await sendIsleworthForm(s);
    const card = cardOf("C5-2023-0001");
    await card.waitFor({ timeout: 20_000 });
    await card.getByText("Group (2 or more CYP)").click();
    await card.getByLabel("Number of children and young people").fill("5");
    await card.getByLabel("Terms sought").fill("9");
    await card.getByLabel("Amount requested (£)").fill("4500");
    await card.getByRole("button", { name: "Save details" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain("Enter the terms sought: a whole number from 1 to 3.");
    expect(await card.getByLabel("Terms sought").inputValue()).toBe("9"); // not clamped to 3
    expect((await s.deps.cases.byRef("C5-2023-0001"))!.fields.TermsSought ?? null).toBeNull();
    await teams.page.screenshot({ path: ".data/e2e/traps-refused.png" });
  });

  it("a move keeps the case's problems and says who moved it from where", async () => {
    await s.send({ from: "senco@bolder.school.example", subject: "Cluster 5/KL/Bolder Academy", text: "The form is coming." });
    await s.settle();
    const card = cardOf("C5-2023-0002");
    await card.waitFor({ timeout: 20_000 });
    expect(await card.innerText()).toMatch(/Status\s+Needs attention/);
    await card.getByRole("combobox", { name: "Move to cluster" }).click();
    await teams.page.getByRole("option", { name: "Cluster 4 (KL)" }).click();
    await card.getByRole("button", { name: "Move to chosen cluster" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain("Moved from cluster 5 to cluster 4 (KL) by Katy Luciani");
    const text = await card.innerText();
    expect(text).toMatch(/Cluster\s+Cluster 4/);
    expect(text).toMatch(/Status\s+Needs attention/);
    expect(text).toMatch(/no (presentation )?form/i);
    await teams.page.screenshot({ path: ".data/e2e/traps-moved.png" });
  });

  it("closing without quorum asks first and leaves the vote to open again; `case <ref>` brings the SCL's controls back", async () => {
    const ref = "C5-2023-0001";
    const card = cardOf(ref);
    await card.getByLabel("Terms sought").fill("2");
    await card.getByRole("button", { name: "Save details" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Funding limit\s+£4,000/);
    await card.getByRole("button", { name: "Accept to agenda" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Status\s+On agenda/);
    s.at("2023-05-18T13:10:00Z");
    const vote = await openVote(teams.page, card, ref);
    const voter = playgroundPeople(p, 5, { now: new Date(NOW) }).users.find((u) => u.email.startsWith("senco@"))!;
    await teams.pg.as(voter.email, playgroundTeam(5).channelId, cardClick("vote.cast", { caseRef: ref, choice: "agree" }));
    await eventually(async () => expect((await s.deps.teams.voteSession(ref))!.ids).toHaveProperty(voter.email.toLowerCase()));

    await vote.getByRole("button", { name: "Close vote" }).click();
    await expect.poll(() => vote.innerText(), { timeout: 20_000 }).toContain("Only 1 of the 3 votes needed are in.");
    await teams.page.screenshot({ path: ".data/e2e/traps-close-asks.png" });
    await vote.getByRole("button", { name: "Close without a decision" }).click();
    await expect.poll(() => vote.innerText(), { timeout: 20_000 }).toContain("Closed: No decision (1 vote(s) cast; 3 are needed)");
    expect((await s.deps.cases.byRef(ref))!.fields.Status).toBe("On agenda");

    // Opened again from the case's card: a new vote card, its votes starting again.
    await card.getByRole("button", { name: "Open vote" }).click();
    await expect.poll(() => voteCards(teams.page, ref, "Open: 0 of").count(), { timeout: 20_000 }).toBeGreaterThan(0);

    // The SCL types `case <ref>`: the case's card and the live vote card, with Close and Cancel.
    await teams.page.getByRole("textbox").last().fill(`case ${ref}`);
    await teams.page.keyboard.press("Enter");
    await expect.poll(() => voteCards(teams.page, ref).count(), { timeout: 20_000 }).toBeGreaterThan(2);
    const back = voteCards(teams.page, ref).last();
    expect(await back.getByRole("button", { name: "Close vote" }).count()).toBe(1);
    expect(await back.getByRole("button", { name: "Cancel vote" }).count()).toBe(1);
    await teams.page.screenshot({ path: ".data/e2e/traps-case-back.png" });
  });
});
