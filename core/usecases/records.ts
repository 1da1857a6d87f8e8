/**
 * Data protection a council can sign off (issue 34): retention (each case's emails and personal
 * details deleted once past the partnership's period, the numbers the report counts kept),
 * subject access (everything held about a case, a school or a sender, gathered for an officer to
 * review) and erasure on request. Each is audited.
 *
 * A case's messages: the school's email (the case keeps its immutable id), intake's reply to it
 * (its draft id in the intake state, else found in Sent Items by the Message-ID the product gave it),
 * and what core/usecases/caseMail.ts recorded (the product's other emails about it, and emails
 * found to duplicate it, with their replies).
 */
import { createHash } from "node:crypto";
import { normaliseName, type Partnership } from "../config.js";
import type {
  AuditRow,
  CaseMessage,
  ExportedCase,
  ExportScope,
  CaseRecordsPort,
  CaseStorePort,
  KeyValuePort,
  Logger,
  MailRecordsPort,
  StatePort,
  StoredCase,
  TeamsStatePort,
  VoteStorePort,
} from "../ports.js";
import { caseEnd, codesOnly, fundingLive, isRemoved, removedFields, retentionDue } from "../rules/retention.js";
import { toLocal, type LocalDate } from "../rules/time.js";
import { caseMail, dropCaseMail } from "./caseMail.js";
import { RECORDS_FROM, receivedBetween } from "./caseWindows.js";
import { intakeKey } from "./intake.js";
import { matchSchool } from "../rules/subject.js";

export interface RecordsDeps {
  partnership: Partnership;
  cases: Pick<CaseStorePort, "byRef" | "casesIn" | "change">;
  records: CaseRecordsPort;
  votes: Pick<VoteStorePort, "votes">;
  mail: MailRecordsPort;
  kv: KeyValuePort;
  state: Pick<StatePort, "intake">;
  teams: Pick<TeamsStatePort, "updateVoteSession">;
  audit: (row: AuditRow) => Promise<unknown>;
  log: Logger;
  now: () => Date;
}

/** A request the records cannot answer as asked (no such case, funding still live). */
export class RecordsRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordsRequestError";
  }
}

const today = (d: Pick<RecordsDeps, "now">): LocalDate => toLocal(d.now()).date;

/** The id intake's reply to a school's email has: its draft's, recorded in the intake state, else found by its Message-ID. */
async function replyTo(d: RecordsDeps, emailId: string): Promise<string | null> {
  const key = intakeKey(emailId);
  const st = await d.state.intake(key);
  if (st?.replyDraft) return st.replyDraft;
  return d.mail.sentByMarker(`cd-${key.slice(0, 16)}`);
}

/** Every message the mailbox holds for a case, the school's email first. */
export async function caseMessages(d: RecordsDeps, c: StoredCase): Promise<CaseMessage[]> {
  const out: CaseMessage[] = [];
  const own = c.fields.GraphMessageId;
  const emails: { id: string; own: boolean }[] = own && !own.startsWith("removed:") ? [{ id: own, own: true }] : [];
  const recorded = await caseMail(d.kv, c.fields.Title);
  emails.push(...recorded.filter((e) => e.kind === "email").map((e) => ({ id: e.id, own: false })));
  for (const e of emails) {
    out.push({ id: e.id, what: e.own ? "the school's email" : "an email duplicating it" });
    const reply = await replyTo(d, e.id);
    if (reply) out.push({ id: reply, what: "Cluster Desk's reply" });
  }
  out.push(...recorded.filter((e) => e.kind === "sent").map((e) => ({ id: e.id, what: "Cluster Desk's email about it" as const })));
  return [...new Map(out.map((m) => [m.id, m])).values()];
}

/** What removing a case's records did. */
export interface Removed {
  emails: number;
  auditRows: number;
  votes: number;
}

/**
 * Deletes a case's emails (purged, not left in Deleted Items), takes people out of its audit rows
 * and votes, forgets its vote session and keeps the case's numbers. The case's own fields change
 * last, so a run that stops part-way is finished by the next.
 */
async function removeCase(d: RecordsDeps, c: StoredCase, why: string): Promise<Removed> {
  const ref = c.fields.Title;
  let emails = 0;
  for (const m of await caseMessages(d, c)) if (await d.mail.purge(m.id)) emails++;
  let auditRows = 0;
  for (const row of await d.records.auditOf(ref)) {
    const actor = row.actor === "cluster-desk" ? row.actor : "";
    const detail = codesOnly(row.detail);
    if (actor === row.actor && detail === row.detail) continue;
    await d.records.rewriteAudit(row.itemId, actor, detail);
    auditRows++;
  }
  const votes = await d.records.anonymiseVotes(ref);
  await d.teams.updateVoteSession(ref, () => null);
  await d.cases.change(ref, (now) => (isRemoved(now) ? {} : removedFields(now, today(d), why)));
  await dropCaseMail(d.kv, ref);
  return { emails, auditRows, votes };
}

export interface RetentionDue {
  ref: string;
  ended: LocalDate;
  why: string;
  dueOn: LocalDate;
}

export interface RetentionResult {
  dryRun: boolean;
  today: LocalDate;
  /** Cases past their period: removed now, or (a dry run) to be. */
  due: RetentionDue[];
  removed: Removed & { cases: number };
  /** Cases old enough to be due that have not ended (still open): kept, for an officer to close. */
  stillOpen: string[];
}

/**
 * The daily retention run: every case whose period has passed loses its emails and personal
 * details (`dryRun`: only listed). Cases are read in yearly windows of arrival, up to the last day
 * a case could have arrived and be due (its end comes after it arrived, and the period after that).
 */
export async function runRetention(d: RecordsDeps, opts: { dryRun?: boolean } = {}): Promise<RetentionResult> {
  const p = d.partnership;
  const on = today(d);
  // The last day a case could have arrived and be due: `years` before today (28 February for 29th).
  const latest = `${Number(on.slice(0, 4)) - p.dataProtection.keepCases.years}${on.slice(4) === "-02-29" ? "-02-28" : on.slice(4)}`;
  const due: RetentionDue[] = [];
  const stillOpen: string[] = [];
  const candidates = latest < RECORDS_FROM ? [] : await receivedBetween(d.cases, RECORDS_FROM, latest);
  for (const c of candidates) {
    if (isRemoved(c)) continue;
    const end = caseEnd(p, c, on);
    if (!end.date) {
      stillOpen.push(c.fields.Title);
      continue;
    }
    const dueOn = retentionDue(p, end.date);
    if (dueOn <= on) due.push({ ref: c.fields.Title, ended: end.date, why: end.why, dueOn });
  }
  const removed = { cases: 0, emails: 0, auditRows: 0, votes: 0 };
  if (!opts.dryRun) {
    const byRef = new Map(candidates.map((c) => [c.fields.Title, c]));
    for (const x of due) {
      const r = await removeCase(d, byRef.get(x.ref)!, `past the retention period (ended ${x.ended}, ${x.why})`);
      removed.cases++;
      removed.emails += r.emails;
      removed.auditRows += r.auditRows;
      removed.votes += r.votes;
    }
    if (due.length) {
      const key = createHash("sha256")
        .update(due.map((x) => x.ref).join(","))
        .digest("hex")
        .slice(0, 16);
      // Counts only: the run's own row names no case (each case's row was rewritten to codes).
      await d.audit({
        key: `retention|${on}|${key}`,
        event: "retention",
        caseRef: null,
        outcome: `${removed.cases} cases`,
        at: d.now().toISOString(),
        actor: "cluster-desk",
        detail: `cases ${removed.cases}, emails ${removed.emails}, audit rows ${removed.auditRows}, votes ${removed.votes}`,
      });
    }
  }
  d.log.info("retention.run", { dryRun: Boolean(opts.dryRun), due: due.length, ...removed, stillOpen: stillOpen.length });
  return { dryRun: Boolean(opts.dryRun), today: on, due, removed, stillOpen };
}

/** Erasure on request: the case's emails and personal details removed now; refused while its funding is live unless forced. */
export async function forgetCase(d: RecordsDeps, ref: string, reason: string, by: string, force = false): Promise<Removed & { ref: string; already: boolean }> {
  const c = await d.cases.byRef(ref);
  if (!c) throw new RecordsRequestError(`there is no case ${ref} in the Cases list`);
  if (!reason.trim()) throw new RecordsRequestError("give the reason for the erasure (--reason): it is kept in the audit row");
  if (isRemoved(c)) return { ref, already: true, emails: 0, auditRows: 0, votes: 0 };
  const live = fundingLive(d.partnership, c, today(d));
  if (live && !force)
    throw new RecordsRequestError(
      `${ref}'s funding is still being paid: its records support the payments. Erase it once the funding ends, or give --force with the reason to erase it now`,
    );
  const r = await removeCase(d, c, "erased on request");
  await d.audit({
    key: `erasure|${ref}`,
    event: "erasure",
    caseRef: ref,
    outcome: "personal details removed",
    at: d.now().toISOString(),
    actor: by,
    detail: `${live ? "forced while funding live; " : ""}emails ${r.emails}, audit rows ${r.auditRows}, votes ${r.votes}; reason: ${reason.trim().slice(0, 300)}`,
  });
  return { ref, already: false, ...r };
}

/** Subject access: everything held about a case, a school or a sender, with the export audited. */
export async function gatherRecords(d: RecordsDeps, scope: ExportScope, by: string): Promise<ExportedCase[]> {
  let found: StoredCase[];
  if ("case" in scope) {
    const c = await d.cases.byRef(scope.case.trim());
    found = c ? [c] : [];
  } else {
    const all = await receivedBetween(d.cases, RECORDS_FROM, today(d));
    if ("school" in scope) {
      // Matched as a subject line's school is ("Bedfont Primary", a short name, an alias).
      const m = matchSchool(d.partnership, scope.school);
      if (m.kind === "ambiguous")
        throw new RecordsRequestError(`"${scope.school}" could be ${m.candidates.map((c) => c.school.name).join(" or ")}: give the school's full name`);
      const names = new Set([normaliseName(scope.school), ...(m.kind === "found" ? [normaliseName(m.school.name)] : [])]);
      found = all.filter((c) => c.fields.School && names.has(normaliseName(c.fields.School)));
    } else {
      const sender = scope.sender.trim().toLowerCase();
      found = all.filter((c) => (c.fields.SenderEmail ?? "").toLowerCase() === sender);
    }
  }
  if (!found.length) throw new RecordsRequestError(`Cluster Desk holds no case for that ${Object.keys(scope)[0]}`);
  const out: ExportedCase[] = [];
  for (const c of found) {
    const messages = [];
    for (const m of await caseMessages(d, c)) messages.push({ ...m, record: await d.mail.read(m.id) });
    out.push({ case: c, audit: await d.records.auditOf(c.fields.Title), votes: await d.votes.votes(c.fields.Title), messages });
  }
  const kind = Object.keys(scope)[0]!;
  await d.audit({
    key: `export|${d.now().toISOString()}|${createHash("sha256").update(JSON.stringify(scope)).digest("hex").slice(0, 12)}`,
    event: "subject-access-export",
    caseRef: "case" in scope ? found[0]!.fields.Title : null,
    outcome: `${out.length} cases`,
    at: d.now().toISOString(),
    actor: by,
    detail: `by ${kind}; emails ${out.reduce((n, c) => n + c.messages.filter((m) => m.record).length, 0)}`,
  });
  return out;
}
