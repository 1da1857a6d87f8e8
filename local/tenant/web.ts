/** A read-only web view of the tenant: mailboxes, folders, messages, lists, calendars, outbox. */
import type { Db } from "./db.js";

const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Cluster Desk local tenant</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}a{color:#0b5cad}h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem}.muted{color:#595959}</style>
</head><body><p><a href="/">Local tenant</a></p><h1>${esc(title)}</h1>${body}</body></html>`;
}

export function renderWebView(db: Db, q: URLSearchParams, _base: string): string {
  const mailbox = q.get("mailbox");
  const message = q.get("message");
  const list = q.get("list");
  if (mailbox && message) {
    const m = db.prepare("SELECT * FROM messages WHERE mailbox = ? AND id = ?").get(mailbox, message) as { data: string; folderId: string } | undefined;
    if (!m) return page("Message not found", "");
    const d = JSON.parse(m.data);
    const atts = db.prepare("SELECT name, contentType, size FROM attachments WHERE messageId = ?").all(message) as {
      name: string;
      contentType: string;
      size: number;
    }[];
    return page(
      d.subject || "(no subject)",
      `<table>
<tr><th>From</th><td>${esc(d.from?.emailAddress?.address)}</td></tr>
<tr><th>To</th><td>${esc((d.toRecipients ?? []).map((r: any) => r.emailAddress.address).join(", "))}</td></tr>
<tr><th>Received</th><td>${esc(d.receivedDateTime)}</td></tr>
<tr><th>Internet message id</th><td>${esc(d.internetMessageId)}</td></tr>
<tr><th>Categories</th><td>${esc((d.categories ?? []).join(", "))}</td></tr>
<tr><th>Attachments</th><td>${atts.map((a) => `${esc(a.name)} <span class="muted">(${esc(a.contentType)}, ${a.size} bytes)</span>`).join("<br>")}</td></tr>
</table><pre>${esc(d.body?.contentType === "html" ? String(d.body.content).replace(/<[^>]+>/g, "") : d.body?.content)}</pre>`,
    );
  }
  if (mailbox) {
    const mb = db.prepare("SELECT * FROM mailboxes WHERE id = ?").get(mailbox) as { address: string } | undefined;
    if (!mb) return page("Mailbox not found", "");
    const folders = db.prepare("SELECT * FROM folders WHERE mailbox = ? AND wellKnownName IS NOT 'msgfolderroot' ORDER BY displayName").all(mailbox) as {
      id: string;
      displayName: string;
    }[];
    let html = "";
    for (const f of folders) {
      const msgs = db.prepare("SELECT id, data FROM messages WHERE folderId = ? ORDER BY seq DESC").all(f.id) as { id: string; data: string }[];
      html += `<h2>${esc(f.displayName)} <span class="muted">(${msgs.length})</span></h2>`;
      if (msgs.length) {
        html += `<table><tr><th>Received</th><th>From</th><th>Subject</th><th>Categories</th></tr>${msgs
          .map((r) => {
            const d = JSON.parse(r.data);
            return `<tr><td>${esc(d.receivedDateTime)}</td><td>${esc(d.from?.emailAddress?.address)}</td><td><a href="/?mailbox=${encodeURIComponent(mailbox)}&message=${encodeURIComponent(r.id)}">${esc(d.subject || "(no subject)")}</a></td><td>${esc((d.categories ?? []).join(", "))}</td></tr>`;
          })
          .join("")}</table>`;
      }
    }
    const events = db.prepare("SELECT data FROM events WHERE mailbox = ? ORDER BY rowid").all(mailbox) as { data: string }[];
    html += `<h2>Calendar <span class="muted">(${events.length})</span></h2>`;
    if (events.length) {
      html += `<table><tr><th>Start</th><th>Subject</th><th>Organizer</th><th>Attendees</th><th>Location</th></tr>${events
        .map((r) => {
          const e = JSON.parse(r.data);
          return `<tr><td>${esc(e.start.dateTime.slice(0, 16))} ${esc(e.start.timeZone)}</td><td>${esc(e.subject)}${e.isCancelled ? " (cancelled)" : ""}</td><td>${esc(e.organizer.emailAddress.address)}</td><td>${esc(e.attendees.map((a: any) => a.emailAddress.address).join(", "))}</td><td>${esc(e.location.displayName)}</td></tr>`;
        })
        .join("")}</table>`;
    }
    return page(mb.address, html);
  }
  if (list) {
    const l = db.prepare("SELECT * FROM lists WHERE id = ?").get(list) as { displayName: string; data: string } | undefined;
    if (!l) return page("List not found", "");
    const cols = ["Title", ...JSON.parse(l.data).columns.map((c: { name: string }) => c.name)];
    const items = db.prepare("SELECT id, version, fields FROM items WHERE listId = ? ORDER BY id").all(list) as {
      id: number;
      version: number;
      fields: string;
    }[];
    return page(
      `List: ${l.displayName}`,
      `<table><tr><th>id</th><th>version</th>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>${items
        .map((i) => {
          const f = JSON.parse(i.fields);
          return `<tr><td>${i.id}</td><td>${i.version}</td>${cols.map((c) => `<td>${esc(f[c])}</td>`).join("")}</tr>`;
        })
        .join("")}</table>`,
    );
  }
  const mailboxes = db.prepare("SELECT m.*, (SELECT count(*) FROM messages WHERE mailbox = m.id) AS n FROM mailboxes m ORDER BY address").all() as {
    id: string;
    address: string;
    displayName: string;
    n: number;
  }[];
  const lists = db
    .prepare(
      "SELECT l.*, s.hostname, s.path, (SELECT count(*) FROM items WHERE listId = l.id) AS n FROM lists l JOIN sites s ON s.id = l.siteId ORDER BY displayName",
    )
    .all() as { id: string; displayName: string; hostname: string; path: string; n: number }[];
  const outbox = db.prepare("SELECT * FROM outbox ORDER BY seq DESC LIMIT 50").all() as {
    fromAddress: string;
    toAddress: string;
    sentAt: string;
    data: string;
  }[];
  return page(
    "Cluster Desk local tenant",
    `<p class="muted">Read-only view of what the product did. Graph lives under /v1.0; admin endpoints under /_admin.</p>
<h2>Mailboxes</h2><table><tr><th>Address</th><th>Name</th><th>Messages</th></tr>${mailboxes.map((m) => `<tr><td><a href="/?mailbox=${encodeURIComponent(m.id)}">${esc(m.address)}</a></td><td>${esc(m.displayName)}</td><td>${m.n}</td></tr>`).join("")}</table>
<h2>SharePoint lists</h2><table><tr><th>List</th><th>Site</th><th>Items</th></tr>${lists.map((l) => `<tr><td><a href="/?list=${encodeURIComponent(l.id)}">${esc(l.displayName)}</a></td><td>${esc(l.hostname + l.path)}</td><td>${l.n}</td></tr>`).join("")}</table>
<h2>Sent outside the tenant <span class="muted">(latest 50)</span></h2><table><tr><th>Sent</th><th>From</th><th>To</th><th>Subject</th></tr>${outbox.map((o) => `<tr><td>${esc(o.sentAt)}</td><td>${esc(o.fromAddress)}</td><td>${esc(o.toAddress)}</td><td>${esc(JSON.parse(o.data).subject)}</td></tr>`).join("")}</table>`,
  );
}
