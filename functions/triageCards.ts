/**
 * The triage card in Teams: posted to a person's personal chat as that person may act on it, its
 * location kept (TeamsStatePort), and every copy brought up to date after a change, each in its
 * recipient's view. Used by intake (the first card), by triage (a moved or referred case) and by
 * the bot (refresh, `case <ref>`).
 */
import { leadForCluster, type Partnership } from "../core/config.js";
import type { Logger, StoredCase, TeamsStatePort } from "../core/ports.js";
import type { TriageCardsPort } from "../core/usecases/triage.js";
import { triageCardData } from "../core/rules/triage.js";
import type { TransitionInput } from "../core/rules/lifecycle.js";
import { shortReason } from "../core/errors.js";

export interface CardPoster {
  postCard(conversationRef: string, card: Record<string, unknown>): Promise<string | undefined>;
  updateCard(conversationRef: string, activityId: string, card: Record<string, unknown>): Promise<void>;
}

/** The card templates (adaptivecards-templating and its expression engine) load when first needed. */
const templates = () => import("../cards/index.js");

export class TriageCards implements TriageCardsPort {
  constructor(
    /** The partnership as now (the Meetings list is read again every few minutes). */
    private readonly partnership: () => Partnership,
    private readonly teams: TeamsStatePort,
    private readonly poster: CardPoster,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /** The card as `viewer` sees it: their actions, a message at the top, what they typed kept. */
  async view(c: StoredCase, viewer: string | null, opts: { message?: string; ok?: boolean; typed?: TransitionInput } = {}): Promise<Record<string, unknown>> {
    const { triageCard } = await templates();
    return triageCard(triageCardData(this.partnership(), c, { now: this.now(), viewer, ...opts }));
  }

  /** Posts to `email`'s chat; the new message's id ("" if Teams gave none), or null when the bot has no chat with them. */
  async postFor(email: string, c: StoredCase, note = ""): Promise<string | null> {
    const chat = await this.teams.personalChat(email);
    if (!chat) {
      this.log.info("triage.no-conversation", { caseRef: c.fields.Title });
      return null;
    }
    const id = (await this.poster.postCard(chat, await this.view(c, email, note ? { message: note } : {}))) ?? null;
    await this.teams.addTriageCard(c.fields.Title, { conversation: chat, activityId: id, viewer: email.toLowerCase() });
    this.log.info("triage.posted", { caseRef: c.fields.Title });
    return id ?? "";
  }

  async post(email: string, c: StoredCase, note: string): Promise<boolean> {
    return (await this.postFor(email, c, note)) !== null;
  }

  async update(c: StoredCase, note: string): Promise<void> {
    for (const at of await this.teams.triageCards(c.fields.Title)) {
      if (!at.activityId) continue;
      // Older records did not say whose chat it is: the case's SCL's (the only one it went to then).
      const p = this.partnership();
      const viewer = at.viewer ?? (c.fields.Cluster ? (leadForCluster(p, c.fields.Cluster)?.email ?? null) : p.partnershipLead.email);
      await this.poster
        .updateCard(at.conversation, at.activityId, await this.view(c, viewer, { message: note }))
        .catch((e: Error) => this.log.warn("triage.update-failed", { caseRef: c.fields.Title, reason: shortReason(e) }));
    }
  }
}
