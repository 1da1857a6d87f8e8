/**
 * What to do with one email in the secure mailbox: sender, subject, headers, attachment names,
 * types and sizes, and what each attachment's first bytes say it is (the mailbox adapter reads
 * them; this module never sees a file's content).
 */
import type { Partnership } from "../config.js";
import { assess, parseSender, type IntakeAssessment } from "./intake.js";
import { checkReferral } from "./referrals.js";
import { isReading, type FormReading, type FormResult } from "./form.js";

export interface MessageFacts {
  subject: string;
  /** From address (and name). */
  from: { address: string; name?: string };
  receivedAt: Date;
  internetMessageId: string;
  headers: { name: string; value: string }[];
  attachments: {
    name: string;
    contentType: string;
    size: number;
    isInline: boolean;
    content?: ContentKind;
    form?: FormResult;
    /** A forwarded email whose own files were taken in beside it (the mailbox adapter read them). */
    forwarded?: boolean;
    /** A link to a file in OneDrive or SharePoint (Graph's referenceAttachment): no bytes to read. */
    link?: boolean;
    /** Graph's id for the attachment, so the adapter can fetch its bytes after the checks on its metadata. */
    ref?: string;
    /** An attached email (Graph's itemAttachment), whose MIME the adapter fetches. */
    item?: boolean;
  }[];
}

/**
 * What an attachment's bytes are, as the mailbox adapter found them: a PDF (`%PDF-`), a Word
 * document (a zip with `[Content_Types].xml`), one with macros (`vbaProject.bin`), another zip,
 * an old Office (OLE) file, empty, or none of these. Absent when the bytes were not read.
 */
export type ContentKind = "pdf" | "ooxml" | "ooxml-macro" | "zip" | "ole" | "empty" | "unknown";

/** The content each accepted extension must have. */
const CONTENT_FOR: Record<string, ContentKind[]> = {
  ".pdf": ["pdf"],
  ".docx": ["ooxml"],
  ".xlsx": ["ooxml"],
  ".pptx": ["ooxml"],
  ".doc": ["ole"],
  ".xls": ["ole"],
};
const CONTENT_NAME: Record<ContentKind, string> = {
  pdf: "a PDF",
  ooxml: "an Office document",
  "ooxml-macro": "an Office document with macros",
  zip: "a zip archive",
  ole: "an older Office document",
  empty: "empty",
  unknown: "not a document the mailbox can recognise",
};

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
  | "ignored"
  /** Looks automatic but carries what may be a form from a school: no case, no reply, kept for a person. */
  | "check-by-hand";

/** The outcome of automatic-looking mail that may carry a school's form (issue 29). */
export const CHECK_BY_HAND = "check-by-hand" satisfies MailOutcome;

export interface AttachmentProblem {
  name: string;
  problem: "type" | "size" | "dangerous" | "empty" | "content" | "encrypted" | "link";
  /** For the school: names its own file. */
  message: string;
  /** For cards: the attachment's position, type and size, never its name. */
  note: string;
}

export interface MailDecision {
  outcome: MailOutcome;
  /** For the school's reply: may quote its own subject line and file names. */
  reasons: string[];
  /** For cards, agendas, Teams and the Cases list's Problems column: codes and known values only. */
  notes: string[];
  /** Present when the subject and dates were assessed (not for ignored or quarantined mail). */
  assessment: IntakeAssessment | null;
  attachmentProblems: AttachmentProblem[];
  /** No form was attached: one outcome (needs attention) and one reply (send the form), whatever else. */
  missingForm?: boolean;
  /** Whether the sender gets a reply. */
  reply: boolean;
  /** Mailbox folder the message is filed in. */
  folder: string;
  /** The referral type's id, when it could be told (config referralTypes). */
  referralType?: string | null;
  /** The referral's type could not be told, or a document it requires is missing. */
  incomplete?: boolean;
  /** What the presentation form says (numeric and choice fields only), when a form could be read. */
  form?: FormReading;
}

/** The header every message the product sends carries (replies, reminders, decisions). */
export const PRODUCT_MARKER_HEADER = "X-Cluster-Desk-Reply";

/**
 * What every message the product sends carries beside its marker, so other robots leave it alone:
 * Microsoft's X-Auto-Response-Suppress (no out-of-office, read receipt or delivery report back).
 * RFC 3834's Auto-Submitted comes with it in the MIME the product sends (m365/mime.ts): Graph's
 * JSON takes only X- headers (docs/graph-fidelity.md).
 */
export const PRODUCT_HEADERS: readonly { name: string; value: string }[] = [{ name: "X-Auto-Response-Suppress", value: "All" }];

/** A reply's subject: the school's own, with "RE: " before it once. */
export const replySubject = (subject: string) => (/^\s*re:/i.test(subject) ? subject : `RE: ${subject}`);

/** The first address in a header's value ("Name <a@b>", "a@b, c@d"), lower case; "" if none. No regular expression: the value is outside text. */
function firstAddress(value: string): string {
  const first = value.split(",")[0] ?? "";
  const open = first.lastIndexOf("<");
  const close = first.indexOf(">", open);
  const candidate = open >= 0 && close > open ? first.slice(open + 1, close) : (first.split(/\s/).find((w) => w.includes("@")) ?? "");
  const address = candidate.trim().replace(/^"|"$/g, "").toLowerCase();
  return address.includes("@") ? address : "";
}

/**
 * Who a reply to this email goes to: its From address, or its Reply-To when that is in the same
 * domain (a school's office answering for its SENDCo). A Reply-To elsewhere is not used: the
 * hourly reply limit counts the address replied to, so forged From addresses cannot send every
 * receipt to one outside address.
 */
export function replyAddress(facts: MessageFacts): { to: string; ignoredReplyTo: boolean } {
  const from = facts.from.address.trim().toLowerCase();
  const raw = header(facts, "Reply-To");
  const replyTo = raw ? firstAddress(raw) : "";
  if (!replyTo || replyTo === from) return { to: from, ignoredReplyTo: false };
  const domain = (a: string) => a.slice(a.lastIndexOf("@") + 1);
  return domain(replyTo) === domain(from) ? { to: replyTo, ignoredReplyTo: false } : { to: from, ignoredReplyTo: true };
}

/** What the caller knows beyond the message: how many automatic replies its sender had this hour. */
export interface SenderHistory {
  repliesThisHour: number;
}

export const FOLDERS: Record<MailOutcome, string> = {
  accepted: "Accepted",
  late: "Late",
  "needs-attention": "Needs attention",
  rejected: "Rejected",
  quarantined: "Quarantine",
  ignored: "Automatic replies",
  "check-by-hand": "Check by hand",
};

const DANGEROUS = /\.(exe|com|bat|cmd|scr|pif|msi|msp|js|jse|vbs|vbe|wsf|wsh|ps1|psm1|hta|cpl|jar|lnk|reg|dll|iso|img|vhd|vhdx)$/i;
const MACRO = /\.(docm|dotm|xlsm|xltm|xlam|pptm|potm|ppam|ppsm|sldm)$/i;
const ARCHIVE = /\.(zip|7z|rar|gz|tgz|tar|bz2|xz|cab|arj|lzh|ace|z)$/i;
const KNOWN_EXT =
  /\.(pdf|docx?|xlsx?|pptx?|odt|rtf|txt|jpe?g|png|gif|heic|tiff?|msg|eml|exe|com|bat|cmd|scr|js|vbs|ps1|hta|jar|lnk|dll|iso|docm|dotm|xlsm|pptm|zip|7z|rar|gz|tar)$/i;

/** "attachment 2 (.zip, 14 KB)": what a card may say about a file, never its name. */
export function describeAttachment(index: number, name: string, size: number): string {
  const ext = KNOWN_EXT.exec(name.trim())?.[1]?.toLowerCase();
  const kb = size < 1024 * 1024 ? `${Math.max(0, Math.round(size / 1024))} KB` : `${(size / 1024 / 1024).toFixed(1)} MB`;
  return `attachment ${index + 1} (${ext ? `.${ext}` : "unrecognised type"}, ${kb})`;
}

function header(facts: MessageFacts, name: string): string | undefined {
  return facts.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

/**
 * Files that come with real mail but are never the form: signature and inline images, calendar
 * invitations, contact cards and S/MIME signatures. They are set aside (neither the form nor a
 * reason to refuse it); what each is, or null for a file that may be the form.
 */
export function setAside(a: MessageFacts["attachments"][number]): string | null {
  if (a.forwarded) return "a forwarded email (its files are taken in)";
  const name = a.name.trim().toLowerCase();
  const type = a.contentType.toLowerCase();
  if (type.startsWith("image/") || /\.(png|jpe?g|gif|bmp|heic|tiff?|webp|svg|emz|wmf)$/.test(name)) return "an image";
  if (type.startsWith("text/calendar") || type === "application/ics" || name.endsWith(".ics")) return "a calendar invitation";
  if (/^text\/(x-)?vcard/.test(type) || name.endsWith(".vcf")) return "a contact card";
  if (/pkcs7-signature/.test(type) || name.endsWith(".p7s")) return "an S/MIME signature";
  return null;
}

/**
 * The files that may be the form: attached (not inline), not set aside, and of a type the
 * partnership allows. A file of another type beside one of these is "another file".
 */
export function formFiles(p: Partnership, facts: MessageFacts): MessageFacts["attachments"] {
  const allowed = p.intake.attachments.allowedExtensions.map((e) => e.toLowerCase());
  return facts.attachments.filter((a) => !a.isInline && !a.link && !setAside(a) && allowed.some((e) => a.name.trim().toLowerCase().endsWith(e)));
}

/** An S/MIME-encrypted email: its content is one opaque file the mailbox cannot open. */
export function isEncrypted(facts: MessageFacts): boolean {
  const ct = header(facts, "Content-Type") ?? "";
  if (/application\/(x-)?pkcs7-mime/i.test(ct) && !ct.toLowerCase().includes("signed-data")) return true;
  return facts.attachments.some((a) => /pkcs7-mime/i.test(a.contentType) || /^smime\.p7m$/i.test(a.name.trim()));
}

/** Out-of-office, vacation, read-receipt and bounce subjects in the languages schools' mail servers use. */
const AUTOMATIC_SUBJECT =
  /^\s*(?:(?:automatic|auto)[ -]?reply|autoreply|auto[- ]?response|out of (?:the )?office|ooo\b|away from (?:the|my) office|on (?:annual )?leave|vacation|abwesenheit|automatische antwort|r[ée]ponse automatique|absence|respuesta autom[áa]tica|fuera de la oficina|risposta automatica|fuori sede|automatisch antwoord|afwezig|read:|not read:|gelesen:|lu\s?:|undeliver(?:able|ed)|delivery (?:status notification|has failed|failure)|mail delivery (?:failed|failure|subsystem)|returned mail|failure notice|delivery notification)/i;

/**
 * The signs of automatic mail (RFC 3834 and the usual others). Strong ones say a robot sent it
 * (an out-of-office, a bounce, a report, a list); weak ones are headers some school systems also
 * put on mail a person sent (X-Auto-Response-Suppress, Precedence: bulk).
 */
export function automaticSignals(facts: MessageFacts): { strong: string[]; weak: string[] } {
  const strong: string[] = [];
  const weak: string[] = [];
  const auto = header(facts, "Auto-Submitted");
  if (auto && auto.trim().toLowerCase() !== "no") strong.push(`Auto-Submitted: ${auto}`);
  const suppress = header(facts, "X-Auto-Response-Suppress");
  if (suppress && /\b(all|oof|autoreply|dr|rn|nrn)\b/i.test(suppress)) weak.push(`X-Auto-Response-Suppress: ${suppress}`);
  const precedence = header(facts, "Precedence")?.trim();
  if (precedence && /^auto_reply$/i.test(precedence)) strong.push(`Precedence: ${precedence}`);
  else if (precedence && /^(bulk|junk|list)$/i.test(precedence)) weak.push(`Precedence: ${precedence}`);
  if (header(facts, "X-Autoreply") || header(facts, "X-Autorespond") || header(facts, "X-Autogenerated")) strong.push("X-Autoreply");
  if (header(facts, "List-Id") !== undefined) strong.push("List-Id (a mailing list)");
  if (header(facts, "List-Unsubscribe") !== undefined) strong.push("List-Unsubscribe (a newsletter)");
  const ct = header(facts, "Content-Type");
  if (ct && /multipart\/report/i.test(ct)) strong.push("a delivery report");
  if (/^(mailer-daemon|postmaster)@/i.test(facts.from.address.trim())) strong.push(`sent by ${facts.from.address}`);
  const rp = header(facts, "Return-Path");
  if (rp !== undefined && rp.trim() === "<>") strong.push("an empty Return-Path (a bounce)");
  if (AUTOMATIC_SUBJECT.test(facts.subject)) strong.push("an automatic reply's subject");
  return { strong, weak };
}

/** RFC 3834 and the usual signs of automatic mail: out-of-office replies, bounces, lists. */
export function automaticMailReason(facts: MessageFacts): string | undefined {
  const { strong, weak } = automaticSignals(facts);
  return strong[0] ?? weak[0];
}

export function attachmentProblems(p: Partnership, facts: MessageFacts): AttachmentProblem[] {
  const allowed = p.intake.attachments.allowedExtensions.map((e) => e.toLowerCase());
  const limitMb = (p.intake.attachments.maxBytes / 1024 / 1024).toFixed(0);
  const out: AttachmentProblem[] = [];
  facts.attachments
    .filter((x) => !x.isInline && !setAside(x))
    .forEach((a, i) => {
      const name = a.name.trim();
      const file = describeAttachment(i, name, a.size);
      const ext = allowed.find((e) => name.toLowerCase().endsWith(e));
      if (a.link) {
        // A OneDrive or SharePoint link: the file stays where it is, outside the secure mailbox.
        out.push({
          name,
          problem: "link",
          note: `${file} is a link to a file in OneDrive or SharePoint, not the file.`,
          message: `"${name}" was shared as a link to OneDrive or SharePoint, which the secure mailbox cannot open and should not follow. Attach the file itself (${allowed.join(" or ")}): in Outlook, choose "Attach as copy", not "Share link".`,
        });
      } else if (DANGEROUS.test(name) || MACRO.test(name) || ARCHIVE.test(name)) {
        const what = MACRO.test(name) ? "a macro-enabled Office file" : ARCHIVE.test(name) ? "an archive" : "a program or script";
        out.push({
          name,
          problem: "dangerous",
          note: `${file} is ${what}; not opened.`,
          message: `"${name}" is ${what}, which the secure mailbox does not accept; it has not been opened. Send the form as ${allowed.join(" or ")}.`,
        });
      } else if (name.toLowerCase() === "winmail.dat" || /ms-tnef/i.test(a.contentType)) {
        // Outlook's rich-text format wraps every attachment in winmail.dat. No maintained TNEF
        // reader fits the functions (the one on the registry brings a CLI and a logger with it),
        // so the school is asked for the form as an ordinary attachment.
        out.push({
          name,
          problem: "type",
          note: `${file} is Outlook rich-text mail (winmail.dat); not opened.`,
          message: `The email arrived in Outlook's rich-text format, which wraps its attachments in a file called "${name}" that the secure mailbox cannot open. In Outlook, set the message format to HTML or plain text (Format Text, then HTML) and send the form again as an ordinary attachment (${allowed.join(" or ")}).`,
        });
      } else if (!ext) {
        out.push({
          name,
          problem: "type",
          note: `${file} is not a ${allowed.join(" or ")} file.`,
          message: `"${name}" is not a ${allowed.join(" or ")} file. Send the form as ${allowed.join(" or ")}.`,
        });
      } else if (a.size > p.intake.attachments.maxBytes) {
        out.push({
          name,
          problem: "size",
          note: `${file} is over ${limitMb} MB.`,
          message: `"${name}" is ${(a.size / 1024 / 1024).toFixed(1)} MB; files over ${limitMb} MB cannot be accepted. Reduce its size or split the evidence into several emails.`,
        });
      } else if (a.size === 0 || a.content === "empty") {
        out.push({ name, problem: "empty", note: `${file} is empty.`, message: `"${name}" is empty (0 bytes). Attach the completed form and send it again.` });
      } else if (a.content === "ooxml-macro") {
        out.push({
          name,
          problem: "dangerous",
          note: `${file} contains macros; not opened.`,
          message: `"${name}" contains macros, which the secure mailbox does not accept. Save the form as a plain ${ext} (without macros) and send it again.`,
        });
      } else if (a.content && CONTENT_FOR[ext] && !CONTENT_FOR[ext].includes(a.content)) {
        out.push({
          name,
          problem: "content",
          note: `${file} is ${CONTENT_NAME[a.content]}, not a ${ext} file.`,
          message: `"${name}" is named ${ext} but its content is ${CONTENT_NAME[a.content]}, not a ${ext} file. Save the form as ${allowed.join(" or ")} and send it again.`,
        });
      }
    });
  // A file of another type beside a form that can be accepted is "another file" (kept with the
  // email, not the form, not a reason to refuse it); alone, it is why no form can be taken.
  if (formFiles(p, facts).some((f) => !out.some((o) => o.name === f.name.trim()))) return out.filter((o) => o.problem !== "type" && o.problem !== "link");
  return out;
}

/**
 * Why the product must not take this message in: it came from the secure mailbox itself, or it
 * carries the product's own marker. These stop a mail loop (the product answering its own
 * reminders, and its answers). A sender past the hour's replies is not one of them: limits
 * suppress replies, never processing (see decideMail).
 */
export function loopReason(p: Partnership, facts: MessageFacts): string | undefined {
  if (facts.from.address.trim().toLowerCase() === p.intake.mailbox.toLowerCase()) return "sent by the secure mailbox itself";
  if (header(facts, PRODUCT_MARKER_HEADER) !== undefined) return "sent by Cluster Desk";
  return undefined;
}

/** The note a case carries when its sender gets no reply because it is past the hour's replies. */
export const REPLIES_PAUSED_NOTE = "No receipt was sent: replies to this sender are paused for the hour (over the hourly limit); acknowledge by hand.";

const ignored = (why: string): MailDecision => ({
  outcome: "ignored",
  reasons: [`Automatic mail (${why}): no case and no reply.`],
  notes: ["Automatic mail: no case and no reply."],
  assessment: null,
  attachmentProblems: [],
  reply: false,
  folder: FOLDERS.ignored,
});

/**
 * What to do with one email. Automatic mail is never answered: it is filed (no case) unless it
 * carries what may be a form under a school's subject line. Then a weak sign (a header some school
 * systems set on a person's mail) still gives a case, without a reply; a strong sign (an
 * out-of-office, a bounce, a list) keeps it for a person in "Check by hand". A sender past the
 * hour's replies (`history`) gets the case and no reply.
 */
export function decideMail(p: Partnership, facts: MessageFacts, history?: SenderHistory): MailDecision {
  const loop = loopReason(p, facts);
  if (loop) return ignored(loop);
  const { strong, weak } = automaticSignals(facts);
  if (strong.length || weak.length) {
    const why = (strong[0] ?? weak[0])!;
    const mayBeForm = formFiles(p, facts).some((a) => a.size > 0);
    let school: string | null = null;
    if (mayBeForm) {
      try {
        const a = assess(p, { subject: facts.subject, sender: parseSender(facts.from.address).address, receivedAt: facts.receivedAt });
        school = a.outcome !== "quarantined" ? (a.school?.name ?? null) : null;
      } catch {
        school = null;
      }
    }
    if (!school) return ignored(why);
    if (strong.length)
      return {
        outcome: "check-by-hand",
        reasons: [`Looks automatic (${why}) but may carry a form from ${school}: kept for a person, no case and no reply.`],
        notes: ["Looks automatic but may carry a school's form: in the mailbox's Check by hand folder."],
        assessment: null,
        attachmentProblems: [],
        reply: false,
        folder: FOLDERS["check-by-hand"],
      };
    const d = decideSchoolMail(p, facts);
    return { ...d, reply: false, notes: [...d.notes, `No receipt was sent: the email carried an automatic-mail header (${why}); acknowledge by hand.`] };
  }
  const d = decideSchoolMail(p, facts);
  if (d.reply && history && history.repliesThisHour >= p.intake.maxRepliesPerSenderPerHour)
    return { ...d, reply: false, notes: [...d.notes, REPLIES_PAUSED_NOTE] };
  return d;
}

/** A person's email to the mailbox: its subject, sender and attachments decide the outcome. */
function decideSchoolMail(p: Partnership, facts: MessageFacts): MailDecision {
  let sender: string;
  try {
    sender = parseSender(facts.from.address).address;
  } catch {
    return {
      outcome: "quarantined",
      reasons: ["The sender address is not valid."],
      notes: ["The sender address is not valid."],
      assessment: null,
      attachmentProblems: [],
      reply: false,
      folder: FOLDERS.quarantined,
    };
  }
  let assessment = assess(p, { subject: facts.subject, sender, receivedAt: facts.receivedAt });
  if (assessment.outcome === "quarantined") {
    return {
      outcome: "quarantined",
      reasons: assessment.reasons,
      notes: assessment.notes,
      assessment,
      attachmentProblems: [],
      reply: false,
      folder: FOLDERS.quarantined,
    };
  }
  const problems = isEncrypted(facts)
    ? [
        {
          name: "",
          problem: "encrypted" as const,
          note: "The email is encrypted (S/MIME); it cannot be opened.",
          message:
            "The email was encrypted (S/MIME), so the secure mailbox cannot open it or the form in it. The mailbox is already secure: send the form again without encrypting the email.",
        },
      ]
    : attachmentProblems(p, facts);
  if (problems.length) {
    return {
      outcome: "rejected",
      reasons: problems.map((x) => x.message),
      notes: problems.map((x) => x.note),
      assessment,
      attachmentProblems: problems,
      reply: true,
      folder: FOLDERS.rejected,
    };
  }
  const forms = facts.attachments.filter((a) => !a.isInline && !setAside(a));
  const reasons = [...assessment.reasons];
  const notes = [...assessment.notes];
  // A type whose email is the referral (nothing to attach): no attachment is not a problem.
  const namedType = assessment.subject.type ? p.referralTypes.find((t) => t.id === assessment.subject.type!.id) : undefined;
  if (!forms.length && namedType && !namedType.formRequired) {
    return {
      outcome: assessment.outcome,
      reasons,
      notes: [...notes, ...(namedType.checkAtMeeting ? [`To check at the meeting: ${namedType.checkAtMeeting}.`] : [])],
      assessment,
      attachmentProblems: [],
      reply: true,
      folder: FOLDERS[assessment.outcome],
      referralType: namedType.id,
    };
  }
  if (!forms.length) {
    // The same outcome and reply whether or not a meeting is published: no form, so nothing to
    // place on an agenda; subject problems (if any) are listed too, the meeting is not.
    const subjectProblems = assessment.subject.problems;
    return {
      outcome: "needs-attention",
      missingForm: true,
      reasons: [
        `No presentation form is attached. Attach the form as ${p.intake.attachments.allowedExtensions.join(" or ")} and send it again.`,
        ...subjectProblems.map((x) => x.message),
      ],
      notes: ["No presentation form is attached.", ...subjectProblems.map((x) => x.note)],
      assessment,
      attachmentProblems: [],
      reply: true,
      folder: FOLDERS["needs-attention"],
    };
  }
  // The form itself, read in memory by the mailbox adapter: the first attachment that reads as one.
  const readings = forms.map((a) => a.form);
  const form = readings.find((r): r is FormReading => isReading(r) && r.source !== "none");
  if (!form && readings.some((r) => r && !isReading(r))) notes.push("The form could not be read: enter the details by hand.");
  const formPart = form ? { form } : {};
  // The referral's type and its required documents (one type and none required for Hounslow).
  const referral = checkReferral(
    p,
    assessment.subject.type,
    forms.map((a) => a.name),
    readings.flatMap((r) => (isReading(r) ? r.documents : [])),
  );
  const referralType = referral.type?.id ?? null;
  // The type told from an attachment's name fills the subject line suggested (never "<referral type>/Cluster 1/...").
  if (referral.from === "attachment" && referral.type) {
    const label = referral.type.label;
    const fill = (t: string) => t.split("<referral type>").join(label);
    assessment = { ...assessment, expectedSubject: assessment.expectedSubject && fill(assessment.expectedSubject) };
    reasons.splice(0, reasons.length, ...reasons.map(fill));
    notes.splice(0, notes.length, ...notes.map(fill));
  }
  // A form listed provisionally (documents missing, consent not confirmed): the reply says by when to fix it.
  const by = assessment.deadline ? ` The deadline for the ${assessment.meeting?.description ?? "meeting"} is ${assessment.deadline.description}.` : "";
  if (referral.reasons.length && assessment.outcome !== "needs-attention") {
    // Listed provisionally for its meeting: the reply says what is missing, and by when (the
    // meeting and deadline it is listed for are said once, not as a problem).
    return {
      outcome: "needs-attention",
      reasons: referral.reasons.map((r) => r + by),
      notes: [...referral.notes, ...notes],
      assessment,
      attachmentProblems: [],
      reply: true,
      folder: FOLDERS["needs-attention"],
      referralType,
      incomplete: true,
      ...formPart,
    };
  }
  if (form?.fields.consentConfirmed === false && assessment.outcome !== "needs-attention") {
    // Listed provisionally: the school confirms consent (on the form) before the deadline.
    return {
      outcome: "needs-attention",
      reasons: [
        `The ${p.referralTypes.length > 1 ? "referral form" : "presentation form"} says consent has not been confirmed. Confirm consent on the form and send it again.${by}`,
      ],
      notes: ["Needs attention: consent not confirmed on the form.", ...notes],
      assessment,
      attachmentProblems: [],
      reply: true,
      folder: FOLDERS["needs-attention"],
      referralType,
      incomplete: true,
      ...formPart,
    };
  }
  const outcome = assessment.outcome;
  return {
    outcome,
    reasons: [...reasons, ...referral.reasons],
    notes: [...notes, ...referral.notes],
    assessment,
    attachmentProblems: [],
    reply: true,
    folder: FOLDERS[outcome],
    referralType,
    ...formPart,
  };
}
