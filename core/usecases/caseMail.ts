/**
 * Which of the mailbox's messages belong to a case beyond the school's own email (whose id the case
 * keeps): the product's emails about it (decisions, requests for information, review reminders,
 * a lead's email when Teams could not reach her) and the emails intake found to duplicate it.
 * Recorded in the key-value state when each is made, so retention, subject access and erasure
 * (core/usecases/records.ts) find them by id: Exchange keeps no headers on Sent Items copies to
 * search by, and a message's subject need not name the case.
 */
import type { KeyValuePort, Logger, MailSenderPort, OutgoingMail } from "../ports.js";
import { shortReason } from "../errors.js";

/** "email": a school's email (its intake reply is found from it); "sent": one of the product's. */
export interface CaseMailEntry {
  kind: "email" | "sent";
  id: string;
}

const keyOf = (caseRef: string) => `case-mail|${caseRef}`;

const parse = (v: string | null): CaseMailEntry[] => (v ? (JSON.parse(v) as CaseMailEntry[]) : []);

/**
 * Records a message against its case. Best effort: a storage error is logged and the email goes on
 * (an email not sent is worse than one retention must find by hand); false when it was not recorded.
 */
export async function noteCaseMail(kv: KeyValuePort, caseRef: string, entry: CaseMailEntry, log?: Logger): Promise<boolean> {
  try {
    await kv.updateSync(keyOf(caseRef), (current) => {
      const list = parse(current);
      return JSON.stringify(list.some((e) => e.id === entry.id) ? list : [...list, entry]);
    });
    return true;
  } catch (e) {
    log?.warn("case-mail.not-recorded", { caseRef, reason: shortReason(e) });
    return false;
  }
}

export async function caseMail(kv: KeyValuePort, caseRef: string): Promise<CaseMailEntry[]> {
  return parse(await kv.getSync(keyOf(caseRef)));
}

export async function dropCaseMail(kv: KeyValuePort, caseRef: string): Promise<void> {
  await kv.setSync(keyOf(caseRef), null);
}

/** Sends one of the product's emails about a case, recorded against it first (made as a draft, its id kept, then sent). */
export async function sendAbout(d: { kv: KeyValuePort; mailer: MailSenderPort; log?: Logger }, caseRef: string, msg: OutgoingMail): Promise<void> {
  const id = await d.mailer.draft(msg);
  await noteCaseMail(d.kv, caseRef, { kind: "sent", id }, d.log);
  await d.mailer.sendDraft(id);
}
