/**
 * Issues 28 and 34: the Teams app's privacy and terms links open pages the Function App serves,
 * filled from the partnership's config, and every email to a school links to the privacy notice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parsePartnership } from "../core/config.js";
import { resolveConfigPath } from "../config/load.js";
import { privacyPage } from "../functions/pages.js";
import { pdfForm, startStack, type Stack } from "./helpers/stack.js";

const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
raw.dataProtection = { dpoEmail: "dpo@hounslow.example.gov.uk", retention: "for six years after the funding ends" };
const p = parsePartnership(raw).partnership;
let s: Stack;

beforeAll(async () => {
  s = await startStack({ partnership: p, at: "2023-05-02T08:30:00Z" });
}, 60_000);
afterAll(() => s?.stop());

describe("privacy and terms pages", () => {
  it("are served as plain HTML from the config: controller, contact, DPO, retention, rights", async () => {
    const r = await fetch(`${s.host.url}/api/privacy`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await r.text();
    expect(html).toContain('<html lang="en-GB">');
    expect(html).toContain("The data controller is London Borough of Hounslow.");
    expect(html).toContain('<a href="mailto:dpo@hounslow.example.gov.uk">dpo@hounslow.example.gov.uk</a>');
    expect(html).toContain("Case records are kept for six years after the funding ends.");
    expect(html).toContain("within one calendar month");
    expect(html).not.toMatch(/<script/i);
    const terms = await (await fetch(`${s.host.url}/api/terms`)).text();
    expect(terms).toContain("Cluster Desk is provided by London Borough of Hounslow for the Mainstream Inclusion Partnership.");
    expect(terms).toContain('<a href="privacy">the privacy notice</a>');
  });

  it("without dataProtection in the config, it says whom to ask from what the config has; text from the config is escaped", () => {
    const bare = parsePartnership({ ...raw, dataProtection: undefined, council: "Borough <of> Test & Co" }).partnership;
    const html = privacyPage(bare);
    expect(html).toContain("The data controller is Borough &lt;of&gt; Test &amp; Co.");
    expect(html).toContain(`Questions about this service: <a href="mailto:${bare.partnershipLead.email}">`);
    expect(html).toContain("The data protection officer: the data protection officer of Borough &lt;of&gt; Test &amp; Co.");
    // The period from the config's keepCases (its default: six years after the financial year's end).
    expect(html).toContain("Case records are kept until 6 years after the end of the financial year in which the case ends");
  });

  it("every email to a school links to the notice this deployment serves", async () => {
    await s.send({ from: "senco@isleworthtown.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "Our form.", attachments: [pdfForm()] });
    await s.settle();
    const out = (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value as { to: string; message: { body: { content: string } } }[];
    const receipt = out.find((o) => o.to === "senco@isleworthtown.example")!;
    expect(receipt.message.body.content).toContain(`How London Borough of Hounslow uses this information: ${s.host.url}/api/privacy`);
  });

  it("the SCL's guide is served with its pictures, and the bot's welcome and help link to it (issue 35)", async () => {
    const r = await fetch(`${s.host.url}/api/guide`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toContain("img-src 'self'");
    const page = await r.text();
    expect(page).toContain("<h1>The SEND Cluster Lead&#39;s guide</h1>");
    const src = /<img [^>]*src="([^"]+)"/.exec(page)![1]!;
    expect(src).toMatch(/^guide\/images\/[a-z-]+\.png$/);
    const img = await fetch(`${s.host.url}/api/${src}`);
    expect(img.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await img.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
    expect((await fetch(`${s.host.url}/api/guide/images/..%2Fscl-guide.md`)).status).toBe(404);
    const { helpText } = await import("../bot/bot.js");
    expect(helpText(s.deps.partnership)).toContain(`The SEND Cluster Lead's guide (triage, acknowledging, the agenda and the vote): ${s.host.url}/api/guide.`);
  });
});
