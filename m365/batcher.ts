/**
 * Graph requests asked for within a few milliseconds of each other travel in one JSON batch
 * (`$batch`, at most 20 requests, at most 4 to one mailbox: https://learn.microsoft.com/graph/json-batching),
 * so independent reads and writes cost one round trip: intake's case look-ups with the form's
 * bytes, the case with its reply's draft, and the same steps of the other emails in hand. Requests
 * sent as a group travel together, one after another where they say (`dependsOn`). Each caller gets its own answer (status, headers, body); an
 * item Graph throttles (429, 503, 504) is sent again after its Retry-After in a later batch, or,
 * past the wait a request may hold a worker, its caller gets a RetryLaterError. A body that is not
 * JSON (MIME) is base64-encoded, and a binary answer (an attachment's `$value`) comes back
 * base64-encoded, as JSON batching carries them.
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { GraphJson } from "./json.js";
import { batchMailboxes, MAX_INLINE_WAIT_SECONDS } from "./graph.js";
import { batchItemRetryAfter, GraphRequestError, RETRY_LATER, RetryLaterError } from "./graphError.js";

export interface BatchRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchAnswer {
  status: number;
  headers: Record<string, string>;
  body: GraphJson;
}

interface Waiting {
  req: BatchRequest;
  attempt: number;
  resolve: (a: BatchAnswer) => void;
  reject: (e: unknown) => void;
  /** Runs after this one in the same batch (`dependsOn`); if it fails, Graph answers this one 424. */
  after?: Waiting;
  /** Requests that must travel in one batch (a group sent together). */
  group?: Waiting[];
}

const MAX_BATCH = 20;
const MAILBOX_PER_BATCH = 4;
const WINDOW_MS = 5;

export class GraphBatcher {
  private waiting: Waiting[] = [];
  constructor(
    private readonly client: Client,
    private readonly attempts = 6,
  ) {}

  /** Sends `req` in the next batch; its answer, whatever its status, once Graph stops throttling it. */
  send(req: BatchRequest): Promise<BatchAnswer> {
    return new Promise((resolve, reject) => this.enqueue({ req, attempt: 1, resolve, reject }));
  }

  /**
   * Sends requests together in one batch, each `after` the one it names (by index) as `dependsOn`:
   * one answer each. A throttled one is sent again on its own; one whose dependency failed is
   * answered 424 (the caller sends it again).
   */
  sendGroup(reqs: (BatchRequest & { after?: number })[]): Promise<BatchAnswer>[] {
    const ws: Waiting[] = [];
    const promises = reqs.map(
      ({ after: _a, ...req }) =>
        new Promise<BatchAnswer>((resolve, reject) => {
          ws.push({ req, attempt: 1, resolve, reject });
        }),
    );
    reqs.forEach((r, i) => {
      if (r.after !== undefined) ws[i]!.after = ws[r.after];
      ws[i]!.group = ws;
    });
    this.enqueue(...ws);
    return promises;
  }

  /** Sends `req`; an answer outside 2xx (other than those in `accept`) is thrown as a GraphRequestError. */
  async ok(req: BatchRequest, what: string, accept: number[] = []): Promise<BatchAnswer> {
    const a = await this.send(req);
    if ((a.status < 200 || a.status >= 300) && !accept.includes(a.status)) throw new GraphRequestError(a.status, a.body?.error?.code, what);
    return a;
  }

  private timer: NodeJS.Timeout | null = null;
  private enqueue(...ws: Waiting[]): void {
    this.waiting.push(...ws);
    this.soon();
  }

  private soon(): void {
    // A batch goes when it is full, or a few milliseconds after its first request: long enough
    // for the other emails in hand to add theirs, short beside a round trip to Graph.
    if (this.waiting.length >= MAX_BATCH) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), WINDOW_MS);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.flush();
  }

  private async flush(): Promise<void> {
    // At most 20 requests, and at most 4 to one mailbox (Exchange's concurrent requests per
    // mailbox, which counts each request in a batch): the rest go in the next batch.
    // A group goes whole or waits whole; a request after another counts no place of its own.
    const round: Waiting[] = [];
    const perMailbox = new Map<string, number>();
    const rest: Waiting[] = [];
    const seen = new Set<Waiting>();
    for (const w of this.waiting) {
      if (seen.has(w)) continue;
      const unit = w.group ? w.group.filter((g) => this.waiting.includes(g)) : [w];
      for (const u of unit) seen.add(u);
      // The places the unit takes in each mailbox's limit, counted as the client's limiter counts a batch.
      const places = new Map<string, number>();
      const asBatch = { requests: unit.map((u) => ({ url: u.req.url, ...(u.after && unit.includes(u.after) ? { dependsOn: ["before"] } : {}) })) };
      for (const m of batchMailboxes(asBatch, MAILBOX_PER_BATCH)) places.set(m, (places.get(m) ?? 0) + 1);
      const fits = round.length + unit.length <= MAX_BATCH && [...places].every(([m, n]) => (perMailbox.get(m) ?? 0) + n <= MAILBOX_PER_BATCH);
      if (!fits && round.length) rest.push(...unit);
      else {
        round.push(...unit);
        for (const [m, n] of places) perMailbox.set(m, (perMailbox.get(m) ?? 0) + n);
      }
    }
    this.waiting = rest;
    if (this.waiting.length) this.timer ??= setTimeout(() => this.flushNow(), WINDOW_MS);
    if (!round.length) return;
    let res: { responses: { id: string; status: number; headers?: Record<string, string>; body?: GraphJson }[] };
    try {
      res = await this.client.api("/$batch").post({
        requests: round.map((w, i) => {
          const json = !w.req.headers?.["Content-Type"] || w.req.headers["Content-Type"].includes("json");
          const body = w.req.body === undefined || json ? w.req.body : Buffer.from(String(w.req.body)).toString("base64");
          return {
            id: String(i),
            method: w.req.method,
            url: w.req.url,
            ...(w.req.headers ? { headers: w.req.headers } : {}),
            ...(body !== undefined ? { body } : {}),
            ...(w.after && round.includes(w.after) ? { dependsOn: [String(round.indexOf(w.after))] } : {}),
          };
        }),
      });
    } catch (e) {
      for (const w of round) w.reject(e);
      return;
    }
    const again: Waiting[] = [];
    let wait = 0;
    for (const r of res.responses) {
      const w = round[Number(r.id)];
      if (!w) continue;
      if (RETRY_LATER.has(r.status) && w.attempt < this.attempts) {
        again.push(w);
        wait = Math.max(wait, batchItemRetryAfter(r.headers));
      } else w.resolve({ status: r.status, headers: r.headers ?? {}, body: r.body });
    }
    if (!again.length) return;
    if (wait > MAX_INLINE_WAIT_SECONDS) {
      for (const w of again) w.reject(new RetryLaterError(429, wait, "a batched request was throttled"));
      return;
    }
    if (wait) await new Promise((r) => setTimeout(r, wait * 1000));
    // Sent again on its own (whatever it depended on has answered), ahead of requests made since:
    // the email it is for has waited longest, and a burst's slowest reply is the one kept waiting.
    this.waiting.unshift(...again.map((w) => ({ req: w.req, resolve: w.resolve, reject: w.reject, attempt: w.attempt + 1 })));
    this.soon();
  }
}

const batchers = new WeakMap<Client, GraphBatcher>();

/** The batcher of a Graph client: every adapter on the same client shares it, so their requests can share a batch. */
export function batcherFor(client: Client): GraphBatcher {
  let b = batchers.get(client);
  if (!b) batchers.set(client, (b = new GraphBatcher(client)));
  return b;
}
