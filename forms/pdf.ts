/**
 * A PDF form's fields, text lines and title, read with pdf.js (issue 17). It runs only inside the
 * form reader's own process (forms/readerProcess.ts), which the caller kills when its time or
 * memory bound passes. pdf.js never runs a document's JavaScript (scripting is a viewer feature,
 * not used here); eval is off, fonts are not loaded. At most `maxPages` pages are read.
 */
import { FormReadError, type FormContent } from "./docx.js";

interface FieldObject {
  type?: string;
  value?: unknown;
}
interface TextItem {
  str?: unknown;
  transform?: number[];
}

export async function readPdf(bytes: Uint8Array, maxPages: number): Promise<FormContent> {
  const head = Buffer.from(bytes.subarray(0, 1024));
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2048)));
  // Nothing is parsed that cannot be a whole PDF (a header and an end-of-file marker at least).
  if (!head.includes("%PDF-") || !tail.includes("%%EOF")) throw new FormReadError("not a complete PDF");
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  let doc;
  try {
    doc = await pdfjs.getDocument({
      data: new Uint8Array(bytes),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      enableXfa: false,
      stopAtErrors: true,
      verbosity: 0,
    }).promise;
  } catch {
    throw new FormReadError("not a readable PDF");
  }
  try {
    const fields: Record<string, string> = {};
    const objects = ((await doc.getFieldObjects()) ?? {}) as Record<string, FieldObject[]>;
    for (const [name, list] of Object.entries(objects)) {
      for (const f of list) {
        if (f.type === "checkbox") fields[name] = f.value && f.value !== "Off" ? "Yes" : "No";
        else if (f.type === "radiobutton") {
          if (f.value && f.value !== "Off") fields[name] = String(f.value);
        } else if (typeof f.value === "string" && !(name in fields)) fields[name] = f.value;
      }
    }
    const lines: string[] = [];
    for (let i = 1; i <= Math.min(doc.numPages, maxPages); i++) {
      const page = await doc.getPage(i);
      const content = await page.getTextContent();
      // Items on the same baseline make a line, left to right.
      const rows = new Map<number, { x: number; s: string }[]>();
      for (const item of content.items as TextItem[]) {
        if (typeof item.str !== "string" || !item.transform) continue;
        const y = Math.round(item.transform[5] ?? 0);
        const row = rows.get(y) ?? [];
        row.push({ x: item.transform[4] ?? 0, s: item.str });
        rows.set(y, row);
      }
      for (const y of [...rows.keys()].sort((a, b) => b - a)) {
        lines.push(
          rows
            .get(y)!
            .sort((a, b) => a.x - b.x)
            .map((r) => r.s)
            .join(" ")
            .replace(/\s+/g, " ")
            .trim(),
        );
      }
      page.cleanup();
    }
    const meta = (await doc.getMetadata().catch(() => null)) as { info?: { Title?: unknown } } | null;
    const title = typeof meta?.info?.Title === "string" ? meta.info.Title : "";
    return { controls: new Map(Object.entries(fields)), lines: lines.filter(Boolean), title };
  } catch (e) {
    if (e instanceof FormReadError) throw e;
    throw new FormReadError("not a readable PDF");
  } finally {
    await doc.destroy();
  }
}
