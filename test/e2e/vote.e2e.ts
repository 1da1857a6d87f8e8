/**
 * Issue 6 in a Teams client: the Playground is signed in as a cluster 5 SENDCo. The SEND Cluster
 * Lead (another Playground user) links the meeting channel and opens a vote; the SENDCo votes in the
 * browser and sees their own choice; when the SCL closes the vote, the card in the channel shows the
 * decision and the calculation to everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { playgroundPeople, playgroundTeam, withExampleContacts } from "../../local/people.js";
import { eligibleVoters } from "../../core/rules/votes.js";
import { GraphVotes } from "../../m365/sharepoint.js";
import { partnership as hounslow } from "../helpers/tenant.js";
import { sendIsleworthForm, startStack, type Stack } from "../helpers/stack.js";
import { cardClick, eventually, launchBrowser, openTeams, type TeamsClient, tearDown } from "./playground.js";

const p = withExampleContacts(hounslow);
const KL = "Katy.Luciani@hounslow.gov.uk";
const ME = "senco@bolder.school.example"; // SENDCo, Bolder Academy (cluster 5)
const NOW = "2023-05-18T13:10:00Z"; // Thursday 18 May 2023, in cluster 5's meeting
const ref = "C5-2023-0001";
const channel = playgroundTeam(5).channelId;
let s: Stack;
let browser: Browser;
let teams: TeamsClient;

beforeAll(async () => {
  s = await startStack({ partnership: p, at: "2023-05-02T08:30:00Z" });
  await sendIsleworthForm(s);
  s.at(NOW);
  browser = await launchBrowser();
  teams = await openTeams(s, p, browser, { cluster: 5, currentUser: ME, now: new Date(NOW) });
  // The SCL records the details from the form and accepts the case to the agenda, on its card.
  const chat = playgroundTeam(5).channelId;
  await teams.pg.as(KL, chat, cardClick("triage.details", { caseRef: ref, caseType: "Group", cyp: "5", terms: "2", amount: "4500" }));
  await teams.pg.as(KL, chat, cardClick("triage.accept", { caseRef: ref }));
  await eventually(async () => expect((await s.deps.cases.byRef(ref))!.fields).toMatchObject({ Status: "On agenda", CypCount: 5 }));
});
afterAll(() => tearDown(teams, browser, s));

describe("votes in the Agents Playground", () => {
  it("a SENDCo casts a vote and sees the card change; the SCL's close shows everyone the decision", async () => {
    const { page } = teams;
    // The SCL makes the meeting channel cluster 5's, then opens the vote there.
    await teams.pg.as(KL, channel, { type: "message", text: "<at>Cluster Desk</at> cluster 5" });
    await eventually(async () => expect(await s.deps.state.getSync("convref|cluster|5")).toBeTruthy());
    await teams.pg.as(KL, channel, cardClick("vote.open", { caseRef: ref }));

    await page.getByText("Cluster 5 meetings").first().click();
    const card = page.locator(".ac-adaptiveCard").filter({ hasText: `Vote: ${ref}` });
    await card.waitFor({ timeout: 20_000 });
    const opened = await card.innerText();
    expect(opened).toMatch(/Amount requested\s+£4,500/);
    expect(opened).toMatch(/Limit that applies\s+£4,000/); // 5 CYP, 2 terms, summer 2023: regressive £2,000 a term
    expect(opened).toMatch(/Your vote\s+choose below/);
    expect(opened).toMatch(/Vote\s+Open: 0 of 10 voted \(quorum 3\)/); // 9 SENDCos (not the presenting school's) and the HT rep
    await page.screenshot({ path: ".data/e2e/vote-open.png" });

    await card.getByRole("button", { name: "Agree to fund" }).click();

    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Your vote\s+Agree to fund/);
    expect(await card.innerText()).toMatch(/Open: 1 of \d+ voted/);
    expect(await card.getByRole("button", { name: "Close vote" }).count()).toBe(0); // a SENDCo's own view
    await page.screenshot({ path: ".data/e2e/vote-cast.png" });
    const mine = (await new GraphVotes(s.deps.site).votes(ref)).find((v) => v.voter === ME);
    expect(mine?.choice).toBe("agree");

    // Two more voters, then the SCL closes with the amount the panel agreed.
    const may18 = eligibleVoters(
      p,
      p.clusters.find((c) => c.id === 5)!,
      "2023-05-18",
      "Isleworth Town Primary School",
    ).map((v) => v.email);
    const others = playgroundPeople(p, 5, { currentUser: ME, now: new Date(NOW) })
      .users.map((u) => u.email.toLowerCase())
      .filter((e) => may18.includes(e));
    expect(others.length).toBeGreaterThanOrEqual(2);
    await teams.pg.as(others[0]!, channel, cardClick("vote.cast", { caseRef: ref, choice: "agree" }));
    await teams.pg.as(others[1]!, channel, cardClick("vote.cast", { caseRef: ref, choice: "disagree" }));
    await eventually(async () => expect(await new GraphVotes(s.deps.site).votes(ref)).toHaveLength(3));
    await teams.pg.as(KL, channel, cardClick("vote.close", { caseRef: ref, panelAmount: "4500" }));

    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain("Closed: Agree to fund, £4,000");
    const closed = await card.innerText();
    expect(closed).toContain("Vote: 2 agree, 1 do not, 0 abstain: carried by a majority of those voting");
    expect(closed).toContain("Award: £4,000");
    expect(closed).toMatch(/Your vote\s+voting has closed/);
    expect(await card.getByRole("button", { name: "Agree to fund" }).count()).toBe(0);
    await page.screenshot({ path: ".data/e2e/vote-closed.png" });
    expect((await s.deps.cases.byRef(ref))!.fields).toMatchObject({ Status: "Decided", Decision: "Agree to fund", AmountAwarded: 4000 });
  });
});
