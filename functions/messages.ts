/** POST /api/messages: the Teams bot (bot/runtime.ts does the Bot Framework part). */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { BotRuntime } from "../bot/runtime.js";

export function botMessages(get: () => BotRuntime) {
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    let activity: Record<string, unknown>;
    try {
      activity = (await request.json()) as Record<string, unknown>;
    } catch {
      return { status: 400, body: "expected a Bot Framework activity" };
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    const r = await get().handle(activity, headers);
    return { status: r.status, headers: r.headers, ...(r.body !== undefined ? { jsonBody: r.body } : {}) };
  };
}
