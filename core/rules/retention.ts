/**
 * How long a case's records are kept (issue 34): when a case has ended, the day its emails and
 * personal details fall due for deletion, and what is left of its rows once they are gone (the
 * numbers the termly report counts: cluster, school, status, dates, case type, pupils, terms,
 * amounts, decision).
 */
import type { Partnership } from "../config.js";
import type { StoredCase } from "../ports.js";
import { termPeriod } from "./report.js";
import { addDays, toLocal, type LocalDate } from "./time.js";

/** When a case ended and why; `date` null: it has not (still open, or its funding runs on). */
export interface CaseEnd {
  date: LocalDate | null;
  why: string;
}

const dateOf = (iso: string | null | undefined): LocalDate | null => (iso ? toLocal(new Date(iso)).date : null);

/** The term a date falls in, as termPeriod names it ("autumn-2026"): a summer holiday day counts as summer. */
function termOf(p: Partnership, date: LocalDate): string {
  const year = Number(date.slice(0, 4));
  if (date.slice(5) >= "09-01") return `autumn-${year}`;
  return date >= termPeriod(p, `summer-${year}`).from ? `summer-${year}` : `spring-${year}`;
}

function nextTerm(term: string): string {
  const [name, y] = term.split("-") as [string, string];
  const year = Number(y);
  return name === "autumn" ? `spring-${year + 1}` : name === "spring" ? `summer-${year}` : `autumn-${year}`;
}

/**
 * The last day of an award's funding: the end of the `terms`-th term counted from the term of the
 * decision (a decision in the summer holiday counts from the summer term, so funding is never
 * thought over before it is).
 */
export function fundingEnds(p: Partnership, decided: LocalDate, terms: number): LocalDate {
  let term = termOf(p, decided);
  for (let i = 1; i < Math.max(1, terms); i++) term = nextTerm(term);
  return termPeriod(p, term).to;
}

/** The most terms an award runs when its case does not say (the form's largest choice). */
const MOST_TERMS = 3;

/** When the case ended: decided (funded: when its funding ends), refused at intake, or superseded. */
export function caseEnd(p: Partnership, c: StoredCase, today: LocalDate): CaseEnd {
  const f = c.fields;
  switch (f.Status) {
    case "Decided": {
      const decided = dateOf(f.DecisionAt) ?? dateOf(f.ReceivedAt)!;
      if (f.Decision !== "Agree to fund") return { date: decided, why: "decided, not funded" };
      const ends = fundingEnds(p, decided, f.TermsSought ?? MOST_TERMS);
      return ends < today ? { date: ends, why: "its funding ended" } : { date: null, why: `its funding runs to ${ends}` };
    }
    case "Rejected":
    case "Quarantined":
      return { date: dateOf(f.ReceivedAt), why: "refused at intake" };
    case "Superseded":
      return { date: dateOf(f.ReceivedAt), why: "superseded by a corrected form" };
    default:
      return { date: null, why: `still open (${f.Status})` };
  }
}

/** The first day a case that ended on `end` is past the partnership's retention period. */
export function retentionDue(p: Partnership, end: LocalDate): LocalDate {
  const { years, countFrom } = p.dataProtection.keepCases;
  if (countFrom === "case-end") {
    const [y, md] = [Number(end.slice(0, 4)), end.slice(4)];
    // 29 February counts from 28 February in a year that has none.
    const same = `${y + years}${md}`;
    return addDays(md === "-02-29" && new Date(`${same}T00:00:00Z`).getUTCDate() !== 29 ? `${y + years}-02-28` : same, 1);
  }
  // The financial year runs 1 April to 31 March: kept to its end, then `years` more.
  const fyEndYear = end.slice(5) >= "04-01" ? Number(end.slice(0, 4)) + 1 : Number(end.slice(0, 4));
  return `${fyEndYear + years}-04-01`;
}

/** The retention period in words (the privacy notice, when the config has none of its own). */
export function retentionInWords(p: Partnership): string {
  const { years, countFrom } = p.dataProtection.keepCases;
  const span = `${years} year${years === 1 ? "" : "s"}`;
  return countFrom === "case-end"
    ? `for ${span} after the case ends (decided and its funding over, or refused), then deleted`
    : `until ${span} after the end of the financial year in which the case ends (decided and its funding over, or refused), then deleted`;
}

/** What Reasons says of a case whose emails and personal details were removed. */
export const REMOVED_MARK = "Emails and personal details removed";

export const isRemoved = (c: StoredCase) => (c.fields.Reasons ?? "").startsWith(REMOVED_MARK);

/**
 * A case's fields once its personal details are removed: the sender, the subject line (a school
 * may have named a child in it), the message ids and the hashes made from them, the reasons given
 * to the school (they quote file names). GraphMessageId is a unique column: it keeps a value of its own.
 */
export function removedFields(c: StoredCase, on: LocalDate, why: string): Partial<StoredCase["fields"]> {
  return {
    SenderEmail: "",
    SubjectLine: "",
    InternetMessageId: "",
    GraphMessageId: `removed:${c.fields.Title}`,
    Fingerprint: "",
    FormFiles: "",
    Reasons: `${REMOVED_MARK} on ${on}: ${why}.`,
  };
}

/**
 * An audit row's detail with only its codes left ("subject-missing-cluster", "receipt 12s"): the
 * summaries written for people (which name them) go. The health report's receipt times stay.
 */
export function codesOnly(detail: string): string {
  return detail
    .split(/,\s*/)
    .map((x) => x.trim())
    .filter((x) => /^[a-z0-9][a-z0-9:-]*(?: \d+s)?$/.test(x))
    .join(", ");
}

/** Whether the award's funding is still being paid (erasure refuses then unless forced). */
export function fundingLive(p: Partnership, c: StoredCase, today: LocalDate): boolean {
  const f = c.fields;
  if (f.Status !== "Decided" || f.Decision !== "Agree to fund") return false;
  const decided = dateOf(f.DecisionAt) ?? dateOf(f.ReceivedAt)!;
  return fundingEnds(p, decided, f.TermsSought ?? MOST_TERMS) >= today;
}
