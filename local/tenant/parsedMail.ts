/** What the local tenant reads from a message mailparser parsed: over SMTP (smtp.ts) and sendMail in MIME format (messages.ts). */
import type { AddressObject, ParsedMail } from "mailparser";
import type { Recipient } from "./mail.js";

/** A header's addresses as Graph's recipients. */
export function recipients(a: AddressObject | AddressObject[] | undefined): Recipient[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list
    .flatMap((x) => x.value)
    .filter((v) => v.address)
    .map((v) => ({ emailAddress: { name: v.name || v.address!, address: v.address! } }));
}

/** Every header as written, folded lines unfolded, as Graph's internetMessageHeaders. */
export function headersOf(parsed: ParsedMail): { name: string; value: string }[] {
  return parsed.headerLines.map((h) => {
    const i = h.line.indexOf(":");
    return {
      name: h.line.slice(0, i).trim(),
      value: h.line
        .slice(i + 1)
        .replace(/\r?\n\s+/g, " ")
        .trim(),
    };
  });
}
