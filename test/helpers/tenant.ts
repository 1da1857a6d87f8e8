/** Starts a local tenant for a test file, with the product's app and an unrestricted inspector app. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ClientSecretCredential } from "@azure/identity";
import { loadPartnership } from "../../config/load.js";
import { defaultTenantOptions, LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET } from "../../local/tenant/defaults.js";
import { startTenant, type Tenant, type TenantOptions } from "../../local/tenant/server.js";
import { createGraphClient, type GraphHandle } from "../../m365/graph.js";

export const partnership = loadPartnership("hounslow-mip").partnership;
export const INSPECTOR = { clientId: "inspector-app", clientSecret: "inspector-secret" };

export async function startTestTenant(extra: Partial<TenantOptions> = {}): Promise<Tenant> {
  const base = defaultTenantOptions(partnership, {});
  return startTenant({
    ...base,
    dataDir: ":memory:",
    tlsDir: ".data/test-tls",
    port: 0,
    smtpPort: 0,
    apps: [...base.apps, { ...INSPECTOR, displayName: "Test inspector", roles: ["Mail.Read"], mailboxes: "*" }],
    log: () => {},
    ...extra,
  });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "cluster-desk-tenant-"));
}

/** The product's Graph client, exactly as production builds it, pointed at the tenant. */
export function productGraph(t: Tenant, opts: { mailboxConcurrency?: number; maxRetries?: number } = {}): GraphHandle {
  return createGraphClient({
    graphBaseUrl: t.url,
    authorityHost: t.url,
    tenantId: t.tenantId,
    clientId: LOCAL_CLIENT_ID,
    clientSecret: LOCAL_CLIENT_SECRET,
    ...opts,
  });
}

export function inspectorGraph(t: Tenant): GraphHandle {
  return createGraphClient({ graphBaseUrl: t.url, authorityHost: t.url, tenantId: t.tenantId, ...INSPECTOR });
}

export async function bearer(t: Tenant, app = { clientId: LOCAL_CLIENT_ID, clientSecret: LOCAL_CLIENT_SECRET }): Promise<string> {
  const cred = new ClientSecretCredential(t.tenantId, app.clientId, app.clientSecret, { authorityHost: t.url, disableInstanceDiscovery: true });
  return (await cred.getToken("https://graph.microsoft.com/.default")).token;
}

/** An HTTP endpoint that records what is posted to it and answers Graph's validation handshake. */
export async function notificationReceiver(opts: { echoValidation?: boolean; status?: number } = {}) {
  const received: { url: string; body: any }[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let body = "";
    for await (const c of req) body += c;
    const token = url.searchParams.get("validationToken");
    if (token !== null) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(opts.echoValidation === false ? "nope" : token);
      return;
    }
    received.push({ url: url.pathname, body: body ? JSON.parse(body) : undefined });
    res.writeHead(opts.status ?? 202);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/notifications`,
    lifecycleUrl: `http://127.0.0.1:${port}/api/lifecycle`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Sends one message to the local tenant over SMTP, as a school's mail server would. */
export async function smtpSend(t: Tenant, msg: import("nodemailer").SendMailOptions) {
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: t.smtpPort!, secure: false, ignoreTLS: true });
  try {
    return await transport.sendMail(msg);
  } finally {
    transport.close();
  }
}
