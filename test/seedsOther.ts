/** Reads Sutton's (seed 003) and Southampton's (seed 004) published tables out of their texts (test/fixtures/seeds). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "fixtures", "seeds");
export const sutton = readFileSync(join(dir, "sutton-senco-clusters-2020-21.txt"), "utf8");
export const southampton = readFileSync(join(dir, "southampton-cluster-model-2024-05.txt"), "utf8");

const MONTH: Record<string, string> = {
  September: "09",
  October: "10",
  November: "11",
  January: "01",
  February: "02",
  March: "03",
  April: "04",
  May: "05",
  June: "06",
  July: "07",
};

function to24(t: string): string {
  const [h, m = "00"] = t.split(".");
  const hour = Number(h) < 8 ? Number(h) + 12 : Number(h); // afternoon meetings: "1.30", "2", "4.30"
  return `${String(hour).padStart(2, "0")}:${m.padEnd(2, "0")}`;
}

/** Section 4, "Confirmed Cluster Dates and Venues": each meeting's date, times and kind, as printed. */
export function suttonMeetings(): { date: string; start: string; end: string; kind: "conference" | "single-phase" | "cross-phase" }[] {
  const section = sutton.slice(sutton.indexOf("4. Confirmed Cluster Dates"), sutton.indexOf("5. School Clusters"));
  const out: { date: string; start: string; end: string; kind: "conference" | "single-phase" | "cross-phase" }[] = [];
  const re = /Tuesday (\d{1,2}) (\w+) (\d{4}) ([\d.]+) - ([\d.]+)pm[^\t]*\t([^\t]+)\t/g;
  for (let m = re.exec(section); m; m = re.exec(section)) {
    const kind = /Conference/.test(m[6]!) ? "conference" : /Single Phase/.test(m[6]!) ? "single-phase" : "cross-phase";
    out.push({ date: `${m[3]}-${MONTH[m[2]!]}-${m[1]!.padStart(2, "0")}`, start: to24(m[4]!), end: to24(m[5]!), kind });
  }
  return out;
}

/** Section 5's table: CP cluster number → its lead cluster SENCO and schools (as printed). */
export function suttonCrossPhase(): Map<number, { lead: string; schools: string[] }> {
  const lines = sutton.slice(sutton.indexOf("Lead Cluster SENCO\tClusters"), sutton.indexOf("MATS/FTs")).split("\n").slice(2);
  const out = new Map<number, { lead: string; schools: string[] }>();
  let current: { lead: string; schools: string[] } | undefined;
  for (const line of lines) {
    const cells = line.split("\t").map((c) => c.trim());
    if (/^CP\d$/.test(cells[1] ?? "")) {
      current = { lead: cells[0]!, schools: [] };
      out.set(Number(cells[1]!.slice(2)), current);
    }
    current?.schools.push(...cells.slice(2).filter(Boolean));
  }
  return out;
}

/** "Proposed Cluster groups": cluster → total student number and schools (as printed). */
export function southamptonClusters(): Map<number, { pupils: number; schools: string[] }> {
  const block = southampton.slice(southampton.indexOf("Proposed Cluster groups:"), southampton.indexOf("Roles and Responsibilities"));
  const out = new Map<number, { pupils: number; schools: string[] }>();
  for (const part of block.split(/\nCluster (?=\d\n)/).slice(1)) {
    const id = Number(part.split("\n")[0]);
    const pupils = Number(/Total student number – ([\d,]+)/.exec(part)![1]!.replace(/,/g, ""));
    const schools = part
      .split("\n")
      .filter((l) => l.trim().startsWith("•"))
      .map((l) => l.trim().slice(1).trim());
    out.set(id, { pupils, schools });
  }
  return out;
}

/** "Funding Requests" and "EHCPs": each referral type's required documents, as listed. */
export function southamptonDocuments(): Record<"individual" | "project" | "contingency", string[]> {
  const after = (heading: string) => {
    const at = southampton.indexOf(heading);
    const rest = southampton.slice(at).split("\n");
    const items: string[] = [];
    for (const l of rest.slice(1)) {
      if (l.trim().startsWith("•")) items.push(l.trim().slice(1).trim());
      else if (items.length && l.trim()) break;
    }
    return items.filter((x) => !/^Any other relevant/.test(x));
  };
  return {
    individual: after("For a request for funding for an Individual Pupil Need"),
    project: after("For request for funding for Project-Based Work"),
    contingency: after("For request for funding for Contingency Funding Cases"),
  };
}
