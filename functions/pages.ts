/**
 * GET /api/privacy and /api/terms: the pages the Teams app's privacy and terms links open, and the
 * privacy notice every email to a school links to. Filled from the partnership's config
 * (`dataProtection`: controller, contact, data protection officer, retention); plain HTML, no
 * scripts, nothing from a request echoed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../config/load.js";
import { retentionInWords } from "../core/rules/retention.js";
import type { HttpHandler } from "@azure/functions";
import type { Partnership } from "../core/config.js";
import type { DepsSource } from "./deps.js";
import { escapeHtml } from "../reports/escape.js";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:1.6rem}a{color:#1d4f91}</style>
</head><body><main>
${body}
</main></body></html>`;
}

/** Who to write to: the contact, else the partnership lead. */
const contactOf = (p: Partnership) => p.dataProtection.contactEmail ?? p.partnershipLead.email;
const mail = (e: string) => `<a href="mailto:${escapeHtml(e)}">${escapeHtml(e)}</a>`;

export function privacyPage(p: Partnership): string {
  const dp = p.dataProtection;
  const controller = dp.controller ?? p.council;
  return page(
    `Privacy notice: Cluster Desk (${p.shortName})`,
    `<h1>How Cluster Desk uses personal information</h1>
<p>Cluster Desk runs the ${escapeHtml(p.name)} for ${escapeHtml(p.council)}: schools email their ${escapeHtml(p.referralTypes.length > 1 ? "referrals" : "presentation forms")} to the partnership's secure mailbox, and the ${escapeHtml(p.leadTitle)}s and cluster meetings decide on them in Microsoft Teams.</p>
<h2>Who is responsible</h2>
<p>The data controller is ${escapeHtml(controller)}. Questions about this service: ${mail(contactOf(p))}. The data protection officer: ${dp.dpoEmail ? mail(dp.dpoEmail) : `the data protection officer of ${escapeHtml(controller)}`}.</p>
<h2>What is held</h2>
<ul>
<li>The emails schools send and the forms attached to them. Forms describe a child's or young person's special educational needs: special category data.</li>
<li>Each case's record: its reference, school, cluster, dates, status, the amounts asked for and awarded, and who acted on it.</li>
<li>Votes and decisions of the cluster meetings, and who attended them.</li>
<li>The names and work email addresses of school staff, ${escapeHtml(p.leadTitle)}s and members.</li>
</ul>
<p>Cards in Teams, logs and messages between the service's parts carry case references and schools, never a child's name.</p>
<h2>Why, and on what basis</h2>
<p>To decide and pay SEND funding to schools, a task the council carries out in the public interest under its duties to children and young people with special educational needs (Children and Families Act 2014). Special category data is used for reasons of substantial public interest (statutory purposes), under the Data Protection Act 2018. The council's own privacy notice for SEND services gives the full basis.</p>
<h2>Where it is kept, and for how long</h2>
<p>In ${escapeHtml(controller)}'s own Microsoft 365 tenant (the secure mailbox and a SharePoint site) and Azure subscription. Case records are kept ${escapeHtml(dp.retention ?? retentionInWords(p))}.</p>
<h2>Your rights</h2>
<p>You may ask for a copy of the information held about you or your child, and for it to be corrected; write to ${mail(dp.dpoEmail ?? contactOf(p))}. The council answers within one calendar month. If you are unhappy with how your information has been handled, you may complain to the Information Commissioner's Office (ico.org.uk).</p>`,
  );
}

export function termsPage(p: Partnership): string {
  return page(
    `Terms of use: Cluster Desk (${p.shortName})`,
    `<h1>Terms of use</h1>
<p>Cluster Desk is provided by ${escapeHtml(p.dataProtection.controller ?? p.council)} for the ${escapeHtml(p.name)}. It is for the partnership's ${escapeHtml(p.leadTitle)}s, cluster members, school staff and council officers, in their work for the partnership, under its terms of reference.</p>
<p>Do not type a child's name or details into Teams messages to Cluster Desk: cases are known by their reference. Decisions are those of the cluster meetings and the council; Cluster Desk records them and works out the funding by the partnership's published limits.</p>
<p>Questions: ${mail(contactOf(p))}. How personal information is used: <a href="privacy">the privacy notice</a>.</p>`,
  );
}

const html = (body: string, images = false) => ({
  status: 200,
  headers: {
    "content-type": "text/html; charset=utf-8",
    "x-content-type-options": "nosniff",
    // No scripts; the guide's own pictures only.
    "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'${images ? "; img-src 'self'" : ""}`,
    "cache-control": "public, max-age=300",
  },
  body,
});

export const privacyNotice =
  (deps: DepsSource): HttpHandler =>
  async () =>
    html(privacyPage((await deps()).partnership));

export const termsOfUse =
  (deps: DepsSource): HttpHandler =>
  async () =>
    html(termsPage((await deps()).partnership));

/** The guide's pictures (docs/images), by name: nothing else is served from the folder. */
const GUIDE_IMAGE = /^[a-z0-9-]{1,60}\.png$/;

/**
 * GET /api/guide: the SCL's guide (docs/scl-guide.md, as the package carries it) as a page, linked
 * from the bot's welcome and `help`; its pictures from /api/guide/images/{name}. The Markdown is
 * the project's own, turned into HTML by marked (a maintained Markdown parser).
 */
export async function guidePage(root: string): Promise<string> {
  const { marked } = await import("marked");
  const md = readFileSync(join(root, "docs", "scl-guide.md"), "utf8").replace(/\]\(images\//g, "](guide/images/");
  const body = await marked.parse(md, { async: true });
  return page("The SEND Cluster Lead's guide: Cluster Desk", body.replace(/<img /g, '<img style="max-width:100%" '));
}

export const sclGuide = (): HttpHandler => async () => html(await guidePage(packageRoot()), true);

export const guideImage = (): HttpHandler => async (request) => {
  const name = request.params.name ?? "";
  const file = join(packageRoot(), "docs", "images", name);
  if (!GUIDE_IMAGE.test(name) || !existsSync(file)) return { status: 404, body: "Not found" };
  return { status: 200, headers: { "content-type": "image/png", "cache-control": "public, max-age=3600" }, body: readFileSync(file) };
};
