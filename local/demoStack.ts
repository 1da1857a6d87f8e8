/**
 * What every `npm run demo` story runs on: the local tenant with its clock set, Azurite, the dev
 * host running the real functions and bot, and the Agents Playground as Teams, with the helpers a
 * story uses (send an email by SMTP, move the clock, act in the Playground as someone, wait).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SendMailOptions } from "nodemailer";
import type { Partnership } from "../core/config.js";
import type { AppDeps } from "../functions/deps.js";
import type { DevHost } from "./devhost/host.js";
import { playgroundConfig, playgroundTeam } from "./people.js";
import { startPlayground, type Playground } from "./playground.js";
import { startLocalStack } from "./stack.js";
import { defaultTenantOptions } from "./tenant/defaults.js";
import { startTenant, type Tenant } from "./tenant/server.js";

export interface DemoOptions {
  dataDir: string;
  tlsDir?: string;
  print: (line: string) => void;
  keepRunning: boolean;
  playgroundPort?: number;
}

export interface DemoStack {
  p: Partnership;
  d: AppDeps;
  tenant: Tenant;
  host: DevHost;
  pg: Playground;
  team: ReturnType<typeof playgroundTeam>;
  /** The Playground's people: the signed-in user and the five others. */
  users: { name: string; email: string }[];
  send: (msg: SendMailOptions) => Promise<void>;
  /** Waits until every notification and queued email has been handled. */
  settle: () => Promise<void>;
  /** Moves the clock once the mailbox has sent what earlier steps started (a jump expires the tokens of an email on its way). */
  setTime: (iso: string) => Promise<void>;
  stop: () => Promise<void>;
}

/** Waits for the bot to finish what an activity sent through the Playground started. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`The demo waited ${ms / 1000} s for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A card button clicked in Teams (Action.Execute), as the Playground sends it. */
export const execute = (verb: string, data: Record<string, unknown>, replyToId?: string | null) => ({
  type: "invoke",
  name: "adaptiveCard/action",
  ...(replyToId ? { replyToId } : {}),
  value: { action: { type: "Action.Execute", verb, data } },
});

/** Waits until the secure mailbox's Sent Items stop growing (two looks 300 ms apart agree), at most 10 s. */
export async function mailQuiet(d: AppDeps, mailbox: string): Promise<void> {
  const count = async () =>
    (
      (
        await d.graph
          .api(`/users/${encodeURIComponent(mailbox)}/mailFolders/sentitems/messages`)
          .select("id")
          .top(999)
          .get()
      ).value as unknown[]
    ).length;
  const end = Date.now() + 10_000;
  let last = await count();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await count();
    if (now === last) return;
    last = now;
  }
}

export async function startDemoStack(
  p: Partnership,
  opts: DemoOptions,
  setup: { start: string; cluster: number; currentUser?: string; others?: string[]; mailboxes?: string[] },
): Promise<DemoStack> {
  rmSync(opts.dataDir, { recursive: true, force: true });
  const base = defaultTenantOptions(p, {});
  const tenant = await startTenant({
    ...base,
    dataDir: join(opts.dataDir, "tenant"),
    ...(opts.tlsDir ? { tlsDir: opts.tlsDir } : {}),
    port: 0,
    smtpPort: 0,
    mailboxes: [...base.mailboxes, ...(setup.mailboxes ?? []).map((a) => ({ address: a, displayName: a }))],
    log: () => {},
  });
  // DEMO_LOG=1 shows what the functions and the bot log.
  const quiet = process.env.DEMO_LOG
    ? {
        info: (e: string, f?: object) => console.error(`[info] ${e} ${JSON.stringify(f ?? {})}`),
        warn: (e: string, f?: object) => console.error(`[warn] ${e} ${JSON.stringify(f ?? {})}`),
      }
    : { info: () => {}, warn: () => {} };
  // The local stack's one start (local/stack.ts), with the council's own site.
  const stack = await startLocalStack({
    partnership: p,
    tenant,
    at: setup.start,
    clientState: "demo-client-state",
    log: quiet,
    visibilitySeconds: 2,
    ownSite: true,
  });
  const { host, deps: d } = stack;
  const team = playgroundTeam(setup.cluster);
  const config = playgroundConfig(p, setup.cluster, {
    now: new Date(tenant.now()),
    ...(setup.currentUser ? { currentUser: setup.currentUser } : {}),
    ...(setup.others ? { others: setup.others } : {}),
  });
  const pg = await startPlayground({
    appEndpoint: `${host.url}/api/messages`,
    config,
    dir: join(opts.dataDir, "playground"),
    port: opts.playgroundPort ?? 0,
  });
  return {
    p,
    d,
    tenant,
    host,
    pg,
    team,
    users: [config.currentUser as { name: string; email: string }, ...(config.users as { name: string; email: string }[])],
    send: async (msg) => void (await stack.send(msg)),
    settle: () => stack.settle(),
    setTime: async (iso) => {
      await mailQuiet(d, p.intake.mailbox);
      stack.at(iso);
    },
    stop: async () => {
      await pg.close();
      await stack.stop();
    },
  };
}

/** Emails the secure mailbox sent to `address`, oldest first (subject and body). */
export async function sentTo(s: DemoStack, address: string): Promise<{ subject: string; body: string }[]> {
  const all = (
    await s.d.graph
      .api(`/users/${encodeURIComponent(s.p.intake.mailbox)}/mailFolders/sentitems/messages`)
      .select("subject,body,toRecipients,sentDateTime")
      .top(200)
      .get()
  ).value as { subject: string; body: { content: string }; toRecipients: { emailAddress: { address: string } }[]; sentDateTime: string }[];
  return all
    .filter((m) => m.toRecipients.some((r) => r.emailAddress.address.toLowerCase() === address.toLowerCase()))
    .sort((a, b) => a.sentDateTime.localeCompare(b.sentDateTime))
    .map((m) => ({ subject: m.subject, body: m.body.content }));
}

/** The Cases list: reference, status and school of every case. */
export async function register(s: DemoStack): Promise<{ ref: string; status: string; school: string }[]> {
  const site = await s.d.site.id();
  return (await s.d.graph.api(`/sites/${site}/lists/Cases/items`).expand("fields").get()).value.map(
    (i: { fields: { Title: string; Status: string; School?: string } }) => ({ ref: i.fields.Title, status: i.fields.Status, school: i.fields.School ?? "" }),
  );
}

/** A PDF attachment as a school sends it (the demo's forms are placeholders). */
export const pdfAttachment = (filename: string) => ({ filename, content: Buffer.from("%PDF-1.4 demo form"), contentType: "application/pdf" });

/** A case's fields as the register holds them now. */
export const caseFields = async (s: DemoStack, ref: string) => (await s.d.cases.byRef(ref))?.fields;

/**
 * A lead adds Cluster Desk in Teams (the bot keeps their personal chat), then types `command` in
 * the team's channel to make it `cluster`'s; resolves once both are stored.
 */
export async function addBotAndLinkChannel(s: DemoStack, email: string, who: string, command: string, cluster: number): Promise<void> {
  await s.pg.as(email, s.team.personalChatId, { type: "installationUpdate", action: "add" });
  await until(`the bot to keep ${who} chat`, () => s.d.teams.personalChat(email));
  await s.pg.as(email, s.team.channelId, { type: "message", text: command });
  await until("the channel link", () => s.d.teams.clusterChannel(cluster));
}
