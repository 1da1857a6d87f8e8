/**
 * Exchange's 4 concurrent requests per mailbox hold across instances: three "instances" (each
 * its own Graph client and in-process limit, as three function hosts would have), sharing one
 * storage account, send 30 requests at once to the secure mailbox; the tenant refuses none.
 * Without the shared slots the same burst is refused (the control).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDeps } from "../../functions/deps.js";
import { batcherFor } from "../../m365/batcher.js";
import { createServer, connect, type AddressInfo } from "node:net";
import { KeyedLimiter } from "../../m365/graph.js";
import { TableMailboxSlots } from "../../m365/mailboxSlots.js";
import { localAppSettings } from "../../local/tenant/defaults.js";
import { startAzurite, type Azurite } from "../../local/azurite.js";
import type { Tenant } from "../../local/tenant/server.js";
import { CLIENT_STATE } from "../helpers/stack.js";
import { partnership as p, startTestTenant, productGraph } from "../helpers/tenant.js";

let tenant: Tenant;
let azurite: Azurite;
beforeAll(async () => {
  tenant = await startTestTenant();
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await tenant?.close();
  await azurite?.stop();
});

const inbox = `/users/${p.intake.mailbox}/mailFolders/inbox`;

describe("the mailbox's concurrency limit across instances", () => {
  /** Three "instances" sharing one storage account, with Graph answering after 60 ms; the tenant's counts from zero. */
  const threeInstances = () => {
    tenant.faults.update({ latencyMs: 60 });
    const env = localAppSettings(tenant, azurite.connectionString, CLIENT_STATE);
    const quiet = { info: () => {}, warn: () => {} };
    tenant.faults.peakInFlight = 0;
    tenant.faults.refusedForConcurrency = 0;
    return [1, 2, 3].map(() => buildDeps(env, p, quiet));
  };

  it("three instances, 30 requests at once: none refused, at most 4 in flight", async () => {
    const instances = threeInstances();
    const before = tenant.counters.count("GET /v1.0/users/{id}/mailFolders/{id}", 429);
    const all = await Promise.all(instances.flatMap((d) => Array.from({ length: 10 }, () => d.graph.api(inbox).get())));
    expect(all.every((f) => f.displayName === "Inbox")).toBe(true);
    expect(tenant.faults.refusedForConcurrency).toBe(0);
    expect(tenant.counters.count("GET /v1.0/users/{id}/mailFolders/{id}", 429)).toBe(before);
    expect(tenant.faults.peakInFlight).toBeLessThanOrEqual(4);
    expect(tenant.faults.peakInFlight).toBeGreaterThan(1); // they did run side by side
  });

  it("three instances sending batches of 4 mailbox requests: none refused (a batch takes a slot for each), at most 4 in flight", async () => {
    const instances = threeInstances();
    const answers = await Promise.all(
      instances.flatMap((d) =>
        Array.from({ length: 12 }, () => batcherFor(d.graph).send({ method: "GET", url: `/users/${p.intake.mailbox}/mailFolders/inbox` })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(tenant.faults.refusedForConcurrency).toBe(0);
    expect(tenant.faults.peakInFlight).toBeLessThanOrEqual(4);
    expect(tenant.faults.peakInFlight).toBeGreaterThan(1);
  });

  it("storage out when a slot is needed: the request waits, and goes once storage answers again", async () => {
    // Table storage behind a proxy that is at first closed.
    const table = Number(/TableEndpoint=http:\/\/127\.0\.0\.1:(\d+)/.exec(azurite.connectionString)![1]);
    const proxy = createServer((c) => {
      const up = connect(table, "127.0.0.1");
      c.pipe(up).pipe(c);
      c.on("error", () => up.destroy());
      up.on("error", () => c.destroy());
    });
    const port = await new Promise<number>((r) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const n = (probe.address() as AddressInfo).port;
        probe.close(() => r(n));
      });
    });
    const slots = new TableMailboxSlots({ connectionString: azurite.connectionString.replace(`127.0.0.1:${table}/`, `127.0.0.1:${port}/`) }, 4);
    const limiter = new KeyedLimiter(4, slots);
    let went = false;
    const request = limiter.acquire("outage@example.org").then(() => (went = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(went).toBe(false); // storage refused: no slot, so nothing goes
    await new Promise<void>((r) => proxy.listen(port, "127.0.0.1", () => r()));
    await request;
    expect(slots.held("outage@example.org")).toBe(1);
    limiter.release("outage@example.org");
    await new Promise((r) => setTimeout(r, 1000)); // given back once unneeded
    expect(slots.held("outage@example.org")).toBe(0);
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it("the control: three clients with only their own limit are refused", async () => {
    tenant.faults.update({ latencyMs: 60 });
    tenant.faults.refusedForConcurrency = 0;
    const clients = [1, 2, 3].map(() => productGraph(tenant, { maxRetries: 0 }).client);
    await Promise.allSettled(clients.flatMap((c) => Array.from({ length: 10 }, () => c.api(inbox).get())));
    expect(tenant.faults.refusedForConcurrency).toBeGreaterThan(0);
  });
});
