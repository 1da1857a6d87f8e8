/**
 * The product's own mail as MIME (RFC 5322 and 2045), sent through Graph's sendMail in MIME
 * format: the one way to give it RFC 3834's `Auto-Submitted: auto-replied`, since Graph's JSON
 * takes only `x-` headers. Every message carries the product's marker, `Auto-Submitted` and
 * `X-Auto-Response-Suppress: All`; a reply to a school's email also carries `In-Reply-To` and
 * `References`, so mail clients thread it and the school's answer to it names the email it
 * corrects. Plain text, UTF-8, base64: nothing the school wrote is interpreted.
 */
import { createHash } from "node:crypto";
import { PRODUCT_HEADERS, PRODUCT_MARKER_HEADER } from "../core/rules/mailRules.js";

export interface ProductMail {
  to: string[];
  bcc?: string[];
  subject: string;
  body: string;
  marker: string;
  /** The Message-ID of the email this answers (a reply). */
  inReplyTo?: string;
}

/** A header value with anything that could end the header (CR, LF) made a space. */
const oneLine = (v: string) => v.replace(/[\r\n]+/g, " ").trim();

/** A subject as RFC 2047 encoded words when it is not plain ASCII, in pieces short enough to fold. */
function encodedSubject(subject: string): string {
  const s = oneLine(subject);
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  const words: string[] = [];
  let chunk = "";
  for (const ch of s) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString("base64")}?=`).join("\r\n ");
}

/** An address list for To or Bcc: only addresses, each checked to be one. */
function addresses(list: string[]): string {
  return list
    .map(oneLine)
    .filter((a) => a.split("@").length === 2 && !/[\s<>,;"]/.test(a))
    .map((a) => `<${a}>`)
    .join(", ");
}

/**
 * The Message-ID of the product's message tagged `marker`, from `mailbox`: the same for the same
 * marker, so a retry whose record of the draft was lost can still find it in Sent Items by
 * internetMessageId (a filterable property) rather than by headers Sent Items copies lack.
 */
export function productMessageId(marker: string, mailbox: string): string {
  const domain = oneLine(mailbox.slice(mailbox.lastIndexOf("@") + 1));
  return `<cd.${createHash("sha256").update(marker).digest("hex").slice(0, 32)}@${domain}>`;
}

/** The whole message from `mailbox`, base64-encoded, as sendMail's MIME format takes it (Content-Type: text/plain). */
export function productMime(m: ProductMail, mailbox: string): string {
  const headers = [
    `To: ${addresses(m.to)}`,
    ...(m.bcc?.length ? [`Bcc: ${addresses(m.bcc)}`] : []),
    `Subject: ${encodedSubject(m.subject)}`,
    `Message-ID: ${productMessageId(m.marker, mailbox)}`,
    ...(m.inReplyTo ? [`In-Reply-To: ${oneLine(m.inReplyTo)}`, `References: ${oneLine(m.inReplyTo)}`] : []),
    "Auto-Submitted: auto-replied",
    ...PRODUCT_HEADERS.map((h) => `${h.name}: ${h.value}`),
    `${PRODUCT_MARKER_HEADER}: ${oneLine(m.marker)}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
  ];
  const encoded = Buffer.from(m.body.replace(/\r?\n/g, "\r\n")).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += 76) lines.push(encoded.slice(i, i + 76)); // RFC 2045's 76 characters a line
  const body = lines.join("\r\n");
  return Buffer.from(`${headers.join("\r\n")}\r\n\r\n${body}\r\n`).toString("base64");
}
