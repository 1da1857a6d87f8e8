/** SharePoint sites, lists and list items, as Graph v1.0 exposes them. */
import { randomUUID } from "node:crypto";
import type { Ctx, Route, TenantRequest } from "./context.js";
import { route } from "./context.js";
import type { Db } from "./db.js";
import type { Statement } from "better-sqlite3";
import { b64url, GraphError, maxPageSize, parseJson, prefers, unb64url, type Reply } from "./http.js";

export interface ColumnDef {
  name: string;
  displayName?: string;
  indexed?: boolean;
  enforceUniqueValues?: boolean;
  required?: boolean;
  text?: Record<string, unknown>;
  number?: Record<string, unknown>;
  dateTime?: Record<string, unknown>;
  boolean?: Record<string, unknown>;
  choice?: { choices: string[] };
  currency?: Record<string, unknown>;
}

interface ListData {
  id: string;
  displayName: string;
  description: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  columns: (ColumnDef & { id: string })[];
  template: string;
  /** SharePoint's built-in Title column starts unindexed; PATCH its columnDefinition to index it. */
  titleIndexed?: boolean;
  /** Title enforces unique values (SharePoint allows it once Title is indexed). */
  titleUnique?: boolean;
}

/** The built-in Title column's well-known field id (the same in every SharePoint list). */
const TITLE_ID = "fa564e0f-0c70-4ab9-b863-0177e6ddd247";

const BUILT_IN = ["Title", "Created", "Modified", "id", "ContentType", "Attachments", "Edit", "LinkTitle", "_UIVersionString"];
const KINDS = ["text", "number", "dateTime", "boolean", "choice", "currency"] as const;

export function ensureSite(db: Db, hostname: string, path: string, displayName: string): string {
  const row = db.prepare("SELECT id FROM sites WHERE hostname = ? AND path = ?").get(hostname, path) as { id: string } | undefined;
  if (row) return row.id;
  const id = `${hostname},${randomUUID()},${randomUUID()}`;
  const now = new Date().toISOString();
  db.prepare("INSERT INTO sites (id, hostname, path, data) VALUES (?, ?, ?, ?)").run(
    id,
    hostname,
    path,
    JSON.stringify({
      id,
      displayName,
      name: path.split("/").pop(),
      webUrl: `https://${hostname}${path}`,
      createdDateTime: now,
      lastModifiedDateTime: now,
      siteCollection: { hostname },
    }),
  );
  return id;
}

export function site(db: Db, idOrPath: string): { id: string; data: any } {
  const key = decodeURIComponent(idOrPath);
  let row = db.prepare("SELECT id, data FROM sites WHERE id = ?").get(key) as { id: string; data: string } | undefined;
  const m = /^([^:]+):(\/.*?):?$/.exec(key);
  if (!row && m)
    row = db.prepare("SELECT id, data FROM sites WHERE hostname = ? AND path = ? COLLATE NOCASE").get(m[1], m[2]!.replace(/\/$/, "")) as typeof row;
  if (!row) throw new GraphError(404, "itemNotFound", "Requested site could not be found");
  return { id: row.id, data: JSON.parse(row.data) };
}

export interface ListRow {
  id: string;
  siteId: string;
  displayName: string;
  data: string;
  nextItemId: number;
}

export function list(db: Db, siteId: string, idOrName: string): ListRow {
  const key = decodeURIComponent(idOrName);
  const row = db.prepare("SELECT * FROM lists WHERE siteId = ? AND (id = ? OR displayName = ?)").get(siteId, key, key) as ListRow | undefined;
  if (!row) throw new GraphError(404, "itemNotFound", "The specified list was not found");
  return row;
}

function listJson(ctx: Ctx, siteId: string, row: ListRow, expandColumns: boolean): Record<string, unknown> {
  const d = JSON.parse(row.data) as ListData;
  const s = site(ctx.db, siteId).data;
  return {
    "@odata.etag": `"${d.id},${d.columns.length}"`,
    id: d.id,
    name: d.displayName,
    displayName: d.displayName,
    description: d.description,
    createdDateTime: d.createdDateTime,
    lastModifiedDateTime: d.lastModifiedDateTime,
    webUrl: `${s.webUrl}/Lists/${encodeURIComponent(d.displayName)}`,
    list: { contentTypesEnabled: false, hidden: false, template: d.template },
    ...(expandColumns
      ? {
          columns: [
            { id: TITLE_ID, name: "Title", displayName: "Title", indexed: Boolean(d.titleIndexed), enforceUniqueValues: Boolean(d.titleUnique), text: {} },
            ...d.columns.map(columnJson),
          ],
        }
      : {}),
  };
}

function columnJson(c: ColumnDef & { id: string }): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    displayName: c.displayName ?? c.name,
    indexed: Boolean(c.indexed),
    enforceUniqueValues: Boolean(c.enforceUniqueValues),
    required: Boolean(c.required),
    ...Object.fromEntries(KINDS.filter((k) => c[k] !== undefined).map((k) => [k, c[k]])),
  };
}

function checkColumn(c: any, at: string): ColumnDef {
  if (typeof c?.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.name))
    throw new GraphError(400, "invalidRequest", `${at}: a column needs a name of letters, digits and underscores.`);
  const kinds = KINDS.filter((k) => c[k] !== undefined);
  if (kinds.length !== 1) throw new GraphError(400, "invalidRequest", `${at}: column ${c.name} must have exactly one type facet (${KINDS.join(", ")}).`);
  if (c.enforceUniqueValues && !c.indexed) throw new GraphError(400, "invalidRequest", `${at}: column ${c.name} must be indexed to enforce unique values.`);
  if (BUILT_IN.includes(c.name)) throw new GraphError(409, "nameAlreadyExists", `A field with the name ${c.name} already exists in the list.`);
  return c as ColumnDef;
}

function validateValue(col: (ColumnDef & { id: string }) | undefined, name: string, value: unknown): unknown {
  if (name === "Title") {
    if (value !== null && typeof value !== "string") throw new GraphError(400, "invalidRequest", "Title must be text.");
    return value;
  }
  if (!col) throw new GraphError(400, "invalidRequest", `Field '${name}' is not recognized`);
  if (value === null) return null;
  const bad = () => new GraphError(400, "invalidRequest", `The value for field '${name}' is not valid for its type.`);
  if (col.text !== undefined && typeof value !== "string") throw bad();
  if ((col.number !== undefined || col.currency !== undefined) && (typeof value !== "number" || !Number.isFinite(value))) throw bad();
  if (col.boolean !== undefined && typeof value !== "boolean") throw bad();
  if (col.dateTime !== undefined && (typeof value !== "string" || Number.isNaN(Date.parse(value)))) throw bad();
  if (col.dateTime !== undefined) return new Date(value as string).toISOString().replace(/\.\d{3}Z$/, "Z");
  if (col.choice !== undefined && (typeof value !== "string" || !col.choice.choices.includes(value))) throw bad();
  return value;
}

interface ItemRow {
  listId: string;
  id: number;
  version: number;
  etagGuid: string;
  created: string;
  modified: string;
  fields: string;
}

const etagOf = (r: ItemRow) => `"${r.etagGuid},${r.version}"`;

function fieldsJson(r: ItemRow, select?: string[]): Record<string, unknown> {
  const f = JSON.parse(r.fields) as Record<string, unknown>;
  const all: Record<string, unknown> = { "@odata.etag": etagOf(r), id: String(r.id), ...f, Created: r.created, Modified: r.modified };
  if (!select) return all;
  return Object.fromEntries(Object.entries(all).filter(([k]) => k === "@odata.etag" || select.includes(k)));
}

function itemJson(ctx: Ctx, siteId: string, l: ListRow, r: ItemRow, expandFields: false | string[] | true): Record<string, unknown> {
  const d = JSON.parse(l.data) as ListData;
  return {
    "@odata.etag": etagOf(r),
    id: String(r.id),
    createdDateTime: r.created,
    lastModifiedDateTime: r.modified,
    eTag: etagOf(r),
    webUrl: `${site(ctx.db, siteId).data.webUrl}/Lists/${encodeURIComponent(d.displayName)}/${r.id}_.000`,
    contentType: { id: "0x0100", name: "Item" },
    parentReference: { id: d.id, siteId },
    ...(expandFields ? { fields: fieldsJson(r, expandFields === true ? undefined : expandFields) } : {}),
  };
}

/** $expand=fields or fields($select=a,b) */
function expandOf(q: URLSearchParams): false | true | string[] {
  const e = q.get("$expand") ?? q.get("expand");
  if (!e) return false;
  const m = /^fields(?:\(\$?select=([^)]*)\))?$/i.exec(e.trim());
  if (!m) throw new GraphError(400, "invalidRequest", `Unsupported $expand: ${e}`);
  return m[1] ? m[1].split(",").map((s) => s.trim()) : true;
}

type Cond = { field: string; op: "eq" | "ne" | "lt" | "le" | "gt" | "ge"; value: string | number | boolean | null };

/**
 * A filter's clauses, split on `and` outside string literals (a value such as 'Cardinal Road Infant
 * and Nursery School' is one value, as OData reads it). Linear: one pass, a quote toggles (two
 * quotes, OData's escaped quote, toggle twice).
 */
function clauses(filter: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === "'") quoted = !quoted;
    else if (!quoted && /\s/.test(filter[i]!) && filter.slice(i + 1, i + 4).toLowerCase() === "and" && /\s/.test(filter[i + 4] ?? "")) {
      out.push(filter.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  out.push(filter.slice(start));
  return out;
}

/** fields/X eq 'v' [and fields/Y lt 3 ...]: the filters the product uses. */
function parseFilter(filter: string): Cond[] {
  const parts = clauses(filter);
  return parts.map((p) => {
    const m = /^\s*fields\/([A-Za-z_][A-Za-z0-9_]*)\s+(eq|ne|lt|le|gt|ge)\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false|null)\s*$/i.exec(p);
    if (!m) throw new GraphError(400, "invalidRequest", `Invalid filter clause: ${p.trim()}`);
    const raw = m[3]!;
    const value = raw.startsWith("'")
      ? raw.slice(1, -1).replace(/''/g, "'")
      : raw === "true"
        ? true
        : raw === "false"
          ? false
          : raw === "null"
            ? null
            : Number(raw);
    return { field: m[1]!, op: m[2]!.toLowerCase() as Cond["op"], value };
  });
}

function matches(fields: Record<string, unknown>, c: Cond): boolean {
  const v = fields[c.field] ?? null;
  switch (c.op) {
    case "eq":
      return v === c.value;
    case "ne":
      return v !== c.value;
    default: {
      if (v === null || c.value === null) return false;
      const [a, b] = [v as string | number, c.value as string | number];
      return c.op === "lt" ? a < b : c.op === "le" ? a <= b : c.op === "gt" ? a > b : a >= b;
    }
  }
}

/**
 * A list's items after `after`, in id order, narrowed in SQLite (json_extract, in C) to those whose
 * field equals a text or number value: a filtered query or a unique check on a long list stays
 * cheap, as SharePoint's indexes keep it. Other values are not narrowed; callers still match each
 * row, so the narrowing changes no answer.
 */
function itemsWhereEqual(ctx: Ctx, listId: string, eqs: { field: string; value: unknown }[], after = 0): ItemRow[] {
  const narrow = eqs.filter((c) => (typeof c.value === "string" || typeof c.value === "number") && /^[A-Za-z_][A-Za-z0-9_]*$/.test(c.field));
  for (const c of narrow) fieldIndex(ctx.db, c.field);
  // Named, or SQLite (with no statistics) walks the whole list by its primary key for ORDER BY id.
  const indexed = narrow[0] ? ` INDEXED BY items_field_${narrow[0].field}` : "";
  const sql = `SELECT * FROM items${indexed} WHERE listId = ? AND id > ?${narrow.map((c) => ` AND json_extract(fields, '$.${c.field}') = ?`).join("")} ORDER BY id`;
  return statement(ctx.db, sql).all(listId, after, ...narrow.map((c) => c.value as string | number)) as ItemRow[];
}

/**
 * An SQLite index on a field of the items' JSON, made the first time a query asks by that field:
 * without it every look-up read every item of the list, so the tenant (not the product) slowed as
 * a burst filled the list. What SharePoint allows is decided by checkThreshold, not by this.
 */
const fieldIndexes = new WeakMap<Db, Set<string>>();
function fieldIndex(db: Db, field: string): void {
  let made = fieldIndexes.get(db);
  if (!made) fieldIndexes.set(db, (made = new Set()));
  if (made.has(field)) return;
  db.exec(`CREATE INDEX IF NOT EXISTS items_field_${field} ON items(listId, json_extract(fields, '$.${field}'))`);
  made.add(field);
}

const statements = new WeakMap<Db, Map<string, Statement>>();
function statement(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let st = cache.get(sql);
  if (!st) cache.set(sql, (st = db.prepare(sql)));
  return st;
}

/** SharePoint's list view threshold. */
export const LIST_VIEW_THRESHOLD = 5000;

/**
 * The list view threshold, as SharePoint Online applies it to a filtered query: on a list of more
 * than 5,000 items, the first clause of the filter (on an indexed column) must match at most 5,000
 * of them, whatever the other clauses and $top narrow it to afterwards. SharePoint answers
 * SPQueryThrottledException ("Manage large lists and libraries", support.microsoft.com; the error
 * as SharePoint/sp-dev-docs #6826 and pnp/pnpjs #3149 show it). Through Graph the same query has
 * been reported answered 429 (microsoftgraph/msgraph-sdk-dotnet #827); this tenant answers 500 with
 * SharePoint's error, so a product that retried 429s is not sent round for ever here.
 */
function checkThreshold(ctx: Ctx, l: ListRow, conds: Cond[]): void {
  const first = conds[0];
  if (!first) return;
  const total = (ctx.db.prepare("SELECT count(*) AS n FROM items WHERE listId = ?").get(l.id) as { n: number }).n;
  if (total <= LIST_VIEW_THRESHOLD) return;
  const op = { eq: "=", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" }[first.op];
  const matched =
    first.value === null
      ? total
      : (
          ctx.db
            .prepare(`SELECT count(*) AS n FROM items WHERE listId = ? AND json_extract(fields, ?) ${op} ?`)
            .get(l.id, `$.${first.field}`, typeof first.value === "boolean" ? Number(first.value) : first.value) as { n: number }
        ).n;
  if (matched > LIST_VIEW_THRESHOLD)
    throw new GraphError(
      500,
      "-2147024860, Microsoft.SharePoint.SPQueryThrottledException",
      "The attempted operation is prohibited because it exceeds the list view threshold.",
    );
}

function listItems(ctx: Ctx, siteId: string, l: ListRow, req: TenantRequest, path: string): Reply {
  const d = JSON.parse(l.data) as ListData;
  const expand = expandOf(req.query);
  const filter = req.query.get("$filter") ?? req.query.get("filter");
  const conds = filter ? parseFilter(filter) : [];
  for (const c of conds) {
    const col = d.columns.find((x) => x.name === c.field);
    // A dateTime column compares instants, as SharePoint does: the value as the column stores it.
    if (col?.dateTime !== undefined && typeof c.value === "string" && !Number.isNaN(Date.parse(c.value)))
      c.value = new Date(c.value).toISOString().replace(/\.\d{3}Z$/, "Z");
    if (!col && c.field !== "Title") throw new GraphError(400, "invalidRequest", `Field '${c.field}' is not recognized`);
    const indexed = c.field === "Title" ? Boolean(d.titleIndexed) : Boolean(col?.indexed);
    if (!indexed && !prefers(req, "HonorNonIndexedQueriesWarningMayFailRandomly")) {
      throw new GraphError(
        400,
        "invalidRequest",
        `Field '${c.field}' cannot be referenced in filter or orderby as it is not indexed. Provide the 'Prefer: HonorNonIndexedQueriesWarningMayFailRandomly' header to allow this, but be warned that such queries may fail on large lists.`,
      );
    }
  }
  checkThreshold(ctx, l, conds);
  const top = Number(req.query.get("$top") ?? req.query.get("top") ?? maxPageSize(req, 200));
  if (!Number.isInteger(top) || top < 1) throw new GraphError(400, "invalidRequest", "$top must be a positive whole number.");
  const token = req.query.get("$skiptoken");
  const after = token ? unb64url<{ after: number }>(token, "skip token").after : 0;
  const rows = itemsWhereEqual(
    ctx,
    l.id,
    conds.filter((c) => c.op === "eq"),
    after,
  ).filter((r) => {
    const f = { ...JSON.parse(r.fields), id: String(r.id) };
    return conds.every((c) => matches(f, c));
  });
  const page = rows.slice(0, top);
  const body: Record<string, unknown> = { value: page.map((r) => itemJson(ctx, siteId, l, r, expand)) };
  if (rows.length > top) {
    const q = new URLSearchParams(req.query);
    q.set("$skiptoken", b64url({ after: page[page.length - 1]!.id }));
    body["@odata.nextLink"] = `${ctx.base}/v1.0${path}?${q}`;
  }
  return { status: 200, body };
}

function checkUnique(ctx: Ctx, l: ListRow, fields: Record<string, unknown>, exceptId?: number): void {
  const d = JSON.parse(l.data) as ListData;
  const unique = [...(d.titleUnique ? [{ name: "Title" }] : []), ...d.columns.filter((x) => x.enforceUniqueValues)];
  for (const c of unique) {
    const v = fields[c.name];
    if (v === undefined || v === null) continue;
    const clash = itemsWhereEqual(ctx, l.id, [{ field: c.name, value: v }]).find((r) => r.id !== exceptId && JSON.parse(r.fields)[c.name] === v);
    if (clash)
      throw new GraphError(
        409,
        "nameAlreadyExists",
        `The list item could not be added or updated because duplicate values were found in the following field(s) in the list: [${c.name}].`,
      );
  }
}

export const sharePointRoutes: Route[] = [
  route("GET", "/sites/{}", (ctx, [s]) => ({ status: 200, body: site(ctx.db, s!).data })),

  route("GET", "/sites/{}/lists", (ctx, [s], req) => {
    const st = site(ctx.db, s!);
    let rows = ctx.db.prepare("SELECT * FROM lists WHERE siteId = ? ORDER BY displayName").all(st.id) as ListRow[];
    const f = req.query.get("$filter");
    if (f) {
      const m = /^displayName\s+eq\s+'((?:[^']|'')*)'$/i.exec(f.trim());
      if (!m) throw new GraphError(400, "invalidRequest", `Invalid filter clause: ${f}`);
      rows = rows.filter((r) => r.displayName.toLowerCase() === m[1]!.replace(/''/g, "'").toLowerCase());
    }
    return { status: 200, body: { value: rows.map((r) => listJson(ctx, st.id, r, (req.query.get("$expand") ?? "") === "columns")) } };
  }),

  route("POST", "/sites/{}/lists", (ctx, [s], req) => {
    const st = site(ctx.db, s!);
    const b = parseJson(req.body) ?? {};
    if (typeof b.displayName !== "string" || !b.displayName.trim()) throw new GraphError(400, "invalidRequest", "displayName is required.");
    const cols = (b.columns ?? []).map((c: unknown, i: number) => ({ ...checkColumn(c, `columns[${i}]`), id: randomUUID() }));
    const names = new Set<string>();
    for (const c of cols) {
      if (names.has(c.name)) throw new GraphError(409, "nameAlreadyExists", `A field with the name ${c.name} already exists in the list.`);
      names.add(c.name);
    }
    if (ctx.db.prepare("SELECT 1 FROM lists WHERE siteId = ? AND displayName = ?").get(st.id, b.displayName)) {
      throw new GraphError(
        409,
        "nameAlreadyExists",
        "A list, survey, discussion board, or document library with the specified title already exists in this Web site.  Please choose another title.",
      );
    }
    const now = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const data: ListData = {
      id: randomUUID(),
      displayName: b.displayName,
      description: b.description ?? "",
      createdDateTime: now,
      lastModifiedDateTime: now,
      columns: cols,
      template: b.list?.template ?? "genericList",
    };
    ctx.db.prepare("INSERT INTO lists (id, siteId, displayName, data) VALUES (?, ?, ?, ?)").run(data.id, st.id, data.displayName, JSON.stringify(data));
    return { status: 201, body: listJson(ctx, st.id, list(ctx.db, st.id, data.id), true) };
  }),

  route("GET", "/sites/{}/lists/{}", (ctx, [s, l], req) => {
    const st = site(ctx.db, s!);
    return { status: 200, body: listJson(ctx, st.id, list(ctx.db, st.id, l!), (req.query.get("$expand") ?? "") === "columns") };
  }),

  route("GET", "/sites/{}/lists/{}/columns", (ctx, [s, l]) => {
    const st = site(ctx.db, s!);
    return { status: 200, body: { value: listJson(ctx, st.id, list(ctx.db, st.id, l!), true).columns as unknown[] } };
  }),

  route("POST", "/sites/{}/lists/{}/columns", (ctx, [s, l], req) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    const d = JSON.parse(row.data) as ListData;
    const c = { ...checkColumn(parseJson(req.body), "column"), id: randomUUID() };
    if (d.columns.some((x) => x.name === c.name)) throw new GraphError(409, "nameAlreadyExists", `A field with the name ${c.name} already exists in the list.`);
    d.columns.push(c);
    ctx.db.prepare("UPDATE lists SET data = ? WHERE id = ?").run(JSON.stringify(d), row.id);
    return { status: 201, body: columnJson(c) };
  }),

  // Update columnDefinition: `indexed` and `enforceUniqueValues` (what Cluster Desk changes);
  // other properties are refused. As in SharePoint, unique values need an index.
  route("PATCH", "/sites/{}/lists/{}/columns/{}", (ctx, [s, l, c], req) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    const d = JSON.parse(row.data) as ListData;
    const b = parseJson(req.body) as Record<string, unknown>;
    const other = Object.keys(b).filter((k) => k !== "indexed" && k !== "enforceUniqueValues" && k !== "choice");
    if (other.length)
      throw new GraphError(400, "invalidRequest", `The local tenant updates only 'indexed', 'enforceUniqueValues' and 'choice', not ${other.join(", ")}`);
    for (const k of ["indexed", "enforceUniqueValues"] as const) {
      if (k in b && typeof b[k] !== "boolean") throw new GraphError(400, "invalidRequest", `'${k}' must be true or false`);
    }
    const id = decodeURIComponent(c!);
    const isTitle = id === TITLE_ID || id === "Title";
    const col = isTitle ? undefined : d.columns.find((x) => x.id === id || x.name === id);
    if (!isTitle && !col) throw new GraphError(404, "itemNotFound", "The specified column was not found");
    const indexed = typeof b.indexed === "boolean" ? b.indexed : isTitle ? Boolean(d.titleIndexed) : Boolean(col!.indexed);
    const unique = typeof b.enforceUniqueValues === "boolean" ? b.enforceUniqueValues : isTitle ? Boolean(d.titleUnique) : Boolean(col!.enforceUniqueValues);
    if (unique && !indexed) throw new GraphError(400, "invalidRequest", "A column must be indexed to enforce unique values.");
    if ("choice" in b) {
      // A choice column's choices can be changed (Graph: update columnDefinition, choiceColumn).
      const choices = (b.choice as { choices?: unknown } | null)?.choices;
      if (isTitle || !col?.choice) throw new GraphError(400, "invalidRequest", "Only a choice column has choices");
      if (!Array.isArray(choices) || !choices.every((x) => typeof x === "string"))
        throw new GraphError(400, "invalidRequest", "'choice.choices' must be a list of strings");
      col.choice = { choices: choices };
    }
    if (isTitle) {
      d.titleIndexed = indexed;
      d.titleUnique = unique;
    } else {
      col!.indexed = indexed;
      col!.enforceUniqueValues = unique;
    }
    ctx.db.prepare("UPDATE lists SET data = ? WHERE id = ?").run(JSON.stringify(d), row.id);
    return {
      status: 200,
      body: (listJson(ctx, st.id, { ...row, data: JSON.stringify(d) }, true).columns as { id: string; name: string }[]).find(
        (x) => x.id === id || x.name === id,
      ),
    };
  }),

  route("GET", "/sites/{}/lists/{}/items", (ctx, [s, l], req) => {
    const st = site(ctx.db, s!);
    return listItems(ctx, st.id, list(ctx.db, st.id, l!), req, `/sites/${s}/lists/${l}/items`);
  }),

  route("POST", "/sites/{}/lists/{}/items", (ctx, [s, l], req) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    const d = JSON.parse(row.data) as ListData;
    const b = parseJson(req.body) ?? {};
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(b.fields ?? {}))
      fields[k] = validateValue(
        d.columns.find((c) => c.name === k),
        k,
        v,
      );
    for (const c of d.columns.filter((x) => x.required)) {
      if (fields[c.name] === undefined || fields[c.name] === null) throw new GraphError(400, "invalidRequest", `Field '${c.name}' is required.`);
    }
    const now = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const created = ctx.db.transaction(() => {
      checkUnique(ctx, row, fields);
      const id = (ctx.db.prepare("SELECT nextItemId FROM lists WHERE id = ?").get(row.id) as { nextItemId: number }).nextItemId;
      ctx.db.prepare("UPDATE lists SET nextItemId = ? WHERE id = ?").run(id + 1, row.id);
      ctx.db
        .prepare("INSERT INTO items (listId, id, version, etagGuid, created, modified, fields) VALUES (?, ?, 1, ?, ?, ?, ?)")
        .run(row.id, id, randomUUID(), now, now, JSON.stringify(fields));
      return ctx.db.prepare("SELECT * FROM items WHERE listId = ? AND id = ?").get(row.id, id) as ItemRow;
    })();
    return { status: 201, body: itemJson(ctx, st.id, row, created, true) };
  }),

  route("GET", "/sites/{}/lists/{}/items/{}", (ctx, [s, l, i], req) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    const it = ctx.db.prepare("SELECT * FROM items WHERE listId = ? AND id = ?").get(row.id, Number(i)) as ItemRow | undefined;
    if (!it) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    return { status: 200, body: itemJson(ctx, st.id, row, it, expandOf(req.query)) };
  }),

  route("GET", "/sites/{}/lists/{}/items/{}/fields", (ctx, [s, l, i]) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    const it = ctx.db.prepare("SELECT * FROM items WHERE listId = ? AND id = ?").get(row.id, Number(i)) as ItemRow | undefined;
    if (!it) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    return { status: 200, body: fieldsJson(it) };
  }),

  route("PATCH", "/sites/{}/lists/{}/items/{}/fields", (ctx, [s, l, i], req) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    const d = JSON.parse(row.data) as ListData;
    const b = parseJson(req.body) ?? {};
    const ifMatch = req.headers["if-match"] as string | undefined;
    return ctx.db.transaction((): Reply => {
      const it = ctx.db.prepare("SELECT * FROM items WHERE listId = ? AND id = ?").get(row.id, Number(i)) as ItemRow | undefined;
      if (!it) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
      if (ifMatch && ifMatch !== "*" && ifMatch.replace(/^W\//, "") !== etagOf(it)) {
        throw new GraphError(412, "resourceModified", "The resource has changed since the caller last read it; usually an eTag mismatch");
      }
      const fields = JSON.parse(it.fields) as Record<string, unknown>;
      for (const [k, v] of Object.entries(b)) {
        if (k.startsWith("@odata")) continue;
        fields[k] = validateValue(
          d.columns.find((c) => c.name === k),
          k,
          v,
        );
      }
      checkUnique(ctx, row, fields, it.id);
      const now = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
      ctx.db
        .prepare("UPDATE items SET fields = ?, version = version + 1, modified = ? WHERE listId = ? AND id = ?")
        .run(JSON.stringify(fields), now, row.id, it.id);
      const updated = ctx.db.prepare("SELECT * FROM items WHERE listId = ? AND id = ?").get(row.id, it.id) as ItemRow;
      return { status: 200, body: fieldsJson(updated) };
    })();
  }),

  route("DELETE", "/sites/{}/lists/{}/items/{}", (ctx, [s, l, i], req) => {
    const st = site(ctx.db, s!);
    const row = list(ctx.db, st.id, l!);
    const it = ctx.db.prepare("SELECT * FROM items WHERE listId = ? AND id = ?").get(row.id, Number(i)) as ItemRow | undefined;
    if (!it) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    const ifMatch = req.headers["if-match"] as string | undefined;
    if (ifMatch && ifMatch !== "*" && ifMatch !== etagOf(it))
      throw new GraphError(412, "resourceModified", "The resource has changed since the caller last read it; usually an eTag mismatch");
    ctx.db.prepare("DELETE FROM items WHERE listId = ? AND id = ?").run(row.id, it.id);
    return { status: 204 };
  }),
];
