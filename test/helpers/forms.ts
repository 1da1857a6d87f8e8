/** Presentation forms for tests: the template filled in as a school would, older free-form documents, PDFs. */
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { Document, Packer, Paragraph, TextRun } from "docx";
import { PDFDocument, StandardFonts } from "pdf-lib";
import type { Partnership } from "../../core/config.js";
import { formTemplate } from "../../forms/template.js";

/** The partnership's template with content controls answered (tag → text) and the consent box ticked or not. */
export async function filledForm(p: Partnership, values: Record<string, string>, consent: boolean, extraTags: string[] = []): Promise<Buffer> {
  const files = unzipSync(new Uint8Array(await formTemplate(p)));
  let xml = strFromU8(files["word/document.xml"]!);
  for (const [tag, value] of Object.entries(values)) {
    const start = xml.indexOf(`<w:tag w:val="${tag}"/>`);
    if (start < 0) throw new Error(`no control ${tag}`);
    const open = xml.indexOf("<w:sdtContent>", start);
    const close = xml.indexOf("</w:sdtContent>", open);
    const props = xml.slice(start, open).replace("<w:showingPlcHdr/>", "");
    xml = `${xml.slice(0, start)}${props}<w:sdtContent><w:r><w:t xml:space="preserve">${value}</w:t></w:r>${xml.slice(close)}`;
  }
  if (consent) xml = xml.replace('<w14:checked w14:val="0"/>', '<w14:checked w14:val="1"/>');
  // Extra controls (a required document named inside the file, Southampton).
  for (const tag of extraTags) {
    xml = xml.replace(
      "</w:body>",
      `<w:p><w:sdt><w:sdtPr><w:tag w:val="${tag}"/></w:sdtPr><w:sdtContent><w:r><w:t>${tag}</w:t></w:r></w:sdtContent></w:sdt></w:p></w:body>`,
    );
  }
  files["word/document.xml"] = strToU8(xml);
  return Buffer.from(zipSync(files));
}

/** An older form: labelled lines of text, no content controls. */
export async function freeFormDocx(lines: string[], title = "Presentation form"): Promise<Buffer> {
  return Packer.toBuffer(new Document({ title, sections: [{ children: lines.map((l) => new Paragraph({ children: [new TextRun(l)] })) }] }));
}

/** A PDF of lines of text; with `fields`, an AcroForm with those text fields (and a consent check box). */
export async function pdfOf(lines: string[], fields: Record<string, string> = {}, consent?: boolean): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  lines.forEach((l, i) => page.drawText(l, { x: 50, y: 780 - i * 20, size: 11, font }));
  const form = doc.getForm();
  Object.entries(fields).forEach(([name, value], i) => {
    const f = form.createTextField(name);
    f.setText(value);
    f.addToPage(page, { x: 300, y: 500 - i * 30, width: 200, height: 20 });
  });
  if (consent !== undefined) {
    const box = form.createCheckBox("consentConfirmed");
    box.addToPage(page, { x: 300, y: 200, width: 15, height: 15 });
    if (consent) box.check();
  }
  return Buffer.from(await doc.save());
}
