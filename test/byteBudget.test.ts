/**
 * The attachment bytes one instance holds at once (m365/byteBudget.ts): bounded however many
 * emails are in hand, first come first served, and a file larger than the whole budget still read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ByteBudget } from "../m365/byteBudget.js";
import { GraphMailbox } from "../m365/mailbox.js";
import type { Tenant } from "../local/tenant/server.js";
import { partnership, productGraph, smtpSend, startTestTenant } from "./helpers/tenant.js";

describe("the budget", () => {
  it("waits for room, first come first served; gives back once only", async () => {
    const b = new ByteBudget(10);
    const order: string[] = [];
    const give6 = await b.take(6);
    const second = b.take(6).then((give) => (order.push("second"), give));
    const small = b.take(1).then((give) => (order.push("small"), give)); // fits now, but waits behind the second
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    give6();
    give6(); // a second give changes nothing
    const [g2, g1] = await Promise.all([second, small]);
    expect(order).toEqual(["second", "small"]);
    expect(b.peak).toBe(7);
    g2();
    g1();
    const all = await b.take(10);
    expect(b.peak).toBe(10);
    all();
  });

  it("a file larger than the whole budget goes alone", async () => {
    const b = new ByteBudget(10);
    const big = await b.take(25);
    let next = false;
    const after = b.take(1).then((give) => ((next = true), give));
    await new Promise((r) => setTimeout(r, 5));
    expect(next).toBe(false);
    big();
    (await after)();
    expect(b.peak).toBe(10);
  });
});

describe("intake's files within the budget (through the local tenant)", () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await startTestTenant();
  });
  afterAll(() => t.close());

  it("five 200 KB files with room for two at a time: all are read, and never more than two held", async () => {
    const pdf = (i: number) => Buffer.concat([Buffer.from(`%PDF-1.7\n% file ${i}\n`), Buffer.alloc(200_000, 32)]);
    const marker = `<budget-${Date.now()}@school.example>`;
    await smtpSend(t, {
      from: "senco@worple.example",
      to: partnership.intake.mailbox,
      subject: "Cluster 5/KL/Worple Primary School",
      messageId: marker,
      text: "Forms attached.",
      attachments: Array.from({ length: 5 }, (_, i) => ({ filename: `form-${i}.pdf`, content: pdf(i), contentType: "application/pdf" })),
    });
    const { client } = productGraph(t);
    const budget = new ByteBudget(450_000);
    const mailbox = new GraphMailbox(client, partnership.intake.mailbox, [], { allowedExtensions: [".pdf"], maxBytes: 1_000_000 }, budget);
    const found = await client
      .api(`/users/${partnership.intake.mailbox}/mailFolders/inbox/messages`)
      .filter(`internetMessageId eq '${marker}'`)
      .select("id")
      .get();
    const facts = await mailbox.facts(found.value[0].id);
    const read = await mailbox.readFiles(facts!);
    expect(read.attachments.map((a) => [a.name, a.content])).toEqual(Array.from({ length: 5 }, (_, i) => [`form-${i}.pdf`, "pdf"]));
    expect(budget.peak).toBeGreaterThan(200_000);
    expect(budget.peak).toBeLessThanOrEqual(450_000);
  });
});
