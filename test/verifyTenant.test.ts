/**
 * Issue 28: `npx cluster-desk verify-tenant` tries, against the deployed tenant (here the local one,
 * through the real functions), each platform behaviour the product relies on, and says pass or fail
 * with what to do; exit 1 on any fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../cli/main.js";
import { personalChatKey } from "../m365/teamsState.js";
import { listFields, startStack, type Stack } from "./helpers/stack.js";

let s: Stack;
let settings: string;

async function verify(): Promise<{ code: number; body: { ok: boolean; checks: { check: string; result: string; detail: string; fix?: string }[] } }> {
  const out: string[] = [];
  const code = await run(["verify-tenant", "--settings", settings, "--wait", "20"], { out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, body: JSON.parse(out.join("\n")) };
}
const result = (body: Awaited<ReturnType<typeof verify>>["body"]) => Object.fromEntries(body.checks.map((c) => [c.check, c.result]));

beforeAll(async () => {
  s = await startStack();
  settings = join(mkdtempSync(join(tmpdir(), "cd-verify-")), "app-settings.json");
  writeFileSync(settings, JSON.stringify({ ...s.env, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "" }));
}, 60_000);
afterAll(() => s?.stop());

describe("verify-tenant", () => {
  it("on a provisioned tenant every platform check passes but the bot's, which names each lead it cannot reach", async () => {
    const { code, body } = await verify();
    expect(result(body)).toEqual({
      "SharePoint lists, columns and indexes": "pass",
      "Cases.Title refuses a duplicate reference": "pass",
      "mail subscription": "pass",
      "a reply is sent and found again by its id": "pass",
      "a change notification arrives": "pass",
      "the bot reaches each lead": "fail",
    });
    expect(code).toBe(1);
    const bot = body.checks.find((c) => c.check === "the bot reaches each lead")!;
    expect(bot.detail).toContain("Katy Luciani (SEND Cluster Lead for clusters 4, 5)");
    expect(bot.detail).toContain("Nikita Fernandes (SEND Cluster Lead for cluster 1)");
    expect(bot.fix).toContain("app setup policy");
    // The probe case is gone; the probe email went to the mailbox itself and is filed as the product's own mail.
    expect((await listFields(s, "Cases")).filter((f) => String(f.Title).startsWith("VERIFY-"))).toEqual([]);
    await s.settle();
    expect((await s.deps.cases.intakeSince(new Date(0).toISOString())).map((r) => r.outcome)).toEqual(["ignored"]);
  });

  it("passes whole once each lead has the app; a missing index or a refused subscription fails with what to do", async () => {
    const p = s.deps.partnership;
    for (const e of [...p.leads.map((l) => l.email), p.partnershipLead.email])
      await s.deps.state.setSync(personalChatKey(e), JSON.stringify({ conversation: { id: `a:${e}` }, serviceUrl: "https://smba.example/" }));
    const good = await verify();
    expect(good.code).toBe(0);
    expect(good.body.ok).toBe(true);

    // Someone removes an index in SharePoint; the subscription is gone and the notification URL does not answer.
    await s.deps.graph.api(`/subscriptions/${JSON.parse((await s.deps.state.getSync("mail-subscription"))!).id}`).delete();
    const site = await s.deps.site.id();
    const cols = (await s.deps.graph.api(`/sites/${site}/lists/Cases/columns`).get()).value as { id: string; name: string }[];
    await s.deps.graph.api(`/sites/${site}/lists/Cases/columns/${cols.find((c) => c.name === "Cluster")!.id}`).patch({ indexed: false });
    writeFileSync(
      settings,
      JSON.stringify({
        ...s.env,
        MAIL_NOTIFICATION_URL: "http://127.0.0.1:9/api/notifications/mail",
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "",
      }),
    );
    const bad = await verify();
    expect(bad.code).toBe(1);
    const lists = bad.body.checks.find((c) => c.check === "SharePoint lists, columns and indexes")!;
    expect(lists).toMatchObject({ result: "fail", detail: "missing: Cases.Cluster is not indexed" });
    expect(lists.fix).toContain("npx cluster-desk provision");
    expect(bad.body.checks.find((c) => c.check === "mail subscription")).toMatchObject({ result: "fail" });
    expect(bad.body.checks.find((c) => c.check === "a change notification arrives")).toMatchObject({
      result: "fail",
      detail: "not tried: the subscription or the probe failed",
    });
  });
});
