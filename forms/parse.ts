/**
 * The form's fields from a .docx or .pdf, read in this process (issue 17). Only the form reader's
 * own process calls it (forms/readerProcess.ts); everything else goes through readForm
 * (forms/read.ts), which keeps the work off the caller's thread and inside its time and memory.
 */
import { FORM_FIELDS, readingFrom, readingFromText, type FormResult } from "../core/rules/form.js";
import { FormReadError, readDocx, type DocxLimits, type FormContent } from "./docx.js";
import { readPdf } from "./pdf.js";

/** A required document the config names, once per id (core/rules/referrals.ts requiredDocuments): its id and the words that recognise it. */
export interface DocumentHint {
  id: string;
  match: string[];
}

export interface ParseLimits extends DocxLimits {
  maxBytes: number;
  maxPages: number;
}

function recognised(content: FormContent, hints: DocumentHint[]): string[] {
  const title = content.title.toLowerCase();
  const tags = new Set([...content.controls.keys()].map((t) => t.toLowerCase()));
  return hints
    .filter((h) => tags.has(h.id.toLowerCase()) || tags.has(`doc-${h.id.toLowerCase()}`) || h.match.some((m) => title.includes(m.toLowerCase())))
    .map((h) => h.id);
}

/** Never throws for a bad file: `{ error }` says why it could not be read. */
export async function parseForm(name: string, bytes: Uint8Array, documents: DocumentHint[], l: ParseLimits): Promise<FormResult> {
  const ext = name.toLowerCase().slice(name.lastIndexOf("."));
  try {
    if (bytes.length > l.maxBytes) throw new FormReadError(`it is larger than ${Math.round(l.maxBytes / 1048576)} MB`);
    let content: FormContent;
    if (ext === ".docx") content = readDocx(bytes, l);
    else if (ext === ".pdf") content = await readPdf(bytes, l.maxPages);
    else throw new FormReadError("only .docx and .pdf forms are read");
    const found = recognised(content, documents);
    const known = new Set(FORM_FIELDS.map((f) => f.tag as string));
    const tagged = new Map([...content.controls].filter(([k]) => known.has(k)));
    if (tagged.size) return readingFrom(ext === ".pdf" ? "form-fields" : "content-controls", tagged, found);
    return readingFromText(content.lines, found);
  } catch (e) {
    return { error: e instanceof FormReadError ? `could not read the form: ${e.message}` : "could not read the form" };
  }
}
