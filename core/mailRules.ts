/**
 * What to do with one email in the secure mailbox, from its metadata alone: sender, subject,
 * headers and attachment names, types and sizes. Attachments are never opened.
 */
import type { Partnership } from "./config.js";
import { assess, parseSender, type IntakeAssessment } from "./intake.js";

export interface MessageFacts {
  subject: string;
  /** From address (and name). */
  from: { address: string; name?: string };
  receivedAt: Date;
  internetMessageId: string;
  headers: { name: string; value: string }[];
  attachments: { name: string; contentType: string; size: number; isInline: boolean }[];
}

export type MailOutcome =
  /** In time for the cluster's next meeting. */
  | "accepted"
  /** Listed for a later meeting. */
  | "late"
  /** The school must fix something (subject line, missing form); they are told what. */
  | "needs-attention"
  /** Attachments that cannot be accepted; the school is told why. */
  | "rejected"
  /** Sender outside the schools' domains: held for the SCL, no reply. */
  | "quarantined"
  /** Automatic replies and bounces: no case, no reply. */
  | "ignored";

export interface AttachmentProblem {
  name: string;
  problem: "type" | "size" | "dangerous";
  message: string;
}

export interface MailDecision {
  outcome: MailOutcome;
  reasons: string[];
  /** Present when the subject and dates were assessed (not for ignored or quarantined mail). */
  assessment: IntakeAssessment | null;
  attachmentProblems: AttachmentProblem[];
  /** Whether the sender gets a reply. */
  reply: boolean;
  /** Mailbox folder the message is filed in. */
  folder: string;
}

export const FOLDERS: Record<MailOutcome, string> = {
  accepted: "Accepted",
  late: "Late",
  "needs-attention": "Needs attention",
  rejected: "Rejected",
  quarantined: "Quarantine",
  ignored: "Automatic replies",
};

const DANGEROUS = /\.(exe|com|bat|cmd|scr|pif|msi|msp|js|jse|vbs|vbe|wsf|wsh|ps1|psm1|hta|cpl|jar|lnk|reg|dll|iso|img|vhd|vhdx)$/i;
const MACRO = /\.(docm|dotm|xlsm|xltm|xlam|pptm|potm|ppam|ppsm|sldm)$/i;
const ARCHIVE = /\.(zip|7z|rar|gz|tgz|tar|bz2|xz|cab|arj|lzh|ace|z)$/i;

function header(facts: MessageFacts, name: string): string | undefined {
  return facts.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

/** RFC 3834 and the usual signs of automatic mail: out-of-office replies, bounces, lists. */
export function automaticMailReason(facts: MessageFacts): string | undefined {
  const auto = header(facts, "Auto-Submitted");
  if (auto && auto.trim().toLowerCase() !== "no") return `Auto-Submitted: ${auto}`;
  const suppress = header(facts, "X-Auto-Response-Suppress");
  if (suppress && /\b(all|oof|autoreply)\b/i.test(suppress)) return `X-Auto-Response-Suppress: ${suppress}`;
  const precedence = header(facts, "Precedence");
  if (precedence && /^(bulk|junk|list|auto_reply)$/i.test(precedence.trim())) return `Precedence: ${precedence}`;
  if (header(facts, "X-Autoreply") || header(facts, "X-Autorespond")) return "X-Autoreply";
  const ct = header(facts, "Content-Type");
  if (ct && /multipart\/report/i.test(ct)) return "a delivery report";
  if (/^(mailer-daemon|postmaster)@/i.test(facts.from.address)) return `sent by ${facts.from.address}`;
  const rp = header(facts, "Return-Path");
  if (rp !== undefined && rp.trim() === "<>") return "an empty Return-Path (a bounce)";
  return undefined;
}

export function attachmentProblems(p: Partnership, facts: MessageFacts): AttachmentProblem[] {
  const allowed = p.intake.attachments.allowedExtensions.map((e) => e.toLowerCase());
  const limitMb = (p.intake.attachments.maxBytes / 1024 / 1024).toFixed(0);
  const out: AttachmentProblem[] = [];
  for (const a of facts.attachments.filter((x) => !x.isInline)) {
    const name = a.name.trim();
    if (DANGEROUS.test(name) || MACRO.test(name) || ARCHIVE.test(name)) {
      const what = MACRO.test(name) ? "a macro-enabled Office file" : ARCHIVE.test(name) ? "an archive" : "a program or script";
      out.push({ name, problem: "dangerous", message: `"${name}" is ${what}, which the secure mailbox does not accept; it has not been opened. Send the form as ${allowed.join(" or ")}.` });
    } else if (!allowed.some((ext) => name.toLowerCase().endsWith(ext))) {
      out.push({ name, problem: "type", message: `"${name}" is not a ${allowed.join(" or ")} file. Send the form as ${allowed.join(" or ")}.` });
    } else if (a.size > p.intake.attachments.maxBytes) {
      out.push({ name, problem: "size", message: `"${name}" is ${(a.size / 1024 / 1024).toFixed(1)} MB; files over ${limitMb} MB cannot be accepted. Reduce its size or split the evidence into several emails.` });
    }
  }
  return out;
}

export function decideMail(p: Partnership, facts: MessageFacts): MailDecision {
  const auto = automaticMailReason(facts);
  if (auto) {
    return { outcome: "ignored", reasons: [`Automatic mail (${auto}): no case and no reply.`], assessment: null, attachmentProblems: [], reply: false, folder: FOLDERS.ignored };
  }
  let sender: string;
  try {
    sender = parseSender(facts.from.address).address;
  } catch {
    return { outcome: "quarantined", reasons: [`The sender address "${facts.from.address}" is not valid.`], assessment: null, attachmentProblems: [], reply: false, folder: FOLDERS.quarantined };
  }
  const assessment = assess(p, { subject: facts.subject, sender, receivedAt: facts.receivedAt });
  if (assessment.outcome === "quarantined") {
    return { outcome: "quarantined", reasons: assessment.reasons, assessment, attachmentProblems: [], reply: false, folder: FOLDERS.quarantined };
  }
  const problems = attachmentProblems(p, facts);
  if (problems.length) {
    return { outcome: "rejected", reasons: problems.map((x) => x.message), assessment, attachmentProblems: problems, reply: true, folder: FOLDERS.rejected };
  }
  const forms = facts.attachments.filter((a) => !a.isInline);
  const reasons = [...assessment.reasons];
  if (!forms.length) {
    reasons.unshift(`No presentation form is attached. Attach the form as ${p.intake.attachments.allowedExtensions.join(" or ")} and send it again.`);
    return { outcome: "needs-attention", reasons, assessment, attachmentProblems: [], reply: true, folder: FOLDERS["needs-attention"] };
  }
  const outcome = assessment.outcome as "accepted" | "late" | "needs-attention";
  return { outcome, reasons, assessment, attachmentProblems: [], reply: true, folder: FOLDERS[outcome] };
}
