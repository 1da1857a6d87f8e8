/**
 * A .docx form's content, read in one pass and in bounded memory (issue 30).
 *
 * - The zip's central directory is read without inflating anything, and refused past the bounds
 *   (parts, declared size in all, compression ratio).
 * - Macros are found by content, not by part name: `[Content_Types].xml` and every relationship
 *   part are read first, and a file whose content types or relationships name a VBA project (or
 *   VBA data, or any macro-enabled content type) is refused before its document is read.
 * - The document and its core properties are inflated a few KB at a time and fed to a streaming
 *   XML reader (saxes): no tree is built, nothing is walked twice. A run's text goes to the
 *   innermost open paragraph, table cell and content control only, so the work is linear in the
 *   size of the document whatever its nesting. Nesting deeper than `maxDepth` is refused.
 * - XML with a DTD is refused (Word writes none); a part that inflates past its declared size or
 *   `maxXmlBytes` is abandoned at once.
 */
import { Unzip, UnzipInflate, unzipSync } from "fflate";
import { SaxesParser } from "saxes";

export interface DocxLimits {
  maxEntries: number;
  maxUncompressed: number;
  maxRatio: number;
  maxXmlBytes: number;
  /** How deeply elements may nest in a part (Word's own documents stay well under 100). */
  maxDepth: number;
}

/** What a form reader gives back: its content controls (tag → answer), its lines of text, its title. */
export interface FormContent {
  controls: Map<string, string>;
  lines: string[];
  title: string;
}

export class FormReadError extends Error {}

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W14 = "http://schemas.microsoft.com/office/word/2010/wordml";
const DC = "http://purl.org/dc/elements/1.1/";
/** The longest line kept from a paragraph or cell: labels and answers are short; the rest is never read. */
const MAX_LINE_CHARS = 2000;
/** Relationship and content-type parts are a few KB in Word's files. */
const MAX_PACKAGE_PART = 1024 * 1024;

interface Entry {
  name: string;
  size: number;
  originalSize: number;
}

/** The central directory's entries, nothing inflated; refused past the bounds. */
function zipEntries(bytes: Uint8Array, l: DocxLimits): Entry[] {
  const entries: Entry[] = [];
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
  return entries;
}

/** Where an inflated part's bytes go: at most `limit` of them, whatever its header says. */
interface Sink {
  limit: number;
  push(chunk: Uint8Array, final: boolean): void;
}

/** The parts named in `sinks`, inflated in one pass over the zip, a few KB at a time. */
function inflateParts(bytes: Uint8Array, sinks: Map<string, Sink>): Set<string> {
  const found = new Set<string>();
  let failed: Error | null = null;
  const uz = new Unzip();
  uz.register(UnzipInflate);
  uz.onfile = (f) => {
    const sink = sinks.get(f.name);
    if (!sink) return;
    found.add(f.name);
    let total = 0;
    f.ondata = (err, chunk, final) => {
      if (failed) return;
      if (err) {
        failed = new FormReadError("a damaged part");
        return;
      }
      total += chunk.length;
      if (total > sink.limit) {
        failed = new FormReadError("a part larger than it says (a zip bomb?)");
        f.terminate();
        return;
      }
      try {
        sink.push(chunk, final);
      } catch (e) {
        failed = e instanceof Error ? e : new FormReadError("damaged XML");
        f.terminate();
      }
    };
    f.start();
  };
  const STEP = 4096;
  try {
    for (let i = 0; i < bytes.length && !failed; i += STEP) uz.push(bytes.subarray(i, i + STEP), i + STEP >= bytes.length);
  } catch {
    if (!failed) throw new FormReadError("not a readable zip");
  }
  if (failed) throw failed;
  return found;
}

/** An element as the handlers see it: its namespace and local name, and its attributes. */
interface Tag {
  uri: string;
  local: string;
  /** Attributes by their written names ("w:val"), and how to read one by namespace. */
  attributes: Record<string, string>;
  attr(ns: string, local: string): string | undefined;
}

interface XmlHandlers {
  open: (tag: Tag, depth: number) => void;
  close: (tag: Tag, depth: number) => void;
  text?: (text: string, tag: Tag) => void;
}

/**
 * Namespace prefixes in scope, each a stack of its declarations: resolving a prefix looks at the
 * top of one stack (constant time), where the parser's own resolution walks up every open element,
 * which grows with the nesting (a crafted file nests deep).
 */
const NONE: string[] = [];

class Namespaces {
  private readonly byPrefix = new Map<string, string[]>([
    ["xml", ["http://www.w3.org/XML/1998/namespace"]],
    ["", [""]],
  ]);
  private readonly declaredAt: string[][] = [];
  open(attributes: Record<string, string>) {
    let declared: string[] | null = null;
    for (const name in attributes) {
      if (name !== "xmlns" && !name.startsWith("xmlns:")) continue;
      const prefix = name === "xmlns" ? "" : name.slice(6);
      const stack = this.byPrefix.get(prefix) ?? [];
      stack.push(attributes[name]!);
      this.byPrefix.set(prefix, stack);
      (declared ??= []).push(prefix);
    }
    this.declaredAt.push(declared ?? NONE);
  }
  close() {
    for (const prefix of this.declaredAt.pop() ?? []) this.byPrefix.get(prefix)?.pop();
  }
  /** The namespace of a prefix in scope ("" for none). */
  uri(prefix: string): string {
    const stack = this.byPrefix.get(prefix);
    const uri = stack?.[stack.length - 1];
    if (uri === undefined) throw new FormReadError("damaged XML");
    return uri;
  }
}

/** An element read: its name resolved when it opens, its attributes resolved only when asked for. */
class Element implements Tag {
  readonly uri: string;
  readonly local: string;
  constructor(
    name: string,
    readonly attributes: Record<string, string>,
    private readonly ns: Namespaces,
  ) {
    const colon = name.indexOf(":");
    // An element without a prefix is in the default namespace.
    this.uri = ns.uri(colon < 0 ? "" : name.slice(0, colon));
    this.local = colon < 0 ? name : name.slice(colon + 1);
  }
  attr(uri: string, local: string): string | undefined {
    for (const name in this.attributes) {
      const colon = name.indexOf(":");
      // An attribute without a prefix is in no namespace.
      if ((colon < 0 ? "" : this.ns.uri(name.slice(0, colon))) === uri && (colon < 0 ? name : name.slice(colon + 1)) === local) return this.attributes[name];
    }
    return undefined;
  }
}

/** A streaming XML reader for one part: no DTD, bounded depth, errors as "damaged XML". */
function xmlSink(limit: number, maxDepth: number, h: XmlHandlers): Sink {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const decoder = new TextDecoder("utf-8");
  const ns = new Namespaces();
  const stack: Tag[] = [];
  parser.on("error", () => {
    throw new FormReadError("damaged XML");
  });
  parser.on("doctype", () => {
    throw new FormReadError("XML with a DTD is not read");
  });
  parser.on("opentag", (node) => {
    if (stack.length >= maxDepth) throw new FormReadError(`its parts nest more than ${maxDepth} deep`);
    const attributes = node.attributes as Record<string, string>;
    ns.open(attributes);
    const tag = new Element(node.name, attributes, ns);
    stack.push(tag);
    // A self-closing element gets its closetag event too.
    h.open(tag, stack.length);
  });
  parser.on("closetag", () => {
    const tag = stack[stack.length - 1];
    if (tag) h.close(tag, stack.length);
    stack.pop();
    ns.close();
  });
  const onText = h.text;
  if (onText) {
    parser.on("text", (t) => {
      const top = stack[stack.length - 1];
      if (top && t) onText(t, top);
    });
  }
  return {
    limit,
    push(chunk, final) {
      parser.write(decoder.decode(chunk, { stream: !final }));
      if (final) parser.close();
    },
  };
}

const attrNamed = (tag: Tag, name: string): string => tag.attributes[name] ?? "";
const is = (tag: Tag, ns: string, local: string) => tag.uri === ns && tag.local === local;

/** Content types and relationships that mean macros: a VBA project or its data, or a macro-enabled part. */
const MACRO_CONTENT = /vbaproject|vbadata|macroenabled|keymapcustomizations/i;
const MACRO_RELATIONSHIP = /\/(?:vbaProject|wordVbaData|keyMapCustomizations)$/i;

/** Whether the package declares macros, from its content types and every relationship part. */
function declaresMacros(bytes: Uint8Array, entries: Entry[], l: DocxLimits): boolean {
  let macros = false;
  const sinks = new Map<string, Sink>();
  const packagePart = (): Sink =>
    xmlSink(Math.min(MAX_PACKAGE_PART, l.maxXmlBytes), l.maxDepth, {
      open: (tag) => {
        if (tag.local === "Default" || tag.local === "Override") macros ||= MACRO_CONTENT.test(attrNamed(tag, "ContentType"));
        else if (tag.local === "Relationship") macros ||= MACRO_RELATIONSHIP.test(attrNamed(tag, "Type")) || MACRO_CONTENT.test(attrNamed(tag, "Target"));
      },
      close: () => undefined,
    });
  for (const e of entries) if (e.name === "[Content_Types].xml" || e.name.toLowerCase().endsWith(".rels")) sinks.set(e.name, packagePart());
  inflateParts(bytes, sinks);
  return macros || entries.some((e) => e.name.toLowerCase().endsWith("vbaproject.bin"));
}

/**
 * Text gathered for one open paragraph, table cell or content control. A run's text goes to the
 * innermost open one of each kind only (a text box's paragraphs, a nested table's cells and a
 * control inside a control each have their own), so each run is added once per kind and the work
 * stays linear however deeply they nest; past MAX_LINE_CHARS the rest is not kept.
 */
class Text {
  private readonly parts: string[] = [];
  private length = 0;
  add(t: string) {
    if (this.length >= MAX_LINE_CHARS) return;
    this.parts.push(t);
    this.length += t.length;
  }
  toString(): string {
    return this.parts.join("").slice(0, MAX_LINE_CHARS).trim();
  }
}

interface Control {
  tag?: string;
  checkbox?: boolean;
  checked?: string;
  placeholder?: boolean;
  content?: Text;
  depth: number;
}

interface Row {
  cells: string[];
  depth: number;
  order: number;
}

/** The document part's handlers: content controls, table rows of two or more cells, paragraphs. */
function documentReader() {
  const controls: Control[] = []; // in the order they open (document order)
  const open: Control[] = []; // the content controls still open, innermost last
  const contents: Text[] = []; // their content, innermost last
  const rows: Row[] = [];
  const openRows: Row[] = [];
  const cells: { text: Text; row: Row | null }[] = [];
  const paragraphs: { text: Text; order: number }[] = [];
  const lines: { text: string; order: number }[] = [];
  let order = 0;
  let prDepth = 0; // depth of the innermost open content control's w:sdtPr, or 0
  let inText = false;
  const handlers: XmlHandlers = {
    open(tag, depth) {
      const sdt = open[open.length - 1];
      if (is(tag, W, "sdt")) {
        const c: Control = { depth };
        controls.push(c);
        open.push(c);
      } else if (sdt && is(tag, W, "sdtPr") && depth === sdt.depth + 1) prDepth = depth;
      else if (sdt && prDepth && depth === prDepth + 1) {
        if (is(tag, W, "tag") && sdt.tag === undefined) sdt.tag = tag.attr(W, "val") ?? "";
        else if (is(tag, W14, "checkbox")) sdt.checkbox = true;
        else if (is(tag, W, "showingPlcHdr")) sdt.placeholder = true;
      } else if (sdt && prDepth && depth === prDepth + 2 && sdt.checkbox && is(tag, W14, "checked") && sdt.checked === undefined)
        sdt.checked = tag.attr(W14, "val") ?? "0";
      else if (sdt && is(tag, W, "sdtContent") && depth === sdt.depth + 1 && !sdt.content) contents.push((sdt.content = new Text()));
      if (is(tag, W, "tr")) openRows.push({ cells: [], depth, order: order++ });
      else if (is(tag, W, "tc")) {
        const row = openRows[openRows.length - 1];
        cells.push({ text: new Text(), row: row && row.depth === depth - 1 ? row : null });
      } else if (is(tag, W, "p")) paragraphs.push({ text: new Text(), order: order++ });
      inText = is(tag, W, "t");
    },
    close(tag, depth) {
      inText = false;
      const sdt = open[open.length - 1];
      if (is(tag, W, "sdt") && sdt && sdt.depth === depth) {
        open.pop();
        if (sdt.content) contents.pop();
      } else if (is(tag, W, "sdtPr") && prDepth === depth) prDepth = 0;
      if (is(tag, W, "tr")) {
        const row = openRows.pop();
        if (row) rows.push(row);
      } else if (is(tag, W, "tc")) {
        const cell = cells.pop();
        cell?.row?.cells.push(cell.text.toString());
      } else if (is(tag, W, "p")) {
        const p = paragraphs.pop();
        if (p) lines.push({ text: p.text.toString(), order: p.order });
      }
    },
    text(t, tag) {
      if (!inText || !is(tag, W, "t")) return;
      paragraphs[paragraphs.length - 1]?.text.add(t);
      cells[cells.length - 1]?.text.add(t);
      contents[contents.length - 1]?.add(t);
    },
  };
  const result = (): Pick<FormContent, "controls" | "lines"> => {
    const byTag = new Map<string, string>();
    for (const c of controls) {
      if (!c.tag || byTag.has(c.tag)) continue;
      if (c.checkbox) byTag.set(c.tag, c.checked === "1" || c.checked === "true" ? "Yes" : "No");
      else if (!c.placeholder) byTag.set(c.tag, c.content?.toString() ?? "");
    }
    // Lines: a table row of two or more cells reads "first: rest" (label and answer side by side), then each paragraph.
    const out: string[] = [];
    for (const r of rows.sort((a, b) => a.order - b.order))
      if (r.cells.length >= 2 && r.cells[0]) out.push(`${r.cells[0].replace(/:$/, "")}: ${r.cells.slice(1).join(" ").trim()}`);
    for (const p of lines.sort((a, b) => a.order - b.order)) out.push(p.text);
    return { controls: byTag, lines: out.filter(Boolean) };
  };
  return { handlers, result };
}

/** The controls, lines and title of a .docx; throws FormReadError for anything it will not read. */
export function readDocx(bytes: Uint8Array, l: DocxLimits): FormContent {
  const entries = zipEntries(bytes, l);
  const sizes = new Map(entries.map((e) => [e.name, e.originalSize]));
  if (!sizes.has("[Content_Types].xml") || !sizes.has("word/document.xml")) throw new FormReadError("not a Word document");
  if (declaresMacros(bytes, entries, l)) throw new FormReadError("it contains macros, so it is not opened");
  if ((sizes.get("word/document.xml") ?? 0) > l.maxXmlBytes) throw new FormReadError(`its text is larger than ${Math.round(l.maxXmlBytes / 1048576)} MB`);
  const declared = (n: string) => Math.min(sizes.get(n) ?? 0, l.maxXmlBytes);
  const doc = documentReader();
  const title: { text: Text | null; done: boolean } = { text: null, done: false };
  const sinks = new Map<string, Sink>([["word/document.xml", xmlSink(declared("word/document.xml"), l.maxDepth, doc.handlers)]]);
  if (sizes.has("docProps/core.xml"))
    sinks.set(
      "docProps/core.xml",
      xmlSink(declared("docProps/core.xml"), l.maxDepth, {
        open: (tag) => {
          if (is(tag, DC, "title") && !title.text) title.text = new Text();
        },
        close: (tag) => {
          if (is(tag, DC, "title")) title.done = true;
        },
        text: (t) => {
          if (!title.done) title.text?.add(t);
        },
      }),
    );
  const found = inflateParts(bytes, sinks);
  if (!found.has("word/document.xml")) throw new FormReadError("not a Word document");
  return { ...doc.result(), title: title.text?.toString() ?? "" };
}
