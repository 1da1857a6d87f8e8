/**
 * The Bot Framework adapter behind /api/messages. With BOT_APP_ID set, every request must carry a
 * valid Bot Framework JWT (401 otherwise); without it the bot is open for the local Agents
 * Playground. Proactive posting respects Teams' 7 messages per second per conversation.
 */
import type { BotSettings } from "./settings.js";
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConversationReference, type TurnContext } from "botbuilder";
import { statusOf } from "../core/errors.js";

export type { BotSettings } from "./settings.js";

export function createAdapter(s: BotSettings, onError: (e: Error) => void): CloudAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication(
    s.appId ? { MicrosoftAppId: s.appId, MicrosoftAppType: s.appType, MicrosoftAppTenantId: s.tenantId ?? undefined } : {},
  );
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    onError(error);
    await context.sendActivity("Sorry, Cluster Desk could not do that. The SEND team has been told.").catch(() => undefined);
  };
  return adapter;
}

/** Paces posts per conversation (Teams allows 7 a second) and retries 429s with back-off. */
export class ConversationPacer {
  private readonly last = new Map<string, number[]>();
  constructor(private readonly perSecond = 7) {}
  async wait(conversationId: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const recent = (this.last.get(conversationId) ?? []).filter((t) => now - t < 1000);
      if (recent.length < this.perSecond) {
        recent.push(now);
        this.last.set(conversationId, recent);
        return;
      }
      await new Promise((r) => setTimeout(r, 1000 - (now - recent[0]!) + 5));
    }
  }
}

/**
 * Runs `send` in the stored conversation. A failure inside it (Teams refused the post, the
 * conversation is gone) is thrown to the caller, not handed to the adapter's turn-error handler,
 * which would swallow it and leave the caller believing the post went.
 */
export async function postProactive(
  adapter: CloudAdapter,
  appId: string | null,
  refJson: string,
  pacer: ConversationPacer,
  send: (ctx: TurnContext) => Promise<void>,
): Promise<void> {
  const ref = JSON.parse(refJson) as ConversationReference;
  await pacer.wait(ref.conversation?.id ?? "?");
  for (let attempt = 0; ; attempt++) {
    let failed: { error: unknown } | undefined;
    try {
      await adapter.continueConversationAsync(appId ?? "", ref, async (ctx) => {
        try {
          await send(ctx);
        } catch (error) {
          failed = { error };
        }
      });
      if (failed) throw failed.error;
      return;
    } catch (e) {
      const code = statusOf(e);
      if (code !== 429 || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
}
