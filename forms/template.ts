/**
 * The partnership's presentation form as a Word document (issue 17), written with the `docx`
 * library: each field a content control (w:sdt) tagged with the name intake reads back
 * (core/rules/form.ts FORM_FIELDS: caseType, cypCount, termsSought, amountRequested, consentConfirmed,
 * school, phase, Section 8's nature, quantity and purpose); choices as drop-down lists, consent as
 * a check box. The subject-line rule and the deadline rule are printed on it, from the config.
 * docx has no API for plain-text or drop-down content controls, so they are built from its
 * BuilderElement; everything else is the library's.
 */
import { BuilderElement, Document, HeadingLevel, Packer, Paragraph, StringValueElement, TextRun, type ParagraphChild, type XmlComponent } from "docx";
import type { Partnership } from "../core/config.js";
import { FORM_FIELDS } from "../core/rules/form.js";

const attr = (key: string, value: string) => ({ key, value });

/** An inline content control: tag (what intake reads), alias (its title in Word), placeholder text. */
function control(tag: string, title: string, choices?: string[], answer?: string): ParagraphChild {
  const props: XmlComponent[] = [new StringValueElement("w:alias", title), new StringValueElement("w:tag", tag)];
  if (answer === undefined) props.push(new BuilderElement({ name: "w:showingPlcHdr" }));
  if (choices)
    props.push(
      new BuilderElement({
        name: "w:dropDownList",
        children: choices.map(
          (c) =>
            new BuilderElement<{ displayText: string; value: string }>({
              name: "w:listItem",
              attributes: { displayText: attr("w:displayText", c), value: attr("w:value", c) },
            }),
        ),
      }),
    );
  const hint = choices ? "Choose an item." : "Click or tap here to enter text.";
  return new BuilderElement({
    name: "w:sdt",
    children: [
      new BuilderElement({ name: "w:sdtPr", children: props }),
      new BuilderElement({ name: "w:sdtContent", children: [answer === undefined ? new TextRun({ text: hint, color: "808080" }) : new TextRun(answer)] }),
    ],
  }) as unknown as ParagraphChild;
}

/** A check box content control (Word 2010's w14:checkbox), unticked. */
function checkbox(tag: string, title: string, ticked = false): ParagraphChild {
  const w14 = (name: string, attributes: Record<string, { key: string; value: string }>) => new BuilderElement({ name: `w14:${name}`, attributes });
  return new BuilderElement({
    name: "w:sdt",
    children: [
      new BuilderElement({
        name: "w:sdtPr",
        children: [
          new StringValueElement("w:alias", title),
          new StringValueElement("w:tag", tag),
          new BuilderElement({
            name: "w14:checkbox",
            children: [
              w14("checked", { val: attr("w14:val", ticked ? "1" : "0") }),
              w14("checkedState", { val: attr("w14:val", "2612"), font: attr("w14:font", "MS Gothic") }),
              w14("uncheckedState", { val: attr("w14:val", "2610"), font: attr("w14:font", "MS Gothic") }),
            ],
          }),
        ],
      }),
      new BuilderElement({ name: "w:sdtContent", children: [new TextRun({ text: ticked ? "☒" : "☐", font: "MS Gothic" })] }),
    ],
  }) as unknown as ParagraphChild;
}

/** Answers to put in the controls (a sample form, `send-sample`): tag → text; consentConfirmed "Yes" ticks the box. */
export type FormAnswers = Partial<Record<(typeof FORM_FIELDS)[number]["tag"], string>>;

function field(tag: (typeof FORM_FIELDS)[number]["tag"], answers: FormAnswers): Paragraph {
  const def = FORM_FIELDS.find((f) => f.tag === tag)!;
  return new Paragraph({
    spacing: { after: 160 },
    children: [
      new TextRun({ text: `${def.title}: `, bold: true }),
      tag === "consentConfirmed" ? checkbox(tag, def.title, answers.consentConfirmed === "Yes") : control(tag, def.title, def.choices, answers[tag]),
    ],
  });
}

const say = (text: string) => new Paragraph({ spacing: { after: 120 }, children: [new TextRun(text)] });
const heading = (text: string) => new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun(text)] });

/** The form for a partnership, as .docx bytes. */
export async function formTemplate(p: Partnership, answers: FormAnswers = {}): Promise<Buffer> {
  const rule = p.deadlineRule;
  const doc = new Document({
    title: `${p.shortName} presentation form`,
    creator: "Cluster Desk",
    description: `${p.name}: presentation form for cluster funding`,
    sections: [
      {
        children: [
          new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(`${p.name}: presentation form`)] }),
          say(
            `One form for individual and group cases. Email it as .docx or .pdf to ${p.intake.mailbox} with the subject line written as "${p.intake.subjectExample}".`,
          ),
          say(
            `Deadline: forms must arrive by ${rule.time} ${rule.calendarDaysBeforeMeeting} calendar days before the cluster meeting (on the school day before, when that is not a school day). Forms after the deadline go to the next meeting.`,
          ),
          say("Fill in the boxes below; do not write a child's name or date of birth in them. Other documents may be attached to the same email."),
          heading("About the case"),
          field("school", answers),
          field("phase", answers),
          field("caseType", answers),
          field("cypCount", answers),
          field("termsSought", answers),
          field("amountRequested", answers),
          heading("Consent"),
          field("consentConfirmed", answers),
          heading("Section 8: the support sought"),
          field("supportNature", answers),
          field("supportQuantity", answers),
          field("supportPurpose", answers),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
