/**
 * Referral types at intake (Southampton, seed 004): which type an email is, from its subject line
 * (the partnership's convention) or its attachments' names, and which of the type's required
 * documents are missing. Attachment names are read, never the files; what is missing is named
 * from the config's labels, so notes built here are safe for cards.
 */
import { normaliseName, type Partnership, type ReferralType } from "../config.js";

export interface ReferralCheck {
  /** The type read (or the partnership's only type); null when it could not be told. */
  type: ReferralType | null;
  /** How it was told. */
  from: "subject" | "attachment" | "only-type" | null;
  /** Required documents with no attachment named for them, by label. */
  missing: string[];
  /** For the school (may name its files). */
  reasons: string[];
  /** For cards: labels from the config only. */
  notes: string[];
}

/** A name's words without its extension: "Profile of Need - Shirley.docx" → "profile of need shirley". */
function words(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return normaliseName(dot > 0 ? fileName.slice(0, dot) : fileName);
}

/** Whether `phrase`'s words appear together, in order, in `text` (both normalised). */
export function hasPhrase(text: string, phrase: string): boolean {
  const p = normaliseName(phrase);
  return p.length > 0 && ` ${text} `.includes(` ${p} `);
}

/** The type an attachment's name says, by its longest matching label or alias; ambiguous → undefined. */
function typeFromNames(p: Partnership, names: string[]): ReferralType | undefined {
  const hits = new Map<string, { type: ReferralType; length: number }>();
  for (const name of names.map(words)) {
    let best: { type: ReferralType; length: number } | undefined;
    for (const t of p.referralTypes)
      for (const phrase of [t.label, ...t.aliases]) {
        const n = normaliseName(phrase);
        if (hasPhrase(name, n) && (!best || n.length > best.length)) best = { type: t, length: n.length };
      }
    if (best) hits.set(best.type.id, best);
  }
  return hits.size === 1 ? [...hits.values()][0]!.type : undefined;
}

/** Every document the partnership's referral types require, once each by id (the words of each type that names it). */
export function requiredDocuments(p: Partnership): { id: string; match: string[] }[] {
  const byId = new Map<string, Set<string>>();
  for (const d of p.referralTypes.flatMap((t) => t.documents)) byId.set(d.id, new Set([...(byId.get(d.id) ?? []), ...d.match]));
  return [...byId].map(([id, match]) => ({ id, match: [...match] }));
}

export function checkReferral(p: Partnership, subjectType: { id: string } | null, attachmentNames: string[], recognised: string[] = []): ReferralCheck {
  const only = p.referralTypes.length === 1 ? p.referralTypes[0]! : undefined;
  let type: ReferralType | null = null;
  let from: ReferralCheck["from"] = null;
  if (subjectType) {
    type = p.referralTypes.find((t) => t.id === subjectType.id) ?? null;
    from = "subject";
  }
  if (!type) {
    const t = typeFromNames(p, attachmentNames);
    if (t) [type, from] = [t, "attachment"];
  }
  if (!type && only) [type, from] = [only, "only-type"];
  if (!type) {
    const list = p.referralTypes.map((t) => t.label).join(", ");
    return {
      type: null,
      from: null,
      missing: [],
      reasons: [
        `The referral type could not be told from the subject line or the attachments' names. Say which it is (${list}), e.g. "${p.intake.subjectExample}".`,
      ],
      notes: ["The referral type is missing."],
    };
  }
  const names = attachmentNames.map(words);
  // A document is there when a file is named for it, or a form's content names it (recognised by the reader).
  const missing = type.documents.filter((d) => !recognised.includes(d.id) && !names.some((n) => d.match.some((m) => hasPhrase(n, m)))).map((d) => d.label);
  if (!missing.length) return { type, from, missing, reasons: [], notes: [] };
  const list = missing.join(", ");
  return {
    type,
    from,
    missing,
    reasons: [
      `${/^[aeiou]/i.test(type.label) ? "An" : "A"} ${type.label.toLowerCase()} referral needs ${type.documents.map((d) => d.label).join(", ")}. Missing: ${list}. Send the whole referral again with every document attached, each file named for what it is (for example "${missing[0]}.docx"), before the submission deadline.`,
    ],
    notes: [`Missing documents: ${list}.`],
  };
}
