/**
 * The five-working-day promise: one working day before a case's acknowledgement date its SCL is
 * reminded; once the date has passed unacknowledged, the partnership lead is told. Each once.
 * Safe to run every hour (timers run in UTC; the dates here are London's).
 */
import { clusterName, leadForCluster, type Partnership } from "../config.js";
import type { CaseStorePort, KeyValuePort, Logger, MailSenderPort } from "../ports.js";
import { addDays, describeDate, toLocal } from "../rules/time.js";
import { workingDaysBetween } from "../rules/workingDays.js";
import { shortReason } from "../errors.js";
import { sendOnce } from "./sendOnce.js";

/** What a job that reads cases and writes to people needs (the bot needs the same, and more). */
export interface AckDeps {
  partnership: Partnership;
  cases: CaseStorePort;
  mailer: MailSenderPort;
  kv: KeyValuePort;
  log: Logger;
  now: () => Date;
  /** A Teams message to a person, if the bot knows their chat; false if it does not. */
  notify?: (email: string, text: string) => Promise<boolean>;
}

/**
 * A message to a person: in Teams where the bot knows their chat, else by email (signed
 * "Cluster Desk"). A Teams failure falls back to the email.
 */
export async function teamsElseEmail(
  d: Pick<AckDeps, "notify" | "mailer">,
  to: string,
  text: string,
  email: { subject: string; marker: string; body?: string },
): Promise<void> {
  const inTeams = await d.notify?.(to, text).catch(() => false);
  if (!inTeams) await d.mailer.send({ to: [to], subject: email.subject, body: `${email.body ?? text}\n\nCluster Desk`, marker: email.marker });
}

export async function runAcknowledgements(d: AckDeps): Promise<{ reminded: string[]; escalated: string[] }> {
  const p = d.partnership;
  const today = toLocal(d.now()).date;
  const reminded: string[] = [];
  const escalated: string[] = [];

  // Teams too, where the bot knows the person's chat; the email is the record. A Teams failure
  // is logged, not retried (the email has gone, and the job must not send it twice).
  const tell = async (email: string, text: string) => {
    if (!d.notify) return;
    await d.notify(email, text).catch((e: Error) => d.log.warn("acknowledgements.teams-failed", { reason: shortReason(e) }));
  };
  for (const c of await d.cases.awaitingAcknowledgement(addDays(today, -60))) {
    const ref = c.fields.Title;
    const due = c.fields.AckDueBy!.slice(0, 10);
    const left = workingDaysBetween(today, due);
    const lead = c.fields.Cluster ? leadForCluster(p, c.fields.Cluster) : undefined;
    if (left === 1 && lead) {
      const text = `${ref} (${c.fields.School ?? "school not identified"}) must be acknowledged by ${describeDate(due)}: the school was promised contact within five working days. Use "Acknowledge school" on its card in Teams.`;
      const sent = await sendOnce(
        d,
        `ack-reminder|${ref}`,
        { to: [lead.email], subject: `Acknowledge ${ref} by tomorrow`, body: `${text}\n\nCluster Desk` },
        () => tell(lead.email, `**Acknowledge ${ref} by tomorrow.** ${text}`),
        ref,
      );
      if (sent) reminded.push(ref);
    } else if (left < 0) {
      const text = `${ref} (${c.fields.School ?? "school not identified"}, ${c.fields.Cluster != null ? clusterName(p, c.fields.Cluster) : "no cluster"}${lead ? `, ${lead.name}` : ""}) was due to be acknowledged by ${describeDate(due)} and has not been.`;
      const sent = await sendOnce(
        d,
        `ack-escalation|${ref}`,
        { to: [p.partnershipLead.email], subject: `Overdue acknowledgement: ${ref}`, body: `${text}\n\nCluster Desk` },
        () => tell(p.partnershipLead.email, `**Overdue acknowledgement.** ${text}`),
        ref,
      );
      if (sent) escalated.push(ref);
    }
  }
  if (reminded.length || escalated.length) d.log.info("acknowledgements.run", { reminded: reminded.length, escalated: escalated.length });
  return { reminded, escalated };
}
