/** The local tenant's storage: one SQLite file under the data folder. */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export type Db = Database.Database;

export function openDb(dataDir: string | ":memory:"): Db {
  let db: Db;
  if (dataDir === ":memory:") db = new Database(":memory:");
  else {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(join(dataDir, "tenant.sqlite"));
    db.pragma("journal_mode = WAL");
  }
  db.pragma("foreign_keys = ON");
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS mailboxes (
      id TEXT PRIMARY KEY, address TEXT NOT NULL UNIQUE COLLATE NOCASE, displayName TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS folders (
      id TEXT PRIMARY KEY, mailbox TEXT NOT NULL REFERENCES mailboxes(id),
      parentId TEXT, displayName TEXT NOT NULL, wellKnownName TEXT);
    CREATE UNIQUE INDEX IF NOT EXISTS folders_name ON folders(mailbox, parentId, displayName COLLATE NOCASE);
    CREATE TABLE IF NOT EXISTS messages (
      id TEXT PRIMARY KEY, mailbox TEXT NOT NULL REFERENCES mailboxes(id), folderId TEXT NOT NULL,
      seq INTEGER NOT NULL, data TEXT NOT NULL, restId TEXT NOT NULL DEFAULT '');
    CREATE INDEX IF NOT EXISTS messages_folder ON messages(folderId, seq);
    CREATE TABLE IF NOT EXISTS tombstones (folderId TEXT NOT NULL, messageId TEXT NOT NULL, seq INTEGER NOT NULL, restId TEXT NOT NULL DEFAULT '');
    CREATE INDEX IF NOT EXISTS tombstones_folder ON tombstones(folderId, seq);
    CREATE TABLE IF NOT EXISTS attachments (
      id TEXT PRIMARY KEY, messageId TEXT NOT NULL, name TEXT NOT NULL, contentType TEXT NOT NULL,
      size INTEGER NOT NULL, isInline INTEGER NOT NULL, contentId TEXT, bytes BLOB NOT NULL,
      kind TEXT NOT NULL DEFAULT 'file', sourceUrl TEXT);
    CREATE INDEX IF NOT EXISTS attachments_message ON attachments(messageId);
    CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, fromAddress TEXT NOT NULL, toAddress TEXT NOT NULL,
      sentAt TEXT NOT NULL, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS held (
      messageId TEXT PRIMARY KEY, mailbox TEXT NOT NULL, releaseAt INTEGER NOT NULL, keepCopy INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, hostname TEXT NOT NULL, path TEXT NOT NULL, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS lists (
      id TEXT PRIMARY KEY, siteId TEXT NOT NULL, displayName TEXT NOT NULL COLLATE NOCASE,
      data TEXT NOT NULL, nextItemId INTEGER NOT NULL DEFAULT 1);
    CREATE UNIQUE INDEX IF NOT EXISTS lists_name ON lists(siteId, displayName);
    CREATE TABLE IF NOT EXISTS items (
      listId TEXT NOT NULL, id INTEGER NOT NULL, version INTEGER NOT NULL, etagGuid TEXT NOT NULL,
      created TEXT NOT NULL, modified TEXT NOT NULL, fields TEXT NOT NULL, PRIMARY KEY (listId, id));
    CREATE TABLE IF NOT EXISTS events (
      id TEXT PRIMARY KEY, mailbox TEXT NOT NULL, iCalUId TEXT NOT NULL, transactionId TEXT, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS events_uid ON events(iCalUId);
    CREATE TABLE IF NOT EXISTS files (
      driveId TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, contentType TEXT NOT NULL, content BLOB NOT NULL,
      created TEXT NOT NULL, modified TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (driveId, name));
  `);
  // A data folder from before messages had two ids (immutable and regular): the regular id added.
  // So do attachments' kinds (file, item, reference).
  const added: [string, string, string][] = [
    ["messages", "restId", "TEXT NOT NULL DEFAULT ''"],
    ["tombstones", "restId", "TEXT NOT NULL DEFAULT ''"],
    ["attachments", "kind", "TEXT NOT NULL DEFAULT 'file'"],
    ["attachments", "sourceUrl", "TEXT"],
  ];
  for (const [table, column, type] of added)
    if (!(db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === column))
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  db.exec("CREATE INDEX IF NOT EXISTS messages_rest ON messages(restId)");
  return db;
}

/** A counter that only grows, shared by every change that delta queries must see. */
export function nextSeq(db: Db): number {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'seq'").get() as { value: string } | undefined;
  const next = (row ? Number(row.value) : 0) + 1;
  db.prepare("INSERT INTO meta (key, value) VALUES ('seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(next));
  return next;
}

export function getMeta(db: Db, key: string): string | undefined {
  return (db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
}
