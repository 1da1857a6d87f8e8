/**
 * The local Microsoft 365 tenant: a Microsoft Graph v1.0-compatible HTTPS server for the subset
 * Cluster Desk calls, an Entra ID token endpoint, SMTP ingress, fault injection, counters and a
 * read-only web view. SQLite under the data folder keeps everything across restarts.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Authority, type TenantApp } from "./auth.js";
import type { Ctx, Route, TenantEvents, TenantRequest } from "./context.js";
import { calendarRoutes } from "./calendar.js";
import { getMeta, openDb, setMeta, type Db } from "./db.js";
import { Counters, Faults, type FaultSettings } from "./faults.js";
import { errorBody, GraphError, newRequestId, parseJson, readBody, send, type Reply } from "./http.js";
import { ensureMailbox, releaseHeld } from "./mail.js";
import { SendingLimit } from "./sending.js";
import { mailFolderRoutes } from "./mailFolders.js";
import { messageRoutes } from "./messages.js";
import { adminEndpoints, type AdminDeps } from "./admin.js";
import { runBatch } from "./batch.js";
import { sharePointRoutes, ensureSite } from "./sharepoint.js";
import { driveRoutes, fileContent } from "./drives.js";
import { createSmtpServer } from "./smtp.js";
import { Notifier } from "./subscriptions.js";
import { ensureTls } from "./tls.js";
import { renderWebView } from "./web.js";
import type { SMTPServer } from "smtp-server";

export interface TenantOptions {
  /** Folder for SQLite and the TLS certificate; ":memory:" keeps the data in memory. */
  dataDir: string;
  /** Where the certificate lives, when not in dataDir (shared by tests, or with ":memory:"). */
  tlsDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** SMTP port; 0 picks a free one; null for no SMTP. */
  smtpPort?: number | null;
  tenantId: string;
  apps: TenantApp[];
  mailboxes: { address: string; displayName: string }[];
  sites: { hostname: string; path: string; displayName: string }[];
  faults?: Partial<FaultSettings>;
  /** Largest SMTP message accepted, in bytes. */
  smtpMaxBytes?: number;
  log?: (line: string) => void;
}

export interface Tenant {
  url: string;
  smtpPort: number | null;
  tenantId: string;
  caPath: string;
  db: Db;
  faults: Faults;
  counters: Counters;
  notifier: Notifier;
  /** Moves the tenant's clock (tests of expiry); returns the offset in ms. */
  advanceClock(ms: number): number;
  now(): number;
  close(): Promise<void>;
}

const SITE_PATH = /^\/sites\/([^/:]+):(\/[^:]*?)(?::(\/.*))?$/;

/** /sites/host:/sites/x:/lists -> /sites/<host:/sites/x>/lists, so the site is one segment. */
function normalisePath(path: string): string {
  const m = SITE_PATH.exec(path);
  if (!m) return path;
  return `/sites/${encodeURIComponent(`${m[1]}:${m[2]!.replace(/\/$/, "")}`)}${m[3] ?? ""}`;
}

export async function startTenant(opts: TenantOptions): Promise<Tenant> {
  const log = opts.log ?? ((line: string) => console.log(`[tenant] ${line}`));
  const tlsDir = opts.tlsDir ?? (opts.dataDir === ":memory:" ? ".data/tenant" : opts.dataDir);
  const tls = await ensureTls(tlsDir);
  const db = openDb(opts.dataDir);
  let clockOffset = Number(getMeta(db, "clockOffset") ?? 0);
  const now = () => Date.now() + clockOffset;

  const key = getMeta(db, "signingKey");
  const authority = new Authority(opts.tenantId, opts.apps, key, now);
  if (!key) setMeta(db, "signingKey", authority.signingKey);
  for (const m of opts.mailboxes) ensureMailbox(db, m.address, m.displayName);
  for (const s of opts.sites) ensureSite(db, s.hostname, s.path, s.displayName);

  const faults = new Faults(opts.faults);
  const sending = new SendingLimit(() => faults.settings.messagesPerMinute);
  const counters = new Counters();
  const notifier = new Notifier(opts.tenantId, { retries: 3, timeoutMs: 5_000, log });
  const syncNotifierFaults = () => {
    notifier.duplicate = faults.settings.duplicateNotifications;
    notifier.dropRate = faults.settings.dropNotificationRate;
    notifier.random = faults.random;
  };
  syncNotifierFaults();
  const events: TenantEvents = {
    messageCreated: (mailboxId, folderId, messageId) => notifier.messageCreated(db, now(), mailboxId, folderId, messageId),
  };
  const routes: Route[] = [...mailFolderRoutes, ...messageRoutes, ...notifier.routes(), ...sharePointRoutes, ...driveRoutes, ...calendarRoutes];

  let base = "";

  /** One Graph request: route, faults, per-mailbox limit, handler; always a Reply. */
  async function dispatch(app: TenantApp, req: TenantRequest, requestId: string): Promise<{ reply: Reply; name: string }> {
    const path = normalisePath(req.path);
    const candidates = routes.filter((r) => r.pattern.test(path));
    const r = candidates.find((x) => x.method === req.method);
    const name = `${req.method} /v1.0${r?.name ?? path}`;
    const fail = (e: GraphError): { reply: Reply; name: string } => ({
      reply: { status: e.status, headers: e.headers, body: errorBody(e.code, e.message, requestId) },
      name,
    });
    if (!r) {
      if (candidates.length) return fail(new GraphError(405, "Request_BadRequest", `The method ${req.method} is not supported for this resource.`));
      const segment = path.split("/").filter(Boolean).pop() ?? "";
      return fail(new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`));
    }
    const decision = faults.decide();
    if (decision) {
      const e =
        decision.status === 429
          ? new GraphError(429, "TooManyRequests", "Too many requests are being made. Please try again later.", { "Retry-After": String(decision.retryAfter) })
          : new GraphError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later.", {
              "Retry-After": String(decision.retryAfter),
            });
      return fail(e);
    }
    let slot: string | undefined;
    if (r.mailboxParam !== undefined) {
      const user = decodeURIComponent(r.pattern.exec(path)![1]!).toLowerCase();
      const mb = db.prepare("SELECT id FROM mailboxes WHERE lower(id) = ? OR lower(address) = ?").get(user, user) as { id: string } | undefined;
      slot = `${app.clientId}|${mb?.id ?? user}`;
      if (!faults.enter(slot)) {
        return fail(new GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", { "Retry-After": "1" }));
      }
    }
    try {
      if (faults.settings.latencyMs > 0) await new Promise((res) => setTimeout(res, faults.settings.latencyMs));
      const ctx: Ctx = { db, now, base, tenantId: opts.tenantId, app, events, sending };
      const params = r.pattern.exec(path)!.slice(1);
      return { reply: await r.handler(ctx, params, { ...req, path }), name };
    } catch (e) {
      if (e instanceof GraphError) return fail(e);
      log(`error in ${name}: ${(e as Error).stack ?? e}`);
      return fail(new GraphError(500, "InternalServerError", "An internal server error occurred in the local tenant."));
    } finally {
      if (slot) faults.leave(slot);
    }
  }

  const admin = adminEndpoints({
    db,
    faults,
    counters,
    notifier,
    now,
    advanceClock: (ms) => advanceClock(ms),
    faultsChanged: syncNotifierFaults,
  } satisfies AdminDeps);

  function advanceClock(ms: number): number {
    clockOffset += ms;
    setMeta(db, "clockOffset", String(clockOffset));
    return clockOffset;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = String(req.headers["client-request-id"] ?? newRequestId());
    const url = new URL(req.url ?? "/", base);
    const method = (req.method ?? "GET").toUpperCase();
    try {
      const body = await readBody(req);
      const path = url.pathname;
      // Entra ID
      const tok = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
      if (tok && method === "POST") {
        const r = authority.token(tok[1]!, new URLSearchParams(body.toString()), req.headers.authorization);
        counters.add("POST /{tenant}/oauth2/v2.0/token", r.status);
        return send(
          res,
          { status: r.status, body: r.body, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } },
          requestId,
        );
      }
      const meta = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      if (meta && method === "GET") return send(res, { status: 200, body: authority.openIdConfiguration(base, meta[1]!) }, requestId);
      if (/^\/([^/]+)\/discovery\/v2\.0\/keys$/.test(path)) return send(res, { status: 200, body: { keys: [] } }, requestId);
      if (path.startsWith("/_admin/")) return send(res, await admin(method, path, body), requestId);
      if (path === "/" || path === "/index.html") {
        return send(res, { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, raw: renderWebView(db, url.searchParams, base) }, requestId);
      }
      // A document library's file, as its webUrl opens it (a SharePoint link, locally).
      const file = /^\/files\/([^/]+)\/([^/]+)$/.exec(path);
      if (file && method === "GET") {
        const f = fileContent(db, decodeURIComponent(file[1]!), decodeURIComponent(file[2]!));
        if (!f) throw new GraphError(404, "itemNotFound", "The file could not be found.");
        return send(res, { status: 200, headers: { "content-type": f.contentType }, raw: f.content }, requestId);
      }
      if (!path.startsWith("/v1.0/")) throw new GraphError(404, "NotFound", `No such path ${path}; Graph lives under /v1.0.`);

      let app: TenantApp;
      try {
        app = authority.verify(req.headers.authorization).app;
      } catch (e) {
        counters.add(`${method} ${path.replace(/\/[^/]*$/, "/…")} (unauthenticated)`, 401);
        throw e;
      }
      const graphPath = path.slice("/v1.0".length);
      // A JSON batch is not itself throttled: "Requests in a batch are evaluated individually against
      // throttling limits ... The batch itself succeeds with a status code of 200" (Graph throttling
      // guidance, "Throttling and batching"). Its items go through dispatch one by one.
      if (graphPath === "/$batch" && method === "POST") {
        const reply = await runBatch(parseJson(body), requestId, (req) => dispatch(app, req, requestId), counters);
        counters.add("POST /v1.0/$batch", reply.status);
        return send(res, reply, requestId);
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const { reply, name } = await dispatch(app, { method, path: graphPath, query: url.searchParams, headers, body }, requestId);
      counters.add(name, reply.status);
      return send(res, reply, requestId);
    } catch (e) {
      if (e instanceof GraphError) return send(res, { status: e.status, headers: e.headers, body: errorBody(e.code, e.message, requestId) }, requestId);
      log(`error: ${(e as Error).stack ?? e}`);
      return send(res, { status: 500, body: errorBody("InternalServerError", "An internal server error occurred in the local tenant.", requestId) }, requestId);
    }
  }

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `https://localhost:${port}`;

  let smtp: SMTPServer | undefined;
  let smtpPort: number | null = null;
  if (opts.smtpPort !== null) {
    smtp = createSmtpServer({ db, now, events, log, maxBytes: opts.smtpMaxBytes ?? 35 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      smtp!.server.once("error", reject);
      smtp!.listen(opts.smtpPort ?? 0, opts.host ?? "127.0.0.1", () => resolve());
    });
    smtpPort = (smtp.server.address() as AddressInfo).port;
  }

  // Messages held in an Outbox (sending.ts) go once their minute has come, looked for each second
  // rather than on every request (the table is empty unless messagesPerMinute is set).
  const releaser = setInterval(() => {
    try {
      releaseHeld({ db, now, events, sending });
    } catch (e) {
      log(`releasing held messages: ${(e as Error).message}`);
    }
  }, 1000);
  releaser.unref();

  return {
    url: base,
    smtpPort,
    tenantId: opts.tenantId,
    caPath: tls.caPath,
    db,
    faults,
    counters,
    notifier,
    advanceClock,
    now,
    async close() {
      clearInterval(releaser);
      await notifier.settle();
      await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      db.close();
    },
  };
}
