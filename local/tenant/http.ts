/** Request/response plumbing shared by the tenant's routes: Graph error bodies, JSON, OData. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Raw bytes or text, sent as is. */
  raw?: Buffer | string;
}

export function errorBody(code: string, message: string, requestId: string): unknown {
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().slice(0, 19), "request-id": requestId, "client-request-id": requestId },
    },
  };
}

export async function readBody(req: IncomingMessage, limit = 40 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new GraphError(413, "RequestEntityTooLarge", "The request body is too large.");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseJson(buf: Buffer | string | undefined): any {
  const text = typeof buf === "string" ? buf : (buf?.toString("utf8") ?? "");
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(
      400,
      "BadRequest",
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
}

export function send(res: ServerResponse, reply: Reply, requestId: string): void {
  const headers: Record<string, string> = { "request-id": requestId, "client-request-id": requestId, ...reply.headers };
  if (reply.raw !== undefined) {
    res.writeHead(reply.status, headers);
    res.end(reply.raw);
    return;
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  headers["content-type"] ??= "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
  res.writeHead(reply.status, headers);
  res.end(JSON.stringify(reply.body));
}

export function newRequestId(): string {
  return randomUUID();
}

/** $select=a,b -> Set; undefined when absent. */
export function selectOf(q: URLSearchParams): Set<string> | undefined {
  const s = q.get("$select");
  return s
    ? new Set(
        s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
    : undefined;
}

/** Keeps the selected properties (and the ones Graph always returns). */
export function project(obj: Record<string, unknown>, select: Set<string> | undefined, always: string[] = ["id", "@odata.etag"]): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const k of always) if (k in obj) out[k] = obj[k];
  for (const k of select) if (k in obj) out[k] = obj[k];
  return out;
}

export function b64url(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString("base64url");
}

export function unb64url<T>(token: string, what: string): T {
  try {
    return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as T;
  } catch {
    throw new GraphError(400, "BadRequest", `The ${what} is not valid.`);
  }
}

/** Prefer: odata.maxpagesize=N */
export function maxPageSize(req: { headers: Record<string, string | string[] | undefined> }, fallback: number): number {
  const prefer = String(req.headers["prefer"] ?? "");
  const m = /odata\.maxpagesize=(\d+)/i.exec(prefer);
  return m ? Math.max(1, Math.min(1000, Number(m[1]))) : fallback;
}

/** Whether the request asks for Outlook's immutable ids (Prefer: IdType="ImmutableId"; it applies to that request only). */
export const prefersImmutableIds = (req: { headers: Record<string, string | string[] | undefined> }) => prefers(req, 'IdType="ImmutableId"');

export function prefers(req: { headers: Record<string, string | string[] | undefined> }, token: string): boolean {
  return String(req.headers["prefer"] ?? "")
    .toLowerCase()
    .includes(token.toLowerCase());
}
