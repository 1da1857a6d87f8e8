/** The whole intake stack for end-to-end tests: local tenant + Azurite + dev host running the real functions. */
import nodemailer, { type SendMailOptions } from "nodemailer";
import type { Partnership } from "../../core/config.js";
import { buildDeps, type AppDeps } from "../../functions/deps.js";
import { ClusterDeskBot } from "../../bot/bot.js";
import { GraphCaseRegister, GraphVotes } from "../../m365/sharepoint.js";
import type { StoredCase } from "../../core/ports.js";
import { functionDefs } from "../../functions/registry.js";
import { keepSubscription } from "../../core/usecases/subscription.js";
import { startDevHost, type DevHost } from "../../local/devhost/host.js";
import { localAppSettings } from "../../local/tenant/defaults.js";
import type { Tenant, TenantOptions } from "../../local/tenant/server.js";
import { startAzurite, type Azurite } from "./azurite.js";
import { partnership as hounslow, startTestTenant } from "./tenant.js";

export const CLIENT_STATE = "test-client-state-7f3a";

export interface Stack {
  tenant: Tenant;
  azurite: Azurite;
  host: DevHost;
  deps: AppDeps;
  logs: string[];
  env: Record<string, string>;
  send(msg: SendMailOptions): Promise<string>;
  /** Sets the tenant's (and the product's) clock; new clients, since old tokens may have expired. */
  at(iso: string): void;
  /** Waits for notifications, then runs the queue until it is empty. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** Moves the tenant's clock to a London time in the past (the summer 2023 scenario). */
export function setTenantTime(t: Tenant, iso: string): void {
  t.advanceClock(Date.parse(iso) - t.now());
}

export async function startStack(opts: { partnership?: Partnership; at?: string; tenant?: Partial<TenantOptions> } = {}): Promise<Stack> {
  const p = opts.partnership ?? hounslow;
  const tenant = await startTestTenant(opts.tenant);
  if (opts.at) setTenantTime(tenant, opts.at);
  const azurite = await startAzurite();
  const logs: string[] = [];
  const env = localAppSettings(tenant, azurite.connectionString, CLIENT_STATE);
  const log = {
    info: (e: string, f?: object) => logs.push(JSON.stringify({ e, ...f })),
    warn: (e: string, f?: object) => logs.push(JSON.stringify({ e, ...f })),
  };
  let deps: AppDeps | undefined;
  const build = () => buildDeps(env, p, log, () => new Date(tenant.now()));
  const getDeps = () => {
    deps ??= build();
    return deps;
  };
  // Tests drain the queue themselves (settle); the host runs nothing on its own.
  const host = await startDevHost(functionDefs(getDeps), {
    storage: azurite.connectionString,
    log: (l) => logs.push(l),
    autoRun: false,
    visibilityTimeoutSeconds: 5,
    retryDelaySeconds: 1,
  });
  env.MAIL_NOTIFICATION_URL = `${host.url}/api/notifications/mail`;
  env.MAIL_LIFECYCLE_URL = `${host.url}/api/notifications/lifecycle`;
  const d = getDeps();
  await d.site.provision();
  await keepSubscription(d); // mail to the secure mailbox is notified from here on
  return {
    tenant,
    azurite,
    host,
    deps: d,
    logs,
    env,
    at(iso: string) {
      setTenantTime(tenant, iso);
      // Same object (the functions hold it), fresh Graph clients and adapters.
      Object.assign(d, build());
    },
    async send(msg) {
      const tr = nodemailer.createTransport({ host: "127.0.0.1", port: tenant.smtpPort!, secure: false, ignoreTLS: true });
      try {
        return (await tr.sendMail({ to: p.intake.mailbox, ...msg })).messageId;
      } finally {
        tr.close();
      }
    },
    async settle() {
      await tenant.notifier.settle();
      await host.drain();
    },
    async stop() {
      // Each part stops even if another fails to.
      const results = await Promise.allSettled([host.close(), tenant.close(), azurite.stop()]);
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}

export const pdfForm = (name = "MIP presentation form.pdf") => ({
  filename: name,
  content: Buffer.from("%PDF-1.7 presentation form"),
  contentType: "application/pdf",
});

/** The bot's dependencies from a stack (each test adds or replaces what it needs). */
export function botBase(s: Stack, partnership: Partnership) {
  return {
    partnership,
    cases: s.deps.cases,
    mailer: s.deps.mailer,
    kv: s.deps.state,
    teams: s.deps.teams,
    triageCards: s.deps.triageCards,
    log: s.deps.log,
    now: () => new Date(s.tenant.now()),
  };
}

/** The bot on a stack with the real Votes list and audit, taking each click's email from its from.id (the vote and race tests). */
export function votingBot(s: Stack, partnership: Partnership): ClusterDeskBot {
  return new ClusterDeskBot({
    ...botBase(s, partnership),
    votes: new GraphVotes(s.deps.site),
    audit: (r) => s.deps.cases.audit(r),
    resolveEmail: async (ctx) => ctx.activity.from.id,
  });
}

/** Every item's fields in one of the stack's SharePoint lists (Cases, Audit, Meetings...). */
export async function listFields(s: Stack, list: string): Promise<any[]> {
  const site = await s.deps.site.id();
  return (await s.deps.graph.api(`/sites/${site}/lists/${list}/items`).expand("fields").top(999).get()).value.map((i: any) => i.fields);
}

/**
 * A cluster's whole history, for tests on small registers (the product never asks it: it reads
 * windows, core/usecases/caseWindows.ts, as SharePoint's list view threshold requires).
 */
export function clusterCases(s: Stack, cluster: number): Promise<StoredCase[]> {
  return (s.deps.cases as GraphCaseRegister).ofCluster(cluster);
}

/** Every case of the partnership, cluster by cluster (tests only, as clusterCases). */
export async function everyCase(s: Stack, p: Partnership): Promise<StoredCase[]> {
  return (await Promise.all(p.clusters.map((c) => clusterCases(s, c.id)))).flat();
}

/**
 * A stack on 1 June 2023 with one case, C5-2023-0001 (Worple Primary School), on cluster 5's
 * agenda with its details entered: the vote tests' starting point.
 */
export async function stackWithAgendaCase(partnership: Partnership): Promise<Stack> {
  const s = await startStack({ partnership, at: "2023-06-01T09:00:00Z" });
  await s.send({ from: "senco@worple.example", subject: "Cluster 5/KL/Worple Primary School", text: "x", attachments: [pdfForm()] });
  await s.settle();
  await s.deps.cases.change("C5-2023-0001", () => ({ Status: "On agenda", CaseType: "Group", CypCount: 5, TermsSought: 2, AmountRequested: 4500 }));
  return s;
}

/** Isleworth Town Primary School's SENDCo emails a form to cluster 5 (the example subject line), and intake takes it in. */
export async function sendIsleworthForm(s: Stack, from = "senco@isleworthtown.school.example"): Promise<void> {
  await s.send({ from, subject: "Cluster 5/KL/Isleworth Town Primary School", text: "Our form.", attachments: [pdfForm()] });
  await s.settle();
}
