import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nodemailer from "nodemailer";
import type { Tenant } from "../../local/tenant/server.js";
import { notificationReceiver, partnership, productGraph, startTestTenant } from "../helpers/tenant.js";

let t: Tenant;
let rx: Awaited<ReturnType<typeof notificationReceiver>>;
const mailbox = partnership.intake.mailbox;
const resource = `users/${mailbox}/mailFolders('inbox')/messages`;
const inMinutes = (m: number) => new Date(t.now() + m * 60_000).toISOString();

async function mail(subject: string) {
  const tr = nodemailer.createTransport({ host: "127.0.0.1", port: t.smtpPort!, secure: false, ignoreTLS: true });
  try {
    return await tr.sendMail({ from: "a@school.example", to: mailbox, subject, text: "x" });
  } finally {
    tr.close();
  }
}

beforeAll(async () => {
  t = await startTestTenant();
  rx = await notificationReceiver();
});
afterAll(async () => {
  await t.close();
  await rx.close();
});
afterEach(async () => {
  await fetch(`${t.url}/_admin/faults`, { method: "DELETE" });
  rx.received.length = 0;
});

describe("local tenant: change notifications", () => {
  it('notifies regular ids, or immutable ids when the subscription was created with Prefer: IdType="ImmutableId" (https://learn.microsoft.com/graph/outlook-immutable-id)', async () => {
    const { client } = productGraph(t);
    const made = [];
    for (const immutable of [false, true]) {
      const req = client.api("/subscriptions");
      if (immutable) req.header("Prefer", 'IdType="ImmutableId"');
      made.push(
        await req.post({ changeType: "created", notificationUrl: rx.url, resource, expirationDateTime: inMinutes(60), clientState: `ids-${immutable}` }),
      );
    }
    await mail("Cluster 5/KL/Worple Primary School (ids)");
    await t.notifier.settle();
    const idOf = (state: string) => rx.received.map((r) => r.body.value[0]).find((n: any) => n.clientState === state).resourceData.id as string;
    const regular = idOf("ids-false");
    const immutable = idOf("ids-true");
    expect(regular).not.toBe(immutable);
    // Each is the id a read gives: without the header, and with it.
    expect((await client.api(`/users/${mailbox}/messages/${immutable}`).select("id").get()).id).toBe(regular);
    expect((await client.api(`/users/${mailbox}/messages/${regular}`).header("Prefer", 'IdType="ImmutableId"').select("id").get()).id).toBe(immutable);
    for (const sub of made) await client.api(`/subscriptions/${sub.id}`).delete();
  });

  it("creates a subscription after the validation handshake and notifies new mail with clientState", async () => {
    const { client } = productGraph(t);
    const sub = await client.api("/subscriptions").post({
      changeType: "created",
      notificationUrl: rx.url,
      lifecycleNotificationUrl: rx.lifecycleUrl,
      resource,
      expirationDateTime: inMinutes(4000),
      clientState: "s3cret-state",
    });
    expect(sub).toMatchObject({ changeType: "created", resource, clientState: "s3cret-state", notificationUrl: rx.url });
    await mail("Cluster 5/KL/Worple Primary School");
    await t.notifier.settle();
    expect(rx.received).toHaveLength(1);
    const n = rx.received[0]!.body.value[0];
    expect(n).toMatchObject({
      subscriptionId: sub.id,
      changeType: "created",
      clientState: "s3cret-state",
      tenantId: t.tenantId,
      resourceData: { "@odata.type": "#Microsoft.Graph.Message" },
    });
    // The notification carries no content: the product fetches the message by id.
    const m = await client.api(`/users/${mailbox}/messages/${n.resourceData.id}`).select("subject").get();
    expect(m.subject).toBe("Cluster 5/KL/Worple Primary School");
    expect(JSON.stringify(rx.received[0]!.body)).not.toContain("Worple");
    await client.api(`/subscriptions/${sub.id}`).delete();
  });

  it("refuses an expiry beyond 10,080 minutes, or in the past", async () => {
    const { client } = productGraph(t);
    await expect(
      client.api("/subscriptions").post({ changeType: "created", notificationUrl: rx.url, resource, expirationDateTime: inMinutes(10_081) }),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/10080 minutes/) });
    await expect(
      client.api("/subscriptions").post({ changeType: "created", notificationUrl: rx.url, resource, expirationDateTime: inMinutes(-1) }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("refuses an endpoint that does not echo the validation token", async () => {
    const bad = await notificationReceiver({ echoValidation: false });
    try {
      const { client } = productGraph(t);
      await expect(
        client.api("/subscriptions").post({ changeType: "created", notificationUrl: bad.url, resource, expirationDateTime: inMinutes(60) }),
      ).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/must exactly match validationToken/) });
    } finally {
      await bad.close();
    }
  });

  it("renews with PATCH; an expired subscription stops notifying and is gone", async () => {
    const { client } = productGraph(t);
    const sub = await client
      .api("/subscriptions")
      .post({ changeType: "created", notificationUrl: rx.url, resource, expirationDateTime: inMinutes(30), clientState: "x" });
    const renewed = await client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(10_000) });
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    await expect(client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(20_000) })).rejects.toMatchObject({ statusCode: 400 });
    t.advanceClock(10_001 * 60_000);
    try {
      await mail("after expiry");
      await t.notifier.settle();
      expect(rx.received).toHaveLength(0);
      // A week on, the old token has expired too: a new client gets a new one.
      await expect(productGraph(t).client.api(`/subscriptions/${sub.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      t.advanceClock(-10_001 * 60_000);
    }
    await client.api(`/subscriptions/${sub.id}`).delete();
  });

  it("sends lifecycle notifications when the fault switch asks, and duplicates or drops notifications", async () => {
    const { client } = productGraph(t);
    const sub = await client.api("/subscriptions").post({
      changeType: "created",
      notificationUrl: rx.url,
      lifecycleNotificationUrl: rx.lifecycleUrl,
      resource,
      expirationDateTime: inMinutes(600),
      clientState: "life",
    });
    for (const event of ["reauthorizationRequired", "missed"]) {
      const r = await fetch(`${t.url}/_admin/subscriptions/${sub.id}/lifecycle`, { method: "POST", body: JSON.stringify({ event }) });
      expect(r.status).toBe(202);
    }
    await t.notifier.settle();
    expect(rx.received.map((x) => [x.url, x.body.value[0].lifecycleEvent, x.body.value[0].clientState])).toEqual([
      ["/api/lifecycle", "reauthorizationRequired", "life"],
      ["/api/lifecycle", "missed", "life"],
    ]);
    rx.received.length = 0;
    await fetch(`${t.url}/_admin/faults`, { method: "POST", body: JSON.stringify({ duplicateNotifications: true }) });
    await mail("twice");
    await t.notifier.settle();
    expect(rx.received.filter((x) => x.url === "/api/notifications")).toHaveLength(2);
    rx.received.length = 0;
    await fetch(`${t.url}/_admin/faults`, { method: "POST", body: JSON.stringify({ duplicateNotifications: false, dropNotificationRate: 1 }) });
    await mail("never notified");
    await t.notifier.settle();
    expect(rx.received).toHaveLength(0);
    await fetch(`${t.url}/_admin/subscriptions/${sub.id}/lifecycle`, { method: "POST", body: JSON.stringify({ event: "subscriptionRemoved" }) });
    await t.notifier.settle();
    await expect(client.api(`/subscriptions/${sub.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("retries a notification endpoint that fails", async () => {
    let calls = 0;
    const { createServer } = await import("node:http");
    const flaky = createServer((req, res) => {
      const u = new URL(req.url!, "http://x");
      if (u.searchParams.has("validationToken")) return res.end(u.searchParams.get("validationToken"));
      calls++;
      res.writeHead(calls < 3 ? 500 : 202);
      res.end();
    });
    await new Promise<void>((r) => flaky.listen(0, "127.0.0.1", () => r()));
    try {
      const { client } = productGraph(t);
      const url = `http://127.0.0.1:${(flaky.address() as any).port}/n`;
      await client.api("/subscriptions").post({ changeType: "created", notificationUrl: url, resource, expirationDateTime: inMinutes(60) });
      await mail("retry me");
      await t.notifier.settle();
      expect(calls).toBe(3);
    } finally {
      flaky.close();
    }
  });
});
