/**
 * `npm run bench:intake`: a real burst against the local stack, SMTP to case and reply. Prints
 * forms per minute, Graph calls per form, peak mailbox concurrency (and refusals), lost and
 * duplicated forms, and SMTP-to-reply latency, for a clean run and one with 20% 429 (Retry-After
 * 2 s) and 5% 503 injected. Options: --forms N (default 1000), --instances N (dev hosts sharing
 * one storage account, default 1), --only clean|faults, --routes (the tenant's
 * requests by route and status), --leads teams|email.
 *
 * The SCLs have the app in Teams (as docs/deploy.md's setup policy gives them): each card goes to
 * a stand-in for Teams' Bot Connector that takes it at once. `--leads email`: none of them has
 * it yet, so every case also goes to its SCL by email from the same mailbox (2 more requests to it).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import nodemailer from "nodemailer";
import { loadPartnership } from "../config/load.js";
import { buildDeps } from "../functions/deps.js";
import { functionDefs } from "../functions/registry.js";
import { keepSubscription } from "../core/usecases/subscription.js";
import { startDevHost, type DevHost } from "../local/devhost/host.js";
import { startAzurite } from "../local/azurite.js";
import { localAppSettings } from "../local/tenant/defaults.js";
import { ensureTls } from "../local/tenant/tls.js";

// The local tenant's certificate must be trusted from the start: run again with it if need be.
const tls = await ensureTls(".data/bench-tls");
if (process.env.NODE_EXTRA_CA_CERTS !== tls.caPath) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caPath },
  });
  child.on("exit", (code) => process.exit(code ?? 1));
  await new Promise(() => {});
}

const { values } = parseArgs({
  options: {
    forms: { type: "string", default: "1000" },
    instances: { type: "string", default: "1" },
    only: { type: "string" },
    routes: { type: "boolean", default: false },
    leads: { type: "string", default: "teams" },
  },
});
if (values.leads !== "teams" && values.leads !== "email") throw new Error("--leads is teams or email");
const N = Number(values.forms);
const INSTANCES = Number(values.instances);
const p = loadPartnership("hounslow-mip").partnership;
const schools = p.clusters.flatMap((c) =>
  c.schools.map((s) => ({ cluster: c.id, lead: p.leads.find((l) => l.clusters.includes(c.id))!.initials, name: s.name })),
);

/** Teams' Bot Connector as the cards see it: every post taken at once, with an activity id. */
async function connectorStandIn(): Promise<{ url: string; posted: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const ok = req.method === "POST" && /^\/v3\/conversations\/[^/]+\/activities/.test(req.url ?? "");
      if (ok) n++;
      res.writeHead(ok ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(ok ? { id: `activity-${n}` } : {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    posted: () => n,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The local tenant in its own process (bench/tenantProcess.ts), driven through its /_admin endpoints. */
async function tenantProcess() {
  const child = spawn(process.execPath, [...process.execArgv, "bench/tenantProcess.ts"], { stdio: ["pipe", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    child.once("exit", (code) => reject(new Error(`the tenant stopped (${code})`)));
  });
  const { url, smtpPort, tenantId } = JSON.parse(first) as { url: string; smtpPort: number; tenantId: string };
  const admin = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}/_admin/${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
    return r.status === 204 ? null : r.json();
  };
  // Summer 2023, so the forms have meetings; the functions keep the tenant's time.
  const { now } = (await admin("POST", "clock", { advanceMs: 0 })) as { now: string };
  const clock = (await admin("POST", "clock", { advanceMs: Date.parse("2023-05-02T08:00:00Z") - Date.parse(now) })) as { now: string };
  const offset = Date.parse(clock.now) - Date.now();
  return {
    url,
    smtpPort,
    tenantId,
    offset,
    now: () => Date.now() + offset,
    faults: (patch: Record<string, number>) => admin("POST", "faults", patch),
    resetCounters: () => admin("DELETE", "counters"),
    counters: () =>
      admin("GET", "counters") as Promise<{
        byRoute: Record<string, Record<string, number>>;
        mailbox: { peakInFlight: number; refusedForConcurrency: number };
      }>,
    close: () => new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.stdin.end())),
  };
}

async function burst(label: string, faults: Record<string, number>): Promise<void> {
  const tenant = await tenantProcess();
  const offset = tenant.offset;
  const azurite = await startAzurite();
  const env = localAppSettings(tenant, azurite.connectionString, "bench-client-state");
  const quiet = { info: () => {}, warn: () => {} };
  const hosts: DevHost[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const deps = buildDeps(env, p, quiet, () => new Date(tenant.now()));
    hosts.push(
      await startDevHost(
        functionDefs(() => deps),
        { storage: azurite.connectionString, log: process.env.BENCH_VERBOSE ? (l) => console.log(l) : () => {} },
      ),
    );
  }
  const main = buildDeps({ ...env, MAIL_NOTIFICATION_URL: `${hosts[0]!.url}/api/notifications/mail` }, p, quiet, () => new Date(tenant.now()));
  await main.site.provision();
  await keepSubscription(main);
  const connector = values.leads === "teams" ? await connectorStandIn() : null;
  if (connector)
    for (const l of [...p.leads, p.partnershipLead])
      await main.teams.setPersonalChat(
        l.email,
        JSON.stringify({ conversation: { id: `chat-${l.initials}` }, serviceUrl: connector.url, channelId: "msteams", bot: { id: "cluster-desk" } }),
      );
  await tenant.resetCounters();
  await tenant.faults(faults);

  const sentAt = new Map<string, number>();
  const tr = nodemailer.createTransport({
    host: "127.0.0.1",
    port: tenant.smtpPort,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 5,
    maxMessages: Infinity,
  });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 5 }, async (_, lane) => {
      for (let i = lane; i < N; i += 5) {
        const s = schools[i % schools.length]!;
        const from = `senco${i}@bench${i}.example`;
        sentAt.set(from, Date.now());
        await tr.sendMail({
          from,
          to: p.intake.mailbox,
          subject: `Cluster ${s.cluster}/${s.lead}/${s.name}`,
          text: "Form attached",
          attachments: [{ filename: "form.pdf", content: Buffer.from("%PDF-1.7 bench"), contentType: "application/pdf" }],
        });
      }
    }),
  );
  tr.close();
  const sent = Date.now();

  // Until every form has its reply (or ten minutes).
  type Row = { to: string; sentAt: string };
  let rows: Row[] = [];
  for (;;) {
    rows = ((await (await fetch(`${tenant.url}/_admin/outbox`)).json()) as { value: Row[] }).value.filter((r) => r.to.startsWith("senco"));
    if (new Set(rows.map((r) => r.to)).size >= N || Date.now() - started > 600_000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const done = Date.now();
  await tenant.faults({ throttleRate: 0, unavailableRate: 0 }); // the count below is not the product's
  // The product's calls only: counted before the bench reads the list itself.
  const { byRoute, mailbox } = await tenant.counters();
  const graphCalls = Object.entries(byRoute)
    .filter(([r]) => r.includes("/v1.0/") && !r.includes("(batch)") && !r.includes("subscriptions"))
    .reduce((n, [, st]) => n + Object.values(st).reduce((a, b) => a + b, 0), 0);
  const site = await main.site.id();
  const cases: { SenderEmail: string }[] = [];
  let page = await main.graph.api(`/sites/${site}/lists/Cases/items`).expand("fields($select=SenderEmail)").top(999).get();
  for (;;) {
    cases.push(...page.value.map((i: { fields: { SenderEmail: string } }) => i.fields));
    if (!page["@odata.nextLink"]) break;
    page = await main.graph.api(page["@odata.nextLink"]).get();
  }
  const perSender = (list: { to?: string; SenderEmail?: string }[], key: "to" | "SenderEmail") => {
    const m = new Map<string, number>();
    for (const x of list) m.set(x[key]!, (m.get(x[key]!) ?? 0) + 1);
    return m;
  };
  const replies = perSender(rows, "to");
  const caseCount = perSender(cases, "SenderEmail");
  const senders = [...sentAt.keys()];
  const lost = senders.filter((s) => !replies.get(s) || !caseCount.get(s)).length;
  const duplicated = senders.filter((s) => (replies.get(s) ?? 0) > 1 || (caseCount.get(s) ?? 0) > 1).length;
  const latencies = rows.map((r) => Date.parse(r.sentAt) - offset - sentAt.get(r.to)!).sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  console.log(
    [
      `${label}: ${N} forms, ${INSTANCES} instance(s), SCLs ${connector ? `in Teams (${connector.posted()} cards)` : "by email (not in Teams)"}`,
      `  forms per minute      ${((N / (done - started)) * 60_000).toFixed(0)} (sent over SMTP in ${((sent - started) / 1000).toFixed(1)} s, all replied after ${((done - started) / 1000).toFixed(1)} s)`,
      `  Graph calls per form  ${(graphCalls / N).toFixed(2)} (${graphCalls} calls, throttled answers included)`,
      `  mailbox concurrency   peak ${mailbox.peakInFlight}, refused ${mailbox.refusedForConcurrency}`,
      `  lost ${lost} (no case or no reply when the run ended), duplicated ${duplicated}`,
      `  SMTP to reply         p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${latencies[latencies.length - 1]} ms`,
    ].join("\n"),
  );
  if (values.routes)
    for (const [route, statuses] of Object.entries(byRoute))
      console.log(
        `    ${route.padEnd(60)} ${Object.entries(statuses)
          .map(([s, n]) => `${s}: ${n}`)
          .join(", ")}`,
      );
  await Promise.all(hosts.map((h) => h.close()));
  await connector?.close();
  await tenant.close();
  await azurite.stop();
}

if (values.only !== "faults") await burst("clean", {});
if (values.only !== "clean") await burst("20% 429 (Retry-After 2 s) + 5% 503", { throttleRate: 0.2, unavailableRate: 0.05, retryAfterSeconds: 2, seed: 7 });
process.exit(0);
