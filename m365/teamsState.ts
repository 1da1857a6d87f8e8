/**
 * The one place that knows how Teams state is kept in Table storage (KeyValuePort): keys and JSON
 * for personal chats, cluster channels, triage card locations and vote sessions. Reads the older
 * single-location triage record too.
 */
import type { CardLocation, KeyValuePort, TeamsStatePort, VoteSession } from "../core/ports.js";

/** A person's personal chat with the bot (a conversation reference), by email. */
export const personalChatKey = (email: string) => `convref|user|${email.toLowerCase()}`;
/** The channel a cluster's agendas and votes go to. */
export const clusterChannelKey = (cluster: number) => `convref|cluster|${cluster}`;
/** Where a case's triage cards were posted: a list of `{ conversation, activityId }`. */
export const triageCardKey = (caseRef: string) => `card|triage|${caseRef}`;
/** Where a meeting's agenda card is ("c5|2026-12-17", "k:borough|2026-12-17"). */
export const agendaCardKey = (meeting: string) => `card|agenda|${meeting}`;
/** A vote's session. */
export const voteSessionKey = (caseRef: string) => `vote|${caseRef}`;

type StoredLocations = CardLocation[] | { ref: string; activityId: string | null };

function locations(raw: string | null): CardLocation[] {
  if (!raw) return [];
  const v = JSON.parse(raw) as StoredLocations;
  return Array.isArray(v) ? v : [{ conversation: v.ref, activityId: v.activityId }];
}

const session = (raw: string | null): VoteSession | null => (raw ? (JSON.parse(raw) as VoteSession) : null);

export class TeamsState implements TeamsStatePort {
  constructor(private readonly kv: KeyValuePort) {}

  personalChat(email: string): Promise<string | null> {
    return this.kv.getSync(personalChatKey(email));
  }
  setPersonalChat(email: string, conversation: string): Promise<void> {
    return this.kv.setSync(personalChatKey(email), conversation);
  }
  clusterChannel(cluster: number): Promise<string | null> {
    return this.kv.getSync(clusterChannelKey(cluster));
  }
  setClusterChannel(cluster: number, conversation: string): Promise<void> {
    return this.kv.setSync(clusterChannelKey(cluster), conversation);
  }
  async triageCards(caseRef: string): Promise<CardLocation[]> {
    return locations(await this.kv.getSync(triageCardKey(caseRef)));
  }
  async addTriageCard(caseRef: string, at: CardLocation): Promise<void> {
    await this.kv.updateSync(triageCardKey(caseRef), (cur) => {
      const all = locations(cur).filter((l) => l.conversation !== at.conversation || l.activityId !== at.activityId);
      return JSON.stringify([...all, at]);
    });
  }
  async agendaCard(meeting: string): Promise<CardLocation | null> {
    const raw = await this.kv.getSync(agendaCardKey(meeting));
    return raw ? (JSON.parse(raw) as CardLocation) : null;
  }
  async setAgendaCard(meeting: string, at: CardLocation): Promise<void> {
    await this.kv.setSync(agendaCardKey(meeting), JSON.stringify(at));
  }
  async voteSession(caseRef: string): Promise<VoteSession | null> {
    return session(await this.kv.getSync(voteSessionKey(caseRef)));
  }
  async updateVoteSession(caseRef: string, change: (current: VoteSession | null) => VoteSession | null): Promise<VoteSession | null> {
    // No session is stored as "" (a cancelled vote can be opened again).
    const out = await this.kv.updateSync(voteSessionKey(caseRef), (cur) => {
      const next = change(session(cur));
      return next === null ? "" : JSON.stringify(next);
    });
    return session(out);
  }
}
