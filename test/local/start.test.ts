import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { packageRoot } from "../../config/load.js";
import { tempDataDir } from "../helpers/tenant.js";
import { start, stop } from "../helpers/npmStart.js";

const root = packageRoot();

describe("npm start", () => {
  it("runs tenant, Azurite and functions; a sample form gets its reply; Ctrl-C stops; a second start reuses the data", async () => {
    const dir = tempDataDir();
    const first = start(dir);
    const banner = await first.ready;
    expect(banner).toContain("Cluster Desk is running locally for the Mainstream Inclusion Partnership");
    expect(banner).toMatch(/created list Cases with 35 columns/);
    const smtpPort = /SMTP into the secure mailbox\s+localhost:(\d+)/.exec(banner)![1]!;
    const tenantUrl = /Local tenant \(what the product did\)\s+(https:\/\/localhost:\d+)\//.exec(banner)![1]!;
    expect(banner).toContain(`npx cluster-desk send-sample --smtp-port ${smtpPort}`);
    // The Agents Playground, signed in as cluster 5's SEND Cluster Lead, talks to the bot's endpoint.
    const playground = /Teams \(Agents Playground\)\s+(http:\/\/localhost:\d+)\/\s+signed in as Katy Luciani/.exec(banner)![1]!;
    expect(await (await fetch(`${playground}/_debug/ping`)).text()).toBe("pong");
    expect(banner).toMatch(/Bot \(Bot Framework endpoint\)\s+http:\/\/127\.0\.0\.1:\d+\/api\/messages/);

    const sent = await promisify(execFile)(process.execPath, [
      join(root, "bin", "cluster-desk.mjs"),
      "send-sample",
      "--smtp-port",
      smtpPort,
      "--from",
      "senco@sample.example",
    ]);
    expect(JSON.parse(sent.stdout)).toMatchObject({ sent: true, subject: "Cluster 5/KL/Isleworth Town Primary School" });
    let replies: any[] = [];
    for (let i = 0; i < 100 && !replies.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      replies = (await (await fetch(`${tenantUrl}/_admin/outbox`)).json()).value.filter((o: any) => o.to === "senco@sample.example");
    }
    expect(replies).toHaveLength(1);
    expect(replies[0].message.subject).toBe("RE: Cluster 5/KL/Isleworth Town Primary School");
    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain("Stopped.");
    expect(
      await fetch(`${playground}/_debug/ping`).then(
        () => "up",
        () => "down",
      ),
    ).toBe("down");

    const second = start(dir);
    const banner2 = await second.ready;
    expect(banner2).not.toContain("created list");
    const url2 = /Local tenant \(what the product did\)\s+(https:\/\/localhost:\d+)\//.exec(banner2)![1]!;
    const html = await (await fetch(`${url2}/`)).text();
    expect(html).toMatch(/>Cases<\/a><\/td><td>[^<]*<\/td><td>1</);
    expect(await stop(second.child)).toBe(0);
  }, 120_000);

  it("a wrong Playground setting is one clear line and exit 2, before anything starts", async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(root, "bin", "local.mjs"), "start"],
          { cwd: root, env: { ...process.env, CLUSTER_DESK_DATA: tempDataDir(), TENANT_TLS_DIR: ".data/test-tls", ...env } },
          (e, _out, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
    expect(await run({ PLAYGROUND_USER: "nobody@elsewhere.example" })).toEqual({
      code: 2,
      stderr:
        "Cannot start the Agents Playground: nobody@elsewhere.example is not in the partnership directory (PLAYGROUND_USER). Set PLAYGROUND=off to start without it.\n",
    });
    expect((await run({ PLAYGROUND_CLUSTER: "9" })).stderr).toContain('there is no cluster "9"');
  });
});

describe("the Azure Functions entry point", () => {
  it("loads in plain Node and registers every function", async () => {
    const r = await promisify(execFile)(process.execPath, ["-e", "import('./dist/functions/index.js')"], { cwd: root });
    for (const name of [
      "mailNotification",
      "mailLifecycle",
      "mailIntake",
      "mailSweep",
      "mailReconcile",
      "mailSubscription",
      "mailHealth",
      "outlookReminders",
      "acknowledgements",
      "reviewReminders",
      "termlyReport",
      "agendas",
      "calendarDuties",
    ]) {
      expect(r.stderr + r.stdout).toContain(`register function "${name}"`);
    }
  });
});
