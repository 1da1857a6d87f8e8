import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../local/tenant/server.js";
import { startTenant } from "../../local/tenant/server.js";
import { bearer, partnership, productGraph, startTestTenant, tempDataDir } from "../helpers/tenant.js";
import { defaultTenantOptions } from "../../local/tenant/defaults.js";

let t: Tenant;
const mailbox = partnership.intake.mailbox;
const inbox = `/users/${mailbox}/mailFolders/inbox`;
const faults = (body: unknown) => fetch(`${t.url}/_admin/faults`, { method: "POST", body: JSON.stringify(body) });

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());
afterEach(async () => {
  await fetch(`${t.url}/_admin/faults`, { method: "DELETE" });
});

describe("local tenant: fault injection and counters", () => {
  it("429 with Retry-After; the product's client retries and succeeds", async () => {
    const { client } = productGraph(t);
    await fetch(`${t.url}/_admin/counters`, { method: "DELETE" });
    await faults({ throttleNext: 2, retryAfterSeconds: 1 });
    const raw = await fetch(`${t.url}/v1.0${inbox}`, { headers: { authorization: `Bearer ${await bearer(t)}` } });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("1");
    expect((await raw.json()).error.code).toBe("TooManyRequests");
    const started = Date.now();
    const f = await client.api(inbox).get();
    expect(f.displayName).toBe("Inbox");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // waited Retry-After
    const c = await (await fetch(`${t.url}/_admin/counters`)).json();
    expect(c.byRoute["GET /v1.0/users/{id}/mailFolders/{id}"]).toEqual({ "200": 1, "429": 2 });
  });

  it("a request waiting out a Retry-After holds no place in the mailbox's limit: the next request goes to Graph meanwhile", async () => {
    // One place per mailbox, so a place held through the 1 s wait would keep the second request
    // back until the first was answered.
    const { client } = productGraph(t, { mailboxConcurrency: 1 });
    await faults({ throttleNext: 1, retryAfterSeconds: 1 });
    const order: string[] = [];
    const first = client
      .api(inbox)
      .get()
      .then(() => order.push("throttled one"));
    while (t.counters.count("GET /v1.0/users/{id}/mailFolders/{id}", 429) < 1) await new Promise((r) => setTimeout(r, 10));
    const second = client
      .api(inbox)
      .get()
      .then(() => order.push("second"));
    await Promise.all([first, second]);
    expect(order).toEqual(["second", "throttled one"]);
  });

  it("503 storms are retried too", async () => {
    const { client } = productGraph(t);
    await faults({ unavailableRate: 0.5, retryAfterSeconds: 0, seed: 7 });
    for (let i = 0; i < 5; i++) expect((await client.api(inbox).get()).displayName).toBe("Inbox");
    expect(t.counters.count("GET /v1.0/users/{id}/mailFolders/{id}", 503)).toBeGreaterThan(0);
  });

  it("a fifth concurrent request to one mailbox gets 429 ApplicationThrottled; the product's client never sends it", async () => {
    await faults({ latencyMs: 150 });
    const token = await bearer(t);
    const raw = await Promise.all(Array.from({ length: 6 }, () => fetch(`${t.url}/v1.0${inbox}`, { headers: { authorization: `Bearer ${token}` } })));
    const statuses = raw.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const throttled = raw.find((r) => r.status === 429)!;
    expect((await throttled.json()).error).toMatchObject({ code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." });

    const { client, limiter } = productGraph(t);
    const before = t.counters.count("GET /v1.0/users/{id}/mailFolders/{id}", 429);
    const results = await Promise.all(Array.from({ length: 12 }, () => client.api(inbox).get()));
    expect(results.every((r) => r.displayName === "Inbox")).toBe(true);
    expect(limiter.peak).toBe(4);
    expect(t.counters.count("GET /v1.0/users/{id}/mailFolders/{id}", 429)).toBe(before);
  });

  it("settings are checked; the environment form is the same", async () => {
    const bad = await faults({ throttleRate: 2 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/throttleRate must be a number from 0 to 1/);
    expect((await faults({ nope: 1 })).status).toBe(400);
    expect(() => defaultTenantOptions(partnership, { TENANT_FAULTS: '{"latencyMs":-1}' })).toThrow(/TENANT_FAULTS: latencyMs/);
    expect(defaultTenantOptions(partnership, { TENANT_FAULTS: '{"throttleRate":0.1}' }).faults).toEqual({ throttleRate: 0.1 });
  });

  it("the web view shows mailboxes and lists", async () => {
    const html = await (await fetch(`${t.url}/`)).text();
    expect(html).toContain(mailbox);
    for (const l of partnership.leads) expect(html).toContain(l.email);
    expect(html).toContain("SharePoint lists");
  });
});

describe("local tenant: persistence", () => {
  it("a second start on the same data folder keeps mail, lists and token keys", async () => {
    const dir = tempDataDir();
    const opts = { ...defaultTenantOptions(partnership, {}), dataDir: dir, tlsDir: ".data/test-tls", port: 0, smtpPort: null, log: () => {} };
    const first = await startTenant(opts);
    const token = await bearer(first);
    const { client } = productGraph(first);
    const folder = await client.api(`/users/${mailbox}/mailFolders/inbox/childFolders`).post({ displayName: "Late" });
    await first.close();
    const second = await startTenant(opts);
    try {
      const r = await fetch(`${second.url}/v1.0/users/${mailbox}/mailFolders/inbox/childFolders`, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(200);
      expect((await r.json()).value.map((f: any) => f.id)).toEqual([folder.id]);
    } finally {
      await second.close();
    }
  });
});
