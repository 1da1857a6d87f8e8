/** Change notifications for new mail (Graph subscriptions), with lifecycle events on request. */
import { randomBytes, randomUUID } from "node:crypto";
import type { Ctx, Route } from "./context.js";
import { route } from "./context.js";
import type { Db } from "./db.js";
import { GraphError, parseJson, prefersImmutableIds } from "./http.js";
import { shownId } from "./mail.js";

export const MAX_MAIL_SUBSCRIPTION_MINUTES = 10_080;

export interface Subscription {
  id: string;
  resource: string;
  applicationId: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  notificationContentType?: string;
  /** Which mailbox and folder the resource names (resolved at creation). */
  mailboxId: string;
  folderWellKnown: string;
  /**
   * Created with `Prefer: IdType="ImmutableId"`: its notifications carry immutable ids; one created
   * without it carries regular ids for ever (https://learn.microsoft.com/graph/outlook-immutable-id).
   */
  immutableIds?: boolean;
}

export interface NotifierOptions {
  fetchImpl?: typeof fetch;
  /** Deliveries are retried this many times with back-off when the endpoint fails. */
  retries: number;
  /** How long Graph waits for an answer. */
  timeoutMs: number;
  log: (line: string) => void;
}

const RESOURCE_RE = /^\/?(?:users\/([^/]+)|me)\/mailFolders\(?'?([^/')]+)'?\)?\/messages$/i;

export function parseResource(resource: string): { user: string; folder: string } | undefined {
  const m = RESOURCE_RE.exec(resource.trim());
  return m && m[1] ? { user: decodeURIComponent(m[1]), folder: m[2]!.toLowerCase() } : undefined;
}

function load(db: Db, id: string): Subscription | undefined {
  const row = db.prepare("SELECT data FROM subscriptions WHERE id = ?").get(id) as { data: string } | undefined;
  return row ? (JSON.parse(row.data) as Subscription) : undefined;
}

function save(db: Db, s: Subscription): void {
  db.prepare("INSERT INTO subscriptions (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data").run(s.id, JSON.stringify(s));
}

export function allSubscriptions(db: Db): Subscription[] {
  return (db.prepare("SELECT data FROM subscriptions").all() as { data: string }[]).map((r) => JSON.parse(r.data) as Subscription);
}

function publicJson(s: Subscription): Record<string, unknown> {
  const { mailboxId: _m, folderWellKnown: _f, immutableIds: _i, ...rest } = s;
  return {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
    ...rest,
    includeResourceData: false,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationQueryOptions: null,
    notificationUrlAppId: null,
  };
}

function checkExpiry(ctx: Ctx, value: unknown): string {
  const t = typeof value === "string" ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new GraphError(400, "ExtensionError", "Subscription expiration must be a valid date and time.");
  const now = ctx.now();
  if (t <= now) throw new GraphError(400, "ExtensionError", "Subscription expiration must be in the future.");
  if (t > now + MAX_MAIL_SUBSCRIPTION_MINUTES * 60_000) {
    throw new GraphError(400, "ExtensionError", `Subscription expiration can only be ${MAX_MAIL_SUBSCRIPTION_MINUTES} minutes in the future.`);
  }
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, ".0000000Z");
}

/** The validation handshake: POST {url}?validationToken=... and expect the token back within 10 s. */
async function validate(url: string, opts: NotifierOptions): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = `${url}${url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`;
  let text = "";
  let status = 0;
  try {
    const res = await (opts.fetchImpl ?? fetch)(target, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "",
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    text = await res.text();
  } catch (e) {
    throw new GraphError(
      400,
      "InvalidRequest",
      `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. (${(e as Error).message})`,
    );
  }
  if (status !== 200)
    throw new GraphError(
      400,
      "InvalidRequest",
      `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. Response status code '${status}'.`,
    );
  if (text !== token)
    throw new GraphError(400, "InvalidRequest", "Subscription validation request failed. Response must exactly match validationToken query parameter.");
}

export class Notifier {
  private readonly pending = new Set<Promise<void>>();
  /** Set by the fault switch: deliver each notification twice, or drop a share of them. */
  duplicate = false;
  dropRate = 0;
  random: () => number = Math.random;

  constructor(
    private readonly tenantId: string,
    private readonly opts: NotifierOptions,
  ) {}

  routes(): Route[] {
    return [
      route("POST", "/subscriptions", async (ctx, _p, req) => {
        const b = parseJson(req.body) ?? {};
        for (const k of ["changeType", "notificationUrl", "resource", "expirationDateTime"]) {
          if (typeof b[k] !== "string" || !b[k]) throw new GraphError(400, "InvalidRequest", `${k} is a required property.`);
        }
        if (!/^https?:\/\//.test(b.notificationUrl)) throw new GraphError(400, "InvalidRequest", "Subscription notificationUrl must be an http(s) URL.");
        const parsed = parseResource(b.resource);
        if (!parsed)
          throw new GraphError(
            400,
            "InvalidRequest",
            `Resource '${b.resource}' is not supported by this tenant: use users/{id}/mailFolders('inbox')/messages.`,
          );
        for (const ct of String(b.changeType).split(",")) {
          if (!["created", "updated", "deleted"].includes(ct.trim())) throw new GraphError(400, "InvalidRequest", `Invalid changeType '${ct}'.`);
        }
        const { resolveMailbox, folderById } = await import("./mail.js");
        const mb = resolveMailbox(ctx, parsed.user);
        if (!folderById(ctx.db, mb.id, parsed.folder)) throw new GraphError(404, "ResourceNotFound", `Folder '${parsed.folder}' was not found.`);
        if (b.clientState !== undefined && (typeof b.clientState !== "string" || b.clientState.length > 128)) {
          throw new GraphError(400, "InvalidRequest", "clientState must be a string of at most 128 characters.");
        }
        const expirationDateTime = checkExpiry(ctx, b.expirationDateTime);
        await validate(b.notificationUrl, this.opts);
        if (b.lifecycleNotificationUrl) await validate(b.lifecycleNotificationUrl, this.opts);
        const s: Subscription = {
          id: randomUUID(),
          resource: b.resource,
          applicationId: ctx.app.clientId,
          changeType: b.changeType,
          clientState: b.clientState ?? null,
          notificationUrl: b.notificationUrl,
          lifecycleNotificationUrl: b.lifecycleNotificationUrl ?? null,
          expirationDateTime,
          creatorId: ctx.app.clientId,
          latestSupportedTlsVersion: "v1_2",
          mailboxId: mb.id,
          folderWellKnown: parsed.folder,
          immutableIds: prefersImmutableIds(req),
        };
        save(ctx.db, s);
        return { status: 201, body: publicJson(s) };
      }),
      route("GET", "/subscriptions", (ctx) => ({
        status: 200,
        body: {
          value: allSubscriptions(ctx.db)
            .filter((s) => s.applicationId === ctx.app.clientId && Date.parse(s.expirationDateTime) > ctx.now())
            .map(publicJson),
        },
      })),
      route("GET", "/subscriptions/{}", (ctx, [id]) => ({ status: 200, body: publicJson(this.live(ctx, id!)) })),
      route("PATCH", "/subscriptions/{}", (ctx, [id], req) => {
        const s = this.live(ctx, id!);
        const b = parseJson(req.body) ?? {};
        s.expirationDateTime = checkExpiry(ctx, b.expirationDateTime);
        if (b.notificationUrl !== undefined) throw new GraphError(400, "InvalidRequest", "Only expirationDateTime can be updated.");
        save(ctx.db, s);
        return { status: 200, body: publicJson(s) };
      }),
      route("DELETE", "/subscriptions/{}", (ctx, [id]) => {
        this.live(ctx, id!);
        ctx.db.prepare("DELETE FROM subscriptions WHERE id = ?").run(id);
        return { status: 204 };
      }),
    ];
  }

  private live(ctx: Ctx, id: string): Subscription {
    const s = load(ctx.db, decodeURIComponent(id));
    if (!s || Date.parse(s.expirationDateTime) <= ctx.now() || s.applicationId !== ctx.app.clientId) {
      throw new GraphError(404, "ResourceNotFound", `The object was not found. Subscription '${id}' doesn't exist.`);
    }
    return s;
  }

  /** A message arrived in a folder: notify every live subscription on it. */
  messageCreated(db: Db, now: number, mailboxId: string, folderId: string, messageId: string): void {
    const folder = db.prepare("SELECT wellKnownName FROM folders WHERE id = ?").get(folderId) as { wellKnownName: string | null } | undefined;
    for (const s of allSubscriptions(db)) {
      if (s.mailboxId !== mailboxId || Date.parse(s.expirationDateTime) <= now) continue;
      if (
        !s.changeType
          .split(",")
          .map((x) => x.trim())
          .includes("created")
      )
        continue;
      if (s.folderWellKnown !== folder?.wellKnownName && s.folderWellKnown !== folderId.toLowerCase()) continue;
      if (this.dropRate > 0 && this.random() < this.dropRate) {
        this.opts.log(`notification dropped by fault switch for subscription ${s.id}`);
        continue;
      }
      const row = db.prepare("SELECT id, restId FROM messages WHERE id = ?").get(messageId) as { id: string; restId: string } | undefined;
      const id = row ? shownId(row, s.immutableIds) : messageId;
      const body = {
        value: [
          {
            subscriptionId: s.id,
            subscriptionExpirationDateTime: s.expirationDateTime,
            changeType: "created",
            resource: `Users/${mailboxId}/Messages/${id}`,
            resourceData: {
              "@odata.type": "#Microsoft.Graph.Message",
              "@odata.id": `Users/${mailboxId}/Messages/${id}`,
              "@odata.etag": `W/"${randomBytes(8).toString("base64url")}"`,
              id,
            },
            clientState: s.clientState,
            tenantId: this.tenantId,
          },
        ],
      };
      this.post(s.notificationUrl, body, `notification for ${s.id}`);
      if (this.duplicate) this.post(s.notificationUrl, body, `duplicate notification for ${s.id}`);
    }
  }

  /** Fault switch: send a lifecycle event for a subscription (reauthorizationRequired, missed, subscriptionRemoved). */
  lifecycle(db: Db, id: string, event: "reauthorizationRequired" | "missed" | "subscriptionRemoved"): boolean {
    const s = load(db, id);
    if (!s) return false;
    const body = {
      value: [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: s.expirationDateTime,
          tenantId: this.tenantId,
          clientState: s.clientState,
          lifecycleEvent: event,
        },
      ],
    };
    if (event === "subscriptionRemoved") db.prepare("DELETE FROM subscriptions WHERE id = ?").run(id);
    this.post(s.lifecycleNotificationUrl ?? s.notificationUrl, body, `lifecycle ${event} for ${s.id}`);
    return true;
  }

  private post(url: string, body: unknown, what: string): void {
    const attempt = async (n: number): Promise<void> => {
      try {
        const res = await (this.opts.fetchImpl ?? fetch)(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return;
        throw new Error(`status ${res.status}`);
      } catch (e) {
        if (n >= this.opts.retries) {
          this.opts.log(`${what}: gave up after ${n + 1} attempts (${(e as Error).message})`);
          return;
        }
        await new Promise((r) => setTimeout(r, 250 * 2 ** n));
        return attempt(n + 1);
      }
    };
    const p = attempt(0).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for deliveries in flight (tests and shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}
