/**
 * The intake use case on in-memory fakes (test/fakes/intake.ts): what it asks of the mailbox and
 * the register, stage by stage, and how a throttled attempt goes on. The same behaviour end to end
 * (SMTP, the local tenant, Azurite) is in test/intake/.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { loadPartnership } from "../../config/load.js";
import { PartlyFinishedError, type FinishStep } from "../../core/ports.js";
import { doneKey, intakeKey, processMessage, type IntakeDeps } from "../../core/usecases/intake.js";
import { fromLocal } from "../../core/rules/time.js";
import { FakeMailbox, FakeRegister, FakeState } from "../fakes/intake.js";
import { mailIntake } from "../../functions/mail.js";
import type { AppDeps } from "../../functions/deps.js";
import { InvocationContext } from "@azure/functions";

const { partnership: p } = loadPartnership("hounslow-mip");
const at = fromLocal("2023-05-02", "10:15");

class Throttled extends Error {
  constructor(readonly seconds: number) {
    super(`throttled for ${seconds} s`);
  }
}

let mailbox: FakeMailbox;
let register: FakeRegister;
let state: FakeState;
let deps: IntakeDeps;
let finishes: FinishStep[];
let failNextFinish: ((step: FinishStep) => Error) | null;
let sendThenFail: boolean;
/** The text of the reply a last step sends (its draft's). */
const replyText = (step: FinishStep) => mailbox.drafts.get(step.reply!.draftId)!.text;

beforeEach(() => {
  mailbox = new FakeMailbox();
  register = new FakeRegister();
  state = new FakeState(() => at.getTime());
  finishes = [];
  failNextFinish = null;
  sendThenFail = false;
  deps = {
    partnership: p,
    mailbox,
    cases: register,
    state,
    log: { info: () => {}, warn: () => {} },
    now: () => new Date(at.getTime() + 5_000),
    retryLater: (e) => (e instanceof Throttled ? e.seconds : null),
    finish: async (step) => {
      finishes.push(structuredClone(step));
      const fail = failNextFinish;
      failNextFinish = null;
      // The reply goes unless the step fails before it (sendThenFail: it went, and then the step failed).
      if (step.reply && (!fail || sendThenFail)) await mailbox.sendDraft(step.reply.draftId);
      if (fail) throw fail(step);
    },
  };
  mailbox.add({
    id: "m1",
    internetMessageId: "<form-1@school.example>",
    subject: "Cluster 5/KL/Isleworth Town Primary School",
    from: { address: "senco@isleworthtown.example" },
    receivedAt: at,
    headers: [],
    attachments: [{ name: "form.pdf", contentType: "application/pdf", size: 2048, isInline: false, content: "pdf" }],
  });
});

describe("intake use case", () => {
  it("an accepted form: one read of the email, the case, then one last step with the reply, the filing and the audit row", async () => {
    const r = await processMessage(deps, "m1");
    expect(r).toMatchObject({ status: "processed", outcome: "accepted", caseRef: "C5-2023-0001" });
    expect(mailbox.calls.of("facts")).toBe(1);
    expect(register.calls.of("lookups")).toBe(1);
    expect(register.calls.of("create")).toBe(1);
    expect(finishes).toHaveLength(1);
    expect(replyText(finishes[0]!)).toMatch(/logged as case C5-2023-0001/);
    expect(finishes[0]!.folderId).toBe("folder:Accepted");
    expect(finishes[0]!.audit).toMatchObject({ event: "intake", outcome: "accepted", caseRef: "C5-2023-0001" });
    // Done: the state keeps no reply text.
    const st = state.intakes.get(intakeKey("m1"))!;
    expect(st.stage).toBe("done");
    expect(st.plan).toBeUndefined();
  });

  it("a worker whose lease another has taken before its last step sends no reply (the crash test's second reply)", async () => {
    // The lease is taken when the email is; by the last step another worker holds it (this one
    // stalled past it): nothing is sent, and the email is handed back as busy.
    const claim = state.claim.bind(state);
    let claims = 0;
    state.claim = async (key, owner, ttl) => (++claims === 1 ? claim(key, owner, ttl) : false);
    const r = await processMessage(deps, "m1");
    expect(r.status).toBe("busy");
    expect(finishes).toHaveLength(0);
    expect([...mailbox.drafts.values()].filter((d) => d.sent)).toEqual([]);
    expect(claims).toBe(2);
  });

  it("throttled in the last step: handed back with its state's key; the retry reads neither the email nor Sent Items, and sends only what did not go", async () => {
    failNextFinish = () => new PartlyFinishedError(["reply"], new Throttled(2));
    const first = await processMessage(deps, "m1");
    const key = intakeKey("m1");
    expect(first).toEqual({ status: "later", retryAfterMs: 2000, resumeKey: key });
    const saved = state.intakes.get(key)!;
    expect(saved).toMatchObject({ stage: "announced", finished: ["reply"], finishKnown: true });
    expect(saved.plan!.reply).toMatch(/C5-2023-0001/);

    mailbox.calls.reset();
    const second = await processMessage(deps, "m1", undefined, first.resumeKey);
    expect(second).toMatchObject({ status: "processed", outcome: "accepted", caseRef: "C5-2023-0001" });
    expect(mailbox.calls.of("facts")).toBe(0);
    expect(mailbox.calls.of("draftState") + mailbox.calls.of("sentWith") + mailbox.calls.of("draftReply")).toBe(0);
    expect(finishes[1]!.reply).toBeUndefined(); // it went the first time
    expect(finishes[1]!.folderId).toBe("folder:Accepted");
    expect(finishes[1]!.audit!.outcome).toBe("accepted");
    expect(register.cases).toHaveLength(1);
  });

  it("throttled with nothing of the last step through: the retry sends the reply, with the same text and marker", async () => {
    failNextFinish = () => new PartlyFinishedError([], new Throttled(3));
    const first = await processMessage(deps, "m1");
    expect(first.status).toBe("later");
    const second = await processMessage(deps, "m1", undefined, first.resumeKey);
    expect(second.status).toBe("processed");
    expect(mailbox.calls.of("draftState")).toBe(0);
    expect(mailbox.calls.of("draftReply")).toBe(1); // the same draft, sent now
    expect(finishes[1]!.reply).toEqual(finishes[0]!.reply);
    expect(mailbox.sent).toHaveLength(1);
  });

  it("throttled with the audit row through: the retry does not send it again", async () => {
    failNextFinish = () => new PartlyFinishedError(["reply", "move", "audit"], new Throttled(2));
    const first = await processMessage(deps, "m1");
    await processMessage(deps, "m1", undefined, first.resumeKey);
    expect(finishes[1]!.audit).toBeUndefined();
    expect(finishes[1]!.folderId).toBeUndefined();
  });

  it("a last step that failed without saying what went: the retry reads the draft by id, and sends it only if it is still a draft", async () => {
    failNextFinish = () => new Throttled(2); // the whole step, result unknown: the reply did not go
    const first = await processMessage(deps, "m1");
    expect(first.status).toBe("later");
    expect(state.intakes.get(first.resumeKey!)).toMatchObject({ replyDraft: "draft-1", replySending: true });
    await processMessage(deps, "m1", undefined, first.resumeKey);
    expect(mailbox.calls.of("draftState")).toBe(1);
    expect(finishes[1]!.reply).toEqual({ draftId: "draft-1" });
    expect(mailbox.sent).toHaveLength(1);

    // The reply went, then the step failed: the retry finds the draft sent and sends nothing.
    mailbox.add({ ...mailbox.messages.get("m1")!, id: "m2", internetMessageId: "<form-2@school.example>" });
    failNextFinish = () => new Throttled(2);
    sendThenFail = true;
    const again = await processMessage(deps, "m2");
    sendThenFail = false;
    await processMessage(deps, "m2", undefined, again.resumeKey);
    expect(finishes.at(-1)!.reply).toBeUndefined();
    expect(mailbox.sent.filter((x) => x.messageId === "m2")).toHaveLength(1);
  });

  it("the folder is looked up before the card: a throttle there leaves nothing sent or posted", async () => {
    let throttle = true;
    const posted: string[] = [];
    deps.announce = async (ref) => (posted.push(ref), "activity-1");
    mailbox.before = (call) => {
      if (call === "folder" && throttle) {
        throttle = false;
        throw new Throttled(2);
      }
    };
    const first = await processMessage(deps, "m1");
    expect(first.status).toBe("later");
    expect(posted).toEqual([]);
    expect(finishes).toHaveLength(0);
    expect(state.intakes.get(first.resumeKey!)!.stage).toBe("case-written");
    await processMessage(deps, "m1", undefined, first.resumeKey);
    expect(posted).toEqual(["C5-2023-0001"]);
    expect(replyText(finishes[0]!)).toMatch(/C5-2023-0001/);
  });

  it("a state lost whole after its reply went: the retry finds the reply in Sent Items by its marker and sends no other", async () => {
    await processMessage(deps, "m1");
    const st = state.intakes.get(intakeKey("m1"))!;
    // Storage went back to a save before the last step (no draft recorded), and "done" is gone.
    state.intakes.set(intakeKey("m1"), {
      stage: "case-written",
      caseRef: st.caseRef!,
      caseItemId: st.caseItemId!,
      messageId: "m1",
      outcome: "accepted",
      updatedAt: st.updatedAt,
    });
    await state.setSync(doneKey("m1"), null);
    mailbox.calls.reset();
    await processMessage(deps, "m1");
    expect(mailbox.calls.of("sentWith")).toBe(1);
    expect(mailbox.calls.of("draftReply")).toBe(0);
    expect(mailbox.sent).toHaveLength(1);
  });

  it("a second email with a Message-ID already seen (a form re-sent from a draft) is processed as the mail it is (issue 29)", async () => {
    expect(await processMessage(deps, "m1")).toMatchObject({ status: "processed", caseRef: "C5-2023-0001" });
    mailbox.add({
      ...mailbox.messages.get("m1")!,
      id: "m2",
      subject: "Cluster 5/KL/Worple Primary School",
      attachments: [{ name: "second form.pdf", contentType: "application/pdf", size: 4096, isInline: false, content: "pdf" }],
    });
    const second = await processMessage(deps, "m2");
    expect(second).toMatchObject({ status: "processed", outcome: "accepted", caseRef: "C5-2023-0002", duplicateOf: null });
    expect(finishes.at(-1)!.folderId).toBe("folder:Accepted"); // out of the Inbox
    // The same email again (a duplicate notification) is still one case.
    expect(await processMessage(deps, "m2")).toMatchObject({ status: "already-done" });
  });

  it("a key that names another email's state is not trusted: the email is read", async () => {
    failNextFinish = () => new PartlyFinishedError([], new Throttled(2));
    const first = await processMessage(deps, "m1");
    mailbox.add({ ...mailbox.messages.get("m1")!, id: "m2", internetMessageId: "<form-2@school.example>" });
    mailbox.calls.reset();
    const other = await processMessage(deps, "m2", undefined, first.resumeKey);
    expect(mailbox.calls.of("facts")).toBe(1);
    expect(other).toMatchObject({ status: "processed", duplicateOf: "C5-2023-0001" });
  });

  it("throttled before the case is written: handed back, and the retry reads the email again (nothing is planned yet)", async () => {
    let throttle = true;
    register.before = (call) => {
      if (call === "create" && throttle) {
        throttle = false;
        throw new Throttled(5);
      }
    };
    const first = await processMessage(deps, "m1");
    expect(first).toMatchObject({ status: "later", retryAfterMs: 5000 });
    const second = await processMessage(deps, "m1", undefined, first.resumeKey);
    // The number the throttled attempt drew is not used again: references may have gaps, never repeats.
    expect(second).toMatchObject({ status: "processed", caseRef: "C5-2023-0002" });
    expect(mailbox.calls.of("facts")).toBe(2);
    expect(register.cases).toHaveLength(1);
  });

  it("an error that is not a throttle goes up (the queue retries it)", async () => {
    mailbox.before = () => {
      throw new Error("boom");
    };
    await expect(processMessage(deps, "m1")).rejects.toThrow("boom");
  });
});

describe("the queue trigger", () => {
  const run = async (message: unknown, queued: { messages: unknown[]; delay: number | undefined }[]) => {
    const d = {
      ...deps,
      refreshCalendar: async () => {},
      timing: { leaseMs: 60_000, reconcileAfterMs: 300_000 },
      queue: { send: async (messages: unknown[], delay?: number) => void queued.push({ messages, delay }) },
    } as unknown as AppDeps;
    await mailIntake(() => d)(message, new InvocationContext());
  };

  it("queues a throttled email again with the delay and its state's key, and passes the key back to intake", async () => {
    const queued: { messages: unknown[]; delay: number | undefined }[] = [];
    failNextFinish = () => new PartlyFinishedError(["reply"], new Throttled(4));
    await run({ messageId: "m1" }, queued);
    const key = intakeKey("m1");
    expect(queued).toEqual([{ messages: [{ messageId: "m1", key }], delay: 4 }]);
    mailbox.calls.reset();
    await run(queued[0]!.messages[0], queued);
    expect(mailbox.calls.of("facts")).toBe(0);
    expect(state.intakes.get(key)!.stage).toBe("done");
  });

  it("a key that is not a state's hash is ignored: the email is read", async () => {
    await run({ messageId: "m1", key: "../../etc" }, []);
    expect(mailbox.calls.of("facts")).toBe(1);
  });

  it("storage that comes back older than the mailbox (a restore; Azurite keeps tables every few seconds) sends no second reply", async () => {
    // The first attempt was throttled with its results known, then a later one sent the reply;
    // storage returns to the older state that says "throttled, reply not through".
    failNextFinish = () => new PartlyFinishedError([], new Throttled(3));
    const first = await processMessage(deps, "m1");
    const stale = structuredClone(state.intakes.get(first.resumeKey!)!);
    expect(stale).toMatchObject({ finishKnown: true });
    await processMessage(deps, "m1", undefined, first.resumeKey);
    expect(mailbox.sent).toHaveLength(1);
    state.intakes.set(first.resumeKey!, stale);
    await processMessage(deps, "m1", undefined, first.resumeKey);
    expect(mailbox.sent).toHaveLength(1);
  });
});
