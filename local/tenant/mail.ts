/**
 * Exchange Online mail for the local tenant: the store behind the mail routes (mailFolders.ts,
 * messages.ts) and the SMTP ingress. Mailboxes, well-known folders, messages with their
 * attachments, delivery (storeMessage) and sending (transmit), and messages as Graph v1.0 shows them.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "./db.js";
import { getMeta, nextSeq } from "./db.js";
import type { Ctx, TenantRequest } from "./context.js";
import { GraphError, project } from "./http.js";
import { dueMessages, holdMessage, type ReleaseCtx } from "./sending.js";

/** Bumped by the admin endpoint to make every delta token expire (410 SyncStateNotFound). */
export function deltaGeneration(db: Db): number {
  return Number(getMeta(db, "deltaGeneration") ?? 0);
}

export const WELL_KNOWN = ["msgfolderroot", "inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox"] as const;
const WELL_KNOWN_NAMES: Record<string, string> = {
  msgfolderroot: "Top of Information Store",
  inbox: "Inbox",
  sentitems: "Sent Items",
  deleteditems: "Deleted Items",
  drafts: "Drafts",
  junkemail: "Junk Email",
  outbox: "Outbox",
};

export function newId(prefix = "AAMk"): string {
  return prefix + randomBytes(24).toString("base64url");
}

/**
 * A message has two ids, as in Exchange: its immutable id (the row's key: it never changes while
 * the message stays in the mailbox) and its regular id, which changes whenever it moves. A response
 * gives the immutable one only to a request that asks (`Prefer: IdType="ImmutableId"`, or a
 * subscription created with it); either id finds the message.
 * https://learn.microsoft.com/graph/outlook-immutable-id
 */
export const IMMUTABLE_PREFIX = "AAkALg";
export const newRestId = () => newId("AAMk");

export interface Recipient {
  emailAddress: { name?: string; address: string };
}

export interface StoredMessage {
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  categories: string[];
  receivedDateTime: string;
  sentDateTime: string;
  hasAttachments: boolean;
  internetMessageId: string;
  subject: string;
  bodyPreview: string;
  importance: "low" | "normal" | "high";
  conversationId: string;
  isRead: boolean;
  isDraft: boolean;
  inferenceClassification: "focused" | "other";
  body: { contentType: "text" | "html"; content: string };
  sender: Recipient;
  from: Recipient;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  flag: { flagStatus: "notFlagged" | "flagged" | "complete" };
  internetMessageHeaders: { name: string; value: string }[];
  /** Set on meeting requests. */
  meetingMessageType?: string;
  "@odata.type"?: string;
}

export interface NewAttachment {
  name: string;
  contentType: string;
  isInline?: boolean;
  contentId?: string;
  bytes: Buffer;
  /**
   * file (fileAttachment), item (itemAttachment: an attached email, whose bytes are its MIME; a
   * message/rfc822 part becomes one, as Exchange stores it) or reference (referenceAttachment: a
   * link to a OneDrive or SharePoint file, no bytes).
   */
  kind?: "file" | "item" | "reference";
  sourceUrl?: string;
}

// ---- mailboxes and folders ----------------------------------------------------------------

export function ensureMailbox(db: Db, address: string, displayName: string): string {
  const existing = db.prepare("SELECT id FROM mailboxes WHERE address = ?").get(address) as { id: string } | undefined;
  const id = existing?.id ?? crypto.randomUUID();
  const root = existing
    ? (db.prepare("SELECT id FROM folders WHERE mailbox = ? AND wellKnownName = 'msgfolderroot'").get(id) as { id: string }).id
    : newId("AAMkRoot");
  if (!existing) {
    db.prepare("INSERT INTO mailboxes (id, address, displayName) VALUES (?, ?, ?)").run(id, address, displayName);
    db.prepare("INSERT INTO folders (id, mailbox, parentId, displayName, wellKnownName) VALUES (?, ?, NULL, ?, 'msgfolderroot')").run(
      root,
      id,
      WELL_KNOWN_NAMES.msgfolderroot,
    );
  }
  // A data folder from before a well-known folder was modelled (the Outbox) gets it.
  for (const wk of WELL_KNOWN.filter((w) => w !== "msgfolderroot" && !folderById(db, id, w))) {
    db.prepare("INSERT INTO folders (id, mailbox, parentId, displayName, wellKnownName) VALUES (?, ?, ?, ?, ?)").run(
      newId("AAMkF"),
      id,
      root,
      WELL_KNOWN_NAMES[wk],
      wk,
    );
  }
  return id;
}

export interface MailboxRow {
  id: string;
  address: string;
  displayName: string;
}

export function mailboxByAddress(db: Db, address: string): MailboxRow | undefined {
  return db.prepare("SELECT * FROM mailboxes WHERE address = ?").get(address) as MailboxRow | undefined;
}

/** /users/{id | userPrincipalName}: the mailbox, if the calling app may use it. */
export function resolveMailbox(ctx: Ctx, user: string): MailboxRow {
  const key = decodeURIComponent(user);
  const row = ctx.db.prepare("SELECT * FROM mailboxes WHERE id = ? OR address = ?").get(key, key) as MailboxRow | undefined;
  if (!row) throw new GraphError(404, "ErrorInvalidUser", `The requested user '${key}' is invalid.`);
  const scope = ctx.app.mailboxes;
  if (scope !== "*" && !scope.some((a) => a.toLowerCase() === row.address.toLowerCase())) {
    throw new GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  }
  return row;
}

export interface FolderRow {
  id: string;
  mailbox: string;
  parentId: string | null;
  displayName: string;
  wellKnownName: string | null;
}

export function folderById(db: Db, mailboxId: string, idOrWellKnown: string): FolderRow | undefined {
  const key = decodeURIComponent(idOrWellKnown).replace(/^\('?|'?\)$/g, "");
  return db.prepare("SELECT * FROM folders WHERE mailbox = ? AND (id = ? OR wellKnownName = lower(?))").get(mailboxId, key, key) as FolderRow | undefined;
}

export function requireFolder(db: Db, mailboxId: string, idOrWellKnown: string): FolderRow {
  const f = folderById(db, mailboxId, idOrWellKnown);
  if (!f) throw new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return f;
}

export function folderJson(db: Db, f: FolderRow): Record<string, unknown> {
  const counts = db.prepare("SELECT count(*) AS total, sum(json_extract(data, '$.isRead') = 0) AS unread FROM messages WHERE folderId = ?").get(f.id) as {
    total: number;
    unread: number | null;
  };
  const children = db.prepare("SELECT count(*) AS n FROM folders WHERE parentId = ?").get(f.id) as { n: number };
  return {
    id: f.id,
    displayName: f.displayName,
    parentFolderId: f.parentId,
    childFolderCount: children.n,
    unreadItemCount: counts.unread ?? 0,
    totalItemCount: counts.total,
    sizeInBytes: 0,
    isHidden: false,
  };
}

export interface MessageRow {
  /** The immutable id. */
  id: string;
  /** The regular id (changes on a move). */
  restId: string;
  mailbox: string;
  folderId: string;
  seq: number;
  data: string;
}

/** The id a response shows: the immutable one when the request asked for it. */
export const shownId = (row: Pick<MessageRow, "id" | "restId">, immutable: boolean | undefined) => (immutable || !row.restId ? row.id : row.restId);

/** A message leaves its folder: a tombstone for the folder's delta query (with both its ids). */
export function tombstone(db: Db, row: MessageRow): void {
  db.prepare("INSERT INTO tombstones (folderId, messageId, seq, restId) VALUES (?, ?, ?, ?)").run(row.folderId, row.id, nextSeq(db), row.restId);
}

/**
 * A message moves to another folder (a move, or a sent draft to Sent Items): it keeps its
 * immutable id, gets a new regular id and a new change key, and the folder it left is told.
 */
export function relocate(db: Db, row: MessageRow, folderId: string, data: StoredMessage): void {
  db.transaction(() => {
    tombstone(db, row);
    db.prepare("UPDATE messages SET restId = ?, folderId = ?, seq = ?, data = ? WHERE id = ?").run(
      newRestId(),
      folderId,
      nextSeq(db),
      JSON.stringify({ ...data, changeKey: randomBytes(12).toString("base64url") }),
      row.id,
    );
  })();
}

export function messageRow(db: Db, mailboxId: string, id: string): MessageRow {
  const key = decodeURIComponent(id);
  const row = db.prepare("SELECT * FROM messages WHERE mailbox = ? AND (id = ? OR restId = ?)").get(mailboxId, key, key) as MessageRow | undefined;
  if (!row) throw new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return row;
}

/** $expand=attachments or attachments($select=name,size): false, true (everything) or the properties. */
export function attachmentExpand(q: URLSearchParams): false | true | Set<string> {
  for (const part of (q.get("$expand") ?? "").split(/,(?![^(]*\))/)) {
    const m = /^\s*attachments(?:\(\$select=([^)]*)\))?\s*$/i.exec(part);
    if (m) return m[1] ? new Set(m[1].split(",").map((x) => x.trim())) : true;
    if (part.trim()) throw new GraphError(400, "BadRequest", `Unsupported $expand: ${part.trim()}`);
  }
  return false;
}

export function messageJson(
  db: Db,
  row: MessageRow,
  opts: { select?: Set<string>; expandAttachments?: boolean | Set<string>; base?: string; immutable?: boolean } = {},
): Record<string, unknown> {
  const m = JSON.parse(row.data) as StoredMessage;
  const { internetMessageHeaders, changeKey, ...rest } = m;
  const out: Record<string, unknown> = {
    "@odata.etag": `W/"${changeKey}"`,
    id: shownId(row, opts.immutable),
    ...rest,
    changeKey,
    parentFolderId: row.folderId,
    webLink: `${opts.base ?? ""}/?mailbox=${encodeURIComponent(row.mailbox)}&message=${encodeURIComponent(row.id)}`,
  };
  // Graph returns internetMessageHeaders only when they are selected.
  if (opts.select?.has("internetMessageHeaders")) out.internetMessageHeaders = internetMessageHeaders;
  const projected = project(out, opts.select);
  if (opts.expandAttachments === true) projected.attachments = attachmentsOf(db, row.id).map((a) => attachmentJson(a, true));
  else if (opts.expandAttachments) {
    // With $select, Graph leaves out contentBytes unless it is selected.
    const sel = opts.expandAttachments;
    projected.attachments = attachmentsOf(db, row.id).map((a) => project(attachmentJson(a, sel.has("contentBytes")), sel, ["@odata.type", "id"]));
  }
  return projected;
}

interface AttachmentRow {
  id: string;
  messageId: string;
  name: string;
  contentType: string;
  size: number;
  isInline: number;
  contentId: string | null;
  bytes: Buffer;
  kind: "file" | "item" | "reference";
  sourceUrl: string | null;
}

/** What kind an attachment is stored as: an attached email (message/rfc822) is an item attachment. */
export const attachmentKind = (a: NewAttachment) => a.kind ?? (/^message\/rfc822\b/i.test(a.contentType) ? "item" : "file");

export function attachmentsOf(db: Db, messageId: string): AttachmentRow[] {
  return db.prepare("SELECT * FROM attachments WHERE messageId = ? ORDER BY rowid").all(messageId) as AttachmentRow[];
}

/** One attachment of one message in a mailbox, by the ids in the URL; 404 as Graph answers. */
export function attachmentAt(ctx: Ctx, mailbox: string, messageId: string, attachmentId: string) {
  const row = messageRow(ctx.db, resolveMailbox(ctx, mailbox).id, messageId);
  const a = attachmentsOf(ctx.db, row.id).find((x) => x.id === decodeURIComponent(attachmentId));
  if (!a) throw new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return a;
}

/**
 * An attachment as Graph v1.0 shows it: a fileAttachment carries its bytes (contentBytes); an
 * itemAttachment (an attached email) and a referenceAttachment (a link) have none, and no content
 * type (https://learn.microsoft.com/graph/api/resources/itemattachment,
 * https://learn.microsoft.com/graph/api/resources/referenceattachment).
 */
export function attachmentJson(a: AttachmentRow, withBytes: boolean): Record<string, unknown> {
  if (a.kind === "item" || a.kind === "reference")
    return {
      "@odata.type": a.kind === "item" ? "#microsoft.graph.itemAttachment" : "#microsoft.graph.referenceAttachment",
      id: a.id,
      lastModifiedDateTime: null,
      name: a.name,
      contentType: null,
      size: a.size,
      isInline: false,
    };
  return {
    "@odata.type": "#microsoft.graph.fileAttachment",
    "@odata.mediaContentType": a.contentType,
    id: a.id,
    lastModifiedDateTime: null,
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline === 1,
    contentId: a.contentId,
    contentLocation: null,
    ...(withBytes ? { contentBytes: a.bytes.toString("base64") } : {}),
  };
}

function preview(body: { contentType: string; content: string }): string {
  const text = body.contentType === "html" ? body.content.replace(/<style[\s\S]*?<\/style>|<[^>]+>/gi, " ").replace(/&nbsp;/g, " ") : body.content;
  return text.replace(/\s+/g, " ").trim().slice(0, 255);
}

export function addAttachment(db: Db, messageId: string, a: NewAttachment): string {
  const id = newId("AAMkA");
  db.prepare(
    "INSERT INTO attachments (id, messageId, name, contentType, size, isInline, contentId, bytes, kind, sourceUrl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(id, messageId, a.name, a.contentType, a.bytes.length, a.isInline ? 1 : 0, a.contentId ?? null, a.bytes, attachmentKind(a), a.sourceUrl ?? null);
  return id;
}

/** Puts a message into a mailbox folder; tells subscribers. Used by SMTP, delivery and sendMail. */
export function storeMessage(
  ctx: Pick<Ctx, "db" | "now" | "events">,
  mailboxId: string,
  folderWellKnownOrId: string,
  msg: Partial<StoredMessage> & { subject: string; from: Recipient; body: StoredMessage["body"] },
  attachments: NewAttachment[] = [],
): string {
  const { db } = ctx;
  const folder = requireFolder(db, mailboxId, folderWellKnownOrId);
  const nowIso = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const id = newId(IMMUTABLE_PREFIX);
  const stored: StoredMessage = {
    createdDateTime: nowIso,
    lastModifiedDateTime: nowIso,
    changeKey: randomBytes(12).toString("base64url"),
    categories: [],
    receivedDateTime: nowIso,
    sentDateTime: nowIso,
    hasAttachments: attachments.some((a) => !a.isInline),
    internetMessageId: `<${randomBytes(12).toString("hex")}@local.tenant>`,
    bodyPreview: preview(msg.body),
    importance: "normal",
    conversationId: newId("AAQk"),
    isRead: false,
    isDraft: false,
    inferenceClassification: "focused",
    sender: msg.from,
    toRecipients: [],
    ccRecipients: [],
    bccRecipients: [],
    replyTo: [],
    flag: { flagStatus: "notFlagged" },
    internetMessageHeaders: [],
    ...msg,
  };
  db.transaction(() => {
    db.prepare("INSERT INTO messages (id, restId, mailbox, folderId, seq, data) VALUES (?, ?, ?, ?, ?, ?)").run(
      id,
      newRestId(),
      mailboxId,
      folder.id,
      nextSeq(db),
      JSON.stringify(stored),
    );
    for (const a of attachments) addAttachment(db, id, a);
  })();
  ctx.events.messageCreated(mailboxId, folder.id, id);
  return id;
}

/** A message to send, as Graph's JSON gives it, checked as Exchange checks it (recipients; x- headers only). */
export function outgoing(fromMailbox: MailboxRow, message: any, extra: Partial<StoredMessage> = {}): Outgoing {
  const to: Recipient[] = message?.toRecipients ?? [];
  const cc: Recipient[] = message?.ccRecipients ?? [];
  const bcc: Recipient[] = message?.bccRecipients ?? [];
  const body =
    message?.body?.content !== undefined
      ? { contentType: message.body.contentType === "html" ? "html" : "text", content: String(message.body.content) }
      : { contentType: "text", content: "" };
  const headers: { name: string; value: string }[] = message?.internetMessageHeaders ?? [];
  for (const h of headers) {
    if (!/^x-/i.test(h.name))
      throw new GraphError(400, "InvalidInternetMessageHeader", `The internet message header name '${h.name}' should start with 'x-' or 'X-'.`);
  }
  const from: Recipient = { emailAddress: { name: fromMailbox.displayName, address: fromMailbox.address } };
  const attachments: NewAttachment[] = (message?.attachments ?? []).map((a: any) => ({
    name: String(a.name ?? "attachment"),
    contentType: String(a.contentType ?? "application/octet-stream"),
    isInline: Boolean(a.isInline),
    bytes: Buffer.from(String(a.contentBytes ?? ""), "base64"),
  }));
  return {
    message: {
      subject: String(message?.subject ?? ""),
      body: body as StoredMessage["body"],
      from,
      sender: from,
      toRecipients: to,
      ccRecipients: cc,
      bccRecipients: bcc,
      replyTo: message?.replyTo ?? [],
      internetMessageId: `<${randomBytes(12).toString("hex")}@local.tenant>`,
      internetMessageHeaders: headers,
      isRead: false,
      ...extra,
    },
    attachments,
  };
}

export interface Outgoing {
  message: Partial<StoredMessage> & { subject: string; from: Recipient; body: StoredMessage["body"]; toRecipients: Recipient[] };
  attachments: NewAttachment[];
}

/**
 * Sends: delivery to tenant mailboxes, the rest to the outbox, and the sender's copy in Sent Items
 * ("new": a new message; a draft's row: the draft itself, which keeps its immutable id and gets a
 * new regular id; "none": no copy). Exchange keeps no internet message headers on the Sent Items
 * copy (microsoftgraph/microsoft-graph-docs #12726, #2716, #18761): they are dropped here too.
 * Past the mailbox's message rate (sending.ts), the message waits in the Outbox, sent, for a later
 * minute.
 */
export function deliver(ctx: Ctx, fromMailbox: MailboxRow, out: Outgoing, sentCopy: "new" | "none" | MessageRow): void {
  const { toRecipients: to, ccRecipients: cc = [], bccRecipients: bcc = [] } = out.message;
  const all = [...to, ...cc, ...bcc];
  if (!all.length)
    throw new GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.");
  for (const r of all) {
    if (typeof r?.emailAddress?.address !== "string" || !/^[^@\s]+@[^@\s]+$/.test(r.emailAddress.address)) {
      throw new GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.");
    }
  }
  const at = ctx.sending?.slot(fromMailbox.id, ctx.now()) ?? ctx.now();
  if (at <= ctx.now()) return sendNow(ctx, fromMailbox, out, sentCopy);
  const sent = { ...out.message, isDraft: false };
  let id: string;
  if (sentCopy === "new" || sentCopy === "none") id = storeMessage(ctx, fromMailbox.id, "outbox", sent, out.attachments);
  else {
    relocate(ctx.db, sentCopy, requireFolder(ctx.db, fromMailbox.id, "outbox").id, { ...(JSON.parse(sentCopy.data) as StoredMessage), isDraft: false });
    id = sentCopy.id;
  }
  holdMessage(ctx.db, id, fromMailbox.id, at, sentCopy !== "none");
}

/** Sends the messages held in the Outbox whose minute has come (sending.ts). */
export function releaseHeld(ctx: ReleaseCtx): void {
  for (const h of dueMessages(ctx.db, ctx.now())) {
    const row = ctx.db.prepare("SELECT * FROM messages WHERE id = ?").get(h.messageId) as MessageRow | undefined;
    const mailbox = ctx.db.prepare("SELECT * FROM mailboxes WHERE id = ?").get(h.mailbox) as MailboxRow | undefined;
    if (!row || !mailbox) continue; // deleted from the Outbox before it went: not sent
    sendNow(ctx, mailbox, outgoingOf(ctx.db, row), h.keepCopy ? row : "none");
    if (!h.keepCopy) removeRow(ctx.db, row);
  }
}

/** A message gone from its folder (a delta query reports it removed), with its attachments. */
export function removeRow(db: Db, row: MessageRow): void {
  db.transaction(() => {
    tombstone(db, row);
    db.prepare("DELETE FROM attachments WHERE messageId = ?").run(row.id);
    db.prepare("DELETE FROM messages WHERE id = ?").run(row.id);
  })();
}

/** A stored message (a draft, or one waiting in the Outbox) as a message to send. */
export function outgoingOf(db: Db, row: MessageRow): Outgoing {
  const m = JSON.parse(row.data) as StoredMessage;
  const attachments = attachmentsOf(db, row.id).map((a) => ({
    name: a.name,
    contentType: a.contentType,
    isInline: a.isInline === 1,
    ...(a.contentId ? { contentId: a.contentId } : {}),
    bytes: a.bytes,
    kind: a.kind,
    ...(a.sourceUrl ? { sourceUrl: a.sourceUrl } : {}),
  }));
  return { message: { ...m, toRecipients: m.toRecipients ?? [] }, attachments };
}

function sendNow(ctx: ReleaseCtx, fromMailbox: MailboxRow, out: Outgoing, sentCopy: "new" | "none" | MessageRow): void {
  const { toRecipients: to, ccRecipients: cc = [], bccRecipients: bcc = [] } = out.message;
  const all = [...to, ...cc, ...bcc];
  const stored = { ...out.message, bccRecipients: [] as Recipient[], isDraft: false };
  const copy = { ...stored, bccRecipients: bcc, isRead: true, internetMessageHeaders: [] };
  if (sentCopy === "new") storeMessage(ctx, fromMailbox.id, "sentitems", copy, out.attachments);
  else if (sentCopy !== "none") {
    const sentItems = requireFolder(ctx.db, fromMailbox.id, "sentitems");
    const nowIso = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    relocate(ctx.db, sentCopy, sentItems.id, { ...(JSON.parse(sentCopy.data) as StoredMessage), ...copy, sentDateTime: nowIso, receivedDateTime: nowIso });
  }
  const sentAt = new Date(ctx.now()).toISOString();
  for (const r of all) {
    const target = mailboxByAddress(ctx.db, r.emailAddress.address);
    if (target) storeMessage(ctx, target.id, "inbox", stored, out.attachments);
    else {
      ctx.db
        .prepare("INSERT INTO outbox (fromAddress, toAddress, sentAt, data) VALUES (?, ?, ?, ?)")
        .run(
          fromMailbox.address,
          r.emailAddress.address,
          sentAt,
          JSON.stringify({ ...stored, attachments: out.attachments.map((a) => ({ name: a.name, contentType: a.contentType, size: a.bytes.length })) }),
        );
    }
  }
}

/** Sends a message given as Graph's JSON: a copy in Sent Items unless told not to. */
export function transmit(ctx: Ctx, fromMailbox: MailboxRow, message: any, saveToSentItems: boolean, extra: Partial<StoredMessage> = {}): void {
  deliver(ctx, fromMailbox, outgoing(fromMailbox, message, extra), saveToSentItems ? "new" : "none");
}

export type { TenantRequest };
