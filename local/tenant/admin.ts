/**
 * The local tenant's own endpoints under /_admin (not Graph): fault injection, request counters,
 * the clock, expiring delta tokens, lifecycle events, the outbox, and mailboxes. Each is one row of
 * a table: method, path pattern, handler.
 */
import type { Db } from "./db.js";
import { getMeta, setMeta } from "./db.js";
import { checkFaults, type Counters, type Faults } from "./faults.js";
import { GraphError, type Reply } from "./http.js";
import { ensureMailbox } from "./mail.js";
import type { Notifier } from "./subscriptions.js";

export interface AdminDeps {
  db: Db;
  faults: Faults;
  counters: Counters;
  notifier: Notifier;
  now: () => number;
  /** Moves the tenant's clock on; the new offset in milliseconds. */
  advanceClock: (ms: number) => number;
  /** The notifier follows the fault settings (duplicates, drops). */
  faultsChanged: () => void;
}

type Endpoint = { method: string; path: RegExp; handler: (match: RegExpExecArray, json: () => any) => Reply };

function endpoints(d: AdminDeps): Endpoint[] {
  const faults = (change: () => void): Reply => {
    change();
    d.faultsChanged();
    return { status: 200, body: d.faults.settings };
  };
  return [
    { method: "GET", path: /^\/_admin\/faults$/, handler: () => ({ status: 200, body: d.faults.settings }) },
    {
      method: "POST",
      path: /^\/_admin\/faults$/,
      handler: (_m, json) => {
        let patch;
        try {
          patch = checkFaults(json());
        } catch (e) {
          throw new GraphError(400, "BadRequest", (e as Error).message);
        }
        return faults(() => d.faults.update(patch));
      },
    },
    { method: "DELETE", path: /^\/_admin\/faults$/, handler: () => faults(() => d.faults.reset()) },
    // Requests by route and status, and the most requests one app had in flight to one mailbox
    // (with how many were refused for it), as a benchmark in another process reads them.
    {
      method: "GET",
      path: /^\/_admin\/counters$/,
      handler: () => ({
        status: 200,
        body: { ...d.counters.snapshot(), mailbox: { peakInFlight: d.faults.peakInFlight, refusedForConcurrency: d.faults.refusedForConcurrency } },
      }),
    },
    {
      method: "DELETE",
      path: /^\/_admin\/counters$/,
      handler: () => {
        d.counters.reset();
        d.faults.peakInFlight = 0;
        d.faults.refusedForConcurrency = 0;
        return { status: 204 };
      },
    },
    {
      method: "POST",
      path: /^\/_admin\/clock$/,
      handler: (_m, json) => {
        const b = json();
        if (typeof b.advanceMs !== "number") throw new GraphError(400, "BadRequest", "advanceMs (a number of milliseconds) is required.");
        return { status: 200, body: { offsetMs: d.advanceClock(b.advanceMs), now: new Date(d.now()).toISOString() } };
      },
    },
    {
      method: "POST",
      path: /^\/_admin\/delta\/expire$/,
      handler: () => {
        setMeta(d.db, "deltaGeneration", String(Number(getMeta(d.db, "deltaGeneration") ?? 0) + 1));
        return { status: 204 };
      },
    },
    {
      method: "POST",
      path: /^\/_admin\/subscriptions\/([^/]+)\/lifecycle$/,
      handler: (m, json) => {
        const event = json().event;
        if (!["reauthorizationRequired", "missed", "subscriptionRemoved"].includes(event)) {
          throw new GraphError(400, "BadRequest", "event must be reauthorizationRequired, missed or subscriptionRemoved.");
        }
        if (!d.notifier.lifecycle(d.db, decodeURIComponent(m[1]!), event)) throw new GraphError(404, "ResourceNotFound", "No such subscription.");
        return { status: 202 };
      },
    },
    {
      method: "GET",
      path: /^\/_admin\/outbox$/,
      handler: () => {
        const rows = d.db.prepare("SELECT * FROM outbox ORDER BY seq").all() as {
          seq: number;
          fromAddress: string;
          toAddress: string;
          sentAt: string;
          data: string;
        }[];
        return {
          status: 200,
          body: { value: rows.map((r) => ({ seq: r.seq, from: r.fromAddress, to: r.toAddress, sentAt: r.sentAt, message: JSON.parse(r.data) })) },
        };
      },
    },
    {
      method: "POST",
      path: /^\/_admin\/mailboxes$/,
      handler: (_m, json) => {
        const b = json();
        if (typeof b.address !== "string" || !b.address.includes("@")) throw new GraphError(400, "BadRequest", "address is required.");
        return { status: 201, body: { id: ensureMailbox(d.db, b.address, b.displayName ?? b.address), address: b.address } };
      },
    },
  ];
}

/** The admin endpoints: a function from method, path and body to the reply (404 for anything else). */
export function adminEndpoints(d: AdminDeps): (method: string, path: string, body: Buffer) => Promise<Reply> {
  const table = endpoints(d);
  return async (method, path, body) => {
    const json = () => {
      try {
        return body.length ? JSON.parse(body.toString()) : {};
      } catch {
        throw new GraphError(400, "BadRequest", "The body is not JSON.");
      }
    };
    for (const e of table) {
      const m = e.method === method ? e.path.exec(path) : null;
      if (m) return e.handler(m, json);
    }
    throw new GraphError(404, "NotFound", `No admin endpoint ${method} ${path}.`);
  };
}
