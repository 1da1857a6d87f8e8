/**
 * Issue 8's one command, in a browser: `npm start` prints the Agents Playground's URL; opening it
 * shows Katy Luciani's Teams; `npx cluster-desk send-sample` becomes a triage card in her chat.
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
import { eventually, launchBrowser } from "./playground.js";

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
