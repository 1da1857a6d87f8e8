/**
 * The files inside a forwarded email (an attached .eml, or Graph's itemAttachment as MIME), read
 * with postal-mime in the form reader's own process (forms/readerProcess.ts), bounded: nesting,
 * header size and forwards within forwards are capped by the parser; at most MAX_FILES files and
 * `maxBytes` in all come back. Only files: no header, no body text leaves the reader.
 */
import PostalMime from "postal-mime";

export interface InnerFile {
  name: string;
  contentType: string;
  isInline: boolean;
  bytes: Uint8Array;
}

const MAX_FILES = 20;

export async function filesOfMessage(bytes: Uint8Array, maxBytes: number): Promise<InnerFile[] | { error: string }> {
  try {
    const email = await PostalMime.parse(bytes, {
      maxNestingDepth: 50,
      maxHeadersSize: 256 * 1024,
      maxRfc822NestingDepth: 3,
      attachmentEncoding: "arraybuffer",
    });
    const out: InnerFile[] = [];
    let total = 0;
    for (const a of email.attachments) {
      const content = a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : new Uint8Array(0);
      total += content.length;
      if (out.length >= MAX_FILES || total > maxBytes)
        return { error: `the forwarded email holds more than ${MAX_FILES} files or ${Math.round(maxBytes / 1048576)} MB` };
      out.push({
        name: a.filename ?? "attachment",
        contentType: a.mimeType,
        isInline: a.disposition === "inline" && Boolean(a.contentId),
        bytes: content,
      });
    }
    return out;
  } catch {
    return { error: "the forwarded email could not be read" };
  }
}
