/** The command line's tenant commands, each declared with its name, usage, help and options (cli/main.ts routes to them). */
import { existsSync, readFileSync } from "node:fs";
import { normaliseName, referralType } from "../../core/config.js";
import { doctor, unreachable } from "../../core/rules/doctor.js";
import { checkSubject } from "../../core/rules/subject.js";
import { loadPartnership, parsePartnershipYaml, resolveConfigPath } from "../../config/load.js";
import {
  appSettings,
  COMMON,
  connect,
  haveAppSettings,
  json,
  partnership,
  partnershipOf,
  requireOpt,
  UsageError,
  wholeNumber,
  type CliCommand,
} from "../common.js";

export const TENANT_COMMANDS: CliCommand[] = [
  {
    name: "settings",
    usage: ``,
    help: `every app setting the functions read, and what it means (from the settings schema; docs/settings.md)`,
    options: COMMON,
    async run(values, io) {
      const { settingsTable } = await import("../../functions/settings.js");
      io.out(settingsTable());
      return 0;
    },
  },
  {
    name: "doctor",
    usage: `[--settings <file>] [--today <date>]`,
    help: `what will stop the next cycle: clusters with no meeting in 8 weeks, no funding policy in force, schools without addresses, the sender check off; with app settings, the mailbox's health and the leads the bot cannot reach in Teams yet; exit 1 when something blocks intake`,
    options: { ...COMMON, settings: { type: "string" }, today: { type: "string" } },
    async run(values, io) {
      const env = haveAppSettings(values.settings) ? appSettings(values.settings) : null;
      let p = env ? await partnershipOf(values.config, env) : partnership(values.config);
      let source = "config";
      // What only the running deployment can tell: the mailbox's health, who the bot can reach.
      let live: { where: string; problem: string; fix: string }[] = [];
      if (env) {
        // With app settings, the running calendar: the Meetings list.
        const d = await connect(env, p);
        await d.refreshCalendar(true);
        p = d.partnership;
        source = "Meetings list";
        // The mailbox side too: the subscription (expiring or missing) and poisoned mail.
        live = (await d.health()).alerts.map((problem) => ({
          where: "secure mailbox",
          problem,
          fix: "npx cluster-desk health (the mailSubscription timer renews the subscription hourly)",
        }));
        // The people the bot cannot reach in Teams yet.
        const people = [...p.leads.map((l) => l.email), p.partnershipLead.email];
        const reached = await Promise.all(people.map(async (e) => ((await d.teams.personalChat(e)) ? e.toLowerCase() : null)));
        live.push(...unreachable(p, new Set(reached.filter((e): e is string => e !== null))));
      }
      const today = values.today ?? new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today must be a date written YYYY-MM-DD, not "${today}"`);
      const r = doctor(p, today);
      r.warnings.push(...live);
      json(io, { ok: !r.blocking.length, today, meetingsFrom: source, ...r });
      return r.blocking.length ? 1 : 0;
    },
  },
  {
    name: "validate-config",
    usage: `[<id|file>]`,
    help: `validate a partnership config; warnings included`,
    options: COMMON,
    positionals: true,
    async run(values, io, positionals) {
      const target = positionals[0] ?? values.config;
      const { partnership: p, warnings } = loadPartnership(target);
      json(io, {
        ok: true,
        file: resolveConfigPath(target),
        partnership: p.id,
        name: `${p.name} (${p.council})`,
        clusters: p.clusters.length,
        // Distinct schools: one in a single-phase and a cross-phase cluster (Sutton) counts once.
        schools: new Set(p.clusters.flatMap((c) => c.schools.map((s) => normaliseName(s.name)))).size,
        meetings: p.clusters.reduce((n, c) => n + c.meetings.length, 0),
        leads: p.leads.map((l) => `${l.initials}: clusters ${l.clusters.join(", ")}`),
        fundingPolicies: p.fundingPolicies.map((f) => f.id),
        warnings,
      });
      return 0;
    },
  },
  {
    name: "provision",
    usage: `[--site <hostname>:/<path>]`,
    help: `create the SharePoint lists (Cases, Meetings, Votes, Schools, Budgets, Attendance, Engagement, Audit) with typed, indexed columns; safe to repeat. Uses GRAPH_* settings and SHAREPOINT_SITE.`,
    options: { ...COMMON, site: { type: "string" } },
    async run(values, io) {
      const site = values.site ?? process.env.SHAREPOINT_SITE;
      if (!site || !/^[^:/]+:\/.+/.test(site)) {
        throw new UsageError(
          "the SharePoint site is needed as --site <hostname>:/<path> (or SHAREPOINT_SITE), e.g. contoso.sharepoint.com:/sites/cluster-desk",
        );
      }
      const { createGraphClient } = await import("../../m365/graph.js");
      const { readSection } = await import("../../functions/settings.js");
      const { SharePointSite } = await import("../../m365/sharepoint.js");
      const { client } = createGraphClient(readSection("graph", process.env));
      const changes = await new SharePointSite(client, site).provision();
      json(io, { ok: true, site, changes });
      return 0;
    },
  },
  {
    name: "publish-config",
    usage: `--file <yaml> [--name partnership.yaml] [--settings <file>]`,
    help: `check a partnership config and save it to the site's Configuration library, where the functions read it (app setting PARTNERSHIP=site:partnership.yaml)`,
    options: { ...COMMON, file: { type: "string" }, name: { type: "string" }, settings: { type: "string" } },
    async run(values, io) {
      const file = requireOpt(values, "file");
      const name = values.name ?? "partnership.yaml";
      if (!/^[\w.-]{1,120}\.ya?ml$/.test(name)) throw new UsageError(`--name must be a file name ending .yaml, such as partnership.yaml, not "${name}"`);
      if (!existsSync(file)) throw new UsageError(`no file ${file}`);
      // Checked as the functions will check it; a config with problems is not published.
      const text = readFileSync(file, "utf8");
      const { partnership: p, warnings } = parsePartnershipYaml(text, file);
      const d = await connect(appSettings(values.settings), p);
      const { GraphLibrary, CONFIG_LIBRARY } = await import("../../m365/sharepoint.js");
      const saved = await new GraphLibrary(d.site, CONFIG_LIBRARY).save(name, text, "application/yaml");
      json(io, { ok: true, partnership: p.id, saved: saved.url, setting: `PARTNERSHIP=site:${name}`, warnings });
      return 0;
    },
  },
  {
    name: "verify-tenant",
    usage: `[--wait <seconds>] [--settings <file>]`,
    help: `day one: tries each platform behaviour Cluster Desk relies on (lists and indexes, unique references, the mail subscription and a notification, a reply found by its id, the bot reaching each lead); pass or fail with what to do; exit 1 on any fail`,
    options: { ...COMMON, settings: { type: "string" }, wait: { type: "string" } },
    async run(values, io) {
      const wait = values.wait === undefined ? 120 : wholeNumber(values.wait, "wait");
      if (wait < 5 || wait > 900) throw new UsageError(`--wait is in seconds, from 5 to 900, not ${wait}`);
      const env = appSettings(values.settings);
      const d = await connect(env, await partnershipOf(values.config, env));
      const { verifyTenant } = await import("../../core/usecases/verifyTenant.js");
      const r = await verifyTenant({
        ...d,
        siteProblems: () => d.site.problems(),
        duplicateRefused: (ref) => d.site.duplicateRefused(ref),
        reaches: async (email) => Boolean(await d.teams.personalChat(email)),
        sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
        waitMs: wait * 1000,
      });
      json(io, r);
      return r.ok ? 0 : 1;
    },
  },
  {
    name: "health",
    usage: `[--retry-poisoned] [--settings <file>]`,
    help: `the secure mailbox's intake: subscription expiry, last notification and sweep, queue and poison counts, today's forms by outcome, receipt p95; exit 1 with alerts. App settings from the environment, else the file npm start writes (.data/app-settings.json).`,
    options: { ...COMMON, "retry-poisoned": { type: "boolean" }, settings: { type: "string" } },
    async run(values, io) {
      const env = appSettings(values.settings);
      const d = await connect(env, await partnershipOf(values.config, env));
      const retried = values["retry-poisoned"] ? await d.retryPoisoned() : undefined;
      const report = await d.health();
      json(io, { ok: report.alerts.length === 0, ...report, ...(retried ? { retried } : {}) });
      return report.alerts.length ? 1 : 0;
    },
  },
  {
    name: "send-sample",
    usage: `[--smtp-port <n>] [--subject <s>] [--from <email>] [--attachment <file name>]`,
    help: `email a sample presentation form to the local tenant's secure mailbox (npm start must be running)`,
    options: {
      ...COMMON,
      "smtp-port": { type: "string" },
      subject: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      attachment: { type: "string" },
    },
    async run(values, io) {
      const p = partnership(values.config ?? process.env.PARTNERSHIP);
      const smtpPort = values["smtp-port"] !== undefined ? wholeNumber(values["smtp-port"], "smtp-port") : 2525;
      const { default: nodemailer } = await import("nodemailer");
      const transport = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true });
      // The partnership's own example: its subject line, from the example school's SENDCo (as
      // local/people.ts names them), with one file per document its referral type requires.
      const subject = values.subject ?? p.intake.subjectExample;
      const read = checkSubject(p, subject);
      const school = read.school?.shortName ?? read.school?.name ?? "Isleworth Town";
      // The form itself (the first document) is the partnership's template, filled in as a school would.
      const docs = referralType(p, read.type?.id).documents.map((x, i) => `${x.label}.${i === 0 ? "docx" : "pdf"}`);
      const names = values.attachment ? [values.attachment] : docs.length ? docs : [`${p.shortName} presentation form.docx`];
      const { formTemplate } = await import("../../forms/template.js");
      const sample = await formTemplate(p, {
        school: read.school?.name ?? "",
        ...(read.school?.phase ? { phase: read.school.phase } : {}),
        caseType: "Group",
        cypCount: "5",
        termsSought: "2",
        amountRequested: "4500",
        consentConfirmed: "Yes",
        supportNature: "Small-group literacy sessions",
        supportQuantity: "6",
        supportPurpose: "Reading ages up by a year",
      });
      const mail = {
        from: values.from ?? `SENDCo <senco@${school.toLowerCase().replace(/[^a-z]/g, "")}.school.example>`,
        to: values.to ?? p.intake.mailbox,
        subject,
        text: `Please find attached our ${names.length > 1 ? "referral documents" : "form"}. (A sample sent by cluster-desk send-sample.)`,
        attachments: names.map((filename, i) =>
          i === 0 && filename.endsWith(".docx")
            ? { filename, content: sample, contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" }
            : {
                filename,
                content: Buffer.from("%PDF-1.4\n% sample document\n%%EOF\n"),
                contentType: filename.endsWith(".pdf") ? "application/pdf" : "application/octet-stream",
              },
        ),
      };
      const name = names.join(", ");
      try {
        const info = await transport.sendMail(mail);
        json(io, { sent: true, messageId: info.messageId, from: mail.from, to: mail.to, subject: mail.subject, attachment: name });
        return 0;
      } catch (e) {
        throw new UsageError(`could not send through SMTP on localhost:${smtpPort}: ${(e as Error).message}. Is \`npm start\` running?`);
      } finally {
        transport.close();
      }
    },
  },
];
