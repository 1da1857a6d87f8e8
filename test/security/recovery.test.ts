/**
 * Findings: `kill -9` of the host during a 50-email batch left emails with a case and no reply,
 * no filing and no audit row, for good (the intake lease outlasted the queue's retries, so every
 * copy was poisoned, and the sweep only reads inbox changes); after storage lost its last seconds
 * of writes, references were issued to two schools; a retry after a failed audit write posted the
 * triage card twice.
 *
 * Here the host runs in a process of its own and is killed with SIGKILL at random moments of a
 * 50-email burst, and so is storage (Azurite, which loses what it took in its last 5 s); after
 * restarts and the reconciler, every email has one case, one reply, one audit row and its triage
 * card, and every reference is unique.
 *
 * A card is the one side effect nothing can look up afterwards (Teams has no "did I post this?"),
 * so it is posted once except in one window, which the test checks exactly: a card is posted again
 * only if the process died after Teams took it and before storage recorded it (or storage then
 * lost that record), and before intake's last step wrote its message id on the case.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, describe, expect, it } from "vitest";
import { buildDeps, type AppDeps } from "../../functions/deps.js";
import { keepSubscription } from "../../core/usecases/subscription.js";
import { sweepInbox } from "../../core/usecases/sweep.js";
import { localAppSettings } from "../../local/tenant/defaults.js";
import { startAzurite, type Azurite } from "../../local/azurite.js";
import { LEASE_MS } from "../../core/usecases/intake.js";
import { reconcileIntake, RECONCILE_AFTER_MS } from "../../core/usecases/reconcile.js";
import { hostJsonQueues } from "../../local/devhost/host.js";
import type { Tenant } from "../../local/tenant/server.js";
import { CLIENT_STATE, pdfForm, setTenantTime } from "../helpers/stack.js";
import { partnership as p, startTestTenant } from "../helpers/tenant.js";

const N = 50;
const quiet = { info: () => {}, warn: () => {} };

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * Reads the crash worker's card log ("posted|kept|durable REF", and "storage-lost" when Azurite is
 * killed): the cards each case got, and every repeat the rules above do not allow.
 */
function cardLog(lines: string[]): { posts: Map<string, number>; wrong: string[]; repeats: number } {
  const posts = new Map<string, number>();
  const since = new Map<string, { kept: boolean; durable: boolean }>();
  const wrong: string[] = [];
  let repeats = 0;
  for (const line of lines) {
    if (line === "storage-lost") {
      for (const s of since.values()) s.kept = false;
      continue;
    }
    const [what, ref] = line.split(" ") as [string, string];
    if (what === "posted") {
      const before = since.get(ref);
      if (before) {
        repeats++;
        if (before.kept || before.durable)
          wrong.push(
            `${ref} posted again after it was ${before.durable ? "recorded on the case" : "recorded in storage"} (${lines.filter((l) => l.endsWith(` ${ref}`) || l === "storage-lost").join(", ")})`,
          );
      }
      posts.set(ref, (posts.get(ref) ?? 0) + 1);
      since.set(ref, { kept: false, durable: false });
    } else if (since.has(ref)) {
      if (what === "kept") since.get(ref)!.kept = true;
      if (what === "durable") since.get(ref)!.durable = true;
    }
  }
  return { posts, wrong, repeats };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

describe("security: every email ends in exactly one outcome after any crash", () => {
  it("the card log's rules: a repeat is wrong once the card was recorded, in storage that kept it or on the case", () => {
    expect(cardLog(["posted A", "posted A"]).wrong).toEqual([]); // died between Teams and storage
    expect(cardLog(["posted A", "kept A", "posted A"]).wrong).toHaveLength(1);
    expect(cardLog(["posted A", "kept A", "storage-lost", "posted A"]).wrong).toEqual([]);
    expect(cardLog(["posted A", "kept A", "durable A", "storage-lost", "posted A"]).wrong).toHaveLength(1);
    expect(cardLog(["posted A", "kept A"]).posts.get("A")).toBe(1);
  });

  it("the lease, the queue's retries and the reconciler's bound agree (host.json and the dev host alike)", () => {
    const q = hostJsonQueues();
    expect(q.maxDequeueCount).toBeGreaterThanOrEqual(3);
    // A crashed worker's lease ends before the queue has spent its retries on a failing email...
    expect(LEASE_MS).toBeLessThan(q.visibilityTimeoutSeconds * 1000 * q.maxDequeueCount);
    // ...and the reconciler never takes an email that a live worker may still hold.
    expect(RECONCILE_AFTER_MS).toBeGreaterThan(LEASE_MS + q.visibilityTimeoutSeconds * 1000);
  });

  let tenant: Tenant | undefined;
  let azurite: Azurite | undefined;
  let worker: ChildProcess | undefined;
  afterAll(async () => {
    worker?.kill("SIGKILL");
    await azurite?.stop();
    await tenant?.close();
  });

  it("kill -9 of the host at random points in a 50-email burst, and of storage too: one case, reply and audit row each, and a card posted again only inside its window", async () => {
    tenant = await startTestTenant();
    setTenantTime(tenant, "2023-05-02T09:00:00Z");
    const dir = mkdtempSync(join(tmpdir(), "cluster-desk-crash-"));
    const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
    azurite = await startAzurite({ location: join(dir, "azurite"), ports });
    const hostPort = await freePort();
    const env = {
      ...localAppSettings(tenant, azurite.connectionString, CLIENT_STATE),
      MAIL_NOTIFICATION_URL: `http://127.0.0.1:${hostPort}/api/notifications/mail`,
    };
    const cardsFile = join(dir, "cards.txt");
    writeFileSync(cardsFile, "");
    const leads = p.leads.map((l) => l.email.toLowerCase());
    const now = () => new Date(tenant!.now());
    const mine: AppDeps = buildDeps(env, p, quiet, now);
    await mine.site.provision();

    const startWorker = async () => {
      const child = spawn(process.execPath, ["--import", "tsx", "test/security/crash-worker.ts"], {
        env: { ...process.env, CRASH_WORKER: JSON.stringify({ env, port: hostPort, cardsFile, leads }) },
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => String(d).includes("ready") && resolve());
        child.once("exit", (code) => reject(new Error(`crash worker exited with ${code}`)));
      });
      child.removeAllListeners("exit");
      return child;
    };
    const killWorker = async () => {
      const w = worker!;
      const gone = new Promise((r) => w.once("exit", r));
      w.kill("SIGKILL");
      await gone;
    };
    worker = await startWorker();
    await keepSubscription(mine); // the worker answers the validation handshake

    const tr = nodemailer.createTransport({ host: "127.0.0.1", port: tenant.smtpPort!, secure: false, ignoreTLS: true, pool: true });
    const senders = Array.from({ length: N }, (_, i) => `senco${i}@school${i}.example`);
    const sending = (async () => {
      for (const from of senders) {
        await tr.sendMail({
          from,
          to: p.intake.mailbox,
          subject: "Cluster 5/KL/Isleworth Town Primary School",
          text: "Form attached",
          attachments: [pdfForm()],
        });
        await sleep(rand(10, 60));
      }
    })();
    // The host dies three times at random moments, and storage once, while the forms arrive.
    for (let k = 0; k < 3; k++) {
      await sleep(rand(300, 1500));
      await killWorker();
      if (k === 1) {
        appendFileSync(cardsFile, "storage-lost\n");
        const gone = azurite.pid;
        process.kill(gone, "SIGKILL");
        await sleep(200);
        azurite = await startAzurite({ location: join(dir, "azurite"), ports });
      }
      await sleep(rand(100, 800));
      worker = await startWorker();
    }
    await sending;
    tr.close();

    // The reconciler (the sweep's timer) until every email has its audit row.
    const fresh = () => buildDeps(env, p, quiet, now);
    const site = await mine.site.id();
    const audits = async () =>
      (await mine.graph.api(`/sites/${site}/lists/Audit/items`).expand("fields").top(999).get()).value
        .map((i: any) => i.fields)
        .filter((f: any) => f.Title === "intake");
    const deadline = Date.now() + 90_000;
    for (;;) {
      await sleep(1_000);
      const d = fresh();
      await sweepInbox(d).catch(() => undefined);
      await reconcileIntake(d, 2_000);
      if ((await audits()).length >= N || Date.now() > deadline) break;
    }
    await sleep(2_000);

    const cases = (await mine.graph.api(`/sites/${site}/lists/Cases/items`).expand("fields").top(999).get()).value.map((i: any) => i.fields);
    const outbox = (await (await fetch(`${tenant.url}/_admin/outbox`)).json()).value as { to: string }[];
    const cards = cardLog(readFileSync(cardsFile, "utf8").split("\n").filter(Boolean));
    expect(cards.wrong.join("; ")).toBe("");
    if (cards.repeats) console.log(`recovery: ${cards.repeats} card(s) posted again, each after a kill inside its window`);
    const auditRows = await audits();
    for (const s of senders) {
      const c = cases.filter((x: any) => x.SenderEmail === s);
      expect(c, `${s}: cases`).toHaveLength(1);
      expect(
        outbox.filter((o) => o.to === s),
        `${s}: replies ${JSON.stringify(outbox.filter((o) => o.to === s).map((o: any) => [o.sentAt, o.message?.subject, o.message?.internetMessageId, String(o.message?.body?.content ?? "").slice(0, 120)]))}`,
      ).toHaveLength(1);
      expect(cards.posts.get(c[0].Title) ?? 0, `${c[0].Title}: cards`).toBeGreaterThanOrEqual(1);
      expect(
        auditRows.filter((a: any) => a.CaseRef === c[0].Title),
        `${c[0].Title}: audit rows`,
      ).toHaveLength(1);
    }
    expect(new Set(cases.map((c: any) => c.Title)).size).toBe(N);
    expect(cases).toHaveLength(N);
  }, 180_000);
});
