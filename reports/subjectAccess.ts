/**
 * A subject access export as files (issue 34): for each case a folder with its register row, its
 * audit rows and votes, and each email as the mailbox holds it (its text and its attachments), with
 * an index for the officer who reviews and redacts it before anything is disclosed. Zipped with
 * fflate (already the product's zip library for Word forms).
 */
import { zipSync, strToU8 } from "fflate";
import type { ExportedCase, ExportScope } from "../core/ports.js";

/** A file name a zip and every desktop accept: no path separators or control characters, not too long. */
export function safeName(name: string, fallback = "file"): string {
  const cleaned = name
    .replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_")
    .replace(/^\.+/, "_")
    .trim()
    .slice(-120);
  return cleaned || fallback;
}

const csvCell = (v: unknown) => {
  const s = String(v ?? "");
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"` : s;
};

/** The export's files by path. */
export function subjectAccessFiles(cases: ExportedCase[], scope: ExportScope, madeAt: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const index: string[][] = [["path", "case", "what", "date"]];
  const put = (path: string, bytes: Uint8Array, ref: string, what: string, date = "") => {
    let p = path;
    // A second file of the same name: "form (2).pdf".
    const dot = path.lastIndexOf(".");
    const [stem, ext] = dot > path.lastIndexOf("/") ? [path.slice(0, dot), path.slice(dot)] : [path, ""];
    for (let n = 2; files[p]; n++) p = `${stem} (${n})${ext}`;
    files[p] = bytes;
    index.push([p, ref, what, date]);
  };
  for (const c of cases) {
    const ref = c.case.fields.Title;
    const dir = safeName(ref);
    put(`${dir}/case.json`, strToU8(JSON.stringify(c.case.fields, null, 2)), ref, "the case's row in the Cases list");
    put(
      `${dir}/audit.json`,
      strToU8(JSON.stringify(c.audit, null, 2)),
      ref,
      `who did what to the case (${c.audit.length} ${c.audit.length === 1 ? "row" : "rows"})`,
    );
    put(`${dir}/votes.json`, strToU8(JSON.stringify(c.votes, null, 2)), ref, `the cluster's votes (${c.votes.length})`);
    c.messages.forEach((m, i) => {
      const folder = `${dir}/emails/${String(i + 1).padStart(2, "0")} ${m.what.replace(/'/g, "")}`;
      if (!m.record) {
        index.push([folder, ref, `${m.what}: no longer in the mailbox`, ""]);
        return;
      }
      const r = m.record;
      const head = [`Subject: ${r.subject}`, `From: ${r.from}`, `To: ${r.to.join(", ")}`, `Date: ${r.at}`, ""].join("\n");
      if (r.bodyType === "html") put(`${folder}/message.html`, strToU8(`<!-- ${head.replace(/--/g, "- -")} -->\n${r.body}`), ref, m.what, r.at);
      else put(`${folder}/message.txt`, strToU8(`${head}\n${r.body}`), ref, m.what, r.at);
      for (const a of r.attachments) {
        if (a.bytes) put(`${folder}/${safeName(a.name, "attachment")}`, a.bytes, ref, `attachment to ${m.what}`, r.at);
        else index.push([`${folder}/${safeName(a.name, "link")}`, ref, `a link attached to ${m.what}: ${a.link ?? ""}`, r.at]);
      }
    });
  }
  const readme = [
    "Cluster Desk: subject access export",
    `Made ${madeAt}, by ${Object.keys(scope)[0]}: ${Object.values(scope)[0]}.`,
    `${cases.length} case(s). index.csv lists every file and what it is.`,
    "",
    "For the council officer answering the request: review every file and redact what concerns",
    "other people (other children, other families, staff opinions) before anything is disclosed.",
    "The export itself is recorded in the Audit list.",
  ].join("\n");
  files["README.txt"] = strToU8(readme);
  files["index.csv"] = strToU8(index.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n");
  return files;
}

export function subjectAccessZip(cases: ExportedCase[], scope: ExportScope, madeAt: string): Uint8Array {
  return zipSync(subjectAccessFiles(cases, scope, madeAt), { level: 6 });
}
