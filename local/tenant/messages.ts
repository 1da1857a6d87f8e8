/**
 * Messages as Graph v1.0 exposes them: read (with attachments), change, move (a new regular id;
 * the immutable id stays), drafts (JSON or MIME, createReply) and sending them, reply, their
 * attachments (file, item, reference), and sendMail.
 */
import { randomBytes } from "node:crypto";
import { simpleParser } from "mailparser";
import { headersOf, recipients } from "./parsedMail.js";
import {
  addAttachment,
  deliver,
  relocate,
  outgoing,
  storeMessage,
  type NewAttachment,
  type Outgoing,
  type Recipient,
  type StoredMessage,
  type MailboxRow,
  resolveMailbox,
  requireFolder,
  type MessageRow,
  messageRow,
  attachmentExpand,
  messageJson,
  attachmentsOf,
  attachmentAt,
  attachmentJson,
  transmit,
  outgoingOf,
  removeRow,
} from "./mail.js";
import { GraphError, parseJson, prefersImmutableIds, selectOf } from "./http.js";
import { nextSeq } from "./db.js";
import type { Ctx } from "./context.js";
import type { Route } from "./context.js";
import { route } from "./context.js";

function patchMessage(ctx: Ctx, row: MessageRow, body: any, immutable: boolean): Record<string, unknown> {
  const m = JSON.parse(row.data) as StoredMessage;
  const allowed = ["categories", "isRead", "flag", "importance", "inferenceClassification"];
  for (const k of Object.keys(body ?? {})) {
    if (!allowed.includes(k))
      throw new GraphError(400, "ErrorInvalidPropertyUpdateSentMessage", `Update operation on property '${k}' is not supported by this tenant.`);
  }
  if (body.categories !== undefined && (!Array.isArray(body.categories) || body.categories.some((c: unknown) => typeof c !== "string"))) {
    throw new GraphError(400, "ErrorInvalidRequest", "categories must be a collection of strings.");
  }
  if (body.isRead !== undefined && typeof body.isRead !== "boolean") throw new GraphError(400, "ErrorInvalidRequest", "isRead must be a boolean.");
  if (body.flag !== undefined && !["notFlagged", "flagged", "complete"].includes(body.flag?.flagStatus)) {
    throw new GraphError(400, "ErrorInvalidRequest", "flag.flagStatus must be notFlagged, flagged or complete.");
  }
  const updated: StoredMessage = {
    ...m,
    ...body,
    changeKey: randomBytes(12).toString("base64url"),
    lastModifiedDateTime: new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  ctx.db.prepare("UPDATE messages SET data = ?, seq = ? WHERE id = ?").run(JSON.stringify(updated), nextSeq(ctx.db), row.id);
  return messageJson(ctx.db, { ...row, data: JSON.stringify(updated) }, { base: ctx.base, immutable });
}

function moveMessage(ctx: Ctx, mailbox: MailboxRow, row: MessageRow, destinationId: unknown, immutable: boolean): Record<string, unknown> {
  if (typeof destinationId !== "string") throw new GraphError(400, "ErrorInvalidRequest", "The destinationId property is required.");
  const dest = requireFolder(ctx.db, mailbox.id, destinationId);
  const { db } = ctx;
  // A moved message gets a new regular id; its immutable id stays (the response shows the one asked for).
  relocate(db, row, dest.id, JSON.parse(row.data) as StoredMessage);
  return messageJson(db, messageRow(db, mailbox.id, row.id), { base: ctx.base, immutable });
}

/** A new draft in the mailbox's Drafts folder (POST /messages, or createReply); its id as the request asked. */
function storeDraft(ctx: Ctx, mailbox: MailboxRow, out: Outgoing, immutable: boolean): Record<string, unknown> {
  const id = storeMessage(ctx, mailbox.id, "drafts", { ...out.message, isDraft: true, isRead: true }, out.attachments);
  return messageJson(ctx.db, messageRow(ctx.db, mailbox.id, id), { base: ctx.base, immutable });
}

/**
 * Sends a draft (POST /messages/{id}/send): it becomes the Sent Items copy, keeping its immutable
 * id ("Immutable ID with sending mail", https://learn.microsoft.com/graph/outlook-immutable-id).
 * A message that is not a draft cannot be sent again.
 */
function sendDraft(ctx: Ctx, mailbox: MailboxRow, row: MessageRow): void {
  const m = JSON.parse(row.data) as StoredMessage;
  if (!m.isDraft) throw new GraphError(400, "ErrorInvalidOperation", "Only a draft message can be sent.");
  deliver(ctx, mailbox, outgoingOf(ctx.db, row), row);
}

/** POST /messages/{id}/attachments: a file (bytes), an attached email (its MIME) or a link to a file. */
function addAttachmentTo(ctx: Ctx, row: MessageRow, body: any): Record<string, unknown> {
  const type = String(body?.["@odata.type"] ?? "");
  const name = typeof body?.name === "string" && body.name ? body.name : null;
  if (!name) throw new GraphError(400, "ErrorInvalidRequest", "The name property is required.");
  let a: NewAttachment;
  if (/referenceAttachment$/i.test(type)) {
    if (typeof body.sourceUrl !== "string" || !/^https:\/\//.test(body.sourceUrl))
      throw new GraphError(400, "ErrorInvalidRequest", "sourceUrl must be an https URL.");
    a = { name, contentType: "", bytes: Buffer.alloc(0), kind: "reference", sourceUrl: body.sourceUrl };
  } else if (/fileAttachment$/i.test(type)) {
    const bytes = Buffer.from(String(body.contentBytes ?? ""), "base64");
    // Graph: "This operation limits the size of the attachment you can add to under 3 MB."
    if (bytes.length >= 3 * 1024 * 1024) throw new GraphError(413, "ErrorRequestEntityTooLarge", "The attachment is too large: use an upload session.");
    a = { name, contentType: String(body.contentType ?? "application/octet-stream"), isInline: Boolean(body.isInline), bytes, kind: "file" };
  } else throw new GraphError(400, "ErrorInvalidRequest", `Unsupported attachment type '${type}'.`);
  const id = addAttachment(ctx.db, row.id, a);
  return attachmentJson(
    attachmentsOf(ctx.db, row.id).find((x) => x.id === id)!,
    false,
  );
}

/** The reply to a message (POST /reply sends it; POST /createReply makes it a draft). */
function replyTo(mailbox: MailboxRow, row: MessageRow, body: any): Outgoing {
  const orig = JSON.parse(row.data) as StoredMessage;
  const comment = typeof body?.comment === "string" ? body.comment : "";
  const overrides = body?.message ?? {};
  const to: Recipient[] = overrides.toRecipients ?? (orig.replyTo.length ? orig.replyTo : [orig.from]);
  const quoted = `${comment}\n\n-----Original Message-----\nFrom: ${orig.from.emailAddress.address}\nSent: ${orig.sentDateTime}\nSubject: ${orig.subject}\n\n${orig.bodyPreview}`;
  return outgoing(
    mailbox,
    {
      subject: /^re:/i.test(orig.subject) ? orig.subject : `RE: ${orig.subject}`,
      body: overrides.body ?? { contentType: "text", content: quoted },
      toRecipients: to,
      ccRecipients: overrides.ccRecipients ?? [],
      internetMessageHeaders: overrides.internetMessageHeaders ?? [],
    },
    {
      conversationId: orig.conversationId,
      internetMessageHeaders: [
        ...(overrides.internetMessageHeaders ?? []),
        { name: "In-Reply-To", value: orig.internetMessageId },
        { name: "References", value: orig.internetMessageId },
      ],
    },
  );
}

/**
 * A message in MIME format (sendMail, or POST /messages to make a draft), read as Exchange reads
 * it: recipients, subject, text, attachments (an attached email becomes an item attachment) and
 * every header, its Message-ID kept.
 */
async function mimeMessage(mb: MailboxRow, body: Buffer): Promise<Outgoing> {
  const text = body.toString("latin1").replace(/\s+/g, "");
  if (!text || !/^[A-Za-z0-9+/]+=*$/.test(text)) throw new GraphError(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.");
  const parsed = await simpleParser(Buffer.from(text, "base64"));
  const headers = headersOf(parsed).filter(
    (h) => !["to", "bcc", "cc", "subject", "mime-version", "content-type", "content-transfer-encoding", "message-id"].includes(h.name.toLowerCase()),
  );
  const out = outgoing(
    mb,
    {
      subject: parsed.subject ?? "",
      body: { contentType: "text", content: parsed.text ?? "" },
      toRecipients: recipients(parsed.to),
      ccRecipients: recipients(parsed.cc),
      bccRecipients: recipients(parsed.bcc),
    },
    { internetMessageHeaders: headers, ...(parsed.messageId ? { internetMessageId: parsed.messageId } : {}) },
  );
  out.attachments = parsed.attachments.map((a) => ({ name: a.filename ?? "attachment", contentType: a.contentType, isInline: false, bytes: a.content }));
  return out;
}

const isMime = (req: { headers: Record<string, string | string[] | undefined> }) =>
  String(req.headers["content-type"] ?? "")
    .toLowerCase()
    .startsWith("text/plain");

/** DELETE and permanentDelete: the message is gone (removeRow). */
function removeMessage(ctx: Ctx, [u, id]: string[]): { status: number } {
  const mb = resolveMailbox(ctx, u!);
  removeRow(ctx.db, messageRow(ctx.db, mb.id, id!));
  return { status: 204 };
}

export const messageRoutes: Route[] = [
  route(
    "GET",
    "/users/{}/messages/{}",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      const select = selectOf(req.query);
      return {
        status: 200,
        body: messageJson(ctx.db, messageRow(ctx.db, mb.id, id!), {
          ...(select ? { select } : {}),
          expandAttachments: attachmentExpand(req.query),
          base: ctx.base,
          immutable: prefersImmutableIds(req),
        }),
      };
    },
    { mailbox: true },
  ),

  route(
    "PATCH",
    "/users/{}/messages/{}",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      return { status: 200, body: patchMessage(ctx, messageRow(ctx.db, mb.id, id!), parseJson(req.body), prefersImmutableIds(req)) };
    },
    { mailbox: true },
  ),

  // A draft: from Graph's JSON, or from MIME (base64, Content-Type: text/plain).
  route(
    "POST",
    "/users/{}/messages",
    async (ctx, [u], req) => {
      const mb = resolveMailbox(ctx, u!);
      const out = isMime(req) ? await mimeMessage(mb, req.body) : outgoing(mb, parseJson(req.body) ?? {});
      return { status: 201, body: storeDraft(ctx, mb, out, prefersImmutableIds(req)) };
    },
    { mailbox: true },
  ),

  // Deleted (from the folder it is in; a delta query reports it removed).
  route("DELETE", "/users/{}/messages/{}", removeMessage, { mailbox: true }),

  // Purged: gone from every folder Outlook shows ("message: permanentDelete", 204 No Content),
  // https://learn.microsoft.com/graph/api/message-permanentdelete. What retention and erasure use.
  route("POST", "/users/{}/messages/{}/permanentDelete", removeMessage, { mailbox: true }),

  route(
    "POST",
    "/users/{}/messages/{}/send",
    (ctx, [u, id]) => {
      const mb = resolveMailbox(ctx, u!);
      sendDraft(ctx, mb, messageRow(ctx.db, mb.id, id!));
      return { status: 202 };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/messages/{}/move",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      const body = parseJson(req.body);
      return { status: 201, body: moveMessage(ctx, mb, messageRow(ctx.db, mb.id, id!), body?.destinationId, prefersImmutableIds(req)) };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/messages/{}/reply",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      deliver(ctx, mb, replyTo(mb, messageRow(ctx.db, mb.id, id!), parseJson(req.body)), "new");
      return { status: 202 };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/messages/{}/createReply",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      return { status: 201, body: storeDraft(ctx, mb, replyTo(mb, messageRow(ctx.db, mb.id, id!), parseJson(req.body) ?? {}), prefersImmutableIds(req)) };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/messages/{}/attachments",
    (ctx, [u, id]) => {
      const mb = resolveMailbox(ctx, u!);
      const row = messageRow(ctx.db, mb.id, id!);
      return { status: 200, body: { value: attachmentsOf(ctx.db, row.id).map((a) => attachmentJson(a, true)) } };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/messages/{}/attachments",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      return { status: 201, body: addAttachmentTo(ctx, messageRow(ctx.db, mb.id, id!), parseJson(req.body)) };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/messages/{}/attachments/{}",
    (ctx, [u, id, aid]) => {
      const a = attachmentAt(ctx, u!, id!, aid!);
      return { status: 200, body: attachmentJson(a, true) };
    },
    { mailbox: true },
  ),

  // The raw contents of a file attachment, or the MIME of an item attachment; a link has none.
  route(
    "GET",
    "/users/{}/messages/{}/attachments/{}/$value",
    (ctx, [u, id, aid]) => {
      const a = attachmentAt(ctx, u!, id!, aid!);
      if (a.kind === "reference") throw new GraphError(400, "ErrorInvalidRequest", "A reference attachment has no content to get.");
      return {
        status: 200,
        headers: { "content-type": a.kind === "item" ? "message/rfc822" : a.contentType, "content-length": String(a.bytes.length) },
        raw: a.bytes,
      };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/sendMail",
    async (ctx, [u], req) => {
      const mb = resolveMailbox(ctx, u!);
      // MIME format: the request body is the message's MIME, base64-encoded, as text/plain; its
      // headers go out as written (the x- rule is JSON's) and it is saved to Sent Items.
      if (isMime(req)) {
        deliver(ctx, mb, await mimeMessage(mb, req.body), "new");
        return { status: 202 };
      }
      const body = parseJson(req.body);
      if (!body?.message) throw new GraphError(400, "ErrorInvalidRequest", "The message property is required.");
      transmit(ctx, mb, body.message, body.saveToSentItems !== false);
      return { status: 202 };
    },
    { mailbox: true },
  ),
];
