/** Browser-test helpers: the whole stack, the Agents Playground as one person's Teams, and chromium. */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import type { Partnership } from "../../core/config.js";
import { playgroundConfig } from "../../local/people.js";
import { startPlayground, type Playground } from "../../local/playground.js";
import type { Stack } from "../helpers/stack.js";

/** Debian's chromium (apt-get install -y chromium); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH. Playwright's own browser download does not work here.`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    // This machine's network is closed: without these chromium keeps trying Google's services.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface TeamsClient {
  pg: Playground;
  page: Page;
  close(): Promise<void>;
}

/** The Playground signed in as `currentUser`, open in a browser page at its personal chat. */
export async function openTeams(s: Stack, p: Partnership, browser: Browser, opts: { cluster: number; currentUser?: string; now: Date }): Promise<TeamsClient> {
  const dir = mkdtempSync(join(tmpdir(), "cluster-desk-pg-"));
  const config = playgroundConfig(p, opts.cluster, { now: opts.now, ...(opts.currentUser ? { currentUser: opts.currentUser } : {}) });
  const pg = await startPlayground({ appEndpoint: `${s.host.url}/api/messages`, config, dir });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(pg.url);
  // Opening the Playground installs the bot in the personal chat; the bot keeps the reference.
  await page.getByText("Personal Chat").first().waitFor();
  return {
    pg,
    page,
    async close() {
      await page.close();
      await pg.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` passes (the bot works asynchronously). */
export async function eventually<T>(check: () => Promise<T>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Clicks "Open vote" on a case's card; the vote card that comes (the last one for the case). */
export async function openVote(page: Page, card: Locator, ref: string): Promise<Locator> {
  await card.getByRole("button", { name: "Open vote" }).click();
  const vote = page
    .locator(".ac-adaptiveCard")
    .filter({ hasText: `Vote: ${ref}` })
    .last();
  await vote.waitFor({ timeout: 20_000 });
  return vote;
}

/** An Action.Execute click as Teams sends it, for the Playground's "Mock an Activity" (`pg.as`). */
export const cardClick = (verb: string, data: Record<string, unknown>) => ({
  type: "invoke",
  name: "adaptiveCard/action",
  value: { action: { type: "Action.Execute", verb, data } },
});

/** The vote cards of a case on the page (`state`: only those showing it, e.g. "Open: 0 of"). */
export const voteCards = (page: Page, ref: string, state?: string) => {
  const all = page.locator(".ac-adaptiveCard").filter({ hasText: `Vote: ${ref}` });
  return state ? all.filter({ hasText: state }) : all;
};

/** Closes a browser test's Playground page, browser and stack, each if it started. */
export async function tearDown(teams: TeamsClient | undefined, browser: Browser | undefined, s: Stack | undefined): Promise<void> {
  await teams?.close();
  await browser?.close();
  await s?.stop();
}

/**
 * axe-core run in the page (WCAG 2.0, 2.1 and 2.2 A and AA rules): each violation as "rule: the
 * first element's selector", none expected.
 */
export async function axeViolations(page: import("playwright-core").Page): Promise<string[]> {
  const { createRequire } = await import("node:module");
  const { readFileSync } = await import("node:fs");
  const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: source });
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } })
      .axe;
    return axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } });
  });
  return result.violations.map((v) => `${v.id}: ${v.nodes[0]?.target.join(" ") ?? ""}`);
}
