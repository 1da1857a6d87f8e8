// Reads a PDF's form fields and text with pdf.js, in a worker thread the caller terminates when its
// time bound passes (forms/read.ts). pdf.js never runs a document's JavaScript (scripting is a
// viewer feature, not used here); eval is off, fonts are not loaded. Only the fields' values, the
// text's lines and the title go back; the bytes stay here and are dropped with the worker.
import { parentPort, workerData } from "node:worker_threads";

const { bytes, maxPages } = workerData;

async function main() {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    enableXfa: false,
    stopAtErrors: true,
    verbosity: 0,
  }).promise;
  const fields = {};
  const objects = (await doc.getFieldObjects()) ?? {};
  for (const [name, list] of Object.entries(objects)) {
    for (const f of list) {
      if (f.type === "checkbox") fields[name] = f.value && f.value !== "Off" ? "Yes" : "No";
      else if (f.type === "radiobutton") {
        if (f.value && f.value !== "Off") fields[name] = String(f.value);
      } else if (typeof f.value === "string" && !(name in fields)) fields[name] = f.value;
    }
  }
  const lines = [];
  for (let i = 1; i <= Math.min(doc.numPages, maxPages); i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    // Items on the same baseline make a line, left to right.
    const rows = new Map();
    for (const item of content.items) {
      if (typeof item.str !== "string" || !item.transform) continue;
      const y = Math.round(item.transform[5]);
      const row = rows.get(y) ?? [];
      row.push({ x: item.transform[4], s: item.str });
      rows.set(y, row);
    }
    for (const y of [...rows.keys()].sort((a, b) => b - a)) {
      lines.push(
        rows
          .get(y)
          .sort((a, b) => a.x - b.x)
          .map((r) => r.s)
          .join(" ")
          .replace(/\s+/g, " ")
          .trim(),
      );
    }
    page.cleanup();
  }
  const meta = await doc.getMetadata().catch(() => null);
  const title = typeof meta?.info?.Title === "string" ? meta.info.Title : "";
  await doc.destroy();
  return { fields, lines: lines.filter(Boolean), title };
}

main().then(
  (r) => parentPort.postMessage({ ok: true, ...r }),
  (e) => parentPort.postMessage({ ok: false, error: String(e?.name ?? "Error") }),
);
