/** POST /api/messages: the Teams bot. Adapts the Functions request to botbuilder's CloudAdapter. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CloudAdapter } from "botbuilder";
import type { ClusterDeskBot } from "../bot/bot.js";

export function botMessages(get: () => { adapter: CloudAdapter; bot: ClusterDeskBot }) {
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { adapter, bot } = get();
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return { status: 400, body: "expected a Bot Framework activity" };
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    const out: HttpResponseInit = { status: 200 };
    const res = {
      socket: undefined,
      end: () => undefined,
      header: (name: string, value: unknown) => {
        out.headers = { ...(out.headers as Record<string, string>), [name]: String(value) };
      },
      send: (b?: unknown) => {
        if (b !== undefined) out.jsonBody = b;
      },
      status: (code: number) => {
        out.status = code;
      },
    };
    await adapter.process({ body: body as Record<string, unknown>, headers, method: "POST" }, res as never, (ctx) => bot.run(ctx));
    return out;
  };
}
