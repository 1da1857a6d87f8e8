/**
 * The mailbox's copies of a case's emails for retention, subject access and erasure (issue 34):
 * read whole (text and attachments) for an export, and purged with Graph's permanentDelete
 * ("Permanently delete a message and place it in the purges folder in the dumpster":
 * https://learn.microsoft.com/graph/api/message-permanentdelete), not DELETE, which leaves it in
 * Deleted Items for anyone with the mailbox to read. Ids are immutable (`Prefer: IdType`).
 */
import { ResponseType, type Client } from "@microsoft/microsoft-graph-client";
import type { MailRecord, MailRecordsPort } from "../core/ports.js";
import { IMMUTABLE } from "./graph.js";
import { statusOf } from "./graphError.js";
import { messageWithMarker } from "./drafts.js";
import type { GraphJson } from "./json.js";

const address = (r: GraphJson | undefined): string => String(r?.emailAddress?.address ?? "");

export class GraphMailRecords implements MailRecordsPort {
  private readonly user: string;
  constructor(
    private readonly client: Client,
    private readonly mailbox: string,
  ) {
    this.user = `/users/${encodeURIComponent(mailbox)}`;
  }

  private message(id: string): string {
    return `${this.user}/messages/${encodeURIComponent(id)}`;
  }

  async read(id: string): Promise<MailRecord | null> {
    let m: GraphJson;
    try {
      m = await this.client
        .api(this.message(id))
        .header("Prefer", IMMUTABLE)
        .select("id,subject,from,toRecipients,receivedDateTime,sentDateTime,isDraft,body")
        .get();
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
    const listed = await this.client
      .api(`${this.message(id)}/attachments`)
      .header("Prefer", IMMUTABLE)
      .get();
    const attachments: MailRecord["attachments"] = [];
    for (const a of (listed.value ?? []) as GraphJson[]) {
      const kind = String(a["@odata.type"] ?? "");
      const name = String(a.name ?? "attachment");
      if (kind.endsWith("referenceAttachment")) attachments.push({ name, contentType: "", bytes: null, link: String(a.sourceUrl ?? "") });
      else if (kind.endsWith("itemAttachment")) {
        // An attached email: its MIME ("Get MIME content of an item attached to an Outlook item").
        const raw: ArrayBuffer = await this.client
          .api(`${this.message(id)}/attachments/${encodeURIComponent(String(a.id))}/$value`)
          .header("Prefer", IMMUTABLE)
          .responseType(ResponseType.ARRAYBUFFER)
          .get();
        attachments.push({ name: `${name}.eml`, contentType: "message/rfc822", bytes: new Uint8Array(raw) });
      } else
        attachments.push({
          name,
          contentType: String(a.contentType ?? "application/octet-stream"),
          bytes: typeof a.contentBytes === "string" ? Buffer.from(a.contentBytes, "base64") : null,
        });
    }
    return {
      id: String(m.id),
      subject: String(m.subject ?? ""),
      from: address(m.from),
      to: ((m.toRecipients ?? []) as GraphJson[]).map(address),
      at: String((m.isDraft ? null : m.receivedDateTime) ?? m.sentDateTime ?? ""),
      body: String(m.body?.content ?? ""),
      bodyType: String(m.body?.contentType ?? "text").toLowerCase() === "html" ? "html" : "text",
      attachments,
    };
  }

  async purge(id: string): Promise<boolean> {
    try {
      await this.client
        .api(`${this.message(id)}/permanentDelete`)
        .header("Prefer", IMMUTABLE)
        .post(null);
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  async sentByMarker(marker: string): Promise<string | null> {
    return messageWithMarker(this.client, this.mailbox, "sent", marker);
  }
}
