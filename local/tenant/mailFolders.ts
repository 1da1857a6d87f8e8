/**
 * Mail folders as Graph v1.0 exposes them: the mailbox, its folders and child folders (found by
 * name, created, 409 on a name in use), the messages in a folder, and the folder's delta query
 * (pages, tokens that expire with 410 SyncStateNotFound).
 */
import {
  deltaGeneration,
  newId,
  type MailboxRow,
  resolveMailbox,
  type FolderRow,
  requireFolder,
  folderJson,
  type MessageRow,
  messageJson,
  shownId,
  attachmentExpand,
} from "./mail.js";
import { b64url, GraphError, maxPageSize, parseJson, prefersImmutableIds, project, selectOf, unb64url, type Reply } from "./http.js";
import { getMeta } from "./db.js";
import type { Ctx, TenantRequest } from "./context.js";
import type { Route } from "./context.js";
import { route } from "./context.js";

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

/** $filter=internetMessageId eq '<...>' (a filterable message property): the one message filter the product uses. */
function messageIdFilter(filter: string | null): string | null {
  if (!filter) return null;
  const m = /^internetMessageId\s+eq\s+'((?:[^']|'')*)'$/i.exec(filter.trim());
  if (!m) throw new GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
  return m[1]!.replace(/''/g, "'");
}

/** A page of messages, newest first: of one folder, or (`folderId` null) of the whole mailbox. */
function listMessages(ctx: Ctx, u: string, folderId: string | null, req: TenantRequest, path: string): Reply {
  const mb = resolveMailbox(ctx, u);
  const top = Math.min(1000, Number(req.query.get("$top") ?? 10));
  const skip = Number(req.query.get("$skip") ?? 0);
  const select = selectOf(req.query);
  const byMessageId = messageIdFilter(req.query.get("$filter"));
  const rows = ctx.db
    .prepare(
      `SELECT * FROM messages WHERE ${folderId !== null ? "folderId = ?" : "mailbox = ?"}${byMessageId !== null ? " AND json_extract(data, '$.internetMessageId') = ?" : ""} ORDER BY json_extract(data, '$.receivedDateTime') DESC, seq DESC LIMIT ? OFFSET ?`,
    )
    .all(folderId ?? mb.id, ...(byMessageId !== null ? [byMessageId] : []), top + 1, skip) as MessageRow[];
  const immutable = prefersImmutableIds(req);
  const body: Record<string, unknown> = {
    value: rows
      .slice(0, top)
      .map((r) => messageJson(ctx.db, r, { ...(select ? { select } : {}), base: ctx.base, immutable, expandAttachments: attachmentExpand(req.query) })),
  };
  if (rows.length > top) {
    const q = new URLSearchParams(req.query);
    q.set("$skip", String(skip + top));
    body["@odata.nextLink"] = `${ctx.base}/v1.0${path}?${q}`;
  }
  return { status: 200, body };
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
  /** The first request asked for immutable ids (the rest of the round and later rounds give the same kind). */
  imm?: boolean;
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
      "SELECT messageId AS id, max(restId) AS restId, max(seq) AS seq FROM tombstones t WHERE folderId = ? AND seq > ? AND seq <= ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = t.messageId AND m.folderId = t.folderId) GROUP BY messageId ORDER BY seq LIMIT ?",
    )
    .all(folder.id, after, upTo, pageSize + 1) as { id: string; restId: string; seq: number }[];
  const immutable = Boolean(state.imm);
  const merged = [
    ...changed.map((r) => ({ seq: r.seq, value: messageJson(db, r, { ...(select ? { select } : {}), base: ctx.base, immutable }) })),
    ...removed.map((r) => ({ seq: r.seq, value: { "@odata.type": "#microsoft.graph.message", id: shownId(r, immutable), "@removed": { reason: "deleted" } } })),
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
    const next: DeltaState = { f: folder.id, since: upTo, gen: generation, ...(state.sel ? { sel: state.sel } : {}), ...(state.imm ? { imm: true } : {}) };
    body["@odata.deltaLink"] = `${link}?$deltatoken=${b64url(next)}`;
  }
  return { status: 200, body };
}

// ---- routes -------------------------------------------------------------------------------

export const mailFolderRoutes: Route[] = [
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
    (ctx, [u, f], req) => listMessages(ctx, u!, requireFolder(ctx.db, resolveMailbox(ctx, u!).id, f!).id, req, `/users/${u}/mailFolders/${f}/messages`),
    { mailbox: true },
  ),

  // Every folder's messages (Deleted Items and the Outbox too): "List messages",
  // https://learn.microsoft.com/graph/api/user-list-messages.
  route("GET", "/users/{}/messages", (ctx, [u], req) => listMessages(ctx, u!, null, req, `/users/${u}/messages`), { mailbox: true }),

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
      // Each request says which ids it wants ("this header only applies to the request it is included with").
      state.imm = prefersImmutableIds(req);
      return deltaPage(ctx, mb, folder, state, pageSize, path);
    },
    { mailbox: true },
  ),
];
