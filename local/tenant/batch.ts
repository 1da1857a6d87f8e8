/**
 * Graph's JSON batching (POST /v1.0/$batch): up to 20 requests, each run through the same dispatch
 * as a single request (faults and the mailbox limit included), `dependsOn` honoured (a failed
 * dependency gives 424), answers collected in one body. Each item is counted as "(batch)".
 */
import type { TenantRequest } from "./context.js";
import type { Counters } from "./faults.js";
import { errorBody, GraphError, type Reply } from "./http.js";

/** Runs one request as the tenant would, for the app that sent the batch. */
export type Dispatch = (req: TenantRequest) => Promise<{ reply: Reply; name: string }>;

export async function runBatch(body: any, requestId: string, dispatch: Dispatch, counters: Counters): Promise<Reply> {
  const requests = body?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw new GraphError(400, "BadRequest", "Invalid batch payload format.");
  if (requests.length > 20) throw new GraphError(400, "BadRequest", "The number of batch requests exceeds the limit of 20.");
  const ids = new Set<string>();
  for (const r of requests) {
    if (typeof r?.id !== "string" || typeof r?.method !== "string" || typeof r?.url !== "string")
      throw new GraphError(400, "BadRequest", "Each batch request needs id, method and url.");
    if (ids.has(r.id)) throw new GraphError(400, "BadRequest", `Batch request id '${r.id}' is used twice.`);
    if (/^https?:/i.test(r.url)) throw new GraphError(400, "BadRequest", "Batch request urls must be relative, e.g. /users/{id}/messages.");
    for (const d of r.dependsOn ?? [])
      if (!requests.some((x: any) => x.id === d)) throw new GraphError(400, "BadRequest", `dependsOn names an unknown request '${d}'.`);
    ids.add(r.id);
  }
  const results = new Map<string, Promise<{ id: string; status: number; headers: Record<string, string>; body?: unknown }>>();
  const run = (r: any): Promise<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> => {
    let p = results.get(r.id);
    if (p) return p;
    p = (async () => {
      const deps = await Promise.all((r.dependsOn ?? []).map((d: string) => run(requests.find((x: any) => x.id === d))));
      if (deps.some((d) => d.status >= 400)) {
        return { id: r.id, status: 424, headers: {}, body: errorBody("FailedDependency", "A request this one depends on failed.", requestId) };
      }
      const url = new URL(r.url.startsWith("/") ? r.url : `/${r.url}`, "https://batch.local");
      const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const item = await dispatch({
        method: r.method.toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers,
        // A body that is not JSON comes base64-encoded (Graph's JSON batching).
        body:
          r.body === undefined
            ? Buffer.alloc(0)
            : typeof r.body === "string" && !(headers["content-type"] ?? "application/json").includes("json")
              ? Buffer.from(r.body, "base64")
              : Buffer.from(JSON.stringify(r.body)),
      });
      counters.add(`${item.name} (batch)`, item.reply.status);
      const h: Record<string, string> = { ...(item.reply.headers ?? {}) };
      let b: unknown = item.reply.body;
      if (item.reply.raw !== undefined) {
        b = Buffer.isBuffer(item.reply.raw) ? item.reply.raw.toString("base64") : item.reply.raw;
      } else if (b !== undefined) h["Content-Type"] = "application/json";
      return { id: r.id, status: item.reply.status, headers: h, ...(b !== undefined ? { body: b } : {}) };
    })();
    results.set(r.id, p);
    return p;
  };
  const responses = await Promise.all(requests.map(run));
  return { status: 200, body: { responses } };
}
