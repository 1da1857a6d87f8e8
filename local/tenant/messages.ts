/**
 * Messages as Graph v1.0 exposes them: read (with attachments), change, move (a new immutable id
 * unless asked to keep it), reply (with the product's marker headers), their attachments, and
 * sendMail.
 */
import { randomBytes } from "node:crypto";
import { simpleParser } from "mailparser";
import { headersOf, recipients } from "./parsedMail.js";
import {
  newId,
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
} from "./mail.js";
import { GraphError, parseJson, prefers, selectOf } from "./http.js";
import { nextSeq } from "./db.js";
import type { Ctx } from "./context.js";
import type { Route } from "./context.js";
import { route } from "./context.js";

function patchMessage(ctx: Ctx, row: MessageRow, body: any): Record<string, unknown> {
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
  return messageJson(ctx.db, { ...row, data: JSON.stringify(updated) }, { base: ctx.base });
}

function moveMessage(ctx: Ctx, mailbox: MailboxRow, row: MessageRow, destinationId: unknown, immutable: boolean): Record<string, unknown> {
  if (typeof destinationId !== "string") throw new GraphError(400, "ErrorInvalidRequest", "The destinationId property is required.");
  const dest = requireFolder(ctx.db, mailbox.id, destinationId);
  const { db } = ctx;
  // Graph gives a moved message a new id unless the caller asked for immutable ids.
  const newMessageId = immutable ? row.id : newId();
  db.transaction(() => {
    db.prepare("INSERT INTO tombstones (folderId, messageId, seq) VALUES (?, ?, ?)").run(row.folderId, row.id, nextSeq(db));
    const m = JSON.parse(row.data) as StoredMessage;
    m.changeKey = randomBytes(12).toString("base64url");
    db.prepare("UPDATE messages SET id = ?, folderId = ?, seq = ?, data = ? WHERE id = ?").run(newMessageId, dest.id, nextSeq(db), JSON.stringify(m), row.id);
    db.prepare("UPDATE attachments SET messageId = ? WHERE messageId = ?").run(newMessageId, row.id);
  })();
  return messageJson(db, messageRow(db, mailbox.id, newMessageId), { base: ctx.base });
}

function replyTo(ctx: Ctx, mailbox: MailboxRow, row: MessageRow, body: any): void {
  const orig = JSON.parse(row.data) as StoredMessage;
  const comment = typeof body?.comment === "string" ? body.comment : "";
  const overrides = body?.message ?? {};
  const to: Recipient[] = overrides.toRecipients ?? (orig.replyTo.length ? orig.replyTo : [orig.from]);
  const quoted = `${comment}\n\n-----Original Message-----\nFrom: ${orig.from.emailAddress.address}\nSent: ${orig.sentDateTime}\nSubject: ${orig.subject}\n\n${orig.bodyPreview}`;
  transmit(
    ctx,
    mailbox,
    {
      subject: /^re:/i.test(orig.subject) ? orig.subject : `RE: ${orig.subject}`,
      body: overrides.body ?? { contentType: "text", content: quoted },
      toRecipients: to,
      ccRecipients: overrides.ccRecipients ?? [],
      internetMessageHeaders: overrides.internetMessageHeaders ?? [],
    },
    true,
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

/** A sendMail request in MIME format, read as Exchange reads it: recipients, subject, text and every header. */
async function mimeMessage(body: Buffer) {
  const text = body.toString("latin1").replace(/\s+/g, "");
  if (!text || !/^[A-Za-z0-9+/]+=*$/.test(text)) throw new GraphError(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.");
  const parsed = await simpleParser(Buffer.from(text, "base64"));
  const headers = headersOf(parsed).filter(
    (h) => !["to", "bcc", "cc", "subject", "mime-version", "content-type", "content-transfer-encoding", "message-id"].includes(h.name.toLowerCase()),
  );
  return {
    message: {
      subject: parsed.subject ?? "",
      body: { contentType: "text", content: parsed.text ?? "" },
      toRecipients: recipients(parsed.to),
      ccRecipients: recipients(parsed.cc),
      bccRecipients: recipients(parsed.bcc),
    },
    headers,
    internetMessageId: parsed.messageId,
  };
}

/** Sends a MIME message: its own headers kept, its Message-ID used, saved to Sent Items. */
function transmitMime(ctx: Ctx, mb: MailboxRow, m: Awaited<ReturnType<typeof mimeMessage>>): void {
  transmit(ctx, mb, m.message, true, { internetMessageHeaders: m.headers, ...(m.internetMessageId ? { internetMessageId: m.internetMessageId } : {}) });
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
      return { status: 200, body: patchMessage(ctx, messageRow(ctx.db, mb.id, id!), parseJson(req.body)) };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/messages/{}/move",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      const body = parseJson(req.body);
      return { status: 201, body: moveMessage(ctx, mb, messageRow(ctx.db, mb.id, id!), body?.destinationId, prefers(req, 'IdType="ImmutableId"')) };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/messages/{}/reply",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      replyTo(ctx, mb, messageRow(ctx.db, mb.id, id!), parseJson(req.body));
      return { status: 202 };
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
    "GET",
    "/users/{}/messages/{}/attachments/{}",
    (ctx, [u, id, aid]) => {
      const a = attachmentAt(ctx, u!, id!, aid!);
      return { status: 200, body: attachmentJson(a, true) };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/messages/{}/attachments/{}/$value",
    (ctx, [u, id, aid]) => {
      const a = attachmentAt(ctx, u!, id!, aid!);
      return { status: 200, headers: { "content-type": a.contentType, "content-length": String(a.bytes.length) }, raw: a.bytes };
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
      if (
        String(req.headers["content-type"] ?? "")
          .toLowerCase()
          .startsWith("text/plain")
      ) {
        transmitMime(ctx, mb, await mimeMessage(req.body));
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
