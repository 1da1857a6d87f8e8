/** Builds the ports once per process from app settings; tests pass their own. */
import { invocation } from "./invocation.js";
import type { Client } from "@microsoft/microsoft-graph-client";
import { ConfigError, type Partnership } from "../core/config.js";
import type {
  AttendancePort,
  CaseRecordsPort,
  CaseRegisterPort,
  CaseStorePort,
  EngagementPort,
  Logger,
  MailboxChangesPort,
  MailRecordsPort,
  StoredCase,
  SubscriptionsPort,
  VoteStorePort,
} from "../core/ports.js";
import type { RecordsDeps } from "../core/usecases/records.js";
import { GraphMailRecords } from "../m365/records.js";
import type { Report } from "../core/rules/report.js";
import type { IntakeDeps } from "../core/usecases/intake.js";
import type { OutlookDeps } from "../core/usecases/outlook.js";
import { GraphCalendar, GraphMailSender } from "../m365/outlook.js";
import { loadPartnership, parsePartnershipYaml } from "../config/load.js";
import { createGraphClient } from "../m365/graph.js";
import { retryAfterOf } from "../m365/graphError.js";
import { GraphInboxChanges, GraphMailbox } from "../m365/mailbox.js";
import { GraphMailSubscriptions } from "../m365/subscriptions.js";
import { TableMailboxSlots } from "../m365/mailboxSlots.js";
import { GraphIntakeFinisher } from "../m365/finish.js";
import { INTAKE_POISON_QUEUE, IntakeQueue } from "../m365/queue.js";
import { LEASE_MS } from "../core/usecases/intake.js";
import { RECONCILE_AFTER_MS, reconcileIntake, type ReconcileResult } from "../core/usecases/reconcile.js";
import { mailboxHealth, type HealthReport } from "../core/usecases/health.js";
import { announceCase } from "../core/usecases/triage.js";
import {
  GraphAttendance,
  GraphBudgets,
  GraphLibrary,
  GraphReportsLibrary,
  CONFIG_LIBRARY,
  GraphCaseRegister,
  GraphMeetings,
  GraphSchools,
  GraphVotes,
  GraphCaseRecords,
  GraphEngagement,
  SharePointSite,
} from "../m365/sharepoint.js";
import { withDirectory } from "../core/rules/directory.js";
import { requiredDocuments } from "../core/rules/referrals.js";
import { withBudgets, withPublishedMeetings } from "../core/rules/schedule.js";

/** How often the Meetings list is read again (an officer's edit is used within this). */
export const CALENDAR_REFRESH_MS = 2 * 60_000;
import { TableState } from "../m365/state.js";
import { botSettingsFromEnv, readSection, settingsFromEnv, type Settings } from "./settings.js";
import type { BotRuntime } from "../bot/runtime.js";
import { TeamsState } from "../m365/teamsState.js";
import { TriageCards } from "./triageCards.js";

/** What the functions use of the bot (loaded on first use). */
export type BotPort = Pick<BotRuntime, "appId" | "handle" | "postCard" | "updateCard" | "postText">;

export interface AppDeps extends IntakeDeps, OutlookDeps {
  bot: BotPort;
  postAgenda: (conversationRef: string, data: import("../core/rules/agenda.js").AgendaData) => Promise<string | null>;
  /** The SharePoint case register serves intake and triage alike. */
  cases: CaseRegisterPort & CaseStorePort;
  settings: Settings;
  graph: Client;
  state: TableState;
  /** Personal chats, cluster channels, card locations and vote sessions (in `state`). */
  teams: TeamsState;
  triageCards: TriageCards;
  queue: IntakeQueue;
  /** Where the host puts messages that failed every retry; the reconciler retries them. */
  poison: IntakeQueue;
  /** The Inbox's changes (the sweep) and its change-notification subscription. */
  changes: MailboxChangesPort;
  subscriptions: SubscriptionsPort;
  /** The intake lease and the reconciler's bound (tests shorten them; production keeps the defaults). */
  timing: { leaseMs: number; reconcileAfterMs: number };
  site: SharePointSite;
  /** The mailbox's health for the partnership lead (Teams, CLI, the hourly alert). */
  health: () => Promise<HealthReport>;
  /** Runs the reconciler now (the "retry poisoned" action): what it queued again. */
  retryPoisoned: () => Promise<ReconcileResult>;
  /** A Teams message to a person whose chat the bot knows (false if it does not). */
  notify: (email: string, text: string) => Promise<boolean>;
  /** Reads the Meetings list into `partnership` (at most every CALENDAR_REFRESH_MS unless forced). */
  refreshCalendar: (force?: boolean) => Promise<void>;
  /** The Meetings list for the calendar's duties and the "Publish" card (publishing keeps officers' edits). */
  meetingsList: MeetingsListPort;
  /** Who attended each cluster meeting (the agenda card's "Record attendance"; the termly report). */
  attendance: AttendancePort;
  /** Intake audit rows since a time (the termly report's service figures). */
  intakeSince: CaseRegisterPort["intakeSince"];
  /** Saves a term's full report to the Reports library. */
  publishReport: (r: Report, term: string) => Promise<{ name: string; url: string }>;
  /** A card to the partnership lead's chat (false when the bot does not know it). */
  postToLead: (card: CalendarCardData) => Promise<boolean>;
  /** A case's audit rows and votes, and the mailbox's copies of its emails (retention, subject access, erasure). */
  caseRecords: CaseRecordsPort;
  mailRecords: MailRecordsPort;
  votes: VoteStorePort;
  /** The lead's contacts with schools (the Engagement list): `contact`, `not engaged`, the report's engagement table. */
  engagement: EngagementPort;
}

/** What retention, subject access and erasure use, from the app's deps. */
export const recordsDeps = (d: AppDeps): RecordsDeps => ({
  partnership: d.partnership,
  cases: d.cases,
  records: d.caseRecords,
  votes: d.votes,
  mail: d.mailRecords,
  kv: d.kv,
  state: d.state,
  teams: d.teams,
  audit: (row) => d.cases.audit(row),
  log: d.log,
  now: d.now,
});

import type { CalendarCardData, MeetingsListPort } from "../core/usecases/calendar.js";
import { shortReason } from "../core/errors.js";

/** The card templates (adaptivecards-templating and its expression engine) load when first needed. */
const cards = () => import("../cards/index.js");

/**
 * Where a log line goes by its level: inside a function's invocation, through its context
 * (`context.warn` reaches Application Insights as Warning, `context.log` as Information; see
 * functions/invocation.ts); outside one (the CLI, the local stack), console.warn or console.log.
 * So an alert can be set on warnings (a poisoned email, a lost lease, a failed card).
 */
export const consoleByLevel = (line: string, level: "info" | "warn") => {
  const context = invocation.getStore();
  if (context) return level === "warn" ? context.warn(line) : context.log(line);
  return level === "warn" ? console.warn(line) : console.log(line);
};

/** Log lines: an event name and codes, ids and counts. Never subjects, names or bodies. */
export function consoleLogger(write: (line: string, level: "info" | "warn") => void = consoleByLevel): Logger {
  const line = (level: "info" | "warn", event: string, fields?: Record<string, unknown>) => write(JSON.stringify({ level, event, ...fields }), level);
  return { info: (e, f) => line("info", e, f), warn: (e, f) => line("warn", e, f) };
}

/** Where the deps come from: built once (functions), or a test's own. */
export type DepsSource = () => AppDeps | Promise<AppDeps>;

/** The file in the site's Configuration library that PARTNERSHIP names (`site:<file>`), or null. */
export const siteConfigName = (setting: string): string | null => (setting.startsWith("site:") ? setting.slice("site:".length).trim() : null);

/** The partnership config kept in the site's Configuration library, validated (a ConfigError says what is wrong where). */
export async function readSiteConfig(site: SharePointSite, name: string): Promise<Partnership> {
  const source = `${CONFIG_LIBRARY}/${name} (PARTNERSHIP=site:${name})`;
  const text = await new GraphLibrary(site, CONFIG_LIBRARY).read(name);
  if (text === null)
    throw new ConfigError(
      [
        {
          path: "",
          message: `there is no such file in the site's ${CONFIG_LIBRARY} library: upload the partnership's YAML there (npx cluster-desk publish-config --file <yaml>)`,
        },
      ],
      source,
    );
  return parsePartnershipYaml(text, source).partnership;
}

/**
 * The privacy notice emails to schools link to: the config's `noticeUrl`, else the page this
 * deployment serves (/api/privacy, beside the notification endpoint, on the Function App's host).
 */
function withNotice(p: Partnership, notificationUrl: string | null): Partnership {
  if (p.dataProtection.noticeUrl || !notificationUrl) return p;
  return { ...p, dataProtection: { ...p.dataProtection, noticeUrl: new URL("/api/privacy", notificationUrl).toString() } };
}

/** The Cases list's page in SharePoint, from SHAREPOINT_SITE (`hostname:/sites/path`). */
export function casesListUrl(site: string): string | null {
  const at = site.indexOf(":/");
  return at > 0 ? `https://${site.slice(0, at)}${site.slice(at + 1)}/Lists/Cases/AllItems.aspx` : null;
}

/** The MAILBOX setting over the config's `intake.mailbox`. */
function withMailbox(p: Partnership, mailbox: string | null): Partnership {
  return mailbox && mailbox.toLowerCase() !== p.intake.mailbox.toLowerCase() ? { ...p, intake: { ...p.intake, mailbox } } : p;
}

/**
 * The partnership the app settings name: a config built into the package or a file's path (read
 * now), or `site:<file>` in the site's Configuration library (read through Graph), with MAILBOX.
 */
export async function partnershipFromSettings(env: Record<string, string | undefined>): Promise<Partnership> {
  const app = readSection("app", env);
  const name = siteConfigName(app.partnership);
  const p = name
    ? await readSiteConfig(new SharePointSite(createGraphClient(readSection("graph", env)).client, app.sharePointSite), name)
    : loadPartnership(app.partnership).partnership;
  return withMailbox(p, app.mailbox);
}

/** `now` is the product's clock (the local demo and tests move it to summer 2023). */
export function buildDeps(
  env: NodeJS.ProcessEnv = process.env,
  partnership?: Partnership,
  log: Logger = consoleLogger(),
  now: () => Date = () => new Date(),
): AppDeps {
  const settings = settingsFromEnv(env);
  const siteConfig = siteConfigName(settings.partnership);
  if (!partnership && siteConfig) throw new Error(`PARTNERSHIP=site:${siteConfig} is read through Graph: pass partnershipFromSettings()'s result`);
  /** A config as this deployment runs it: its mailbox, its privacy notice. */
  const running = (q: Partnership, mailbox: string | null) => withNotice(withMailbox(q, mailbox), settings.notificationUrl);
  const p = running(partnership ?? loadPartnership(settings.partnership).partnership, settings.mailbox);
  const graphSettings = readSection("graph", env);
  // Exchange's 4 concurrent requests per mailbox hold across every instance: slots in Table storage.
  const { client } = createGraphClient({
    ...graphSettings,
    sharedMailboxLimiter: new TableMailboxSlots(settings.storage, graphSettings.mailboxConcurrency ?? 4),
  });
  const state = new TableState(settings.storage);
  const teams = new TeamsState(state);
  const site = new SharePointSite(client, settings.sharePointSite);
  const mailer = new GraphMailSender(client, p.intake.mailbox);
  const cases = new GraphCaseRegister(site);
  const votes = new GraphVotes(site);
  const finisher = new GraphIntakeFinisher(client, p.intake.mailbox, site);
  const botSettings = botSettingsFromEnv(env);
  // The bot (botbuilder and its dependencies) loads on first use, a Teams request or a card to
  // post, not when the functions load: the mail functions start without it.
  let runtime: Promise<BotRuntime> | undefined;
  const loadBot = () =>
    (runtime ??= import("../bot/runtime.js").then(({ createBotRuntime }) =>
      createBotRuntime(
        botSettings,
        {
          // The partnership as last read (published meetings included), not as the process started.
          get partnership() {
            return out.partnership;
          },
          cases,
          mailer,
          kv: state,
          teams,
          triageCards,
          log,
          now,
          votes,
          attendance,
          engagement,
          publishReport,
          audit: (row) => cases.audit(row),
          health: () => health(),
          retryPoisoned: () => retryPoisoned(),
          // The "plan" card's "Publish" (declared below; called only once the bot runs).
          get meetingsList() {
            return out.meetingsList;
          },
          refreshCalendar: (force) => out.refreshCalendar(force),
          notify: (email, text) => notify(email, text),
          intakeSince: (since) => cases.intakeSince(since),
        },
        (e) => log.warn("bot.error", { reason: shortReason(e) }),
      ),
    ));
  const bot: BotPort = {
    appId: botSettings.appId,
    handle: async (activity, headers) => {
      await out.refreshCalendar();
      return (await loadBot()).handle(activity, headers);
    },
    postCard: async (ref, card) => (await loadBot()).postCard(ref, card),
    updateCard: async (ref, id, card) => (await loadBot()).updateCard(ref, id, card),
    postText: async (ref, text) => (await loadBot()).postText(ref, text),
  };
  const triageCards = new TriageCards(() => out.partnership, teams, bot, now, log);
  const attendance = new GraphAttendance(site);
  const engagement = new GraphEngagement(site);
  const reportsLibrary = new GraphReportsLibrary(site);
  /** The full report as HTML (charts and tables; reports/ loads only when a report is made) in the Reports library. */
  const publishReport = async (r: Report, term: string) => {
    const { reportHtml } = await import("../reports/render.js");
    return reportsLibrary.save(`evaluation-${r.partnership.id}-${term}.html`, await reportHtml(r), "text/html");
  };
  const announce = (caseRef: string, leadEmail: string | null, stored: StoredCase | null) =>
    announceCase(
      {
        teams,
        cases,
        cards: triageCards,
        log,
        fallback: { kv: state, mailer, log, now, partnership: out.partnership, casesListUrl: casesListUrl(settings.sharePointSite) },
      },
      caseRef,
      leadEmail,
      stored,
    );
  const notify = async (email: string, text: string) => {
    const ref = await teams.personalChat(email);
    if (!ref) return false;
    await bot.postText(ref, text);
    return true;
  };
  const queue = new IntakeQueue(settings.storage);
  const poison = new IntakeQueue(settings.storage, INTAKE_POISON_QUEUE);
  const timing = { leaseMs: LEASE_MS, reconcileAfterMs: RECONCILE_AFTER_MS };
  // The running calendar is the Meetings list: read at most every CALENDAR_REFRESH_MS, so an
  // officer's edit there is used within minutes; the config's meetings seed it.
  const meetingsList = new GraphMeetings(site);
  const budgetsList = new GraphBudgets(site);
  const schoolsList = new GraphSchools(site);
  let calendarReadAt = 0;
  // A config kept in SharePoint is read again with the lists, so an officer's edit there is used
  // within minutes. An edit that is not valid is not used: the last good config runs on, with a
  // warning (alertable) naming how many problems `validate-config` will show. The mailbox stays the
  // one the process started with (its adapters are bound to it).
  let base = p;
  const rereadConfig = async () => {
    if (!siteConfig) return;
    try {
      base = running(await readSiteConfig(site, siteConfig), p.intake.mailbox);
    } catch (e) {
      log.warn("config.unusable", e instanceof ConfigError ? { file: siteConfig, problems: e.problems.length } : { file: siteConfig, reason: shortReason(e) });
    }
  };
  const refreshCalendar = async (force = false) => {
    if (!force && Date.now() - calendarReadAt < CALENDAR_REFRESH_MS) return;
    calendarReadAt = Date.now();
    try {
      const [meetings, budgets, schools] = await Promise.all([meetingsList.list(), budgetsList.list(), schoolsList.list(), rereadConfig()]);
      out.partnership = withDirectory(withBudgets(withPublishedMeetings(base, meetings), budgets), schools);
    } catch (e) {
      calendarReadAt = 0;
      log.warn("calendar.read-failed", { reason: shortReason(e) });
    }
  };
  const mailbox = new GraphMailbox(client, p.intake.mailbox, requiredDocuments(p), p.intake.attachments);
  const health = () =>
    mailboxHealth({ kv: state, queueDepth: () => queue.depth(), poisonDepth: () => poison.depth(), intakeSince: (since) => cases.intakeSince(since), now });
  const retryPoisoned = () => reconcileIntake({ mailbox, state, queue, poison, log, now }, timing.reconcileAfterMs);
  const out: AppDeps = {
    settings,
    partnership: p,
    bot,
    announce,
    notify,
    postAgenda: async (ref, data) => (await bot.postCard(ref, (await cards()).agendaCard(data))) ?? null,
    meetingsList: { list: () => meetingsList.list(), publish: (m) => meetingsList.publish(m, { keepExisting: true }) },
    caseRecords: new GraphCaseRecords(site),
    engagement,
    mailRecords: new GraphMailRecords(client, p.intake.mailbox),
    votes,
    postToLead: async (data) => {
      const ref = await teams.personalChat(p.partnershipLead.email);
      if (!ref) return false;
      await bot.postCard(ref, (await cards()).calendarCard(data));
      return true;
    },
    teams,
    triageCards,
    attendance,
    publishReport,
    graph: client,
    state,
    // The jobs' key-value records ("sent once") are kept in the same Table state.
    kv: state,
    intakeSince: (since) => cases.intakeSince(since),
    site,
    queue,
    poison,
    changes: new GraphInboxChanges(client, p.intake.mailbox, new URL(graphSettings.graphBaseUrl).origin),
    subscriptions: new GraphMailSubscriptions(client, p.intake.mailbox),
    timing,
    health,
    retryPoisoned,
    mailbox,
    finish: (step) => finisher.finish(step),
    retryLater: retryAfterOf,
    cases,
    calendar: new GraphCalendar(client, p.intake.mailbox),
    mailer,
    log,
    now,
    refreshCalendar,
  };
  return out;
}

let shared: Promise<AppDeps> | undefined;
/** The process's deps (built on first use, so registration needs no settings; a failed build is tried again next time). */
export function appDeps(): Promise<AppDeps> {
  shared ??= partnershipFromSettings(process.env)
    .then((p) => buildDeps(process.env, p))
    .catch((e: unknown) => {
      shared = undefined;
      throw e;
    });
  return shared;
}
