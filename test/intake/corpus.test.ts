/**
 * Real mail, as mail clients really send it (issue 29): every message of ../shared/mail-corpus
 * (325 messages from nine public email libraries' test fixtures, read there, never copied) goes
 * through SMTP into the local stack, only its envelope and To changed. Each ends in exactly one
 * outcome, out of the Inbox, with no crash, no poison, no reply to automatic mail and no loop.
 * Then the same messages again, each under a school's subject line with a form attached, as a
 * SENDCo's mail client might carry it (the real message's own parts kept beside the form): none
 * is filed silently, and each is accepted, kept for a person, or refused with a reason.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nodemailer from "nodemailer";
import { simpleParser } from "mailparser";
import { QueueClient } from "@azure/storage-queue";
import { partnership as hounslow } from "../helpers/tenant.js";
import { listFields, startStack, type Stack } from "../helpers/stack.js";
import { freeFormDocx } from "../helpers/forms.js";

const CORPUS = resolve(fileURLToPath(new URL("../../../shared/mail-corpus", import.meta.url)));
const files = existsSync(CORPUS)
  ? readdirSync(CORPUS)
      .filter((f) => f.endsWith(".eml"))
      .sort()
  : [];
if (!files.length && process.env.CI) throw new Error(`the mail corpus is missing at ${CORPUS}`);

let s: Stack;
const mailbox = hounslow.intake.mailbox;
type Sent = { to: string; message: { subject: string; internetMessageHeaders?: { name: string; value: string }[] } };
const outbox = async (): Promise<Sent[]> => (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value;

beforeAll(async () => {
  if (files.length) s = await startStack({ at: "2023-05-02T09:00:00Z" });
}, 60_000);
afterAll(() => s?.stop());

/** A header's value in raw MIME text (the first, unfolded), or undefined. */
function rawHeader(head: string, name: string): string | undefined {
  const lines = head.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.toLowerCase().startsWith(`${name.toLowerCase()}:`)) {
      let v = lines[i]!.slice(name.length + 1);
      while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) v += " " + lines[++i]!.trim();
      return v.trim();
    }
  }
  return undefined;
}

/** The message's header block and body (split at the first empty line). */
function split(raw: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? { head: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) } : { head: raw, body: "" };
}

/** Drops the named headers (with their folded lines) from a header block. */
function without(head: string, names: string[]): string {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  const out: string[] = [];
  let skipping = false;
  for (const line of head.split(/\r?\n/)) {
    if (!line) continue; // a header block has no empty line (a message that is all headers ends with one)
    if (/^[ \t]/.test(line)) {
      if (!skipping) out.push(line);
      continue;
    }
    skipping = drop.has(line.slice(0, line.indexOf(":")).trim().toLowerCase());
    if (!skipping) out.push(line);
  }
  return out.join("\r\n");
}

/** What a robot would send, by the usual signs, read here on their own (not with the product's rules). */
async function automatic(raw: Buffer): Promise<boolean> {
  const m = await simpleParser(raw).catch(() => null);
  if (!m) return false;
  const h = (n: string) => {
    const v = m.headers.get(n);
    return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
  };
  const from = m.from?.value[0]?.address ?? "";
  return Boolean(
    (h("auto-submitted") && !/^no\b/i.test(h("auto-submitted")!)) ||
    /multipart\/report/i.test(h("content-type") ?? "") ||
    h("list-id") ||
    h("list-unsubscribe") ||
    /^(bulk|junk|list|auto_reply)$/i.test((h("precedence") ?? "").trim()) ||
    h("x-auto-response-suppress") ||
    /^(mailer-daemon|postmaster)@/i.test(from) ||
    rawHeader(split(raw.toString("latin1")).head, "Return-Path")?.replace(/\s/g, "") === "<>",
  );
}

async function deliverAll(messages: { raw: Buffer; from: string }[]) {
  const tr = nodemailer.createTransport({ host: "127.0.0.1", port: s.tenant.smtpPort!, secure: false, ignoreTLS: true, pool: true, maxConnections: 2 });
  try {
    for (const m of messages) await tr.sendMail({ envelope: { from: m.from, to: [mailbox] }, raw: m.raw });
  } finally {
    tr.close();
  }
  await s.settle();
  // Anything a notification missed is the sweep's and the reconciler's: both run, as in Azure.
  await s.host.runTimer("mailSweep");
  await s.host.drain();
}

const inboxCount = async () => {
  const r = await s.deps.graph.api(`/users/${mailbox}/mailFolders/inbox/messages`).top(1).select("id").count(true).get();
  return (r["@odata.count"] as number | undefined) ?? r.value.length;
};
const poisonDepth = async () =>
  (await new QueueClient(s.azurite.connectionString, "mail-intake-poison").getProperties().catch(() => ({ approximateMessagesCount: 0 })))
    .approximateMessagesCount ?? 0;
const intakeRows = async () => (await listFields(s, "Audit")).filter((r) => r.Title === "intake");

describe.skipIf(!files.length)("the real-mail corpus through SMTP", () => {
  it("as it is: each message ends in one outcome, out of the Inbox; no crash, no poison, no reply to automatic mail, no loop", async () => {
    const messages = files.map((f) => {
      const original = readFileSync(join(CORPUS, f));
      const text = original.toString("latin1");
      const { head, body } = split(text);
      // Only To (and the envelope) changes.
      const raw = Buffer.from(`${without(head, ["To"])}\r\nTo: <${mailbox}>\r\n\r\n${body}`, "latin1");
      const rp = rawHeader(head, "Return-Path")?.replace(/[<>\s]/g, "");
      const from = rp !== undefined ? rp : (/[^\s<>"]+@[^\s<>"]+/.exec(rawHeader(head, "From") ?? "")?.[0] ?? "someone@corpus.example");
      return { file: f, raw, from };
    });
    await deliverAll(messages);
    expect(await inboxCount()).toBe(0);
    expect(await poisonDepth()).toBe(0);
    // Exactly one outcome each: one intake audit row per message delivered.
    const rows = await intakeRows();
    expect(rows).toHaveLength(messages.length);
    // No reply to automatic mail: a reply names the message it answers (In-Reply-To).
    const sent = await outbox();
    const answered = new Set(sent.flatMap((m) => (m.message.internetMessageHeaders ?? []).filter((x) => x.name === "In-Reply-To").map((x) => x.value)));
    const ids = new Map<string, number>();
    for (const m of messages) {
      const id = rawHeader(split(m.raw.toString("latin1")).head, "Message-ID");
      if (id) ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    let robots = 0;
    for (const m of messages) {
      if (!(await automatic(m.raw))) continue;
      robots++;
      const id = rawHeader(split(m.raw.toString("latin1")).head, "Message-ID");
      if (id && ids.get(id) === 1) expect(answered.has(id), m.file).toBe(false);
    }
    expect(robots).toBeGreaterThan(20);
    // No loop: nothing to the mailbox itself, and at most one reply a message.
    expect(sent.filter((m) => m.to.toLowerCase() === mailbox.toLowerCase())).toHaveLength(0);
    expect(sent.length).toBeLessThanOrEqual(messages.length - robots);
  }, 600_000);

  it("under a school's subject line with a form attached: none filed silently; accepted, kept for a person, or refused with a reason", async () => {
    const before = new Set((await intakeRows()).map((r) => r.AuditKey));
    const form = await freeFormDocx(["Number of CYP: 2"]);
    const schools = [...hounslow.clusters[4]!.schools, ...hounslow.clusters[5]!.schools];
    const messages = files.map((f, i) => {
      const { head, body } = split(readFileSync(join(CORPUS, f)).toString("latin1"));
      const school = schools[i % schools.length]!;
      const cluster = i % schools.length < hounslow.clusters[4]!.schools.length ? "5/KL" : "6/GV";
      const sender = `senco${i}@${school.shortName!.toLowerCase().replace(/[^a-z]/g, "")}.example`;
      const boundary = `cluster-desk-corpus-${i}`;
      const partHead = ["Content-Type", "Content-Transfer-Encoding"]
        .map((n) => (rawHeader(head, n) !== undefined ? `${n}: ${rawHeader(head, n)}` : ""))
        .filter(Boolean)
        .join("\r\n");
      const kept = without(head, ["To", "From", "Subject", "Content-Type", "Content-Transfer-Encoding", "MIME-Version", "Return-Path", "Sender", "Reply-To"]);
      const raw = Buffer.from(
        [
          ...(kept.trim() ? [kept] : []),
          `From: <${sender}>`,
          `To: <${mailbox}>`,
          `Subject: Cluster ${cluster}/${school.name}`,
          "MIME-Version: 1.0",
          `Content-Type: multipart/mixed; boundary="${boundary}"`,
          "",
          `--${boundary}`,
          // The message's own body and its type (a message with no body at all brings none).
          (body.trim() && partHead) || "Content-Type: text/plain",
          "",
          body,
          `--${boundary}`,
          `Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name="presentation form ${i}.docx"`,
          `Content-Disposition: attachment; filename="presentation form ${i}.docx"`,
          "Content-Transfer-Encoding: base64",
          "",
          form.toString("base64").replace(/.{76}/g, "$&\r\n"),
          `--${boundary}--`,
          "",
        ].join("\r\n"),
        "latin1",
      );
      return { file: f, raw, from: sender };
    });
    await deliverAll(messages);
    expect(await inboxCount()).toBe(0);
    expect(await poisonDepth()).toBe(0);
    const rows = (await intakeRows()).filter((r) => !before.has(r.AuditKey));
    expect(rows).toHaveLength(messages.length);
    const outcomes: Record<string, number> = {};
    for (const r of rows) outcomes[r.Outcome] = (outcomes[r.Outcome] ?? 0) + 1;
    // A form under a school's subject line is never filed as automatic mail with nobody to see it.
    expect(outcomes.ignored ?? 0).toBe(0);
    expect(
      Object.keys(outcomes).every((o) => ["accepted", "check-by-hand", "rejected"].includes(o)),
      JSON.stringify(outcomes),
    ).toBe(true);
    // Nearly all are accepted. Kept for a person: those a robot sent (strong signs, counted here on
    // their own). Refused: only for a file beside the form that cannot be accepted (an archive, a
    // file whose content is not what its name says), and the reason names it.
    const robots = (await Promise.all(messages.map((m) => automatic(m.raw)))).filter(Boolean).length;
    expect(outcomes["check-by-hand"] ?? 0).toBeLessThanOrEqual(robots);
    expect(outcomes.accepted ?? 0).toBeGreaterThan(messages.length * 0.9);
    const cases = (await listFields(s, "Cases")).filter((c) => String(c.SenderEmail).startsWith("senco"));
    for (const c of cases.filter((x) => x.Status === "Rejected"))
      expect(String(c.Problems)).toMatch(/attachment \d+ \([^)]*\) is (an archive|a program|a macro|not a document|.* not a \.)|encrypted/);
    console.log(`corpus with a form: ${JSON.stringify(outcomes)}`);
  }, 600_000);
});
