/**
 * POST /api/messages: the Teams bot (bot/runtime.ts does the Bot Framework part). The body is
 * checked to be a Bot Framework activity before the bot sees it; answers carry no internal text:
 * 400 for what is not an activity, 401 for a token that cannot be verified, 503 (with Retry-After)
 * while the sign-in metadata that verifies tokens cannot be fetched, 500 (logged by code) for
 * anything else.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { z } from "zod";
import type { BotRuntime } from "../bot/runtime.js";
import { statusOf } from "../core/errors.js";

/** The parts of an activity the bot relies on; the rest passes through as Bot Framework sent it. */
const Account = z.object({ id: z.string().min(1).max(1024) }).passthrough();
export const ActivitySchema = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().max(1024).optional(),
    channelId: z.string().min(1).max(64),
    serviceUrl: z.string().url().max(2048),
    from: Account,
    recipient: Account,
    conversation: Account,
    text: z.string().max(28_000).optional(),
  })
  .passthrough();

const refuse = (status: number, message: string): HttpResponseInit => ({
  status,
  jsonBody: { error: message },
  ...(status === 503 ? { headers: { "retry-after": "30" } } : {}),
});

/** Loopback: where the Agents Playground runs, the only client an unauthenticated (local) bot answers. */
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const onThisMachine = (serviceUrl: string) => {
  try {
    return LOOPBACK.test(new URL(serviceUrl).hostname);
  } catch {
    return false;
  }
};

export function botMessages(
  get: () => Pick<BotRuntime, "handle" | "appId"> | Promise<Pick<BotRuntime, "handle" | "appId">>,
  log?: (event: string, fields: Record<string, string | number>) => void,
) {
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return refuse(400, "expected a Bot Framework activity (JSON)");
    }
    const parsed = ActivitySchema.safeParse(body);
    if (!parsed.success) return refuse(400, "expected a Bot Framework activity");
    // Without a bot identity (local mode) nothing is verified, so the bot answers only a client on
    // this machine: it never posts to a serviceUrl elsewhere that a request names.
    const runtime = await get();
    if (!runtime.appId && !onThisMachine(parsed.data.serviceUrl))
      return refuse(403, "without a bot identity, only the Agents Playground on this machine is answered");
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    try {
      const r = await runtime.handle(parsed.data, headers);
      if (r.status === 401 || r.status === 403) return refuse(401, "the request's token could not be verified");
      if (r.status === 503) return refuse(503, "the request's token cannot be checked just now; try again");
      if (r.status >= 400)
        return refuse(r.status >= 500 ? 500 : 400, r.status >= 500 ? "Cluster Desk could not handle that activity" : "the activity was not accepted");
      return { status: r.status, headers: r.headers, ...(r.body !== undefined ? { jsonBody: r.body } : {}) };
    } catch (e) {
      const code = statusOf(e);
      if (code === 401 || code === 403) return refuse(401, "the request's token could not be verified");
      log?.("bot.request-failed", { status: code ?? 500, error: (e as Error).name ?? "Error" });
      return refuse(500, "Cluster Desk could not handle that activity");
    }
  };
}
