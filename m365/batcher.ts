/**
 * Graph requests asked for in the same turn of the event loop travel in one JSON batch (`$batch`,
 * at most 20 requests: https://learn.microsoft.com/graph/json-batching), so independent reads and
 * writes from different adapters cost one round trip: intake's case look-ups with the form's bytes,
 * the case with its reply's draft. Each caller gets its own answer (status, headers, body); an
 * item Graph throttles (429, 503, 504) is sent again after its Retry-After in a later batch, or,
 * past the wait a request may hold a worker, its caller gets a RetryLaterError. A body that is not
 * JSON (MIME) is base64-encoded, and a binary answer (an attachment's `$value`) comes back
 * base64-encoded, as JSON batching carries them.
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { GraphJson } from "./json.js";
import { mailboxOf, MAX_INLINE_WAIT_SECONDS } from "./graph.js";
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
}

const MAX_BATCH = 20;
const MAILBOX_PER_BATCH = 4;

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

  /** Sends `req`; an answer outside 2xx (other than those in `accept`) is thrown as a GraphRequestError. */
  async ok(req: BatchRequest, what: string, accept: number[] = []): Promise<BatchAnswer> {
    const a = await this.send(req);
    if ((a.status < 200 || a.status >= 300) && !accept.includes(a.status)) throw new GraphRequestError(a.status, a.body?.error?.code, what);
    return a;
  }

  private enqueue(w: Waiting): void {
    this.waiting.push(w);
    if (this.waiting.length === 1) setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    // At most 20 requests, and at most 4 to one mailbox (Exchange's concurrent requests per
    // mailbox, which counts each request in a batch): the rest go in the next batch.
    const round: Waiting[] = [];
    const perMailbox = new Map<string, number>();
    const rest: Waiting[] = [];
    for (const w of this.waiting) {
      const mailbox = mailboxOf(`/v1.0${w.req.url}`);
      const n = mailbox ? (perMailbox.get(mailbox) ?? 0) : 0;
      if (round.length >= MAX_BATCH || n >= MAILBOX_PER_BATCH) rest.push(w);
      else {
        round.push(w);
        if (mailbox) perMailbox.set(mailbox, n + 1);
      }
    }
    this.waiting = rest;
    if (this.waiting.length) setImmediate(() => void this.flush());
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
    for (const w of again) this.enqueue({ ...w, attempt: w.attempt + 1 });
  }
}

const batchers = new WeakMap<Client, GraphBatcher>();

/** The batcher of a Graph client: every adapter on the same client shares it, so their requests can share a batch. */
export function batcherFor(client: Client): GraphBatcher {
  let b = batchers.get(client);
  if (!b) batchers.set(client, (b = new GraphBatcher(client)));
  return b;
}
