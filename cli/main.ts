/**
 * `cluster-desk`: the command line. Entry point only: parse arguments, call core, print JSON.
 * Exit codes: 0 done; 1 the thing checked is not valid (subject line, config); 2 bad input.
 */
import { parseArgs } from "node:util";
import { existsSync, readFileSync } from "node:fs";
import { ClusterName, ConfigError, normaliseName, referralType } from "../core/config.js";
import { requiredDocuments } from "../core/rules/referrals.js";
import { fundingCap, FundingInputError } from "../core/rules/funding.js";
import { allocationFor } from "../core/rules/allocation.js";
import { academicYearStart, planYear, PlanInputError, publishedMeetings } from "../core/rules/planner.js";
import { DirectoryInputError, matchGias } from "../core/rules/directory.js";
import { doctor, unreachable } from "../core/rules/doctor.js";
import { assess, IntakeInputError } from "../core/rules/intake.js";
import { resolveRota } from "../core/rules/rota.js";
import { meetingsOf, wideMeetingsOf } from "../core/rules/schedule.js";
import { checkSubject } from "../core/rules/subject.js";
import { describeLocal, parseInstant } from "../core/rules/time.js";
import { DEFAULT_PARTNERSHIP, loadPartnership, parsePartnershipYaml, resolveConfigPath } from "../config/load.js";
import {
  appSettings,
  COMMON,
  connect,
  haveAppSettings,
  json,
  partnership,
  partnershipOf,
  pounds,
  wholePounds,
  requireOpt,
  UsageError,
  wholeNumber,
  type CliCommand,
  type Io,
} from "./common.js";
import { RECORDS_COMMANDS } from "./records.js";
import { FUND_COMMANDS } from "./funds.js";

export type { Io } from "./common.js";

/** The commands declared as a table (name, options, help); the rest are the switch below. */
export const COMMANDS: CliCommand[] = [...FUND_COMMANDS, ...RECORDS_COMMANDS];

/** A table command's help lines, wrapped as the others are. */
function helpOf(c: CliCommand): string {
  const words = c.help.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && line.length + w.length + 1 > 55) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return [`  ${c.name} ${c.usage}`, ...lines.map((l) => `${" ".repeat(47)}${l}`)].join("\n");
}

const HELP = `cluster-desk: the SEND cluster model's rules from the command line

Usage: cluster-desk <command> [options]        (every command takes --config <id|file>)

  check-subject <subject>                      read and check an email subject line
  assign --subject <s> --sender <email> --received <instant>
                                               what intake decides for a form: outcome, cluster,
                                               lead, school, meeting, deadline, ackDueBy, reasons
  funding --cyp <n> --terms <n> --date <YYYY-MM-DD> [--requested <pounds>] [--type <referral type id>]
                                               the funding limit (and award) for a case
  report --term <summer-2023> | --from <date> --to <date> [--format json|csv|html|pdf|xlsx] [--table overview]
         [--out FILE] [--settings <file>]     the termly evaluation from the case register (Graph):
                                               awards by cluster, phase, terms, funding and RAG,
                                               meetings, service levels; pdf and xlsx need --out
  form-template --out FILE.docx                the partnership's presentation form as Word, its
                                               fields in tagged content controls (what intake reads)
  read-form FILE                               the fields a .docx or .pdf form gives, as JSON, with
                                               what is missing or unreadable (numbers and choices
                                               only; no free text leaves the reader)
  allocation --year <2026-27> [--total <pounds>]
                                               a total shared by pupil numbers, with its
                                               contingency fund and the calculation (Southampton)
  meetings [--cluster <n>]                     meetings with their submission deadlines
  rota --cluster <n>                           the headteacher representative for each meeting;
                                               gaps, clashes and entries that are not meetings
  plan-year --year <2026-27> [--cluster <n>]   propose the year's meetings: each cluster's regular
                                               slot at the partnership's cadence in term time, no
                                               holiday, half-term, weekend or bank holiday; deadlines
                                               moved to an earlier school day where needed; the HT
                                               rota with gaps and clashes
  publish-meetings --year <2026-27> [--settings <file>]
                                               write that plan to the SharePoint Meetings list (new
                                               meetings created, changed ones updated); the product
                                               reads the list within minutes
  import-schools --csv <file> --la <code> [--dry-run] [--settings <file>]
                                               match a GIAS establishment extract to the clusters'
                                               schools and fill the SharePoint Schools list (URN,
                                               cluster, phase, website); reports what did not match
  set-budget --cluster <n> --year <2026-27> --amount <pounds> [--settings <file>]
                                               a cluster's allocated budget for a year, in the
                                               SharePoint Budgets list (the agenda's and budget's RAG);
                                               --cluster 0: the total a partnership shares by pupil
                                               numbers (Southampton), its contingency fund held back
  doctor [--settings <file>] [--today <date>]  what will stop the next cycle: clusters with no
                                               meeting in 8 weeks, no funding policy in force,
                                               schools without addresses, the sender check off;
                                               with app settings, the mailbox's health and the
                                               leads the bot cannot reach in Teams yet;
                                               exit 1 when something blocks intake
  validate-config [<id|file>]                  validate a partnership config; warnings included
  settings                                     every app setting the functions read, and what it
                                               means (from the settings schema; docs/settings.md)
  provision [--site <hostname>:/<path>]        create the SharePoint lists (Cases, Meetings, Votes, Schools, Budgets, Attendance, Engagement,
                                               Audit) with typed, indexed columns; safe to repeat.
                                               Uses GRAPH_* settings and SHAREPOINT_SITE.
  send-sample [--smtp-port <n>] [--subject <s>] [--from <email>] [--attachment <file name>]
                                               email a sample presentation form to the local
                                               tenant's secure mailbox (npm start must be running)
  publish-config --file <yaml> [--name partnership.yaml] [--settings <file>]
                                               check a partnership config and save it to the
                                               site's Configuration library, where the functions read
                                               it (app setting PARTNERSHIP=site:partnership.yaml)
  verify-tenant [--wait <seconds>] [--settings <file>]
                                               day one: tries each platform behaviour Cluster Desk
                                               relies on (lists and indexes, unique references, the
                                               mail subscription and a notification, a reply found
                                               by its id, the bot reaching each lead); pass or fail
                                               with what to do; exit 1 on any fail
  health [--retry-poisoned] [--settings <file>] the secure mailbox's intake: subscription expiry, last
                                               notification and sweep, queue and poison counts,
                                               today's forms by outcome, receipt p95; exit 1 with
                                               alerts. App settings from the environment, else the
                                               file npm start writes (.data/app-settings.json).
${COMMANDS.map(helpOf).join("\n")}
  help                                         this text

Instants are ISO 8601: 2023-05-02T15:30:00Z, or 2023-05-02T16:30 for London time.
--config defaults to "${DEFAULT_PARTNERSHIP}" (config/${DEFAULT_PARTNERSHIP}.yaml).
JSON goes to stdout. Exit status: 0 done, 1 not valid (subject line or config), 2 bad input.`;

export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const declared = COMMANDS.find((c) => c.name === command);
    if (declared) {
      const { values } = parseArgs({ args: rest, options: declared.options });
      if (values.help) {
        io.out(helpOf(declared));
        return 0;
      }
      return await declared.run(values as Record<string, string | boolean | undefined>, io);
    }
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(HELP);
        return command === undefined ? 2 : 0;

      case "check-subject": {
        const { values, positionals } = parseArgs({ args: rest, options: COMMON, allowPositionals: true });
        if (positionals.length !== 1)
          throw new UsageError('check-subject takes one subject line in quotes, e.g. cluster-desk check-subject "Cluster 5/KL/Isleworth Town Primary School"');
        const result = checkSubject(partnership(values.config), positionals[0]!);
        json(io, result);
        return result.ok ? 0 : 1;
      }

      case "assign": {
        const { values } = parseArgs({
          args: rest,
          options: { ...COMMON, subject: { type: "string" }, sender: { type: "string" }, received: { type: "string" } },
        });
        const p = partnership(values.config);
        let receivedAt: Date;
        try {
          receivedAt = parseInstant(requireOpt(values, "received"));
        } catch (e) {
          if (e instanceof RangeError) throw new UsageError(`--received: ${e.message}`);
          throw e;
        }
        if (typeof values.subject !== "string") throw new UsageError("--subject is required (it may be empty: --subject '')");
        const result = assess(p, { subject: values.subject, sender: requireOpt(values, "sender"), receivedAt });
        const { subject: check, outcome, ...details } = result;
        json(io, { outcome, ...details, subjectProblems: check.problems });
        return 0;
      }

      case "funding": {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            cyp: { type: "string" },
            terms: { type: "string" },
            date: { type: "string" },
            requested: { type: "string" },
            type: { type: "string" },
          },
        });
        const p = partnership(values.config ?? process.env.PARTNERSHIP);
        const type = values.type === undefined ? undefined : p.referralTypes.find((t) => t.id === values.type);
        if (values.type !== undefined && !type)
          throw new UsageError(`there is no referral type "${values.type}"; the ${p.shortName} has ${p.referralTypes.map((t) => t.id).join(", ")}`);
        const result = fundingCap(p, {
          cyp: wholeNumber(requireOpt(values, "cyp"), "cyp"),
          terms: wholeNumber(requireOpt(values, "terms"), "terms"),
          date: requireOpt(values, "date"),
          ...(values.requested !== undefined ? { requested: pounds(values.requested) } : {}),
          ...(type ? { type } : {}),
        });
        json(io, result);
        return 0;
      }

      case "report": {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            term: { type: "string" },
            from: { type: "string" },
            to: { type: "string" },
            format: { type: "string" },
            table: { type: "string" },
            out: { type: "string" },
            settings: { type: "string" },
          },
        });
        const { datesPeriod, termPeriod, ReportInputError } = await import("../core/rules/report.js");
        const { renderReport, REPORT_FORMATS } = await import("../reports/render.js");
        const format = (values.format ?? "json") as (typeof REPORT_FORMATS)[number];
        if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(", ")}, not "${values.format}"`);
        if ((format === "pdf" || format === "xlsx") && !values.out) throw new UsageError(`--format ${format} writes a file: give --out FILE`);
        // The request is checked before Graph is read (but for a config kept in SharePoint).
        const env = haveAppSettings(values.settings) ? appSettings(values.settings) : null;
        const p = env && !values.config ? await partnershipOf(undefined, env) : partnership(values.config ?? process.env.PARTNERSHIP);
        let period;
        try {
          period = values.term ? termPeriod(p, values.term) : values.from && values.to ? datesPeriod(values.from, values.to) : null;
        } catch (e) {
          if (e instanceof ReportInputError) throw new UsageError(e.message);
          throw e;
        }
        if (!period) throw new UsageError("give --term (e.g. summer-2023) or --from and --to");
        const d = await connect(env ?? appSettings(values.settings), p);
        await d.refreshCalendar(true);
        const { termReport } = await import("../core/usecases/termly.js");
        const report = await termReport({ ...d, intakeSince: (since) => d.cases.intakeSince(since) }, period);
        let body: string | Buffer;
        try {
          body = await renderReport(report, format, values.table);
        } catch (e) {
          if (/there is no table/.test((e as Error).message)) throw new UsageError((e as Error).message);
          throw e;
        }
        if (values.out) {
          const { writeFileSync } = await import("node:fs");
          writeFileSync(values.out, body);
          json(io, { ok: true, period, format, out: values.out, bytes: body.length, cases: report.counted.length });
        } else io.out(String(body).trimEnd());
        return 0;
      }

      case "form-template": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, out: { type: "string" } } });
        const out = requireOpt(values, "out");
        if (!out.toLowerCase().endsWith(".docx")) throw new UsageError("--out must name a .docx file");
        const p = partnership(values.config ?? process.env.PARTNERSHIP);
        const { formTemplate } = await import("../forms/template.js");
        const bytes = await formTemplate(p);
        const { writeFileSync } = await import("node:fs");
        writeFileSync(out, bytes);
        json(io, { ok: true, out, bytes: bytes.length, partnership: p.id });
        return 0;
      }

      case "read-form": {
        const { values, positionals } = parseArgs({ args: rest, options: COMMON, allowPositionals: true });
        if (positionals.length !== 1) throw new UsageError("read-form takes one file: cluster-desk read-form form.docx");
        const file = positionals[0]!;
        if (!/\.(docx|pdf)$/i.test(file)) throw new UsageError("read-form reads a .docx or .pdf file");
        const { readFileSync, statSync } = await import("node:fs");
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          throw new UsageError(`no file ${file}`);
        }
        const p = partnership(values.config ?? process.env.PARTNERSHIP);
        const { readForm, LIMITS } = await import("../forms/read.js");
        if (size > LIMITS.maxBytes) throw new UsageError(`${file} is larger than ${LIMITS.maxBytes / 1048576} MB, the most a form may be`);
        const r = await readForm(file, readFileSync(file), { documents: requiredDocuments(p) });
        json(io, r);
        return "error" in r ? 1 : 0;
      }

      case "allocation": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, year: { type: "string" }, total: { type: "string" } } });
        const p = partnership(values.config ?? process.env.PARTNERSHIP);
        const year = requireOpt(values, "year");
        academicYearStart(year);
        if (!p.allocation) throw new UsageError(`the ${p.shortName} does not share a total by pupil numbers (no allocation in its config)`);
        const withTotal =
          values.total === undefined
            ? p
            : { ...p, allocation: { ...p.allocation, totals: { ...p.allocation.totals, [year]: wholePounds(values.total, "total") } } };
        const a = allocationFor(withTotal, year);
        if (!a) throw new UsageError(`no total funding is set for ${year}: give --total, or set it with set-budget --cluster 0`);
        json(io, a);
        return 0;
      }

      case "meetings": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, cluster: { type: "string" } } });
        const p = partnership(values.config);
        const only = values.cluster !== undefined ? wholeNumber(values.cluster, "cluster") : undefined;
        if (only !== undefined && !p.clusters.some((c) => c.id === only)) {
          throw new UsageError(`there is no cluster ${only}; the ${p.shortName} has clusters ${p.clusters.map((c) => c.id).join(", ")}`);
        }
        // Partnership-wide meetings too (conferences, borough or city decision meetings), unless one cluster is asked for.
        const wide =
          only === undefined
            ? p.meetingKinds
                .filter((k) => k.scope === "partnership")
                .flatMap((k) =>
                  wideMeetingsOf(p, k.id).map((m) => ({
                    meetingOf: k.label,
                    meeting: describeLocal(m.startsAt),
                    startsAt: m.startsAt.toISOString(),
                    ...(m.location ? { location: m.location } : {}),
                  })),
                )
            : [];
        json(io, [
          ...p.clusters
            .filter((c) => only === undefined || c.id === only)
            .flatMap((c) =>
              meetingsOf(p, c).map((m) => ({
                cluster: ClusterName(p, c.id),
                meeting: describeLocal(m.startsAt),
                startsAt: m.startsAt.toISOString(),
                deadline: describeLocal(m.deadline.at),
                deadlineAt: m.deadline.at.toISOString(),
                deadlineSource: m.deadline.source,
                ...(m.deadline.note ? { note: m.deadline.note } : {}),
              })),
            ),
          ...wide,
        ]);
        return 0;
      }

      case "rota": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, cluster: { type: "string" } } });
        const p = partnership(values.config);
        const id = wholeNumber(requireOpt(values, "cluster"), "cluster");
        const c = p.clusters.find((x) => x.id === id);
        if (!c) throw new UsageError(`there is no cluster ${id}; the ${p.shortName} has clusters ${p.clusters.map((x) => x.id).join(", ")}`);
        const r = resolveRota(p, c);
        json(io, {
          cluster: id,
          meetings: r.assignments.map((a) => ({
            date: a.meeting.date,
            start: a.meeting.start,
            htRep: a.school ? a.school.name : null,
            headteacherEmail: a.school?.headteacherEmail ?? null,
            from: a.rota,
          })),
          problems: r.problems,
        });
        return 0;
      }

      case "plan-year": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, year: { type: "string" }, cluster: { type: "string" }, json: { type: "boolean" } } });
        const p = partnership(values.config);
        const plan = planYear(p, requireOpt(values, "year"), values.cluster !== undefined ? { cluster: wholeNumber(values.cluster, "cluster") } : {});
        json(io, { proposed: plan.termSource !== "config", ...plan });
        return 0;
      }

      case "publish-meetings": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, year: { type: "string" }, settings: { type: "string" } } });
        const env = appSettings(values.settings);
        const p = await partnershipOf(values.config, env);
        const plan = planYear(p, requireOpt(values, "year"));
        const d = await connect(env, p);
        const { GraphMeetings } = await import("../m365/sharepoint.js");
        const r = await new GraphMeetings(d.site).publish(publishedMeetings(plan));
        json(io, { ok: true, year: plan.year, proposed: plan.termSource !== "config", meetings: plan.meetings.length, ...r, notes: plan.notes });
        return 0;
      }

      case "import-schools": {
        const { values } = parseArgs({
          args: rest,
          options: { ...COMMON, csv: { type: "string" }, la: { type: "string" }, "dry-run": { type: "boolean" }, settings: { type: "string" } },
        });
        const file = requireOpt(values, "csv");
        const la = requireOpt(values, "la");
        if (!/^\d{3}$/.test(la.trim())) throw new UsageError(`--la must be the local authority's three-digit code (Hounslow is 313), not "${la}"`);
        if (!existsSync(file)) throw new UsageError(`no file ${file}`);
        const { readGiasCsv } = await import("../config/gias.js");
        const env = values["dry-run"] ? {} : appSettings(values.settings);
        const p = values["dry-run"] ? partnership(values.config ?? process.env.PARTNERSHIP) : await partnershipOf(values.config, env);
        const m = matchGias(p, readGiasCsv(file), la);
        // Each school missed, by name, with the cluster as the council names it: what to fix, not counts.
        const report = {
          matched: m.matched.length,
          notFound: m.notFound.map(({ clusterId, ...x }) => ({ cluster: ClusterName(p, clusterId), ...x })),
          notInAnyCluster: m.notInAnyCluster,
          skippedNotOpen: m.skippedNotOpen,
          summary: `${m.matched.length} matched; ${m.notFound.length} of the config's schools not found (${m.notFound.filter((x) => x.closed).length} closed in GIAS, ${m.notFound.filter((x) => x.near.length).length} with a near name); ${m.notInAnyCluster.length} open establishments in no cluster`,
        };
        if (values["dry-run"]) {
          json(io, { ok: true, dryRun: true, ...report, schools: m.matched });
          return 0;
        }
        const d = await connect(env, p);
        const { GraphSchools } = await import("../m365/sharepoint.js");
        const written = await new GraphSchools(d.site).upsert(m.matched);
        json(io, { ok: true, ...report, ...written });
        return 0;
      }

      case "set-budget": {
        const { values } = parseArgs({
          args: rest,
          options: { ...COMMON, cluster: { type: "string" }, year: { type: "string" }, amount: { type: "string" }, settings: { type: "string" } },
        });
        const id = wholeNumber(requireOpt(values, "cluster"), "cluster");
        const year = requireOpt(values, "year");
        academicYearStart(year); // refuses what is not an academic year
        // The total a partnership shares is shared in whole pounds; a cluster's budget may have pence.
        const amount = id === 0 ? wholePounds(requireOpt(values, "amount"), "amount") : pounds(requireOpt(values, "amount"));
        const env = appSettings(values.settings);
        const p = await partnershipOf(values.config, env);
        // Cluster 0: the partnership's total annual funding, shared by pupil numbers (config allocation).
        if (id === 0 && !p.allocation)
          throw new UsageError(`cluster 0 is the total funding of a partnership that shares it by pupil numbers; the ${p.shortName} does not`);
        if (id !== 0 && !p.clusters.some((c) => c.id === id))
          throw new UsageError(`there is no cluster ${id}; the ${p.shortName} has clusters ${p.clusters.map((c) => c.id).join(", ")}`);
        const d = await connect(env, p);
        const { GraphBudgets } = await import("../m365/sharepoint.js");
        const done = await new GraphBudgets(d.site).set({ clusterId: id, year, allocated: amount });
        json(io, { ok: true, cluster: id, year, allocated: amount, done });
        return 0;
      }

      case "settings": {
        const { settingsTable } = await import("../functions/settings.js");
        io.out(settingsTable());
        return 0;
      }

      case "doctor": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, settings: { type: "string" }, today: { type: "string" } } });
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
      }

      case "validate-config": {
        const { values, positionals } = parseArgs({ args: rest, options: COMMON, allowPositionals: true });
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
      }

      case "provision": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, site: { type: "string" } } });
        const site = values.site ?? process.env.SHAREPOINT_SITE;
        if (!site || !/^[^:/]+:\/.+/.test(site)) {
          throw new UsageError(
            "the SharePoint site is needed as --site <hostname>:/<path> (or SHAREPOINT_SITE), e.g. contoso.sharepoint.com:/sites/cluster-desk",
          );
        }
        const { createGraphClient } = await import("../m365/graph.js");
        const { readSection } = await import("../functions/settings.js");
        const { SharePointSite } = await import("../m365/sharepoint.js");
        const { client } = createGraphClient(readSection("graph", process.env));
        const changes = await new SharePointSite(client, site).provision();
        json(io, { ok: true, site, changes });
        return 0;
      }

      case "publish-config": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, file: { type: "string" }, name: { type: "string" }, settings: { type: "string" } } });
        const file = requireOpt(values, "file");
        const name = values.name ?? "partnership.yaml";
        if (!/^[\w.-]{1,120}\.ya?ml$/.test(name)) throw new UsageError(`--name must be a file name ending .yaml, such as partnership.yaml, not "${name}"`);
        if (!existsSync(file)) throw new UsageError(`no file ${file}`);
        // Checked as the functions will check it; a config with problems is not published.
        const text = readFileSync(file, "utf8");
        const { partnership: p, warnings } = parsePartnershipYaml(text, file);
        const d = await connect(appSettings(values.settings), p);
        const { GraphLibrary, CONFIG_LIBRARY } = await import("../m365/sharepoint.js");
        const saved = await new GraphLibrary(d.site, CONFIG_LIBRARY).save(name, text, "application/yaml");
        json(io, { ok: true, partnership: p.id, saved: saved.url, setting: `PARTNERSHIP=site:${name}`, warnings });
        return 0;
      }

      case "verify-tenant": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, settings: { type: "string" }, wait: { type: "string" } } });
        const wait = values.wait === undefined ? 120 : wholeNumber(values.wait, "wait");
        if (wait < 5 || wait > 900) throw new UsageError(`--wait is in seconds, from 5 to 900, not ${wait}`);
        const env = appSettings(values.settings);
        const d = await connect(env, await partnershipOf(values.config, env));
        const { verifyTenant } = await import("../core/usecases/verifyTenant.js");
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
      }

      case "health": {
        const { values } = parseArgs({ args: rest, options: { ...COMMON, "retry-poisoned": { type: "boolean" }, settings: { type: "string" } } });
        const env = appSettings(values.settings);
        const d = await connect(env, await partnershipOf(values.config, env));
        const retried = values["retry-poisoned"] ? await d.retryPoisoned() : undefined;
        const report = await d.health();
        json(io, { ok: report.alerts.length === 0, ...report, ...(retried ? { retried } : {}) });
        return report.alerts.length ? 1 : 0;
      }

      case "send-sample": {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            "smtp-port": { type: "string" },
            subject: { type: "string" },
            from: { type: "string" },
            to: { type: "string" },
            attachment: { type: "string" },
          },
        });
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
        const { formTemplate } = await import("../forms/template.js");
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
      }

      default:
        throw new UsageError(`unknown command "${command}"; run cluster-desk help`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      json(io, { ok: false, problems: e.problems });
      return 1;
    }
    if (
      e instanceof UsageError ||
      e instanceof FundingInputError ||
      e instanceof IntakeInputError ||
      e instanceof PlanInputError ||
      e instanceof DirectoryInputError
    ) {
      io.err(`cluster-desk ${command}: ${e.message}`);
      return 2;
    }
    if (e instanceof TypeError && "code" in e && String((e as { code: unknown }).code).startsWith("ERR_PARSE_ARGS")) {
      io.err(`cluster-desk ${command}: ${e.message}`);
      return 2;
    }
    // Anything else: one line, no stack trace (CLUSTER_DESK_DEBUG=1 shows it).
    if (process.env.CLUSTER_DESK_DEBUG) throw e;
    io.err(
      `cluster-desk ${command}: ${String((e as Error)?.message ?? e)
        .split("\n")[0]!
        .slice(0, 300)}`,
    );
    return 1;
  }
}
