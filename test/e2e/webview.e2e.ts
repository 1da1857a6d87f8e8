/**
 * The local tenant's web view (what a developer or an officer trying Cluster Desk reads: mailboxes,
 * messages, lists) in chromium with axe-core: no WCAG 2.2 AA violation on any of its kinds of page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startStack, pdfForm, type Stack } from "../helpers/stack.js";
import { axeViolations, launchBrowser } from "./playground.js";

let browser: Browser;
let s: Stack;
beforeAll(async () => {
  browser = await launchBrowser();
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
  await s.send({ from: "senco@worple.example", subject: "Cluster 5/KL/Worple Primary School", text: "Our form.", attachments: [pdfForm()] });
  await s.settle();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("the local tenant's web view", () => {
  it("its home, a mailbox, a message and a list each pass axe-core's WCAG 2.2 AA rules", async () => {
    const page = await browser.newPage();
    const read = async (path: string) => (await fetch(`${s.tenant.url}/${path}`)).text();
    const visited: string[] = [];
    const check = async (path: string) => {
      await page.setContent(await read(path), { waitUntil: "load" });
      visited.push(path);
      expect(await axeViolations(page), path || "home").toEqual([]);
      return page.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    };
    const home = await check("");
    const mailbox = home.find((h) => h.includes("mailbox="))!;
    const list = home.find((h) => h.includes("list="))!;
    const messages = await check(mailbox.replace(/^\//, ""));
    const message = messages.find((h) => h.includes("message="));
    if (message) await check(message.replace(/^\//, ""));
    await check(list.replace(/^\//, ""));
    expect(visited.length).toBeGreaterThanOrEqual(3);
    await page.close();
  }, 60_000);
});
