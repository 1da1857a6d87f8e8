/**
 * Finding: a zip named `form.pdf` and a zero-byte form were logged as forms. Attachments are
 * checked by their content too: a PDF starts `%PDF-`, a .docx is a zip with
 * `[Content_Types].xml` and no `vbaProject.bin`, empty files are refused; the reply names the file.
 */
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { loadPartnership } from "../../config/load.js";
import { decideMail, type MessageFacts } from "../../core/rules/mailRules.js";
import { composeReply } from "../../core/rules/replies.js";
import { fromLocal } from "../../core/rules/time.js";
import { sniffContent } from "../../m365/content.js";

const { partnership: p } = loadPartnership("hounslow-mip");
const docx = zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "word/document.xml": strToU8("<w:document/>") });
const docm = zipSync({
  "[Content_Types].xml": strToU8("<Types/>"),
  "word/document.xml": strToU8("<w:document/>"),
  "word/vbaProject.bin": new Uint8Array([1, 2, 3]),
});
const plainZip = zipSync({ "form.pdf": strToU8("%PDF-1.7") });
const pdf = strToU8("%PDF-1.7\n%âãÏÓ\n1 0 obj\n");

const facts = (name: string, bytes: Uint8Array): MessageFacts => ({
  subject: "Cluster 5/KL/Isleworth Town Primary School",
  from: { address: "senco@isleworthtown.example" },
  receivedAt: fromLocal("2023-05-02", "10:00"),
  internetMessageId: "<a@b>",
  headers: [],
  attachments: [{ name, contentType: "application/octet-stream", size: bytes.length, isInline: false, content: sniffContent(bytes) }],
});

describe("security: attachments are checked by content", () => {
  it("tells PDFs, Word documents, macro documents, zips, OLE files and empty files apart", () => {
    expect(sniffContent(pdf)).toBe("pdf");
    expect(sniffContent(docx)).toBe("ooxml");
    expect(sniffContent(docm)).toBe("ooxml-macro");
    expect(sniffContent(plainZip)).toBe("zip");
    expect(sniffContent(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]))).toBe("ole");
    expect(sniffContent(new Uint8Array())).toBe("empty");
    expect(sniffContent(strToU8("PK\x03\x04 not really a zip"))).toBe("unknown");
    expect(sniffContent(strToU8("MZ\x90\x00"))).toBe("unknown");
  });

  it.each([
    ["form.pdf", plainZip, "content", /"form\.pdf" is named \.pdf but its content is a zip archive/],
    ["form.docx", pdf, "content", /"form\.docx" is named \.docx but its content is a PDF/],
    ["form.docx", plainZip, "content", /its content is a zip archive, not a \.docx file/],
    ["form.docx", docm, "dangerous", /"form\.docx" contains macros/],
    ["form.pdf", new Uint8Array(), "empty", /"form\.pdf" is empty \(0 bytes\)/],
  ] as const)("%s with the wrong content is rejected, and the reply says which file and why", (name, bytes, problem, said) => {
    const d = decideMail(p, facts(name, bytes));
    expect(d).toMatchObject({ outcome: "rejected", folder: "Rejected", reply: true, attachmentProblems: [expect.objectContaining({ name, problem })] });
    expect(composeReply(p, d, { caseRef: "C5-2023-0001" }).body).toMatch(said);
    expect(d.notes.join(" ")).not.toContain(name);
  });

  it("real PDFs and Word documents are accepted", () => {
    expect(decideMail(p, facts("form.pdf", pdf)).outcome).toBe("accepted");
    expect(decideMail(p, facts("form.docx", docx)).outcome).toBe("accepted");
  });
});
