/** The secure mailbox through Graph: metadata and content checks, immutable ids, one folder lookup per name. */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { GraphJson } from "./json.js";
import { PRODUCT_HEADERS, PRODUCT_MARKER_HEADER, type ContentKind, type MessageFacts } from "../core/rules/mailRules.js";
import { SyncExpiredError, type MailboxChangesPort, type MailboxPort, type ReplyDraft } from "../core/ports.js";
import { GraphDrafts } from "./drafts.js";
import { IMMUTABLE } from "./graph.js";
import { productMime } from "./mime.js";
import { sniffContent } from "./content.js";
import { readForm, readForwarded, type DocumentHint } from "../forms/read.js";
import { statusOf } from "./graphError.js";
import { ATTACHMENT_BYTES_AT_ONCE, ByteBudget } from "./byteBudget.js";

export const MARKER_HEADER = PRODUCT_MARKER_HEADER;

/**
 * Intake's reply to a school's email, made as a draft (m365/drafts.ts). Addressed and threaded
 * (every plan since issue 29): a new message in the school's thread, in MIME so it carries
 * Auto-Submitted (m365/mime.ts). A plan saved before then has neither: Graph's createReply, to
 * whom Exchange chooses, with the marker and the X- headers JSON allows.
 */
export function replyDraftRequest(mailbox: string, messageId: string, reply: ReplyDraft): { url: string; contentType: string; body: unknown } {
  const user = `/users/${encodeURIComponent(mailbox)}`;
  if (reply.to && reply.thread)
    return {
      url: `${user}/messages`,
      contentType: "text/plain",
      body: productMime({ to: [reply.to], subject: reply.thread.subject, body: reply.text, marker: reply.marker, inReplyTo: reply.thread.inReplyTo }, mailbox),
    };
  return {
    url: `${user}/messages/${encodeURIComponent(messageId)}/createReply`,
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

type FileFacts = MessageFacts["attachments"][number];

/** An attached email: Graph's itemAttachment, or a file that is one (message/rfc822, .eml). */
const isForwarded = (a: FileFacts) => Boolean(a.item) || /^message\/rfc822/i.test(a.contentType) || a.name.trim().toLowerCase().endsWith(".eml");

/** Which files of an email intake reads, and how big one may be (the partnership's config). */
export interface FileLimits {
  allowedExtensions: string[];
  maxBytes: number;
}

export class GraphMailbox extends GraphDrafts implements MailboxPort {
  private readonly folders = new Map<string, string>();
  constructor(
    client: Client,
    address: string,
    /** Required documents to recognise inside a form (config referralTypes' documents). */
    private readonly documents: DocumentHint[] = [],
    private readonly limits: FileLimits = { allowedExtensions: [".docx", ".pdf"], maxBytes: 10 * 1024 * 1024 },
    /** Attachment bytes held at once by this instance (fetched, not yet read). */
    readonly budget = new ByteBudget(ATTACHMENT_BYTES_AT_ONCE),
  ) {
    super(client, address);
  }

  /**
   * The message's metadata and its attachments' metadata (name, size, content type, inline, kind:
   * file, item or reference), no bytes: `$expand=attachments($select=...)` leaves contentBytes out
   * (https://learn.microsoft.com/graph/api/message-get, "$expand=attachments($select=...)").
   */
  async facts(messageId: string): Promise<(MessageFacts & { id: string }) | null> {
    // Batched: emails taken in at the same moment are read in one round trip.
    const url = `${this.user}/messages/${encodeURIComponent(messageId)}?$select=id,subject,from,receivedDateTime,internetMessageId,internetMessageHeaders&$expand=attachments($select=id,name,size,contentType,isInline)`;
    const r = await this.batch.ok({ method: "GET", url, headers: { Prefer: IMMUTABLE } }, "message", [404]);
    if (r.status === 404) return null;
    const m = r.body;
    return {
      id: m.id,
      subject: m.subject ?? "",
      from: { address: m.from?.emailAddress?.address ?? "", ...(m.from?.emailAddress?.name ? { name: m.from.emailAddress.name } : {}) },
      receivedAt: new Date(m.receivedDateTime),
      internetMessageId: m.internetMessageId ?? "",
      headers: m.internetMessageHeaders ?? [],
      attachments: ((m.attachments ?? []) as GraphJson[]).map((a) => {
        const type = String(a["@odata.type"] ?? "");
        const item = type.endsWith("itemAttachment");
        return {
          name: String(a.name ?? ""),
          // Graph gives an item or reference attachment no content type.
          contentType: String(a.contentType ?? (item ? "message/rfc822" : "")),
          size: Number(a.size ?? 0),
          isInline: Boolean(a.isInline),
          ...(typeof a.id === "string" ? { ref: a.id } : {}),
          ...(item ? { item: true } : {}),
          ...(type.endsWith("referenceAttachment") ? { link: true } : {}),
        };
      }),
    };
  }

  /**
   * The files intake reads, with their bytes checked (m365/content.ts) and a form read from them
   * (forms/read.ts, in its bounded process); the bytes are then dropped. Only the files that may be
   * the form (a type the partnership allows, within its size limit) and attached emails are
   * fetched, each by its `$value` (an item attachment's is its MIME), all in one `$batch` shared
   * with whatever else intake asks for in the same turn (its case look-ups). An attached email's
   * own files are taken in beside it, and it is marked `forwarded` (set aside).
   */
  async readFiles(f: MessageFacts & { id: string }): Promise<MessageFacts & { id: string }> {
    const allowed = this.limits.allowedExtensions.map((e) => e.toLowerCase());
    const wanted = (a: FileFacts) =>
      !a.isInline &&
      !a.link &&
      a.ref !== undefined &&
      a.size <= this.limits.maxBytes &&
      (isForwarded(a) || allowed.some((e) => a.name.trim().toLowerCase().endsWith(e)));
    // Each file is fetched once there is room for it in the instance's budget (m365/byteBudget.ts)
    // and given back once read: its bytes are not kept.
    const read = await Promise.all(
      f.attachments.map(async (a): Promise<FileFacts[]> => {
        if (!wanted(a)) return [a];
        const give = await this.budget.take(a.size);
        try {
          const url = `${this.user}/messages/${encodeURIComponent(f.id)}/attachments/${encodeURIComponent(a.ref!)}/$value`;
          const r = await this.batch.ok({ method: "GET", url, headers: { Prefer: IMMUTABLE } }, "attachment content");
          const b = Buffer.from(typeof r.body === "string" ? r.body : "", "base64");
          if (isForwarded(a)) {
            const inner = await readForwarded(b);
            if (!("error" in inner))
              return [
                { ...a, forwarded: true },
                ...(await Promise.all(
                  inner.map((x) =>
                    this.fileFacts({ name: x.name, contentType: x.contentType, size: x.bytes.length, isInline: x.isInline }, Buffer.from(x.bytes)),
                  ),
                )),
              ];
          }
          return [await this.fileFacts(a, b)];
        } finally {
          give();
        }
      }),
    );
    const out = read.flat();
    return { ...f, attachments: out };
  }

  /** One file with what its bytes are and the form read from them (when it may be the form). */
  private async fileFacts(a: FileFacts, bytes: Buffer | null): Promise<FileFacts> {
    if (!bytes) return a;
    const content = sniffContent(bytes);
    const form = !a.isInline && mayBeForm(a.name, content) ? await readForm(a.name, bytes, { documents: this.documents }) : undefined;
    return { ...a, content, ...(form ? { form } : {}) };
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

  async draftReply(messageId: string, reply: ReplyDraft): Promise<string> {
    // Batched: it shares a round trip with the case written in the same turn.
    const r = replyDraftRequest(this.address, messageId, reply);
    const a = await this.batch.ok({ method: "POST", url: r.url, headers: { "Content-Type": r.contentType, Prefer: IMMUTABLE }, body: r.body }, "reply draft");
    return a.body.id as string;
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

const DELTA_PREFER = `${IMMUTABLE}, odata.maxpagesize=50`;

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
