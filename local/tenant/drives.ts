/**
 * Document libraries as Graph v1.0 exposes them: a library is a list made with the
 * documentLibrary template, and its drive (GET /sites/{id}/lists/{id}/drive) holds files, put and
 * read by path (PUT|GET /drives/{id}/root:/{name}:/content). Files live in SQLite; webUrl opens
 * them from the tenant's own web view (/files/{drive}/{name}), as a SharePoint link would.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "./db.js";
import type { Ctx, Route } from "./context.js";
import { route } from "./context.js";
import { b64url, GraphError, unb64url } from "./http.js";
import { list, site, type ListRow } from "./sharepoint.js";

/** A drive's id names its library (Graph's are opaque "b!…" strings too). */
const driveIdOf = (l: ListRow) => `b!${b64url({ site: l.siteId, list: l.id })}`;

function libraryOf(db: Db, driveId: string): ListRow {
  if (!driveId.startsWith("b!")) throw new GraphError(404, "itemNotFound", "The drive cannot be found.");
  let ref: { site: string; list: string };
  try {
    ref = unb64url<{ site: string; list: string }>(driveId.slice(2), "drive id");
  } catch {
    throw new GraphError(404, "itemNotFound", "The drive cannot be found.");
  }
  const l = list(db, ref.site, ref.list);
  if (JSON.parse(l.data).template !== "documentLibrary") throw new GraphError(404, "itemNotFound", "The drive cannot be found.");
  return l;
}

/** A file name as Graph takes it in a path: one segment, none of SharePoint's refused characters. */
function fileName(raw: string): string {
  const name = decodeURIComponent(raw);
  if (!name || name.length > 400 || /["*:<>?/\\|#%]/.test(name) || name.startsWith(" ") || name.endsWith(".")) {
    throw new GraphError(400, "invalidRequest", "The provided name contains invalid characters or is too long.");
  }
  return name;
}

interface FileRow {
  driveId: string;
  name: string;
  contentType: string;
  content: Buffer;
  created: string;
  modified: string;
  id: string;
}

function itemJson(ctx: Ctx, f: FileRow): Record<string, unknown> {
  return {
    id: f.id,
    name: f.name,
    size: f.content.length,
    createdDateTime: f.created,
    lastModifiedDateTime: f.modified,
    webUrl: `${ctx.base}/files/${encodeURIComponent(f.driveId)}/${encodeURIComponent(f.name)}`,
    file: { mimeType: f.contentType },
    parentReference: { driveId: f.driveId, driveType: "documentLibrary", path: "/drive/root:" },
  };
}

/** The bytes of a file, for the web view's /files/{drive}/{name} (null if there is none). */
export function fileContent(db: Db, driveId: string, name: string): { contentType: string; content: Buffer } | null {
  return (db.prepare("SELECT contentType, content FROM files WHERE driveId = ? AND name = ?").get(driveId, name) as FileRow | undefined) ?? null;
}

export const driveRoutes: Route[] = [
  route("GET", "/sites/{}/lists/{}/drive", (ctx, [s, l]) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    if (JSON.parse(row.data).template !== "documentLibrary") throw new GraphError(404, "itemNotFound", "The list is not a document library.");
    return {
      status: 200,
      body: { id: driveIdOf(row), driveType: "documentLibrary", name: row.displayName, webUrl: `${st.data.webUrl}/${encodeURIComponent(row.displayName)}` },
    };
  }),

  route("PUT", "/drives/{}/root:/{}:/content", (ctx, [d, n], req) => {
    const l = libraryOf(ctx.db, decodeURIComponent(d!));
    const name = fileName(n!);
    // Graph's simple upload takes files up to 250 MB; bigger ones need an upload session.
    if (req.body.length > 250 * 1024 * 1024) throw new GraphError(413, "requestTooLarge", "Use an upload session for files over 250 MB.");
    const driveId = driveIdOf(l);
    const now = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const had = ctx.db.prepare("SELECT * FROM files WHERE driveId = ? AND name = ?").get(driveId, name) as FileRow | undefined;
    const type = String(req.headers["content-type"] ?? "application/octet-stream")
      .split(";")[0]!
      .trim();
    const row: FileRow = {
      driveId,
      name,
      contentType: type,
      content: req.body,
      created: had?.created ?? now,
      modified: now,
      id: had?.id ?? `01${randomUUID().replace(/-/g, "").toUpperCase()}`,
    };
    ctx.db
      .prepare(
        "INSERT INTO files (driveId, name, contentType, content, created, modified, id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(driveId, name) DO UPDATE SET contentType = excluded.contentType, content = excluded.content, modified = excluded.modified",
      )
      .run(row.driveId, row.name, row.contentType, row.content, row.created, row.modified, row.id);
    return { status: had ? 200 : 201, body: itemJson(ctx, row) };
  }),

  // Graph answers with 302 Found to a pre-authenticated download URL, not with the bytes
  // ("Download a file's contents", driveitem-get-content): here the web view's /files/ link.
  route("GET", "/drives/{}/root:/{}:/content", (ctx, [d, n]) => {
    const l = libraryOf(ctx.db, decodeURIComponent(d!));
    const name = fileName(n!);
    const f = fileContent(ctx.db, driveIdOf(l), name);
    if (!f) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    return { status: 302, headers: { location: `${ctx.base}/files/${encodeURIComponent(driveIdOf(l))}/${encodeURIComponent(name)}` }, raw: Buffer.alloc(0) };
  }),

  route("GET", "/drives/{}/root/children", (ctx, [d]) => {
    const l = libraryOf(ctx.db, decodeURIComponent(d!));
    const rows = ctx.db.prepare("SELECT * FROM files WHERE driveId = ? ORDER BY name").all(driveIdOf(l)) as FileRow[];
    return { status: 200, body: { value: rows.map((f) => itemJson(ctx, f)) } };
  }),
];
