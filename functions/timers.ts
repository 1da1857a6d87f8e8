/** Timers besides mail's: Outlook invitations and reminders, acknowledgements, reviews and the termly report, agendas and the calendar. */
import type { InvocationContext, Timer } from "@azure/functions";
import { runOutlook } from "../core/usecases/outlook.js";
import { runAcknowledgements } from "../core/usecases/acknowledgements.js";
import { runReviewReminders } from "../core/usecases/reviews.js";
import { runTermlyReport } from "../core/usecases/termly.js";
import { runCalendarDuties } from "../core/usecases/calendar.js";
import { runAgendas } from "../core/usecases/agenda.js";
import type { AppDeps } from "./deps.js";

/** Hourly: invitations, HT reminders, deadline reminders (each once). */
export function outlookReminders(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    await d.refreshCalendar();
    const r = await runOutlook({ ...d, kv: d.state });
    context.log(
      `outlook: ${r.invited} invited, ${r.updated} updated, ${r.htReminders} HT reminders, ${r.deadlineReminders} deadline reminders, ${r.skipped.length} skipped`,
    );
  };
}

/** Hourly: acknowledgement reminders to SCLs and escalations to the partnership lead (each once). */
export function acknowledgements(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    await d.refreshCalendar();
    const r = await runAcknowledgements({ ...d, kv: d.state });
    const reviews = await runReviewReminders({ ...d, kv: d.state });
    // After the last cluster meeting of a term: the term's figures to the partnership lead, once.
    const term = await runTermlyReport({ ...d, kv: d.state, intakeSince: (since) => d.cases.intakeSince(since) });
    if (term) context.log(`report: ${term} sent to the partnership lead`);
    context.log(`acknowledgements: ${r.reminded.length} reminded, ${r.escalated.length} escalated; reviews: ${reviews.reminded.length} reminded`);
  };
}

/** Hourly: each cluster's agenda to its channel N working days before the meeting (once). */
export function agendas(deps: () => AppDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    await d.refreshCalendar();
    const r = await runAgendas({ ...d, kv: d.state });
    // The year's calendar: the next year's proposal to the partnership lead, and moved meetings told to their leads.
    const c = await runCalendarDuties({ ...d, kv: d.state, meetings: d.meetingsList, refresh: () => d.refreshCalendar(true) });
    context.log(
      `agendas: ${r.posted.length} posted; ${r.waiting.join("; ") || "none waiting"}; calendar: ${c.proposed ? `${c.proposed} proposed` : "nothing to propose"}, ${c.told.length} change(s) told`,
    );
  };
}
