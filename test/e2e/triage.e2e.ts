/**
 * A whole case in a Teams client (issue 13): a form emailed to the secure mailbox becomes a triage
 * card in the SEND Cluster Lead's chat in the Agents Playground. In the browser she enters the
 * triage details and sees the funding limit, accepts the case, acknowledges the school and opens
 * the vote; voters vote; her close shows the award. No test code writes case fields.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { playgroundPeople, playgroundTeam, withExampleContacts } from "../../local/people.js";
import { eligibleVoters } from "../../core/rules/votes.js";
import { GraphVotes } from "../../m365/sharepoint.js";
import { partnership as hounslow } from "../helpers/tenant.js";
import { sendIsleworthForm, startStack, type Stack } from "../helpers/stack.js";
import { cardClick, eventually, launchBrowser, openTeams, openVote, type TeamsClient, tearDown } from "./playground.js";

const p = withExampleContacts(hounslow);
const NOW = "2023-05-02T08:30:00Z"; // Tuesday 2 May 2023, before cluster 5's deadline
const KL = "Katy.Luciani@hounslow.gov.uk";
const ref = "C5-2023-0001";
let s: Stack;
let browser: Browser;
let teams: TeamsClient;

beforeAll(async () => {
  s = await startStack({ partnership: p, at: NOW });
  browser = await launchBrowser();
  teams = await openTeams(s, p, browser, { cluster: 5, now: new Date(NOW) }); // signed in as Katy Luciani (KL)
});
afterAll(() => tearDown(teams, browser, s));

describe("a whole case in the Agents Playground", () => {
  it("the SCL enters the details and sees the limit, accepts, acknowledges and opens the vote; voters vote; the close shows the award", async () => {
    const { page } = teams;
    // The Playground installed the bot when it opened: the bot knows Katy's chat.
    await eventually(async () => expect(await s.deps.teams.personalChat(KL)).toBeTruthy());
    await sendIsleworthForm(s);

    const card = page
      .locator(".ac-adaptiveCard")
      .filter({ hasText: `Presentation form: ${ref}` })
      .last();
    await card.waitFor({ timeout: 20_000 });
    const before = await card.innerText();
    expect(before).toContain("Isleworth Town Primary School");
    expect(before).toContain("Thursday 18 May 2023, 2pm");
    expect(before).toMatch(/Status\s+Accepted/);
    expect(before).toMatch(/Funding limit\s+enter the details to see it/);
    await page.screenshot({ path: ".data/e2e/triage-before.png" });

    // A refusal stays on the same card, at its top, with what was typed kept.
    await card.getByText("Individual (1 CYP)").click();
    await card.getByLabel("Number of children and young people").fill("5");
    await card.getByLabel("Terms sought").fill("2");
    await card.getByLabel("Amount requested (£)").fill("4500");
    await card.getByRole("button", { name: "Save details" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain("An individual case is for 1 child or young person; choose Group for more.");
    expect(await card.getByLabel("Number of children and young people").inputValue()).toBe("5");
    await page.screenshot({ path: ".data/e2e/triage-refused.png" });

    await card.getByText("Group (2 or more CYP)").click();
    await card.getByRole("button", { name: "Save details" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Funding limit\s+£4,000/);
    expect(await card.innerText()).toMatch(/Details\s+Group, 5 CYP, 2 term\(s\), £4,500 requested/);
    await page.screenshot({ path: ".data/e2e/triage-details.png" });

    await card.getByRole("button", { name: "Accept to agenda" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Status\s+On agenda/);
    expect(await card.getByRole("button", { name: "Accept to agenda" }).count()).toBe(0);
    await card.getByRole("button", { name: "Acknowledge school" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Acknowledged/);
    expect(await card.getByRole("button", { name: "Acknowledge school" }).count()).toBe(0);
    await page.screenshot({ path: ".data/e2e/triage-after.png" });
    const acks = (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value.filter(
      (o: { to: string; message: { subject: string } }) => o.message.subject === `${ref}: your presentation form`,
    );
    expect(acks).toHaveLength(1);

    // In the meeting: no channel linked, so the vote card comes to this conversation.
    s.at("2023-05-18T13:10:00Z");
    const vote = await openVote(page, card, ref);
    const opened = await vote.innerText();
    expect(opened).toMatch(/School\s+Isleworth Town Primary School/);
    expect(opened).toMatch(/Case type\s+Group/);
    expect(opened).toMatch(/Limit that applies\s+£4,000/);
    await page.screenshot({ path: ".data/e2e/triage-vote-open.png" });

    const may18 = eligibleVoters(
      p,
      p.clusters.find((c) => c.id === 5)!,
      "2023-05-18",
      "Isleworth Town Primary School",
    ).map((v) => v.email);
    const voters = playgroundPeople(p, 5, { now: new Date(NOW) })
      .users.map((u) => u.email.toLowerCase())
      .filter((e) => may18.includes(e));
    expect(voters.length).toBeGreaterThanOrEqual(3);
    // Each voter clicks from Teams (here: an action sent as them in the cluster's channel, where they are members).
    const channel = playgroundTeam(5).channelId;
    for (const [i, v] of voters.slice(0, 3).entries())
      await teams.pg.as(v, channel, cardClick("vote.cast", { caseRef: ref, choice: i < 2 ? "agree" : "disagree" }));
    await eventually(async () => expect(await new GraphVotes(s.deps.site).votes(ref)).toHaveLength(3));

    await vote.getByRole("button", { name: "Close vote" }).click();
    await expect.poll(() => vote.innerText(), { timeout: 20_000 }).toContain("Closed: Agree to fund, £4,000");
    expect(await vote.innerText()).toContain("Award: £4,000");
    await page.screenshot({ path: ".data/e2e/triage-decided.png" });
    expect((await s.deps.cases.byRef(ref))!.fields).toMatchObject({
      Status: "Decided",
      Decision: "Agree to fund",
      AmountAwarded: 4000,
      CaseType: "Group",
      CypCount: 5,
    });
    // Cards carry case references and schools, never a child's name (none is in the email either).
    expect(await card.innerText()).not.toMatch(/child's name|pupil name/i);
  });
});
