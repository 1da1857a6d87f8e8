/**
 * The five-working-day promise: one working day before a case's acknowledgement date its SCL is
 * reminded; once the date has passed unacknowledged, the partnership lead is told. Each once.
 * Safe to run every hour (timers run in UTC; the dates here are London's).
 */
import { leadForCluster, type Partnership } from "../config.js";
import type { CaseStorePort, KeyValuePort, Logger, MailSenderPort } from "../ports.js";
import { addDays, describeDate, toLocal } from "../time.js";
import { workingDaysBetween } from "../workingDays.js";

/** What a job that reads cases and writes to people needs (the bot needs the same, and more). */
export interface AckDeps {
  partnership: Partnership;
  cases: CaseStorePort;
  mailer: MailSenderPort;
  kv: KeyValuePort;
  log: Logger;
  now: () => Date;
}

export async function runAcknowledgements(d: AckDeps): Promise<{ reminded: string[]; escalated: string[] }> {
  const p = d.partnership;
  const today = toLocal(d.now()).date;
  const reminded: string[] = [];
  const escalated: string[] = [];
  const once = async (key: string, send: () => Promise<void>) => {
    if (await d.kv.getSync(key)) return false;
    await send();
    await d.kv.setSync(key, d.now().toISOString());
    return true;
  };
  for (const c of await d.cases.awaitingAcknowledgement(addDays(today, -60))) {
    const ref = c.fields.Title;
    const due = c.fields.AckDueBy!.slice(0, 10);
    const left = workingDaysBetween(today, due);
    const lead = c.fields.Cluster ? leadForCluster(p, c.fields.Cluster) : undefined;
    if (left === 1 && lead) {
      const sent = await once(`ack-reminder|${ref}`, () =>
        d.mailer.send({
          to: [lead.email],
          subject: `Acknowledge ${ref} by tomorrow`,
          body: `${ref} (${c.fields.School ?? "school not identified"}) must be acknowledged by ${describeDate(due)}: the school was promised contact within five working days. Use "Acknowledge school" on its card in Teams.\n\nCluster Desk`,
          marker: `cd-ack-reminder-${ref}`,
        }),
      );
      if (sent) reminded.push(ref);
    } else if (left < 0) {
      const sent = await once(`ack-escalation|${ref}`, () =>
        d.mailer.send({
          to: [p.partnershipLead.email],
          subject: `Overdue acknowledgement: ${ref}`,
          body: `${ref} (${c.fields.School ?? "school not identified"}, cluster ${c.fields.Cluster ?? "?"}${lead ? `, ${lead.name}` : ""}) was due to be acknowledged by ${describeDate(due)} and has not been.\n\nCluster Desk`,
          marker: `cd-ack-escalation-${ref}`,
        }),
      );
      if (sent) escalated.push(ref);
    }
  }
  if (reminded.length || escalated.length) d.log.info("acknowledgements.run", { reminded: reminded.length, escalated: escalated.length });
  return { reminded, escalated };
}
