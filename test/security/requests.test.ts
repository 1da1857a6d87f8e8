/**
 * Findings: card refresh checked nobody (any bot user got any case's triage card, or a closed
 * vote's tally, by its sequential reference); a case reference from a card went unencoded into a
 * SharePoint $filter (injected clauses ran); a Markdown link in a subject became a link on the
 * SCL's card; /api/messages answered 500 with internal text to `{}` and to tokens it could not
 * check; BOT_APP_TYPE=SingleTenant could never work; validate-config printed stack traces for a
 * YAML alias bomb or a directory; the dev host read request bodies of any size.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestAdapter, type TurnContext } from "botbuilder";
import azureFunctions from "@azure/functions";
import { ClusterDeskBot } from "../../bot/bot.js";
import { voteSessionKey } from "../../m365/teamsState.js";
import { botSettingsFromEnv } from "../../functions/settings.js";
import { createBotRuntime } from "../../bot/runtime.js";
import { triageCard } from "../../cards/index.js";
import { plainText, triageCardData } from "../../core/rules/triage.js";
import { botMessages } from "../../functions/messages.js";
import { GraphVotes } from "../../m365/sharepoint.js";
import { run as runCli } from "../../cli/main.js";
import { botBase, pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { cardAction, messageActivity } from "../helpers/activities.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { partnership as p } from "../helpers/tenant.js";

const KL = "katy.luciani@hounslow.gov.uk";
const people: Record<string, string> = { kl: KL, stranger: "someone@elsewhere.example", sendco: "senco@isleworthtown.school.example" };
let s: Stack;
let bot: ClusterDeskBot;

async function invoke(who: string, verb: string, data: Record<string, unknown>): Promise<string> {
  const a = new TestAdapter(async (ctx) => bot.run(ctx), { channelId: "msteams" });
  const activity = cardAction(who, verb, data);
  await a.processActivity(activity, async (ctx: TurnContext) => bot.run(ctx));
  return JSON.stringify(a.activeQueue.find((x) => x.type === "invokeResponse")!.value.body.value);
}

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
  await s.send({ from: "senco@worple.example", subject: "Cluster 5/KL/Worple Primary School", text: "x", attachments: [pdfForm()] });
  await s.settle();
  bot = new ClusterDeskBot({
    ...botBase(s, p),
    votes: new GraphVotes(s.deps.site),
    resolveEmail: async (ctx) => people[ctx.activity.from.id] ?? null,
  });
}, 60_000);
afterAll(() => s?.stop());

describe("security: every card action is authorised, refresh included", () => {
  it("a triage card's refresh goes to the cluster's SCL only; anyone else gets a neutral card, case or no case", async () => {
    expect(await invoke("kl", "triage.refresh", { caseRef: "C5-2023-0001" })).toContain("Worple Primary School");
    const theirs = await invoke("stranger", "triage.refresh", { caseRef: "C5-2023-0001" });
    const none = await invoke("stranger", "triage.refresh", { caseRef: "C5-2023-0999" });
    expect(theirs).not.toContain("Worple");
    expect(theirs).toBe(none);
  });

  it("a closed vote's tally goes to the cluster's members, its SCL and the partnership lead only", async () => {
    await s.deps.state.setSync(
      voteSessionKey("C5-2023-0001"),
      JSON.stringify({ status: "closed", ids: {}, lines: ["Award: £4,000"], decision: "Agree to fund, £4,000" }),
    );
    expect(await invoke("kl", "vote.refresh", { caseRef: "C5-2023-0001" })).toContain("Agree to fund, £4,000");
    const theirs = await invoke("stranger", "vote.refresh", { caseRef: "C5-2023-0001" });
    expect(theirs).not.toContain("£4,000");
    expect(theirs).toContain("Not available");
  });

  it("card values are checked against a schema before use, and every Graph filter is encoded", async () => {
    const forged = ["C5-2023-0001' or fields/Cluster eq 5&$top=1", "C5-2023-0001&$filter=true", "../../me"];
    for (const caseRef of forged) {
      const r = await invoke("kl", "triage.accept", { caseRef });
      expect(r).toContain("could not be read");
    }
    expect(await invoke("kl", "triage.move", { caseRef: "C5-2023-0001", toCluster: "5 or 1" })).toContain("could not be read");
    expect(await invoke("kl", "vote.cast", { caseRef: "C5-2023-0001", choice: "agree'" })).toContain("could not be read");
    // Below the bot too: a value with OData and URL syntax in it matches nothing, and injects nothing.
    for (const ref of forged) expect(await s.deps.cases.byRef(ref)).toBeNull();
  });

  it("Markdown from outside is shown as text on cards", () => {
    expect(plainText("[click](https://evil.example) **now**")).toBe("\\[click\\](https://evil.example) \\*\\*now\\*\\*");
    const card = JSON.stringify(
      triageCard(
        triageCardData(
          p,
          { itemId: "1", etag: "x", fields: { Title: "C5-2023-0009", Status: "Accepted", Cluster: 5, School: "[Worple](https://evil.example)" } },
          { now: new Date("2023-05-02T09:00:00Z"), viewer: "katy.luciani@hounslow.gov.uk" },
        ),
      ),
    );
    expect(card).toContain("\\\\[Worple\\\\](https://evil.example)");
  });
});

describe("security: bad requests are 4xx with no internal text", () => {
  const request = (body: string, headers: Record<string, string> = {}) =>
    new azureFunctions.HttpRequest({
      method: "POST",
      url: "http://localhost/api/messages",
      body: { string: body },
      headers: { "content-type": "application/json", ...headers },
    });
  const activity = JSON.stringify(messageActivity);
  const deps = () => ({
    ...botBase(s, p),
    now: () => new Date(),
  });

  it("/api/messages: 400 for what is not an activity, 401 for a token it cannot verify", async () => {
    const open = botMessages(() => createBotRuntime({ appId: null, appType: "UserAssignedMSI", tenantId: null }, deps(), () => {}));
    for (const body of ["{}", "[]", "not json", '{"type":5}', '{"type":"message"}']) {
      const r = await open(request(body), new azureFunctions.InvocationContext());
      expect(r.status, body).toBe(400);
      expect(JSON.stringify(r.jsonBody ?? r.body)).not.toMatch(/req\.body|validateAndFix|middleware|at .*\.js/);
    }
    const secured = botMessages(() =>
      createBotRuntime(
        { appId: "00000000-0000-0000-0000-000000000001", appType: "UserAssignedMSI", tenantId: "11111111-1111-1111-1111-111111111111" },
        deps(),
        () => {},
      ),
    );
    for (const auth of [undefined, "Bearer garbage", "Bearer a.b.c", "Basic eDp5"]) {
      const r = await secured(request(activity, auth ? { authorization: auth } : {}), new azureFunctions.InvocationContext());
      expect(r.status, auth).toBe(401);
      expect(JSON.stringify(r.jsonBody)).toBe(JSON.stringify({ error: "the request's token could not be verified" }));
    }
    // Forged tokens naming each issuer the bot accepts (issue 30): the Bot Framework's sends botbuilder
    // to fetch its sign-in metadata, which cannot be reached from here (as in an outage): 503 with
    // Retry-After, never 500; the tenant's issuers are refused at once: 401. No body says more.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const forged = (iss: string) =>
      `Bearer ${b64({ alg: "RS256", typ: "JWT", kid: "forged" })}.${b64({ iss, aud: "00000000-0000-0000-0000-000000000001", exp: now + 3600, nbf: now - 60 })}.${b64({ s: 1 })}`;
    const tenant = "11111111-1111-1111-1111-111111111111";
    for (const [iss, status] of [
      ["https://api.botframework.com", 503],
      [`https://sts.windows.net/${tenant}/`, 401],
      [`https://login.microsoftonline.com/${tenant}/v2.0`, 401],
      ["https://evil.example/", 401],
    ] as const) {
      const r = await secured(request(activity, { authorization: forged(iss) }), new azureFunctions.InvocationContext());
      expect(r.status, iss).toBe(status);
      expect(JSON.stringify(r.jsonBody), iss).not.toMatch(/openid|ENOTFOUND|botframework|Unauthorized|at .*\.js/i);
      if (status === 503) expect((r.headers as Record<string, string>)["retry-after"]).toBe("30");
    }
  });

  it("without a bot identity (local mode), the bot answers only a client on this machine, never a serviceUrl elsewhere (issue 30)", async () => {
    const posted: string[] = [];
    const runtime = createBotRuntime({ appId: null, appType: "UserAssignedMSI", tenantId: null }, deps(), () => {});
    const handle = runtime.handle.bind(runtime);
    const open = botMessages(() => ({
      appId: runtime.appId,
      handle: (a: Record<string, unknown>, h: Record<string, string>) => (posted.push(String(a.serviceUrl)), handle(a, h)),
    }));
    for (const serviceUrl of [
      "https://smba.trafficmanager.net/uk/",
      "http://169.254.169.254/metadata/",
      "http://10.0.0.5:3978/",
      "http://localhost.evil.example/",
    ]) {
      const r = await open(request(JSON.stringify({ ...messageActivity, serviceUrl })), new azureFunctions.InvocationContext());
      expect(r.status, serviceUrl).toBe(403);
    }
    expect(posted).toEqual([]); // none reached the bot, so nothing was posted anywhere
    // A client on this machine (as the Playground is) gets the bot's answer.
    const replies: string[] = [];
    const playground = createServer((req, res) => {
      replies.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" }).end('{"id":"1"}');
    });
    await new Promise<void>((r) => playground.listen(0, "127.0.0.1", r));
    const port = (playground.address() as AddressInfo).port;
    try {
      for (const serviceUrl of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
        const r = await open(request(JSON.stringify({ ...messageActivity, serviceUrl })), new azureFunctions.InvocationContext());
        expect(r.status, serviceUrl).toBeLessThan(300);
      }
    } finally {
      playground.close();
    }
    expect(posted).toEqual([`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]);
    expect(replies.length).toBeGreaterThanOrEqual(2);
  });

  it("each BOT_APP_TYPE is supported or refused at start-up with what to do", () => {
    expect(botSettingsFromEnv({})).toEqual({ appId: null, appType: "UserAssignedMSI", tenantId: null });
    expect(botSettingsFromEnv({ BOT_APP_TYPE: "UserAssignedMSI", BOT_APP_ID: "a", BOT_TENANT_ID: "t" })).toEqual({
      appId: "a",
      appType: "UserAssignedMSI",
      tenantId: "t",
    });
    expect(() => botSettingsFromEnv({ BOT_APP_TYPE: "SingleTenant", BOT_APP_ID: "a", BOT_TENANT_ID: "t" })).toThrow(
      /SingleTenant is not supported.*BOT_APP_TYPE=UserAssignedMSI/,
    );
    expect(() => botSettingsFromEnv({ BOT_APP_TYPE: "MultiTenant", BOT_APP_ID: "a" })).toThrow(/MultiTenant is not supported/);
    expect(() => botSettingsFromEnv({ BOT_APP_ID: "a" })).toThrow(/BOT_TENANT_ID is not/);
    expect(() => botSettingsFromEnv({ BOT_APP_TYPE: "Other" })).toThrow(/must be UserAssignedMSI/);
  });

  it("the dev host refuses request bodies over 1 MiB with 413", async () => {
    const r = await fetch(`${s.host.url}/api/notifications/mail`, { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(r.status).toBe(413);
    const ok = await fetch(`${s.host.url}/api/notifications/mail`, { method: "POST", body: JSON.stringify({ value: [] }) });
    expect(ok.status).toBe(202);
  });

  it("validate-config names the file and the problem, with no stack trace, for an alias bomb, a folder and garbage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cluster-desk-config-"));
    const bomb = join(dir, "bomb.yaml");
    writeFileSync(
      bomb,
      [
        "a: &a [x, x, x, x, x, x, x, x, x, x]",
        ...Array.from(
          { length: 12 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(", ")}]`,
        ),
      ].join("\n"),
    );
    const garbage = join(dir, "garbage.yaml");
    writeFileSync(garbage, "\u0000\u0001: [");
    for (const [file, said] of [
      [bomb, /aliases too much/],
      [dir, /is a folder, not a YAML file/],
      [garbage, /not valid YAML|could not be read/],
    ] as const) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(["validate-config", file], { out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(code, file).toBe(1);
      expect(err.join("\n"), file).toMatch(said);
      expect(err.join("\n") + out.join("\n"), file).not.toMatch(/\n\s+at /);
      expect(err.join("\n"), file).toContain(file);
    }
  });
});
