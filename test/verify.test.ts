/** verify-tenant's rules on fakes: what passes, what fails and what it says to do (the real run: test/verifyTenant.test.ts). */
import { describe, expect, it } from "vitest";
import { verifyTenant, type VerifyDeps } from "../core/usecases/verifyTenant.js";
import { HEALTH_KEYS } from "../core/usecases/health.js";
import { loadPartnership } from "../config/load.js";

const hounslow = loadPartnership("hounslow-mip").partnership;

function fakes(over: Partial<VerifyDeps> = {}): VerifyDeps & { kvData: Map<string, string> } {
  const kvData = new Map<string, string>();
  let clock = Date.parse("2026-12-02T09:00:00Z");
  const sent = new Set<string>();
  const d: VerifyDeps & { kvData: Map<string, string> } = {
    kvData,
    partnership: hounslow,
    siteProblems: async () => [],
    duplicateRefused: async () => true,
    subscriptions: { create: async (s) => ({ id: "sub-1", expiresAt: s.expiresAt }), renew: async () => null },
    state: {
      getSync: async (k) => kvData.get(k) ?? null,
      setSync: async (k, v) => void (v === null ? kvData.delete(k) : kvData.set(k, v)),
    } as VerifyDeps["state"],
    settings: { notificationUrl: "https://func.example/api/notifications/mail", lifecycleUrl: null, clientState: "s" },
    log: { info: () => {}, warn: () => {} },
    now: () => new Date(clock),
    mailer: {
      draft: async () => "draft-1",
      sendDraft: async (id) => {
        sent.add(id);
        // The functions are notified a moment later.
        setTimeout(() => kvData.set(HEALTH_KEYS.lastNotification, new Date(clock).toISOString()), 0);
      },
      draftState: async (id) => (sent.has(id) ? "sent" : "draft"),
    },
    kv: { getSync: async (k) => kvData.get(k) ?? null },
    reaches: async () => true,
    sleep: async (ms) => {
      clock += ms;
      await new Promise((r) => setTimeout(r, 1));
    },
    waitMs: 10_000,
    ...over,
  };
  return d;
}

describe("verify-tenant's checks", () => {
  it("all pass on a tenant that does what the product relies on", async () => {
    const r = await verifyTenant(fakes());
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.result)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass"]);
    expect(r.checks.find((c) => c.check === "mail subscription")!.detail).toMatch(/^created; expires 2026-12-09 \d\d:\d\d \(London time\)$/);
  });

  it("each failure says what is wrong and what to do; a check that depends on a failed one is not tried", async () => {
    const r = await verifyTenant(
      fakes({
        siteProblems: async () => ["Cases.DecisionAt is not indexed"],
        duplicateRefused: async () => false,
        subscriptions: {
          create: async () => {
            throw new Error("Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.");
          },
          renew: async () => null,
        },
        reaches: async (e) => e.toLowerCase() !== "katy.luciani@hounslow.gov.uk",
      }),
    );
    expect(r.ok).toBe(false);
    const by = Object.fromEntries(r.checks.map((c) => [c.check, c]));
    expect(by["SharePoint lists, columns and indexes"]).toMatchObject({ result: "fail", detail: "missing: Cases.DecisionAt is not indexed" });
    expect(by["Cases.Title refuses a duplicate reference"]!.fix).toContain("provision");
    expect(by["mail subscription"]!.detail).toContain("Notification endpoint must respond with 200 OK");
    expect(by["a reply is sent and found again by its id"]!.result).toBe("pass");
    expect(by["a change notification arrives"]).toMatchObject({ result: "fail", detail: "not tried: the subscription or the probe failed" });
    expect(by["the bot reaches each lead"]!.detail).toBe("not yet: Katy Luciani (SEND Cluster Lead for clusters 4, 5)");
  });

  it("a probe never notified fails after the wait, naming it", async () => {
    const d = fakes();
    d.mailer = { ...d.mailer, sendDraft: async () => {}, draftState: async () => "sent" };
    const r = await verifyTenant(d);
    expect(r.checks.find((c) => c.check === "a change notification arrives")).toMatchObject({
      result: "fail",
      detail: "no notification within 10 s of the probe",
    });
  });
});
