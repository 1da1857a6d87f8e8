/**
 * What the rest of the product needs from the bot, without botbuilder: handle one /api/messages
 * request, and post a card to a stored conversation. All botbuilder use stays in bot/.
 */
import { CardFactory, MessageFactory } from "botbuilder";
import { ClusterDeskBot, type BotDeps } from "./bot.js";
import { ConversationPacer, createAdapter, postProactive, type BotSettings } from "./adapter.js";

export interface BotReply {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export interface BotRuntime {
  bot: ClusterDeskBot;
  appId: string | null;
  /** One Bot Framework request (the activity and its headers); 401 when the token is missing or bad, 503 while it cannot be checked. */
  handle(activity: Record<string, unknown>, headers: Record<string, string>): Promise<BotReply>;
  /** Posts an Adaptive Card to a conversation stored earlier (a JSON conversation reference); the new message's id. */
  postCard(conversationRef: string, card: Record<string, unknown>): Promise<string | undefined>;
  /** Replaces a card posted earlier (everyone who sees it sees the new one). */
  updateCard(conversationRef: string, activityId: string, card: Record<string, unknown>): Promise<void>;
  /** Posts a text message (Markdown) to a stored conversation. */
  postText(conversationRef: string, text: string): Promise<void>;
}

/** botbuilder's words when the sign-in metadata (OpenID configuration, keys) cannot be fetched. */
const METADATA_UNREACHABLE = /openid ?config|Failed to load (?:openID|Keys)|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|socket hang up/i;

export function createBotRuntime(settings: BotSettings, deps: BotDeps, onError: (e: Error) => void): BotRuntime {
  const adapter = createAdapter(settings, onError);
  const pacer = new ConversationPacer();
  const card = (c: Record<string, unknown>) => MessageFactory.attachment(CardFactory.adaptiveCard(c));
  const elsewhere: NonNullable<BotDeps["elsewhere"]> = {
    async post(ref, c) {
      let id: string | undefined;
      await postProactive(adapter, settings.appId, ref, pacer, async (ctx) => {
        id = (await ctx.sendActivity(card(c)))?.id;
      });
      return id;
    },
    async update(ref, activityId, c) {
      await postProactive(adapter, settings.appId, ref, pacer, async (ctx) => {
        const a = card(c);
        a.id = activityId;
        await ctx.updateActivity(a);
      });
    },
  };
  const bot = new ClusterDeskBot({ elsewhere, ...deps });
  return {
    bot,
    appId: settings.appId,
    async handle(activity, headers) {
      const out: BotReply = { status: 200, headers: {} };
      const res = {
        socket: undefined,
        end: () => undefined,
        header: (name: string, value: unknown) => {
          out.headers[name] = String(value);
        },
        send: (b?: unknown) => {
          if (b !== undefined) out.body = b;
        },
        status: (code: number) => {
          out.status = code;
        },
      };
      let ran = false;
      await adapter.process({ body: activity, headers, method: "POST" }, res as never, (ctx) => {
        ran = true;
        return bot.run(ctx);
      });
      // Whatever fails before the bot runs is the token's check: a token that cannot be verified is
      // 401, whatever botbuilder made of it (it answers 500 when a forged token names an issuer whose
      // sign-in metadata it then fails to fetch); only metadata that cannot be fetched is 503.
      if (!ran && out.status >= 400) out.status = METADATA_UNREACHABLE.test(String(out.body ?? "")) ? 503 : 401;
      return out;
    },
    postCard: (ref, c) => elsewhere.post(ref, c),
    updateCard: (ref, id, c) => elsewhere.update(ref, id, c),
    async postText(ref, text) {
      await postProactive(adapter, settings.appId, ref, pacer, async (ctx) => {
        await ctx.sendActivity(MessageFactory.text(text));
      });
    },
  };
}
