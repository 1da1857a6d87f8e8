/**
 * Reads a presentation form (.docx or .pdf) in memory (issue 17): never written to disk, never
 * logged. What leaves is a FormReading (core/rules/form.ts): numeric and choice fields, the names of
 * free-text fields answered or missing, and required documents recognised by id.
 *
 * Bounds, each checked before the work it limits:
 * - the file: at most `maxBytes`;
 * - a .docx is a zip: its central directory is read without inflating anything, and refused when
 *   it has more than `maxEntries` entries, declares more than `maxUncompressed` bytes in all, or an
 *   entry whose declared size is more than `maxRatio` times its compressed size; the two parts read
 *   (word/document.xml, docProps/core.xml) are inflated a few KB at a time and abandoned as soon as
 *   they pass their declared size or `maxXmlBytes`, so a header that lies expands nothing;
 * - a file with macros (vbaProject.bin) is not opened; XML with a DTD is refused (Word writes none);
 * - a PDF is parsed by pdf.js in a worker thread with a memory limit, terminated after
 *   `pdfTimeoutMs`; at most `maxPages` pages are read; no script runs.
 * Any failure gives { error } ("could not read the form"): the case goes on as it would unread.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Unzip, UnzipInflate, unzipSync } from "fflate";
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { FORM_FIELDS, readingFrom, readingFromText, type FormResult } from "../core/rules/form.js";

export interface ReadLimits {
  maxBytes: number;
  maxEntries: number;
  maxUncompressed: number;
  maxRatio: number;
  maxXmlBytes: number;
  pdfTimeoutMs: number;
  maxPages: number;
}

export const LIMITS: ReadLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxEntries: 500,
  maxUncompressed: 60 * 1024 * 1024,
  maxRatio: 200,
  maxXmlBytes: 8 * 1024 * 1024,
  pdfTimeoutMs: 5_000,
  maxPages: 30,
};

/** A required document the config names, once per id (core/rules/referrals.ts requiredDocuments): its id and the words that recognise it. */
export interface DocumentHint {
  id: string;
  match: string[];
}

export class FormReadError extends Error {}

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W14 = "http://schemas.microsoft.com/office/word/2010/wordml";

/** The central directory's entries, nothing inflated; refused past the bounds. */
function zipEntries(bytes: Uint8Array, l: ReadLimits): { name: string; size: number; originalSize: number }[] {
  const entries: { name: string; size: number; originalSize: number }[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        entries.push({ name: f.name, size: f.size, originalSize: f.originalSize });
        if (entries.length > l.maxEntries) throw new FormReadError(`more than ${l.maxEntries} parts`);
        return false;
      },
    });
  } catch (e) {
    if (e instanceof FormReadError) throw e;
    throw new FormReadError("not a readable zip");
  }
  const total = entries.reduce((n, e) => n + e.originalSize, 0);
  if (total > l.maxUncompressed) throw new FormReadError(`its parts would expand to more than ${Math.round(l.maxUncompressed / 1048576)} MB`);
  const bomb = entries.find((e) => e.originalSize > 65536 && e.originalSize > l.maxRatio * Math.max(e.size, 1));
  if (bomb) throw new FormReadError(`a part is compressed more than ${l.maxRatio} times (a zip bomb?)`);
  if (entries.some((e) => e.name.toLowerCase().endsWith("vbaproject.bin"))) throw new FormReadError("it contains macros, so it is not opened");
  return entries;
}

/** One part of a zip, inflated a little at a time and abandoned past `limit` bytes (whatever its header says). */
function inflatePart(bytes: Uint8Array, name: string, limit: number): Uint8Array | null {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let failed: string | null = null;
  let found = false;
  let finished = false;
  const uz = new Unzip();
  uz.register(UnzipInflate);
  uz.onfile = (f) => {
    if (f.name !== name) return;
    found = true;
    f.ondata = (err, chunk, final) => {
      if (err) {
        failed = "a damaged part";
        return;
      }
      total += chunk.length;
      if (total > limit) {
        failed = "a part larger than it says (a zip bomb?)";
        f.terminate();
        return;
      }
      chunks.push(chunk);
      if (final) finished = true;
    };
    f.start();
  };
  const STEP = 4096;
  try {
    for (let i = 0; i < bytes.length && !failed && !finished; i += STEP) uz.push(bytes.subarray(i, i + STEP), i + STEP >= bytes.length);
  } catch {
    throw new FormReadError("not a readable zip");
  }
  if (failed) throw new FormReadError(failed);
  if (!found) return null;
  return Buffer.concat(chunks);
}

function parseXml(bytes: Uint8Array): Document {
  const text = Buffer.from(bytes).toString("utf8");
  if (/<!(?:DOCTYPE|ENTITY)/i.test(text)) throw new FormReadError("XML with a DTD is not read");
  let failed = false;
  const doc = new DOMParser({
    onError: (level) => {
      if (level === "fatalError") failed = true;
    },
  }).parseFromString(text, "text/xml");
  if (failed || !doc?.documentElement) throw new FormReadError("damaged XML");
  return doc;
}

const children = (el: Element, ns: string, local: string): Element[] =>
  Array.from(el.childNodes as unknown as ArrayLike<Element>).filter((c) => c.nodeType === 1 && c.namespaceURI === ns && c.localName === local);
const all = (el: Element | Document, ns: string, local: string): Element[] => Array.from(el.getElementsByTagNameNS(ns, local) as unknown as ArrayLike<Element>);
const textOf = (el: Element) =>
  all(el, W, "t")
    .map((t) => t.textContent ?? "")
    .join("");

interface DocxContent {
  controls: Map<string, string>;
  lines: string[];
  title: string;
}

function readDocxParts(bytes: Uint8Array, l: ReadLimits): DocxContent {
  const entries = zipEntries(bytes, l);
  const names = new Set(entries.map((e) => e.name));
  if (!names.has("[Content_Types].xml") || !names.has("word/document.xml")) throw new FormReadError("not a Word document");
  const declared = (n: string) => Math.min(entries.find((e) => e.name === n)!.originalSize, l.maxXmlBytes);
  const xml = inflatePart(bytes, "word/document.xml", declared("word/document.xml"));
  if (!xml) throw new FormReadError("not a Word document");
  const doc = parseXml(xml);
  const controls = new Map<string, string>();
  for (const sdt of all(doc, W, "sdt")) {
    const pr = children(sdt, W, "sdtPr")[0];
    const tag = pr && children(pr, W, "tag")[0]?.getAttributeNS(W, "val");
    if (!pr || !tag || controls.has(tag)) continue;
    const box = children(pr, W14, "checkbox")[0];
    if (box) {
      const v = children(box, W14, "checked")[0]?.getAttributeNS(W14, "val") ?? "0";
      controls.set(tag, v === "1" || v === "true" ? "Yes" : "No");
      continue;
    }
    // Still showing its placeholder: not answered.
    if (children(pr, W, "showingPlcHdr").length) continue;
    const content = children(sdt, W, "sdtContent")[0];
    controls.set(tag, content ? textOf(content).trim() : "");
  }
  // Lines: each paragraph; a table row of two or more cells reads "first: rest" (label and answer side by side).
  const lines: string[] = [];
  for (const tr of all(doc, W, "tr")) {
    const cells = children(tr, W, "tc").map((c) => textOf(c).trim());
    if (cells.length >= 2 && cells[0]) lines.push(`${cells[0].replace(/:$/, "")}: ${cells.slice(1).join(" ").trim()}`);
  }
  for (const p of all(doc, W, "p")) lines.push(textOf(p).trim());
  let title = "";
  if (names.has("docProps/core.xml")) {
    const core = inflatePart(bytes, "docProps/core.xml", declared("docProps/core.xml"));
    if (core) title = parseXml(core).getElementsByTagNameNS("http://purl.org/dc/elements/1.1/", "title")[0]?.textContent ?? "";
  }
  return { controls, lines: lines.filter(Boolean), title };
}

function packageFile(name: string): string {
  // From the sources (forms/) and from dist/forms/ (the worker stays in forms/).
  const here = dirname(fileURLToPath(import.meta.url));
  return existsSync(join(here, name)) ? join(here, name) : join(here, "..", "..", "forms", name);
}

async function readPdfParts(bytes: Uint8Array, l: ReadLimits): Promise<DocxContent> {
  const worker = new Worker(packageFile("pdfWorker.mjs"), {
    workerData: { bytes, maxPages: l.maxPages },
    resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
    stdout: true,
    stderr: true,
  });
  try {
    const r = await new Promise<{ ok: boolean; fields?: Record<string, string>; lines?: string[]; title?: string; error?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new FormReadError(`reading it took longer than ${l.pdfTimeoutMs / 1000} s`)), l.pdfTimeoutMs);
      worker.once("message", (m) => (clearTimeout(timer), resolve(m)));
      worker.once("error", () => (clearTimeout(timer), reject(new FormReadError("the PDF reader failed"))));
      worker.once("exit", () => (clearTimeout(timer), reject(new FormReadError("the PDF reader stopped"))));
    });
    if (!r.ok) throw new FormReadError("not a readable PDF");
    return { controls: new Map(Object.entries(r.fields ?? {})), lines: r.lines ?? [], title: r.title ?? "" };
  } finally {
    await worker.terminate();
  }
}

function recognised(content: DocxContent, hints: DocumentHint[]): string[] {
  const title = content.title.toLowerCase();
  const tags = new Set([...content.controls.keys()].map((t) => t.toLowerCase()));
  return hints
    .filter((h) => tags.has(h.id.toLowerCase()) || tags.has(`doc-${h.id.toLowerCase()}`) || h.match.some((m) => title.includes(m.toLowerCase())))
    .map((h) => h.id);
}

/**
 * The form's fields from a .docx or .pdf (by name and content). `{ error }` when it cannot be
 * read; never throws for a bad file.
 */
export async function readForm(name: string, bytes: Uint8Array, opts: { documents?: DocumentHint[]; limits?: Partial<ReadLimits> } = {}): Promise<FormResult> {
  const l = { ...LIMITS, ...opts.limits };
  const ext = name.toLowerCase().slice(name.lastIndexOf("."));
  try {
    if (bytes.length > l.maxBytes) throw new FormReadError(`it is larger than ${Math.round(l.maxBytes / 1048576)} MB`);
    let content: DocxContent;
    if (ext === ".docx") content = readDocxParts(bytes, l);
    else if (ext === ".pdf") {
      const head = Buffer.from(bytes.subarray(0, 1024));
      const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2048)));
      // No worker for what cannot be a whole PDF (a header and an end-of-file marker at least).
      if (!head.includes("%PDF-") || !tail.includes("%%EOF")) throw new FormReadError("not a complete PDF");
      content = await readPdfParts(bytes, l);
    } else throw new FormReadError("only .docx and .pdf forms are read");
    const documents = recognised(content, opts.documents ?? []);
    const known = new Set(FORM_FIELDS.map((f) => f.tag as string));
    const tagged = new Map([...content.controls].filter(([k]) => known.has(k)));
    if (tagged.size) return readingFrom(ext === ".pdf" ? "form-fields" : "content-controls", tagged, documents);
    return readingFromText(content.lines, documents);
  } catch (e) {
    return { error: e instanceof FormReadError ? `could not read the form: ${e.message}` : "could not read the form" };
  }
}
