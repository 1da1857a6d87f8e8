/**
 * Finding: a child's name and date of birth reached the SCL's Teams card when a school put them
 * where the school name should be, or in an attachment's file name ("Problems found" quoted them).
 *
 * Names and dates of birth go into every free-text place of real emails sent over SMTP (subject
 * in every position, body, attachment names, display names); none of them may appear in a card,
 * a Teams message, a log line, a queue message, a table row or an Audit row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import { pdfForm, startStack, type Stack, clusterCases } from "../helpers/stack.js";
import { partnership as p } from "../helpers/tenant.js";
import { personalChatKey as refKey } from "../../m365/teamsState.js";
import { agendaCard, triageCard } from "../../cards/index.js";
import { agendaData } from "../../core/rules/agenda.js";
import { triageCardData } from "../../core/rules/triage.js";
import { meetingsOf } from "../../core/rules/schedule.js";
import { runAcknowledgements } from "../../core/usecases/acknowledgements.js";
import { TABLES } from "../../m365/state.js";
import { asStorage, tableClient } from "../../m365/storage.js";

const CHILD = "Jamie Example";
const DOB = "01/02/2016";
const IDENTIFYING = /Jamie|Example, J|01\/02\/2016|2016-02-01|1 February 2016/i;

let s: Stack;
const posted: unknown[] = [];
const texts: string[] = [];
const queued: string[] = [];

const emails = [
  { from: `${CHILD} <senco@isleworthtown.example>`, subject: `Cluster 5/KL/${CHILD} ${DOB}` },
  { from: "senco@isleworthtown.example", subject: `${CHILD} ${DOB}/KL/Isleworth Town Primary School` },
  { from: "senco@isleworthtown.example", subject: `Cluster 5/${CHILD}/Isleworth Town Primary School` },
  { from: "senco@isleworthtown.example", subject: `Cluster 5/JE/${CHILD} born ${DOB}`, file: `${CHILD} ${DOB}.zip` },
  { from: "senco@isleworthtown.example", subject: `Cluster 5/KL/Isleworth Town Primary School - ${CHILD} ${DOB}`, file: `${CHILD} ${DOB}.pdf` },
  { from: "senco@isleworthtown.example", subject: `[${CHILD}](https://evil.example) ${DOB}` },
  { from: "senco@isleworthtown.example", subject: `Cluster 5/KL/Isleworth Town Primary School`, file: `${CHILD} DOB ${DOB}.exe` },
];

/** Keeps every card and Teams message the bot would post (again after each clock move, which rebuilds the deps). */
function capture() {
  s.deps.bot.postCard = async (_ref, card) => (posted.push(card), "activity-1");
  s.deps.bot.postText = async (_ref, text) => void texts.push(text);
}

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
  // Katy (cluster 5's SCL) has a chat with the bot: every triage card and Teams message is kept.
  await s.deps.state.setSync(refKey("katy.luciani@hounslow.gov.uk"), JSON.stringify({ conversation: { id: "katy-chat" } }));
  await s.deps.state.setSync(refKey(p.partnershipLead.email), JSON.stringify({ conversation: { id: "lead-chat" } }));
  capture();
  const q = new QueueClient(s.azurite.connectionString, "mail-intake");
  for (const e of emails) {
    await s.send({
      from: e.from,
      subject: e.subject,
      text: `About ${CHILD}, born ${DOB}.`,
      attachments: [e.file ? { filename: e.file, content: Buffer.from("%PDF-1.7 form"), contentType: "application/pdf" } : pdfForm(`${CHILD} ${DOB} form.pdf`)],
    });
  }
  await s.tenant.notifier.settle();
  for (const m of (await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems) queued.push(Buffer.from(m.messageText, "base64").toString());
  await s.host.drain();
}, 120_000);
afterAll(async () => s?.stop());

async function fields(list: string): Promise<any[]> {
  const site = await s.deps.site.id();
  return (await s.deps.graph.api(`/sites/${site}/lists/${list}/items`).expand("fields").top(500).get()).value.map((i: any) => i.fields);
}

describe("security: no child's data leaves the mailbox and the Cases list", () => {
  it("every email was logged or answered (the test sent what it meant to)", async () => {
    expect(queued.length).toBeGreaterThanOrEqual(emails.length);
    const cases = await fields("Cases");
    expect(cases.length).toBe(emails.length);
    // The register itself keeps what the school wrote, for officers.
    expect(cases.some((c) => IDENTIFYING.test(c.SubjectLine))).toBe(true);
  });

  it("no triage card quotes what the school wrote", async () => {
    expect(posted.length).toBeGreaterThan(0);
    const cases = await clusterCases(s, 5);
    const all = [...posted, ...cases.map((c) => triageCard(triageCardData(p, c, { now: s.deps.now(), viewer: "katy.luciani@hounslow.gov.uk" })))];
    for (const card of all) expect(JSON.stringify(card)).not.toMatch(IDENTIFYING);
    // Problems are still explained, from codes and known values.
    const rejected = cases.find((c) => c.fields.Status === "Rejected");
    expect(JSON.stringify(triageCard(triageCardData(p, rejected!, { now: s.deps.now(), viewer: "katy.luciani@hounslow.gov.uk" })))).toMatch(
      /attachment 1 \(\.(zip|exe), 0 KB\) is (an archive|a program or script)/,
    );
  });

  it("no agenda card, and no Teams reminder", async () => {
    const cluster = p.clusters.find((c) => c.id === 5)!;
    const meeting = meetingsOf(p, cluster).find((m) => m.startsAt > s.deps.now())!;
    expect(JSON.stringify(agendaCard(agendaData(p, cluster, meeting, await clusterCases(s, 5))))).not.toMatch(IDENTIFYING);
    s.at("2023-05-09T09:00:00Z"); // one working day before the acknowledgement date
    capture();
    await runAcknowledgements({ ...s.deps, kv: s.deps.state });
    s.at("2023-05-12T09:00:00Z"); // overdue: the partnership lead is told
    capture();
    await runAcknowledgements({ ...s.deps, kv: s.deps.state });
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.join("\n")).not.toMatch(IDENTIFYING);
  });

  it("no log line, queue message, table row or Audit row", async () => {
    expect(s.logs.join("\n")).not.toMatch(IDENTIFYING);
    for (const m of queued) expect(Object.keys(JSON.parse(m))).toEqual(["messageId"]);
    const rows: unknown[] = [];
    for (const table of Object.values(TABLES)) {
      for await (const e of tableClient(asStorage(s.azurite.connectionString), table).listEntities()) rows.push(e);
    }
    expect(rows.length).toBeGreaterThan(emails.length);
    expect(JSON.stringify(rows)).not.toMatch(IDENTIFYING);
    expect(JSON.stringify(await fields("Audit"))).not.toMatch(IDENTIFYING);
  });
});
