/**
 * In-memory fakes of the ports mail intake uses (the mailbox, the case register, intake state and
 * key-value storage), so the intake use case's unit tests run in milliseconds. They keep the
 * contracts the real adapters keep: a case's reference is unique, creating a case for a message
 * that has one returns that one, an audit key is written once, a lease is held by one owner until
 * it runs out, and every call is counted (`calls`) so a test can say what was asked.
 */
import {
  receiptSecondsOf,
  ReferenceTakenError,
  type AuditRow,
  type CaseFields,
  type CaseLookups,
  type CaseRecord,
  type CaseRegisterPort,
  type CaseStatus,
  type DraftState,
  type ReplyDraft,
  type IntakeState,
  type KeyValuePort,
  type MailboxPort,
  type StatePort,
} from "../../core/ports.js";
import type { MessageFacts } from "../../core/rules/mailRules.js";
import { FakeKv } from "./teams.js";

/** Counts calls by name. */
export class Calls {
  private readonly counts = new Map<string, number>();
  add(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  of(name: string): number {
    return this.counts.get(name) ?? 0;
  }
  reset(): void {
    this.counts.clear();
  }
}

export class FakeMailbox implements MailboxPort {
  readonly messages = new Map<string, MessageFacts & { id: string }>();
  readonly sent: { messageId: string; text: string; marker: string }[] = [];
  readonly filed = new Map<string, string>();
  readonly calls = new Calls();
  /** Runs before each call (by name): throw from it to fail that call. */
  before?: (call: string) => void;

  add(facts: MessageFacts & { id: string }): void {
    this.messages.set(facts.id, facts);
  }
  private call(name: string): void {
    this.calls.add(name);
    this.before?.(name);
  }
  async facts(messageId: string) {
    this.call("facts");
    const m = this.messages.get(messageId);
    return m ? structuredClone(m) : null;
  }
  async folder(name: string) {
    this.call("folder");
    return `folder:${name}`;
  }
  async move(messageId: string, folderId: string) {
    this.call("move");
    this.filed.set(messageId, folderId);
  }
  /** Drafts made by draftReply (by id), and whether each was sent. */
  private draftCount = 0;
  readonly drafts = new Map<string, { messageId: string; text: string; marker: string; sent: boolean }>();
  async draftReply(messageId: string, reply: ReplyDraft) {
    this.call("draftReply");
    const id = `draft-${++this.draftCount}`;
    this.drafts.set(id, { messageId, text: reply.text, marker: reply.marker, sent: false });
    return id;
  }
  async readFiles(facts: MessageFacts & { id: string }) {
    this.call("readFiles");
    return facts;
  }
  async discardDraft(draftId: string) {
    this.call("discardDraft");
    this.drafts.delete(draftId);
  }
  async sendDraft(draftId: string) {
    this.call("sendDraft");
    const d = this.drafts.get(draftId);
    if (!d || d.sent) throw new Error(`no draft ${draftId}`);
    d.sent = true;
    this.sent.push({ messageId: d.messageId, text: d.text, marker: d.marker });
  }
  async draftState(draftId: string): Promise<DraftState> {
    this.call("draftState");
    const d = this.drafts.get(draftId);
    return !d ? "gone" : d.sent ? "sent" : "draft";
  }
  async sentWith(marker: string) {
    this.call("sentWith");
    return this.sent.some((s) => s.marker === marker);
  }
  async draftWith(marker: string) {
    this.call("draftWith");
    return [...this.drafts.entries()].find(([, d]) => !d.sent && d.marker === marker)?.[0] ?? null;
  }
  async *inbox() {
    this.call("inbox");
    for (const m of this.messages.values())
      if (!this.filed.has(m.id)) yield { id: m.id, internetMessageId: m.internetMessageId, receivedAt: m.receivedAt.toISOString() };
  }
}

export class FakeRegister implements CaseRegisterPort {
  readonly cases: (CaseFields & { itemId: string; TriageCard?: string | null })[] = [];
  readonly audits = new Map<string, AuditRow>();
  readonly calls = new Calls();
  before?: (call: string) => void;

  private call(name: string): void {
    this.calls.add(name);
    this.before?.(name);
  }
  private record(c: FakeRegister["cases"][number]): CaseRecord {
    return {
      itemId: c.itemId,
      ref: c.Title,
      status: c.Status,
      receivedAt: c.ReceivedAt,
      senderEmail: c.SenderEmail,
      triageCard: c.TriageCard ?? null,
      internetMessageId: c.InternetMessageId,
      ...(c.FormFiles ? { formFiles: c.FormFiles.split(",") } : {}),
    };
  }
  async lookups(graphMessageId: string, fingerprint: string, sender: string): Promise<CaseLookups> {
    this.call("lookups");
    const newest = [...this.cases].reverse();
    const byMessage = newest.find((c) => c.GraphMessageId === graphMessageId);
    const byFingerprint = newest.find((c) => c.Fingerprint === fingerprint && c.Status !== "Superseded");
    return {
      byMessage: byMessage ? this.record(byMessage) : null,
      byFingerprint: byFingerprint ? this.record(byFingerprint) : null,
      needingFixFromSender: newest.filter((c) => c.SenderEmail === sender && c.Status === "Needs attention").map((c) => this.record(c)),
    };
  }
  async create(fields: CaseFields): Promise<CaseRecord> {
    this.call("create");
    const mine = this.cases.find((c) => c.GraphMessageId === fields.GraphMessageId);
    if (mine) return this.record(mine);
    if (this.cases.some((c) => c.Title === fields.Title)) throw new ReferenceTakenError(fields.Title);
    const c = { ...fields, itemId: String(this.cases.length + 1) };
    this.cases.push(c);
    return this.record(c);
  }
  async setStatus(itemId: string, status: CaseStatus) {
    this.call("setStatus");
    this.cases.find((c) => c.itemId === itemId)!.Status = status;
  }
  async setTriageCard(itemId: string, activityId: string) {
    this.call("setTriageCard");
    this.cases.find((c) => c.itemId === itemId)!.TriageCard = activityId;
  }
  async triageCard(itemId: string) {
    this.call("triageCard");
    return this.cases.find((c) => c.itemId === itemId)?.TriageCard ?? null;
  }
  async audit(row: AuditRow) {
    this.call("audit");
    if (this.audits.has(row.key)) return false;
    this.audits.set(row.key, { ...row });
    return true;
  }
  async intakeSince(since: string) {
    return [...this.audits.values()]
      .filter((a) => a.event === "intake" && a.at >= since)
      .map((a) => ({ outcome: a.outcome, receiptSeconds: receiptSecondsOf(a.detail), at: a.at }));
  }
}

/** Intake state, sequences, leases and key-value storage, in memory (a null value deletes a key). */
export class FakeState extends FakeKv implements StatePort, KeyValuePort {
  readonly intakes = new Map<string, IntakeState>();
  private readonly sequences = new Map<string, number>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  readonly calls = new Calls();

  constructor(private readonly clock: () => number = Date.now) {
    super();
  }

  async intake(key: string) {
    this.calls.add("intake");
    const s = this.intakes.get(key);
    return s ? structuredClone(s) : null;
  }
  async saveIntake(key: string, s: IntakeState) {
    this.calls.add("saveIntake");
    // What the table keeps: the state as JSON (undefined fields dropped).
    this.intakes.set(key, JSON.parse(JSON.stringify(s)) as IntakeState);
  }
  async next(sequence: string) {
    const n = (this.sequences.get(sequence) ?? 0) + 1;
    this.sequences.set(sequence, n);
    return n;
  }
  async claim(key: string, owner: string, ttlMs: number) {
    const held = this.leases.get(key);
    if (held && held.owner !== owner && held.until > this.clock()) return false;
    this.leases.set(key, { owner, until: this.clock() + ttlMs });
    return true;
  }
  async release(key: string, owner: string) {
    if (this.leases.get(key)?.owner === owner) this.leases.delete(key);
  }
  async unfinished(before: Date) {
    return [...this.intakes]
      .filter(([, s]) => s.stage !== "done" && Date.parse(s.updatedAt) < before.getTime())
      .map(([key, state]) => ({ key, state: structuredClone(state) }));
  }
}
