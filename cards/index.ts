/** Expands the Adaptive Card templates in this folder (openable in the Adaptive Cards designer). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ACData from "adaptivecards-templating";
import type { TriageCardData } from "../core/rules/triage.js";

/** An Adaptive Card as JSON (what Teams renders; tests read it back). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Card = Record<string, any>;

const { Template } = ACData as unknown as { Template: new (json: unknown) => { expand(ctx: { $root: unknown }): Card } };

function folder(): string {
  // Works from the sources and from dist/ (the JSON stays in cards/).
  const here = dirname(fileURLToPath(import.meta.url));
  return existsSync(join(here, "triage.json")) ? here : join(here, "..", "..", "cards");
}

const cache = new Map<string, unknown>();
export function template(name: string): unknown {
  let t = cache.get(name);
  if (!t) {
    t = JSON.parse(readFileSync(join(folder(), `${name}.json`), "utf8"));
    cache.set(name, t);
  }
  return t;
}

const templates = new Map<string, { expand(ctx: { $root: unknown }): Card }>();
export function expand(name: string, data: unknown): Card {
  let t = templates.get(name);
  if (!t) templates.set(name, (t = new Template(template(name))));
  return t.expand({ $root: data });
}

/** Drops inputs' `value: null` (nothing typed or saved yet), which Adaptive Cards does not accept. */
function withoutNullValues<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutNullValues) as T;
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !(k === "value" && v === null))
        .map(([k, v]) => [k, withoutNullValues(v)]),
    ) as T;
  }
  return node;
}

export const triageCard = (d: TriageCardData) => withoutNullValues(expand("triage", d));
export const errorCard = (title: string, message: string) => expand("error", { title, message });

export const agendaCard = (d: import("../core/rules/agenda.js").AgendaData) => expand("agenda", d);
export const voteCard = (d: import("../core/usecases/votes.js").VoteCardData) => expand("vote", d);
export const calendarCard = (d: import("../core/usecases/calendar.js").CalendarCardData) => expand("calendar", d);
export const attendanceCard = (d: import("../core/usecases/attendance.js").AttendanceCardData) => expand("attendance", d);
export const reportCard = (d: import("../core/rules/report.js").ReportCardData) => expand("report", d);
