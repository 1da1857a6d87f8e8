/** App settings the functions read. infra/ must provide each of these (a test checks it). */
import { storageFromEnv, type StorageConfig } from "../m365/storage.js";

export interface Settings {
  storage: StorageConfig;
  partnership: string;
  sharePointSite: string;
  notificationUrl: string | null;
  lifecycleUrl: string | null;
  clientState: string | null;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`app setting ${name} is not set`);
  return v;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    storage: storageFromEnv(env),
    partnership: env.PARTNERSHIP ?? "hounslow-mip",
    sharePointSite: required(env, "SHAREPOINT_SITE"),
    notificationUrl: env.MAIL_NOTIFICATION_URL ?? null,
    lifecycleUrl: env.MAIL_LIFECYCLE_URL ?? null,
    clientState: env.MAIL_CLIENT_STATE ?? null,
  };
}

/** Every setting name the code reads, for the infra drift check. */
export const SETTING_NAMES = [
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__clientId",
  "PARTNERSHIP",
  "SHAREPOINT_SITE",
  "MAIL_NOTIFICATION_URL",
  "MAIL_LIFECYCLE_URL",
  "MAIL_CLIENT_STATE",
  "GRAPH_BASE_URL",
  "GRAPH_AUTHORITY_HOST",
  "GRAPH_TENANT_ID",
  "GRAPH_CLIENT_ID",
  "GRAPH_CLIENT_SECRET",
  "BOT_APP_ID",
  "BOT_APP_TYPE",
  "BOT_TENANT_ID",
] as const;
