/** Exchange Online mail, as Microsoft Graph v1.0 exposes it, for the calls Cluster Desk makes. */
import { randomBytes } from "node:crypto";
import type { Db } from "./db.js";
import { getMeta, nextSeq } from "./db.js";

/** Bumped by the admin endpoint to make every delta token expire (410 SyncStateNotFound). */
function deltaGeneration(db: Db): number {
  return Number(getMeta(db, "deltaGeneration") ?? 0);
}
import type { Ctx, Route, TenantRequest } from "./context.js";
import { route } from "./context.js";
import { b64url, GraphError, maxPageSize, parseJson, prefers, project, selectOf, unb64url, type Reply } from "./http.js";

export const WELL_KNOWN = ["msgfolderroot", "inbox", "sentitems", "deleteditems", "drafts", "junkemail"] as const;
const WELL_KNOWN_NAMES: Record<string, string> = {
  msgfolderroot: "Top of Information Store",
  inbox: "Inbox",
  sentitems: "Sent Items",
  deleteditems: "Deleted Items",
  drafts: "Drafts",
  junkemail: "Junk Email",
};

export function newId(prefix = "AAMk"): string {
  return prefix + randomBytes(24).toString("base64url");
}

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
}

// ---- mailboxes and folders ----------------------------------------------------------------

export function ensureMailbox(db: Db, address: string, displayName: string): string {
  const existing = db.prepare("SELECT id FROM mailboxes WHERE address = ?").get(address) as { id: string } | undefined;
  if (existing) return existing.id;
  const id = crypto.randomUUID();
  db.prepare("INSERT INTO mailboxes (id, address, displayName) VALUES (?, ?, ?)").run(id, address, displayName);
  const root = newId("AAMkRoot");
  db.prepare("INSERT INTO folders (id, mailbox, parentId, displayName, wellKnownName) VALUES (?, ?, NULL, ?, 'msgfolderroot')").run(
    root,
    id,
    WELL_KNOWN_NAMES.msgfolderroot,
  );
  for (const wk of WELL_KNOWN.filter((w) => w !== "msgfolderroot")) {
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

interface FolderRow {
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

function requireFolder(db: Db, mailboxId: string, idOrWellKnown: string): FolderRow {
  const f = folderById(db, mailboxId, idOrWellKnown);
  if (!f) throw new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return f;
}

function folderJson(db: Db, f: FolderRow): Record<string, unknown> {
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

function createFolder(ctx: Ctx, mailboxId: string, parentId: string | null, body: any): Reply {
  const name = body?.displayName;
  if (typeof name !== "string" || !name.trim()) throw new GraphError(400, "ErrorInvalidRequest", "The displayName property is required.");
  const parent =
    parentId ?? (ctx.db.prepare("SELECT id FROM folders WHERE mailbox = ? AND wellKnownName = 'msgfolderroot'").get(mailboxId) as { id: string }).id;
  const clash = ctx.db.prepare("SELECT id FROM folders WHERE mailbox = ? AND parentId = ? AND displayName = ? COLLATE NOCASE").get(mailboxId, parent, name);
  if (clash) throw new GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.");
  const id = newId("AAMkF");
  ctx.db.prepare("INSERT INTO folders (id, mailbox, parentId, displayName, wellKnownName) VALUES (?, ?, ?, ?, NULL)").run(id, mailboxId, parent, name);
  return {
    status: 201,
    body: {
      "@odata.context": `${ctx.base}/v1.0/$metadata#users('${mailboxId}')/mailFolders/$entity`,
      ...folderJson(ctx.db, requireFolder(ctx.db, mailboxId, id)),
    },
  };
}

/** $filter=displayName eq 'x' is the one folder filter the product uses. */
function filterFolders(rows: FolderRow[], filter: string | null): FolderRow[] {
  if (!filter) return rows;
  const m = /^displayName\s+eq\s+'((?:[^']|'')*)'$/i.exec(filter.trim());
  if (!m) throw new GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
  const want = m[1]!.replace(/''/g, "'").toLowerCase();
  return rows.filter((r) => r.displayName.toLowerCase() === want);
}

// ---- messages -----------------------------------------------------------------------------

interface MessageRow {
  id: string;
  mailbox: string;
  folderId: string;
  seq: number;
  data: string;
}

function messageRow(db: Db, mailboxId: string, id: string): MessageRow {
  const row = db.prepare("SELECT * FROM messages WHERE mailbox = ? AND id = ?").get(mailboxId, decodeURIComponent(id)) as MessageRow | undefined;
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
  opts: { select?: Set<string>; expandAttachments?: boolean | Set<string>; base?: string } = {},
): Record<string, unknown> {
  const m = JSON.parse(row.data) as StoredMessage;
  const { internetMessageHeaders, changeKey, ...rest } = m;
  const out: Record<string, unknown> = {
    "@odata.etag": `W/"${changeKey}"`,
    id: row.id,
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
}

function attachmentsOf(db: Db, messageId: string): AttachmentRow[] {
  return db.prepare("SELECT * FROM attachments WHERE messageId = ? ORDER BY rowid").all(messageId) as AttachmentRow[];
}

/** One attachment of one message in a mailbox, by the ids in the URL; 404 as Graph answers. */
function attachmentAt(ctx: Ctx, mailbox: string, messageId: string, attachmentId: string) {
  const row = messageRow(ctx.db, resolveMailbox(ctx, mailbox).id, messageId);
  const a = attachmentsOf(ctx.db, row.id).find((x) => x.id === decodeURIComponent(attachmentId));
  if (!a) throw new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return a;
}

function attachmentJson(a: AttachmentRow, withBytes: boolean): Record<string, unknown> {
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
  const id = newId();
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
    db.prepare("INSERT INTO messages (id, mailbox, folderId, seq, data) VALUES (?, ?, ?, ?, ?)").run(
      id,
      mailboxId,
      folder.id,
      nextSeq(db),
      JSON.stringify(stored),
    );
    for (const a of attachments) {
      db.prepare("INSERT INTO attachments (id, messageId, name, contentType, size, isInline, contentId, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
        newId("AAMkA"),
        id,
        a.name,
        a.contentType,
        a.bytes.length,
        a.isInline ? 1 : 0,
        a.contentId ?? null,
        a.bytes,
      );
    }
  })();
  ctx.events.messageCreated(mailboxId, folder.id, id);
  return id;
}

/** Sends: a copy in Sent Items (unless told not to), delivery to tenant mailboxes, the rest to the outbox. */
export function transmit(ctx: Ctx, fromMailbox: MailboxRow, message: any, saveToSentItems: boolean, extra: Partial<StoredMessage> = {}): void {
  const to: Recipient[] = message?.toRecipients ?? [];
  const cc: Recipient[] = message?.ccRecipients ?? [];
  const bcc: Recipient[] = message?.bccRecipients ?? [];
  const all = [...to, ...cc, ...bcc];
  if (!all.length)
    throw new GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.");
  for (const r of all) {
    if (typeof r?.emailAddress?.address !== "string" || !/^[^@\s]+@[^@\s]+$/.test(r.emailAddress.address)) {
      throw new GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.");
    }
  }
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
  const internetMessageId = `<${randomBytes(12).toString("hex")}@local.tenant>`;
  const attachments: NewAttachment[] = (message?.attachments ?? []).map((a: any) => ({
    name: String(a.name ?? "attachment"),
    contentType: String(a.contentType ?? "application/octet-stream"),
    isInline: Boolean(a.isInline),
    bytes: Buffer.from(String(a.contentBytes ?? ""), "base64"),
  }));
  const stored = {
    subject: String(message?.subject ?? ""),
    body: body as StoredMessage["body"],
    from,
    sender: from,
    toRecipients: to,
    ccRecipients: cc,
    bccRecipients: [] as Recipient[],
    replyTo: message?.replyTo ?? [],
    internetMessageId,
    internetMessageHeaders: headers,
    isRead: false,
    ...extra,
  };
  if (saveToSentItems) storeMessage(ctx, fromMailbox.id, "sentitems", { ...stored, bccRecipients: bcc, isRead: true }, attachments);
  const sentAt = new Date(ctx.now()).toISOString();
  for (const r of all) {
    const target = mailboxByAddress(ctx.db, r.emailAddress.address);
    if (target) storeMessage(ctx, target.id, "inbox", stored, attachments);
    else {
      ctx.db
        .prepare("INSERT INTO outbox (fromAddress, toAddress, sentAt, data) VALUES (?, ?, ?, ?)")
        .run(
          fromMailbox.address,
          r.emailAddress.address,
          sentAt,
          JSON.stringify({ ...stored, attachments: attachments.map((a) => ({ name: a.name, contentType: a.contentType, size: a.bytes.length })) }),
        );
    }
  }
}

// ---- delta --------------------------------------------------------------------------------

interface DeltaState {
  /** Folder the state belongs to. */
  f: string;
  /** Changes after this sequence number are new to the caller. */
  since: number;
  /** Paging inside one round: changes up to `upTo`, after `after`. */
  upTo?: number;
  after?: number;
  sel?: string;
  gen: number;
}

function deltaPage(ctx: Ctx, mailbox: MailboxRow, folder: FolderRow, state: DeltaState, pageSize: number, path: string): Reply {
  const { db } = ctx;
  const generation = deltaGeneration(db);
  if (state.gen !== generation) {
    throw new GraphError(410, "SyncStateNotFound", "The sync state generation was not found. Restart the synchronization without a token.");
  }
  // A round of paging sees the changes up to the moment it started, no later ones.
  const upTo = state.upTo ?? Number(getMeta(db, "seq") ?? 0);
  const after = state.after ?? state.since;
  const select = state.sel ? new Set(state.sel.split(",")) : undefined;
  const changed = db
    .prepare("SELECT * FROM messages WHERE folderId = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?")
    .all(folder.id, after, upTo, pageSize + 1) as MessageRow[];
  const removed = db
    .prepare(
      "SELECT messageId, max(seq) AS seq FROM tombstones t WHERE folderId = ? AND seq > ? AND seq <= ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = t.messageId AND m.folderId = t.folderId) GROUP BY messageId ORDER BY seq LIMIT ?",
    )
    .all(folder.id, after, upTo, pageSize + 1) as { messageId: string; seq: number }[];
  const merged = [
    ...changed.map((r) => ({ seq: r.seq, value: messageJson(db, r, { ...(select ? { select } : {}), base: ctx.base }) })),
    ...removed.map((r) => ({ seq: r.seq, value: { "@odata.type": "#microsoft.graph.message", id: r.messageId, "@removed": { reason: "deleted" } } })),
  ].sort((a, b) => a.seq - b.seq);
  const page = merged.slice(0, pageSize);
  const more = merged.length > pageSize;
  const link = `${ctx.base}/v1.0${path}`;
  const body: Record<string, unknown> = {
    "@odata.context": `${ctx.base}/v1.0/$metadata#Collection(message)`,
    value: page.map((p) => p.value),
  };
  if (more) {
    const last = page[page.length - 1]!.seq;
    body["@odata.nextLink"] = `${link}?$skiptoken=${b64url({ ...state, upTo, after: last })}`;
  } else {
    const next: DeltaState = { f: folder.id, since: upTo, gen: generation, ...(state.sel ? { sel: state.sel } : {}) };
    body["@odata.deltaLink"] = `${link}?$deltatoken=${b64url(next)}`;
  }
  return { status: 200, body };
}

// ---- routes -------------------------------------------------------------------------------

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

export const mailRoutes: Route[] = [
  route(
    "GET",
    "/users/{}",
    (ctx, [u]) => {
      const mb = resolveMailbox(ctx, u!);
      return { status: 200, body: { id: mb.id, displayName: mb.displayName, mail: mb.address, userPrincipalName: mb.address } };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/mailFolders",
    (ctx, [u], req) => {
      const mb = resolveMailbox(ctx, u!);
      const rows = ctx.db
        .prepare(
          "SELECT f.* FROM folders f JOIN folders r ON f.parentId = r.id WHERE f.mailbox = ? AND r.wellKnownName = 'msgfolderroot' ORDER BY f.displayName",
        )
        .all(mb.id) as FolderRow[];
      return { status: 200, body: { value: filterFolders(rows, req.query.get("$filter")).map((f) => folderJson(ctx.db, f)) } };
    },
    { mailbox: true },
  ),

  route("POST", "/users/{}/mailFolders", (ctx, [u], req) => createFolder(ctx, resolveMailbox(ctx, u!).id, null, parseJson(req.body)), { mailbox: true }),

  route(
    "GET",
    "/users/{}/mailFolders/{}",
    (ctx, [u, f], req) => {
      const mb = resolveMailbox(ctx, u!);
      return { status: 200, body: project(folderJson(ctx.db, requireFolder(ctx.db, mb.id, f!)), selectOf(req.query), ["id"]) };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/mailFolders/{}/childFolders",
    (ctx, [u, f], req) => {
      const mb = resolveMailbox(ctx, u!);
      const parent = requireFolder(ctx.db, mb.id, f!);
      const rows = ctx.db.prepare("SELECT * FROM folders WHERE parentId = ? ORDER BY displayName").all(parent.id) as FolderRow[];
      return { status: 200, body: { value: filterFolders(rows, req.query.get("$filter")).map((x) => folderJson(ctx.db, x)) } };
    },
    { mailbox: true },
  ),

  route(
    "POST",
    "/users/{}/mailFolders/{}/childFolders",
    (ctx, [u, f], req) => {
      const mb = resolveMailbox(ctx, u!);
      return createFolder(ctx, mb.id, requireFolder(ctx.db, mb.id, f!).id, parseJson(req.body));
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/mailFolders/{}/messages",
    (ctx, [u, f], req) => {
      const mb = resolveMailbox(ctx, u!);
      const folder = requireFolder(ctx.db, mb.id, f!);
      const top = Math.min(1000, Number(req.query.get("$top") ?? 10));
      const skip = Number(req.query.get("$skip") ?? 0);
      const select = selectOf(req.query);
      const rows = ctx.db
        .prepare("SELECT * FROM messages WHERE folderId = ? ORDER BY json_extract(data, '$.receivedDateTime') DESC, seq DESC LIMIT ? OFFSET ?")
        .all(folder.id, top + 1, skip) as MessageRow[];
      const body: Record<string, unknown> = { value: rows.slice(0, top).map((r) => messageJson(ctx.db, r, { ...(select ? { select } : {}), base: ctx.base })) };
      if (rows.length > top) {
        const q = new URLSearchParams(req.query);
        q.set("$skip", String(skip + top));
        body["@odata.nextLink"] = `${ctx.base}/v1.0/users/${u}/mailFolders/${f}/messages?${q}`;
      }
      return { status: 200, body };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/mailFolders/{}/messages/delta",
    (ctx, [u, f], req) => {
      const mb = resolveMailbox(ctx, u!);
      const folder = requireFolder(ctx.db, mb.id, f!);
      const path = `/users/${u}/mailFolders/${f}/messages/delta`;
      const pageSize = maxPageSize(req, 10);
      const skip = req.query.get("$skiptoken");
      const delta = req.query.get("$deltatoken");
      let state: DeltaState;
      if (skip || delta) {
        state = unb64url<DeltaState>((skip ?? delta)!, skip ? "skip token" : "delta token");
        if (state.f !== folder.id) throw new GraphError(400, "ErrorInvalidSyncStateData", "The sync state data is corrupt or otherwise invalid.");
        if (delta) {
          delete state.upTo;
          delete state.after;
        }
      } else {
        const generation = deltaGeneration(ctx.db);
        const sel = req.query.get("$select");
        state = { f: folder.id, since: 0, gen: generation, ...(sel ? { sel } : {}) };
      }
      return deltaPage(ctx, mb, folder, state, pageSize, path);
    },
    { mailbox: true },
  ),

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
    (ctx, [u], req) => {
      const mb = resolveMailbox(ctx, u!);
      const body = parseJson(req.body);
      if (!body?.message) throw new GraphError(400, "ErrorInvalidRequest", "The message property is required.");
      transmit(ctx, mb, body.message, body.saveToSentItems !== false);
      return { status: 202 };
    },
    { mailbox: true },
  ),
];

export type { MessageRow, FolderRow, TenantRequest };
