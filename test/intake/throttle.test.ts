/**
 * Throttling does not hold a worker: a 429 or 503 whose Retry-After is longer than a second is not
 * slept through; the email is queued again with that delay, and the worker is free at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import azureFunctions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { mailIntake } from "../../functions/mail.js";
import { pdfForm, startStack, type Stack } from "../helpers/stack.js";

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

    await faults({ throttleNext: 1, retryAfterSeconds: 30 });
    const before = s.tenant.counters.count("GET /v1.0/users/{id}/messages/{id}", 429);
    await mailIntake(() => s.deps)(payload, new azureFunctions.InvocationContext()); // returns: no throw, no sleep
    expect(s.tenant.counters.count("GET /v1.0/users/{id}/messages/{id}", 429)).toBe(before + 1);
    expect(s.logs.some((l) => l.includes("mail-intake.throttled") && l.includes('"retryAfterSeconds":30'))).toBe(true);
    // Queued again, invisible for the 30 s Graph asked for.
    expect((await q.getProperties()).approximateMessagesCount).toBe(1);
    expect((await q.peekMessages()).peekedMessageItems).toHaveLength(0);
    await q.clearMessages();

    // Retry-After of a second or less is waited through inside the request: the form is logged.
    await faults({ throttleNext: 1, retryAfterSeconds: 1 });
    await mailIntake(() => s.deps)(payload, new azureFunctions.InvocationContext());
    await faults(null);
    expect((await q.getProperties()).approximateMessagesCount).toBe(0);
    const site = await s.deps.site.id();
    const cases = (await s.deps.graph.api(`/sites/${site}/lists/Cases/items`).expand("fields").get()).value;
    expect(cases.filter((c: any) => c.fields.SenderEmail === "senco@throttled.example")).toHaveLength(1);
  });
});
