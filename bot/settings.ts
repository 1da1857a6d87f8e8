/** The bot's settings from the environment, without botbuilder (read when the functions load). */

export interface BotSettings {
  appId: string | null;
  appType: "UserAssignedMSI";
  tenantId: string | null;
}

/**
 * The bot's identity. Cluster Desk's bot signs in as a user-assigned managed identity (the Bicep
 * creates it): no secret to keep or rotate. SingleTenant and MultiTenant bots sign in with a
 * client secret or certificate, which Cluster Desk does not hold, so they are refused here, at
 * start-up, with what to do instead.
 */
export function botSettingsFromEnv(env: NodeJS.ProcessEnv): BotSettings {
  const t = env.BOT_APP_TYPE || "UserAssignedMSI";
  const appId = env.BOT_APP_ID || null;
  const tenantId = env.BOT_TENANT_ID || null;
  if (t === "SingleTenant" || t === "MultiTenant") {
    throw new Error(
      `BOT_APP_TYPE=${t} is not supported: it needs a client secret, which Cluster Desk does not keep. Register the bot with a user-assigned managed identity and set BOT_APP_TYPE=UserAssignedMSI, BOT_APP_ID (its client id) and BOT_TENANT_ID (infra/main.bicep does this).`,
    );
  }
  if (t !== "UserAssignedMSI") throw new Error(`BOT_APP_TYPE must be UserAssignedMSI, not "${t}"`);
  if (appId && !tenantId)
    throw new Error("BOT_APP_ID is set but BOT_TENANT_ID is not: a UserAssignedMSI bot needs both (the managed identity's client id and the tenant's id).");
  return { appId, appType: t, tenantId };
}
