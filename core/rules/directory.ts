/**
 * The school directory: a Get Information About Schools (GIAS) establishment extract matched to
 * the partnership's clusters, and the Schools list (what the council keeps: URN, cluster, phase,
 * email domains, SENDCo and headteacher addresses) laid over the config. Pure: the CSV is read by
 * config/gias.ts.
 */
import { findSchoolByName, normaliseName, perCluster, type Partnership, type School } from "../config.js";
import { boundedLevenshtein, schoolKey } from "./subject.js";

/** The GIAS columns used (their real names in the establishment CSV). */
export const GIAS_COLUMNS = {
  urn: "URN",
  la: "LA (code)",
  name: "EstablishmentName",
  phase: "PhaseOfEducation (name)",
  status: "EstablishmentStatus (name)",
  website: "SchoolWebsite",
} as const;

export type GiasRecord = Record<string, string>;

export interface DirectoryEntry {
  urn: string;
  name: string;
  clusterId: number;
  phase: School["phase"];
  /** The school's website host, for an officer to confirm its email domain from. */
  website: string | null;
}

export interface DirectoryMatch {
  matched: DirectoryEntry[];
  /**
   * Config schools with no open establishment of that name in the extract for the LA: each by name,
   * with the extract's names it may be written as (`near`), and the establishment if GIAS has it closed.
   */
  notFound: { clusterId: number; school: string; near: string[]; closed: { urn: string; name: string; status: string } | null }[];
  /** Open establishments in the LA that are in no cluster (for information: a new school to place). */
  notInAnyCluster: { urn: string; name: string; phase: string }[];
  /** Rows of the LA that are not open (closed, proposed to open) and were skipped. */
  skippedNotOpen: { urn: string; name: string; status: string }[];
}

export class DirectoryInputError extends Error {}

function phaseOf(gias: string, fallback: School["phase"]): School["phase"] {
  const g = gias.toLowerCase();
  if (g.includes("all-through") || g.includes("all through")) return "all-through";
  if (g.includes("secondary") || g.includes("16 plus")) return "secondary";
  if (g.includes("primary") || g.includes("middle deemed primary")) return "primary";
  return fallback;
}

const host = (url: string | undefined): string | null => {
  const u = (url ?? "").trim();
  if (!u) return null;
  try {
    return new URL(/^https?:\/\//i.test(u) ? u : `http://${u}`).hostname.replace(/^www\./, "").toLowerCase();
  } catch {
    return null;
  }
};

/** Matches the extract's open establishments in local authority `la` to the config's schools by name, short name or alias. */
export function matchGias(p: Partnership, records: GiasRecord[], la: string): DirectoryMatch {
  if (!records.length) throw new DirectoryInputError("the CSV has no rows");
  const missing = Object.values(GIAS_COLUMNS).filter((c) => c !== GIAS_COLUMNS.website && !(c in records[0]!));
  if (missing.length) throw new DirectoryInputError(`the CSV has no ${missing.map((m) => `"${m}"`).join(", ")} column(s): is it a GIAS establishment extract?`);
  const inLa = records.filter((r) => r[GIAS_COLUMNS.la]?.trim() === la.trim());
  if (!inLa.length) throw new DirectoryInputError(`no establishment in the CSV has LA (code) ${la}`);
  const open = inLa.filter((r) => /^open/i.test(r[GIAS_COLUMNS.status] ?? ""));
  const matched: DirectoryEntry[] = [];
  const used = new Set<string>();
  const notInAnyCluster: DirectoryMatch["notInAnyCluster"] = [];
  const row = (r: GiasRecord) => ({ urn: (r[GIAS_COLUMNS.urn] ?? "").trim(), name: (r[GIAS_COLUMNS.name] ?? "").trim() });
  for (const r of open) {
    const name = r[GIAS_COLUMNS.name] ?? "";
    const hit = p.clusters.map((c) => ({ c, s: findSchoolByName(c, name) })).find((x) => x.s);
    if (!hit?.s) {
      notInAnyCluster.push({ ...row(r), phase: (r[GIAS_COLUMNS.phase] ?? "").trim() });
      continue;
    }
    used.add(`${hit.c.id}|${hit.s.name}`);
    matched.push({
      urn: r[GIAS_COLUMNS.urn]!.trim(),
      name: hit.s.name,
      clusterId: hit.c.id,
      phase: phaseOf(r[GIAS_COLUMNS.phase] ?? "", hit.s.phase),
      website: host(r[GIAS_COLUMNS.website]),
    });
  }
  const notOpen = inLa.filter((r) => !open.includes(r));
  const notFound = p.clusters.flatMap((c) =>
    c.schools
      .filter((s) => !used.has(`${c.id}|${s.name}`))
      .map((s) => {
        const shut = notOpen.find((r) => findSchoolByName({ ...c, schools: [s] }, r[GIAS_COLUMNS.name] ?? ""));
        return {
          clusterId: c.id,
          school: s.name,
          near: nearNames(
            s,
            notInAnyCluster.map((x) => x.name),
          ),
          closed: shut ? { ...row(shut), status: (shut[GIAS_COLUMNS.status] ?? "").trim() } : null,
        };
      }),
  );
  return { matched, notFound, notInAnyCluster, skippedNotOpen: notOpen.map((r) => ({ ...row(r), status: (r[GIAS_COLUMNS.status] ?? "").trim() })) };
}

/**
 * The extract's names a config school may be written as: the same distinctive words, or a name a few
 * letters away ("Bedfont Primary Schol"), at most three. For the officer to check, never matched.
 */
function nearNames(s: School, names: string[]): string[] {
  const mine = [s.name, ...(s.shortName ? [s.shortName] : []), ...s.aliases];
  const close = (n: string) =>
    mine.some((m) => {
      const [a, b] = [schoolKey(m), schoolKey(n)];
      if (a && a === b) return true;
      if (boundedLevenshtein(normaliseName(m), normaliseName(n), 4) <= 4) return true;
      const words = new Set(a.split(" ").filter((w) => w.length > 3));
      return b.split(" ").filter((w) => words.has(w)).length >= 2;
    });
  return names.filter(close).slice(0, 3);
}

/** A row of the Schools list: what the council keeps about a school. */
export interface DirectoryRow {
  name: string;
  clusterId: number;
  urn?: string | null;
  phase?: School["phase"] | null;
  emailDomains: string[];
  sendcoEmail?: string | null;
  headteacherEmail?: string | null;
}

/**
 * The partnership with the Schools list laid over the config: a school's email domains (which turn
 * the sender check on for it), SENDCo and headteacher addresses come from the list where it has them.
 */
export function withDirectory(p: Partnership, rows: DirectoryRow[]): Partnership {
  return perCluster(p, rows, (c, mine) => {
    const byName = new Map(mine.map((r) => [normaliseName(r.name), r]));
    return {
      ...c,
      schools: c.schools.map((s) => {
        const r = byName.get(normaliseName(s.name));
        if (!r) return s;
        return {
          ...s,
          ...(r.emailDomains.length ? { emailDomains: r.emailDomains } : {}),
          ...(r.sendcoEmail ? { sendcoEmail: r.sendcoEmail } : {}),
          ...(r.headteacherEmail ? { headteacherEmail: r.headteacherEmail } : {}),
        };
      }),
    };
  });
}
