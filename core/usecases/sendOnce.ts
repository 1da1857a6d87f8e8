/**
 * The product's reminders and alerts, sent once for a key, whatever crashes: the email is made as a
 * draft and its id recorded (storage) before it is sent (Graph's "immutable ID with sending mail",
 * m365/drafts.ts). A run that stopped before recording the email as sent reads that one draft:
 * still a draft, it is sent; sent (or gone once sending began: not yet in Sent Items), it is not
 * sent again. Exchange keeps no headers on Sent Items copies, so nothing is searched for.
 */
import type { KeyValuePort, Logger, MailSenderPort, OutgoingMail } from "../ports.js";
import { sha } from "./intake.js";
import { noteCaseMail } from "./caseMail.js";

export interface SendOnceDeps {
  kv: KeyValuePort;
  mailer: MailSenderPort;
  log: Logger;
  now: () => Date;
}

/** A key's short hash: the marker of its email, and (core/usecases/outlook.ts) its event's ids. */
export const shortHash = (s: string) => sha(s).slice(0, 24);

/**
 * Sends `msg` unless the email for `key` went already; whether it was sent now. `after` runs once
 * it has gone (a Teams copy). `about`: the case it concerns, recorded against it (core/usecases/caseMail.ts).
 */
export async function sendOnce(d: SendOnceDeps, key: string, msg: Omit<OutgoingMail, "marker">, after?: () => Promise<void>, about?: string): Promise<boolean> {
  if (await d.kv.getSync(key)) return false;
  const draftKey = `${key}:draft`;
  const record = await d.kv.getSync(draftKey);
  let draftId: string | null = null;
  let sent = false;
  if (record) {
    const was = await d.mailer.draftState(record);
    sent = was !== "draft";
    if (was === "draft") draftId = record;
    if (sent) d.log.info("mail.already-sent", { key: shortHash(key) });
  }
  if (!sent) {
    if (!draftId) {
      draftId = await d.mailer.draft({ ...msg, marker: `cd-${shortHash(key)}` });
      if (about) await noteCaseMail(d.kv, about, { kind: "sent", id: draftId }, d.log);
    }
    await d.kv.setSync(draftKey, draftId);
    await d.mailer.sendDraft(draftId);
    await after?.();
  }
  await d.kv.setSync(key, d.now().toISOString());
  await d.kv.setSync(draftKey, null);
  return true;
}
