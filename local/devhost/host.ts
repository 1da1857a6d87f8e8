/**
 * The dev host: runs the same function definitions as Azure (functions/registry.ts) on one
 * machine. HTTP functions under /api/<route>; queue triggers polled from Azure Storage (Azurite)
 * with the host's semantics (base64 JSON, up to 5 dequeues, then <queue>-poison); timers on their
 * NCRONTAB schedules, in UTC like Flex Consumption.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import azureFunctions, { type HttpResponseInit } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import type { FunctionDef } from "../../functions/registry.js";
import { queueSignal } from "../../m365/queue.js";

// @azure/functions is CommonJS: its classes come through the default export under Node's ESM.
const { HttpRequest, InvocationContext } = azureFunctions;
type HttpRequest = InstanceType<typeof HttpRequest>;
type InvocationContext = InstanceType<typeof InvocationContext>;

/**
 * The queue settings of host.json (what Azure's host uses): the dev host uses the same unless a
 * test asks otherwise. `visibilityTimeout` is how long a failed message waits before its next try.
 */
export function hostJsonQueues(): {
  maxDequeueCount: number;
  visibilityTimeoutSeconds: number;
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalSeconds: number;
} {
  // host.json is at the project's root: two folders up from local/devhost, three from dist/local/devhost.
  const file = [new URL("../../host.json", import.meta.url), new URL("../../../host.json", import.meta.url)].find((u) => existsSync(u));
  if (!file) throw new Error("host.json not found beside the project");
  const q =
    (
      JSON.parse(readFileSync(file, "utf8")) as {
        extensions?: {
          queues?: { maxDequeueCount?: number; visibilityTimeout?: string; batchSize?: number; newBatchThreshold?: number; maxPollingInterval?: string };
        };
      }
    ).extensions?.queues ?? {};
  const seconds = (span: string | undefined, otherwise: number) => {
    if (!span) return otherwise;
    const [h, m, s] = span.split(":").map(Number);
    return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
  };
  return {
    maxDequeueCount: q.maxDequeueCount ?? 5,
    visibilityTimeoutSeconds: seconds(q.visibilityTimeout, 0),
    batchSize: q.batchSize ?? 16,
    // Azure's default: half the batch.
    newBatchThreshold: q.newBatchThreshold ?? Math.floor((q.batchSize ?? 16) / 2),
    maxPollingIntervalSeconds: seconds(q.maxPollingInterval, 60),
  };
}

export interface HostOptions {
  port?: number;
  host?: string;
  storage: string;
  /** Default: host.json's. */
  maxDequeueCount?: number;
  /** How long a received message stays invisible while it runs. */
  visibilityTimeoutSeconds?: number;
  /** How long a failed message waits before its next try; default: host.json's visibilityTimeout. */
  retryDelaySeconds?: number;
  pollMs?: number;
  log?: (line: string) => void;
  /** Run queued messages as they come (default); false: only when drain() is called (tests, the demo). */
  autoRun?: boolean;
  /** Extra HTTP handlers (the bot's /api/messages) by path. */
  extraRoutes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
}

export interface DevHost {
  url: string;
  /** Runs queued messages until the queues are empty (tests); returns how many ran. */
  drain(): Promise<number>;
  runTimer(name: string): Promise<void>;
  close(): Promise<void>;
}

function context(name: string, log: (l: string) => void): InvocationContext {
  return new InvocationContext({
    functionName: name,
    invocationId: crypto.randomUUID(),
    logHandler: (level, ...args) => log(`[${name}] ${level}: ${args.map(String).join(" ")}`),
  });
}

/** Request bodies the dev host reads at most (Bot Framework activities and Graph notifications are far smaller). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

class TooLarge extends Error {}

/**
 * A function's route against a request path, as the Functions host matches it: literal segments,
 * and `{name}` taking one whole segment (decoded) into the request's params. Null when it does not match.
 */
export function matchRoute(route: string, path: string): Record<string, string> | null {
  const want = `/api/${route}`.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, w] of want.entries()) {
    const m = /^\{([a-zA-Z]+)\}$/.exec(w);
    if (m) {
      let v: string;
      try {
        v = decodeURIComponent(got[i]!);
      } catch {
        return null;
      }
      if (!v || v.includes("/")) return null;
      params[m[1]!] = v;
    } else if (w !== got[i]) return null;
  }
  return params;
}

async function toHttpRequest(req: IncomingMessage, base: string, params: Record<string, string> = {}): Promise<HttpRequest> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_REQUEST_BYTES) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new TooLarge();
    chunks.push(c as Buffer);
  }
  const body = Buffer.concat(chunks);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  const url = new URL(req.url ?? "/", base);
  return new HttpRequest({
    method: req.method ?? "GET",
    url: url.toString(),
    headers,
    query: Object.fromEntries(url.searchParams),
    params,
    ...(body.length ? { body: { bytes: body } } : {}),
  });
}

async function sendResponse(res: ServerResponse, r: HttpResponseInit): Promise<void> {
  const headers = new Headers(r.headers);
  let body: string | Buffer | undefined;
  if (r.jsonBody !== undefined) {
    body = JSON.stringify(r.jsonBody);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  } else if (typeof r.body === "string") body = r.body;
  else if (r.body instanceof Uint8Array || Buffer.isBuffer(r.body)) body = Buffer.from(r.body as Uint8Array);
  res.writeHead(r.status ?? 200, Object.fromEntries(headers));
  res.end(body);
}

/** Next time a six-field NCRONTAB schedule fires after `from` (UTC). Supports stars, steps (star-slash-n), ranges, lists and single values. */
export function nextRun(schedule: string, from: Date): Date {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`"${schedule}" is not a six-field NCRONTAB schedule`);
  const match = (field: string, v: number) =>
    field.split(",").some((part) => {
      if (part === "*") return true;
      const step = /^\*\/(\d+)$/.exec(part);
      if (step) return v % Number(step[1]) === 0;
      const range = /^(\d+)-(\d+)$/.exec(part);
      if (range) return v >= Number(range[1]) && v <= Number(range[2]);
      return Number(part) === v;
    });
  const t = new Date(Math.floor(from.getTime() / 1000) * 1000 + 1000);
  for (let i = 0; i < 8 * 24 * 3600; i++) {
    const [s, mi, h, d, mo, wd] = fields as [string, string, string, string, string, string];
    if (
      match(s, t.getUTCSeconds()) &&
      match(mi, t.getUTCMinutes()) &&
      match(h, t.getUTCHours()) &&
      match(d, t.getUTCDate()) &&
      match(mo, t.getUTCMonth() + 1) &&
      match(wd, t.getUTCDay())
    )
      return t;
    t.setTime(t.getTime() + 1000);
  }
  throw new Error(`"${schedule}" does not fire within a week`);
}

export async function startDevHost(defs: FunctionDef[], opts: HostOptions): Promise<DevHost> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const fromHostJson = hostJsonQueues();
  const maxDequeue = opts.maxDequeueCount ?? fromHostJson.maxDequeueCount;
  const retryDelay = opts.retryDelaySeconds ?? fromHostJson.visibilityTimeoutSeconds;
  const http = defs.filter((d): d is Extract<FunctionDef, { trigger: "http" }> => d.trigger === "http");
  const queues = defs.filter((d): d is Extract<FunctionDef, { trigger: "queue" }> => d.trigger === "queue");
  const timers = defs.filter((d): d is Extract<FunctionDef, { trigger: "timer" }> => d.trigger === "timer");
  let base = "";

  const server: Server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const extra = opts.extraRoutes?.[path];
      if (extra) return await extra(req, res);
      const found = http.map((d) => ({ d, params: matchRoute(d.route, path) })).find((x) => x.params);
      if (!found) return sendResponse(res, { status: 404, body: `no function at ${path}` });
      const def = found.d;
      if (!def.methods.includes((req.method ?? "GET") as "GET" | "POST")) return sendResponse(res, { status: 405 });
      const r = await def.handler(await toHttpRequest(req, base, found.params!), context(def.name, log));
      await sendResponse(res, r);
    } catch (e) {
      if (e instanceof TooLarge) {
        if (!res.headersSent) res.writeHead(413, { "content-type": "text/plain", connection: "close" });
        res.end(`request body over ${MAX_REQUEST_BYTES} bytes`);
        req.destroy();
        return;
      }
      log(`http error: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clients = new Map(
    queues.map((q) => [q.queueName, { main: new QueueClient(opts.storage, q.queueName), poison: new QueueClient(opts.storage, `${q.queueName}-poison`) }]),
  );
  for (const c of clients.values()) {
    await c.main.createIfNotExists();
    await c.poison.createIfNotExists();
  }

  /** One pass over a queue: receive up to `n` messages, run each, delete on success or poison on the last try. */
  async function pass(def: Extract<FunctionDef, { trigger: "queue" }>, n = fromHostJson.batchSize): Promise<number> {
    const c = clients.get(def.queueName)!;
    const got = await c.main.receiveMessages({
      numberOfMessages: n,
      visibilityTimeout: opts.visibilityTimeoutSeconds ?? fromHostJson.visibilityTimeoutSeconds,
    });
    await Promise.all(
      got.receivedMessageItems.map(async (m) => {
        let payload: unknown;
        try {
          payload = JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8"));
        } catch {
          payload = m.messageText;
        }
        try {
          await def.handler(payload, context(def.name, log));
          await c.main.deleteMessage(m.messageId, m.popReceipt);
        } catch (e) {
          log(`[${def.name}] failed (attempt ${m.dequeueCount} of ${maxDequeue}): ${(e as Error).message}`);
          if (m.dequeueCount >= maxDequeue) {
            await c.poison.sendMessage(m.messageText);
            await c.main.deleteMessage(m.messageId, m.popReceipt);
          } else {
            // Visible again after the retry delay, as the host does after a failure.
            await c.main.updateMessage(m.messageId, m.popReceipt, undefined, retryDelay);
          }
        }
      }),
    );
    return got.receivedMessageItems.length;
  }

  let stopped = false;
  const sleepers = new Set<() => void>();
  /** A pause that close(), or a message queued in this process, cuts short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  // Each queue runs up to batchSize + newBatchThreshold messages at once (Azure: "the maximum
  // number of concurrent messages being processed per function is batchSize plus
  // newBatchThreshold"), and takes the next as each one
  // finishes (not a batch at a time). An idle worker sleeps until something is queued in this
  // process (a notification, a re-queue) or pollMs passes (messages queued with a delay, or by
  // another process), as Azure's host polls with back-off up to host.json's maxPollingInterval.
  const wakeAll = (queueName: string) => {
    if (queues.some((q) => q.queueName === queueName)) [...sleepers].forEach((wake) => wake());
  };
  queueSignal.on("sent", wakeAll);
  const pollers = (opts.autoRun === false ? [] : queues).flatMap((def) =>
    Array.from({ length: fromHostJson.batchSize + fromHostJson.newBatchThreshold }, async () => {
      while (!stopped) {
        const n = await pass(def, 1).catch((e) => {
          if (!stopped) log(`[${def.name}] poll error: ${(e as Error).message}`);
          return 0;
        });
        if (!n && !stopped) await pause(opts.pollMs ?? fromHostJson.maxPollingIntervalSeconds * 1000);
      }
    }),
  );

  const timerHandles = timers.map((def) => {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const at = nextRun(def.schedule, new Date());
      handle = setTimeout(async () => {
        try {
          await def.handler(
            { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } },
            context(def.name, log),
          );
        } catch (e) {
          log(`[${def.name}] failed: ${(e as Error).message}`);
        }
        if (!stopped) arm();
      }, at.getTime() - Date.now());
    };
    arm();
    return () => clearTimeout(handle);
  });

  return {
    url: base,
    async drain() {
      let total = 0;
      for (let i = 0; i < 200; i++) {
        let n = 0;
        for (const def of queues) n += await pass(def);
        total += n;
        if (!n) {
          // A failed message comes back after its short invisibility; look once more.
          const props = await Promise.all([...clients.values()].map((c) => c.main.getProperties()));
          if (props.every((p) => !p.approximateMessagesCount)) break;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
      return total;
    },
    async runTimer(name: string) {
      const def = timers.find((t) => t.name === name);
      if (!def) throw new Error(`no timer function ${name}`);
      await def.handler({ isPastDue: false } as never, context(name, log));
    },
    async close() {
      stopped = true;
      queueSignal.off("sent", wakeAll);
      timerHandles.forEach((stop) => stop());
      [...sleepers].forEach((wake) => wake());
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.all(pollers);
    },
  };
}
