/**
 * The local tenant held to how Exchange Online behaves where the product relies on it (each case
 * cites the Microsoft document or the Graph docs' issue; docs/graph-fidelity.md lists them):
 * sending a draft keeps its immutable id, Sent Items copies carry no internet message headers,
 * attachments come as file, item or reference attachments, and metadata without bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SendMailOptions } from "nodemailer";
import type { Tenant } from "../../local/tenant/server.js";
import { inspectorGraph, partnership, productGraph, smtpSend as sendOverSmtp, startTestTenant } from "../helpers/tenant.js";
import { productMessageId, productMime } from "../../m365/mime.js";
import { GraphDrafts } from "../../m365/drafts.js";

let t: Tenant;
const mailbox = partnership.intake.mailbox;
const IMMUTABLE = 'IdType="ImmutableId"';

const smtpSend = (msg: SendMailOptions) => sendOverSmtp(t, msg);

async function byMessageId(internetMessageId: string, folder = "inbox") {
  const { client } = productGraph(t);
  const r = await client
    .api(`/users/${mailbox}/mailFolders/${folder}/messages`)
    .header("Prefer", IMMUTABLE)
    .filter(encodeURIComponent(`internetMessageId eq '${internetMessageId}'`))
    .select("id,isDraft,parentFolderId,internetMessageHeaders")
    .get();
  return r.value as { id: string; isDraft: boolean; parentFolderId: string; internetMessageHeaders?: unknown[] }[];
}

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

describe("Exchange fidelity: sending a draft (https://learn.microsoft.com/graph/outlook-immutable-id, 'Immutable ID with sending mail')", () => {
  it("a draft made in MIME with an immutable id is, once sent, the Sent Items copy under the same id, with no headers; sending it twice is refused", async () => {
    const { client } = productGraph(t);
    const mime = productMime(
      { to: ["senco@school.example"], subject: "RE: Cluster 5/KL/Worple Primary School", body: "Logged.", marker: "cd-draft-1" },
      mailbox,
    );
    const draft = await client.api(`/users/${mailbox}/messages`).header("Content-Type", "text/plain").header("Prefer", IMMUTABLE).post(mime);
    expect(draft).toMatchObject({ isDraft: true, subject: "RE: Cluster 5/KL/Worple Primary School" });
    const drafts = await client.api(`/users/${mailbox}/mailFolders/drafts`).get();
    expect(draft.parentFolderId).toBe(drafts.id);
    await client.api(`/users/${mailbox}/messages/${draft.id}/send`).post(null);
    const sent = await client
      .api(`/users/${mailbox}/messages/${draft.id}`)
      .header("Prefer", IMMUTABLE)
      .select("id,isDraft,parentFolderId,internetMessageHeaders")
      .get();
    const sentItems = await client.api(`/users/${mailbox}/mailFolders/sentitems`).get();
    expect(sent).toMatchObject({ id: draft.id, isDraft: false, parentFolderId: sentItems.id });
    // microsoftgraph/microsoft-graph-docs #12726, #2716, #18761: no internet message headers on Sent Items copies.
    expect(sent.internetMessageHeaders ?? []).toEqual([]);
    // The school got it with its headers: Auto-Submitted and the marker.
    const out = await (await fetch(`${t.url}/_admin/outbox`)).json();
    const got = out.value.at(-1);
    expect(got).toMatchObject({ to: "senco@school.example", message: { internetMessageId: productMessageId("cd-draft-1", mailbox) } });
    expect(got.message.internetMessageHeaders).toEqual(expect.arrayContaining([{ name: "Auto-Submitted", value: "auto-replied" }]));
    // Found in Sent Items by its Message-ID (a filterable property), and only once.
    expect(await byMessageId(productMessageId("cd-draft-1", mailbox), "sentitems")).toHaveLength(1);
    await expect(client.api(`/users/${mailbox}/messages/${draft.id}/send`).post(null)).rejects.toMatchObject({ statusCode: 400 });
  });

  it("sendMail's Sent Items copy has no headers either; a deleted draft is gone (404)", async () => {
    const { client } = productGraph(t);
    const marker = "cd-sendmail-1";
    await client
      .api(`/users/${mailbox}/sendMail`)
      .header("Content-Type", "text/plain")
      .post(productMime({ to: ["x@school.example"], subject: "Reminder", body: "b", marker }, mailbox));
    const [copy] = await byMessageId(productMessageId(marker, mailbox), "sentitems");
    expect(copy!.internetMessageHeaders ?? []).toEqual([]);
    const draft = await client
      .api(`/users/${mailbox}/messages`)
      .header("Prefer", IMMUTABLE)
      .post({ subject: "not sent", toRecipients: [{ emailAddress: { address: "y@school.example" } }] });
    await client.api(`/users/${mailbox}/messages/${draft.id}`).delete();
    await expect(client.api(`/users/${mailbox}/messages/${draft.id}`).get()).rejects.toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
  });
});

describe("Exchange fidelity: the message rate limit (Exchange Online limits, 'Sending limits': excess 'carried over to the following minutes')", () => {
  it("past a mailbox's messages a minute, a sent draft waits in the Outbox, sent and under its immutable id, and goes the next minute; the product finds it sent", async () => {
    const { client } = productGraph(t);
    // At the start of a minute, so the three sends fall in one.
    t.advanceClock(60_000 - (t.now() % 60_000) + 1000);
    t.faults.update({ messagesPerMinute: 2 });
    try {
      const outbox = await client.api(`/users/${mailbox}/mailFolders/outbox`).get();
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        const mime = productMime({ to: [`rate${n}@school.example`], subject: `Receipt ${n}`, body: "Logged.", marker: `cd-rate-${n}` }, mailbox);
        const draft = await client.api(`/users/${mailbox}/messages`).header("Content-Type", "text/plain").header("Prefer", IMMUTABLE).post(mime);
        await client.api(`/users/${mailbox}/messages/${draft.id}/send`).post(null); // 202 for all three
        ids.push(draft.id);
      }
      const delivered = async () =>
        ((await (await fetch(`${t.url}/_admin/outbox`)).json()).value as { to: string }[]).filter((m) => m.to.startsWith("rate")).map((m) => m.to);
      expect(await delivered()).toEqual(["rate1@school.example", "rate2@school.example"]);
      const third = await client.api(`/users/${mailbox}/messages/${ids[2]}`).header("Prefer", IMMUTABLE).select("id,isDraft,parentFolderId").get();
      expect(third).toMatchObject({ id: ids[2], isDraft: false, parentFolderId: outbox.id });
      // Not in Sent Items yet: a search there alone would call it unsent. The whole mailbox has it.
      const marker3 = productMessageId("cd-rate-3", mailbox);
      expect(await byMessageId(marker3, "sentitems")).toEqual([]);
      expect(await new GraphDrafts(client, mailbox).sentWith("cd-rate-3")).toBe(true);
      expect(await new GraphDrafts(client, mailbox).draftWith("cd-rate-3")).toBeNull();
      // The next minute it goes, from the Outbox to Sent Items, under the same id.
      t.advanceClock(60_000);
      // The tenant looks for due messages each second; under load the tick may come late.
      for (const until = Date.now() + 10_000; (await delivered()).length < 3 && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
      expect(await delivered()).toEqual(["rate1@school.example", "rate2@school.example", "rate3@school.example"]);
      expect(await byMessageId(marker3, "sentitems")).toMatchObject([{ id: ids[2], isDraft: false }]);
    } finally {
      t.faults.update({ messagesPerMinute: 0 });
    }
  });
});

describe("Exchange fidelity: attachments as Graph has them (https://learn.microsoft.com/graph/api/resources/attachment)", () => {
  it("a forwarded email is an itemAttachment (no contentBytes, no content type; its $value is its MIME); $select leaves bytes out", async () => {
    const inner = [
      "From: senco@worple.example",
      "To: scl@hounslow.example",
      "Subject: Cluster 5/KL/Worple Primary School",
      "Message-ID: <inner-1@worple.example>",
      "",
      "form inside",
    ].join("\r\n");
    const info = await smtpSend({
      from: "scl@hounslow.example",
      to: mailbox,
      subject: "FW: Cluster 5/KL/Worple Primary School",
      text: "Forwarding the school's form.",
      attachments: [
        // As Outlook and Thunderbird forward "as attachment": Content-Disposition: attachment.
        { filename: "Cluster 5.eml", content: inner, contentType: "message/rfc822", contentDisposition: "attachment" },
        { filename: "notes.pdf", content: Buffer.from("%PDF-1.7\n"), contentType: "application/pdf" },
      ],
    });
    const [m] = await byMessageId(info.messageId);
    const { client } = productGraph(t);
    const meta = await client.api(`/users/${mailbox}/messages/${m!.id}`).expand("attachments($select=id,name,size,contentType,isInline)").get();
    const item = meta.attachments.find((a: any) => a.name !== "notes.pdf");
    const file = meta.attachments.find((a: any) => a.name === "notes.pdf");
    expect(item).toMatchObject({ "@odata.type": "#microsoft.graph.itemAttachment", contentType: null, isInline: false });
    expect(file).toMatchObject({ "@odata.type": "#microsoft.graph.fileAttachment", name: "notes.pdf", contentType: "application/pdf" });
    expect(item.contentBytes).toBeUndefined();
    expect(file.contentBytes).toBeUndefined(); // $select without contentBytes: metadata only
    const full = await client.api(`/users/${mailbox}/messages/${m!.id}`).expand("attachments").get();
    expect(full.attachments.find((a: any) => a.id === item.id).contentBytes).toBeUndefined(); // an item attachment never has bytes inline
    expect(full.attachments.find((a: any) => a.id === file.id).contentBytes).toBeDefined();
    const raw = Buffer.from(
      await (await fetch(`${t.url}/v1.0/users/${mailbox}/messages/${m!.id}/attachments/${item.id}/$value`, { headers: await auth() })).arrayBuffer(),
    ).toString();
    expect(raw).toContain("Subject: Cluster 5/KL/Worple Primary School");
  });

  it("a link to a OneDrive or SharePoint file is a referenceAttachment: no bytes, and no $value", async () => {
    // An SCL in the tenant shares a link (Outlook's "Share link") with the secure mailbox.
    const scl = partnership.leads[0]!.email;
    const { client } = inspectorGraph(t);
    const draft = await client
      .api(`/users/${scl}/messages`)
      .header("Prefer", IMMUTABLE)
      .post({ subject: "Cluster 5/KL/Worple Primary School", toRecipients: [{ emailAddress: { address: mailbox } }] });
    await client.api(`/users/${scl}/messages/${draft.id}/attachments`).post({
      "@odata.type": "#microsoft.graph.referenceAttachment",
      name: "Presentation form.docx",
      sourceUrl: "https://hounslow.sharepoint.com/sites/mip/Shared%20Documents/Presentation%20form.docx",
    });
    await client.api(`/users/${scl}/messages/${draft.id}/send`).post(null);
    const inbox = await productGraph(t)
      .client.api(`/users/${mailbox}/mailFolders/inbox/messages`)
      .select("id,subject")
      .expand("attachments($select=id,name,size,contentType,isInline)")
      .top(100)
      .get();
    const got = inbox.value.find((x: any) => x.attachments.some((a: any) => a.name === "Presentation form.docx"));
    expect(got.attachments[0]).toMatchObject({ "@odata.type": "#microsoft.graph.referenceAttachment", name: "Presentation form.docx", contentType: null });
    const r = await fetch(`${t.url}/v1.0/users/${mailbox}/messages/${got.id}/attachments/${got.attachments[0].id}/$value`, { headers: await auth() });
    expect(r.status).toBe(400);
  });
});

async function auth(): Promise<Record<string, string>> {
  const { bearer } = await import("../helpers/tenant.js");
  return { authorization: `Bearer ${await bearer(t)}` };
}
