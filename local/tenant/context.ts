/** What every route handler gets. */
import type { Db } from "./db.js";
import type { TenantApp } from "./auth.js";

export interface TenantRequest {
  method: string;
  /** Path after /v1.0, e.g. /users/x/messages/y */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Ctx {
  db: Db;
  now(): number;
  /** Public base URL of the tenant, e.g. https://localhost:5360 */
  base: string;
  tenantId: string;
  app: TenantApp;
  events: TenantEvents;
  /** Exchange's message rate limit per mailbox (sending.ts); absent: every message goes at once. */
  sending?: import("./sending.js").SendingLimit;
}

export interface TenantEvents {
  /** A message was created in a folder (SMTP, delivery, sendMail copy). */
  messageCreated(mailboxId: string, folderId: string, messageId: string): void;
}

export type Handler = (ctx: Ctx, params: string[], req: TenantRequest) => Promise<import("./http.js").Reply> | import("./http.js").Reply;

export interface Route {
  method: string;
  pattern: RegExp;
  /** For counters: the path with ids replaced, e.g. /users/{id}/messages/{id} */
  name: string;
  handler: Handler;
  /** Index of the capture group naming a mailbox, for per-mailbox limits. */
  mailboxParam?: number;
}

const SEG = "([^/]+)";

/** Builds a route from "/users/{}/messages/{}" style templates. */
export function route(method: string, template: string, handler: Handler, opts: { mailbox?: boolean } = {}): Route {
  const pattern = new RegExp(`^${template.replace(/[.$()]/g, (c) => `\\${c}`).replace(/\{\}/g, SEG)}$`, "i");
  return {
    method,
    pattern,
    name: template.replace(/\{\}/g, "{id}"),
    handler,
    ...(opts.mailbox ? { mailboxParam: 0 } : {}),
  };
}
