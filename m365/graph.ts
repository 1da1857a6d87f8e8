/**
 * The Graph client every adapter uses: @azure/identity for tokens (managed identity in Azure,
 * client credentials against the local tenant), retries that honour Retry-After for 429/503/504,
 * and never more than 4 requests in flight per mailbox (Exchange's limit per app per mailbox).
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";

import type { SlotLeases } from "./mailboxSlots.js";
import { parseRetryAfter } from "./graphError.js";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

/**
 * Asks for Outlook items' immutable ids: "This header only applies to the request it is included
 * with" (https://learn.microsoft.com/graph/outlook-immutable-id), so every mail request sends it.
 */
export const IMMUTABLE = 'IdType="ImmutableId"';

export interface GraphSettings {
  /** https://graph.microsoft.com (Azure) or the local tenant's URL. */
  graphBaseUrl: string;
  /** Set for client credentials (local tenant); absent in Azure, where the managed identity is used. */
  authorityHost?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** An administrator's sign-in for the CLI: `azure-cli` or `device-code` (GRAPH_SIGN_IN). */
  signIn?: string;
  /** Requests in flight per mailbox. Exchange allows 4 per app per mailbox. */
  mailboxConcurrency?: number;
  /** The same limit across every instance of the app (slots in Table storage); absent: this process only. */
  sharedMailboxLimiter?: SlotLeases;
  maxRetries?: number;
  /**
   * The longest Retry-After waited for inside a request (seconds). A longer one is not slept
   * through: the error goes up, and intake queues the email again with that delay
   * (`retryAfterOf`), so a throttled mailbox never holds a worker.
   */
  maxInlineWaitSeconds?: number;
}

/**
 * Retry-After waits up to this long are slept through inside a request; longer ones are not. A
 * wait of a few seconds costs the worker nothing but a timer, where queueing the email again costs
 * reading it again (the email and its look-ups) and the queue's own delay: measured with 2 s
 * throttles (`npm run bench:intake`), a 1 s limit gave 11 calls a form and replies after 3 minutes.
 */
export const MAX_INLINE_WAIT_SECONDS = 5;

/**
 * A credential that loads @azure/identity (MSAL and all) when the first token is asked for, not
 * when the functions load: a third of their start-up time otherwise.
 */
export function lazyCredential(make: (identity: typeof import("@azure/identity")) => TokenCredential): TokenCredential {
  let real: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      real ??= import("@azure/identity").then(make);
      return (await real).getToken(scopes, options);
    },
  };
}

/**
 * Who the product is to Graph. In Azure, the Function App's managed identity; against the local
 * tenant, client credentials. From an administrator's machine (`npx cluster-desk provision`,
 * `doctor`, `report`...), the administrator: `azure-cli` uses the account `az login` signed in
 * (AzureCliCredential), `device-code` a code to enter in a browser (DeviceCodeCredential) for the
 * council's app registration (GRAPH_CLIENT_ID; delegated permissions in docs/deploy.md).
 */
export function credentialFor(s: GraphSettings): TokenCredential {
  if (s.signIn !== undefined) {
    if (s.signIn === "azure-cli") return lazyCredential(({ AzureCliCredential }) => new AzureCliCredential(s.tenantId ? { tenantId: s.tenantId } : {}));
    if (s.signIn === "device-code") {
      const clientId = s.clientId;
      if (!clientId)
        throw new Error("GRAPH_SIGN_IN=device-code needs GRAPH_CLIENT_ID: the client id of the council's app registration for administrators (docs/deploy.md)");
      return lazyCredential(
        ({ DeviceCodeCredential }) =>
          new DeviceCodeCredential({ clientId, tenantId: s.tenantId ?? "organizations", userPromptCallback: (info) => console.error(info.message) }),
      );
    }
    throw new Error(`GRAPH_SIGN_IN must be azure-cli or device-code, not "${s.signIn}"`);
  }
  if (s.clientSecret) {
    const { tenantId, clientId, clientSecret } = s;
    if (!tenantId || !clientId) throw new Error("GRAPH_TENANT_ID and GRAPH_CLIENT_ID are needed with GRAPH_CLIENT_SECRET");
    return lazyCredential(
      ({ ClientSecretCredential }) =>
        new ClientSecretCredential(tenantId, clientId, clientSecret, {
          ...(s.authorityHost ? { authorityHost: s.authorityHost, disableInstanceDiscovery: true } : {}),
        }),
    );
  }
  return lazyCredential(({ ManagedIdentityCredential }) =>
    s.clientId ? new ManagedIdentityCredential({ clientId: s.clientId }) : new ManagedIdentityCredential(),
  );
}

/**
 * Counting semaphore per key; a request may take several places at once (a batch), first come
 * first served. With `shared` (the app's other instances), a key has only as many places here as
 * this process holds slots for it (m365/mailboxSlots.ts), never more than `limit`; each change in
 * what is in flight or waiting tells the slots how many are needed.
 */
export class KeyedLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, { n: number; resolve: () => void }[]>();
  /** The most requests ever in flight for one key (for tests and benchmarks). */
  peak = 0;
  constructor(
    readonly limit: number,
    private readonly shared?: SlotLeases,
  ) {
    shared?.onMore((key) => this.pump(key));
  }

  private capacity(key: string): number {
    return this.shared ? Math.min(this.limit, this.shared.held(key)) : this.limit;
  }

  async acquire(key: string, places = 1): Promise<void> {
    const n = Math.max(1, Math.min(places, this.limit));
    const active = this.active.get(key) ?? 0;
    if (!this.waiting.get(key)?.length && active + n <= this.capacity(key)) {
      this.active.set(key, active + n);
      this.peak = Math.max(this.peak, active + n);
      this.needed(key);
      return;
    }
    await new Promise<void>((resolve) => {
      const q = this.waiting.get(key) ?? [];
      q.push({ n, resolve });
      this.waiting.set(key, q);
      this.needed(key);
    });
  }

  release(key: string, places = 1): void {
    const active = (this.active.get(key) ?? 0) - Math.max(1, Math.min(places, this.limit));
    if (active <= 0) this.active.delete(key);
    else this.active.set(key, active);
    this.pump(key);
  }

  /** Hands the places to the waiters in turn while the first of them fits. */
  private pump(key: string): void {
    let active = this.active.get(key) ?? 0;
    const q = this.waiting.get(key);
    while (q?.length && active + q[0]!.n <= this.capacity(key)) {
      const next = q.shift()!;
      active += next.n;
      this.peak = Math.max(this.peak, active);
      next.resolve();
    }
    if (!q?.length) this.waiting.delete(key);
    if (active > 0) this.active.set(key, active);
    this.needed(key);
  }

  /** Places in flight and waiting: what the shared slots should cover. */
  private needed(key: string): void {
    if (!this.shared) return;
    const waiting = (this.waiting.get(key) ?? []).reduce((n, w) => n + w.n, 0);
    const active = this.active.get(key) ?? 0;
    this.shared.need(key, active + waiting, active);
  }
}

/** The mailbox a Graph URL addresses (/users/{id}/...), or undefined. */
export function mailboxOf(url: string): string | undefined {
  const m = /\/v1\.0\/users\/([^/?]+)/i.exec(url);
  return m ? decodeURIComponent(m[1]!).toLowerCase() : undefined;
}

/**
 * The places a `$batch` takes in each mailbox's limit: one per request to the mailbox that runs at
 * once with the others (one with `dependsOn` runs after its dependency, in the same place). Exchange
 * counts each request in a batch against the mailbox's concurrency, as if sent alone.
 */
export function batchMailboxes(body: unknown, cap = 4): string[] {
  try {
    const requests = (typeof body === "string" ? JSON.parse(body) : body)?.requests;
    if (!Array.isArray(requests)) return [];
    const count = new Map<string, number>();
    for (const r of requests as { url?: unknown; dependsOn?: unknown[] }[]) {
      const key = typeof r?.url === "string" ? mailboxOf(`/v1.0${r.url.startsWith("/") ? "" : "/"}${r.url}`) : undefined;
      if (key && !r.dependsOn?.length) count.set(key, Math.min(cap, (count.get(key) ?? 0) + 1));
    }
    return [...count].flatMap(([key, n]) => Array.from({ length: n }, () => key));
  } catch {
    return [];
  }
}

class MailboxLimitHandler implements Middleware {
  private nextMiddleware?: Middleware;
  constructor(private readonly limiter: KeyedLimiter) {}
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const one = mailboxOf(url);
    // A $batch takes a place for each of its requests to a mailbox that run at once (batchMailboxes).
    const keys = one ? [one] : /\/\$batch(\?|$)/.test(url) ? batchMailboxes(context.options?.body, this.limiter.limit) : [];
    if (!keys.length) return this.nextMiddleware!.execute(context);
    const places = new Map<string, number>();
    for (const key of keys) places.set(key, (places.get(key) ?? 0) + 1);
    // All of a request's places in a mailbox at once (taken one by one, two batches could each
    // hold some and wait for ever).
    const taken: [string, number][] = [];
    try {
      for (const [key, n] of places) {
        await this.limiter.acquire(key, n);
        taken.push([key, n]);
      }
      await this.nextMiddleware!.execute(context);
    } finally {
      for (const [key, n] of taken) this.limiter.release(key, n);
    }
  }
  setNext(next: Middleware): void {
    this.nextMiddleware = next;
  }
}

export interface GraphHandle {
  client: Client;
  limiter: KeyedLimiter;
}

export function createGraphClient(s: GraphSettings, credential: TokenCredential = credentialFor(s)): GraphHandle {
  const limiter = new KeyedLimiter(s.mailboxConcurrency ?? 4, s.sharedMailboxLimiter);
  const auth = new AuthenticationHandler(new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }));
  const limit = new MailboxLimitHandler(limiter);
  // Retry-After is honoured by RetryHandler for 429, 503 and 504 (delay is the fallback in
  // seconds), up to maxInlineWaitSeconds; a longer wait surfaces as the error (retryAfterOf).
  const maxWait = s.maxInlineWaitSeconds ?? MAX_INLINE_WAIT_SECONDS;
  // Without Retry-After the handler backs off 1, 2, 4 s...: only the first such wait is inline.
  const shortWaitsOnly = (_delay: number, attempt: number, _request: unknown, _options: unknown, response: Response) => {
    const header = response?.headers?.get("retry-after");
    return header === null || header === undefined ? attempt < 1 : parseRetryAfter(header) <= maxWait;
  };
  const retry = new RetryHandler(new RetryHandlerOptions(1, s.maxRetries ?? 6, shortWaitsOnly));
  const http = new HTTPMessageHandler();
  // The mailbox's places are held only while a request is at Graph, not while it waits out a
  // Retry-After: Exchange counts requests in flight, and a throttled request waiting here is not.
  // Held through the wait, one 429 kept a quarter of the mailbox idle for its Retry-After.
  auth.setNext(retry);
  retry.setNext(limit);
  limit.setNext(http);
  const base = new URL(s.graphBaseUrl);
  const client = Client.initWithMiddleware({
    middleware: auth,
    baseUrl: `${base.origin}/`,
    defaultVersion: "v1.0",
    customHosts: new Set([base.hostname]),
  });
  return { client, limiter };
}
