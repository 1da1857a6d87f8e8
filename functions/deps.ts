/** Builds the ports once per process from app settings; tests pass their own. */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { Partnership } from "../core/config.js";
import type { Logger } from "../core/ports.js";
import type { IntakeDeps } from "../core/usecases/intake.js";
import type { OutlookDeps } from "../core/usecases/outlook.js";
import { GraphCalendar, GraphMailSender } from "../m365/outlook.js";
import { loadPartnership } from "../config/load.js";
import { createGraphClient, graphSettingsFromEnv } from "../m365/graph.js";
import { GraphMailbox } from "../m365/mailbox.js";
import { IntakeQueue } from "../m365/queue.js";
import { GraphCaseRegister, SharePointSite } from "../m365/sharepoint.js";
import { TableState } from "../m365/state.js";
import { settingsFromEnv, type Settings } from "./settings.js";

export interface AppDeps extends IntakeDeps, Omit<OutlookDeps, "kv"> {
  settings: Settings;
  graph: Client;
  /** Origin of the Graph endpoint in use (links stored for another one are stale). */
  graphOrigin: string;
  state: TableState;
  queue: IntakeQueue;
  site: SharePointSite;
}

/** Log lines: an event name and codes, ids and counts. Never subjects, names or bodies. */
export function consoleLogger(write: (line: string) => void = (l) => console.log(l)): Logger {
  const line = (level: string, event: string, fields?: Record<string, unknown>) => write(JSON.stringify({ level, event, ...fields }));
  return { info: (e, f) => line("info", e, f), warn: (e, f) => line("warn", e, f) };
}

export function buildDeps(env: NodeJS.ProcessEnv = process.env, partnership?: Partnership, log: Logger = consoleLogger()): AppDeps {
  const settings = settingsFromEnv(env);
  const p = partnership ?? loadPartnership(settings.partnership).partnership;
  const graphSettings = graphSettingsFromEnv(env);
  const { client } = createGraphClient(graphSettings);
  const state = new TableState(settings.storage);
  const site = new SharePointSite(client, settings.sharePointSite);
  return {
    settings,
    partnership: p,
    graph: client,
    graphOrigin: new URL(graphSettings.graphBaseUrl).origin,
    state,
    site,
    queue: new IntakeQueue(settings.storage),
    mailbox: new GraphMailbox(client, p.intake.mailbox),
    cases: new GraphCaseRegister(site),
    calendar: new GraphCalendar(client, p.intake.mailbox),
    mailer: new GraphMailSender(client, p.intake.mailbox),
    log,
    now: () => new Date(),
  };
}

let shared: AppDeps | undefined;
/** The process's deps (built on first use, so registration needs no settings). */
export function appDeps(): AppDeps {
  shared ??= buildDeps();
  return shared;
}
