/**
 * The local stack's one way to start (issue 35): a local tenant (started, or given), Azurite, the
 * dev host running the real functions on the app's deps with the tenant's clock, the SharePoint
 * lists provisioned and the mailbox subscribed. The demos (local/demoStack.ts) add the Playground;
 * the tests (test/helpers/stack.ts) give an in-memory tenant; `npm start` (local/start.ts) runs the
 * same parts on its persistent data and fixed ports.
 */
import nodemailer, { type SendMailOptions } from "nodemailer";
import type { Partnership } from "../core/config.js";
import type { Logger } from "../core/ports.js";
import { keepSubscription } from "../core/usecases/subscription.js";
import { buildDeps, type AppDeps } from "../functions/deps.js";
import { functionDefs } from "../functions/registry.js";
import { startAzurite, type Azurite, type AzuriteOptions } from "./azurite.js";
import { startDevHost, type DevHost } from "./devhost/host.js";
import { localAppSettings, localSite } from "./tenant/defaults.js";
import type { Tenant } from "./tenant/server.js";

export interface LocalStackOptions {
  partnership: Partnership;
  tenant: Tenant;
  /** Moves the tenant's (and the product's) clock there first (the summer 2023 scenarios). */
  at?: string;
  clientState: string;
  log: Logger;
  hostLog?: (line: string) => void;
  /** The queue's visibility timeout in the dev host (tests: 5 s; the demo: 2 s; absent: the host's, as host.json has it). */
  visibilitySeconds?: number;
  /** The tests' and demos' default site (Hounslow's), or the council's own (`npm start`, the demos). */
  ownSite?: boolean;
  /** Azurite's data folder and ports (`npm start`: kept in .data, fixed ports); absent: in memory, free ports. */
  azurite?: AzuriteOptions;
  /** The dev host's port (`npm start`: 7071) and whether it runs queues and timers itself (`npm start`: yes). */
  hostPort?: number;
  autoRun?: boolean;
  /** App settings beyond the local ones (`npm start`: the config read from the site). */
  settings?: Record<string, string>;
  /** Whether to subscribe to the mailbox here (`npm start` does it itself, replacing an earlier run's). */
  subscribe?: boolean;
}

export interface LocalStack {
  tenant: Tenant;
  azurite: Azurite;
  host: DevHost;
  /** The app's deps (the functions hold this object; moving the clock refreshes it in place). */
  deps: AppDeps;
  env: Record<string, string>;
  /** What provisioning the SharePoint lists changed (nothing on a second start). */
  provisioned: string[];
  /** Sends an email to the secure mailbox over SMTP; its Message-ID. */
  send(msg: SendMailOptions): Promise<string>;
  /** Waits for notifications, then runs the queue until it is empty. */
  settle(): Promise<void>;
  /** Moves the clock; fresh Graph clients (tokens from before the jump have expired). */
  at(iso: string): void;
  stop(): Promise<void>;
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const { tenant, partnership: p } = o;
  const moveTo = (iso: string) => tenant.advanceClock(Date.parse(iso) - tenant.now());
  if (o.at) moveTo(o.at);
  const azurite = await startAzurite(o.azurite ?? {});
  const env = { ...localAppSettings(tenant, azurite.connectionString, o.clientState, ...(o.ownSite ? [localSite(p)] : [])), ...o.settings };
  let deps: AppDeps | undefined;
  const build = () => buildDeps(env, p, o.log, () => new Date(tenant.now()));
  const getDeps = () => (deps ??= build());
  // The stack's user drains the queue (settle); the host runs nothing on its own.
  const host = await startDevHost(functionDefs(getDeps), {
    storage: azurite.connectionString,
    log: o.hostLog ?? (() => {}),
    autoRun: o.autoRun ?? false,
    ...(o.hostPort !== undefined ? { port: o.hostPort } : {}),
    ...(o.visibilitySeconds !== undefined ? { visibilityTimeoutSeconds: o.visibilitySeconds, retryDelaySeconds: 1 } : {}),
  });
  env.MAIL_NOTIFICATION_URL = `${host.url}/api/notifications/mail`;
  env.MAIL_LIFECYCLE_URL = `${host.url}/api/notifications/lifecycle`;
  const d = getDeps();
  const provisioned = await d.site.provision();
  if (o.subscribe !== false) await keepSubscription(d); // mail to the secure mailbox is notified from here on
  return {
    tenant,
    azurite,
    host,
    deps: d,
    env,
    provisioned,
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
    at(iso) {
      moveTo(iso);
      Object.assign(d, build());
    },
    async stop() {
      // Each part stops even if another fails to.
      const results = await Promise.allSettled([host.close(), tenant.close(), azurite.stop()]);
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
