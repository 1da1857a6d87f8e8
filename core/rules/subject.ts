/**
 * The subject-line convention: `Cluster 5/KL/Isleworth Town Primary School`
 * (cluster number / SEND Cluster Lead's initials / school name), read tolerantly: any case and
 * spacing, RE:/FW: prefixes and [tags], other separators (\ | - – , ; :), a missing "Cluster"
 * word, a school written by its full name, short name or an alias.
 *
 * Every failure carries a reason a SENDCo can act on and, when the school can be identified, the
 * subject line they should have used.
 */
import {
  ClusterName,
  clusterName,
  leadForCluster,
  normaliseName,
  type Cluster,
  type Lead,
  type Partnership,
  type ReferralType,
  type School,
} from "../config.js";

export type SubjectProblemCode =
  | "empty"
  | "not-recognised"
  | "missing-cluster"
  | "unknown-cluster"
  | "missing-initials"
  | "unknown-initials"
  | "initials-not-for-cluster"
  | "missing-school"
  | "unknown-school"
  | "ambiguous-school"
  | "school-in-other-cluster";

export interface SubjectProblem {
  code: SubjectProblemCode;
  /** For the school (its reply): may quote what the school wrote. */
  message: string;
  /**
   * For cards, agendas and Teams: built from the code and values the product knows (cluster
   * numbers, leads and schools from the config), never from text the school wrote.
   */
  note: string;
}

export interface SchoolRef {
  name: string;
  shortName?: string;
  phase: School["phase"];
  clusterId: number;
}

export interface SubjectCheck {
  ok: boolean;
  subject: string;
  /** What was read from the subject, before any check. */
  read: { cluster: number | null; initials: string | null; school: string | null };
  /** Set when the cluster exists. */
  clusterId: number | null;
  /** The SCL the subject names, when the initials are an SCL's. */
  lead: { initials: string; name: string; email: string } | null;
  /** The school identified, wherever it is. */
  school: SchoolRef | null;
  problems: SubjectProblem[];
  /** The subject line the school should use, when the school could be identified. */
  expectedSubject: string | null;
  /** The referral type the subject names (partnerships whose subject lines carry one). */
  type: { id: string; label: string } | null;
}

/**
 * Only the first MAX_SUBJECT_CHARS characters of a subject are read. Exchange itself keeps 255;
 * a real subject is far shorter, and the cap keeps every step below bounded, whatever is sent.
 */
export const MAX_SUBJECT_CHARS = 255;

// Every pattern here runs on text a stranger wrote, after whitespace was collapsed to single
// spaces: no nested or overlapping quantifiers, and none is tried at every position of the text
// (test/security/regex.test.ts checks each with a ReDoS detector).
const PREFIX_RE =
  /^(?:(?:re|fw|fwd|aw|wg|tr|sv|vs|ref) ?(?:\[\d{1,4}\])? ?:|\[[^\]]{0,80}\]|\((?:secure|encrypted|external|lbhsecure)\)|(?:lbhsecure|secure|encrypt(?:ed)?) ?:) ?/i;
const SUFFIX_TAG_RE = /^(?:\[[^\]]{0,80}\]|\((?:secure|encrypted|external|lbhsecure)\))$/i;
const SEP_CHARS = String.raw`\/\\|;:,_–—-`;
/** A run of separators (with a space after), or a space (with separators after): never empty. */
const SEP = String.raw`(?:[${SEP_CHARS}]+ ?| (?:[${SEP_CHARS}]+ ?)?)`;
/** What follows a separator: starts with something that is not one. */
const REST = String.raw`([^ ${SEP_CHARS}].*)`;
const CLUSTER = String.raw`(?:(?:cluster|clust|cl|c) ?)?(?:(?:no\.?|number|#) ?)?(\d{1,3})`;
const INITIALS = String.raw`([A-Za-z](?:[A-Za-z]{1,2}|\.(?:[A-Za-z]\.){1,2}))`;
export const CLUSTER_SCHOOL = new RegExp(`^${CLUSTER}${SEP}${REST}$`, "i");
export const INITIALS_SCHOOL = new RegExp(`^${INITIALS}${SEP}${REST}$`, "i");
export const CLUSTER_ONLY = new RegExp(`^${CLUSTER}(?:${SEP}${INITIALS})?$`, "i");

/** Removes a trailing [tag] or (secure) marker, found from the end rather than tried everywhere. */
function stripSuffixTag(s: string): string {
  const last = s[s.length - 1];
  const open = last === "]" ? s.lastIndexOf("[") : last === ")" ? s.lastIndexOf("(") : -1;
  return open >= 0 && SUFFIX_TAG_RE.test(s.slice(open)) ? s.slice(0, open) : s;
}

/** Removes reply/forward prefixes and secure-mail tags, collapses whitespace. Linear in the input. */
export function cleanSubject(subject: string): string {
  let s = subject.slice(0, MAX_SUBJECT_CHARS).replace(/\s+/g, " ").trim();
  for (let guard = 0; guard < 20; guard++) {
    const next = stripSuffixTag(s.replace(PREFIX_RE, "")).trim();
    if (next === s) break;
    s = next;
  }
  return s;
}

const GENERIC = new Set([
  "the",
  "primary",
  "school",
  "academy",
  "catholic",
  "rc",
  "cofe",
  "ce",
  "c",
  "of",
  "e",
  "church",
  "england",
  "community",
  "and",
  "for",
  "a",
]);

/** A school name reduced to its distinctive words: "The Green School for Boys" -> "green boy". */
export function schoolKey(name: string): string {
  return normaliseName(name)
    .split(" ")
    .filter((w) => w && !GENERIC.has(w))
    .map((w) => (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") ? w.slice(0, -1) : w))
    .join(" ");
}

interface Indexed {
  school: School;
  cluster: Cluster;
  exact: Set<string>;
  keys: Set<string>;
}

const indexCache = new WeakMap<Partnership, Indexed[]>();
function indexOf(p: Partnership): Indexed[] {
  let idx = indexCache.get(p);
  if (!idx) {
    idx = p.clusters.flatMap((cluster) =>
      cluster.schools.map((school) => {
        const names = [school.name, ...(school.shortName ? [school.shortName] : []), ...school.aliases];
        return {
          school,
          cluster,
          exact: new Set(names.map(normaliseName)),
          keys: new Set(names.map(schoolKey).filter(Boolean)),
        };
      }),
    );
    indexCache.set(p, idx);
  }
  return idx;
}

export type SchoolMatch =
  { kind: "found"; school: School; cluster: Cluster } | { kind: "ambiguous"; candidates: Indexed[] } | { kind: "none"; suggestions: Indexed[] };

/** Where a school's name ends and extras begin ("- group form", "(secure)", ", individual"). */
const SCHOOL_CUT_RE = / [-–—] | ?[/\\|([]|, ?(?:group|individual|form|ref|case)\b/i;

/** The texts worth trying for a school: the whole, and the part before trailing extras. */
function schoolTexts(text: string): string[] {
  const out = [text.trim()];
  const cut = SCHOOL_CUT_RE.exec(text);
  if (cut && cut.index > 1) out.push(text.slice(0, cut.index).trim());
  return [...new Set(out.filter((t) => t.length > 0))];
}

/**
 * Edit distance, or Infinity when it is over `max`: only a band of width 2*max+1 around the
 * diagonal is computed, so the work is O(length * max), not O(length^2).
 */
export function boundedLevenshtein(a: string, b: string, max: number): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return Number.POSITIVE_INFINITY;
  const INF = max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => (j <= max ? j : INF));
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(INF);
    if (i <= max) cur[0] = i;
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    let best = cur[0]!;
    for (let j = from; j <= to; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1), INF);
      if (cur[j]! < best) best = cur[j]!;
    }
    if (best > max) return Number.POSITIVE_INFINITY;
    prev = cur;
  }
  return prev[b.length]! > max ? Number.POSITIVE_INFINITY : prev[b.length]!;
}

function unique(list: Indexed[]): Indexed[] {
  return [...new Set(list)];
}

/**
 * Finds a school by what a SENDCo wrote. Exact (normalised) names win; then names reduced to their
 * distinctive words; then, inside the cluster named, a name that covers most of one school's
 * distinctive words. Never guesses between two schools.
 */
export function matchSchool(p: Partnership, text: string, preferredCluster?: number): SchoolMatch {
  const idx = indexOf(p);
  const inPreferred = (list: Indexed[]) => list.filter((e) => e.cluster.id === preferredCluster);
  for (const t of schoolTexts(text)) {
    const n = normaliseName(t);
    const k = schoolKey(t);
    for (const hits of [idx.filter((e) => e.exact.has(n)), k ? idx.filter((e) => e.keys.has(k)) : []]) {
      const all = unique(hits);
      const preferred = inPreferred(all);
      if (preferred.length === 1) return found(preferred[0]!);
      // One school in several clusters (one of each kind): its cluster of the kind named, else its first.
      if (all.length === 1 || (all.length > 1 && oneSchool(all))) {
        const kind = p.clusters.find((c) => c.id === preferredCluster)?.kind;
        return found(all.find((e) => e.cluster.kind === kind) ?? all[0]!);
      }
      if (all.length > 1) return { kind: "ambiguous", candidates: preferred.length > 1 ? preferred : all };
    }
    if (k && preferredCluster !== undefined) {
      const words = k.split(" ");
      // Every word written appears in the school's name; accepted only when one school of the
      // cluster contains them all and the words cover at least half of its name.
      const containing = idx.filter((e) => e.cluster.id === preferredCluster && [...e.keys].some((key) => words.every((w) => key.split(" ").includes(w))));
      if (containing.length > 1) return { kind: "ambiguous", candidates: containing };
      const only = containing[0];
      if (only && [...only.keys].some((key) => words.length * 2 >= key.split(" ").length)) return found(only);
    }
  }
  return { kind: "none", suggestions: suggest(idx, text, preferredCluster) };
}

function oneSchool(list: Indexed[]): boolean {
  const n = normaliseName(list[0]!.school.name);
  return list.every((e) => normaliseName(e.school.name) === n);
}

function found(e: Indexed): SchoolMatch {
  return { kind: "found", school: e.school, cluster: e.cluster };
}

function suggest(idx: Indexed[], text: string, preferredCluster?: number): Indexed[] {
  const k = schoolKey(text);
  if (!k) return [];
  const words = k.split(" ");
  const scored = idx
    .map((e) => {
      let best = Number.POSITIVE_INFINITY;
      for (const key of e.keys) {
        const tol = Math.max(2, Math.floor(key.length / 4));
        const d = boundedLevenshtein(k, key, tol);
        if (d <= tol) best = Math.min(best, d);
        const kw = key.split(" ");
        if (words.every((w) => kw.includes(w))) best = Math.min(best, 0.25);
        else if (words.some((w) => w.length > 2 && kw.includes(w))) best = Math.min(best, 10 + kw.length);
      }
      return { e, best: best - (e.cluster.id === preferredCluster ? 0.5 : 0) };
    })
    .filter((x) => Number.isFinite(x.best))
    .sort((a, b) => a.best - b.best || a.e.school.name.localeCompare(b.e.school.name));
  // A near spelling is a better hint than a shared word: offer the near spellings alone if any.
  // A school in two clusters (Sutton's SP and CP) is one suggestion.
  const near = scored.filter((x) => x.best < 10);
  const seen = new Set<string>();
  return (near.length ? near : scored)
    .filter((x) => {
      const n = normaliseName(x.e.school.name);
      return seen.has(n) ? false : (seen.add(n), true);
    })
    .slice(0, 3)
    .map((x) => x.e);
}

interface Reading {
  cluster: number | null;
  initials: string | null;
  school: string | null;
}

/** The ways the subject can be read, fullest first. */
function readings(cleaned: string, withInitials: boolean): Reading[] {
  const out: Reading[] = [];
  if (!withInitials) {
    // No initials in this partnership's convention: "St Mark's" must never be read as initials "St".
    const b = CLUSTER_SCHOOL.exec(cleaned);
    const d = CLUSTER_ONLY.exec(cleaned);
    if (b) out.push({ cluster: Number(b[1]), initials: null, school: b[2]! });
    if (d && !d[2]) out.push({ cluster: Number(d[1]), initials: null, school: null });
    out.push({ cluster: null, initials: null, school: cleaned.replace(/^(?:cluster|cl)\b ?/i, "") });
    return out;
  }
  // cluster / initials / school: the cluster's reading, then the initials' reading of the rest.
  const b = CLUSTER_SCHOOL.exec(cleaned);
  const m = b ? INITIALS_SCHOOL.exec(b[2]!) : null;
  if (b && m) out.push({ cluster: Number(b[1]), initials: m[1]!, school: m[2]! });
  const d = CLUSTER_ONLY.exec(cleaned);
  if (d) out.push({ cluster: Number(d[1]), initials: d[2] ?? null, school: null });
  if (b) out.push({ cluster: Number(b[1]), initials: null, school: b[2]! });
  const c = INITIALS_SCHOOL.exec(cleaned);
  if (c) out.push({ cluster: null, initials: c[1]!, school: c[2]! });
  out.push({ cluster: null, initials: null, school: cleaned.replace(/^(?:cluster|cl)\b ?/i, "") });
  return out;
}

function initialsOf(r: Reading): string | null {
  return r.initials ? r.initials.replace(/\./g, "").toUpperCase() : null;
}

/** The subject line in the partnership's convention (its parts in order). */
export function canonicalSubject(p: Partnership, clusterId: number, schoolName: string, typeLabel?: string | null): string | null {
  const lead = leadForCluster(p, clusterId);
  const parts = p.intake.subjectParts;
  if (!lead && parts.includes("initials")) return null;
  const value = { cluster: ClusterName(p, clusterId), initials: lead?.initials ?? "", school: schoolName, type: typeLabel ?? "<referral type>" };
  return parts.map((k) => value[k]).join("/");
}

/** Separators between the parts of a subject line that never occur inside a school's name. */
const PART_SEPARATORS = new Set(["/", "\\", "|", ";"]);

function segments(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const ch of s) {
    if (PART_SEPARATORS.has(ch)) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** "Individual pupil need", "IPN", "individual pupil need referral form": the referral type, or undefined. */
export function readReferralType(p: Partnership, text: string): ReferralType | undefined {
  let n = normaliseName(text);
  for (const tail of [" referral form", " referral", " form", " request"]) if (n.endsWith(tail)) n = n.slice(0, -tail.length);
  return p.referralTypes.find((t) => [t.label, ...t.aliases].some((w) => normaliseName(w) === n));
}

/**
 * A cluster written by its kind's code ("CP 2", "cp2", "CP-2"): its id, or undefined. Read by
 * hand (letters, then digits), so no pattern runs on the text.
 */
function codedCluster(p: Partnership, text: string): number | { written: string } | undefined {
  const t = text.toLowerCase().replace(/[\s-]/g, "");
  let i = 0;
  while (i < t.length && t[i]! >= "a" && t[i]! <= "z") i++;
  const letters = t.slice(0, i);
  const digits = t.slice(i);
  if (!letters || !digits || digits.length > 3 || ![...digits].every((d) => d >= "0" && d <= "9")) return undefined;
  const kind = p.clusterKinds.find((k) => k.code?.toLowerCase() === letters);
  if (!kind) return undefined;
  // A kind's code with a number it does not have: "CP 9" (said, not read as a school).
  return p.clusters.find((c) => c.kind === kind.id && (c.number ?? c.id) === Number(digits))?.id ?? { written: `${kind.code!} ${Number(digits)}` };
}

/** A cluster the council writes by its code ("sp 5", "CP-2"): its id, or undefined (also for a code with a number it does not have). */
export function clusterFromCode(p: Partnership, text: string): number | undefined {
  const id = codedCluster(p, text);
  return typeof id === "number" ? id : undefined;
}

/** The subject with the partnership's own parts taken out: the referral type read, cluster codes as "Cluster <id>". */
function convention(p: Partnership, cleaned: string): { rest: string; type: ReferralType | null; unknownCluster: string | null } {
  let parts = segments(cleaned);
  let type: ReferralType | null = null;
  if (p.intake.subjectParts.includes("type")) {
    const at = parts.findIndex((x) => readReferralType(p, x));
    if (at >= 0) {
      type = readReferralType(p, parts[at]!)!;
      parts = parts.filter((_, i) => i !== at);
    }
  }
  let unknownCluster: string | null = null;
  if (p.clusterKinds.some((k) => k.code)) {
    parts = parts.flatMap((x) => {
      const id = codedCluster(p, x);
      if (typeof id === "number") return [`Cluster ${id}`];
      if (id) unknownCluster ??= id.written;
      return id ? [] : [x];
    });
  }
  return { rest: parts.filter(Boolean).join("/"), type, unknownCluster };
}

/** The convention's parts in words: "cluster number", "SEND Cluster Lead's initials", "school". */
export function conventionParts(p: Partnership): string[] {
  const codes = p.clusterKinds.flatMap((k) => (k.code ? [k.code] : []));
  const words = {
    cluster: codes.length ? `cluster (${codes.map((c) => `${c} <number>`).join(" or ")})` : "cluster number",
    initials: `your ${p.leadTitle}'s initials`,
    school: "the school's name",
    type: `referral type (${p.referralTypes.map((t) => t.label).join(", ")})`,
  };
  return p.intake.subjectParts.map((k) => words[k]);
}

function listClusters(p: Partnership): string {
  if (p.clusterKinds.some((k) => k.code)) return andList(p.clusters.map((c) => clusterName(p, c.id)));
  const ids = p.clusters.map((c) => c.id).sort((a, b) => a - b);
  const contiguous = ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1);
  return contiguous && ids.length > 2 ? `clusters ${ids[0]} to ${ids[ids.length - 1]}` : `clusters ${ids.join(", ")}`;
}

function joinList(items: string[], word: "and" | "or"): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} ${word} ${items[items.length - 1]}`;
}
const andList = (items: string[]) => joinList(items, "and");
const orList = (items: string[]) => joinList(items, "or");

function leadRef(l: Lead): SubjectCheck["lead"] {
  return { initials: l.initials, name: l.name, email: l.email };
}

/** Reads and checks a subject line against the partnership. Never throws for any string. */
export function checkSubject(p: Partnership, subject: string): SubjectCheck {
  const example = p.intake.subjectExample;
  const withInitials = p.intake.subjectParts.includes("initials");
  const conv = convention(p, cleanSubject(subject ?? ""));
  const cleaned = conv.rest;
  const type = conv.type ? { id: conv.type.id, label: conv.type.label } : null;
  const base: SubjectCheck = {
    ok: false,
    subject,
    read: { cluster: null, initials: null, school: null },
    clusterId: null,
    lead: null,
    school: null,
    problems: [],
    expectedSubject: null,
    type,
  };
  if (!cleaned) {
    return {
      ...base,
      problems: [{ code: "empty", note: "The subject line is empty.", message: `The subject line is empty. It must look like "${example}".` }],
    };
  }

  // Choose the reading that identifies a school; else the fullest reading of the convention.
  const all = readings(cleaned, withInitials);
  let chosen: Reading | undefined;
  let match: SchoolMatch | undefined;
  for (const r of all) {
    if (r.school === null) continue;
    const mm = matchSchool(p, r.school, r.cluster ?? undefined);
    if (mm.kind === "found") {
      chosen = r;
      match = mm;
      break;
    }
  }
  if (!chosen) {
    // No reading names a school: prefer readings whose "initials" are an SCL's, then the fullest.
    const isLead = (r: Reading) => r.initials === null || p.leads.some((l) => l.initials === initialsOf(r));
    chosen = all.find((r) => isLead(r) && (r.cluster !== null || r.initials !== null)) ?? all[all.length - 1]!;
    match = chosen.school !== null ? matchSchool(p, chosen.school, chosen.cluster ?? undefined) : undefined;
  }
  const initials = initialsOf(chosen);
  const read = { cluster: chosen.cluster, initials, school: chosen.school };
  const problems: SubjectProblem[] = [];

  const cluster = chosen.cluster !== null ? p.clusters.find((c) => c.id === chosen.cluster) : undefined;
  const lead = initials ? p.leads.find((l) => l.initials === initials) : undefined;
  const school = match?.kind === "found" ? match : undefined;
  const recognisable = chosen.cluster !== null || initials !== null || conv.unknownCluster !== null || (match !== undefined && match.kind !== "none");

  if (!recognisable) {
    const hint =
      match?.kind === "ambiguous"
        ? ` "${chosen.school}" could be ${orList(match.candidates.map((c) => `${c.school.name} (${clusterName(p, c.cluster.id)})`))}.`
        : match?.kind === "none" && match.suggestions.length
          ? ` Did you mean ${orList(match.suggestions.map((c) => c.school.name))}?`
          : "";
    const parts = conventionParts(p);
    problems.push({
      code: "not-recognised",
      note: `The subject line does not follow the convention (${parts.join(" / ")}).`,
      message: `The subject line does not follow the convention: ${andList(parts.map((x, i) => (i === 0 ? x : x.replace(/^the /, "the ")))).replace(/^./, (c) => c.toLowerCase())}, e.g. "${example}".${hint}`,
    });
  }

  if (recognisable) {
    if (chosen.cluster === null && conv.unknownCluster) {
      problems.push({
        code: "unknown-cluster",
        note: `The cluster is not one of the ${p.shortName}'s clusters.`,
        message: `There is no ${conv.unknownCluster}: the ${p.shortName} has ${listClusters(p)}.`,
      });
    } else if (chosen.cluster === null) {
      problems.push({
        code: "missing-cluster",
        note: "The cluster number is missing.",
        message:
          p.intake.subjectParts[0] === "cluster" && !p.clusterKinds.some((k) => k.code)
            ? `The cluster number is missing: start the subject with "Cluster <number>/", e.g. "${example}".`
            : `The cluster is missing: write it as the convention has it, e.g. "${example}".`,
      });
    } else if (!cluster) {
      problems.push({
        code: "unknown-cluster",
        note: `The cluster number is not one of the ${p.shortName}'s clusters.`,
        message: `There is no cluster ${chosen.cluster}: the ${p.shortName} has ${listClusters(p)}.`,
      });
    }

    // The lead to name in hints: the school's cluster's when the school is known, else the cluster's.
    const hintCluster = school?.cluster ?? cluster;
    const clusterLead = cluster ? leadForCluster(p, cluster.id) : undefined;
    const hintLead = hintCluster ? leadForCluster(p, hintCluster.id) : undefined;
    if (!withInitials) {
      // The convention has no initials: nothing to check.
    } else if (initials === null) {
      problems.push({
        code: "missing-initials",
        note: "The SEND Cluster Lead's initials are missing.",
        message: `Your SEND Cluster Lead's initials are missing${hintLead ? `: for ${clusterName(p, hintCluster!.id)} they are ${hintLead.initials} (${hintLead.name})` : ""}.`,
      });
    } else if (!lead) {
      problems.push({
        code: "unknown-initials",
        note: "The initials are not a SEND Cluster Lead's.",
        message: `${initials} are not the initials of a SEND Cluster Lead${clusterLead ? `; ${clusterName(p, cluster!.id)}'s lead is ${clusterLead.initials} (${clusterLead.name})` : `; the leads are ${andList(p.leads.map((l) => `${l.initials} (${l.name})`))}`}.`,
      });
    } else if (cluster && !lead.clusters.includes(cluster.id)) {
      problems.push({
        code: "initials-not-for-cluster",
        note: `${lead.initials} (${lead.name}) does not lead ${clusterName(p, cluster.id)}.`,
        message: `${lead.initials} (${lead.name}) leads ${lead.clusters.length > 1 ? "clusters" : "cluster"} ${andList(lead.clusters.map(String))}, not ${clusterName(p, cluster.id)}${clusterLead ? `; ${clusterName(p, cluster.id)}'s lead is ${clusterLead.initials} (${clusterLead.name})` : ""}.`,
      });
    }

    if (chosen.school === null || !chosen.school.trim()) {
      problems.push({
        code: "missing-school",
        note: "The school's name is missing.",
        message: `The school's name is missing: end the subject with it, e.g. "${example}".`,
      });
    } else if (school) {
      if (cluster && school.cluster.id !== cluster.id) {
        problems.push({
          code: "school-in-other-cluster",
          note: `${school.school.name} is in ${clusterName(p, school.cluster.id)}, not ${clusterName(p, cluster.id)}.`,
          message: `${school.school.name} is in ${clusterName(p, school.cluster.id)}, not ${clusterName(p, cluster.id)}.`,
        });
      }
    } else if (match?.kind === "ambiguous") {
      problems.push({
        code: "ambiguous-school",
        note: `The school could be ${orList(match.candidates.map((c) => `${c.school.name} (${clusterName(p, c.cluster.id)})`))}.`,
        message: `"${chosen.school}" could be ${orList(match.candidates.map((c) => `${c.school.name} (${clusterName(p, c.cluster.id)})`))}: write the school's full name.`,
      });
    } else {
      const sugg = match?.kind === "none" ? match.suggestions : [];
      problems.push({
        code: "unknown-school",
        note: `The school is not one the ${p.shortName} knows${sugg.length ? `; perhaps ${orList(sugg.map((x) => `${x.school.name} (${clusterName(p, x.cluster.id)})`))}` : ""}.`,
        message: `"${chosen.school}" is not a school in ${cluster ? clusterName(p, cluster.id) : `the ${p.shortName}`}${sugg.length ? `. Did you mean ${orList(sugg.map((s) => `${s.school.name} (${clusterName(p, s.cluster.id)})`))}?` : ": write the school's full name as the council knows it."}`,
      });
    }
  }

  const schoolRef: SchoolRef | null = school
    ? {
        name: school.school.name,
        ...(school.school.shortName ? { shortName: school.school.shortName } : {}),
        phase: school.school.phase,
        clusterId: school.cluster.id,
      }
    : null;
  // The school the sender named, when it is clear: the one found, or the only school like it
  // ("Marlborough Primary School presentation form"), so a reply suggests the subject line for
  // that school, never the partnership's example.
  const onlyLike = !school && match?.kind === "none" && match.suggestions.length === 1 ? match.suggestions[0]! : undefined;
  const named = school ?? onlyLike;
  const expectedSubject = named ? canonicalSubject(p, named.cluster.id, named.school.name, type?.label) : null;
  if (expectedSubject && problems.length) {
    for (const pr of problems) {
      // One subject line in a message: the school's, never the partnership's example as well.
      if (pr.message.includes(`e.g. "${example}"`))
        pr.message = pr.message.replace(`e.g. "${example}"`, `${school ? "for this school" : "e.g."} "${expectedSubject}"`);
      else if (school) pr.message += ` The subject line should be "${expectedSubject}".`;
      pr.note += ` Expected subject: "${expectedSubject}".`;
    }
  }
  return {
    ok: problems.length === 0,
    subject,
    read,
    clusterId: cluster ? cluster.id : null,
    lead: lead ? leadRef(lead) : null,
    school: schoolRef,
    problems,
    expectedSubject,
    type,
  };
}
