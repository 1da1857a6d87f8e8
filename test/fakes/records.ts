/** In-memory fakes of the records ports (core/usecases/records.ts): audit rows and votes, and the mailbox's copies. */
import type { CaseRecordsPort, EngagementPort, EngagementRecord, MailRecord, MailRecordsPort, StoredAuditRow } from "../../core/ports.js";
import type { FakeAudit, FakeVotes } from "./teams.js";

/** The audit rows and votes of FakeAudit and FakeVotes, read and rewritten in place. */
export class FakeCaseRecords implements CaseRecordsPort {
  constructor(
    private readonly audit: FakeAudit,
    private readonly votes: FakeVotes,
  ) {}
  async auditOf(caseRef: string): Promise<StoredAuditRow[]> {
    return this.audit.rows.filter((r) => r.caseRef === caseRef).map((r) => ({ ...r, itemId: r.key }));
  }
  async rewriteAudit(itemId: string, actor: string, detail: string): Promise<void> {
    const row = this.audit.rows.find((r) => r.key === itemId);
    if (!row) throw new Error(`no audit row ${itemId}`);
    Object.assign(row, { actor, detail });
  }
  async anonymiseVotes(caseRef: string): Promise<number> {
    const mine = [...this.votes.rows.entries()].filter(([k]) => k.startsWith(`${caseRef}|`));
    let changed = 0;
    mine.forEach(([k, v], i) => {
      const voter = `voter ${i + 1}`;
      if (v.voter === voter) return;
      this.votes.rows.delete(k);
      this.votes.rows.set(`${caseRef}|${voter}`, { ...v, voter });
      changed++;
    });
    return changed;
  }
}

/** Messages by id; the product's sent ones also by marker. `failAfter`: purges that succeed before one throws (a crash). */
export class FakeMailRecords implements MailRecordsPort {
  readonly messages = new Map<string, MailRecord>();
  readonly markers = new Map<string, string>();
  failAfter: number | null = null;
  add(id: string, fields: Partial<MailRecord> = {}, marker?: string): void {
    this.messages.set(id, { id, subject: "", from: "", to: [], at: "", body: "", bodyType: "text", attachments: [], ...fields });
    if (marker) this.markers.set(marker, id);
  }
  async read(id: string): Promise<MailRecord | null> {
    return this.messages.get(id) ?? null;
  }
  async purge(id: string): Promise<boolean> {
    if (this.failAfter !== null && this.failAfter-- <= 0) throw new Error("the mailbox stopped answering");
    return this.messages.delete(id);
  }
  async sentByMarker(marker: string): Promise<string | null> {
    const id = this.markers.get(marker);
    return id && this.messages.has(id) ? id : null;
  }
}

/** The Engagement list in memory: one row per school, kind, day and person. */
export class FakeEngagement implements EngagementPort {
  readonly rows: EngagementRecord[] = [];
  async record(row: EngagementRecord, _at?: string): Promise<"created" | "exists"> {
    const same = (r: EngagementRecord) => r.school === row.school && r.kind === row.kind && r.date === row.date && r.by === row.by;
    if (this.rows.some(same)) return "exists";
    this.rows.push({ ...row });
    return "created";
  }
  async between(from: string, to: string): Promise<EngagementRecord[]> {
    return this.rows.filter((r) => r.date >= from && r.date <= to);
  }
}
