/** The secure mailbox through Graph: metadata and content checks, immutable ids, one folder lookup per name. */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { GraphJson } from "./json.js";
import { PRODUCT_HEADERS, PRODUCT_MARKER_HEADER, type ContentKind, type MessageFacts } from "../core/rules/mailRules.js";
import { SyncExpiredError, type FinishStep, type MailboxChangesPort, type MailboxPort, type ReplyThread } from "../core/ports.js";
import { productMime } from "./mime.js";
import { sniffContent } from "./content.js";
import { readForm, readForwarded, type DocumentHint } from "../forms/read.js";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { statusOf } from "./graphError.js";

const IMMUTABLE = 'IdType="ImmutableId"';
export const MARKER_HEADER = PRODUCT_MARKER_HEADER;

/**
 * Whether a message tagged with `marker` is in the mailbox's Sent Items. Without `since`, the
 * latest 50; with it, every page back to `since` (newest first), so a busy mailbox cannot hide it.
 */
export async function sentWithMarker(client: Client, user: string, marker: string, since?: Date): Promise<boolean> {
  let page = await client.api(`${user}/mailFolders/sentitems/messages`).select("internetMessageHeaders,receivedDateTime").top(50).get();
  for (;;) {
    const value = page.value as GraphJson[];
    if (value.some((m) => (m.internetMessageHeaders ?? []).some((h: GraphJson) => h.name === MARKER_HEADER && h.value === marker))) return true;
    const oldest = value[value.length - 1]?.receivedDateTime;
    if (!since || !page["@odata.nextLink"] || !oldest || Date.parse(oldest) < since.getTime()) return false;
    page = await client.api(page["@odata.nextLink"]).get();
  }
}

/**
 * The request that sends intake's reply. Addressed and threaded (every plan since issue 29): a new
 * message in the school's thread, sent as MIME so it carries Auto-Submitted (m365/mime.ts). A plan
 * saved before then has neither: Graph's reply action, to whom Exchange chooses, with the marker
 * and the X- headers JSON allows.
 */
export function replyRequest(mailbox: string, messageId: string, reply: NonNullable<FinishStep["reply"]>): { url: string; contentType: string; body: unknown } {
  const user = `/users/${encodeURIComponent(mailbox)}`;
  if (reply.to && reply.thread)
    return {
      url: `${user}/sendMail`,
      contentType: "text/plain",
      body: productMime({ to: [reply.to], subject: reply.thread.subject, body: reply.text, marker: reply.marker, inReplyTo: reply.thread.inReplyTo }, mailbox),
    };
  return {
    url: `${user}/messages/${encodeURIComponent(messageId)}/reply`,
    contentType: "application/json",
    body: {
      message: {
        ...(reply.to ? { toRecipients: [{ emailAddress: { address: reply.to } }] } : {}),
        internetMessageHeaders: [{ name: MARKER_HEADER, value: reply.marker }, ...PRODUCT_HEADERS],
      },
      comment: reply.text,
    },
  };
}

/** Only a .docx that is Office Open XML without macros, or a .pdf that is a PDF, is opened. */
function mayBeForm(name: string, content: ContentKind | undefined): boolean {
  const lower = name.toLowerCase();
  return (lower.endsWith(".docx") && content === "ooxml") || (lower.endsWith(".pdf") && content === "pdf");
}

/** One of an email's files, before intake's checks: its bytes stay in memory and are dropped. */
interface RawFile {
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  bytes: Buffer | null;
  forwarded?: boolean;
}

export class GraphMailbox implements MailboxPort {
  private readonly folders = new Map<string, string>();
  private readonly user: string;
  constructor(
    private readonly client: Client,
    readonly address: string,
    /** Required documents to recognise inside a form (config referralTypes' documents). */
    private readonly documents: DocumentHint[] = [],
  ) {
    this.user = `/users/${encodeURIComponent(address)}`;
  }

  async facts(messageId: string): Promise<(MessageFacts & { id: string }) | null> {
    try {
      const m = await this.client
        .api(`${this.user}/messages/${encodeURIComponent(messageId)}`)
        .header("Prefer", IMMUTABLE)
        .select("id,subject,from,receivedDateTime,internetMessageId,internetMessageHeaders")
        // Attachments with their bytes, in the same call: each file's content is checked against its
        // name in memory (m365/content.ts) and dropped; nothing is written anywhere.
        .expand("attachments")
        .get();
      return {
        id: m.id,
        subject: m.subject ?? "",
        from: { address: m.from?.emailAddress?.address ?? "", ...(m.from?.emailAddress?.name ? { name: m.from.emailAddress.name } : {}) },
        receivedAt: new Date(m.receivedDateTime),
        internetMessageId: m.internetMessageId ?? "",
        headers: m.internetMessageHeaders ?? [],
        attachments: await Promise.all((await this.files(m.id as string, (m.attachments ?? []) as GraphJson[])).map((f) => this.fileFacts(f))),
      };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  /**
   * The email's files: each attachment as it is, and a forwarded email's own files beside it (an
   * attached .eml, or Graph's itemAttachment, whose MIME comes from its `$value`), read in the form
   * reader's bounded process. The forwarded email itself is then marked `forwarded` (set aside).
   */
  private async files(messageId: string, attachments: GraphJson[]): Promise<RawFile[]> {
    const out: RawFile[] = [];
    for (const a of attachments) {
      const name = String(a.name ?? "");
      const item = a["@odata.type"] === "#microsoft.graph.itemAttachment";
      let bytes = typeof a.contentBytes === "string" ? Buffer.from(a.contentBytes, "base64") : null;
      const file: RawFile = { name, contentType: String(a.contentType ?? ""), size: Number(a.size ?? 0), isInline: Boolean(a.isInline), bytes };
      const forwarded = item || /^message\/rfc822/i.test(file.contentType) || name.toLowerCase().endsWith(".eml");
      if (forwarded && !file.isInline) {
        if (item && typeof a.id === "string")
          bytes = Buffer.from(
            (await this.client
              .api(`${this.user}/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(a.id)}/$value`)
              .header("Prefer", IMMUTABLE)
              .responseType(ResponseType.ARRAYBUFFER)
              .get()) as ArrayBuffer,
          );
        const inner = bytes ? await readForwarded(bytes) : { error: "no content" };
        if (!("error" in inner)) {
          out.push({ ...file, bytes: null, forwarded: true });
          for (const f of inner)
            out.push({ name: f.name, contentType: f.contentType, size: f.bytes.length, isInline: f.isInline, bytes: Buffer.from(f.bytes) });
          continue;
        }
      }
      out.push(file);
    }
    return out;
  }

  /** What intake may know of one file: its name, type, size, what its bytes are, and the form read from it. */
  private async fileFacts(f: RawFile): Promise<MessageFacts["attachments"][number]> {
    const content = f.bytes ? sniffContent(f.bytes) : undefined;
    // A .docx or .pdf whose bytes are what its name says may be the form: read in memory (forms/read.ts).
    const form = f.bytes && !f.isInline && mayBeForm(f.name, content) ? await readForm(f.name, f.bytes, { documents: this.documents }) : undefined;
    return {
      name: f.name,
      contentType: f.contentType,
      size: f.size,
      isInline: f.isInline,
      ...(f.forwarded ? { forwarded: true } : {}),
      ...(content ? { content } : {}),
      ...(form ? { form } : {}),
    };
  }

  async folder(name: string): Promise<string> {
    const cached = this.folders.get(name);
    if (cached) return cached;
    const find = async () => {
      const r = await this.client
        .api(`${this.user}/mailFolders/inbox/childFolders`)
        .filter(encodeURIComponent(`displayName eq '${name.replace(/'/g, "''")}'`))
        .select("id,displayName")
        .get();
      return r.value[0]?.id as string | undefined;
    };
    let id = await find();
    if (!id) {
      try {
        id = (await this.client.api(`${this.user}/mailFolders/inbox/childFolders`).post({ displayName: name })).id as string;
      } catch (e) {
        if (statusOf(e) !== 409) throw e;
        id = await find(); // created meanwhile by another worker
      }
    }
    if (!id) throw new Error(`mail folder "${name}" could not be found or created`);
    this.folders.set(name, id);
    return id;
  }

  async move(messageId: string, folderId: string): Promise<void> {
    await this.client
      .api(`${this.user}/messages/${encodeURIComponent(messageId)}/move`)
      .header("Prefer", IMMUTABLE)
      .post({ destinationId: folderId });
  }

  async reply(messageId: string, text: string, marker: string, to?: string, thread?: ReplyThread): Promise<void> {
    const r = replyRequest(this.address, messageId, { text, marker, ...(to ? { to } : {}), ...(thread ? { thread } : {}) });
    await this.client.api(r.url).header("Content-Type", r.contentType).header("Prefer", IMMUTABLE).post(r.body);
  }

  replied(marker: string, since: Date): Promise<boolean> {
    // A reply is sent after the email arrived: a minute's leeway for clocks.
    return sentWithMarker(this.client, this.user, marker, new Date(since.getTime() - 60_000));
  }

  async *inbox(): AsyncIterable<{ id: string; internetMessageId: string; receivedAt: string }> {
    let page = await this.client
      .api(`${this.user}/mailFolders/inbox/messages`)
      .header("Prefer", IMMUTABLE)
      .select("id,internetMessageId,receivedDateTime")
      .top(100)
      .get();
    for (;;) {
      for (const m of page.value as GraphJson[]) yield { id: m.id, internetMessageId: m.internetMessageId ?? "", receivedAt: m.receivedDateTime };
      if (!page["@odata.nextLink"]) return;
      page = await this.client.api(page["@odata.nextLink"]).header("Prefer", IMMUTABLE).get();
    }
  }
}

const DELTA_PREFER = 'IdType="ImmutableId", odata.maxpagesize=50';

/** The Inbox's changes through Graph's delta query (the sweep's look for missed notifications). */
export class GraphInboxChanges implements MailboxChangesPort {
  private readonly user: string;
  constructor(
    private readonly client: Client,
    address: string,
    /** Origin of the Graph endpoint in use: a link stored for another one is not this one's. */
    private readonly graphOrigin: string,
  ) {
    this.user = `/users/${encodeURIComponent(address)}`;
  }

  owns(link: string): boolean {
    return new URL(link).origin === this.graphOrigin;
  }

  async changes(link: string | null): Promise<{ messages: { id: string; internetMessageId: string; receivedAt: string | null }[]; next: string }> {
    const messages: { id: string; internetMessageId: string; receivedAt: string | null }[] = [];
    try {
      let page = link
        ? await this.client.api(link).header("Prefer", DELTA_PREFER).get()
        : await this.client
            .api(`${this.user}/mailFolders/inbox/messages/delta`)
            .header("Prefer", DELTA_PREFER)
            .select("id,internetMessageId,receivedDateTime")
            .get();
      for (;;) {
        for (const m of page.value as GraphJson[])
          if (!m["@removed"]) messages.push({ id: m.id, internetMessageId: m.internetMessageId ?? "", receivedAt: m.receivedDateTime ?? null });
        if (!page["@odata.nextLink"]) break;
        page = await this.client.api(page["@odata.nextLink"]).header("Prefer", DELTA_PREFER).get();
      }
      return { messages, next: page["@odata.deltaLink"] as string };
    } catch (e) {
      // 410 Gone: Graph no longer knows the sync state behind the link.
      if (statusOf(e) === 410 && link) throw new SyncExpiredError();
      throw e;
    }
  }
}
