/**
 * Data protection (issue 34): the retention rules, and, through Graph in the local tenant, a
 * subject access export checked against what was put in, an erasure refused while funding is live,
 * and the retention run: due cases lose their emails (purged) and personal details, the rest stay,
 * and the termly report for their term gives the same figures before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../cli/main.js";
import { unzipSync, strFromU8 } from "fflate";
import { loadPartnership } from "../config/load.js";
import type { StoredCase } from "../core/ports.js";
import { termPeriod } from "../core/rules/report.js";
import { caseEnd, codesOnly, fundingEnds, fundingLive, retentionDue } from "../core/rules/retention.js";
import { caseMessages, forgetCase, gatherRecords, RecordsRequestError, runRetention } from "../core/usecases/records.js";
import { termReport } from "../core/usecases/termly.js";
import { runTransition } from "../core/usecases/triage.js";
import { recordsDeps } from "../functions/deps.js";
import { subjectAccessFiles, subjectAccessZip } from "../reports/subjectAccess.js";
import { listFields, pdfForm, startStack, type Stack } from "./helpers/stack.js";
import { partnership as hounslow } from "./helpers/tenant.js";
import { REFUSED_INDIVIDUAL } from "./helpers/cases.js";

const decided = (fields: Partial<StoredCase["fields"]>): StoredCase => ({
  itemId: "1",
  etag: "e",
  fields: { Title: "C5-2023-0001", Status: "Decided", ReceivedAt: "2023-05-02T09:00:00Z", ...fields },
});

describe("how long a case is kept", () => {
  it("funding runs to the end of its last term, counted from the term of the decision", () => {
    expect(fundingEnds(hounslow, "2023-05-18", 1)).toBe("2023-08-31");
    expect(fundingEnds(hounslow, "2023-05-18", 2)).toBe("2023-12-31");
    expect(fundingEnds(hounslow, "2023-05-18", 3)).toBe(termPeriod(hounslow, "spring-2024").to);
    expect(fundingEnds(hounslow, "2023-11-02", 1)).toBe("2023-12-31");
  });

  it("a case ends when decided (funded: when its funding ends), refused at intake or superseded; an open one has not", () => {
    const today = "2026-12-02";
    expect(caseEnd(hounslow, decided({ Decision: "Do not fund (alternative support)", DecisionAt: "2023-05-17T12:00:00Z" }), today)).toEqual({
      date: "2023-05-17",
      why: "decided, not funded",
    });
    expect(caseEnd(hounslow, decided({ Decision: "Agree to fund", TermsSought: 2, DecisionAt: "2023-05-18T14:00:00Z" }), today).date).toBe("2023-12-31");
    expect(caseEnd(hounslow, decided({ Decision: "Agree to fund", TermsSought: 3, DecisionAt: "2026-11-12T14:00:00Z" }), today)).toMatchObject({ date: null });
    expect(caseEnd(hounslow, decided({ Status: "Rejected" }), today)).toEqual({ date: "2023-05-02", why: "refused at intake" });
    expect(caseEnd(hounslow, decided({ Status: "On agenda" }), today)).toEqual({ date: null, why: "still open (On agenda)" });
  });

  it("six years after the end of the financial year it ended in, or after the day it ended, as configured", () => {
    expect(retentionDue(hounslow, "2023-12-31")).toBe("2030-04-01");
    expect(retentionDue(hounslow, "2024-03-31")).toBe("2030-04-01");
    expect(retentionDue(hounslow, "2024-04-01")).toBe("2031-04-01");
    const byDay = { ...hounslow, dataProtection: { ...hounslow.dataProtection, keepCases: { years: 3, countFrom: "case-end" as const } } };
    expect(retentionDue(byDay, "2023-12-31")).toBe("2027-01-01");
    expect(retentionDue(byDay, "2024-02-29")).toBe("2027-03-01");
  });

  it("the default is in every config, and a council's own is validated", () => {
    expect(hounslow.dataProtection.keepCases).toEqual({ years: 6, countFrom: "financial-year-end" });
    expect(loadPartnership("sutton").partnership.dataProtection.keepCases.years).toBe(6);
  });

  it("funding is live until its last term ends", () => {
    const c = decided({ Decision: "Agree to fund", TermsSought: 1, DecisionAt: "2023-05-18T14:00:00Z" });
    expect(fundingLive(hounslow, c, "2023-08-31")).toBe(true);
    expect(fundingLive(hounslow, c, "2023-09-01")).toBe(false);
  });

  it("an audit row keeps its codes and receipt time; the summaries that name people go", () => {
    expect(codesOnly("subject-missing-cluster, receipt 12s")).toBe("subject-missing-cluster, receipt 12s");
    expect(codesOnly("School acknowledged by Katy Luciani")).toBe("");
    expect(codesOnly("late, Moved to Jane, receipt 3s")).toBe("late, receipt 3s");
  });
});

describe("subject access, erasure and retention through Graph", () => {
  let s: Stack;
  const KL = "katy.luciani@hounslow.gov.uk";
  const ISLEWORTH = "senco@isleworthtown.example";
  const form = pdfForm("Presentation form.pdf");
  const report = () =>
    termReport({ ...s.deps, partnership: hounslow, intakeSince: (since) => s.deps.cases.intakeSince(since) }, termPeriod(hounslow, "summer-2023"));
  const d = () => recordsDeps(s.deps);
  let before: Awaited<ReturnType<typeof report>>;
  let isleworthIds: string[] = [];

  beforeAll(async () => {
    s = await startStack({ at: "2023-05-02T09:00:00Z" });
    for (const [from, subject] of [
      [ISLEWORTH, "Cluster 5/KL/Isleworth Town Primary School"],
      ["senco@worple.example", "Cluster 5/KL/Worple Primary School"],
      ["senco@bedfont.example", "Cluster 1/NF/Bedfont Primary School"],
    ]) {
      // One at a time, so the references are given in this order.
      await s.send({ from, subject, text: `Our form, from ${from}.`, attachments: [form] });
      await s.settle();
    }
    // The same email again: a duplicate, kept with the case it duplicates.
    await s.send({ from: ISLEWORTH, subject: "Cluster 5/KL/Isleworth Town Primary School", text: `Our form, from ${ISLEWORTH}.`, attachments: [form] });
    await s.settle();
    s.at("2023-05-03T10:00:00Z");
    const triage = {
      ...s.deps,
      cards: { post: async () => true, update: async () => {} },
      audit: (r: Parameters<typeof s.deps.cases.audit>[0]) => s.deps.cases.audit(r),
    };
    expect((await runTransition(triage, KL, "triage.acknowledge", "C5-2023-0001")).ok).toBe(true);
    const funded = { Status: "Decided", CaseType: "Group", CypCount: 4, AmountRequested: 4000, AmountAwarded: 4000, Decision: "Agree to fund" } as const;
    await s.deps.cases.change("C5-2023-0001", () => ({ ...funded, TermsSought: 2, DecisionAt: "2023-05-18T14:00:00Z" }));
    await s.deps.cases.change("C5-2023-0002", () => ({ ...funded, TermsSought: 3, DecisionAt: "2023-05-18T14:00:00Z" }));
    await s.deps.cases.change("C1-2023-0001", () => ({ Status: "Decided", ...REFUSED_INDIVIDUAL, DecisionAt: "2023-05-17T12:00:00Z" }));
    await s.deps.votes.cast("C5-2023-0001", KL, "agree", "2023-05-18T13:30:00Z");
    await s.deps.votes.cast("C5-2023-0001", "head@worple.example", "disagree", "2023-05-18T13:31:00Z");
    s.at("2023-07-21T09:00:00Z");
    before = await report();
  }, 90_000);
  afterAll(() => s?.stop());

  it("an export holds the case, its audit rows and votes, the school's email with its form, the reply, the duplicate and the acknowledgement; it is audited", async () => {
    const cases = await gatherRecords(d(), { case: "C5-2023-0001" }, "officer@hounslow.gov.uk");
    expect(cases.map((c) => c.case.fields.Title)).toEqual(["C5-2023-0001"]);
    const [c] = cases;
    expect(c!.messages.map((m) => m.what)).toEqual([
      "the school's email",
      "Cluster Desk's reply",
      "an email duplicating it",
      "Cluster Desk's reply",
      "Cluster Desk's email about it",
      "Cluster Desk's email about it",
    ]);
    expect(c!.messages.every((m) => m.record)).toBe(true);
    expect(c!.messages[0]!.record!.from).toBe(ISLEWORTH);
    expect(c!.messages[1]!.record!.to).toEqual([ISLEWORTH]);
    // The lead had no chat with the bot yet, so the case came to her by email; then the school was acknowledged.
    expect(c!.messages.slice(4).map((m) => m.record!.subject)).toEqual(["C5-2023-0001 has come to you to triage", "C5-2023-0001: your presentation form"]);
    expect(c!.votes.map((v) => v.choice).sort()).toEqual(["agree", "disagree"]);
    expect(c!.audit.map((a) => a.event)).toEqual(expect.arrayContaining(["intake", "triage.acknowledge"]));

    const files = subjectAccessFiles(cases, { case: "C5-2023-0001" }, "2023-07-21T09:00:00Z");
    // The form comes back byte for byte, beside the email that carried it.
    const formPath = Object.keys(files).find((f) => f.startsWith("C5-2023-0001/emails/01 ") && f.endsWith("Presentation form.pdf"))!;
    expect(Buffer.from(files[formPath]!).equals(form.content)).toBe(true);
    expect(strFromU8(files["C5-2023-0001/emails/01 the schools email/message.txt"]!)).toContain(`Our form, from ${ISLEWORTH}.`);
    const index = strFromU8(files["index.csv"]!);
    expect(index.split("\r\n").filter(Boolean)).toHaveLength(1 + 3 + 6 + 2); // header, 3 rows' files, 6 emails, 2 forms
    expect(JSON.parse(strFromU8(files["C5-2023-0001/case.json"]!)).SenderEmail).toBe(ISLEWORTH);
    // The zip opens to the same files.
    expect(Object.keys(unzipSync(subjectAccessZip(cases, { case: "C5-2023-0001" }, "now"))).sort()).toEqual(Object.keys(files).sort());
    const audit = await listFields(s, "Audit");
    expect(audit.filter((a) => a.Title === "subject-access-export")).toEqual([
      expect.objectContaining({ CaseRef: "C5-2023-0001", Actor: "officer@hounslow.gov.uk", Outcome: "1 cases" }),
    ]);
  });

  it("an export by sender finds the sender's cases; by a school nothing holds, it says so", async () => {
    const bySender = await gatherRecords(d(), { sender: ISLEWORTH.toUpperCase() }, "officer@hounslow.gov.uk");
    expect(bySender.map((c) => c.case.fields.Title)).toEqual(["C5-2023-0001"]);
    const bySchool = await gatherRecords(d(), { school: "Bedfont Primary" }, "officer@hounslow.gov.uk");
    expect(bySchool.map((c) => c.case.fields.Title)).toEqual(["C1-2023-0001"]);
    await expect(gatherRecords(d(), { school: "Chiswick School" }, "officer@hounslow.gov.uk")).rejects.toThrow(RecordsRequestError);
  });

  it("from the command line: export writes the zip and says what it holds; a request missing what it needs is refused before Graph is asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cd-records-"));
    const settings = join(dir, "app-settings.json");
    writeFileSync(settings, JSON.stringify({ ...s.env, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "" }));
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const zip = join(dir, "C1.zip");
    const done = await cli("export", "--case", "C1-2023-0001", "--out", zip, "--by", "officer@hounslow.gov.uk", "--settings", settings);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.out)).toMatchObject({ ok: true, cases: ["C1-2023-0001"], emails: 3 });
    expect(Object.keys(unzipSync(readFileSync(zip)))).toEqual(expect.arrayContaining(["README.txt", "index.csv", "C1-2023-0001/case.json"]));
    expect(await cli("export", "--out", zip, "--settings", settings)).toMatchObject({
      code: 2,
      err: expect.stringContaining("give one of --case, --school or --sender"),
    });
    expect(await cli("export", "--case", "C1-2023-0001", "--out", join(dir, "x.txt"))).toMatchObject({ code: 2, err: expect.stringContaining(".zip") });
    expect(await cli("forget", "--case", "C1-2023-0001", "--settings", settings)).toMatchObject({ code: 2, err: expect.stringContaining("reason") });
    expect(await cli("help")).toMatchObject({ code: 0, out: expect.stringMatching(/retention \[--dry-run\][\s\S]*export --case[\s\S]*forget --case/) });
  });

  it("erasure is refused while the funding is paid, and done with --force and a reason: emails purged, the numbers kept, audited", async () => {
    await expect(forgetCase(d(), "C5-2023-0002", "parent's request", "officer@hounslow.gov.uk")).rejects.toThrow(/still being paid/);
    await expect(forgetCase(d(), "C9-2023-0009", "x", "officer@hounslow.gov.uk")).rejects.toThrow(/no case/);
    const c = (await s.deps.cases.byRef("C5-2023-0002"))!;
    const ids = (await caseMessages(d(), c)).map((m) => m.id);
    expect(ids).toHaveLength(3); // the school's email, the reply, the email that brought it to its lead
    const r = await forgetCase(d(), "C5-2023-0002", "parent's request", "officer@hounslow.gov.uk", true);
    expect(r).toMatchObject({ already: false, emails: 3 });
    for (const id of ids) expect(await s.deps.mailRecords.read(id)).toBeNull();
    const after = (await s.deps.cases.byRef("C5-2023-0002"))!.fields;
    expect(after).toMatchObject({ SenderEmail: "", SubjectLine: "", Status: "Decided", AmountAwarded: 4000, CypCount: 4, School: "Worple Primary School" });
    expect(after.Reasons).toMatch(/^Emails and personal details removed on 2023-07-21: erased on request/);
    const rows = (await listFields(s, "Audit")).filter((a) => a.Title === "erasure");
    expect(rows).toEqual([expect.objectContaining({ CaseRef: "C5-2023-0002", Actor: "officer@hounslow.gov.uk" })]);
    expect(rows[0].Detail).toMatch(/^forced while funding live; emails 3, .*reason: parent's request$/);
    expect((await forgetCase(d(), "C5-2023-0002", "again", "officer@hounslow.gov.uk")).already).toBe(true);
  });

  it("retention: nothing the day before the period ends; then the due cases lose their emails and personal details, the report's figures stay", async () => {
    const c = (await s.deps.cases.byRef("C5-2023-0001"))!;
    isleworthIds = (await caseMessages(d(), c)).map((m) => m.id);
    s.at("2030-03-31T12:00:00Z");
    expect((await runRetention(d(), { dryRun: true })).due).toEqual([]);
    s.at("2030-04-01T12:00:00Z");
    const dry = await runRetention(d(), { dryRun: true });
    expect(dry.due.map((x) => x.ref).sort()).toEqual(["C1-2023-0001", "C5-2023-0001"]);
    expect(dry.due.find((x) => x.ref === "C5-2023-0001")).toMatchObject({ ended: "2023-12-31", why: "its funding ended", dueOn: "2030-04-01" });
    expect(dry.removed.cases).toBe(0);
    expect(await s.deps.mailRecords.read(isleworthIds[0]!)).not.toBeNull(); // a dry run deletes nothing

    const run = await runRetention(d());
    expect(run.removed).toEqual({ cases: 2, emails: isleworthIds.length + 3, auditRows: expect.any(Number), votes: 2 });
    for (const id of isleworthIds) expect(await s.deps.mailRecords.read(id)).toBeNull();
    const cases = await listFields(s, "Cases");
    for (const f of cases.filter((x) => ["C1-2023-0001", "C5-2023-0001"].includes(x.Title))) {
      expect(f).toMatchObject({ SenderEmail: "", SubjectLine: "", InternetMessageId: "" });
      expect(f.Reasons).toMatch(/^Emails and personal details removed on 2030-04-01: past the retention period/);
    }
    // No person's address is left in the audit rows or votes of the removed cases.
    const audit = (await listFields(s, "Audit")).filter((a) => ["C1-2023-0001", "C5-2023-0001"].includes(a.CaseRef));
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.filter((a) => /@/.test(`${a.Actor} ${a.Detail}`))).toEqual([]);
    const votes = (await listFields(s, "Votes")).filter((v) => v.CaseRef === "C5-2023-0001");
    expect(votes.map((v) => v.Voter).sort()).toEqual(["voter 1", "voter 2"]);
    // The run is audited by counts.
    const runRow = (await listFields(s, "Audit")).find((a) => a.Title === "retention");
    expect(runRow).toMatchObject({ Outcome: "2 cases", Actor: "cluster-desk" });
    expect(runRow.Detail).toBe(`cases 2, emails ${isleworthIds.length + 3}, audit rows ${run.removed.auditRows}, votes 2`);
    // The term's report gives the same figures.
    const after = await report();
    expect({ ...after, generatedAt: null }).toEqual({ ...before, generatedAt: null });
    // Once done, a second run finds nothing.
    expect((await runRetention(d())).removed.cases).toBe(0);
  });
});
