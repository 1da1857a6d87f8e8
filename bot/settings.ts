/** The bot's settings, as functions/settings.ts reads them (without botbuilder). */

export interface BotSettings {
  /** The managed identity's client id; null: unauthenticated requests are accepted (the local Agents Playground). */
  appId: string | null;
  appType: "UserAssignedMSI";
  tenantId: string | null;
}
