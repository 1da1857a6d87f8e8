/**
 * Timers besides mail's, one use case each: Outlook invitations and reminders, acknowledgements,
 * reviews, the termly report, agendas and the calendar's duties. Each reads the Meetings list
 * first (at most every few minutes), so an officer's edit there is used.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { runOutlook } from "../core/usecases/outlook.js";
import { runAcknowledgements } from "../core/usecases/acknowledgements.js";
import { runReviewReminders } from "../core/usecases/reviews.js";
import { runTermlyReport } from "../core/usecases/termly.js";
import { runCalendarDuties } from "../core/usecases/calendar.js";
import { runAgendas } from "../core/usecases/agenda.js";
import { runRetention } from "../core/usecases/records.js";
import { runEngagementReminders } from "../core/usecases/engagement.js";
import { recordsDeps, type AppDeps, type DepsSource } from "./deps.js";

/** A timer's handler: the running calendar read, then `run` with the deps. */
function hourly(deps: DepsSource, run: (d: AppDeps) => Promise<string | null>) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = await deps();
    await d.refreshCalendar();
    const line = await run(d);
    if (line) context.log(line);
  };
}

/** Hourly: invitations, HT reminders, deadline reminders (each once). */
export const outlookReminders = (deps: DepsSource) =>
  hourly(deps, async (d) => {
    const r = await runOutlook(d);
    return `outlook: ${r.invited} invited, ${r.updated} updated, ${r.htReminders} HT reminders, ${r.deadlineReminders} deadline reminders, ${r.skipped.length} skipped`;
  });

/** Hourly: acknowledgement reminders to SCLs and escalations to the partnership lead (each once). */
export const acknowledgements = (deps: DepsSource) =>
  hourly(deps, async (d) => {
    const r = await runAcknowledgements(d);
    return `acknowledgements: ${r.reminded.length} reminded, ${r.escalated.length} escalated`;
  });

/** Hourly: reminders of allocations' reviews to the school and its lead (each once). */
export const reviewReminders = (deps: DepsSource) => hourly(deps, async (d) => `reviews: ${(await runReviewReminders(d)).reminded.length} reminded`);

/** Hourly: after the last cluster meeting of a term, the term's figures to the partnership lead (once). */
export const termlyReport = (deps: DepsSource) =>
  hourly(deps, async (d) => {
    const term = await runTermlyReport(d);
    return term ? `report: ${term} sent to the partnership lead` : null;
  });

/** Hourly: each cluster's agenda to its channel N working days before the meeting (once). */
export const agendas = (deps: DepsSource) =>
  hourly(deps, async (d) => {
    const r = await runAgendas(d);
    return `agendas: ${r.posted.length} posted; ${r.waiting.join("; ") || "none waiting"}`;
  });

/** Hourly: the next year's proposal to the partnership lead, and moved meetings told to their leads. */
export const calendarDuties = (deps: DepsSource) =>
  hourly(deps, async (d) => {
    const c = await runCalendarDuties({ ...d, meetings: d.meetingsList, refresh: () => d.refreshCalendar(true) });
    return `calendar: ${c.proposed ? `${c.proposed} proposed` : "nothing to propose"}, ${c.told.length} change(s) told`;
  });

/** Daily: each case past the partnership's retention period loses its emails and personal details (audited by counts). */
export const retention = (deps: DepsSource) =>
  hourly(deps, async (d) => {
    const r = await runRetention(recordsDeps(d));
    return `retention: ${r.removed.cases} cases, ${r.removed.emails} emails removed; ${r.stillOpen.length} old cases still open`;
  });

/** Hourly: in the first fortnight of each term, each lead's schools not yet engaged (once a term). */
export const engagementReminders = (deps: DepsSource) =>
  hourly(deps, async (d) => {
    const r = await runEngagementReminders(d);
    return r.sent.length ? `engagement: not-engaged schools sent to ${r.sent.length} leads` : null;
  });
