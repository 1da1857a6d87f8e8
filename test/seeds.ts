/** Reads the published tables out of the seed documents (test/fixtures/seeds). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "fixtures", "seeds");
export const launchPack = readFileSync(join(dir, "hounslow-mip-launch-2023.txt"), "utf8");
export const review = readFileSync(join(dir, "hounslow-mip-review-2023-09.txt"), "utf8");

const MONTHS: Record<string, string> = { May: "05", June: "06", July: "07" };

function clean(cell: string): string {
  return cell
    .replace(/<sup>[^<]*<\/sup>/g, "")
    .replace(/\*/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

function to24(time: string): string {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)$/i.exec(time.replace(/\s+/g, ""));
  if (!m) throw new Error(`unreadable time "${time}"`);
  let h = Number(m[1]) % 12;
  if (m[3]!.toLowerCase() === "pm") h += 12;
  return `${String(h).padStart(2, "0")}:${m[2] ?? "00"}`;
}

function tableAfter(heading: string, header: RegExp): string[][] {
  const start = launchPack.indexOf(heading);
  const lines = launchPack.slice(start).split("\n");
  const h = lines.findIndex((l) => header.test(l));
  const rows: string[][] = [];
  for (const line of lines.slice(h + 1)) {
    if (!/^\d\t/.test(line)) break;
    rows.push(line.split("\t").map(clean));
  }
  return rows;
}

/** "Cluster Meeting Dates: Summer Term 2023": cluster -> [{date, time}] */
export function publishedMeetings(): Map<number, { weekday: string; date: string; time: string }[]> {
  const out = new Map<number, { weekday: string; date: string; time: string }[]>();
  for (const [cluster, day, ...cells] of tableAfter("## Cluster Meeting Dates", /^Cluster\tDay\tMay\tJune\tJuly/)) {
    out.set(
      Number(cluster),
      cells.map((cell, i) => {
        const m = /^(\d{1,2}) (.+)$/.exec(cell)!;
        const month = ["05", "06", "07"][i]!;
        return { weekday: day!, date: `2023-${month}-${m[1]!.padStart(2, "0")}`, time: to24(m[2]!) };
      }),
    );
  }
  return out;
}

/** "Presentation Form Submission Dates": cluster -> [{date, time|null (as printed), raw}] */
export function publishedDeadlines(): Map<number, { date: string; time: string | null; raw: string; amended: boolean }[]> {
  const out = new Map<number, { date: string; time: string | null; raw: string; amended: boolean }[]>();
  const start = launchPack.indexOf("# Presentation Form Submission Dates");
  const lines = launchPack.slice(start).split("\n");
  const h = lines.findIndex((l) => /^Cluster\tMay\t\*June\tJuly/.test(l));
  for (const line of lines.slice(h + 1)) {
    if (!/^\d\t/.test(line)) break;
    const [cluster, ...raw] = line.split("\t");
    out.set(
      Number(cluster),
      raw.map((r) => {
        const cell = clean(r);
        const m = /^(\d{1,2}) (May|June|July)\s*(.*)$/.exec(cell)!;
        const t = m[3]!.trim();
        return {
          date: `2023-${MONTHS[m[2]!]}-${m[1]!.padStart(2, "0")}`,
          time: /\d/.test(t) ? to24(t) : null,
          raw: cell,
          amended: r.includes("*"),
        };
      }),
    );
  }
  return out;
}

/** "Cluster Meeting Headteacher Representative Rotas": cluster -> [{school, when as printed}] */
export function publishedRotas(): Map<number, { school: string; when: string }[]> {
  const out = new Map<number, { school: string; when: string }[]>();
  const section = launchPack.slice(
    launchPack.indexOf("# Cluster Meeting Headteacher Representative Rotas"),
    launchPack.indexOf("# Presentation Form Submission Dates"),
  );
  let current: number | null = null;
  for (const line of section.split("\n")) {
    const head = /^## (\d): /.exec(line);
    if (head) {
      current = Number(head[1]);
      out.set(current, []);
      continue;
    }
    const row = /^(.+)\t(.+)$/.exec(line);
    if (current !== null && row) out.get(current)!.push({ school: row[1]!.trim(), when: row[2]!.trim() });
  }
  return out;
}

/** The SCL table: cluster -> email (blank rows are the clusters led by another cluster's SCL). */
export function publishedLeadContacts(): Map<number, string | null> {
  const out = new Map<number, string | null>();
  for (const [cluster, , contact] of tableAfter("## SEND Cluster Leads", /^Cluster\tSEND Cluster Lead\tContact/)) {
    const m = /mailto:([^"]+)"/.exec(contact ?? "");
    out.set(Number(cluster), m ? m[1]! : null);
  }
  return out;
}

/** 001's funding tables: rows of [label, 1 term, 2 terms, 3 terms] in pounds. */
export function publishedFundingLimits(): { regressive: number[]; progressive: { label: string; perTerms: number[] }[] } {
  const pounds = (s: string) => Number(s.replace(/[£,]/g, ""));
  const reg = /No case differential\t(£[\d,]+)\t(£[\d,]+)\t(£[\d,]+)/.exec(review)!;
  const progressive = [
    ...review.matchAll(
      /^(Individual\/Small Group \(up to 3 CYP\)|Medium Group \(4-6 CYP\)|Large Group \(7\+ CYP\))\t\+\d+%\t(£[\d,]+)\t(£[\d,]+)\t(£[\d,]+)/gm,
    ),
  ].map((m) => ({
    label: m[1]!,
    perTerms: [pounds(m[2]!), pounds(m[3]!), pounds(m[4]!)],
  }));
  return { regressive: [pounds(reg[1]!), pounds(reg[2]!), pounds(reg[3]!)], progressive };
}
