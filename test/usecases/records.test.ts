/**
 * Retention and erasure on fakes (issue 34): a run that stops part-way is finished by the next, an
 * open case is never touched, and the product's emails about a case are recorded against it when
 * they are made (so retention and subject access find them by id).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { caseMessages, forgetCase, runRetention, type RecordsDeps } from "../../core/usecases/records.js";
import { caseMail } from "../../core/usecases/caseMail.js";
import { intakeKey } from "../../core/usecases/intake.js";
import { sendOnce } from "../../core/usecases/sendOnce.js";
import { runTransition } from "../../core/usecases/triage.js";
import type { StoredCase } from "../../core/ports.js";
import { FakeAudit, FakeCards, FakeCases, FakeKv, FakeMailer, FakeTeams, FakeVotes } from "../fakes/teams.js";
import { FakeState } from "../fakes/intake.js";
import { FakeCaseRecords, FakeMailRecords } from "../fakes/records.js";
import { loadPartnership } from "../../config/load.js";

const hounslow = loadPartnership("hounslow-mip").partnership;

const quiet = { info: () => {}, warn: () => {} };
let cases: FakeCases;
let mail: FakeMailRecords;
let audit: FakeAudit;
let votes: FakeVotes;
let state: FakeState;
let d: RecordsDeps;
let now: Date;

const decided = (ref: string, schoolEmail: string, extra: Partial<StoredCase["fields"]> = {}) =>
  cases.add({
    Title: ref,
    Status: "Decided",
    Cluster: 5,
    School: "Worple Primary School",
    SenderEmail: "senco@worple.example",
    SubjectLine: "Cluster 5/KL/Worple Primary School",
    GraphMessageId: schoolEmail,
    InternetMessageId: `<${schoolEmail}@worple.example>`,
    ReceivedAt: "2019-05-02T09:00:00Z",
    Decision: "Do not fund (alternative support)",
    DecisionAt: "2019-05-16T14:00:00Z",
    Reasons: "Received Thursday 2 May 2019 ...",
    ...extra,
  });

beforeEach(() => {
  cases = new FakeCases();
  mail = new FakeMailRecords();
  audit = new FakeAudit();
  votes = new FakeVotes();
  state = new FakeState();
  now = new Date("2026-04-02T02:15:00Z");
  d = {
    partnership: hounslow,
    cases,
    records: new FakeCaseRecords(audit, votes),
    votes,
    mail,
    kv: state,
    state,
    teams: new FakeTeams(),
    audit: audit.write,
    log: quiet,
    now: () => now,
  };
});

/** The school's email and intake's reply (found by the Message-ID made from its marker). */
function emailWithReply(id: string) {
  mail.add(id, { from: "senco@worple.example" });
  mail.add(`${id}-reply`, { to: ["senco@worple.example"] }, `cd-${intakeKey(id).slice(0, 16)}`);
}

describe("retention on fakes", () => {
  it("a run that stops part-way (the mailbox stops answering) is finished by the next; nothing is marked removed before its emails are gone", async () => {
    decided("C5-2019-0001", "m1");
    emailWithReply("m1");
    await audit.write({
      key: "k1",
      event: "triage.acknowledge",
      caseRef: "C5-2019-0001",
      outcome: "x",
      at: "2019-05-03",
      actor: "katy.luciani@hounslow.gov.uk",
      detail: "School acknowledged by Katy Luciani",
    });
    mail.failAfter = 1;
    await expect(runRetention(d)).rejects.toThrow(/stopped answering/);
    expect((await cases.byRef("C5-2019-0001"))!.fields.SenderEmail).toBe("senco@worple.example");
    expect(mail.messages.size).toBe(1);
    mail.failAfter = null;
    const r = await runRetention(d);
    expect(r.removed).toEqual({ cases: 1, emails: 1, auditRows: 1, votes: 0 });
    expect(mail.messages.size).toBe(0);
    expect((await cases.byRef("C5-2019-0001"))!.fields).toMatchObject({ SenderEmail: "", Decision: "Do not fund (alternative support)" });
    expect(audit.rows.find((x) => x.key === "k1")).toMatchObject({ actor: "", detail: "" });
    expect(audit.rows.filter((x) => x.event === "retention")).toHaveLength(1);
  });

  it("an open case older than the period is listed, not touched; a case not yet due is left", async () => {
    decided("C5-2019-0002", "m2", { Status: "On agenda", Decision: null, DecisionAt: null });
    decided("C5-2020-0001", "m3", { ReceivedAt: "2020-05-02T09:00:00Z", DecisionAt: "2020-05-14T14:00:00Z" });
    emailWithReply("m2");
    emailWithReply("m3");
    const r = await runRetention(d);
    expect(r).toMatchObject({ due: [], stillOpen: ["C5-2019-0002"], removed: { cases: 0 } });
    expect(mail.messages.size).toBe(4);
    now = new Date("2027-04-01T02:15:00Z");
    expect((await runRetention(d)).due.map((x) => x.ref)).toEqual(["C5-2020-0001"]);
  });

  it("erasure of a case decided not to fund needs no --force; its messages are found from the case, its reply by marker", async () => {
    decided("C5-2019-0003", "m4");
    emailWithReply("m4");
    expect((await caseMessages(d, (await cases.byRef("C5-2019-0003"))!)).map((m) => m.what)).toEqual(["the school's email", "Cluster Desk's reply"]);
    expect(await forgetCase(d, "C5-2019-0003", "parent's request", "officer@hounslow.gov.uk")).toMatchObject({ emails: 2, already: false });
    expect(audit.rows.find((x) => x.event === "erasure")).toMatchObject({
      actor: "officer@hounslow.gov.uk",
      detail: expect.stringMatching(/^emails 2, .*reason: parent's request$/),
    });
  });
});

describe("the product's emails are recorded against their case when made", () => {
  it("a triage email to the school, and a once-only reminder (once, however often it is resumed)", async () => {
    const kv = new FakeKv();
    const mailer = new FakeMailer();
    cases.add({
      Title: "C5-2026-0001",
      Status: "Accepted",
      Cluster: 5,
      SenderEmail: "senco@worple.example",
      ReceivedAt: "2026-11-02T09:00:00Z",
    });
    const t = await runTransition(
      { partnership: hounslow, cases, mailer, kv, audit: audit.write, cards: new FakeCards(new Set()), log: quiet, now: () => now },
      "katy.luciani@hounslow.gov.uk",
      "triage.acknowledge",
      "C5-2026-0001",
    );
    expect(t.ok).toBe(true);
    const send = () =>
      sendOnce(
        { kv, mailer, log: quiet, now: () => now },
        "review-reminder|C5-2026-0001|school",
        { to: ["senco@worple.example"], subject: "s", body: "b" },
        undefined,
        "C5-2026-0001",
      );
    await send();
    await send();
    const recorded = await caseMail(kv, "C5-2026-0001");
    expect(recorded).toHaveLength(2);
    expect(recorded.every((e) => e.kind === "sent" && mailer.drafts.get(e.id)?.sent)).toBe(true);
    expect(recorded.map((e) => mailer.drafts.get(e.id)!.subject)).toEqual(["C5-2026-0001: your presentation form", "s"]);
  });
});
