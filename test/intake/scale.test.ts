/**
 * Intake at scale. Throttling does not hold a worker: a 429 or 503 whose Retry-After is longer
 * than a second is not slept through; the email is queued again with that delay, and the worker is
 * free at once. No duplicate work: a copy of a done email costs no Graph call; look-ups are
 * filtered so one page holds every match, however many cases a sender has.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import azureFunctions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mailIntake } from "../../functions/mail.js";
import { alertLead } from "../../core/usecases/health.js";
import { keepSubscription } from "../../core/usecases/subscription.js";
import { run } from "../../cli/main.js";
import { processMessage } from "../../core/usecases/intake.js";
import { pdfForm, startStack, type Stack, clusterCases } from "../helpers/stack.js";

let s: Stack;
beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
}, 60_000);
afterAll(async () => s?.stop());

const faults = (body: unknown) => fetch(`${s.tenant.url}/_admin/faults`, { method: body ? "POST" : "DELETE", ...(body ? { body: JSON.stringify(body) } : {}) });

describe("throttling", () => {
  it("a long Retry-After queues the email again with that delay instead of sleeping; a short one is waited through", async () => {
    const q = new QueueClient(s.azurite.connectionString, "mail-intake");
    await s.send({ from: "senco@throttled.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.tenant.notifier.settle();
    const got = await q.receiveMessages({ numberOfMessages: 1 });
    const payload = JSON.parse(Buffer.from(got.receivedMessageItems[0]!.messageText, "base64").toString());
    await q.deleteMessage(got.receivedMessageItems[0]!.messageId, got.receivedMessageItems[0]!.popReceipt);

    await s.deps.refreshCalendar(true); // the Meetings list is read now: the throttled call is the email's
    await faults({ throttleNext: 1, retryAfterSeconds: 30 });
    // The message is read in a batch (m365/batcher.ts): its item is the one throttled.
    const before = s.tenant.counters.count("GET /v1.0/users/{id}/messages/{id} (batch)", 429);
    await mailIntake(() => s.deps)(payload, new azureFunctions.InvocationContext()); // returns: no throw, no sleep
    expect(s.tenant.counters.count("GET /v1.0/users/{id}/messages/{id} (batch)", 429)).toBe(before + 1);
    expect(s.logs.some((l) => l.includes("mail-intake.throttled") && l.includes('"retryAfterSeconds":30'))).toBe(true);
    // Queued again, invisible for the 30 s Graph asked for.
    expect((await q.getProperties()).approximateMessagesCount).toBe(1);
    expect((await q.peekMessages()).peekedMessageItems).toHaveLength(0);
    await q.clearMessages();

    // Retry-After of a second or less is waited through inside the request: the form is logged.
    await s.deps.refreshCalendar(true);
    await faults({ throttleNext: 1, retryAfterSeconds: 1 });
    await mailIntake(() => s.deps)(payload, new azureFunctions.InvocationContext());
    await faults(null);
    expect((await q.getProperties()).approximateMessagesCount).toBe(0);
    const site = await s.deps.site.id();
    const cases = (await s.deps.graph.api(`/sites/${site}/lists/Cases/items`).expand("fields").get()).value;
    expect(cases.filter((c: any) => c.fields.SenderEmail === "senco@throttled.example")).toHaveLength(1);
  });
});

describe("no duplicate work", () => {
  const graphCalls = () =>
    Object.entries(s.tenant.counters.snapshot().byRoute)
      .filter(([r]) => r.includes("/v1.0/") && !r.includes("(batch)"))
      .reduce((n, [, st]) => n + Object.values(st).reduce((a, b) => a + b, 0), 0);

  it("a second copy of a done email costs no Graph call", async () => {
    await s.send({ from: "senco@twice.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.tenant.notifier.settle();
    const q = new QueueClient(s.azurite.connectionString, "mail-intake");
    const m = (await q.peekMessages()).peekedMessageItems[0]!;
    const { messageId } = JSON.parse(Buffer.from(m.messageText, "base64").toString());
    await s.host.drain();
    await s.deps.refreshCalendar(true); // the Meetings list is read now, not during the counted form
    await fetch(`${s.tenant.url}/_admin/counters`, { method: "DELETE" });
    expect((await processMessage(s.deps, messageId)).status).toBe("already-done");
    expect(graphCalls()).toBe(0);
  });

  it("a corrected form finds the case it corrects behind 250 earlier cases from the same sender", async () => {
    const sender = "senco@busy.example";
    const site = await s.deps.site.id();
    for (let i = 0; i < 250; i++) {
      await s.deps.graph.api(`/sites/${site}/lists/Cases/items`).post({
        fields: {
          Title: `C5-2022-${String(i + 1).padStart(4, "0")}`,
          SenderEmail: sender,
          Status: "Accepted",
          ReceivedAt: "2023-04-20T09:00:00Z",
          InternetMessageId: `<old-${i}@busy.example>`,
          Fingerprint: `old-${i}`,
        },
      });
    }
    await s.send({ from: sender, subject: "Presentation form", text: "x", attachments: [pdfForm()] });
    await s.settle();
    await s.send({ from: sender, subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    const mine = (await clusterCases(s, 5)).filter((c) => c.fields.SenderEmail === sender);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.fields.ResubmissionOf).toMatch(/^U-2023-\d{4}$/);
    const first = await s.deps.cases.byRef(mine[0]!.fields.ResubmissionOf!);
    expect(first?.fields.Status).toBe("Superseded");
  });
});

describe("mailbox health for the partnership lead", () => {
  it("reports the subscription, last notification and sweep, queues, today's forms and receipt p95; alerts the lead once a day", async () => {
    await keepSubscription(s.deps);
    await s.send({ from: "senco@healthy.example", subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.settle();
    await s.host.runTimer("mailSweep");
    let r = await s.deps.health();
    expect(r.subscription?.hoursLeft).toBeGreaterThan(24);
    expect(r.lastNotification).not.toBeNull();
    expect(r.lastSweep).not.toBeNull();
    expect(r).toMatchObject({ queue: 0, poison: 0, alerts: [] });
    expect(r.today.accepted).toBeGreaterThanOrEqual(1);
    expect(r.receiptP95Seconds).toBeGreaterThanOrEqual(0);
    expect(await alertLead(s.deps)).toBeNull();

    // A poisoned email: an alert, to the lead by email (and Teams when their chat is known), once.
    await new QueueClient(s.azurite.connectionString, "mail-intake-poison").sendMessage(Buffer.from(JSON.stringify({ messageId: "gone" })).toString("base64"));
    r = await s.deps.health();
    expect(r.poison).toBe(1);
    expect(r.alerts.join(" ")).toMatch(/1 email\(s\) failed every retry/);
    expect(await alertLead(s.deps)).toBe("1 alert(s)");
    expect(await alertLead(s.deps)).toBeNull();
    const lead = s.deps.partnership.partnershipLead.email;
    const sent = (
      await s.deps.graph.api(`/users/${s.deps.partnership.intake.mailbox}/mailFolders/sentitems/messages`).select("subject,toRecipients").top(50).get()
    ).value;
    expect(
      sent.filter((m: any) => m.subject === "Cluster Desk: mailbox intake needs attention" && m.toRecipients[0].emailAddress.address === lead),
    ).toHaveLength(1);

    // The CLI shows the same, from npm start's settings file; --retry-poisoned runs the reconciler.
    const dir = mkdtempSync(join(tmpdir(), "cluster-desk-health-"));
    writeFileSync(join(dir, "app-settings.json"), JSON.stringify({ ...s.env, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS }));
    const out: string[] = [];
    const code = await run(["health", "--settings", join(dir, "app-settings.json"), "--retry-poisoned"], { out: (t) => out.push(t), err: (t) => out.push(t) });
    const printed = JSON.parse(out.join("\n"));
    expect(printed.retried).toMatchObject({ poisonRetried: 1 });
    expect(printed.poison).toBe(0);
    expect(code).toBe(printed.alerts.length ? 1 : 0);
  });
});
