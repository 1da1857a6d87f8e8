/** Reminders and alerts sent once for a key, whatever crashes (core/usecases/sendOnce.ts): a draft recorded before it is sent, read by id on a retry. */
import { beforeEach, describe, expect, it } from "vitest";
import { sendOnce } from "../../core/usecases/sendOnce.js";
import { FakeKv, FakeMailer } from "../fakes/teams.js";

let kv: FakeKv;
let mailer: FakeMailer;
const log = { info: () => {}, warn: () => {} };
const deps = () => ({ kv, mailer, log, now: () => new Date("2026-12-02T09:00:00Z") });
const msg = { to: ["scl@council.example"], subject: "Acknowledge C5-2026-0001 by tomorrow", body: "b" };

beforeEach(() => {
  kv = new FakeKv();
  mailer = new FakeMailer();
});

describe("sendOnce", () => {
  it("sends once for a key, through a draft, and runs `after` once; a second call sends nothing", async () => {
    let after = 0;
    expect(await sendOnce(deps(), "k", msg, async () => void after++)).toBe(true);
    expect(await sendOnce(deps(), "k", msg, async () => void after++)).toBe(false);
    expect(mailer.outbox).toHaveLength(1);
    expect(mailer.outbox[0]!.marker).toMatch(/^cd-[0-9a-f]{24}$/);
    expect(after).toBe(1);
    expect(kv.map.has("k:draft")).toBe(false); // the draft's record is dropped once the send is recorded
  });

  it("a crash after the draft was recorded, before it was sent: the retry sends that draft, no second one", async () => {
    const send = mailer.sendDraft.bind(mailer);
    mailer.sendDraft = async () => {
      throw new Error("connection reset");
    };
    await expect(sendOnce(deps(), "k", msg)).rejects.toThrow("connection reset");
    mailer.sendDraft = send;
    expect(await sendOnce(deps(), "k", msg)).toBe(true);
    expect(mailer.outbox).toHaveLength(1);
    expect(mailer.drafts.size).toBe(1);
  });

  it("sent before a crash, not recorded: the draft, read by id, is sent, so nothing goes again; a draft gone once sending began counts as sent", async () => {
    kv.beforeSet = (key) => {
      if (key === "k") throw new Error("storage unavailable");
    };
    await expect(sendOnce(deps(), "k", msg)).rejects.toThrow("storage unavailable");
    kv.beforeSet = undefined;
    expect(await sendOnce(deps(), "k", msg)).toBe(true);
    expect(mailer.outbox).toHaveLength(1);

    // Gone: Graph's Sent Items copy "may not be there immediately" after sending.
    await kv.setSync("g:draft", "draft-that-went");
    expect(await sendOnce(deps(), "g", msg)).toBe(true);
    expect(mailer.outbox).toHaveLength(1);
  });
});
