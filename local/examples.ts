/**
 * The embedded default's example data in the partnership config, for `npm start`: the seeds name no
 * SENDCo or headteacher (example addresses, see local/people.ts) and give funding limits only for
 * 2023-24, so a case today could not be decided. The config's text gets an example funding policy
 * for the years the local stack runs (the latest policy's limits, `example: true`: cards, the
 * calculation and `doctor` say so), and is saved to the local site's Configuration library, where
 * the functions read it (PARTNERSHIP=site:partnership.yaml), as a council's deployment would.
 */
import { isMap, isSeq, parseDocument, type YAMLMap } from "yaml";
import type { Partnership } from "../core/config.js";
import { addDays } from "../core/rules/time.js";
import { academicYearStart } from "../core/rules/planner.js";
import { exampleContacts } from "./people.js";

/** The example policy that covers `years` (academic years, in order) where the config has none, or null. */
export function examplePolicy(p: Partnership, years: string[]): Record<string, unknown> | null {
  const latest = [...p.fundingPolicies].filter((f) => !f.example).sort((a, b) => b.from.localeCompare(a.from))[0];
  if (!latest || !years.length) return null;
  let from = `${academicYearStart(years[0]!)}-08-01`;
  let to = `${academicYearStart(years.at(-1)!) + 1}-07-31`;
  // Past every policy in force on `from` (in order of start, so one that follows another is passed too).
  for (const f of [...p.fundingPolicies].sort((a, b) => a.from.localeCompare(b.from))) {
    if (f.from <= from && (f.to === null || f.to >= from)) from = f.to === null ? "9999-12-31" : addDays(f.to, 1);
  }
  for (const f of p.fundingPolicies) if (f.from > from && f.from <= to) to = addDays(f.from, -1);
  if (from > to) return null;
  const span = years.length === 1 ? years[0]! : `${years[0]} and ${years.at(-1)}`;
  return {
    id: `example-${years[0]}`,
    label: `${latest.label}, copied for ${span} as an example`,
    kind: latest.kind,
    ...(latest.split !== "none" ? { split: latest.split } : {}),
    from,
    to,
    maxTerms: latest.maxTerms,
    bands: latest.bands.map((b) => ({ ...b })),
    source: `npm start: ${latest.id}'s limits, until the council sets its own`,
    example: true,
  };
}

/**
 * The config's YAML with example contacts for the schools that have none and the example policy
 * (comments and the council's own entries kept), with a header saying what was added.
 */
export function exampleConfigYaml(text: string, p: Partnership, years: string[], configFile: string): { text: string; policy: string | null } {
  const doc = parseDocument(text);
  const clusters = doc.get("clusters");
  if (isSeq(clusters)) {
    for (const c of clusters.items) {
      const schools = isMap(c) ? c.get("schools") : null;
      if (!isSeq(schools)) continue;
      for (const s of schools.items) {
        if (!isMap(s)) continue;
        const school = s as YAMLMap<string, unknown>;
        const contacts = exampleContacts(String(school.get("shortName") ?? school.get("name")));
        if (!school.has("sendcoEmail")) school.set("sendcoEmail", contacts.sendcoEmail);
        if (!school.has("headteacherEmail")) school.set("headteacherEmail", contacts.headteacherEmail);
      }
    }
  }
  const policy = examplePolicy(p, years);
  const policies = doc.get("fundingPolicies");
  if (policy && isSeq(policies)) policies.add(doc.createNode(policy));
  doc.commentBefore = [
    ` Written by npm start from ${configFile}, with example data: SENDCo and headteacher addresses`,
    ` at ${"school.example"} for schools the config gives none${policy ? `, and funding policy ${policy.id as string}` : ""}.`,
    ` Edit ${configFile}: this copy is written again at each start.`,
    ...(doc.commentBefore ? [doc.commentBefore] : []),
  ].join("\n");
  return { text: doc.toString({ lineWidth: 0 }), policy: policy ? (policy.id as string) : null };
}
