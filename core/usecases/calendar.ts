/**
 * The year's calendar, kept from Teams (issue 14): the partnership lead gets the next academic
 * year's proposed meetings on a card from 1 June, and "Publish" writes them to the Meetings list
 * (rows an officer already edited are kept); each lead is told their clusters' dates. When an
 * officer moves a meeting or its deadline in the list, the cluster's lead is told (the HT
 * representative's invitation follows on the next Outlook run). Hourly-safe: each once.
 */
import { ClusterName, leadForCluster, type Partnership } from "../config.js";
import { academicYearOf, academicYearStart, planYear, publishedMeetings, PlanInputError } from "../rules/planner.js";
import type { AuditRow, KeyValuePort, Logger, MailSenderPort } from "../ports.js";
import type { PublishedMeeting } from "../rules/schedule.js";
import { teamsElseEmail } from "./acknowledgements.js";
import { describeDate, toLocal } from "../rules/time.js";

/** The Meetings list as the calendar needs it. */
export interface MeetingsListPort {
  /** Every row, with its key (what `publish` wrote; an officer's edit keeps the key). */
  list(): Promise<(PublishedMeeting & { key?: string })[]>;
  /** Writes the meetings; rows already there are kept as they are (an officer's edit wins). */
  publish(meetings: PublishedMeeting[]): Promise<{ created: number; updated: number; unchanged: number }>;
}

export interface CalendarDeps {
  partnership: Partnership;
  meetings: MeetingsListPort;
  kv: KeyValuePort;
  mailer: MailSenderPort;
  log: Logger;
  now: () => Date;
  /** Reads the Meetings list again now (the running calendar). */
  refresh?: () => Promise<void>;
  audit?: (row: AuditRow) => Promise<unknown>;
  /** A Teams message to a person, if the bot knows their chat; false if it does not. */
  notify?: (email: string, text: string) => Promise<boolean>;
  /** Posts a card to the partnership lead's chat; false when the bot does not know it. */
  postToLead?: (card: CalendarCardData) => Promise<boolean>;
}

/** What the calendar card (cards/calendar.json) is expanded with. */
export interface CalendarCardData {
  year: string;
  title: string;
  source: string;
  clusters: { title: string; value: string }[];
  notes: { text: string }[];
  hasNotes: boolean;
  message: string;
  /** The message's text colour (Teams' "good" green is too pale for text: a success is in the default colour). */
  messageStyle: "default" | "attention";
  canPublish: boolean;
}

const MAX_NOTES = 8;

/** The academic year after the one holding `date`. */
export function nextYear(date: string): string {
  const start = academicYearStart(academicYearOf(date)) + 1;
  return `${start}-${String((start + 1) % 100).padStart(2, "0")}`;
}

export function proposalData(p: Partnership, year: string, message = "", ok = true, canPublish = true): CalendarCardData {
  const plan = planYear(p, year);
  // "Wed 15 Sep": a year's dates must fit on one card.
  const short = (d: string) => describeDate(d).replace(/^(\w{3})\w* (\d{1,2}) (\w{3})\w* \d{4}$/, "$1 $2 $3");
  const rows = [
    ...p.clusters.map((c) => ({
      title: ClusterName(p, c.id),
      dates: plan.meetings.filter((m) => m.clusterId === c.id).map((m) => `${short(m.date)} ${m.start}`),
    })),
    // Partnership-wide meetings too: decision meetings, and conferences (Sutton's September and July ones).
    ...p.meetingKinds
      .filter((k) => k.scope === "partnership" && (k.hearsCases || plan.meetings.some((m) => m.kind === k.id)))
      .map((k) => ({ title: k.label, dates: plan.meetings.filter((m) => m.kind === k.id).map((m) => `${short(m.date)} ${m.start}`) })),
  ];
  return {
    year,
    title: `${p.shortName} meetings ${year}: ${plan.meetings.length} proposed`,
    source:
      plan.termSource === "config"
        ? `Inside the council's ${year} term dates (config), at each meeting kind's cadence.`
        : `Term dates for ${year} are not in the config: England's usual pattern is used, so check the dates against the council's own before publishing.`,
    clusters: rows.map((r) => ({ title: r.title, value: r.dates.join("; ") || "none planned (no regular slot)" })),
    notes: plan.notes.slice(0, MAX_NOTES).map((text) => ({ text })),
    hasNotes: plan.notes.length > 0,
    message,
    messageStyle: message && !ok ? "attention" : "default",
    canPublish,
  };
}

/** "Publish" on the card: the partnership lead writes the year's plan to the Meetings list. */
export async function publishYear(d: CalendarDeps, by: string | null, year: string): Promise<CalendarCardData> {
  const p = d.partnership;
  let data: CalendarCardData;
  try {
    data = proposalData(p, year);
  } catch (e) {
    if (e instanceof PlanInputError) return { ...proposalData(p, nextYear(toLocal(d.now()).date)), message: e.message, messageStyle: "attention" };
    throw e;
  }
  if (!by || by.toLowerCase() !== p.partnershipLead.email.toLowerCase()) {
    return { ...data, message: `Only the partnership lead (${p.partnershipLead.name}) publishes the year's meetings.`, messageStyle: "attention" };
  }
  const plan = planYear(p, year);
  const counts = await d.meetings.publish(publishedMeetings(plan));
  await d.refresh?.();
  const at = d.now().toISOString();
  await d.audit?.({
    key: `calendar|${year}|publish|${at}`,
    event: "calendar-published",
    caseRef: null,
    outcome: "published",
    at,
    actor: by,
    detail: `${counts.created} created, ${counts.updated + counts.unchanged} already in the list`,
  });
  // Each lead hears their own clusters' dates.
  for (const lead of p.leads) {
    const mine = lead.clusters.map(
      (id) =>
        `${ClusterName(p, id)}: ${
          plan.meetings
            .filter((m) => m.clusterId === id)
            .map((m) => describeDate(m.date))
            .join(", ") || "none"
        }`,
    );
    const text = `The ${year} meetings are published in the Meetings list:\n${mine.join("\n")}`;
    await teamsElseEmail(d, lead.email, text, { subject: `${p.shortName} meetings ${year} published`, marker: `cd-calendar-${year}-${lead.initials}` });
  }
  d.log.info("calendar.published", { year, created: counts.created });
  return {
    ...data,
    canPublish: false,
    message: `Published by ${p.partnershipLead.name}: ${counts.created} meetings added to the Meetings list${counts.updated + counts.unchanged ? `, ${counts.updated + counts.unchanged} already there kept as they are` : ""}. Each lead has been told their dates.`,
    messageStyle: "default",
  };
}

const fingerprint = (m: PublishedMeeting) => `${m.date} ${m.start}; deadline ${m.deadline.date} ${m.deadline.time}`;

/**
 * Hourly: (1) from 1 June, the next year's proposed calendar to the partnership lead, once, until
 * its meetings are published; (2) a meeting or deadline an officer moved in the list: its
 * cluster's lead told, once per change.
 */
export async function runCalendarDuties(d: CalendarDeps): Promise<{ proposed: string | null; told: string[] }> {
  const p = d.partnership;
  const today = toLocal(d.now()).date;
  const rows = await d.meetings.list();
  let proposed: string | null = null;
  const year = nextYear(today);
  const startOfNext = `${academicYearStart(year)}-09-01`;
  if (today.slice(5) >= "06-01" && d.postToLead && !rows.some((m) => m.date >= startOfNext)) {
    const key = `calendar-proposed|${year}`;
    if (!(await d.kv.getSync(key)) && (await d.postToLead(proposalData(p, year)))) {
      await d.kv.setSync(key, d.now().toISOString());
      proposed = year;
    }
  }
  // Moved meetings: compared with what was seen last time, by the row's key.
  const told: string[] = [];
  const seenRaw = await d.kv.getSync("meetings-seen");
  const seen = seenRaw ? (JSON.parse(seenRaw) as Record<string, string>) : null;
  const now: Record<string, string> = {};
  for (const m of rows) if (m.key) now[m.key] = fingerprint(m);
  if (seen) {
    for (const m of rows) {
      if (!m.key || !seen[m.key] || seen[m.key] === now[m.key] || m.clusterId === 0) continue;
      const lead = leadForCluster(p, m.clusterId);
      if (!lead) continue;
      const text = `${ClusterName(p, m.clusterId)}'s meeting has been changed in the Meetings list: it was ${seen[m.key]}; it is now ${now[m.key]}. Forms are placed by the new dates; the HT representative's invitation is updated.`;
      await teamsElseEmail(d, lead.email, text, { subject: `${ClusterName(p, m.clusterId)} meeting changed`, marker: `cd-moved-${m.key}-${now[m.key]}` });
      told.push(`${m.key}: ${now[m.key]}`);
    }
  }
  await d.kv.setSync("meetings-seen", JSON.stringify(now));
  if (told.length) d.log.info("calendar.changes-told", { count: told.length });
  return { proposed, told };
}
