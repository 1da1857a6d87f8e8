import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SendMailOptions } from "nodemailer";
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import type { Tenant } from "../../local/tenant/server.js";
import { inspectorGraph, partnership, productGraph, smtpSend as sendOverSmtp, startTestTenant } from "../helpers/tenant.js";

let t: Tenant;
const mailbox = partnership.intake.mailbox;
const docx = Buffer.from("PK\u0003\u0004 not really a docx, but bytes are bytes \u0000\u00ff", "latin1");
const pdf = Buffer.from("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<<>>\nendobj\n", "latin1");

const smtpSend = (msg: SendMailOptions) => sendOverSmtp(t, msg);

const form = (subject: string, extra: Partial<SendMailOptions> = {}) =>
  smtpSend({
    from: "SENDCo <sendco@isleworthtown.example>",
    to: mailbox,
    subject,
    text: "Please find our presentation form attached.",
    attachments: [
      { filename: "MIP presentation form.docx", content: docx, contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
      { filename: "evidence.pdf", content: pdf, contentType: "application/pdf" },
    ],
    ...extra,
  });

async function inboxIds(): Promise<string[]> {
  const { client } = productGraph(t);
  const r = await client.api(`/users/${mailbox}/mailFolders/inbox/messages`).top(100).select("id").get();
  return r.value.map((m: { id: string }) => m.id);
}

beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

describe("local tenant: SMTP ingress", () => {
  it("an RFC 5322 message with attachments lands in the inbox with sender, subject, time, Message-ID and attachments", async () => {
    const before = Date.now();
    const info = await form("Cluster 5/KL/Isleworth Town Primary School");
    const { client } = productGraph(t);
    const list = await client.api(`/users/${mailbox}/mailFolders/inbox/messages`).select("id,subject,internetMessageId").get();
    const hit = list.value.find((m: any) => m.internetMessageId === info.messageId);
    expect(hit).toBeDefined();
    const m = await client.api(`/users/${mailbox}/messages/${hit.id}`).expand("attachments").get();
    expect(m).toMatchObject({
      subject: "Cluster 5/KL/Isleworth Town Primary School",
      from: { emailAddress: { address: "sendco@isleworthtown.example", name: "SENDCo" } },
      internetMessageId: info.messageId,
      hasAttachments: true,
      isRead: false,
    });
    expect(Date.parse(m.receivedDateTime)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(m.attachments.map((a: any) => [a.name, a.contentType, a.size])).toEqual([
      ["MIP presentation form.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx.length],
      ["evidence.pdf", "application/pdf", pdf.length],
    ]);
    expect(Buffer.from(m.attachments[1].contentBytes, "base64").equals(pdf)).toBe(true);
    // The raw bytes through /$value
    const raw: ArrayBuffer = await client
      .api(`/users/${mailbox}/messages/${hit.id}/attachments/${m.attachments[0].id}/$value`)
      .responseType("arraybuffer" as any)
      .get();
    expect(Buffer.from(raw).equals(docx)).toBe(true);
    // Attachment metadata without the bytes
    const meta = await client.api(`/users/${mailbox}/messages/${hit.id}`).select("subject").expand("attachments($select=name,contentType,size,isInline)").get();
    expect(meta.attachments[0]).toEqual({
      "@odata.type": "#microsoft.graph.fileAttachment",
      id: m.attachments[0].id,
      name: "MIP presentation form.docx",
      contentType: m.attachments[0].contentType,
      size: docx.length,
      isInline: false,
    });
    // Headers only when selected
    expect(m.internetMessageHeaders).toBeUndefined();
    const withHeaders = await client.api(`/users/${mailbox}/messages/${hit.id}`).select("internetMessageHeaders,subject").get();
    expect(withHeaders.internetMessageHeaders).toEqual(expect.arrayContaining([{ name: "Message-ID", value: info.messageId }]));
    expect(Object.keys(withHeaders).sort()).toEqual(["@odata.etag", "id", "internetMessageHeaders", "subject"].sort());
  });

  it("keeps headers such as Auto-Submitted for the product to read", async () => {
    const info = await smtpSend({
      from: "postmaster@school.example",
      to: mailbox,
      subject: "Automatic reply: away",
      text: "I am away",
      headers: { "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All" },
    });
    const { client } = productGraph(t);
    const list = await client.api(`/users/${mailbox}/mailFolders/inbox/messages`).select("id,internetMessageId,internetMessageHeaders").top(50).get();
    const m = list.value.find((x: any) => x.internetMessageId === info.messageId);
    expect(m.internetMessageHeaders).toEqual(
      expect.arrayContaining([
        { name: "Auto-Submitted", value: "auto-replied" },
        { name: "X-Auto-Response-Suppress", value: "All" },
      ]),
    );
  });

  it("refuses recipients the tenant does not know", async () => {
    await expect(smtpSend({ from: "a@b.example", to: "nobody@hounslow.example", subject: "x", text: "x" })).rejects.toThrow(/550/);
  });

  it.skipIf(spawnSync("python3", ["--version"]).status !== 0)("accepts mail from Python's smtplib", async () => {
    const script = `
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "SENDCo <senco@worple.example>"
m["To"] = "${mailbox}"
m["Subject"] = "Cluster 5/KL/Worple Primary School"
m["Message-ID"] = "<python-smtplib-1@worple.example>"
m.set_content("Form attached")
m.add_attachment(b"%PDF-1.4 python", maintype="application", subtype="pdf", filename="form.pdf")
with smtplib.SMTP("127.0.0.1", ${t.smtpPort}) as s:
    s.send_message(m)
`;
    // Asynchronously: the SMTP server answering Python runs in this process.
    await promisify(execFile)("python3", ["-c", script], { timeout: 20_000 });
    const { client } = productGraph(t);
    const list = await client.api(`/users/${mailbox}/mailFolders/inbox/messages`).select("id,subject,internetMessageId,hasAttachments").top(50).get();
    expect(list.value.find((x: any) => x.internetMessageId === "<python-smtplib-1@worple.example>")).toMatchObject({
      subject: "Cluster 5/KL/Worple Primary School",
      hasAttachments: true,
    });
  });
});

describe("local tenant: mail API", () => {
  it("pages a folder's delta with nextLink, ends with a deltaLink, then returns only changes", async () => {
    const { client } = productGraph(t);
    // Start from a clean baseline, then add 23 messages.
    let r = await client.api(`/users/${mailbox}/mailFolders/inbox/messages/delta`).select("subject,internetMessageId").get();
    while (r["@odata.nextLink"]) r = await client.api(r["@odata.nextLink"]).get();
    let deltaLink: string = r["@odata.deltaLink"];
    for (let i = 0; i < 23; i++) await smtpSend({ from: "a@school.example", to: mailbox, subject: `paging ${i}`, text: "x" });
    const seen: string[] = [];
    let pages = 0;
    r = await client.api(deltaLink).header("Prefer", "odata.maxpagesize=10").get();
    for (;;) {
      pages++;
      for (const m of r.value) {
        expect(Object.keys(m).sort()).toEqual(["@odata.etag", "id", "internetMessageId", "subject"].sort());
        seen.push(m.subject);
      }
      if (!r["@odata.nextLink"]) break;
      r = await client.api(r["@odata.nextLink"]).header("Prefer", "odata.maxpagesize=10").get();
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `paging ${i}`));
    deltaLink = r["@odata.deltaLink"];
    expect(deltaLink).toMatch(/\$deltatoken=/);
    // Nothing new: empty round. Then one new message, and a move shows as removed.
    expect((await client.api(deltaLink).get()).value).toEqual([]);
    await smtpSend({ from: "a@school.example", to: mailbox, subject: "after the round", text: "x" });
    const next = await client.api(deltaLink).get();
    expect(next.value.map((m: any) => m.subject)).toEqual(["after the round"]);
    const folder = await client.api(`/users/${mailbox}/mailFolders/inbox/childFolders`).post({ displayName: `Moved ${Date.now()}` });
    await client.api(`/users/${mailbox}/messages/${next.value[0].id}/move`).post({ destinationId: folder.id });
    const after = await client.api(next["@odata.deltaLink"]).get();
    expect(after.value).toEqual([{ "@odata.type": "#microsoft.graph.message", id: next.value[0].id, "@removed": { reason: "deleted" } }]);
  });

  // "message: permanentDelete": POST, no body, 204 No Content; the message is gone from every
  // folder Outlook shows (https://learn.microsoft.com/graph/api/message-permanentdelete).
  it("permanentDelete answers 204 and the message, by its immutable id, is gone; a second answers 404", async () => {
    const { client } = productGraph(t);
    await smtpSend({ from: "a@school.example", to: mailbox, subject: "to be purged", text: "x" });
    const found = await client.api(`/users/${mailbox}/mailFolders/inbox/messages`).header("Prefer", 'IdType="ImmutableId"').select("id,subject").top(999).get();
    const id = found.value.find((m: { subject: string }) => m.subject === "to be purged").id as string;
    const purge = () => client.api(`/users/${mailbox}/messages/${id}/permanentDelete`).header("Prefer", 'IdType="ImmutableId"').post(null);
    await expect(purge()).resolves.toBeFalsy();
    await expect(client.api(`/users/${mailbox}/messages/${id}`).header("Prefer", 'IdType="ImmutableId"').get()).rejects.toMatchObject({ statusCode: 404 });
    await expect(purge()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("an expired delta token answers 410 and a fresh sync starts again", async () => {
    const { client } = productGraph(t);
    let r = await client.api(`/users/${mailbox}/mailFolders/inbox/messages/delta`).get();
    while (r["@odata.nextLink"]) r = await client.api(r["@odata.nextLink"]).get();
    await fetch(`${t.url}/_admin/delta/expire`, { method: "POST" });
    await expect(client.api(r["@odata.deltaLink"]).get()).rejects.toMatchObject({ statusCode: 410, code: "SyncStateNotFound" });
    const fresh = await client.api(`/users/${mailbox}/mailFolders/inbox/messages/delta`).get();
    expect(fresh["@odata.nextLink"] ?? fresh["@odata.deltaLink"]).toBeDefined();
  });

  it("creates child folders, refuses a duplicate name with 409, finds them by name", async () => {
    const { client } = productGraph(t);
    const made = await client.api(`/users/${mailbox}/mailFolders/inbox/childFolders`).post({ displayName: "Needs attention" });
    expect(made).toMatchObject({ displayName: "Needs attention", totalItemCount: 0 });
    await expect(client.api(`/users/${mailbox}/mailFolders/inbox/childFolders`).post({ displayName: "needs attention" })).rejects.toMatchObject({
      statusCode: 409,
      code: "ErrorFolderExists",
    });
    const found = await client.api(`/users/${mailbox}/mailFolders/inbox/childFolders`).filter("displayName eq 'Needs attention'").get();
    expect(found.value.map((f: any) => f.id)).toEqual([made.id]);
    expect(await client.api(`/users/${mailbox}/mailFolders/inbox`).select("displayName").get()).toEqual({ id: expect.any(String), displayName: "Inbox" });
    const top = await client.api(`/users/${mailbox}/mailFolders`).get();
    expect(top.value.map((f: any) => f.displayName)).toEqual(expect.arrayContaining(["Inbox", "Sent Items", "Deleted Items"]));
  });

  it("a message has two ids: the regular one changes on a move, the immutable one (asked for) never does; either finds it", async () => {
    // https://learn.microsoft.com/graph/outlook-immutable-id: "This header only applies to the request it is included with."
    const { client } = productGraph(t);
    const dest = await client.api(`/users/${mailbox}/mailFolders/inbox/childFolders`).post({ displayName: "Accepted" });
    await form("Cluster 1/NF/Bedfont Primary School");
    const [id] = (await inboxIds()).slice(0, 1);
    const immutable = (await client.api(`/users/${mailbox}/messages/${id}`).header("Prefer", 'IdType="ImmutableId"').select("id").get()).id;
    expect(immutable).not.toBe(id);
    const moved = await client.api(`/users/${mailbox}/messages/${id}/move`).post({ destinationId: dest.id });
    expect(moved.id).not.toBe(id);
    expect(moved.parentFolderId).toBe(dest.id);
    await expect(client.api(`/users/${mailbox}/messages/${id}`).get()).rejects.toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
    const again = await client.api(`/users/${mailbox}/messages/${moved.id}/move`).header("Prefer", 'IdType="ImmutableId"').post({ destinationId: "inbox" });
    expect(again.id).toBe(immutable);
    const withAtt = await client.api(`/users/${mailbox}/messages/${immutable}`).expand("attachments").get();
    expect(withAtt.attachments).toHaveLength(2);
    expect(withAtt.id).not.toBe(immutable); // no Prefer: the regular id, a new one since the move
  });

  it("PATCH sets categories, isRead and flag and changes the etag; unknown properties are refused", async () => {
    const { client } = productGraph(t);
    const [id] = await inboxIds();
    const before = await client.api(`/users/${mailbox}/messages/${id}`).get();
    const after = await client
      .api(`/users/${mailbox}/messages/${id}`)
      .patch({ categories: ["Cluster Desk: accepted"], isRead: true, flag: { flagStatus: "flagged" } });
    expect(after).toMatchObject({ categories: ["Cluster Desk: accepted"], isRead: true, flag: { flagStatus: "flagged" } });
    expect(after["@odata.etag"]).not.toBe(before["@odata.etag"]);
    await expect(client.api(`/users/${mailbox}/messages/${id}`).patch({ subject: "changed" })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("reply goes to the sender (outside the tenant: the outbox) and lands in Sent Items", async () => {
    const { client } = productGraph(t);
    const info = await form("Cluster 5/KL/Marlborough Primary School", { from: "senco@marlborough.example" });
    const list = await client.api(`/users/${mailbox}/mailFolders/inbox/messages`).select("id,internetMessageId").top(100).get();
    const id = list.value.find((m: any) => m.internetMessageId === info.messageId).id;
    await client.api(`/users/${mailbox}/messages/${id}/reply`).post({ comment: "Thank you: listed for the cluster 5 meeting on Thursday 18 May 2023, 2pm." });
    const sent = await client.api(`/users/${mailbox}/mailFolders/sentitems/messages`).select("subject,toRecipients,internetMessageHeaders").top(5).get();
    expect(sent.value[0]).toMatchObject({
      subject: "RE: Cluster 5/KL/Marlborough Primary School",
      toRecipients: [{ emailAddress: { address: "senco@marlborough.example" } }],
    });
    // Exchange keeps no internet message headers on the Sent Items copy (microsoftgraph/microsoft-graph-docs #12726).
    expect(sent.value[0].internetMessageHeaders ?? []).toEqual([]);
    const outbox = await (await fetch(`${t.url}/_admin/outbox`)).json();
    expect(outbox.value.at(-1)).toMatchObject({
      from: mailbox,
      to: "senco@marlborough.example",
      message: { subject: "RE: Cluster 5/KL/Marlborough Primary School" },
    });
  });

  it("sendMail delivers to tenant mailboxes and keeps a copy in Sent Items", async () => {
    const { client } = productGraph(t);
    const scl = partnership.leads.find((l) => l.initials === "KL")!.email;
    await client.api(`/users/${mailbox}/sendMail`).post({
      message: {
        subject: "Acknowledgement due tomorrow: C5-2023-0001",
        body: { contentType: "Text", content: "Reminder" },
        toRecipients: [{ emailAddress: { address: scl } }],
        internetMessageHeaders: [{ name: "X-Cluster-Desk-Case", value: "C5-2023-0001" }],
      },
      saveToSentItems: true,
    });
    const inbox = await inspectorGraph(t).client.api(`/users/${scl}/mailFolders/inbox/messages`).select("subject,from,internetMessageHeaders").get();
    expect(inbox.value[0]).toMatchObject({ subject: "Acknowledgement due tomorrow: C5-2023-0001", from: { emailAddress: { address: mailbox } } });
    expect(inbox.value[0].internetMessageHeaders).toEqual(expect.arrayContaining([{ name: "X-Cluster-Desk-Case", value: "C5-2023-0001" }]));
    await expect(client.api(`/users/${mailbox}/sendMail`).post({ message: { subject: "x", toRecipients: [] } })).rejects.toMatchObject({
      statusCode: 400,
      code: "ErrorInvalidRecipients",
    });
    await expect(
      client.api(`/users/${mailbox}/sendMail`).post({
        message: { subject: "x", toRecipients: [{ emailAddress: { address: "a@b.example" } }], internetMessageHeaders: [{ name: "Subject", value: "no" }] },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("sendMail in MIME format (base64 MIME as text/plain), directly and in a $batch: its own headers go out, Auto-Submitted included; bad base64 is 400", async () => {
    // Graph v1.0 user: sendMail, "send a message in MIME format" (learn.microsoft.com/graph/api/user-sendmail);
    // JSON batching: a body that is not JSON is base64-encoded (learn.microsoft.com/graph/json-batching).
    const { client } = productGraph(t);
    const outsider = "senco@mime.example";
    const mime = (n: number) =>
      Buffer.from(
        [
          `To: <${outsider}>`,
          `Subject: RE: form ${n}`,
          "In-Reply-To: <school@mime.example>",
          "Auto-Submitted: auto-replied",
          "X-Cluster-Desk-Reply: cd-mime",
          "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=utf-8",
          "",
          `Logged ${n}.`,
        ].join("\r\n"),
      ).toString("base64");
    await client.api(`/users/${mailbox}/sendMail`).header("Content-Type", "text/plain").post(mime(1));
    await client.api("/$batch").post({
      requests: [
        {
          id: "1",
          method: "POST",
          url: `/users/${mailbox}/sendMail`,
          headers: { "Content-Type": "text/plain" },
          body: Buffer.from(mime(2)).toString("base64"),
        },
      ],
    });
    const out = ((await (await fetch(`${t.url}/_admin/outbox`)).json()).value as { to: string; message: any }[]).filter((m) => m.to === outsider);
    expect(out.map((m) => m.message.subject)).toEqual(["RE: form 1", "RE: form 2"]);
    for (const m of out)
      expect(m.message.internetMessageHeaders).toEqual(
        expect.arrayContaining([
          { name: "Auto-Submitted", value: "auto-replied" },
          { name: "In-Reply-To", value: "<school@mime.example>" },
        ]),
      );
    expect(out[0]!.message.body.content.trim()).toBe("Logged 1.");
    const sent = await client.api(`/users/${mailbox}/mailFolders/sentitems/messages`).select("subject,internetMessageHeaders").top(50).get();
    expect(sent.value.filter((m: any) => m.subject.startsWith("RE: form "))).toHaveLength(2);
    await expect(client.api(`/users/${mailbox}/sendMail`).header("Content-Type", "text/plain").post("not base64 at all!")).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("unknown messages, users and segments answer with Graph errors", async () => {
    const { client } = productGraph(t);
    await expect(client.api(`/users/${mailbox}/messages/AAMkNope`).get()).rejects.toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
    await expect(client.api(`/users/nobody@hounslow.example/messagez`).get()).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/users/nobody@hounslow.example/mailFolders/inbox`).get()).rejects.toMatchObject({ statusCode: 404, code: "ErrorInvalidUser" });
  });
});
