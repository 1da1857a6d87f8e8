/**
 * The presentation form's fields (issue 17): the unified form of seed 001 (one form for individual
 * and group cases, consent confirmed by the school, Section 8: the nature, quantity and purpose of
 * the support sought). The template names each field by a content-control tag; older or
 * free-form documents are read by their labels ("Number of CYP: 5"). Values are read strictly:
 * a value that does not parse is "unreadable", never guessed.
 *
 * Privacy: only the numeric and choice fields below leave the reader. Free-text fields (the
 * school's name, Section 8's nature and purpose) are reported as answered or missing, never with
 * their words; nothing else in the document (a child's name, a date of birth) is kept.
 */
import { PHASES, type Phase } from "../config.js";

export interface FormFields {
  caseType?: "Individual" | "Group";
  cypCount?: number;
  termsSought?: 1 | 2 | 3;
  amountRequested?: number;
  consentConfirmed?: boolean;
  phase?: Phase;
  /** Section 8's quantity: hours of support a week, as a number. */
  supportQuantity?: number;
}

export type FormFieldName = keyof FormFields;
/** Free-text fields: only whether the form answers them leaves the reader. */
export type FormTextField = "school" | "supportNature" | "supportPurpose";

export interface FormReading {
  /** How the fields were found: the template's content controls, a PDF's form fields, or labels in the text. */
  source: "content-controls" | "form-fields" | "text" | "none";
  fields: FormFields;
  /** Free-text fields the form answers (named, never quoted). */
  answered: FormTextField[];
  /** Fields the form does not give. */
  missing: (FormFieldName | FormTextField)[];
  /** Fields given in a way that cannot be read as their kind (e.g. "five" for a number). */
  unreadable: { field: FormFieldName; reason: string }[];
  /** Required documents (config referralTypes' documents, by id) recognised inside the file. */
  documents: string[];
}

/** Reading the file failed or was refused (a bound was crossed): the case goes on as today. */
export interface FormUnreadable {
  error: string;
}

export type FormResult = FormReading | FormUnreadable;
export const isReading = (r: FormResult | undefined): r is FormReading => Boolean(r && "fields" in r);

/** Each field: its content-control tag, its title on the template, and labels an older form may use. */
export const FORM_FIELDS: { tag: FormFieldName | FormTextField; title: string; labels: string[]; choices?: string[] }[] = [
  { tag: "school", title: "School", labels: ["school", "name of school", "school name"] },
  { tag: "phase", title: "Phase", labels: ["phase", "school phase"], choices: [...PHASES] },
  { tag: "caseType", title: "Case type (individual or group)", labels: ["case type", "type of case", "individual or group"], choices: ["Individual", "Group"] },
  {
    tag: "cypCount",
    title: "Number of children and young people (CYP)",
    labels: ["number of cyp", "number of children and young people", "number of children", "no of cyp", "no. of cyp", "cyp"],
  },
  {
    tag: "termsSought",
    title: "Terms of funding sought (1, 2 or 3)",
    labels: ["terms sought", "number of terms", "terms of funding sought", "terms"],
    choices: ["1", "2", "3"],
  },
  { tag: "amountRequested", title: "Amount requested (£)", labels: ["amount requested", "funding requested", "total requested", "amount"] },
  {
    tag: "consentConfirmed",
    title: "Parents' or carers' consent to share this information is confirmed",
    labels: ["consent confirmed", "consent", "parental consent", "parental consent confirmed"],
    choices: ["Yes", "No"],
  },
  { tag: "supportNature", title: "Section 8: nature of the support sought", labels: ["nature of support", "nature of the support sought", "nature"] },
  {
    tag: "supportQuantity",
    title: "Section 8: quantity of support (hours a week)",
    labels: ["quantity of support", "quantity", "hours per week", "hours a week"],
  },
  {
    tag: "supportPurpose",
    title: "Section 8: purpose of the support (the outcomes sought)",
    labels: ["purpose of support", "purpose of the support", "purpose"],
  },
];

const TEXT_FIELDS: FormTextField[] = ["school", "supportNature", "supportPurpose"];

/** One value as the form gives it, parsed strictly; a reason when it cannot be read. */
function parseValue(field: FormFieldName, raw: string): { value: FormFields[FormFieldName] } | { reason: string } {
  const v = raw.trim().replace(/\s+/g, " ");
  const lower = v.toLowerCase();
  switch (field) {
    case "caseType":
      if (lower === "individual" || lower === "individual case") return { value: "Individual" };
      if (lower === "group" || lower === "group case") return { value: "Group" };
      return { reason: "not Individual or Group" };
    case "cypCount": {
      if (!/^\d{1,3}$/.test(v) || Number(v) < 1) return { reason: "not a whole number of children" };
      return { value: Number(v) };
    }
    case "termsSought": {
      const m = /^([123])(?: terms?)?$/.exec(lower);
      return m ? { value: Number(m[1]) as 1 | 2 | 3 } : { reason: "not 1, 2 or 3 terms" };
    }
    case "amountRequested": {
      const digits = v.replace(/^£ ?/, "");
      if (!/^(?:\d{1,3}(?:,\d{3})+|\d{1,7})(?:\.\d{2})?$/.test(digits)) return { reason: "not an amount in pounds" };
      return { value: Number(digits.replace(/,/g, "")) };
    }
    case "supportQuantity": {
      const m = /^(\d{1,2}(?:\.\d{1,2})?)(?: hours?(?: (?:a|per) week)?)?$/.exec(lower);
      return m ? { value: Number(m[1]) } : { reason: "not a number of hours" };
    }
    case "consentConfirmed":
      if (["yes", "y", "true", "confirmed", "☒", "x"].includes(lower)) return { value: true };
      if (["no", "n", "false", "not confirmed", "☐"].includes(lower)) return { value: false };
      return { reason: "not yes or no" };
    case "phase": {
      const p = PHASES.find((x) => x === lower.replace(/ /g, "-"));
      return p ? { value: p } : { reason: `not one of ${PHASES.join(", ")}` };
    }
  }
}

/**
 * The reading from what a file gave: tag → raw value (content controls or form fields), or
 * label → raw value (lines of text). `documents` are recognised by the reader and passed through.
 */
export function readingFrom(source: FormReading["source"], given: Map<string, string>, documents: string[] = []): FormReading {
  const fields: FormFields = {};
  const answered: FormTextField[] = [];
  const missing: FormReading["missing"] = [];
  const unreadable: FormReading["unreadable"] = [];
  for (const def of FORM_FIELDS) {
    const raw = given.get(def.tag);
    const empty = raw === undefined || !raw.trim() || /^(?:click or tap|enter|choose)/i.test(raw.trim());
    if ((TEXT_FIELDS as string[]).includes(def.tag)) {
      if (empty) missing.push(def.tag);
      else answered.push(def.tag as FormTextField);
      continue;
    }
    const field = def.tag as FormFieldName;
    if (empty) {
      missing.push(field);
      continue;
    }
    const r = parseValue(field, raw);
    if ("reason" in r) unreadable.push({ field, reason: r.reason });
    else (fields as Record<string, unknown>)[field] = r.value;
  }
  const found = Object.keys(fields).length + answered.length;
  return { source: found ? source : "none", fields, answered, missing, unreadable, documents };
}

/** The fields read from labelled lines of text ("Number of CYP: 5"), for documents without content controls. */
export function readingFromText(lines: string[], documents: string[] = []): FormReading {
  const given = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf(":");
    if (at < 1 || at > 80) continue;
    const label = line.slice(0, at).trim().toLowerCase().replace(/[()*]/g, "").replace(/\s+/g, " ");
    const value = line.slice(at + 1).trim();
    const def = FORM_FIELDS.find((f) => f.labels.includes(label));
    // The first answer to a label counts; a later line with the same label is not a second guess.
    if (def && value && !given.has(def.tag)) given.set(def.tag, value);
  }
  return readingFrom("text", given, documents);
}

/** The case fields a reading fills (Cases list columns); their names are what FromForm lists. */
export function caseFieldsFromForm(r: FormReading): Record<string, string | number | boolean> {
  const f = r.fields;
  const fields: Record<string, string | number | boolean> = {};
  if (f.caseType) fields.CaseType = f.caseType;
  if (f.cypCount !== undefined) fields.CypCount = f.cypCount;
  if (f.termsSought !== undefined) fields.TermsSought = f.termsSought;
  if (f.amountRequested !== undefined) fields.AmountRequested = f.amountRequested;
  if (f.consentConfirmed !== undefined) fields.ConsentConfirmed = f.consentConfirmed;
  return fields;
}
