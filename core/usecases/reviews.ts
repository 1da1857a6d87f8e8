/**
 * Reviews of allocations (Southampton, seed 004: "A review of the allocated funding will need to
 * be made within at least one year of allocation. Review dates will be established ... upon
 * allocation"): the decision sets the case's ReviewDue; this job reminds the school and the lead
 * the type's reviewReminderWorkingDays working days before, once. Safe to run every hour.
 */
import { clusterName, leadForCluster, referralType } from "../config.js";
import { describeDate, toLocal } from "../rules/time.js";
import { addWorkingDays, workingDaysBetween } from "../rules/workingDays.js";
import { schoolDayOnOrBefore } from "../rules/planner.js";
import type { AckDeps } from "./acknowledgements.js";
import { reviewsDue } from "./caseWindows.js";
import { sendOnce } from "./sendOnce.js";

export async function runReviewReminders(d: AckDeps): Promise<{ reminded: string[] }> {
  const p = d.partnership;
  if (!p.referralTypes.some((t) => t.reviewWithinMonths)) return { reminded: [] };
  const today = toLocal(d.now()).date;
  const reminded: string[] = [];
  // Reminders go at most this many working days before (a calendar month and more covers it).
  const ahead = Math.max(...p.referralTypes.map((t) => t.reviewReminderWorkingDays)) * 2 + 7;
  const dueSoon = await reviewsDue(d.cases, today, ahead);
  for (const cluster of p.clusters) {
    for (const c of dueSoon.filter((x) => x.fields.Cluster === cluster.id)) {
      const f = c.fields;
      if (f.Status !== "Decided" || !f.ReviewDue || f.ReviewRemindedAt) continue;
      const due = f.ReviewDue.slice(0, 10);
      const left = workingDaysBetween(today, due);
      // Reminded from the working day N before the review, brought back to a school day when that falls in a holiday.
      const remindOn = schoolDayOnOrBefore(p, addWorkingDays(due, -referralType(p, f.ReferralType).reviewReminderWorkingDays));
      if (today < remindOn) continue;
      const key = `review-reminder|${f.Title}`;
      if (await d.kv.getSync(key)) continue;
      const lead = leadForCluster(p, cluster.id);
      const when = left < 0 ? `was due on ${describeDate(due)}` : `is due by ${describeDate(due)}`;
      // The school's own name only in the school's email; the lead's names the reference alone.
      // Each goes once, whatever crashes (a draft recorded before it is sent).
      if (f.SenderEmail)
        await sendOnce(
          d,
          `${key}|school`,
          {
            to: [f.SenderEmail],
            subject: `${f.Title}: review of the allocation ${left < 0 ? "overdue" : "due"}`,
            body: `The review of the funding allocated to ${f.Title} ${when}. Please complete the review paperwork with your ${p.leadTitle} for the ${clusterName(p, cluster.id)} meeting.\n\n${p.name}`,
          },
          undefined,
          f.Title,
        );
      if (lead)
        await sendOnce(
          d,
          `${key}|lead`,
          {
            to: [lead.email],
            subject: `Review ${left < 0 ? "overdue" : "due"}: ${f.Title}`,
            body: `The review of ${f.Title}'s allocation ${when}. List it for a ${clusterName(p, cluster.id)} meeting before then.\n\nCluster Desk`,
          },
          undefined,
          f.Title,
        );
      await d.kv.setSync(key, d.now().toISOString());
      await d.cases.change(f.Title, () => ({ ReviewRemindedAt: d.now().toISOString() }));
      reminded.push(f.Title);
    }
  }
  d.log.info("reviews.reminded", { count: reminded.length });
  return { reminded };
}
