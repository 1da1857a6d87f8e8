/**
 * The lead's work with schools (issue 33): a contact recorded from Teams in a few seconds
 * (`contact Bedfont informal`), the schools of her clusters nobody has reached this academic year
 * (`not engaged`), and that list sent to each lead once at the start of each term.
 */
import { ClusterName, type Partnership } from "../config.js";
import type { AttendancePort, CaseStorePort, EngagementPort, Logger, StoredCase } from "../ports.js";
import { engagementOf, notEngaged, readContact, sinceText } from "../rules/engagement.js";
import { academicYearOf, termsFor } from "../rules/planner.js";
import { mayTriage } from "../rules/triage.js";
import { addDays, describeDate, toLocal, type LocalDate } from "../rules/time.js";
import { teamsElseEmail, type AckDeps } from "./acknowledgements.js";
import { academicYearDays, receivedBetween } from "./caseWindows.js";

export interface EngagementDeps {
  partnership: Partnership;
  engagement: EngagementPort;
  cases: Pick<CaseStorePort, "casesIn">;
  attendance: Pick<AttendancePort, "between">;
  log: Logger;
  now: () => Date;
}

/** Who may record a contact with a school of a cluster: its lead, the partnership lead, a role with the triage power there, an adviser. */
export function mayRecordContact(p: Partnership, email: string | null, clusterId: number): boolean {
  if (!email) return false;
  return mayTriage(p, clusterId, email) || p.advisers.some((a) => a.email.toLowerCase() === email.toLowerCase());
}

/** `contact <school> <kind> [date]`: recorded (once for that school, kind, day and person), and what was recorded, in words. */
export async function recordContact(d: EngagementDeps, by: string | null, text: string): Promise<string> {
  const p = d.partnership;
  if (!by) return "Cluster Desk could not tell who you are in Teams.";
  const today = toLocal(d.now()).date;
  const read = readContact(p, text, today, (c) => mayRecordContact(p, by, c));
  if (!read.ok) return read.message;
  const r = read.record;
  const done = await d.engagement.record({ ...r, by: by.toLowerCase() }, d.now().toISOString());
  d.log.info("engagement.recorded", { kind: r.kind, cluster: r.clusterId, created: done === "created" });
  const label = engagementOf(p).kinds.find((k) => k.id === r.kind)!.label;
  return `${done === "created" ? "Recorded" : "Already recorded"}: ${r.school} (${ClusterName(p, r.clusterId)}), ${label.charAt(0).toLowerCase()}${label.slice(1)}, ${describeDate(r.date)}.`;
}

/** What the not-engaged list reads: contacts, cases received and attendance from `from` to `to`. */
async function activity(d: EngagementDeps, from: LocalDate, to: LocalDate) {
  const [contacts, cases, attendance] = await Promise.all([d.engagement.between(from, to), receivedBetween(d.cases, from, to), d.attendance.between(from, to)]);
  return { contacts, cases: cases.filter((c: StoredCase) => c.fields.Status !== "Quarantined"), attendance };
}

/** The not-engaged message for `clusters`, counting from `from`. */
export async function notEngagedText(d: EngagementDeps, clusters: number[], from?: LocalDate): Promise<string> {
  const p = d.partnership;
  if (!clusters.length) return `The schools not yet engaged are listed for ${p.leadTitle}s and the partnership lead.`;
  const today = toLocal(d.now()).date;
  const since = from ?? academicYearDays(today).from;
  return notEngagedMessage(p, clusters, since, await activity(d, since, today));
}

/** The message from what was read (one read serves every lead of a run). */
function notEngagedMessage(p: Partnership, clusters: number[], since: LocalDate, a: Awaited<ReturnType<typeof activity>>): string {
  const r = notEngaged(p, clusters, a.contacts, a.cases, a.attendance);
  const lines = clusters.map((id) => {
    const mine = r.schools.filter((s) => s.clusters.includes(id));
    return `- **${ClusterName(p, id)}**: ${mine.length ? mine.map((s) => s.name).join("; ") : "every school has engaged"}`;
  });
  return [
    `**Schools not yet engaged** ${sinceText(since)} (no contact recorded, no form, no SENDCo at a cluster meeting):`,
    ...lines,
    `Across the partnership, ${r.engagedPct}% of schools have engaged. Record a contact with \`contact <school> <kind>\`.`,
  ].join("\n");
}

/**
 * Hourly: in the first fortnight of each term, each lead gets her clusters' not-engaged schools
 * once (Teams, else email). In the autumn term it counts from the start of the year just ended
 * (seed 001: "SCLs to prioritise contacting these schools in September"); later, this year.
 */
export async function runEngagementReminders(d: EngagementDeps & Pick<AckDeps, "kv" | "mailer" | "notify">): Promise<{ sent: string[] }> {
  const p = d.partnership;
  const today = toLocal(d.now()).date;
  const year = academicYearOf(today);
  const term = termsFor(p, year).terms.find((t) => today >= t.start && today <= addDays(t.start, 13));
  if (!term) return { sent: [] };
  const since = academicYearDays(term.name === "autumn" ? addDays(term.start, -60) : today).from;
  const keyOf = (lead: (typeof p.leads)[number]) => `not-engaged|${year}|${term.name}|${lead.email.toLowerCase()}`;
  const due: typeof p.leads = [];
  for (const lead of p.leads) if (!(await d.kv.getSync(keyOf(lead)))) due.push(lead);
  if (!due.length) return { sent: [] };
  // One read of the contacts, forms and attendance for every lead still to be told.
  const a = await activity(d, since, today);
  const sent: string[] = [];
  for (const lead of due) {
    const key = keyOf(lead);
    const text = notEngagedMessage(p, lead.clusters, since, a);
    await teamsElseEmail(d, lead.email, text, {
      subject: `Schools not yet engaged: ${term.name} term ${today.slice(0, 4)}`,
      marker: `cd-not-engaged-${year}-${term.name}-${lead.initials}`,
      body: text.replace(/\*\*/g, "").replace(/`/g, '"'),
    });
    await d.kv.setSync(key, d.now().toISOString());
    sent.push(lead.initials);
  }
  if (sent.length) d.log.info("engagement.reminded", { leads: sent.length, term: term.name });
  return { sent };
}

/** The kinds a person can record, for the help text. */
export const kindsText = (p: Partnership) =>
  engagementOf(p)
    .kinds.map((k) => `${k.id} (${k.label})`)
    .join("; ");
