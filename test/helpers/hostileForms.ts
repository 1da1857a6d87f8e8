/** Hostile forms for the reader's bounds (issue 30): deep nesting, macros under any name, PDFs that inflate. */
import { constants, deflateRawSync } from "node:zlib";
import { strToU8, zipSync } from "fflate";

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
const W = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`;

/** A .docx with `groups` runs of text, each inside `depth` nested paragraphs (Word nests none; a crafted file can). */
export function nestedDocx(depth: number, groups: number, stored = false): Uint8Array {
  const group = `${"<w:p>".repeat(depth)}<w:r><w:t>Number of CYP: 2</w:t></w:r>${"</w:p>".repeat(depth)}`;
  const xml = `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>${group.repeat(groups)}</w:body></w:document>`;
  return zipSync({ "[Content_Types].xml": strToU8(CONTENT_TYPES), "word/document.xml": strToU8(xml) }, { level: stored ? 0 : 6 });
}

/** A .docx whose VBA project is stored under another name, declared by its content type or by a relationship only. */
export function disguisedMacroDocx(by: "content-type" | "relationship" | "macro-enabled"): Uint8Array {
  const types =
    by === "content-type"
      ? CONTENT_TYPES.replace("</Types>", `<Override PartName="/word/evil.bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>`)
      : by === "macro-enabled"
        ? CONTENT_TYPES.replace("wordprocessingml.document.main+xml", "").replace(
            "application/vnd.openxmlformats-officedocument.",
            "application/vnd.ms-word.document.macroEnabled.main+xml",
          )
        : CONTENT_TYPES;
  const rels =
    by === "relationship"
      ? `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="evil.bin"/></Relationships>`
      : `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`;
  const doc = `<?xml version="1.0"?><w:document ${W}><w:body><w:p><w:r><w:t>Number of CYP: 2</w:t></w:r></w:p></w:body></w:document>`;
  return zipSync({
    "[Content_Types].xml": strToU8(types),
    "word/document.xml": strToU8(doc),
    "word/_rels/document.xml.rels": strToU8(rels),
    "word/evil.bin": new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]),
  });
}

/** A one-page PDF whose page content is a Flate stream that inflates to about `mb` MB (it compresses about a thousand times). */
export function inflatingPdf(mb: number): Buffer {
  // One megabyte deflated once and repeated: each copy ends on a full flush, so the copies join into
  // one valid zlib stream (header, the blocks, a final empty block, the Adler-32 of the whole).
  const chunk = Buffer.from("0 0 m\n".repeat((1024 * 1024) / 6 + 1).slice(0, 1024 * 1024));
  const block = deflateRawSync(chunk, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  let a = 1;
  let b = 0;
  for (const byte of chunk) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  // zlib's adler32_combine, once per further copy.
  const BASE = 65521;
  const rem = chunk.length % BASE;
  const one = { a, b };
  for (let i = 1; i < mb; i++) {
    let s1 = a;
    let s2 = (rem * s1) % BASE;
    s1 += one.a + BASE - 1;
    s2 += b + one.b + BASE - rem;
    if (s1 >= BASE) s1 -= BASE;
    if (s1 >= BASE) s1 -= BASE;
    if (s2 >= 2 * BASE) s2 -= 2 * BASE;
    if (s2 >= BASE) s2 -= BASE;
    a = s1;
    b = s2;
  }
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((b << 16) | a) >>> 0);
  const content = Buffer.concat([Buffer.from([0x78, 0xda]), ...Array.from({ length: mb }, () => block), deflateRawSync(Buffer.alloc(0)), adler]);
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
  ];
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n")];
  const offsets: number[] = [];
  let at = parts[0]!.length;
  const push = (b: Buffer) => {
    parts.push(b);
    at += b.length;
  };
  objects.forEach((o, i) => {
    offsets.push(at);
    push(Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`));
  });
  offsets.push(at);
  push(Buffer.from(`4 0 obj\n<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n`));
  push(content);
  push(Buffer.from("\nendstream\nendobj\n"));
  const xref = at;
  push(Buffer.from(`xref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`));
  push(Buffer.from(`trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`));
  return Buffer.concat(parts);
}
