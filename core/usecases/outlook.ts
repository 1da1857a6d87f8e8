/**
 * Outlook workflows, safe to run every hour (timers run in UTC; dates here are London's):
 *   - each headteacher representative gets an invitation to the meeting they attend; when the
 *     meeting or the representative changes, the same event is updated;
 *   - a reminder to the representative N working days before the meeting, once;
 *   - a reminder to the cluster's SENDCos N working days before each submission deadline, once.
 * A meeting is known by its cluster and month (clusters meet monthly), so moving it within the
 * month updates its event.
 */
import { ClusterName, clusterName, type Partnership } from "../config.js";
import { canonicalSubject } from "../rules/subject.js";
import type { CalendarPort, KeyValuePort, Logger, MailSenderPort, OutlookEvent } from "../ports.js";
import { resolveRota } from "../rules/rota.js";
import { meetingsOf } from "../rules/schedule.js";
import { describeDate, describeLocal, describeTime, toLocal } from "../rules/time.js";
import { addWorkingDays } from "../rules/workingDays.js";
import { sendOnce, shortHash as hash } from "./sendOnce.js";

export interface OutlookDeps {
  partnership: Partnership;
  calendar: CalendarPort;
  mailer: MailSenderPort;
  kv: KeyValuePort;
  log: Logger;
  now: () => Date;
}

export interface OutlookRun {
  invited: number;
  updated: number;
  htReminders: number;
  deadlineReminders: number;
  skipped: string[];
}

function localIso(d: Date): string {
  const l = toLocal(d);
  return `${l.date}T${l.time}:00`;
}

export async function runOutlook(d: OutlookDeps): Promise<OutlookRun> {
  const p = d.partnership;
  const now = d.now();
  const today = toLocal(now).date;
  const run: OutlookRun = { invited: 0, updated: 0, htReminders: 0, deadlineReminders: 0, skipped: [] };

  for (const c of p.clusters) {
    const lead = p.leads.find((l) => l.clusters.includes(c.id));
    for (const a of resolveRota(p, c).assignments) {
      const m = a.meeting;
      if (m.startsAt <= now || !a.school) continue;
      const email = a.school.headteacherEmail;
      if (!email) {
        run.skipped.push(`cluster ${c.id} ${m.date}: no headteacher address for ${a.school.name}`);
        continue;
      }
      const meetingKey = `c${c.id}-${m.date.slice(0, 7)}`;
      const end = new Date(m.startsAt.getTime() + p.outlook.meetingMinutes * 60_000);
      const ev: OutlookEvent = {
        subject: `${p.shortName} ${clusterName(p, c.id)} meeting: headteacher representative`,
        body: [
          `You are the headteacher representative for ${a.school.name} at the ${clusterName(p, c.id)} meeting of the ${p.name}, ${describeLocal(m.startsAt)}.`,
          `The meeting reviews the cluster budget and its RAG rating, and the cluster votes on the cases presented.`,
          lead ? `The meeting is chaired by ${lead.name}, SEND Cluster Lead (${lead.email}).` : "",
        ]
          .filter(Boolean)
          .join("\n"),
        start: localIso(m.startsAt),
        end: localIso(end),
        location: m.teamsLink ?? m.location ?? "Microsoft Teams (link to follow)",
        attendee: { address: email, name: `Headteacher, ${a.school.name}` },
      };
      const fp = hash(JSON.stringify(ev));
      const key = `invite|${meetingKey}`;
      const stored = await d.kv.getSync(key);
      const state = stored ? (JSON.parse(stored) as { eventId: string; fp: string }) : null;
      if (!state) {
        const eventId = await d.calendar.create(ev, `cluster-desk-${hash(`${key}|${email}`)}`);
        await d.kv.setSync(key, JSON.stringify({ eventId, fp }));
        run.invited++;
        d.log.info("outlook.invited", { cluster: c.id, meeting: m.date });
      } else if (state.fp !== fp) {
        await d.calendar.update(state.eventId, ev);
        await d.kv.setSync(key, JSON.stringify({ eventId: state.eventId, fp }));
        run.updated++;
        d.log.info("outlook.updated", { cluster: c.id, meeting: m.date });
      }

      const due = addWorkingDays(m.date, -p.outlook.htReminderWorkingDays);
      if (today >= due) {
        const sent = await sendOnce(d, `ht-reminder|${meetingKey}|${m.date}|${email.toLowerCase()}`, {
          to: [email],
          subject: `Reminder: ${p.shortName} ${clusterName(p, c.id)} meeting, ${describeLocal(m.startsAt)}`,
          body: `A reminder that you are the headteacher representative for ${a.school.name} at the ${clusterName(p, c.id)} meeting, ${describeLocal(m.startsAt)}, ${ev.location}.\n\nCluster Desk, for the ${p.name}`,
        });
        if (sent) run.htReminders++;
      }
    }

    const n = p.outlook.deadlineReminderWorkingDays;
    if (n === null) continue;
    for (const m of meetingsOf(p, c)) {
      if (m.deadline.at <= now) continue;
      if (today < addWorkingDays(m.deadline.date, -n)) continue;
      const sendcos = c.schools.map((s) => s.sendcoEmail).filter((x): x is string => Boolean(x));
      if (!sendcos.length) {
        run.skipped.push(`cluster ${c.id} deadline ${m.deadline.date}: no SENDCo addresses`);
        continue;
      }
      // To: a person (the cluster's SCL), SENDCos in Bcc; never the secure mailbox, whose intake
      // would otherwise take the reminder for a form (and it carries the product's marker too).
      const sent = await sendOnce(d, `deadline-reminder|c${c.id}|${m.deadline.date}`, {
        to: [lead?.email ?? p.partnershipLead.email],
        bcc: sendcos,
        subject: `${p.shortName} ${clusterName(p, c.id)}: presentation forms due ${describeDate(m.deadline.date)}, ${describeTime(m.deadline.time)}`,
        body: [
          `Presentation forms for the ${clusterName(p, c.id)} meeting, ${describeLocal(m.startsAt)}, must reach ${p.intake.mailbox} by ${describeLocal(m.deadline.at)}.`,
          `Forms received after the deadline will not be considered at that meeting.`,
          `Subject line: ${canonicalSubject(p, c.id, "<your school's name>") ?? `${ClusterName(p, c.id)}/<your school's name>`}.`,
          "",
          `Cluster Desk, for the ${p.name}`,
        ].join("\n"),
      });
      if (sent) run.deadlineReminders++;
    }
  }
  return run;
}
