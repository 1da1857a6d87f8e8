/**
 * The Microsoft 365 Agents Playground (@microsoft/m365agentsplayground) as the local Teams client:
 * writes its `.m365agentsplayground.yml` (the cluster's people), starts it offline on the msteams
 * channel against the dev host's /api/messages, and stops it. Telemetry is off and it opens no
 * browser; the URL is printed instead.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { stopChild, tieToParent } from "./children.js";

export interface Playground {
  url: string;
  port: number;
  configPath: string;
  /**
   * Sends an activity to the bot through the Playground (its "Mock an Activity") as one of its users
   * in one of its conversations: how the demo and the browser tests act for people other than the
   * signed-in one. The Playground answers at once and forwards the activity to the bot.
   */
  as(email: string, conversationId: string, activity: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function playgroundCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@microsoft/m365agentsplayground/package.json")), "cli.js");
}

/** Writes the Playground's config file (see local/people.ts for what goes in it). */
function writePlaygroundConfig(dir: string, config: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, ".m365agentsplayground.yml");
  const header = [
    "# yaml-language-server: $schema=https://aka.ms/teams-app-test-tool-config/0.1.1/config.schema.json",
    "# Written by Cluster Desk at every start from the partnership config: the cluster's people as",
    "# Teams users (SEND Cluster Lead signed in, the partnership lead, SENDCos, the HT representative).",
    "",
  ].join("\n");
  writeFileSync(path, header + stringify(config));
  return path;
}

interface ConfigUser {
  id: string;
  aadObjectId: string;
  name: string;
  email: string;
}

/**
 * An activity from one of the Playground's users in one of its conversations, as Teams would send
 * it when that person types or clicks (the Playground's own template gives the conversation,
 * channel data, service URL and bot).
 */
export async function sendAs(
  url: string,
  users: { id: string; aadObjectId: string; name: string; email: string }[],
  email: string,
  conversationId: string,
  activity: Record<string, unknown>,
): Promise<void> {
  const who = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  if (!who) throw new Error(`${email} is not one of the Playground's users`);
  const t = await fetch(`${url}/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversationId)}&type=install`);
  if (!t.ok) throw new Error(`The Playground has no conversation ${conversationId}: ${t.status}`);
  const { action: _install, type: _type, ...base } = (await t.json()) as Record<string, unknown>;
  const body = {
    ...base,
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    from: { id: who.id, aadObjectId: who.aadObjectId, name: who.name },
    ...activity,
  };
  const r = await fetch(`${url}/_internal/v1/customActivities`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`The Playground refused the activity: ${r.status} ${await r.text()}`);
}

/** Starts the Playground with `config` (see playgroundConfig in local/people.ts) written into `dir`. */
export async function startPlayground(opts: {
  appEndpoint: string;
  config: Record<string, unknown>;
  dir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<Playground> {
  const configPath = writePlaygroundConfig(opts.dir, opts.config);
  const users = [opts.config.currentUser, ...(opts.config.users as unknown[])] as ConfigUser[];
  const port = opts.port || (await freePort());
  const child: ChildProcess = spawn(process.execPath, [playgroundCli(), "-e", opts.appEndpoint, "-c", "msteams", "-p", String(port), "--disable-telemetry"], {
    cwd: opts.dir,
    env: {
      ...process.env,
      TEAMSAPPTESTER_BROWSER: "none",
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
      M365_AGENTS_PLAYGROUND_LOGFILE: join(opts.dir, "m365agentsplayground.log"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  tieToParent(child); // it must not outlive this process, even when this process fails
  let output = "";
  const onData = (b: Buffer) => {
    output += b.toString();
    for (const line of b.toString().split("\n")) if (line.trim()) opts.log?.(line.trim());
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const deadline = Date.now() + 60_000;
  let url = "";
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The Agents Playground stopped (exit ${child.exitCode}): ${output.slice(-800)}`);
    // If the port is taken the Playground picks another: its own "Listening on" line says which.
    const listening = /Listening on (\d+)/.exec(output);
    if (listening) {
      url = `http://localhost:${listening[1]}`;
      if (
        await fetch(`${url}/_debug/ping`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`The Agents Playground did not start within 60 s: ${output.slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!output.includes(`Listening on ${port}`)) opts.log?.(`port ${port} was taken; the Playground is on ${url}`);
  return {
    url,
    port: Number(new URL(url).port),
    configPath,
    as: (email, conversationId, activity) => sendAs(url, users, email, conversationId, activity),
    close: () => stopChild(child),
  };
}
