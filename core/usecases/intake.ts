/**
 * Intake of one email: decide, log the case, reply, file the message, audit. Every stage is
 * recorded, so the same email processed twice (duplicate notification, sweep plus notification,
 * a retry after a crash) ends as one case, one reply and one audit trail.
 */
import { noteCaseMail } from "./caseMail.js";
import { createHash, randomUUID } from "node:crypto";
import type { Partnership } from "../config.js";
import { decideMail, formFiles, replyAddress, replySubject, type MailDecision, type MessageFacts, type SenderHistory } from "../rules/mailRules.js";
import {
  PartlyFinishedError,
  receiptCode,
  ReferenceTakenError,
  type AuditRow,
  type CaseLookups,
  type FinishStep,
  type StoredCase,
  type CaseFields,
  type CaseRecord,
  type CaseRegisterPort,
  type CaseStatus,
  type IntakePlan,
  type IntakeState,
  type KeyValuePort,
  type Logger,
  type MailboxPort,
  type ReplyDraft,
  type StatePort,
} from "../ports.js";
import { composeReply } from "../rules/replies.js";
import { clusterName, normaliseName } from "../config.js";
import { cleanSubject } from "../rules/subject.js";
import { toLocal } from "../rules/time.js";
import { caseFieldsFromForm } from "../rules/form.js";
import { shortReason } from "../errors.js";

export interface IntakeDeps {
  partnership: Partnership;
  mailbox: MailboxPort;
  cases: CaseRegisterPort;
  /** Intake progress, and counters (replies per sender per hour). */
  state: StatePort & KeyValuePort;
  log: Logger;
  now: () => Date;
  /**
   * Brings a logged case to its SCL (the triage card in Teams); optional. `stored`: the case as
   * this worker created it (absent when resumed: the announcer reads it). Resolves to the card's
   * Teams message id ("" if Teams gave none) when it is posted, or was before; null when there is
   * nobody to post it to.
   */
  announce?: (caseRef: string, leadEmail: string | null, stored: StoredCase | null) => Promise<string | null>;
  /** Reply, file, supersede and audit in one round trip; without it, one call each. */
  finish?: (step: FinishStep) => Promise<void>;
  /**
   * When an error means "try again in N seconds" (a throttle longer than a request waits): N, else
   * null. The email is then handed back to be queued again with that delay; no worker sleeps.
   */
  retryLater?: (e: unknown) => number | null;
}

export interface IntakeResult {
  /** "busy": another worker holds the email; "later": throttled. Either way, queue it again after `retryAfterMs`. */
  status: "processed" | "already-done" | "gone" | "busy" | "later";
  outcome?: string;
  caseRef?: string | null;
  duplicateOf?: string | null;
  retryAfterMs?: number;
  /**
   * For "later": the email's intake state, to pass back with it (processMessage's `resumeKey`), so
   * the retry goes on from storage instead of reading the email again. A hash: no personal data.
   */
  resumeKey?: string;
}

const STATUS: Record<string, CaseStatus> = {
  accepted: "Accepted",
  late: "Late",
  "needs-attention": "Needs attention",
  rejected: "Rejected",
  quarantined: "Quarantined",
};

/**
 * How long one worker may hold an email before another may take over (a crashed worker's lease
 * expires). An email whose lease is held is not a failure: the worker queues it again to be seen
 * when the lease ends, so no queue retry is spent on it. The lease is far longer than one email
 * takes (a second or two, and throttling re-queues rather than waits) and shorter than the queue's
 * retries (host.json: visibilityTimeout 30 s x maxDequeueCount 5); test/security/recovery.test.ts
 * checks the three agree.
 */
export const LEASE_MS = 60_000;
/** How soon a copy of an email another worker holds is looked at again. */
export const BUSY_RECHECK_MS = 5_000;
/** Cases.TriageCard for a card Teams gave no message id for. */
const POSTED = "posted";

/**
 * An email's intake state key: the mailbox's own (immutable) id of the message, never its
 * Internet Message-ID alone: a corrected form re-sent from a draft, and some mail gateways, keep
 * the Message-ID of an earlier email, and each such email is still processed as the mail it is
 * (issue 29). A hash: no personal data.
 */
export const intakeKey = (mailboxId: string) => sha(mailboxId);

/** How many senders had their replies paused on a London date (the health report's alert). */
export const repliesPausedKey = (date: string) => `health|replies-paused|${date}`;

/** "This Graph message id is done", so a later copy of it is recognised before Graph is asked. */
export const doneKey = (messageId: string) => `done|${sha(messageId).slice(0, 40)}`;

export function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Identifies "the same form sent twice": sender, subject (less RE:/FW:), attachments. */
export function fingerprint(f: MessageFacts): string {
  const atts = f.attachments
    .filter((a) => !a.isInline)
    .map((a) => `${a.name.toLowerCase()}:${a.size}`)
    .sort()
    .join("|");
  return sha(`${f.from.address.toLowerCase()}\n${normaliseName(cleanSubject(f.subject))}\n${atts}`).slice(0, 32);
}

/** C5-2023-0007; U-2023-0001 when no cluster could be read. */
/**
 * A case reference: "C5-2023-0007" (cluster 5), "CP5-2027-0001" where the council writes its
 * clusters with a code (Sutton's CP 5), "U-2023-0012" with no cluster.
 */
export function caseRef(cluster: number | null, year: string, n: number, p?: Partnership): string {
  return `${refPrefix(cluster, p)}-${year}-${String(n).padStart(4, "0")}`;
}

function refPrefix(cluster: number | null, p?: Partnership): string {
  if (cluster === null) return "U";
  const name = p ? clusterName(p, cluster) : `cluster ${cluster}`;
  return name.startsWith("cluster ") ? `C${cluster}` : name.replace(" ", "");
}

/** The last step without a batch: one call each, in the order a batch runs them. */
export async function finishOneByOne(mailbox: MailboxPort, cases: CaseRegisterPort, step: FinishStep): Promise<void> {
  if (step.reply) await mailbox.sendDraft(step.reply.draftId);
  if (step.folderId) await mailbox.move(step.messageId, step.folderId);
  if (step.supersede) await cases.setStatus(step.supersede, "Superseded");
  if (step.triageCard) await cases.setTriageCard(step.triageCard.itemId, step.triageCard.activityId);
  if (step.audit) await cases.audit(step.audit); // false when an earlier attempt wrote it: done either way
}

/** The Message-IDs an email says it answers (In-Reply-To and References), lower case. */
export function referencesOf(f: MessageFacts): Set<string> {
  const out = new Set<string>();
  for (const h of f.headers) {
    const name = h.name.toLowerCase();
    if (name !== "in-reply-to" && name !== "references") continue;
    for (const part of h.value.split(/\s+/)) {
      const open = part.indexOf("<");
      const close = part.indexOf(">", open);
      if (open >= 0 && close > open) out.add(part.slice(open, close + 1).toLowerCase());
    }
  }
  return out;
}

/** Hashes of the names of the files that may be the form (never the names themselves). */
export function formFileHashes(p: Partnership, f: MessageFacts): string[] {
  return formFiles(p, f).map((a) => sha(a.name.trim().toLowerCase()).slice(0, 12));
}

function withinDays(iso: string, now: Date, days: number): boolean {
  return now.getTime() - Date.parse(iso) <= days * 86_400_000;
}

/** What the form said, for the case: numeric and choice fields only, and which they were. */
function formFields(d: MailDecision): Partial<CaseFields> {
  if (!d.form) return {};
  const fields = caseFieldsFromForm(d.form);
  const names = Object.keys(fields);
  return names.length ? { ...fields, FromForm: names.join(",") } : {};
}

function caseFields(p: Partnership, d: MailDecision, facts: MessageFacts & { id: string }, ref: string, fp: string, resubmissionOf: string | null): CaseFields {
  const a = d.assessment;
  return {
    Title: ref,
    Cluster: a?.cluster ?? null,
    School: a?.school?.name ?? null,
    Phase: a?.school?.phase ?? null,
    LeadInitials: a?.lead?.initials ?? null,
    SenderEmail: facts.from.address.toLowerCase(),
    ReceivedAt: facts.receivedAt.toISOString(),
    SubjectLine: facts.subject,
    InternetMessageId: facts.internetMessageId,
    GraphMessageId: facts.id,
    Status: STATUS[d.outcome]!,
    MeetingDate: a?.meeting?.startsAt ?? null,
    SubmissionDeadline: a?.deadline?.at ?? null,
    AckDueBy: a?.ackDueBy ? `${a.ackDueBy}T00:00:00Z` : null,
    Reasons: d.reasons.join("\n"),
    Problems: d.notes.join("\n"),
    Fingerprint: fp,
    ResubmissionOf: resubmissionOf,
    FormFiles: formFileHashes(p, facts).join(",") || null,
    ...(d.referralType && p.referralTypes.length > 1 ? { ReferralType: d.referralType } : {}),
    ...formFields(d),
  };
}

/**
 * `resumeKey`: from a retry after a throttle (IntakeResult.resumeKey). When it names this email's
 * state and its case is written, the email is not read again: its plan says what is left to do.
 */
export async function processMessage(deps: IntakeDeps, messageId: string, leaseMs = LEASE_MS, resumeKey?: string): Promise<IntakeResult> {
  const { mailbox, state, log } = deps;
  // A copy of an email already done (a duplicate notification, a sweep) costs no Graph call.
  if (await state.getSync(doneKey(messageId))) {
    log.info("intake.already-done", { key: sha(messageId).slice(0, 16) });
    return { status: "already-done" };
  }
  let key: string | undefined;
  try {
    let email: Email | null = null;
    const saved = resumeKey ? await state.intake(resumeKey) : null;
    if (saved && saved.messageId === messageId && saved.plan && saved.stage !== "new") {
      key = resumeKey!;
      email = { id: messageId, facts: null, loaded: saved };
    } else {
      const facts = await mailbox.facts(messageId);
      if (!facts) {
        log.info("intake.message-gone", { messageId });
        return { status: "gone" };
      }
      key = intakeKey(facts.id);
      email = { id: facts.id, facts, loaded: null };
    }
    return await leased(deps, email, key, leaseMs);
  } catch (e) {
    // Throttled for longer than a request waits: hand the email back to be queued again with the
    // delay Graph asked for, saying where it got to; not a failure, so no queue retry is spent.
    const wait = deps.retryLater?.(e) ?? null;
    if (wait === null) throw e;
    return { status: "later", retryAfterMs: Math.max(1, wait) * 1000, ...(key ? { resumeKey: key } : {}) };
  }
}

/** The email being taken in: read from the mailbox, or (a retry after a throttle) only its state, which holds its plan. */
interface Email {
  id: string;
  facts: (MessageFacts & { id: string }) | null;
  /** Its intake state, when already read. */
  loaded: IntakeState | null;
}

async function leased(deps: IntakeDeps, email: Email, key: string, leaseMs: number): Promise<IntakeResult> {
  const { state, log } = deps;
  const shortKey = key.slice(0, 16);
  const st: IntakeState = email.loaded ?? (await state.intake(key)) ?? { stage: "new", updatedAt: deps.now().toISOString() };
  if (st.stage === "done") {
    log.info("intake.already-done", { key: shortKey, outcome: st.outcome ?? null });
    return { status: "already-done", outcome: st.outcome!, caseRef: st.caseRef ?? null, duplicateOf: st.duplicateOf ?? null };
  }
  // One worker at a time per email: a copy of the notification comes back when the lease ends.
  const owner = randomUUID();
  if (!(await state.claim(key, owner, leaseMs))) {
    log.info("intake.busy", { key: shortKey });
    // Usually the holder finishes in a second or two and the copy then finds the email done; if
    // the holder crashed, its lease ends within leaseMs. Look again soon, whichever it is.
    return { status: "busy", retryAfterMs: Math.min(leaseMs, BUSY_RECHECK_MS) };
  }
  try {
    // Before the card (the one side effect nothing can look up afterwards) the lease is renewed:
    // a worker that has been slow enough to lose it stops there, and the holder posts it instead.
    const renew = () => state.claim(key, owner, leaseMs);
    return await runStages(deps, email, key, st, renew);
  } catch (e) {
    if (!(e instanceof LeaseLostError)) throw e;
    log.warn("intake.lease-lost", { key: shortKey });
    return { status: "busy", retryAfterMs: Math.min(leaseMs, BUSY_RECHECK_MS) };
  } finally {
    await state.release(key, owner);
  }
}

/** How many references a form may try before intake gives up (the counter lost more than that). */
const MAX_REFERENCE_TRIES = 100;

/** This worker's lease on the email ran out and another worker took it. */
class LeaseLostError extends Error {}

async function runStages(deps: IntakeDeps, email: Email, key: string, loaded: IntakeState, renew: () => Promise<boolean>): Promise<IntakeResult> {
  const { partnership: p, mailbox, cases, state, log } = deps;
  const shortKey = key.slice(0, 16);
  // Re-read under the lease: the holder before us may have finished.
  let st: IntakeState = (await state.intake(key)) ?? loaded;
  if (st.stage === "done") return { status: "already-done", outcome: st.outcome!, caseRef: st.caseRef ?? null, duplicateOf: st.duplicateOf ?? null };
  // Resumed: a worker got further before (its state says so, or, if storage lost that, the case
  // it wrote does). Then every side effect is checked for before it is repeated.
  let resumed = st.stage !== "new";
  // Not read again (a retry after a throttle, or a copy of a resumed email): the plan saved with
  // the case says what is left.
  let plan = st.plan;
  let facts = st.stage !== "new" && plan ? null : email.facts;
  // The email's files are read (only those that may be the form, within the size limit) in the
  // same turn as the case look-ups, so both go in one Graph round trip. The fingerprint is of the
  // email as it came (its own attachments), before any attached email's files are added.
  let prefetched: Promise<CaseLookups> | null = null;
  const fp = email.facts ? fingerprint(email.facts) : "";
  const lookupsFor = (f: MessageFacts & { id: string }) => {
    const daysBefore = (days: number) => new Date(f.receivedAt.getTime() - days * 86_400_000).toISOString();
    return cases.lookups(f.id, fp, f.from.address.toLowerCase(), {
      duplicate: daysBefore(p.intake.duplicateWindowDays),
      fix: daysBefore(p.intake.resubmissionWindowDays),
    });
  };
  if (facts) {
    // Automatic mail needs no look-ups: known from its headers alone, before the files are read.
    if (st.stage === "new" && !["ignored", "check-by-hand"].includes(decideMail(p, facts).outcome)) prefetched = lookupsFor(facts);
    const [read] = await Promise.all([mailbox.readFiles(facts), prefetched?.catch(() => null)]);
    facts = read;
  }
  let decision: MailDecision | null = null;
  let replyLimited = Boolean(st.replyLimited);
  if (facts) {
    // A mail loop stops at the partnership's replies per sender per hour: a reply is reserved
    // (an atomic count in storage) once per email, when it is first decided (a retry reuses the
    // reservation); past the limit the email is filed without one. A resumed email keeps the
    // decision it was given then.
    decision = decideMail(p, facts);
    let history: SenderHistory | undefined;
    if (st.stage === "new") {
      if (decision.reply) {
        const reservedKey = `reply-reserved|${shortKey}`;
        const reserved = await state.getSync(reservedKey);
        if (reserved !== null) history = { repliesThisHour: Number(reserved) };
        else {
          // Counted against the address replied to.
          const hourKey = `replies|${sha(replyAddress(facts).to).slice(0, 32)}|${deps.now().toISOString().slice(0, 13)}`;
          history = { repliesThisHour: Number(await state.updateSync(hourKey, (n) => String(Number(n ?? 0) + 1))) - 1 };
          await state.setSync(reservedKey, String(history.repliesThisHour));
        }
      }
    } else if (st.replyLimited) history = { repliesThisHour: Number.POSITIVE_INFINITY };
    replyLimited = Boolean(history && history.repliesThisHour >= p.intake.maxRepliesPerSenderPerHour);
    // A sender past the limit still gets the case, without a reply (limits suppress replies, never
    // processing); the first email over it counts once in the day's paused senders (health).
    if (replyLimited) {
      decision = decideMail(p, facts, history);
      if (st.stage === "new" && history?.repliesThisHour === p.intake.maxRepliesPerSenderPerHour) {
        await state.updateSync(repliesPausedKey(toLocal(deps.now()).date), (n) => String(Number(n ?? 0) + 1));
        log.warn("intake.replies-paused", { key: shortKey });
      }
    }
  }
  const outcome = decision?.outcome ?? st.outcome!;
  const save = async (next: Partial<IntakeState>) => {
    st = { ...st, ...next, messageId: email.id, outcome, ...(replyLimited ? { replyLimited } : {}), updatedAt: deps.now().toISOString() };
    await state.saveIntake(key, st);
  };

  const marker = `cd-${shortKey}`;
  /** A draft made for a case that was not written (best effort: a draft is never sent by itself). */
  const discard = async (id: string | null) => {
    if (id) await mailbox.discardDraft(id).catch((e: Error) => log.warn("intake.draft-not-deleted", { key: shortKey, reason: shortReason(e) }));
  };

  // 1. The case.
  let draft: string | null = null;
  let cardChecked = false;
  let created: CaseRecord | null = null;
  let supersedes: string | null = null;
  if (st.stage === "new") {
    // A state at "new" is never resumed without the email (processMessage reads it then).
    const d = decision!;
    const f = facts!;
    let record: CaseRecord | null = null;
    let duplicateOf: CaseRecord | null = null;
    if (d.outcome !== "ignored" && d.outcome !== "check-by-hand") {
      const found = await (prefetched ?? lookupsFor(f));
      const dup =
        found.byFingerprint &&
        found.byFingerprint.itemId !== found.byMessage?.itemId &&
        withinDays(found.byFingerprint.receivedAt, f.receivedAt, p.intake.duplicateWindowDays)
          ? found.byFingerprint
          : null;
      if (found.byMessage) {
        record = found.byMessage;
        resumed = true;
        // Storage lost this email's state, not its card: the case says whether the card went.
        cardChecked = true;
        if (record.triageCard) st = { ...st, triageCard: record.triageCard === POSTED ? "" : record.triageCard };
      } else if (dup) duplicateOf = dup;
      else {
        const year = toLocal(f.receivedAt).date.slice(0, 4);
        const cluster = d.assessment?.cluster ?? null;
        // A correction is known by what shows it is one: a reply to the earlier email's thread
        // (In-Reply-To or References name its Message-ID), or the same form file sent again.
        // Never by sender alone: a SENDCo's next child's form is a case of its own.
        const refs = referencesOf(f);
        const files = formFileHashes(p, f);
        const fixes =
          d.outcome === "accepted" || d.outcome === "late"
            ? found.needingFixFromSender.filter(
                (c) =>
                  withinDays(c.receivedAt, f.receivedAt, p.intake.resubmissionWindowDays) &&
                  ((c.internetMessageId && refs.has(c.internetMessageId.toLowerCase())) || (c.formFiles ?? []).some((h) => files.includes(h))),
              )
            : [];
        const earlier = fixes[0] ?? null;
        const sequence = `${refPrefix(cluster, p)}-${year}`;
        // The reference is unique in the register (Cases.Title): if the counter handed out a
        // number already used (it lost writes in a crash), take the next one.
        let ref = "";
        for (let tries = 1; !record; tries++) {
          ref = caseRef(cluster, year, await state.next(sequence), p);
          // The reply's draft, with this reference, goes in the same round trip as the case. A
          // draft that fails is made again in the last step; one for a case not written is deleted.
          const text = planFor(p, d, f, { ...st, caseRef: ref, duplicateOf: null });
          const drafting = text.reply !== null ? mailbox.draftReply(email.id, replyDraftOf(text, marker)).catch(() => null) : Promise.resolve(null);
          try {
            [record, draft] = await Promise.all([cases.create(caseFields(p, d, f, ref, fp, earlier?.ref ?? null)), drafting]);
          } catch (e) {
            await discard(await drafting);
            if (!(e instanceof ReferenceTakenError) || tries >= MAX_REFERENCE_TRIES) throw e;
            log.warn("intake.reference-taken", { caseRef: ref });
          }
        }
        // Another worker may have logged this email meanwhile (create returned its case).
        if (record.ref !== ref) {
          resumed = true;
          await discard(draft);
          draft = null;
        } else {
          created = record;
          if (earlier) supersedes = earlier.itemId;
        }
      }
    }
    const caseState: Partial<IntakeState> = {
      caseRef: record?.ref ?? null,
      caseItemId: record?.itemId ?? null,
      duplicateOf: duplicateOf?.ref ?? null,
      duplicateReceivedAt: duplicateOf?.receivedAt ?? null,
    };
    // An email that duplicates a case is kept with it (retention and subject access find it there).
    if (duplicateOf) await noteCaseMail(state, duplicateOf.ref, { kind: "email", id: email.id }, log);
    plan = planFor(p, d, f, { ...st, ...caseState });
    if (d.reply && replyAddress(f).ignoredReplyTo) log.info("intake.reply-to-ignored", { key: shortKey, reason: "Reply-To outside the sender's domain" });
    await save({ stage: "case-written", ...caseState, ...(supersedes ? { supersedes } : {}), ...(draft ? { replyDraft: draft } : {}), plan });
    log.info("intake.case", { key: shortKey, outcome, caseRef: st.caseRef ?? null, duplicateOf: st.duplicateOf ?? null });
  }
  // A state from before plans were saved: worked out from the email, read this time.
  plan ??= planFor(p, decision!, facts!, st);

  // The folder it is filed in, before the card: a throttle here leaves nothing sent or posted.
  const finished = new Set(st.finished ?? []);
  const folderId = finished.has("move") ? undefined : await mailbox.folder(plan.folder);

  // 2. The triage card to the SCL, before the last step, from the case as created (no second
  // read). "announcing" is saved before it; the announcer records where it went (storage) as
  // soon as it is posted, and the last step records its message id on the case (SharePoint), so a
  // resumed worker that finds either does not post it again. A failure to post is logged: the
  // case stands, and the SCL's `cases` lists it.
  const announcing = Boolean(deps.announce && st.caseRef && plan.announceTo);
  if (st.stage === "case-written" || st.stage === "replied" || st.stage === "filed" || st.stage === "announcing") {
    let card = st.triageCard ?? null;
    // Resumed with storage's records older than the card (it lost the newer ones): the case says.
    if (announcing && card === null && resumed && !cardChecked && st.caseItemId) {
      const onCase = await cases.triageCard(st.caseItemId);
      if (onCase) card = onCase === POSTED ? "" : onCase;
    }
    if (announcing && card === null) {
      if (!(await renew())) throw new LeaseLostError();
      if (st.stage !== "announcing") await save({ stage: "announcing" });
      card = await deps.announce!(st.caseRef!, plan.announceTo, created && created.ref === st.caseRef ? (created.stored ?? null) : null).catch((e: Error) => {
        log.warn("intake.announce-failed", { caseRef: st.caseRef ?? null, reason: shortReason(e) });
        return null;
      });
    }
    await save({ stage: "announced", ...(card !== null ? { triageCard: card } : {}) });
  }

  // 3. Reply (at most one: its draft is recorded before it is sent), file the message in its outcome's folder, mark
  // the case it corrects superseded, record the card on the case, and write the audit row (codes
  // and references only; its key is unique): one round trip where the adapter can ($batch), each
  // step safe to repeat.
  if (st.stage === "announced") {
    // Still this worker's email before anything is sent: a worker that stalled past its lease (a
    // slow turn, a throttled wait) while another took the email over must not reply as well. The
    // announce step's check does not cover this when the card was posted by an earlier attempt.
    if (!(await renew())) throw new LeaseLostError();
    const receivedAt = new Date(plan.receivedAt);
    let reply: FinishStep["reply"];
    if (plan.reply !== null && !finished.has("reply")) {
      // Resumed, an attempt may have sent the reply without knowing it (a crash mid-step): its
      // draft is read by id (1 call), or, with no record of a draft (a state lost whole), Sent
      // Items is asked for its Message-ID (1 call). Exchange keeps no headers on Sent Items
      // copies, so nothing is searched by header.
      let draftId = st.replyDraft ?? null;
      let sent = false;
      // Not read when the last attempt's results were known (finishKnown: a throttled step), which
      // keeps a throttled retry cheap. A stale state cannot send twice either way: its recorded
      // draft, once sent, cannot be sent again.
      if (resumed && !st.finishKnown) {
        if (draftId) {
          const was = await mailbox.draftState(draftId);
          // Gone after the step was started: sent, and its Sent Items copy is not there yet.
          // Gone is sent too: a recorded draft is never deleted by intake (only one for a case not
          // written, which is never recorded), so it went, its Sent Items copy not there yet.
          sent = was === "sent" || was === "gone";
          if (was === "gone") draftId = null;
        } else {
          // Another attempt's draft still waiting (its record went with storage, or that attempt
          // overwrote it): that draft is sent, not a second one; only one send of a draft succeeds.
          // Drafts first, then Sent Items: a draft sent in between is in Sent Items when asked.
          draftId = await mailbox.draftWith(marker);
          if (!draftId) sent = await mailbox.sentWith(marker);
        }
      }
      if (sent) log.info("intake.reply-already-sent", { key: shortKey });
      else {
        draftId ??= await mailbox.draftReply(email.id, replyDraftOf(plan, marker));
        reply = { draftId };
      }
    }
    // From here on whether the reply goes is not known until the step answers: the draft is
    // recorded, and that the step was started with it.
    if (reply) await save({ replyDraft: reply.draftId, replySending: true, finishKnown: false });
    const audit: AuditRow | undefined = finished.has("audit")
      ? undefined
      : {
          key: `${key}:intake`,
          event: "intake",
          caseRef: st.caseRef ?? null,
          outcome: st.duplicateOf ? "duplicate" : outcome,
          at: deps.now().toISOString(),
          actor: "cluster-desk",
          // Seconds from the email's arrival to its receipt (the health report's p95).
          detail: [...plan.codes, receiptCode((deps.now().getTime() - receivedAt.getTime()) / 1000)].join(", "),
        };
    const step: FinishStep = {
      messageId: email.id,
      ...(audit ? { audit } : {}),
      ...(folderId ? { folderId } : {}),
      ...(reply ? { reply } : {}),
      ...(st.supersedes && !finished.has("supersede") ? { supersede: st.supersedes } : {}),
      ...(st.triageCard != null && st.caseItemId && !finished.has("card")
        ? { triageCard: { itemId: st.caseItemId, activityId: st.triageCard || POSTED } }
        : {}),
    };
    try {
      await (deps.finish ? deps.finish(step) : finishOneByOne(mailbox, cases, step));
    } catch (e) {
      // Throttled part-way: remember what went through (a retry neither repeats it nor has to
      // look for it in Sent Items), then let the error go up (the email is queued again).
      if (e instanceof PartlyFinishedError) {
        await save({ finished: [...finished, ...e.done], finishKnown: true });
        throw e.cause;
      }
      throw e;
    }
    // Done: the plan (and the reply's text with it) is not kept.
    await save({ stage: "done", plan: undefined, finishKnown: undefined, replyDraft: undefined, replySending: undefined });
    await state.setSync(doneKey(email.id), "done");
  }
  log.info("intake.done", { key: shortKey, outcome, caseRef: st.caseRef ?? null });
  return { status: "processed", outcome, caseRef: st.caseRef ?? null, duplicateOf: st.duplicateOf ?? null };
}

/** The reply a plan sends, as a draft to make. */
function replyDraftOf(plan: IntakePlan, marker: string): ReplyDraft {
  return { text: plan.reply ?? "", marker, ...(plan.replyTo ? { to: plan.replyTo } : {}), ...(plan.thread ? { thread: plan.thread } : {}) };
}

/** What the later stages do with this email, from its decision and the case written for it. */
function planFor(p: Partnership, d: MailDecision, facts: MessageFacts, st: IntakeState): IntakePlan {
  const duplicate = st.duplicateOf ? { caseRef: st.duplicateOf, receivedAt: st.duplicateReceivedAt ?? facts.receivedAt.toISOString() } : null;
  return {
    reply: d.reply ? composeReply(p, d, { caseRef: st.caseRef ?? null, duplicateOf: duplicate }).body : null,
    // The thread's subject and Message-ID are cut to what a header holds (a subject can be 100 KB;
    // the plan is saved with the email's state, whose values hold 64 KB).
    ...(d.reply
      ? { replyTo: replyAddress(facts).to, thread: { subject: replySubject(facts.subject).slice(0, 250), inReplyTo: facts.internetMessageId.slice(0, 500) } }
      : {}),
    folder: st.duplicateOf ? "Duplicates" : d.folder,
    // The case's SCL; a case with no cluster goes to the partnership lead, who assigns one.
    announceTo: st.caseRef && !st.duplicateOf && d.outcome !== "quarantined" ? (d.assessment?.lead?.email ?? p.partnershipLead.email) : null,
    codes: [
      st.duplicateOf ? `duplicate of ${st.duplicateOf}` : "",
      ...(d.assessment?.subject.problems.map((x) => x.code) ?? []),
      ...d.attachmentProblems.map((x) => `attachment-${x.problem}`),
    ].filter(Boolean),
    receivedAt: facts.receivedAt.toISOString(),
  };
}
