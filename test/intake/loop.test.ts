/**
 * No mail loops, ever (the product answered its own deadline reminders, and its answers: 4
 * reminders made 688 self-replies in 30 s). Intake files mail from the secure mailbox itself,
 * mail carrying the product's marker, and mail from a sender past the hour's reply limit under
 * "Automatic replies", with no case and no reply; reminders go To: a person.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parsePartnership } from "../../core/config.js";
import { resolveConfigPath } from "../../config/load.js";
import { runOutlook } from "../../core/usecases/outlook.js";
import { mailboxHealth } from "../../core/usecases/health.js";
import { PRODUCT_MARKER_HEADER } from "../../core/rules/mailRules.js";
import { defaultTenantOptions } from "../../local/tenant/defaults.js";
import { listFields, pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { partnership as hounslow } from "../helpers/tenant.js";

const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
for (const c of raw.clusters)
  for (const s of c.schools)
    s.sendcoEmail = `senco@${String(s.shortName ?? s.name)
      .toLowerCase()
      .replace(/[^a-z]+/g, "")}.example`;
const p = parsePartnership(raw).partnership;
const mailbox = p.intake.mailbox;
let s: Stack;

type Sent = { from: string; to: string; message: { subject: string; internetMessageHeaders?: { name: string; value: string }[] } };
const outbox = async (): Promise<Sent[]> => (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value;
const cases = () => listFields(s, "Cases");
async function folderCount(name: string): Promise<number> {
  const f = await s.deps.graph.api(`/users/${mailbox}/mailFolders/inbox/childFolders`).filter(`displayName eq '${name}'`).get();
  return f.value[0]?.totalItemCount ?? 0;
}

beforeAll(async () => {
  const base = defaultTenantOptions(hounslow, {});
  // The SCLs are mailboxes in the tenant, as they are in the council's Exchange.
  s = await startStack({
    partnership: p,
    at: "2023-06-02T08:00:00Z",
    tenant: {
      mailboxes: [
        ...base.mailboxes,
        ...p.leads
          .filter((l) => !base.mailboxes.some((m) => m.address.toLowerCase() === l.email.toLowerCase()))
          .map((l) => ({ address: l.email, displayName: l.name })),
      ],
    },
  });
}, 60_000);
afterAll(() => s?.stop());

describe("no mail loops", () => {
  it("a reminder cycle with SENDCo addresses configured: exactly the reminders, and no reply to the product's own mail", async () => {
    const before = (await outbox()).length;
    const r = await runOutlook({ ...s.deps, kv: s.deps.state });
    expect(r.deadlineReminders).toBeGreaterThan(0);
    await s.settle();
    await new Promise((res) => setTimeout(res, 500));
    await s.settle();
    const sent = (await outbox()).slice(before);
    const reminders = sent.filter((m) => m.message.subject.includes("presentation forms due"));
    // Each reminder goes To: its cluster's SCL, and by Bcc to the cluster's SENDCos.
    expect(new Set(reminders.map((m) => m.message.subject)).size).toBe(r.deadlineReminders);
    const leads = new Set(p.leads.map((l) => l.email.toLowerCase()));
    const sentItems = (await s.deps.graph.api(`/users/${mailbox}/mailFolders/sentitems/messages`).select("subject,toRecipients").top(100).get()).value as {
      subject: string;
      toRecipients: { emailAddress: { address: string } }[];
    }[];
    const sentReminders = sentItems.filter((m) => m.subject.includes("presentation forms due"));
    expect(sentReminders).toHaveLength(r.deadlineReminders);
    for (const m of sentReminders) expect(m.toRecipients.map((x) => x.emailAddress.address.toLowerCase()).every((a) => leads.has(a))).toBe(true);
    expect(sent.filter((m) => m.to.toLowerCase() === mailbox)).toEqual([]);
    expect(sent.filter((m) => !m.message.subject.includes("presentation forms due"))).toEqual([]); // no replies at all
    expect(await cases()).toEqual([]);
  });

  it("mail from the secure mailbox itself, or carrying the product's marker, is filed without a case or a reply", async () => {
    const before = (await outbox()).length;
    await s.send({ from: mailbox, subject: "Cluster 5/KL/Isleworth Town Primary School", text: "x", attachments: [pdfForm()] });
    await s.send({
      from: "someone@forwarder.example",
      subject: "RE: Cluster 5/KL/Isleworth Town Primary School",
      text: "x",
      headers: { [PRODUCT_MARKER_HEADER]: "cd-0123" },
      attachments: [pdfForm()],
    });
    await s.settle();
    expect(await cases()).toEqual([]);
    expect((await outbox()).slice(before)).toEqual([]);
    expect(await folderCount("Automatic replies")).toBeGreaterThanOrEqual(2);
  });

  it("a sender gets at most the partnership's replies an hour; past that, each form still gets its case, with no reply (issue 29)", async () => {
    // A SENDCo sending the term's forms before a deadline: every one is logged.
    const sender = "senco@isleworthtown.example";
    const limit = p.intake.maxRepliesPerSenderPerHour;
    const before = (await outbox()).filter((m) => m.to === sender).length; // the reminders of the test above
    for (let i = 0; i < limit + 2; i++)
      await s.send({
        from: sender,
        subject: "Cluster 5/KL/Isleworth Town Primary School",
        text: `Form ${i}`,
        attachments: [pdfForm(`form for child ${i}.pdf`)],
      });
    await s.settle();
    expect((await outbox()).filter((m) => m.to === sender)).toHaveLength(before + limit);
    const mine = (await cases()).filter((c) => c.SenderEmail === sender);
    expect(mine).toHaveLength(limit + 2);
    expect(mine.filter((c) => String(c.Problems ?? "").includes("replies to this sender are paused"))).toHaveLength(2);
    // The partnership lead hears of it once, in the health report's alerts.
    const health = await mailboxHealth({
      kv: s.deps.state,
      queueDepth: async () => 0,
      poisonDepth: async () => 0,
      intakeSince: async () => [],
      now: () => new Date(s.tenant.now()),
    });
    expect(health.alerts.join(" ")).toContain("Replies to 1 sender(s) were paused today");
  });

  it("replies go to the sender, never to a Reply-To elsewhere; all the product's mail carries Auto-Submitted and X-Auto-Response-Suppress (issue 29)", async () => {
    const outside = "collector@outside.example";
    const schools = ["Worple Primary School", "Bolder Academy", "Gumley House School"];
    for (const school of schools)
      await s.send({
        from: `senco@${school.split(" ")[0]!.toLowerCase()}.example`,
        replyTo: outside,
        subject: `Cluster 5/KL/${school}`,
        text: "Form attached.",
        attachments: [pdfForm()],
      });
    // A Reply-To in the sender's own domain (the school office answering for its SENDCo) is used.
    const marlborough = await s.send({
      from: "senco@marlborough.example",
      replyTo: "office@marlborough.example",
      subject: "Cluster 5/KL/Marlborough Primary School",
      text: "x",
      attachments: [pdfForm()],
    });
    await s.settle();
    const sent = await outbox();
    expect(sent.filter((m) => m.to === outside)).toHaveLength(0);
    for (const school of schools) expect(sent.filter((m) => m.to === `senco@${school.split(" ")[0]!.toLowerCase()}.example`).length).toBeGreaterThan(0);
    const office = sent.filter((m) => m.to === "office@marlborough.example");
    expect(office).toHaveLength(1);
    expect(office[0]!.message.internetMessageHeaders).toEqual(expect.arrayContaining([{ name: "X-Auto-Response-Suppress", value: "All" }]));
    // Every message the product has sent in this file (replies, reminders, decisions) says it is
    // automatic, as RFC 3834 asks (MIME sending: Graph's JSON cannot carry Auto-Submitted).
    const everything = await outbox();
    expect(everything.length).toBeGreaterThan(10);
    for (const m of everything) {
      const h = m.message.internetMessageHeaders ?? [];
      expect(h, m.message.subject).toEqual(
        expect.arrayContaining([
          { name: "Auto-Submitted", value: "auto-replied" },
          { name: "X-Auto-Response-Suppress", value: "All" },
        ]),
      );
      expect(h.some((x) => x.name === "X-Cluster-Desk-Reply")).toBe(true);
    }
    // A reply threads under the school's email: In-Reply-To names it, and the subject is its own with "RE: ".
    expect(office[0]!.message.subject).toBe("RE: Cluster 5/KL/Marlborough Primary School");
    expect(office[0]!.message.internetMessageHeaders!.find((x) => x.name === "In-Reply-To")?.value).toBe(marlborough);
    expect(s.logs.filter((l) => l.includes("intake.reply-to-ignored"))).toHaveLength(3);
  });
});
