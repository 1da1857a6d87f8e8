/**
 * In-memory fakes of the ports the case lifecycle uses (cases with ETags, mail, cards, audit), so
 * its unit tests run in milliseconds. They keep the contracts the real adapters keep: a change is
 * re-applied on an ETag mismatch, an empty change writes nothing, an audit key is written once.
 */
import {
  NO_ACKNOWLEDGEMENT_DUE,
  type AuditRow,
  type CardLocation,
  type CaseStorePort,
  type CaseWindow,
  type DraftState,
  type DraftsPort,
  type OutgoingMail,
  type KeyValuePort,
  type MailSenderPort,
  type StoredCase,
  type TeamsStatePort,
  type VoteSession,
  type VoteStorePort,
} from "../../core/ports.js";
import type { TriageCardsPort } from "../../core/usecases/triage.js";

export class FakeCases implements CaseStorePort {
  readonly items = new Map<string, StoredCase>();
  private version = 0;
  /** Runs once before the next write: another click landing between read and write. */
  beforeNextWrite?: () => void;

  add(fields: StoredCase["fields"]): StoredCase {
    const c = { itemId: String(this.items.size + 1), etag: `v${++this.version}`, fields: { ...fields } };
    this.items.set(fields.Title, c);
    return c;
  }
  async byRef(ref: string): Promise<StoredCase | null> {
    const c = this.items.get(ref);
    return c ? structuredClone(c) : null;
  }
  /** As SharePoint answers the window's filter: the column's instant from `from` to `to` (to the second, as a dateTime column keeps it). */
  async casesIn(w: CaseWindow): Promise<StoredCase[]> {
    this.windows.push(w);
    const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    return [...this.items.values()]
      .filter((c) => {
        const v = c.fields[w.by];
        return v != null && second(v) >= second(w.from) && second(v) <= second(w.to) && (w.cluster === undefined || c.fields.Cluster === w.cluster);
      })
      .map((c) => structuredClone(c));
  }
  /** Every window asked for (a test can check none reads a whole history). */
  readonly windows: CaseWindow[] = [];
  /** A cluster's cases, for tests. */
  async ofCluster(cluster: number): Promise<StoredCase[]> {
    return [...this.items.values()].filter((c) => c.fields.Cluster === cluster).map((c) => structuredClone(c));
  }
  /** As the register reads it: due on or after `since`, nobody acknowledged, and still open. */
  async awaitingAcknowledgement(since: string): Promise<StoredCase[]> {
    return [...this.items.values()]
      .filter((c) => (c.fields.AckDueBy ?? "") >= `${since}T00:00:00Z` && !c.fields.AcknowledgedAt && !NO_ACKNOWLEDGEMENT_DUE.includes(c.fields.Status))
      .map((c) => structuredClone(c));
  }
  async change(ref: string, change: (c: StoredCase) => Partial<StoredCase["fields"]>): Promise<StoredCase> {
    for (;;) {
      const read = (await this.byRef(ref))!;
      const patch = change(read);
      if (!Object.keys(patch).length) return read;
      const hook = this.beforeNextWrite;
      this.beforeNextWrite = undefined;
      hook?.();
      const now = this.items.get(ref)!;
      if (now.etag !== read.etag) continue; // 412: read again and re-apply
      const next = { ...now, etag: `v${++this.version}`, fields: { ...now.fields, ...patch } as StoredCase["fields"] };
      this.items.set(ref, next);
      return structuredClone(next);
    }
  }
}

export class FakeMailer implements MailSenderPort, DraftsPort {
  readonly outbox: OutgoingMail[] = [];
  private draftCount = 0;
  readonly drafts = new Map<string, OutgoingMail & { sent: boolean }>();
  async send(msg: OutgoingMail): Promise<void> {
    this.outbox.push({ ...msg });
  }
  async draft(msg: OutgoingMail): Promise<string> {
    const id = `draft-${++this.draftCount}`;
    this.drafts.set(id, { ...msg, sent: false });
    return id;
  }
  async sendDraft(draftId: string): Promise<void> {
    const d = this.drafts.get(draftId);
    if (!d || d.sent) throw new Error(`no draft ${draftId}`);
    d.sent = true;
    const { sent: _sent, ...msg } = d;
    this.outbox.push(msg);
  }
  async discardDraft(draftId: string): Promise<void> {
    this.drafts.delete(draftId);
  }
  async draftState(draftId: string): Promise<DraftState> {
    const d = this.drafts.get(draftId);
    return !d ? "gone" : d.sent ? "sent" : "draft";
  }
  async sentWith(marker: string): Promise<boolean> {
    return this.outbox.some((m) => m.marker === marker);
  }
  async draftWith(marker: string): Promise<string | null> {
    return [...this.drafts.entries()].find(([, d]) => !d.sent && d.marker === marker)?.[0] ?? null;
  }
  to(address: string) {
    return this.outbox.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()));
  }
}

export class FakeAudit {
  readonly rows: AuditRow[] = [];
  write = async (row: AuditRow): Promise<boolean> => {
    if (this.rows.some((r) => r.key === row.key)) return false;
    this.rows.push(row);
    return true;
  };
}

export class FakeCards implements TriageCardsPort {
  readonly posted: { to: string; ref: string; note: string }[] = [];
  readonly updated: { ref: string; note: string }[] = [];
  /** People whose chat the bot knows. */
  constructor(readonly chats: Set<string>) {}
  async post(email: string, c: StoredCase, note: string): Promise<boolean> {
    if (!this.chats.has(email.toLowerCase())) return false;
    this.posted.push({ to: email.toLowerCase(), ref: c.fields.Title, note });
    return true;
  }
  async update(c: StoredCase, note: string): Promise<void> {
    this.updated.push({ ref: c.fields.Title, note });
  }
}

/** Teams state in memory (the TeamsState adapter's contract: sessions updated atomically, null deletes). */
export class FakeTeams implements TeamsStatePort {
  readonly chats = new Map<string, string>();
  readonly channels = new Map<number, string>();
  readonly cards = new Map<string, CardLocation[]>();
  readonly sessions = new Map<string, VoteSession>();
  async personalChat(email: string) {
    return this.chats.get(email.toLowerCase()) ?? null;
  }
  async setPersonalChat(email: string, c: string) {
    this.chats.set(email.toLowerCase(), c);
  }
  async clusterChannel(cluster: number) {
    return this.channels.get(cluster) ?? null;
  }
  async setClusterChannel(cluster: number, c: string) {
    this.channels.set(cluster, c);
  }
  async triageCards(ref: string) {
    return this.cards.get(ref) ?? [];
  }
  async addTriageCard(ref: string, at: CardLocation) {
    this.cards.set(ref, [...(this.cards.get(ref) ?? []), at]);
  }
  readonly agendas = new Map<string, CardLocation>();
  async agendaCard(meeting: string) {
    return this.agendas.get(meeting) ?? null;
  }
  async setAgendaCard(meeting: string, at: CardLocation) {
    this.agendas.set(meeting, at);
  }
  async voteSession(ref: string) {
    const s = this.sessions.get(ref);
    return s ? structuredClone(s) : null;
  }
  async updateVoteSession(ref: string, change: (c: VoteSession | null) => VoteSession | null) {
    const next = change(await this.voteSession(ref));
    if (next) this.sessions.set(ref, structuredClone(next));
    else this.sessions.delete(ref);
    return next;
  }
}

/** The Votes list in memory: one row per voter per case. */
export class FakeVotes implements VoteStorePort {
  readonly rows = new Map<string, { voter: string; choice: "agree" | "disagree" | "abstain" }>();
  async cast(caseRef: string, voter: string, choice: "agree" | "disagree" | "abstain") {
    this.rows.set(`${caseRef}|${voter}`, { voter, choice });
  }
  async votes(caseRef: string) {
    return [...this.rows.entries()].filter(([k]) => k.startsWith(`${caseRef}|`)).map(([, v]) => v);
  }
  async clear(caseRef: string) {
    for (const k of [...this.rows.keys()]) if (k.startsWith(`${caseRef}|`)) this.rows.delete(k);
  }
}

/** Key-value state in memory (a null value deletes the key). */
export class FakeKv implements KeyValuePort {
  readonly map = new Map<string, string>();
  /** Runs before each write, with its key: throw from it to fail that write (storage in an outage). */
  beforeSet?: (key: string) => void;
  async getSync(key: string) {
    return this.map.get(key) ?? null;
  }
  async setSync(key: string, value: string | null) {
    this.beforeSet?.(key);
    if (value === null) this.map.delete(key);
    else this.map.set(key, value);
  }
  async updateSync(key: string, change: (current: string | null) => string) {
    const next = change(this.map.get(key) ?? null);
    this.map.set(key, next);
    return next;
  }
}
