/**
 * Reading the presentation form (issue 17): the template's content controls, older free-form
 * documents, PDFs (text and form fields); each safety bound with a crafted file; and that no
 * child's name or date of birth leaves the reader.
 */
import { describe, expect, it } from "vitest";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { loadPartnership } from "../config/load.js";
import { LIMITS, readForm, readForwarded, residentMb } from "../forms/read.js";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { readDocx } from "../forms/docx.js";
import { formTemplate } from "../forms/template.js";
import { isReading, type FormReading } from "../core/rules/form.js";
import { requiredDocuments } from "../core/rules/referrals.js";
import { filledForm, freeFormDocx, pdfOf } from "./helpers/forms.js";
import { disguisedMacroDocx, inflatingPdf, nestedDocx } from "./helpers/hostileForms.js";

const hounslow = loadPartnership("hounslow-mip").partnership;
const CHILD = "Jamie Q. Example";
const DOB = "14/03/2016";

const read = async (name: string, bytes: Uint8Array, opts?: Parameters<typeof readForm>[2]): Promise<FormReading> => {
  const r = await readForm(name, bytes, opts);
  if (!isReading(r)) throw new Error(r.error);
  return r;
};
const refusal = async (name: string, bytes: Uint8Array, opts?: Parameters<typeof readForm>[2]) => {
  const r = await readForm(name, bytes, opts);
  if (isReading(r)) throw new Error("read, though it should have been refused");
  return r.error;
};

describe("the form template", () => {
  it("is a Word document whose fields are tagged content controls, with the subject-line and deadline rules printed", async () => {
    const xml = strFromU8(unzipSync(new Uint8Array(await formTemplate(hounslow)))["word/document.xml"]!);
    for (const tag of [
      "school",
      "phase",
      "caseType",
      "cypCount",
      "termsSought",
      "amountRequested",
      "consentConfirmed",
      "supportNature",
      "supportQuantity",
      "supportPurpose",
    ])
      expect(xml).toContain(`<w:tag w:val="${tag}"/>`);
    expect(xml).toContain('<w:listItem w:displayText="Group" w:value="Group"/>');
    expect(xml).toContain("<w14:checkbox>");
    expect(xml).toContain("Cluster 5/KL/Isleworth Town Primary School");
    expect(xml).toContain(`${hounslow.deadlineRule.calendarDaysBeforeMeeting} calendar days before the cluster meeting`);
    // Blank, it answers nothing, and its unticked box says consent is not confirmed.
    const blank = await read("form.docx", await formTemplate(hounslow));
    expect(blank.fields).toEqual({ consentConfirmed: false });
    expect(blank.answered).toEqual([]);
    expect(blank.missing).toContain("cypCount");
  });

  it("filled in, gives its numeric and choice fields; free text is only named as answered, never quoted", async () => {
    const form = await filledForm(
      hounslow,
      {
        school: "Isleworth Town Primary School",
        phase: "primary",
        caseType: "Group",
        cypCount: "5",
        termsSought: "2",
        amountRequested: "£4,500",
        supportNature: `Small-group literacy for ${CHILD}, born ${DOB}`,
        supportQuantity: "6 hours a week",
        supportPurpose: "Reading age up by a year",
      },
      true,
    );
    const r = await read("MIP form.docx", form);
    expect(r.source).toBe("content-controls");
    expect(r.fields).toEqual({
      phase: "primary",
      caseType: "Group",
      cypCount: 5,
      termsSought: 2,
      amountRequested: 4500,
      consentConfirmed: true,
      supportQuantity: 6,
    });
    expect(r.answered).toEqual(["school", "supportNature", "supportPurpose"]);
    expect(r.missing).toEqual([]);
    const out = JSON.stringify(r);
    expect(out).not.toContain("Jamie");
    expect(out).not.toContain(DOB);
    expect(out).not.toContain("Isleworth");
  });

  it("a value that does not read as its kind is unreadable, never guessed", async () => {
    const r = await read("f.docx", await filledForm(hounslow, { cypCount: "five", termsSought: "4", amountRequested: "about £4k", caseType: "Group" }, true));
    expect(r.fields).toEqual({ caseType: "Group", consentConfirmed: true });
    expect(r.unreadable).toEqual([
      { field: "cypCount", reason: "not a whole number of children" },
      { field: "termsSought", reason: "not 1, 2 or 3 terms" },
      { field: "amountRequested", reason: "not an amount in pounds" },
    ]);
  });
});

describe("older and free-form documents, and PDFs", () => {
  it("an older Word form gives what its labels say and the rest is missing", async () => {
    const doc = await freeFormDocx([`Child: ${CHILD}`, `Date of birth: ${DOB}`, "Number of CYP: 5", "Terms sought: two", "Some notes about the plan."]);
    const r = await read("old form.docx", doc);
    expect(r.source).toBe("text");
    expect(r.fields).toEqual({ cypCount: 5 });
    expect(r.unreadable).toEqual([{ field: "termsSought", reason: "not 1, 2 or 3 terms" }]);
    expect(r.missing).toEqual(expect.arrayContaining(["caseType", "amountRequested", "consentConfirmed"]));
    expect(JSON.stringify(r)).not.toMatch(/Jamie|14\/03\/2016/);
  });

  it("a PDF's text lines, and a fillable PDF's fields", async () => {
    const text = await read(
      "form.pdf",
      await pdfOf([`Name: ${CHILD}`, "Case type: Individual", "Number of CYP: 1", "Amount requested: £2,000", "Consent confirmed: Yes"]),
    );
    expect(text.source).toBe("text");
    expect(text.fields).toEqual({ caseType: "Individual", cypCount: 1, amountRequested: 2000, consentConfirmed: true });
    const filled = await read(
      "form.pdf",
      await pdfOf(["Presentation form"], { cypCount: "3", termsSought: "1", caseType: "Group", supportNature: CHILD }, false),
    );
    expect(filled.source).toBe("form-fields");
    expect(filled.fields).toEqual({ cypCount: 3, termsSought: 1, caseType: "Group", consentConfirmed: false });
    expect(JSON.stringify([text, filled])).not.toContain("Jamie");
  });

  it("a required document is recognised by a content control or the file's title (Southampton)", async () => {
    const soton = loadPartnership("southampton").partnership;
    const documents = requiredDocuments(soton);
    expect((await read("a.docx", await filledForm(soton, { cypCount: "1" }, true, ["doc-profile-of-need"]), { documents })).documents).toEqual([
      "profile-of-need",
    ]);
    expect((await read("b.docx", await freeFormDocx(["Costs"], "Costed Provision Map 2026"), { documents })).documents).toEqual(["costed-provision-map"]);
  });
});

describe("bounds: each refused with a crafted file, without expanding it", () => {
  const docxWith = (parts: Record<string, Uint8Array>, level: 0 | 9 = 9) =>
    zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "word/document.xml": strToU8("<w:document/>"), ...parts }, { level });

  it("a zip bomb: a part compressed more than the bound allows", async () => {
    const bomb = docxWith({ "word/media/a.bin": new Uint8Array(50 * 1024 * 1024) });
    expect(await refusal("bomb.docx", bomb)).toMatch(/compressed more than 200 times/);
  });

  it("a header that lies about a part's size: abandoned as soon as it passes what it said", async () => {
    const zip = Buffer.from(zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "word/document.xml": new Uint8Array(30 * 1024 * 1024) }, { level: 9 }));
    // Say 1,000 bytes, in the central directory and the local header.
    for (let at = zip.indexOf("PK\u0001\u0002"); at >= 0; at = zip.indexOf("PK\u0001\u0002", at + 4)) {
      if (zip.subarray(at + 46, at + 46 + zip.readUInt16LE(at + 28)).toString() === "word/document.xml") zip.writeUInt32LE(1000, at + 24);
    }
    for (let at = zip.indexOf("PK\u0003\u0004"); at >= 0; at = zip.indexOf("PK\u0003\u0004", at + 4)) {
      if (zip.subarray(at + 30, at + 30 + zip.readUInt16LE(at + 26)).toString() === "word/document.xml") zip.writeUInt32LE(1000, at + 22);
    }
    expect(await refusal("liar.docx", zip)).toMatch(/larger than it says/);
  });

  it("too many parts, too large a file, too much declared in all", async () => {
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 600; i++) many[`word/p${i}.xml`] = strToU8("x");
    expect(await refusal("many.docx", docxWith(many))).toMatch(/more than 500 parts/);
    expect(await refusal("big.docx", new Uint8Array(11 * 1024 * 1024))).toMatch(/larger than 10 MB/);
    const stored = docxWith({ "word/media/a.bin": new Uint8Array(3 * 1024 * 1024) }, 0);
    expect(await refusal("declared.docx", stored, { limits: { maxUncompressed: 2 * 1024 * 1024 } })).toMatch(/expand to more than 2 MB/);
  });

  it("macros are not opened; XML with a DTD is not read; a damaged file is 'could not read the form'", async () => {
    expect(await refusal("m.docx", docxWith({ "word/vbaProject.bin": strToU8("x") }))).toMatch(/contains macros/);
    const laughs = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document>&b;</w:document>`;
    expect(await refusal("dtd.docx", docxWith({ "word/document.xml": strToU8(laughs) }))).toMatch(/DTD/);
    expect(await refusal("junk.docx", strToU8("PK\u0003\u0004 not really a zip"))).toMatch(/^could not read the form/);
    expect(await refusal("half.pdf", strToU8("%PDF-1.7 presentation form"))).toMatch(/not a complete PDF/);
  });

  it("a PDF that takes longer than the bound is abandoned (the worker is stopped)", async () => {
    const pdf = await pdfOf(["Number of CYP: 2"]);
    expect(await refusal("slow.pdf", pdf, { limits: { timeoutMs: 1 } })).toMatch(/took longer than/);
    expect((await read("fast.pdf", pdf)).fields).toEqual({ cypCount: 2 }); // the same file, with the usual bound
  });
});

describe("reading is linear and bounded, in its own process (issue 30)", () => {
  /**
   * The fastest of five reads of each file in this process (the reader's own work, without the
   * process around it), taken in turns so that a busy moment slows each file alike.
   */
  const fastest = (files: Uint8Array[]) => {
    const best = files.map(() => Infinity);
    for (let round = 0; round < 5; round++)
      files.forEach((bytes, i) => {
        const start = performance.now();
        readDocx(bytes, LIMITS);
        best[i] = Math.min(best[i]!, performance.now() - start);
      });
    return best;
  };

  it("a .docx takes four times the time for four times the nesting or the size, not sixteen", () => {
    // Doubled twice: linear gives about 4, the old reader (which walked each paragraph's subtree
    // again) gave 16 and more, so a busy machine cannot fail a linear reader nor pass a quadratic one.
    const [base, deeper, longer] = fastest([nestedDocx(30, 1500, true), nestedDocx(120, 1500, true), nestedDocx(30, 6000, true)]);
    expect(deeper! / base!).toBeLessThan(8);
    expect(longer! / base!).toBeLessThan(8);
  });

  it("the issue's file (25,000 nested paragraphs, stored or compressed) is refused at once, and too large a text before it is read", async () => {
    expect(await refusal("deep.docx", nestedDocx(25_000, 1, true))).toMatch(/nest more than 256 deep/);
    expect(await refusal("deep.docx", nestedDocx(25_000, 1))).toMatch(/compressed more than 200 times|nest more than 256 deep/);
    expect(await refusal("long.docx", nestedDocx(1, 200_000, true))).toMatch(/its text is larger than 8 MB/);
    // Within the bounds, deep nesting is read (and a run is counted once, in its innermost paragraph).
    const r = await read("deep-ok.docx", nestedDocx(200, 3, true));
    expect(r.fields).toEqual({ cypCount: 2 });
  });

  it("macros are found by content: a VBA project under any name, named by a content type or a relationship, or a macro-enabled document", async () => {
    for (const by of ["content-type", "relationship", "macro-enabled"] as const)
      expect(await refusal(`evil-${by}.docx`, disguisedMacroDocx(by)), by).toMatch(/contains macros/);
  });

  it("a PDF that inflates past the reader's memory is refused, the host's memory stays where it was, and the next form is read", async () => {
    const before = residentMb(process.pid);
    const pdf = inflatingPdf(200); // 0.3 MB that pdf.js would inflate to 200 MB
    expect(pdf.length).toBeLessThan(1024 * 1024);
    expect(await refusal("bomb.pdf", pdf)).toMatch(/^could not read the form: /);
    const after = residentMb(process.pid);
    if (before !== null && after !== null) expect(after - before).toBeLessThan(100);
    expect((await read("after.pdf", await pdfOf(["Number of CYP: 3"]))).fields).toEqual({ cypCount: 3 });
  });

  it("four hostile forms at once are each read or refused within the time bound, and a good form behind them is read", async () => {
    const start = Date.now();
    const results = await Promise.all([
      readForm("a.pdf", inflatingPdf(200)),
      readForm("b.docx", nestedDocx(250, 1500, true)),
      readForm("c.pdf", inflatingPdf(100)),
      readForm("d.docx", nestedDocx(25_000, 1, true)),
      readForm("good.docx", await freeFormDocx(["Number of CYP: 4"])),
    ]);
    // Two readers, five files, each within LIMITS.timeoutMs: the last is done within three turns.
    expect(Date.now() - start).toBeLessThan(3 * LIMITS.timeoutMs + 2000);
    expect(results[4]).toMatchObject({ fields: { cypCount: 4 } });
    for (const r of results.slice(0, 4)) expect("error" in r || "fields" in r).toBe(true);
  });

  it("a forwarded email's files are read in the reader's process, bounded: at most 20 files", async () => {
    const eml = async (n: number) =>
      new MailComposer({
        from: "a@school.example",
        subject: "Fw",
        text: "x",
        attachments: Array.from({ length: n }, (_, i) => ({ filename: `f${i}.pdf`, content: Buffer.from(`%PDF-1.7 ${i}`) })),
      })
        .compile()
        .build();
    const two = await readForwarded(await eml(2));
    expect("error" in two ? two.error : two.map((f) => [f.name, f.bytes.length])).toEqual([
      ["f0.pdf", 10],
      ["f1.pdf", 10],
    ]);
    expect(await readForwarded(await eml(25))).toEqual({ error: "the forwarded email holds more than 20 files or 10 MB" });
    expect(await readForwarded(Buffer.from("not a message at all"))).not.toHaveProperty("length", 1);
  });
});
