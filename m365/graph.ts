/**
 * The Graph client every adapter uses: @azure/identity for tokens (managed identity in Azure,
 * client credentials against the local tenant), retries that honour Retry-After for 429/503/504,
 * and never more than 4 requests in flight per mailbox (Exchange's limit per app per mailbox).
 */
import { ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";
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

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

export interface GraphSettings {
  /** https://graph.microsoft.com (Azure) or the local tenant's URL. */
  graphBaseUrl: string;
  /** Set for client credentials (local tenant); absent in Azure, where the managed identity is used. */
  authorityHost?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Requests in flight per mailbox. Exchange allows 4 per app per mailbox. */
  mailboxConcurrency?: number;
  maxRetries?: number;
}

/** Reads GRAPH_* settings from the environment (see README, "Configuration"). */
export function graphSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): GraphSettings {
  return {
    graphBaseUrl: env.GRAPH_BASE_URL ?? "https://graph.microsoft.com",
    ...(env.GRAPH_AUTHORITY_HOST ? { authorityHost: env.GRAPH_AUTHORITY_HOST } : {}),
    ...(env.GRAPH_TENANT_ID ? { tenantId: env.GRAPH_TENANT_ID } : {}),
    ...(env.GRAPH_CLIENT_ID ? { clientId: env.GRAPH_CLIENT_ID } : {}),
    ...(env.GRAPH_CLIENT_SECRET ? { clientSecret: env.GRAPH_CLIENT_SECRET } : {}),
  };
}

export function credentialFor(s: GraphSettings): TokenCredential {
  if (s.clientSecret) {
    if (!s.tenantId || !s.clientId) throw new Error("GRAPH_TENANT_ID and GRAPH_CLIENT_ID are needed with GRAPH_CLIENT_SECRET");
    return new ClientSecretCredential(s.tenantId, s.clientId, s.clientSecret, {
      ...(s.authorityHost ? { authorityHost: s.authorityHost, disableInstanceDiscovery: true } : {}),
    });
  }
  return s.clientId ? new ManagedIdentityCredential({ clientId: s.clientId }) : new ManagedIdentityCredential();
}

/** Counting semaphore per key. */
export class KeyedLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  /** The most requests ever in flight for one key (for tests and benchmarks). */
  peak = 0;
  constructor(readonly limit: number) {}

  async acquire(key: string): Promise<void> {
    const n = this.active.get(key) ?? 0;
    if (n < this.limit) {
      this.active.set(key, n + 1);
      this.peak = Math.max(this.peak, n + 1);
      return;
    }
    await new Promise<void>((resolve) => {
      const q = this.waiting.get(key) ?? [];
      q.push(resolve);
      this.waiting.set(key, q);
    });
  }

  release(key: string): void {
    const q = this.waiting.get(key);
    const next = q?.shift();
    if (next) {
      // Hand the slot straight to the next waiter.
      if (!q!.length) this.waiting.delete(key);
      next();
      return;
    }
    const n = (this.active.get(key) ?? 1) - 1;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
  }
}

/** The mailbox a Graph URL addresses (/users/{id}/...), or undefined. */
export function mailboxOf(url: string): string | undefined {
  const m = /\/v1\.0\/users\/([^/?]+)/i.exec(url);
  return m ? decodeURIComponent(m[1]!).toLowerCase() : undefined;
}

class MailboxLimitHandler implements Middleware {
  private nextMiddleware?: Middleware;
  constructor(private readonly limiter: KeyedLimiter) {}
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const key = mailboxOf(url);
    if (!key) return this.nextMiddleware!.execute(context);
    await this.limiter.acquire(key);
    try {
      await this.nextMiddleware!.execute(context);
    } finally {
      this.limiter.release(key);
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
  const limiter = new KeyedLimiter(s.mailboxConcurrency ?? 4);
  const auth = new AuthenticationHandler(new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }));
  const limit = new MailboxLimitHandler(limiter);
  // Retry-After is honoured by RetryHandler for 429, 503 and 504; delay is the fallback in seconds.
  const retry = new RetryHandler(new RetryHandlerOptions(1, s.maxRetries ?? 6));
  const http = new HTTPMessageHandler();
  limit.setNext(auth);
  auth.setNext(retry);
  retry.setNext(http);
  const base = new URL(s.graphBaseUrl);
  const client = Client.initWithMiddleware({
    middleware: limit,
    baseUrl: `${base.origin}/`,
    defaultVersion: "v1.0",
    customHosts: new Set([base.hostname]),
  });
  return { client, limiter };
}
