/**
 * Intake reads the form on arrival (issue 17): through SMTP to the local tenant and the real
 * functions, a filled template fills the case's details (shown "from the form" on the triage card),
 * an unticked consent box is "needs attention", an unreadable form changes nothing, and no child's
 * name or date of birth reaches the case, the audit, a log line or a queue message. Reading costs
 * no Graph call: the bytes come with the message, in the call intake already makes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import { partnership as hounslow } from "../helpers/tenant.js";
import { listFields, pdfForm, startStack, type Stack, clusterCases } from "../helpers/stack.js";
import { filledForm } from "../helpers/forms.js";
import MailComposer from "nodemailer/lib/mail-composer/index.js";

const CHILD = "Jamie Q. Example";
const DOB = "14/03/2016";
const KL = "katy.luciani@hounslow.gov.uk";
let s: Stack;
const queued: string[] = [];

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
}, 60_000);
afterAll(() => s?.stop());

const docx = (name: string, content: Buffer) => ({
  filename: name,
  content,
  contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
});
const form = (consent: boolean) =>
  filledForm(
    hounslow,
    {
      school: "Isleworth Town Primary School",
      caseType: "Group",
      cypCount: "5",
      termsSought: "2",
      amountRequested: "4500",
      supportNature: `Small-group literacy for ${CHILD}, born ${DOB}`,
      supportPurpose: "Reading",
    },
    consent,
  );
const graphCalls = () =>
  Object.entries(s.tenant.counters.snapshot().byRoute)
    .filter(([r]) => r.includes("/v1.0/"))
    .reduce((n, [, st]) => n + Object.values(st).reduce((a, b) => a + b, 0), 0);

/** Sends one email and processes it, keeping the queue messages it made; the Graph calls it cost. */
async function deliver(msg: Parameters<Stack["send"]>[0]): Promise<number> {
  await s.deps.refreshCalendar(true); // the lists are read now, not during the counted form
  await fetch(`${s.tenant.url}/_admin/counters`, { method: "DELETE" });
  await s.send(msg);
  await s.tenant.notifier.settle();
  const q = new QueueClient(s.azurite.connectionString, "mail-intake");
  for (const m of (await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems) queued.push(Buffer.from(m.messageText, "base64").toString());
  await s.host.drain();
  return graphCalls();
}

describe("intake reads the presentation form", () => {
  it("fills the case's details from the form; the triage card says so; the school's reply is as before", async () => {
    await deliver({
      from: "senco@isleworthtown.example",
      subject: "Cluster 5/KL/Isleworth Town Primary School",
      text: "Our form.",
      attachments: [docx("MIP presentation form.docx", await form(true))],
    });
    const c = (await s.deps.cases.byRef("C5-2023-0001"))!;
    expect(c.fields).toMatchObject({
      Status: "Accepted",
      CaseType: "Group",
      CypCount: 5,
      TermsSought: 2,
      AmountRequested: 4500,
      ConsentConfirmed: true,
      FromForm: "CaseType,CypCount,TermsSought,AmountRequested,ConsentConfirmed",
    });
    const card = JSON.stringify(await s.deps.triageCards.view(c, KL));
    expect(card).toContain("Group, 5 CYP, 2 term(s), £4,500 requested (from the form)");
    expect(card).toContain("£4,000"); // the limit shows at once: nothing to retype
  });

  it("an unticked consent box is 'needs attention: consent not confirmed', with a reply that says so and the deadline", async () => {
    await deliver({
      from: "senco@worple.example",
      subject: "Cluster 5/KL/Worple Primary School",
      text: "Form attached.",
      attachments: [docx("form.docx", await form(false))],
    });
    const c = (await clusterCases(s, 5)).find((x) => x.fields.SenderEmail === "senco@worple.example")!;
    expect(c.fields.Status).toBe("Needs attention");
    expect(c.fields.Problems).toContain("Needs attention: consent not confirmed on the form.");
    const outbox = (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value as { to: string; message: { body: { content: string } } }[];
    const reply = outbox.filter((m) => m.to === "senco@worple.example").at(-1)!;
    expect(reply.message.body.content).toContain("The presentation form says consent has not been confirmed.");
    expect(reply.message.body.content).toContain("The deadline for the");
  });

  it("an unreadable form: the case goes on as it would unread, and the card asks for the details by hand", async () => {
    await deliver({ from: "senco@bolder.example", subject: "Cluster 5/KL/Bolder Academy", text: "x", attachments: [pdfForm()] });
    const c = (await clusterCases(s, 5)).find((x) => x.fields.SenderEmail === "senco@bolder.example")!;
    expect(c.fields.Status).toBe("Accepted");
    expect(c.fields.CypCount ?? null).toBeNull();
    expect(c.fields.Problems).toContain("The form could not be read: enter the details by hand.");
  });

  it("reading the form costs no Graph call; no child's name or date of birth is anywhere the product writes", async () => {
    const plain = await deliver({ from: "senco@marlborough.example", subject: "Cluster 5/KL/Marlborough Primary School", text: "x", attachments: [pdfForm()] });
    const read = await deliver({
      from: "senco@gumley.example",
      subject: "Cluster 5/KL/Gumley House School",
      text: "x",
      attachments: [docx("form.docx", await form(true))],
    });
    expect(read).toBe(plain);
    const written = JSON.stringify([await listFields(s, "Cases"), await listFields(s, "Audit"), s.logs, queued]);
    expect(written).not.toContain("Jamie");
    expect(written).not.toContain(DOB);
    expect(queued.length).toBeGreaterThan(0);
  });

  it("a form inside a forwarded email (an SCL forwarding what a school sent her) is read as the email's own (issue 29)", async () => {
    const inner = await new MailComposer({
      from: "senco@smallberrygreen.example",
      to: "katy.luciani@hounslow.gov.uk",
      subject: "Our form",
      text: "Please see attached.",
      attachments: [{ filename: "MIP form.docx", content: await form(true), contentType: docx("x", Buffer.alloc(0)).contentType }],
    })
      .compile()
      .build();
    await deliver({
      from: "senco@smallberrygreen.example",
      subject: "Cluster 5/KL/Smallberry Green Primary School",
      text: "Forwarded as the school sent it.",
      // Forwarded "as attachment", as Outlook does: Exchange keeps it as an itemAttachment, whose $value is its MIME.
      attachments: [{ filename: "Fw Our form.eml", content: inner, contentType: "message/rfc822", contentDisposition: "attachment" }],
    });
    const c = (await clusterCases(s, 5)).find((x) => x.fields.SenderEmail === "senco@smallberrygreen.example")!;
    expect(c.fields).toMatchObject({ Status: "Accepted", CaseType: "Group", CypCount: 5, TermsSought: 2, AmountRequested: 4500 });
    expect(JSON.stringify([await listFields(s, "Cases"), s.logs, queued])).not.toContain("Jamie");
  });
});
