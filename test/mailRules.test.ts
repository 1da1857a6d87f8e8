import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadPartnership, resolveConfigPath } from "../config/load.js";
import { parsePartnership } from "../core/config.js";
import { attachmentProblems, automaticMailReason, decideMail, FOLDERS, type MessageFacts } from "../core/rules/mailRules.js";
import { composeReply } from "../core/rules/replies.js";
import { caseRef, fingerprint } from "../core/usecases/intake.js";
import { fromLocal } from "../core/rules/time.js";
import { withPublishedMeetings } from "../core/rules/schedule.js";
import { planYear, publishedMeetings } from "../core/rules/planner.js";

const { partnership: p } = loadPartnership("hounslow-mip");
const facts = (over: Partial<MessageFacts> = {}): MessageFacts => ({
  subject: "Cluster 5/KL/Isleworth Town Primary School",
  from: { address: "senco@isleworthtown.example" },
  receivedAt: fromLocal("2023-05-02", "10:00"),
  internetMessageId: "<a@b>",
  headers: [],
  attachments: [{ name: "form.docx", contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", size: 50_000, isInline: false }],
  ...over,
});

describe("what happens to an email", () => {
  it("a good form in time is accepted and filed in Accepted", () => {
    expect(decideMail(p, facts())).toMatchObject({ outcome: "accepted", reply: true, folder: "Accepted" });
  });

  it.each([
    ["Auto-Submitted", "auto-replied"],
    ["Auto-Submitted", "auto-generated"],
    ["Content-Type", 'multipart/report; report-type=delivery-status; boundary="x"'],
    ["Return-Path", "<>"],
    ["List-Unsubscribe", "<mailto:leave@news.example>"],
    ["List-Id", "<senco-news.lists.example>"],
    ["Precedence", "auto_reply"],
  ])("automatic mail (%s: %s) is never answered: filed with no case, or kept for a person when it may carry a school's form", (name, value) => {
    expect(decideMail(p, facts({ headers: [{ name, value }], attachments: [] }))).toMatchObject({ outcome: "ignored", reply: false, folder: FOLDERS.ignored });
    // With a form-like file under a school's subject line: "Check by hand", never silently filed.
    expect(decideMail(p, facts({ headers: [{ name, value }] }))).toMatchObject({ outcome: "check-by-hand", reply: false, folder: "Check by hand" });
    // Under no school's subject line, it is filed as automatic mail.
    expect(decideMail(p, facts({ headers: [{ name, value }], subject: "Weekly digest" })).outcome).toBe("ignored");
  });

  it.each([
    ["X-Auto-Response-Suppress", "All"],
    ["X-Auto-Response-Suppress", "OOF, AutoReply"],
    ["Precedence", "bulk"],
  ])("a real form carrying a header some school systems set (%s: %s) gets its case, without a reply (issue 29)", (name, value) => {
    const d = decideMail(p, facts({ headers: [{ name, value }] }));
    expect(d).toMatchObject({ outcome: "accepted", reply: false, folder: "Accepted" });
    expect(d.notes.join(" ")).toContain("No receipt was sent: the email carried an automatic-mail header");
    expect(decideMail(p, facts({ headers: [{ name, value }], attachments: [] })).outcome).toBe("ignored");
  });

  it.each([
    "Automatic reply: Cluster 5/KL/Isleworth Town Primary School",
    "Out of Office: Cluster 5 form",
    "Abwesenheitsnotiz: Ihre Nachricht",
    "Réponse automatique : absent",
    "Respuesta automática: fuera de la oficina",
    "Read: Cluster 5/KL/Isleworth Town Primary School",
    "Undeliverable: Cluster 5/KL/Isleworth Town Primary School",
    "Vacation reply",
  ])("an out-of-office, read receipt or bounce told by its subject alone (%s) is never answered", (subject) => {
    expect(decideMail(p, facts({ subject, attachments: [] }))).toMatchObject({ outcome: "ignored", reply: false });
  });

  it("a sender past the hour's replies still gets the case, without a reply; the lead is told (health)", () => {
    const d = decideMail(p, facts(), { repliesThisHour: p.intake.maxRepliesPerSenderPerHour });
    expect(d).toMatchObject({ outcome: "accepted", reply: false, folder: "Accepted" });
    expect(d.notes.join(" ")).toContain("replies to this sender are paused");
    expect(decideMail(p, facts(), { repliesThisHour: p.intake.maxRepliesPerSenderPerHour - 1 }).reply).toBe(true);
  });

  it("signature and inline images, calendar invitations, contact cards and S/MIME signatures are set aside, not the form and not refused", () => {
    const form = facts().attachments[0]!;
    const others = [
      { name: "image001.png", contentType: "image/png", size: 4_000, isInline: false },
      { name: "logo.jpg", contentType: "image/jpeg", size: 9_000, isInline: true },
      { name: "invite.ics", contentType: "text/calendar", size: 1_000, isInline: false },
      { name: "Jo Bloggs.vcf", contentType: "text/vcard", size: 500, isInline: false },
      { name: "smime.p7s", contentType: "application/pkcs7-signature", size: 3_000, isInline: false },
    ];
    expect(decideMail(p, facts({ attachments: [...others, form] }))).toMatchObject({ outcome: "accepted", reply: true, attachmentProblems: [] });
    // Only such files: no form, one reply asking for it.
    expect(decideMail(p, facts({ attachments: others }))).toMatchObject({ outcome: "needs-attention", missingForm: true });
  });

  it("another file beside a form that can be accepted is kept with the email, not refused; alone, or dangerous, it is refused", () => {
    const form = facts().attachments[0]!;
    const other = (name: string, contentType = "application/octet-stream") => ({ name, contentType, size: 2_000, isInline: false });
    const others = [other("ATT00001.txt", "text/plain"), other("forwarded.eml", "message/rfc822"), other("attachment"), other("old form.doc")];
    expect(decideMail(p, facts({ attachments: [form, ...others] }))).toMatchObject({ outcome: "accepted", attachmentProblems: [] });
    expect(decideMail(p, facts({ attachments: [other("old form.doc")] }))).toMatchObject({ outcome: "rejected" });
    expect(decideMail(p, facts({ attachments: [form, other("tools.zip")] })).attachmentProblems.map((x) => x.problem)).toEqual(["dangerous"]);
  });

  it("Outlook rich-text mail (winmail.dat) alone: a reply asking for the form as an ordinary attachment; beside a form, kept with the email", () => {
    const tnef = { name: "winmail.dat", contentType: "application/ms-tnef", size: 40_000, isInline: false };
    const alone = decideMail(p, facts({ attachments: [tnef] }));
    expect(alone).toMatchObject({ outcome: "rejected", reply: true });
    expect(alone.reasons.join(" ")).toContain("Outlook's rich-text format");
    expect(alone.reasons.join(" ")).toContain("send the form again as an ordinary attachment (.docx or .pdf)");
    expect(decideMail(p, facts({ attachments: [tnef, facts().attachments[0]!] })).outcome).toBe("accepted");
  });

  it("a forwarded email whose files were taken in is set aside; its form counts as the email's", () => {
    const fwd = { name: "Fw: form.eml", contentType: "message/rfc822", size: 90_000, isInline: false, forwarded: true };
    expect(decideMail(p, facts({ attachments: [fwd, facts().attachments[0]!] }))).toMatchObject({ outcome: "accepted", attachmentProblems: [] });
    expect(decideMail(p, facts({ attachments: [fwd] }))).toMatchObject({ outcome: "needs-attention", missingForm: true });
  });

  it("an S/MIME-encrypted email gets a clear reply: the mailbox cannot open it; send it without encryption", () => {
    const d = decideMail(
      p,
      facts({
        headers: [{ name: "Content-Type", value: 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"' }],
        attachments: [{ name: "smime.p7m", contentType: "application/pkcs7-mime", size: 80_000, isInline: false }],
      }),
    );
    expect(d).toMatchObject({ outcome: "rejected", reply: true });
    expect(d.reasons.join(" ")).toContain("encrypted (S/MIME)");
    expect(d.reasons.join(" ")).toContain("without encrypting");
  });

  it("Auto-Submitted: no is a person writing", () => {
    expect(automaticMailReason(facts({ headers: [{ name: "Auto-Submitted", value: "no" }] }))).toBeUndefined();
  });

  it("bounces from MAILER-DAEMON are ignored", () => {
    expect(decideMail(p, facts({ from: { address: "MAILER-DAEMON@mx.example" }, attachments: [] })).outcome).toBe("ignored");
  });

  it.each([
    ["form.docm", "dangerous"],
    ["Form.XLSM", "dangerous"],
    ["evidence.zip", "dangerous"],
    ["evidence.7z", "dangerous"],
    ["run.exe", "dangerous"],
    ["form.pdf.js", "dangerous"],
    ["form.doc", "type"],
    ["scan.tiff.txt", "type"],
    ["form", "type"],
  ])("%s is rejected (%s)", (name, problem) => {
    const d = decideMail(p, facts({ attachments: [{ name, contentType: "application/octet-stream", size: 10, isInline: false }] }));
    expect(d.outcome).toBe("rejected");
    expect(d.attachmentProblems).toEqual([expect.objectContaining({ name, problem })]);
  });

  it("an oversized form is rejected with the limit", () => {
    const d = decideMail(p, facts({ attachments: [{ name: "big.pdf", contentType: "application/pdf", size: 25 * 1024 * 1024, isInline: false }] }));
    expect(d.outcome).toBe("rejected");
    expect(d.reasons[0]).toMatch(/"big\.pdf" is 25\.0 MB; files over 10 MB cannot be accepted/);
  });

  it("inline images (signatures) are not forms and not problems", () => {
    const d = decideMail(p, facts({ attachments: [{ name: "logo.png", contentType: "image/png", size: 2000, isInline: true }, ...facts().attachments] }));
    expect(d.outcome).toBe("accepted");
    const none = decideMail(p, facts({ attachments: [{ name: "logo.png", contentType: "image/png", size: 2000, isInline: true }] }));
    expect(none.outcome).toBe("needs-attention");
    expect(none.reasons[0]).toMatch(/No presentation form is attached/);
  });

  it("senders outside configured school domains are quarantined without a reply", () => {
    const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
    raw.intake.emailDomains = ["hounslow.sch.uk"];
    const { partnership: strict } = parsePartnership(raw);
    expect(decideMail(strict, facts({ from: { address: "senco@isleworthtown.hounslow.sch.uk" } })).outcome).toBe("accepted");
    expect(decideMail(strict, facts({ from: { address: "someone@elsewhere.example" } }))).toMatchObject({
      outcome: "quarantined",
      reply: false,
      folder: "Quarantine",
    });
  });

  it("every allowed type under the limit is accepted, whatever its case (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...p.intake.attachments.allowedExtensions),
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[./\\]/.test(s)),
        fc.boolean(),
        fc.integer({ min: 1, max: p.intake.attachments.maxBytes }),
        (ext, base, upper, size) => {
          const name = `${base}${upper ? ext.toUpperCase() : ext}`;
          expect(attachmentProblems(p, facts({ attachments: [{ name, contentType: "x", size, isInline: false }] }))).toEqual([]);
        },
      ),
    );
  });
});

describe("replies", () => {
  it("the receipt names the case, the meeting and the acknowledgement date", () => {
    const text = composeReply(p, decideMail(p, facts()), { caseRef: "C5-2023-0001" }).body;
    expect(text).toContain("logged as case C5-2023-0001");
    // Provisionally: the SCL decides what goes on the agenda.
    expect(text).toContain(
      "provisionally listed for the cluster 5 meeting, Thursday 18 May 2023, 2pm; your SEND Cluster Lead confirms whether it goes on the agenda",
    );
    expect(text).not.toMatch(/\bon the agenda for\b/);
    expect(text).toContain("Katy Luciani, your SEND Cluster Lead, will contact you by Wednesday 10 May 2023");
    expect(text).toContain("Katy.Luciani@hounslow.gov.uk");
  });
  it("a late form is told which meeting instead", () => {
    const text = composeReply(p, decideMail(p, facts({ receivedAt: fromLocal("2023-05-03", "16:30") })), { caseRef: "C5-2023-0002" }).body;
    expect(text).toMatch(/after the submission deadline of Wednesday 3 May 2023, 4pm, so it cannot be considered at that meeting/);
    expect(text).toMatch(
      /provisionally listed for the cluster 5 meeting, Thursday 15 June 2023, 2pm instead \(the deadline for that meeting is Wednesday 7 June 2023, 12 noon\)/,
    );
  });
  it("a bad subject line: the problem and the line to use", () => {
    const text = composeReply(p, decideMail(p, facts({ subject: "Cluster 5/NF/Isleworth Town Primary School" })), { caseRef: "C5-2023-0003" }).body;
    expect(text).toMatch(/- NF \(Nikita Fernandes\) leads cluster 1, not cluster 5/);
    // The school is known: logged in its cluster for Katy, and told so; no need to send it again.
    expect(text).toContain("logged as case C5-2023-0003 for cluster 5, whose SEND Cluster Lead is Katy Luciani (KL)");
    expect(text).toContain('please use the subject line "Cluster 5/KL/Isleworth Town Primary School" for future forms');
  });
  it("wrong initials for a known school: routed to the school's own cluster, the reply names its SCL", () => {
    const d = decideMail(p, facts({ subject: "Cluster 6/KL/Belmont" }));
    expect(d.assessment).toMatchObject({
      cluster: 6,
      lead: { initials: "GV", email: "Georgie.Venn@hounslow.gov.uk" },
      school: { name: "Belmont Primary School" },
    });
    const text = composeReply(p, d, { caseRef: "C6-2023-0001" }).body;
    expect(text).toContain("whose SEND Cluster Lead is Georgie Venn (GV)");
    expect(text).toContain("Georgie.Venn@hounslow.gov.uk");
    expect(text).not.toContain("Katy.Luciani@");
  });
  it("a cluster that cannot be read: no SCL, the partnership lead is told (and the reply asks for the subject)", () => {
    const d = decideMail(p, facts({ subject: "Presentation form" }));
    expect(d.assessment).toMatchObject({ cluster: null, lead: null });
    const text = composeReply(p, d, { caseRef: "U-2023-0001" }).body;
    expect(text).toContain("could not be matched to a cluster; it is logged as case U-2023-0001 for the partnership lead");
    expect(text).toContain("Please send it again with a subject line such as");
  });
  it("no form attached: one outcome and one reply, with or without a published meeting, and no request to fix a good subject", () => {
    for (const receivedAt of [fromLocal("2023-05-02", "10:00"), fromLocal("2023-08-01", "10:00")]) {
      const d = decideMail(p, facts({ attachments: [], receivedAt }));
      expect(d).toMatchObject({ outcome: "needs-attention", missingForm: true, folder: "Needs attention" });
      expect(d.notes).toEqual(["No presentation form is attached."]);
      const text = composeReply(p, d, { caseRef: "C5-2023-0009" }).body;
      expect(text).toContain("arrived without a presentation form attached, so case C5-2023-0009 needs attention");
      expect(text).toContain(
        'Please send it again with the completed form attached as .docx or .pdf, with the subject line "Cluster 5/KL/Isleworth Town Primary School".',
      );
      expect(text).not.toMatch(/not quite right|could not be matched|logged as case C5-2023-0009\./);
    }
  });
  it("no reply is composed for ignored or quarantined mail", () => {
    expect(() => composeReply(p, decideMail(p, facts({ headers: [{ name: "Auto-Submitted", value: "auto-replied" }] })), { caseRef: null })).toThrow(
      /no reply/,
    );
  });
});

describe("case references and fingerprints", () => {
  it("C5-2023-0007; U- when no cluster could be read", () => {
    expect(caseRef(5, "2023", 7)).toBe("C5-2023-0007");
    expect(caseRef(null, "2023", 12)).toBe("U-2023-0012");
  });
  it("a forward of the same email has the same fingerprint; another attachment does not", () => {
    const a = facts();
    expect(fingerprint({ ...a, subject: `FW: ${a.subject}` })).toBe(fingerprint(a));
    expect(fingerprint({ ...a, attachments: [{ ...a.attachments[0]!, size: 50_001 }] })).not.toBe(fingerprint(a));
    expect(fingerprint({ ...a, from: { address: "other@x.example" } })).not.toBe(fingerprint(a));
  });
});

describe("Southampton's replies as seed 004 has its referrals (issue 32)", () => {
  const base = loadPartnership("southampton").partnership;
  const soton = withPublishedMeetings(base, publishedMeetings(planYear(base, "2026-27")));
  const file = (name: string, form?: unknown): MessageFacts["attachments"][number] => ({
    name,
    contentType: "application/pdf",
    size: 40_000,
    isInline: false,
    ...(form ? { form: form as never } : {}),
  });
  const ipn = ["IPN Referral Form.docx", "Costed Provision Map.xlsx", "Profile of Need.pdf"];
  const mail = (subject: string, files: ReturnType<typeof file>[]) =>
    facts({ subject, from: { address: "senco@redbridge.example" }, receivedAt: new Date("2026-11-02T10:00:00Z"), attachments: files });
  const reply = (m: MessageFacts) => composeReply(soton, decideMail(soton, m), { caseRef: "C1-2026-0001" }).body;

  it("a new EHCP or a discussion needs nothing attached (004: no further documentation is required)", () => {
    for (const type of ["New EHCP", "Solution-focused discussion"]) {
      const d = decideMail(soton, mail(`${type}/Cluster 1/Redbridge Primary School`, []));
      expect(d).toMatchObject({ outcome: "accepted", folder: "Accepted" });
      expect(reply(mail(`${type}/Cluster 1/Redbridge Primary School`, []))).toMatch(/^Thank you\. Your referral for Redbridge Primary School/);
    }
    expect(decideMail(soton, mail("New EHCP/Cluster 1/Redbridge Primary School", [])).notes).toContain(
      "To check at the meeting: Section F of the EHCP aligned with the Costed Provision Map (the school's; checked at the meeting).",
    );
    // A type that needs its documents still does.
    expect(decideMail(soton, mail("Individual pupil need/Cluster 1/Redbridge Primary School", []))).toMatchObject({
      outcome: "needs-attention",
      missingForm: true,
    });
  });

  it("consent not confirmed gets one consistent reply: not complete, what to do by when, provisionally listed", () => {
    const text = reply(
      mail(
        "Individual pupil need/Cluster 1/Redbridge Primary School",
        ipn.map((n, i) => file(n, i === 0 ? { source: "docx", fields: { consentConfirmed: false }, documents: [], problems: [] } : undefined)),
      ),
    );
    expect(text).toContain("It is not complete:\n- The referral form says consent has not been confirmed. Confirm consent on the form and send it again.");
    expect(text).toContain("Until then it is provisionally listed for the cluster 1 meeting");
    expect(text).not.toMatch(/subject line was not quite right|do not need to send this form again/);
  });

  it("a type told from an attachment's name is the one the suggested subject line names", () => {
    const text = reply(
      mail(
        "Redbridge Primary School",
        ipn.map((n) => file(n)),
      ),
    );
    expect(text).toContain('please use the subject line "Individual pupil need/Cluster 1/Redbridge Primary School"');
    expect(text).not.toContain("<referral type>");
  });

  it("a contingency referral's receipt says the locality meeting recommends and the city meeting decides, from the contingency fund", () => {
    const text = reply(
      mail(
        "Contingency funding/Cluster 1/Redbridge Primary School",
        ["Contingency Funding Referral Form.docx", "Costed Provision Map.xlsx", "Profile of Need.pdf"].map((n) => file(n)),
      ),
    );
    expect(text).toMatch(/will make a recommendation; the decision is made at the .*City.*, from the contingency fund, and you will be told it then\./i);
  });
});

describe("Sutton: a school in a single-phase and a cross-phase cluster (issue 32)", () => {
  const sutton = loadPartnership("sutton").partnership;
  const mail = (subject: string, at: string) =>
    facts({
      subject,
      from: { address: "senco@wcgs.example" },
      receivedAt: new Date(at),
      attachments: [{ name: "form.pdf", contentType: "application/pdf", size: 40_000, isInline: false }],
    });

  it("a form late for CP 2's meeting is listed at the school's SP 1 meeting in between, with SP 1's lead; not three months later", () => {
    const d = decideMail(sutton, mail("CP 2/Wallington County Grammar School", "2020-11-20T10:00:00Z"));
    expect(d.outcome).toBe("accepted");
    expect(d.assessment).toMatchObject({
      cluster: 1,
      lead: { initials: "AH" },
      meeting: { date: "2021-01-26", description: "SP 1 meeting, Tuesday 26 January 2021, 2pm" },
    });
    const text = composeReply(sutton, d, { caseRef: "SP1-2020-0001" }).body;
    expect(text).toContain("It is provisionally listed for the SP 1 meeting, Tuesday 26 January 2021, 2pm");
    expect(d.reasons.join(" ")).toContain("It is listed in SP 1, the school's earliest meeting for it (the school is also in CP 2).");
    // In time for CP 2, and CP 2 meets first: CP 2 it is.
    expect(decideMail(sutton, mail("CP 2/Wallington County Grammar School", "2020-11-02T10:00:00Z")).assessment).toMatchObject({
      cluster: 12,
      meeting: { date: "2020-11-24" },
    });
  });

  it("every suggestion names one subject line, and a school in two clusters is suggested once", () => {
    const missing = decideMail(sutton, mail("Wallington County Grammar School", "2020-11-02T10:00:00Z"));
    const text = composeReply(sutton, missing, { caseRef: "SP1-2020-0001" }).body;
    const quoted = [...new Set([...text.matchAll(/"([^"]+\/[^"]+)"/g)].map((m) => m[1]))];
    expect(quoted).toEqual(["SP 1/Wallington County Grammar School"]);
    const unknown = decideMail(sutton, mail("Exceptional needs funding/Wallington County Grammar School", "2020-11-02T10:00:00Z"));
    const names = /Did you mean (.*)\?/.exec(unknown.reasons.join(" "))![1]!.split(/, | or /);
    expect(new Set(names).size).toBe(names.length);
  });
});
