/**
 * A person changes a case from its triage card (or a vote closes it): the transition is applied
 * with the lifecycle's rules (core/rules/lifecycle.ts) under the case's ETag, then its effects are
 * carried out once: the Audit row (who, when, from, to), the emails, the triage card for whoever
 * the case now goes to, and every posted copy of the card brought up to date. A transition that
 * would change nothing (a repeated click) writes, sends and posts nothing.
 */
import { createHash } from "node:crypto";
import { applyTransition, TransitionRefused, type CaseVerb, type TransitionEffects, type TransitionInput } from "../rules/lifecycle.js";
import { personName, type Partnership } from "../config.js";
import type { AuditRow, CaseStorePort, KeyValuePort, Logger, MailSenderPort, StoredCase, TeamsStatePort } from "../ports.js";
import { shortReason } from "../errors.js";
import { describeLocal } from "../rules/time.js";
import { sendOnce, type SendOnceDeps } from "./sendOnce.js";
import { sendAbout } from "./caseMail.js";

export interface TriageCardsPort {
  /** Posts the case's triage card to `email`'s personal chat (as they may act on it); false if the bot has no chat with them. */
  post(email: string, c: StoredCase, note: string): Promise<boolean>;
  /** Brings every posted copy of the case's triage card up to date, each as its recipient may act on it. */
  update(c: StoredCase, note: string): Promise<void>;
}

export interface AnnounceDeps {
  /** Where each case's triage cards went (checked first: a case is announced once). */
  teams: Pick<TeamsStatePort, "triageCards">;
  cases: Pick<CaseStorePort, "byRef">;
  /** Posts the card to a person's chat: its Teams message id ("" if none was given), or null if the bot has no chat with them. */
  cards: { postFor(email: string, c: StoredCase): Promise<string | null> };
  log: Logger;
  /**
   * For a lead the bot cannot reach in Teams (no chat yet): the case goes to her by email instead,
   * once (sendOnce), with where to see it. Absent: nothing is sent (tests of the card alone).
   */
  fallback?: SendOnceDeps & { partnership: Partnership; casesListUrl: string | null };
}

/**
 * After intake logs a case: its triage card to the case's SCL (or the partnership lead), if they
 * have talked to the bot. Once per case: where the card went is recorded straight after posting,
 * and checked first. `stored`: the case as intake created it (read from the register when absent).
 * Resolves to the card's Teams message id ("" if none was given), or null when nothing was posted.
 */
export async function announceCase(d: AnnounceDeps, caseRef: string, leadEmail: string | null, stored: StoredCase | null): Promise<string | null> {
  if (!leadEmail) return null;
  const posted = await d.teams.triageCards(caseRef);
  if (posted.length) {
    d.log.info("triage.already-posted", { caseRef });
    return posted[0]!.activityId ?? "";
  }
  const c = stored ?? (await d.cases.byRef(caseRef));
  if (!c) return null;
  const card = await d.cards.postFor(leadEmail, c);
  if (card === null && d.fallback) {
    const f = c.fields;
    const p = d.fallback.partnership;
    const sent = await sendOnce(
      d.fallback,
      `announce-email|${caseRef}|${leadEmail.toLowerCase()}`,
      {
        to: [leadEmail],
        subject: `${caseRef} has come to you to triage`,
        body: [
          `Case ${caseRef} (${f.School ?? "school not identified"}) has come to you to triage: ${f.Status.toLowerCase()}${f.MeetingDate ? `, for the meeting on ${describeLocal(new Date(f.MeetingDate))}` : ""}.`,
          "",
          `Cluster Desk could not bring it to you in Teams: you have not added the app yet. Add Cluster Desk in Teams (Apps), then type "case ${caseRef}" to see its card and triage it${d.fallback.casesListUrl ? `; or see it in the Cases list: ${d.fallback.casesListUrl}` : ""}.`,
          "",
          `Cluster Desk, for the ${p.name}`,
        ].join("\n"),
      },
      undefined,
      caseRef,
    );
    if (sent) d.log.info("triage.emailed", { caseRef });
  }
  return card;
}

export interface TriageDeps {
  partnership: Partnership;
  cases: CaseStorePort;
  mailer: MailSenderPort;
  /** Where the product's emails about each case are recorded (core/usecases/caseMail.ts). */
  kv: KeyValuePort;
  audit: (row: AuditRow) => Promise<unknown>;
  cards: TriageCardsPort;
  log: Logger;
  now: () => Date;
}

export interface TriageResult {
  /** The case after the transition (or as it is, when refused); null if there is no such case. */
  case: StoredCase | null;
  ok: boolean;
  /** For the top of the card: what was done, or why not. */
  message: string;
  changed: boolean;
}

/** A short, stable tag for one transition of one case version (the email marker and the audit key). */
const tag = (verb: CaseVerb, ref: string, etag: string) => createHash("sha256").update(`${verb}|${ref}|${etag}`).digest("hex").slice(0, 24);

export async function runTransition(d: TriageDeps, by: string | null, verb: CaseVerb, ref: string, input: TransitionInput = {}): Promise<TriageResult> {
  const p = d.partnership;
  const current = await d.cases.byRef(ref);
  if (!current) return { case: null, ok: false, changed: false, message: `There is no case ${ref} in the Cases list.` };
  if (!by) return { case: current, ok: false, changed: false, message: "Cluster Desk could not tell who you are in Teams." };
  let eff: TransitionEffects;
  let updated: StoredCase;
  try {
    // Checked on the case as read, then again on the case as saved (another click may come first).
    eff = applyTransition(p, current, verb, by, input, d.now());
    if (!eff.changed) return { case: current, ok: true, changed: false, message: eff.summary };
    updated = await d.cases.change(ref, (c) => {
      eff = applyTransition(p, c, verb, by, input, d.now());
      return eff.changed ? eff.fields : {};
    });
  } catch (e) {
    if (e instanceof TransitionRefused) {
      d.log.info("case.refused", { caseRef: ref, verb });
      return { case: current, ok: false, changed: false, message: e.message };
    }
    throw e;
  }
  if (!eff.changed) return { case: updated, ok: true, changed: false, message: eff.summary };

  const t = tag(verb, ref, updated.etag);
  const at = d.now().toISOString();
  // Codes, references and staff addresses only: never the message an SCL typed to the school.
  await d.audit({ key: `case|${t}`, event: verb, caseRef: ref, outcome: `${eff.from} -> ${eff.to}`, at, actor: by, detail: eff.summary });
  // Each recorded against the case (retention and subject access find them by id).
  for (const [i, e] of eff.emails.entries()) await sendAbout(d, ref, { ...e, marker: `cd-${t}-${i}` });
  const notes: string[] = [];
  for (const email of eff.cardTo) {
    const posted = await d.cards.post(email, updated, eff.summary).catch((err: Error) => {
      d.log.warn("case.card-failed", { caseRef: ref, reason: shortReason(err) });
      return false;
    });
    if (!posted) {
      // No chat with the bot yet (or Teams refused): they hear by email instead.
      await sendAbout(d, ref, {
        to: [email],
        subject: `${ref} is now yours to triage`,
        body: `Case ${ref} (${updated.fields.School ?? "school not identified"}) has come to you: ${eff.summary}. Open Cluster Desk in Teams and type "case ${ref}" to see its card.\n\n${p.name}`,
        marker: `cd-${t}-card-${createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 8)}`,
      });
      notes.push(`${personName(p, email)} has no chat with Cluster Desk yet, so they were emailed.`);
    }
  }
  await d.cards.update(updated, eff.summary).catch((err: Error) => d.log.warn("case.update-failed", { caseRef: ref, reason: shortReason(err) }));
  d.log.info("case.changed", { caseRef: ref, verb, from: eff.from, to: eff.to });
  return { case: updated, ok: true, changed: true, message: [eff.summary, ...notes].join(" ") };
}
