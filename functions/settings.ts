/**
 * Every app setting the product reads, in one zod schema: its name, what it means, its default,
 * and the rules between settings. The environment is read here and nowhere else; adapters take
 * what this parses (StorageConfig, GraphSettings, BotSettings, Settings). docs/settings.md's
 * table (`settingsTable`, `npx cluster-desk settings`) and the infra drift test
 * (test/infra.test.ts: the Bicep sets each, or it is local-only for a stated reason) come from it.
 */
import { z } from "zod";
import type { StorageConfig } from "../m365/storage.js";
import type { GraphSettings } from "../m365/graph.js";
import type { BotSettings } from "../bot/settings.js";

/** An optional text setting; an empty value counts as unset. */
const text = (meaning: string) => z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()).describe(meaning);

const storage = z
  .object({
    AzureWebJobsStorage: text("Storage (queues, tables) as a connection string: Azurite locally"),
    AzureWebJobsStorage__accountName: text("Storage account name, reached with the managed identity (Azure)"),
    AzureWebJobsStorage__clientId: text("a user-assigned identity's client id for Storage, if not the system-assigned one"),
  })
  .transform((s, ctx): StorageConfig => {
    if (s.AzureWebJobsStorage) return { connectionString: s.AzureWebJobsStorage };
    if (s.AzureWebJobsStorage__accountName)
      return { accountName: s.AzureWebJobsStorage__accountName, ...(s.AzureWebJobsStorage__clientId ? { clientId: s.AzureWebJobsStorage__clientId } : {}) };
    ctx.addIssue({
      code: "custom",
      message: "app setting AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__accountName (managed identity) is not set",
    });
    return z.NEVER;
  });

const app = z
  .object({
    PARTNERSHIP: text(
      "the partnership's config: `site:<file>.yaml` (a file in the site's Configuration library, edited in SharePoint and read again every few minutes), a config id built into the package (config/<id>.yaml), or a YAML file's path; default `hounslow-mip`",
    ),
    MAILBOX: text("the secure mailbox's address, where it differs from the config's `intake.mailbox`"),
    SHAREPOINT_SITE: text("`hostname:/sites/path` of the site holding the lists"),
    MAIL_NOTIFICATION_URL: text("public URL of the mail notification function"),
    MAIL_LIFECYCLE_URL: text("public URL of the lifecycle notification function"),
    MAIL_CLIENT_STATE: text("the secret Graph echoes in every notification (Key Vault in Azure)"),
  })
  .transform((s, ctx) => {
    if (!s.SHAREPOINT_SITE) {
      ctx.addIssue({ code: "custom", message: "app setting SHAREPOINT_SITE is not set" });
      return z.NEVER;
    }
    if (s.MAILBOX && !z.email().safeParse(s.MAILBOX).success) {
      ctx.addIssue({ code: "custom", message: `app setting MAILBOX must be the secure mailbox's email address, not "${s.MAILBOX}"` });
      return z.NEVER;
    }
    return {
      partnership: s.PARTNERSHIP ?? "hounslow-mip",
      mailbox: s.MAILBOX ?? null,
      sharePointSite: s.SHAREPOINT_SITE,
      notificationUrl: s.MAIL_NOTIFICATION_URL ?? null,
      lifecycleUrl: s.MAIL_LIFECYCLE_URL ?? null,
      clientState: s.MAIL_CLIENT_STATE ?? null,
    };
  });

const graph = z
  .object({
    GRAPH_BASE_URL: text("`https://graph.microsoft.com` in Azure (the default); the local tenant's URL locally"),
    GRAPH_AUTHORITY_HOST: text("the token endpoint's host for client credentials (the local tenant)"),
    GRAPH_TENANT_ID: text("tenant id for client credentials (the local tenant)"),
    GRAPH_CLIENT_ID: text("client id: client credentials locally; in Azure a user-assigned identity, or unset for the system-assigned one"),
    GRAPH_CLIENT_SECRET: text("client secret for the local tenant only; never set in Azure"),
    GRAPH_SIGN_IN: text(
      "on an administrator's machine (the CLI): `azure-cli` (the account `az login` signed in) or `device-code` (a code to enter at microsoft.com/devicelogin, with `GRAPH_CLIENT_ID` naming the council's app registration for administrators); unset: the managed identity, or client credentials with a secret",
    ),
  })
  .transform((s): GraphSettings => ({
    graphBaseUrl: s.GRAPH_BASE_URL ?? "https://graph.microsoft.com",
    ...(s.GRAPH_AUTHORITY_HOST ? { authorityHost: s.GRAPH_AUTHORITY_HOST } : {}),
    ...(s.GRAPH_TENANT_ID ? { tenantId: s.GRAPH_TENANT_ID } : {}),
    ...(s.GRAPH_CLIENT_ID ? { clientId: s.GRAPH_CLIENT_ID } : {}),
    ...(s.GRAPH_CLIENT_SECRET ? { clientSecret: s.GRAPH_CLIENT_SECRET } : {}),
    ...(s.GRAPH_SIGN_IN ? { signIn: s.GRAPH_SIGN_IN } : {}),
  }));

/**
 * The bot's identity. Cluster Desk's bot signs in as a user-assigned managed identity (the Bicep
 * creates it): no secret to keep or rotate. SingleTenant and MultiTenant bots sign in with a
 * client secret or certificate, which Cluster Desk does not hold, so they are refused at start-up,
 * with what to do instead.
 */
const bot = z
  .object({
    BOT_APP_ID: text("the bot's managed identity's client id; unset, the bot accepts unauthenticated requests (the local Agents Playground)"),
    BOT_APP_TYPE: text("`UserAssignedMSI` (the default and the only type Cluster Desk supports)"),
    BOT_TENANT_ID: text("the tenant of the bot's managed identity (needed with BOT_APP_ID)"),
  })
  .transform((s, ctx): BotSettings => {
    const t = s.BOT_APP_TYPE ?? "UserAssignedMSI";
    const refuse = (message: string) => {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    };
    if (t === "SingleTenant" || t === "MultiTenant")
      return refuse(
        `BOT_APP_TYPE=${t} is not supported: it needs a client secret, which Cluster Desk does not keep. Register the bot with a user-assigned managed identity and set BOT_APP_TYPE=UserAssignedMSI, BOT_APP_ID (its client id) and BOT_TENANT_ID (infra/main.bicep does this).`,
      );
    if (t !== "UserAssignedMSI") return refuse(`BOT_APP_TYPE must be UserAssignedMSI, not "${t}"`);
    if (s.BOT_APP_ID && !s.BOT_TENANT_ID)
      return refuse("BOT_APP_ID is set but BOT_TENANT_ID is not: a UserAssignedMSI bot needs both (the managed identity's client id and the tenant's id).");
    return { appId: s.BOT_APP_ID ?? null, appType: t, tenantId: s.BOT_TENANT_ID ?? null };
  });

/** The schema, by the part of the product each section configures. */
export const SETTINGS_SCHEMA = { storage, app, graph, bot } as const;
type Section = keyof typeof SETTINGS_SCHEMA;

/** Every setting name the product reads (derived from the schema; the infra drift test checks the Bicep against it). */
export const SETTING_NAMES: string[] = Object.values(SETTINGS_SCHEMA).flatMap((s) => Object.keys(s.in.shape));

/** One section of the settings from an environment; a clear error naming what is wrong. */
export function readSection<S extends Section>(section: S, env: Record<string, string | undefined>): z.output<(typeof SETTINGS_SCHEMA)[S]> {
  const r = SETTINGS_SCHEMA[section].safeParse(env);
  if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join("; "));
  return r.data as z.output<(typeof SETTINGS_SCHEMA)[S]>;
}

export interface Settings {
  storage: StorageConfig;
  partnership: string;
  /** Overrides the config's `intake.mailbox`. */
  mailbox: string | null;
  sharePointSite: string;
  notificationUrl: string | null;
  lifecycleUrl: string | null;
  clientState: string | null;
}

/** The functions' settings (storage and the app's own). */
export function settingsFromEnv(env: Record<string, string | undefined>): Settings {
  return { storage: readSection("storage", env), ...readSection("app", env) };
}

/** The bot's settings (checked when the functions load, without botbuilder). */
export function botSettingsFromEnv(env: Record<string, string | undefined>): BotSettings {
  return readSection("bot", env);
}

/** The documented list: a Markdown table of every setting and what it means (docs/settings.md's). */
export function settingsTable(): string {
  const rows = Object.values(SETTINGS_SCHEMA).flatMap((s) => Object.entries(s.in.shape).map(([name, v]) => `| \`${name}\` | ${v.description ?? ""} |`));
  return ["| setting | meaning |", "| --- | --- |", ...rows].join("\n");
}
