/** What the use cases need from the outside world; m365/ implements these against Graph and Azure. */
import type { MessageFacts } from "./rules/mailRules.js";

/**
 * The product's emails that must go once are made as drafts first (Graph's "immutable ID with
 * sending mail"): the draft's id is recorded, then it is sent, and a retry reads that one message.
 */
export interface DraftsPort {
  sendDraft(draftId: string): Promise<void>;
  /** Deletes a draft that must not be sent (made for a case that was not written). */
  discardDraft(draftId: string): Promise<void>;
  /** Whether a draft is still a draft, was sent, or is gone (deleted, or sent and not yet in Sent Items). */
  draftState(draftId: string): Promise<DraftState>;
  /**
   * Whether the message tagged `marker` is in Sent Items, found by its Message-ID (m365/mime.ts
   * makes it from the marker): for a retry whose record of the draft was lost with its state.
   */
  sentWith(marker: string): Promise<boolean>;
  /**
   * The id of a draft tagged `marker` still in Drafts (another attempt made it and has not sent it
   * yet), found by its Message-ID; null when there is none. A retry that lost its record of the
   * draft sends that one rather than making a second: only one send of a draft can succeed.
   */
  draftWith(marker: string): Promise<string | null>;
}

export interface MailboxPort extends DraftsPort {
  /** The message's metadata and its attachments' metadata (never the bytes); null if it no longer exists. */
  facts(messageId: string): Promise<(MessageFacts & { id: string }) | null>;
  /**
   * The facts with what intake reads from the files that may be the form (within the size limit)
   * and from attached emails: what their bytes are and the form read from them; an attached
   * email's own files beside it. The bytes are dropped.
   */
  readFiles(facts: MessageFacts & { id: string }): Promise<MessageFacts & { id: string }>;
  /** A folder under the inbox, created if missing; its id. */
  folder(name: string): Promise<string>;
  move(messageId: string, folderId: string): Promise<void>;
  /**
   * A reply to the email as a draft, not sent: to `to` (its sender as intake chose: never a
   * Reply-To elsewhere), in `thread`, tagged with `marker`. Its id is immutable: it is the id of
   * the Sent Items copy once sent, so a retry finds the reply by id (Exchange keeps no headers on
   * Sent Items copies to search by).
   */
  draftReply(messageId: string, reply: ReplyDraft): Promise<string>;
  /** Every message in the Inbox now (ids and arrival only), oldest pages last. */
  inbox(): AsyncIterable<{ id: string; internetMessageId: string; receivedAt: string }>;
}

/** The Inbox's changes since the last look (Graph's delta query): what the sweep reads. */
export interface MailboxChangesPort {
  /**
   * Messages added to the Inbox since `link` (everything there when null), every page, and the
   * link to ask from next time. Throws SyncExpiredError when the service no longer knows `link`.
   */
  changes(link: string | null): Promise<{ messages: { id: string; internetMessageId: string; receivedAt: string | null }[]; next: string }>;
  /** Whether a stored link is for this endpoint (one stored for another is stale). */
  owns(link: string): boolean;
}

/** The stored delta link has expired: the sweep starts again from nothing. */
export class SyncExpiredError extends Error {
  constructor() {
    super("the mailbox's sync state has expired");
    this.name = "SyncExpiredError";
  }
}

/** The secure mailbox's change-notification subscription (new mail in the Inbox). */
export interface SubscriptionsPort {
  create(s: { notificationUrl: string; lifecycleUrl: string | null; clientState: string; expiresAt: string }): Promise<{ id: string; expiresAt: string }>;
  /** Moves its expiry; null when the subscription no longer exists. */
  renew(id: string, expiresAt: string): Promise<{ id: string; expiresAt: string } | null>;
}

export type CaseStatus =
  | "Accepted"
  | "Late"
  | "Needs attention"
  | "Rejected"
  | "Quarantined"
  | "Superseded"
  | "On agenda"
  | "More information requested"
  | "Referred to SEND Adviser"
  | "Recommended"
  | "Decided";

export const CASE_STATUSES: CaseStatus[] = [
  "Accepted",
  "Late",
  "Needs attention",
  "Rejected",
  "Quarantined",
  "Superseded",
  "On agenda",
  "More information requested",
  "Referred to SEND Adviser",
  "Recommended",
  "Decided",
];

export interface CaseFields {
  Title: string;
  Cluster: number | null;
  School: string | null;
  Phase: string | null;
  LeadInitials: string | null;
  SenderEmail: string;
  ReceivedAt: string;
  SubjectLine: string;
  InternetMessageId: string;
  GraphMessageId: string;
  Status: CaseStatus;
  MeetingDate: string | null;
  SubmissionDeadline: string | null;
  AckDueBy: string | null;
  /** What the school was told (may quote its subject line and file names): for officers in the list. */
  Reasons: string;
  /** The same from codes and known values only: what cards, agendas and Teams messages show. */
  Problems: string;
  Fingerprint: string;
  ResubmissionOf: string | null;
  /** Hashes of the email's form files' names (never the names: they may name a child), to know a correction by its file. */
  FormFiles?: string | null;
  /** The referral type's id (config referralTypes); absent: the partnership's first type. */
  ReferralType?: string | null;
  /** Read from the form on arrival (issue 17); the SCL can change them on the triage card. */
  CaseType?: "Individual" | "Group" | null;
  CypCount?: number | null;
  TermsSought?: number | null;
  AmountRequested?: number | null;
  ConsentConfirmed?: boolean | null;
  /** Which of those came from the form ("CaseType,CypCount"); emptied when the SCL saves details. */
  FromForm?: string | null;
}

export interface CaseRecord {
  itemId: string;
  ref: string;
  status: CaseStatus;
  receivedAt: string;
  senderEmail: string;
  /** The Message-ID of the email it came from (a correction replying to its reply refers to it). */
  internetMessageId?: string;
  /** Hashes of its form files' names (CaseFields.FormFiles). */
  formFiles?: string[];
  /** The whole case as the register returned it on create (what the triage card shows). */
  stored?: StoredCase;
  /** The Teams message id of its triage card, once intake's last step has recorded it. */
  triageCard?: string | null;
}

/** What a reply needs to thread under the school's email: its subject (with "RE: ") and the Message-ID it answers. */
/** A message made as a draft: not sent yet, sent (its Sent Items copy, same immutable id), or no longer found. */
export type DraftState = "draft" | "sent" | "gone";

/** Intake's reply to a school's email, before it is made a draft. */
export interface ReplyDraft {
  text: string;
  marker: string;
  to?: string;
  thread?: ReplyThread;
}

export interface ReplyThread {
  subject: string;
  inReplyTo: string;
}

/** Intake's last step: everything after the case, safe to repeat. */
export interface FinishStep {
  messageId: string;
  /** The reply, made as a draft before this step (its id), to send (absent: no reply, or it was sent already). */
  reply?: { draftId: string };
  /** The folder the message is filed in (absent: it was filed already). */
  folderId?: string;
  /** The item id of the case this one corrects: it becomes Superseded. */
  supersede?: string;
  /** The case's triage card went out: its Teams message id is recorded on the case (Cases.TriageCard). */
  triageCard?: { itemId: string; activityId: string };
  /** The audit row (absent: an earlier attempt wrote it). */
  audit?: AuditRow;
}

export interface CaseLookups {
  byMessage: CaseRecord | null;
  /** Same fingerprint (sender, subject, attachments), newest first. */
  byFingerprint: CaseRecord | null;
  /** Cases from this sender that the school was asked to fix, newest first. */
  needingFixFromSender: CaseRecord[];
}

export interface AuditRow {
  /** Unique: a retried step writes nothing twice. */
  key: string;
  event: string;
  caseRef: string | null;
  outcome: string;
  at: string;
  actor: string;
  /** Codes and references only; never content. */
  detail: string;
}

/** An intake audit row's receipt code: whole seconds from the email's arrival to its receipt (the health report's p95). */
export const receiptCode = (seconds: number): string => `receipt ${Math.max(0, Math.round(seconds))}s`;

/** The seconds the receipt code in an audit row's detail gives; null when it has none. */
export function receiptSecondsOf(detail: string): number | null {
  const m = /\breceipt (\d{1,7})s\b/.exec(detail);
  return m ? Number(m[1]) : null;
}

/** The last step stopped part-way (throttled): what went through, so a retry does only the rest. */
/** The parts of intake's last step. */
export type FinishPart = "reply" | "move" | "supersede" | "card" | "audit";

export class PartlyFinishedError extends Error {
  constructor(
    readonly done: FinishPart[],
    override readonly cause: unknown,
  ) {
    super(`intake's last step stopped after ${done.join(", ") || "nothing"}`);
    this.name = "PartlyFinishedError";
  }
}

/** The case reference is already in the register (its counter lost writes, or another worker raced). */
export class ReferenceTakenError extends Error {
  constructor(readonly ref: string) {
    super(`case reference ${ref} is already taken`);
    this.name = "ReferenceTakenError";
  }
}

export interface CaseRegisterPort {
  /** `since`: the earliest ReceivedAt (ISO) worth matching, for duplicates and for corrections. */
  lookups(graphMessageId: string, fingerprint: string, sender: string, since?: { duplicate?: string; fix?: string }): Promise<CaseLookups>;
  /** Creates the case; if one already exists for the message, returns that one; ReferenceTakenError if its Title is another case's. */
  create(fields: CaseFields): Promise<CaseRecord>;
  setStatus(itemId: string, status: CaseStatus): Promise<void>;
  /** Records on the case the Teams message id of its triage card. */
  setTriageCard(itemId: string, activityId: string): Promise<void>;
  /** What setTriageCard recorded (null: nothing). */
  triageCard(itemId: string): Promise<string | null>;
  /** Writes the row; false when a row with its key was there already. */
  audit(row: AuditRow): Promise<boolean>;
  /** Intake audit rows since `since` (ISO): outcome, seconds from arrival to receipt when recorded, and when. */
  intakeSince(since: string): Promise<{ outcome: string; receiptSeconds: number | null; at?: string }[]>;
}

/**
 * Where an email's intake has got to: "case-written", then "announcing" (saved before the triage
 * card is posted) and "announced" (after), then the last step (reply, filing, audit, and the
 * card's id on the case) and "done". "replied" and "filed" are older stages, resumed at the card.
 */
export type IntakeStage = "new" | "case-written" | "replied" | "filed" | "announcing" | "announced" | "done";

export interface IntakeState {
  stage: IntakeStage;
  /** The Graph (immutable) message id, so the reconciler can queue the email again wherever it is filed. */
  messageId?: string;
  outcome?: string;
  caseRef?: string | null;
  caseItemId?: string | null;
  duplicateOf?: string | null;
  /** The item id of the case this email's case corrects (marked Superseded in the last step). */
  supersedes?: string | null;
  /** Parts of the last step that went through before it was interrupted (a throttle): not repeated. */
  finished?: FinishPart[];
  /** The case's triage card went out (its Teams message id, or "" when it is not known). */
  triageCard?: string | null;
  /** Filed without a reply: its sender had had the hour's replies. */
  replyLimited?: boolean;
  /** When the case this email duplicates was received (for the reply). */
  duplicateReceivedAt?: string | null;
  /** What the rest of the email's intake does, settled when its case is written; dropped when done. */
  plan?: IntakePlan;
  /**
   * The reply as a draft in the mailbox (its immutable id), made before the last step. A resumed
   * attempt reads that one message: still a draft, it is sent; sent, it is not sent again.
   */
  replyDraft?: string;
  /**
   * The last step was started with the draft: if the draft is then gone (not found by its id), it
   * was sent and its Sent Items copy is not there yet (Graph: "may not succeed immediately"), so
   * it is not made again.
   */
  replySending?: boolean;
  /**
   * The last attempt at the last step ended with every part's result known (it was throttled), so
   * `finished` says whether the reply went and the draft need not be read. Cleared (saved) before
   * a later attempt that may send it.
   */
  finishKnown?: boolean;
  updatedAt: string;
}

/**
 * Everything intake's later stages need from the email, worked out once when its case is written:
 * a retry after a throttle then goes on from storage without reading the email again.
 */
export interface IntakePlan {
  /** The reply's text (null: no reply). It may quote the subject line and file names, so it is dropped when the email is done. */
  reply: string | null;
  /** Who the reply goes to: the sender (From), or a Reply-To in the sender's own domain. */
  replyTo?: string;
  /** The reply's subject and the Message-ID it answers (it is sent as a new message in that thread). */
  thread?: ReplyThread;
  /** The mailbox folder the email is filed in. */
  folder: string;
  /** Who the triage card goes to; null when the case gets no card (no case, a duplicate, quarantined). */
  announceTo: string | null;
  /** The audit row's codes (subject and attachment problems, the case duplicated). */
  codes: string[];
  receivedAt: string;
}

export interface StatePort {
  intake(key: string): Promise<IntakeState | null>;
  saveIntake(key: string, s: IntakeState): Promise<void>;
  /** The next number in a named sequence (1, 2, 3, ...), safe across concurrent workers. */
  next(sequence: string): Promise<number>;
  /** Takes the lease on a message for `ttlMs`; false while another worker holds it. */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
  /** Intake states not "done" whose last change is older than `before` (the reconciler's look). */
  unfinished(before: Date): Promise<{ key: string; state: IntakeState }[]>;
}

export interface Logger {
  info(event: string, fields?: Record<string, string | number | boolean | null>): void;
  warn(event: string, fields?: Record<string, string | number | boolean | null>): void;
}

/** An Outlook event in the partnership mailbox's calendar, in London wall-clock time. */
export interface OutlookEvent {
  subject: string;
  body: string;
  /** YYYY-MM-DDTHH:mm:00, Europe/London */
  start: string;
  end: string;
  location: string;
  attendee: { address: string; name: string };
}

export interface CalendarPort {
  /** Creates the event; the same transactionId returns the same event (Graph's retry guard). */
  create(ev: OutlookEvent, transactionId: string): Promise<string>;
  update(eventId: string, ev: OutlookEvent): Promise<void>;
}

/** One of the product's own emails from the partnership mailbox. */
export interface OutgoingMail {
  to: string[];
  bcc?: string[];
  subject: string;
  body: string;
  /** The product's marker (X-Cluster-Desk-Reply): a reader can tell the product sent it. */
  marker: string;
}

export interface MailSenderPort extends DraftsPort {
  /** Sends from the partnership mailbox in one call (no record kept: callers that must not repeat it use a draft). */
  send(msg: OutgoingMail): Promise<void>;
  /** The message as a draft, not sent: its immutable id, which its Sent Items copy keeps once sent. */
  draft(msg: OutgoingMail): Promise<string>;
}

export interface KeyValuePort {
  getSync(key: string): Promise<string | null>;
  setSync(key: string, value: string | null): Promise<void>;
  /** Read-modify-write without lost updates (ETag-conditional, retried). */
  updateSync(key: string, change: (current: string | null) => string): Promise<string>;
}

/** A case as triage sees it: the SharePoint item's fields and its ETag. */
export interface StoredCase {
  itemId: string;
  etag: string;
  fields: Partial<CaseFields> & {
    Title: string;
    Status: CaseStatus;
    AcknowledgedAt?: string | null;
    AmountAwarded?: number | null;
    Decision?: "Agree to fund" | "Do not fund (alternative support)" | "No decision" | null;
    DecisionAt?: string | null;
    TriageCard?: string | null;
    /** Two-stage types: the cluster's recommendation, with its amount, before the final decision. */
    Recommendation?: "Agree to fund" | "Do not fund (alternative support)" | null;
    RecommendedAmount?: number | null;
    RecommendedAt?: string | null;
    /** When the allocation's review is due (London date at midnight, ISO), set at the decision. */
    ReviewDue?: string | null;
    ReviewRemindedAt?: string | null;
  };
}

/**
 * A window on one of the case register's indexed date columns, with a cluster or not. Every read
 * of many cases names one, and the query starts with it: SharePoint refuses a query on a list over
 * 5,000 items whose first indexed column matches more than 5,000 (the list view threshold), and a
 * window of a meeting, a term or a year stays far below that however long the register grows.
 */
export interface CaseWindow {
  by: "ReceivedAt" | "DecisionAt" | "MeetingDate" | "ReviewDue";
  /** ISO instants, both inclusive; equal for one instant (a meeting's start). */
  from: string;
  to: string;
  cluster?: number;
}

/** Cases nobody need acknowledge any more: replaced, decided, or refused at intake. */
export const NO_ACKNOWLEDGEMENT_DUE: readonly CaseStatus[] = ["Superseded", "Decided", "Quarantined", "Rejected"];

export interface CaseStorePort {
  byRef(ref: string): Promise<StoredCase | null>;
  /** The cases in a window (any status): never a cluster's whole history. */
  casesIn(w: CaseWindow): Promise<StoredCase[]>;
  /** Cases with an acknowledgement date on or after `since` (YYYY-MM-DD) that nobody acknowledged (none NO_ACKNOWLEDGEMENT_DUE). */
  awaitingAcknowledgement(since: string): Promise<StoredCase[]>;
  /** Applies `change` to the current fields and saves with If-Match, re-reading after a 412. */
  change(ref: string, change: (c: StoredCase) => Partial<StoredCase["fields"]>): Promise<StoredCase>;
}

export interface VoteStorePort {
  /** One row per voter per case (VoteKey unique): casting again changes it. */
  cast(caseRef: string, voter: string, choice: "agree" | "disagree" | "abstain", at: string): Promise<void>;
  votes(caseRef: string): Promise<{ voter: string; choice: "agree" | "disagree" | "abstain" }[]>;
  /** Removes a case's votes (its vote was cancelled). */
  clear?(caseRef: string): Promise<void>;
}

/** Where a card was posted: a stored conversation reference (JSON) and the Teams message id. */
export interface CardLocation {
  conversation: string;
  activityId: string | null;
  /** Whose personal chat it is (the card shows what they may do). */
  viewer?: string;
}

/** A vote in a cluster meeting: open once its card is posted; closed with a decision; or cancelled. */
export interface VoteSession {
  status: "open" | "closed";
  /** Who has their own view of the card: email → Teams user id (refresh.userIds). */
  ids: Record<string, string>;
  lines?: string[];
  decision?: string;
  /** Closed without a decision (too few votes): the case stays on the agenda and its vote may be opened again. */
  undecided?: boolean;
  /** Where the vote card is (the cluster's channel, or the conversation it was opened in). */
  posted?: { ref: string; activityId: string | null };
}

/**
 * What the bot and the jobs keep about Teams, typed: people's personal chats, clusters' channels,
 * where each case's triage cards are, vote sessions. One adapter (m365/teamsState.ts) holds the
 * keys and the JSON.
 */
export interface TeamsStatePort {
  personalChat(email: string): Promise<string | null>;
  setPersonalChat(email: string, conversation: string): Promise<void>;
  clusterChannel(cluster: number): Promise<string | null>;
  setClusterChannel(cluster: number, conversation: string): Promise<void>;
  /** Every triage card of a case (its SCL's; after a move, the new SCL's too). */
  triageCards(caseRef: string): Promise<CardLocation[]>;
  addTriageCard(caseRef: string, at: CardLocation): Promise<void>;
  /** Where a meeting's agenda card was posted (the cluster's channel; the partnership lead's chat for a wide meeting), to keep it current. */
  agendaCard(meeting: string): Promise<CardLocation | null>;
  setAgendaCard(meeting: string, at: CardLocation): Promise<void>;
  voteSession(caseRef: string): Promise<VoteSession | null>;
  /** Read-modify-write without lost updates; `change` returning null deletes the session. */
  updateVoteSession(caseRef: string, change: (current: VoteSession | null) => VoteSession | null): Promise<VoteSession | null>;
}

/** One school's attendance at a cluster meeting, as the SCL recorded it (issue 16). */
export interface AttendanceRecord {
  clusterId: number;
  /** The meeting's date (YYYY-MM-DD). */
  date: string;
  school: string;
  attended: boolean;
}

/** The Attendance list: one row per school per meeting, recorded from the agenda card. */
export interface AttendancePort {
  /** What was recorded for one meeting (none if nothing was). */
  ofMeeting(clusterId: number, date: string): Promise<AttendanceRecord[]>;
  /** Every record for meetings from `from` to `to` (dates, inclusive). */
  between(from: string, to: string): Promise<AttendanceRecord[]>;
  /** Writes a meeting's records (one per school, changed in place when recorded again). */
  record(rows: AttendanceRecord[], by: string, at: string): Promise<void>;
}

/** One of a case's audit rows as the Audit list holds it. */
export interface StoredAuditRow extends AuditRow {
  itemId: string;
}

/** A case's rows beyond the case itself, for retention, subject access and erasure (issue 34). */
export interface CaseRecordsPort {
  auditOf(caseRef: string): Promise<StoredAuditRow[]>;
  /** Rewrites an audit row's actor and detail; the rest stays. */
  rewriteAudit(itemId: string, actor: string, detail: string): Promise<void>;
  /** The case's votes with "voter 1", "voter 2"... in place of addresses; how many rows changed. */
  anonymiseVotes(caseRef: string): Promise<number>;
}

/** An email as the mailbox holds it, for an export: its text and its attachments' bytes. */
export interface MailRecord {
  id: string;
  subject: string;
  from: string;
  to: string[];
  /** When it was received (a school's email) or sent (the product's). */
  at: string;
  body: string;
  bodyType: "text" | "html";
  /** File attachments with their bytes; an attached email as its MIME; a link (reference attachment) with no bytes. */
  attachments: { name: string; contentType: string; bytes: Uint8Array | null; link?: string }[];
}

/** The mailbox's copies of a case's emails: read for an export, purged for retention and erasure. */
export interface MailRecordsPort {
  /** Null when it is gone. */
  read(id: string): Promise<MailRecord | null>;
  /** Permanently deleted (Graph's permanentDelete: not left in Deleted Items); false when it was gone already. */
  purge(id: string): Promise<boolean>;
  /** The id of the product's message tagged `marker` in Sent Items (found by its Message-ID), or null. */
  sentByMarker(marker: string): Promise<string | null>;
}

/** One of a case's messages and what it is to the case. */
export interface CaseMessage {
  id: string;
  what: "the school's email" | "Cluster Desk's reply" | "an email duplicating it" | "Cluster Desk's email about it";
}

/** Whose records a subject access export gathers. */
export type ExportScope = { case: string } | { school: string } | { sender: string };

/** One case's records as an export gathers them. */
export interface ExportedCase {
  case: StoredCase;
  audit: StoredAuditRow[];
  votes: { voter: string; choice: "agree" | "disagree" | "abstain" }[];
  messages: (CaseMessage & { record: MailRecord | null })[];
}

/** One contact between a lead and a school, as recorded in Teams (issue 33): the kind only, never free text. */
export interface EngagementRecord {
  school: string;
  clusterId: number;
  /** A kind's id from the partnership's engagement kinds. */
  kind: string;
  /** YYYY-MM-DD. */
  date: string;
  by: string;
}

/** The Engagement list: one row per school, kind, day and person (recording it again changes nothing). */
export interface EngagementPort {
  /** "created", or "exists" when that school, kind, day and person were recorded already. */
  record(row: EngagementRecord, at: string): Promise<"created" | "exists">;
  /** Every contact from `from` to `to` (dates, inclusive). */
  between(from: string, to: string): Promise<EngagementRecord[]>;
}
