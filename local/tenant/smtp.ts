/** SMTP ingress: mail sent by any client to a tenant mailbox lands in its inbox. */
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";
import { headersOf, recipients } from "./parsedMail.js";
import type { Db } from "./db.js";
import { mailboxByAddress, storeMessage, type NewAttachment } from "./mail.js";
import type { TenantEvents } from "./context.js";

function importanceOf(h: string): "low" | "normal" | "high" {
  const v = h.toLowerCase();
  return v === "high" ? "high" : v === "low" ? "low" : "normal";
}

export function createSmtpServer(deps: { db: Db; now: () => number; events: TenantEvents; log: (line: string) => void; maxBytes: number }): SMTPServer {
  const server = new SMTPServer({
    name: "localhost",
    banner: "Cluster Desk local tenant",
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    size: deps.maxBytes,
    logger: false,
    onRcptTo(address, _session, cb) {
      if (!mailboxByAddress(deps.db, address.address)) {
        const err = new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown in the local tenant`) as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", (e: Error) => cb(e));
      stream.on("end", () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          const err = new Error("5.3.4 Message too big for the local tenant") as Error & { responseCode: number };
          err.responseCode = 552;
          return cb(err);
        }
        void deliver(Buffer.concat(chunks), session.envelope).then(
          () => cb(),
          (e: Error) => cb(e),
        );
      });
    },
  });
  return server;

  async function deliver(raw: Buffer, envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] }): Promise<void> {
    const parsed = await simpleParser(raw, { skipImageLinks: true });
    const from = recipients(parsed.from)[0] ?? {
      emailAddress: {
        name: String(envelope.mailFrom && envelope.mailFrom.address),
        address: String(envelope.mailFrom && envelope.mailFrom.address),
      },
    };
    // As a receiving MTA does, the envelope's sender becomes the Return-Path ("<>" for a bounce),
    // replacing any the message carried.
    const returnPath = { name: "Return-Path", value: `<${envelope.mailFrom ? envelope.mailFrom.address : ""}>` };
    const headers = [returnPath, ...headersOf(parsed).filter((h) => h.name.toLowerCase() !== "return-path")];
    const attachments: NewAttachment[] = parsed.attachments.map((a) => ({
      name: a.filename ?? "attachment",
      // A part whose Content-Type names no type ("Content-Type: ; name=a.jpg") is stored, as Exchange does, as octet-stream.
      contentType: typeof a.contentType === "string" && a.contentType ? a.contentType : "application/octet-stream",
      isInline: a.contentDisposition === "inline" && Boolean(a.cid),
      ...(a.cid ? { contentId: a.cid } : {}),
      bytes: a.content,
    }));
    const body = parsed.html ? { contentType: "html" as const, content: parsed.html } : { contentType: "text" as const, content: parsed.text ?? "" };
    const sent = parsed.date ?? new Date(deps.now());
    for (const rcpt of envelope.rcptTo) {
      const mb = mailboxByAddress(deps.db, rcpt.address);
      if (!mb) continue;
      storeMessage(
        deps,
        mb.id,
        "inbox",
        {
          subject: parsed.subject ?? "",
          body,
          from,
          sender: from,
          toRecipients: recipients(parsed.to),
          ccRecipients: recipients(parsed.cc),
          replyTo: recipients(parsed.replyTo),
          sentDateTime: sent.toISOString().replace(/\.\d{3}Z$/, "Z"),
          internetMessageId: parsed.messageId ?? `<smtp-${Date.now()}@local.tenant>`,
          internetMessageHeaders: headers,
          importance: importanceOf(String(parsed.headers.get("importance") ?? "")),
        },
        attachments,
      );
    }
    deps.log(`smtp: delivered message to ${envelope.rcptTo.map((r) => r.address).join(", ")}`);
  }
}
