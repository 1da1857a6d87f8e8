/**
 * `npm run demo`: replays a small summer-2023 scenario on the local tenant (its clock set to May
 * 2023) through the real functions: forms from several clusters (on time, late, a wrong subject
 * line, a zip file, an out-of-office reply), triage, case details, the agenda, a vote and its
 * decision, and the HT representative's invitation. Then it keeps running so the web view can be
 * explored (`--exit` to stop at the end). Its data is in .data/demo, made anew each run.
 * Demo-only: cluster 5's schools get example SENDCo and headteacher addresses in the tenant.
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { loadPartnership } from "../config/load.js";
import { parsePartnership, type Partnership } from "../core/config.js";
import { agendaData } from "../core/agenda.js";
import { meetingsOf } from "../core/schedule.js";
import { applyTriage } from "../core/triage.js";
import { runOutlook } from "../core/usecases/outlook.js";
import { decide, eligibleVoters, tally, type VoteChoice } from "../core/votes.js";
import { buildDeps, type AppDeps } from "../functions/deps.js";
import { keepSubscription } from "../functions/mail.js";
import { functionDefs } from "../functions/registry.js";
import { GraphVotes } from "../m365/sharepoint.js";
import { startAzurite } from "./azurite.js";
import { startDevHost } from "./devhost/host.js";
import { defaultTenantOptions, localAppSettings } from "./tenant/defaults.js";
import { startTenant } from "./tenant/server.js";

export interface DemoSummary {
  cases: { ref: string; status: string; school: string }[];
  /** Emails sent from the secure mailbox (replies, acknowledgement, decision). */
  replies: number;
  decision: string;
  award: number;
  invitations: number;
  webView: string;
}

function withDemoContacts(base: Partnership): Partnership {
  const raw = JSON.parse(JSON.stringify(base));
  for (const s of raw.clusters.find((c: { id: number }) => c.id === 5).schools) {
    const slug = (s.shortName ?? s.name).toLowerCase().replace(/[^a-z]/g, "");
    s.sendcoEmail = `senco@${slug}.demo.example`;
    s.headteacherEmail = `head@${slug}.demo.example`;
  }
  return parsePartnership(raw).partnership;
}

export async function runDemo(opts: { dataDir: string; tlsDir?: string; print: (line: string) => void; keepRunning: boolean }): Promise<DemoSummary & { stop: () => Promise<void> }> {
  const say = opts.print;
  rmSync(opts.dataDir, { recursive: true, force: true });
  const p = withDemoContacts(loadPartnership("hounslow-mip").partnership);
  const c5 = p.clusters.find((c) => c.id === 5)!;
  const people = c5.schools.flatMap((s) => [s.sendcoEmail!, s.headteacherEmail!]);
  const base = defaultTenantOptions(p, {});
  const tenant = await startTenant({ ...base, dataDir: join(opts.dataDir, "tenant"), ...(opts.tlsDir ? { tlsDir: opts.tlsDir } : {}), port: 0, smtpPort: 0, mailboxes: [...base.mailboxes, ...people.map((a) => ({ address: a, displayName: a }))], log: () => {} });
  const at = (iso: string) => tenant.advanceClock(Date.parse(iso) - tenant.now());
  at("2023-05-02T08:30:00Z");
  const azurite = await startAzurite();
  const settings = localAppSettings(tenant, azurite.connectionString, "demo-client-state");
  const quiet = { info: () => {}, warn: () => {} };
  let deps: AppDeps | undefined;
  const build = () => buildDeps(settings, p, quiet, () => new Date(tenant.now()));
  const getDeps = () => (deps ??= build());
  const host = await startDevHost(functionDefs(getDeps), { storage: azurite.connectionString, log: () => {}, pollMs: 24 * 3600_000, visibilityTimeoutSeconds: 2 });
  settings.MAIL_NOTIFICATION_URL = `${host.url}/api/notifications/mail`;
  settings.MAIL_LIFECYCLE_URL = `${host.url}/api/notifications/lifecycle`;
  const d = getDeps();
  await d.site.provision();
  await keepSubscription(d);
  const setTime = (iso: string) => {
    at(iso);
    Object.assign(d, build()); // fresh Graph clients: tokens from before the jump have expired
  };
  const send = async (msg: SendMailOptions) => {
    const tr = nodemailer.createTransport({ host: "127.0.0.1", port: tenant.smtpPort!, secure: false, ignoreTLS: true });
    try {
      await tr.sendMail({ to: p.intake.mailbox, ...msg });
    } finally {
      tr.close();
    }
  };
  const settle = async () => {
    await tenant.notifier.settle();
    await host.drain();
  };
  const form = (name = "MIP presentation form.pdf") => ({ filename: name, content: Buffer.from("%PDF-1.4 demo form"), contentType: "application/pdf" });

  say("1. Tuesday 2 May 2023: forms arrive in the secure mailbox");
  await send({ from: "SENDCo <senco@worple.demo.example>", subject: "Cluster 5/KL/Worple Primary School", text: "Our form.", attachments: [form()] });
  await send({ from: "senco@marlborough.demo.example", subject: "Cluster 4/KL/Marlborough Primary School", text: "Our form.", attachments: [form()] });
  await send({ from: "senco@cavendish.example", subject: "Cluster 6/GV/Cavendish Primary School", text: "Forms zipped.", attachments: [{ filename: "forms.zip", content: Buffer.from("PK"), contentType: "application/zip" }] });
  await send({ from: "senco@lionel.example", subject: "Automatic reply: Cluster 6", text: "I am away.", headers: { "Auto-Submitted": "auto-replied" } });
  await settle();
  setTime("2023-05-03T15:30:00Z");
  say("   Wednesday 3 May, 4:30pm: a cluster 6 form, half an hour after that cluster's deadline");
  await send({ from: "senco@chiswick.example", subject: "Cluster 6/GV/Chiswick School", text: "Our form.", attachments: [form()] });
  await settle();

  const ref = "C5-2023-0001";
  say(`2. Triage: Katy Luciani (KL) accepts ${ref} to the agenda and acknowledges the school`);
  for (const verb of ["triage.accept", "triage.acknowledge"] as const) {
    let email: { subject: string; body: string } | undefined;
    const c = await d.cases.change(ref, (x) => {
      const o = applyTriage(p, x, verb, { by: p.leads.find((l) => l.initials === "KL")!.email, now: new Date(tenant.now()) });
      email = o.email;
      return o.fields;
    });
    if (email && c.fields.SenderEmail) await d.mailer.send({ to: [c.fields.SenderEmail], ...email, marker: `demo-${verb}` });
  }
  await d.cases.change(ref, () => ({ CaseType: "Group", CypCount: 5, TermsSought: 2, AmountRequested: 4500 }));

  const may = meetingsOf(p, c5)[0]!;
  const agenda = agendaData(p, c5, may, await d.cases.ofCluster(5));
  say(`3. Agenda for the ${agenda.meeting} meeting: ${agenda.cases.map((x) => `${x.ref} (${x.kind}, ${x.cyp} CYP, ${x.terms} terms, requested ${x.requested}, limit ${x.cap})`).join("; ")}; ${agenda.htRep}; ${agenda.cpd}`);

  say("4. Outlook: the HT representative's invitation");
  const outlook = await runOutlook({ ...d, partnership: p, kv: d.state });

  setTime("2023-05-18T13:30:00Z");
  say("5. Thursday 18 May, in the meeting: the cluster votes, KL closes the vote");
  const votes = new GraphVotes(d.site);
  const voters = eligibleVoters(p, c5, may.date, "Worple Primary School");
  const choices: VoteChoice[] = ["agree", "agree", "agree", "agree", "disagree", "abstain"];
  for (let i = 0; i < choices.length; i++) await votes.cast(ref, voters[i]!.email, choices[i]!, new Date(tenant.now()).toISOString());
  const result = decide(p, tally(await votes.votes(ref)), { cyp: 5, terms: 2, meetingDate: may.date, panelAmount: 4500 });
  await d.cases.change(ref, () => ({ Decision: result.decision as never, AmountAwarded: result.award, DecisionAt: new Date(tenant.now()).toISOString(), Status: "Decided" }));
  await d.mailer.send({ to: ["senco@worple.demo.example"], subject: `${ref}: decision of the cluster 5 meeting`, body: result.lines.join("\n"), marker: "demo-decision" });
  for (const line of result.lines) say(`   ${line}`);

  const site = await d.site.id();
  const all = (await d.graph.api(`/sites/${site}/lists/Cases/items`).expand("fields").get()).value.map((i: { fields: { Title: string; Status: string; School?: string } }) => ({ ref: i.fields.Title, status: i.fields.Status, school: i.fields.School ?? "" }));
  const sent = (await d.graph.api(`/users/${encodeURIComponent(p.intake.mailbox)}/mailFolders/sentitems/messages`).select("id").top(200).get()).value.length as number;
  say("6. The case register:");
  for (const c of all) say(`   ${c.ref}  ${c.status.padEnd(16)} ${c.school}`);
  say(`\nOpen ${tenant.url}/ to see the mailbox folders, the replies, the Cases, Votes and Audit lists, and the calendars.`);

  const stop = async () => {
    await host.close();
    await tenant.close();
    await azurite.stop();
  };
  if (!opts.keepRunning) await stop();
  return { cases: all, replies: sent, decision: result.decision, award: result.award, invitations: outlook.invited, webView: `${tenant.url}/`, stop };
}

if (process.argv[1] && import.meta.url.endsWith("/local/demo.js")) {
  const keep = !process.argv.includes("--exit");
  const r = await runDemo({ dataDir: resolve(process.env.CLUSTER_DESK_DATA ?? ".data", "demo"), ...(process.env.TENANT_TLS_DIR ? { tlsDir: process.env.TENANT_TLS_DIR } : {}), print: (l) => console.log(l), keepRunning: keep });
  if (keep) {
    console.log("Ctrl-C stops the demo.");
    const stop = async () => {
      await r.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
  }
}
