/**
 * Issue 8's one command, in a browser: `npm start` prints the Agents Playground's URL; opening it
 * shows Katy Luciani's Teams; `npx cluster-desk send-sample` becomes a triage card in her chat.
 * Issue 31: on the embedded default the case is decided today, under the example funding policy
 * `npm start` adds for this academic year, and the cards say the limits are an example.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { packageRoot } from "../../config/load.js";
import { start, stop } from "../helpers/npmStart.js";
import { tempDataDir } from "../helpers/tenant.js";
import { azuriteConnectionString } from "../../local/azurite.js";
import { TableState } from "../../m365/state.js";
import { eventually, launchBrowser, openVote } from "./playground.js";
import { playgroundPeople, playgroundTeam, teamsIds, withExampleContacts } from "../../local/people.js";
import { sendAs } from "../../local/playground.js";
import { partnership as hounslow } from "../helpers/tenant.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe("npm start in a browser", () => {
  it("the printed Playground is Katy's Teams; a sample form becomes a triage card there; Ctrl-C stops it", async () => {
    const run = start(tempDataDir());
    const banner = await run.ready;
    const playground = /Teams \(Agents Playground\)\s+(http:\/\/localhost:\d+)\//.exec(banner)![1]!;
    const smtpPort = /SMTP into the secure mailbox\s+localhost:(\d+)/.exec(banner)![1]!;

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${playground}/`);
    await page.getByText("Katy Luciani").first().waitFor();
    // Opening it installs the bot in Katy's chat: wait until the bot has kept it (Azurite's table).
    const ports = /Azurite \(queues, tables\)\s+queue :(\d+), table :(\d+)/.exec(banner)!;
    const state = new TableState(azuriteConnectionString({ blob: 0, queue: Number(ports[1]), table: Number(ports[2]) }));
    await eventually(async () => expect(await state.getSync("convref|user|katy.luciani@hounslow.gov.uk")).toBeTruthy(), 30_000);
    await page.getByText("Personal Chat").first().click();

    const sent = await promisify(execFile)(process.execPath, [join(packageRoot(), "bin", "cluster-desk.mjs"), "send-sample", "--smtp-port", smtpPort]);
    expect(JSON.parse(sent.stdout)).toMatchObject({ sent: true, subject: "Cluster 5/KL/Isleworth Town Primary School" });

    const card = page.locator(".ac-adaptiveCard").filter({ hasText: "Presentation form: " });
    await card.waitFor({ timeout: 30_000 });
    const text = await card.innerText();
    expect(text).toContain("Isleworth Town Primary School");
    expect(text).toMatch(/SEND Cluster Lead\s+Katy Luciani \(KL\)/);
    await page.screenshot({ path: ".data/e2e/start-triage.png" });

    // Today, on the embedded default: details, the limit (an example policy's), accept, vote, award.
    const ref = /Presentation form: (C5-\d{4}-\d{4})/.exec(text)![1]!;
    await card.getByText("Group (2 or more CYP)").click();
    await card.getByLabel("Number of children and young people").fill("5");
    await card.getByLabel("Terms sought").fill("2");
    await card.getByLabel("Amount requested (£)").fill("4500");
    await card.getByRole("button", { name: "Save details" }).click();
    // 5 CYP is a medium group: £3,000 a term under the 2023-24 limits the example copies.
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Funding limit\s+£6,000 \(example limits, not the council's\)/);
    await card.getByRole("button", { name: "Accept to agenda" }).click();
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/Status\s+On agenda/);
    const vote = await openVote(page, card, ref);
    expect(await vote.innerText()).toMatch(/Limit that applies\s+£6,000 \(example limits, not the council's\)/);
    // Three of cluster 5's SENDCos (Playground users) vote from the cluster's channel.
    const { users } = playgroundPeople(withExampleContacts(hounslow), 5);
    const voters = users.filter((u) => u.email.startsWith("senco@")).map((u) => ({ ...u, ...teamsIds(u.email) }));
    expect(voters.length).toBeGreaterThanOrEqual(3);
    for (const [i, v] of voters.slice(0, 3).entries())
      await sendAs(playground, voters, v.email, playgroundTeam(5).channelId, {
        type: "invoke",
        name: "adaptiveCard/action",
        value: { action: { type: "Action.Execute", verb: "vote.cast", data: { caseRef: ref, choice: i < 2 ? "agree" : "disagree" } } },
      });
    await expect.poll(() => vote.innerText(), { timeout: 20_000 }).toMatch(/Open: 3 of \d+ voted \(quorum 3, reached\)/);
    await vote.getByRole("button", { name: "Close vote" }).click();
    await expect.poll(() => vote.innerText(), { timeout: 20_000 }).toContain("Closed: Agree to fund, £4,500");
    expect(await vote.innerText()).toContain("Award: £4,500");
    await page.screenshot({ path: ".data/e2e/start-decided.png" });
    await page.close();

    expect(await stop(run.child)).toBe(0);
    expect(
      await fetch(`${playground}/`).then(
        () => "up",
        () => "down",
      ),
    ).toBe("down");
  });
});
