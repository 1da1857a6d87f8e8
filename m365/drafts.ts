/**
 * The product's once-only emails as Graph documents for finding a sent message again ("Immutable
 * ID with sending mail", https://learn.microsoft.com/graph/outlook-immutable-id): the message is
 * created as a draft with `Prefer: IdType="ImmutableId"`, its id recorded, then sent; the Sent
 * Items copy keeps that id, so a retry reads one message by id. Exchange keeps no internet message
 * headers on Sent Items copies (microsoftgraph/microsoft-graph-docs #12726), so nothing is searched
 * by header. A retry that lost its record of the draft finds the message by its Message-ID, which
 * the product makes from the marker (m365/mime.ts).
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { DraftState, DraftsPort } from "../core/ports.js";
import { productMessageId } from "./mime.js";
import { batcherFor, type GraphBatcher } from "./batcher.js";
import { IMMUTABLE } from "./graph.js";

/** The request that sends a draft (alone, or as a step of intake's last `$batch`). */
export const sendDraftUrl = (user: string, draftId: string) => `${user}/messages/${encodeURIComponent(draftId)}/send`;

export class GraphDrafts implements DraftsPort {
  protected readonly user: string;
  /**
   * Drafts are made, sent, read and deleted through the client's batcher (m365/batcher.ts): they
   * share a round trip with the other requests in hand, and a throttled one waits out its
   * Retry-After outside the mailbox's places.
   */
  protected readonly batch: GraphBatcher;
  constructor(
    protected readonly client: Client,
    readonly address: string,
  ) {
    this.user = `/users/${encodeURIComponent(address)}`;
    this.batch = batcherFor(client);
  }

  /** A draft from the message's MIME (base64, as `POST /messages` takes it in MIME format): its immutable id. */
  async create(mime: string): Promise<string> {
    const a = await this.batch.ok(
      { method: "POST", url: `${this.user}/messages`, headers: { "Content-Type": "text/plain", Prefer: IMMUTABLE }, body: mime },
      "draft",
    );
    return a.body.id as string;
  }

  async sendDraft(draftId: string): Promise<void> {
    await this.batch.ok({ method: "POST", url: sendDraftUrl(this.user, draftId), headers: { Prefer: IMMUTABLE } }, "sending a draft");
  }

  async discardDraft(draftId: string): Promise<void> {
    await this.batch.ok({ method: "DELETE", url: this.message(draftId), headers: { Prefer: IMMUTABLE } }, "deleting a draft", [404]);
  }

  async draftState(draftId: string): Promise<DraftState> {
    const a = await this.batch.ok(
      { method: "GET", url: `${this.message(draftId)}?$select=id,isDraft`, headers: { Prefer: IMMUTABLE } },
      "reading a draft",
      [404],
    );
    if (a.status === 404) return "gone";
    return a.body.isDraft ? "draft" : "sent";
  }

  private message(id: string): string {
    return `${this.user}/messages/${encodeURIComponent(id)}`;
  }

  async draftWith(marker: string): Promise<string | null> {
    return messageWithMarker(this.client, this.address, "drafts", marker);
  }

  async sentWith(marker: string): Promise<boolean> {
    return (await messageWithMarker(this.client, this.address, "sent", marker)) !== null;
  }
}

/**
 * The immutable id of the product's message tagged `marker` in `mailbox`, found by the Message-ID
 * the product gives it (m365/mime.ts); null if none. "drafts": a draft in Drafts, still to send.
 * "sent": a copy that is no longer a draft, in whichever folder it is: Sent Items, or the Outbox,
 * where Exchange keeps a sent message past the mailbox's 30 a minute until a later minute
 * (Exchange Online limits, "Sending limits"), or Deleted Items if someone tidied it away.
 */
export async function messageWithMarker(client: Client, mailbox: string, where: "drafts" | "sent", marker: string): Promise<string | null> {
  const id = productMessageId(marker, mailbox).replace(/'/g, "''");
  const user = `/users/${encodeURIComponent(mailbox)}`;
  const r = await client
    .api(where === "drafts" ? `${user}/mailFolders/drafts/messages` : `${user}/messages`)
    .header("Prefer", IMMUTABLE)
    .filter(`internetMessageId eq '${id}'`)
    .select("id,isDraft")
    .top(10)
    .get();
  const found = (r.value ?? []) as { id: string; isDraft?: boolean }[];
  return found.find((m) => (where === "drafts" ? m.isDraft !== false : m.isDraft === false))?.id ?? null;
}
