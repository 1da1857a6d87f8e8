/**
 * Exchange allows an app 4 concurrent requests per mailbox, across every instance of the app.
 * A process-local limit is not enough once the function app scales out, so the 4 places are 4
 * slots kept in Azure Table storage (one row per slot, taken and given back with ETag-conditional
 * writes), and a process sends to the mailbox only with as many requests in flight as it holds
 * slots (m365/graph.ts, KeyedLimiter).
 *
 * A process keeps the slots it takes while it has requests for them (renewing each every few
 * seconds), and gives back what it has not needed for a moment: a request costs no storage round
 * trip of its own. When every slot was taken and given back per request, each Graph request to
 * the mailbox cost three more to storage and up to 200 ms of waiting, and that, not Exchange,
 * bounded a burst. A process that dies without giving its slots back loses them after `termMs`.
 */
import { createHash, randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { statusOf as status } from "../core/errors.js";
import { tableClient, tableService, type StorageConfig } from "./storage.js";

export const SLOTS_TABLE = "MailboxSlots";

/** Slots a process holds per mailbox, shared with the app's other instances. */
export interface SlotLeases {
  /** How many slots this process holds for the mailbox `key`. */
  held(key: string): number;
  /**
   * This process has `places` requests to `key` in flight or waiting, `inFlight` of them in flight:
   * take slots up to that, or give back the rest.
   */
  need(key: string, places: number, inFlight: number): void;
  /** Called with the mailbox whenever this process holds more slots than before. */
  onMore(listener: (key: string) => void): void;
}

interface Mailbox {
  partitionKey: string;
  /** Slot row key -> its ETag as this process last wrote it. */
  held: Map<string, string>;
  need: number;
  inFlight: number;
  keeping: boolean;
  surplusSince: number | null;
  /** Since when slots held here have stood unused while a request waits for more than are free. */
  stuckSince: number | null;
  /** The mailbox's storage writes, one at a time (a renewal never crosses a give-back). */
  writes: Promise<unknown>;
}

export class TableMailboxSlots implements SlotLeases {
  private readonly table: TableClient;
  private ready?: Promise<void>;
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly listeners: ((key: string) => void)[] = [];
  private readonly owner = randomUUID();
  private renewer?: NodeJS.Timeout;

  constructor(
    private readonly storage: StorageConfig,
    readonly slots = 4,
    /** How long a slot stays this process's without renewal (it is renewed every third of it). */
    private readonly termMs = 15_000,
    /** How long a slot goes unneeded before it is given back. */
    private readonly idleMs = 250,
  ) {
    this.table = tableClient(storage, SLOTS_TABLE);
  }

  held(key: string): number {
    return this.mailbox(key).held.size;
  }

  onMore(listener: (key: string) => void): void {
    this.listeners.push(listener);
  }

  need(key: string, places: number, inFlight: number): void {
    const m = this.mailbox(key);
    m.need = places;
    m.inFlight = inFlight;
    if (!m.keeping) void this.keep(key, m);
  }

  private mailbox(key: string): Mailbox {
    const k = key.toLowerCase();
    let m = this.mailboxes.get(k);
    if (!m)
      this.mailboxes.set(
        k,
        (m = {
          partitionKey: createHash("sha256").update(k).digest("hex").slice(0, 32),
          held: new Map(),
          need: 0,
          inFlight: 0,
          keeping: false,
          surplusSince: null,
          stuckSince: null,
          writes: Promise.resolve(),
        }),
      );
    return m;
  }

  private init(): Promise<void> {
    this.ready ??= tableService(this.storage)
      .createTable(SLOTS_TABLE)
      .catch((e) => {
        if (status(e) !== 409) throw e;
      });
    return this.ready;
  }

  /**
   * Takes slots while more are needed, gives back those unneeded for idleMs; ends when held and
   * needed agree. Storage failing is tried again every second or so while slots are needed: the
   * requests waiting for them wait (the function's timeout ends one that waits too long, and the
   * queue tries its email again).
   */
  private async keep(key: string, m: Mailbox): Promise<void> {
    m.keeping = true;
    try {
      for (let round = 0; ;) {
        try {
          await this.init();
          const step = await this.step(key, m);
          if (step === "agreed") return;
          if (step === "taken") round = 0;
          else if (step === "none free") await sleep(Math.min(200, 10 + round++ * 10) * (0.5 + Math.random()));
        } catch {
          this.ready = undefined;
          await sleep(1000 * (0.5 + Math.random()));
        }
      }
    } finally {
      m.keeping = false;
      // A need() that came while the last step was deciding "agreed" found this still keeping.
      if (m.held.size !== Math.min(m.need, this.slots)) void this.keep(key, m);
    }
  }

  /** One step towards holding what is needed: a slot taken, none free, one given back, or nothing to do. */
  private async step(key: string, m: Mailbox): Promise<"taken" | "none free" | "waited" | "agreed"> {
    const wanted = Math.min(m.need, this.slots);
    if (m.held.size < wanted) {
      m.surplusSince = null;
      if (await this.inTurn(m, () => this.takeOne(m))) {
        m.stuckSince = null;
        for (const l of this.listeners) l(key);
        return "taken";
      }
      // A batch waiting for more slots than are free while those held here stand unused: if every
      // instance did that they would wait for ever, so after idleMs these are given back and taken
      // again after a random pause, and one instance at a time gets enough.
      if (m.held.size > m.inFlight) {
        m.stuckSince ??= Date.now();
        if (Date.now() - m.stuckSince >= this.idleMs) {
          m.stuckSince = null;
          while (m.held.size > m.inFlight) await this.inTurn(m, () => this.giveOne(m));
          await sleep(this.idleMs * (0.5 + Math.random() * 2));
          return "waited";
        }
      } else m.stuckSince = null;
      return "none free";
    }
    if (m.held.size > m.need) {
      m.surplusSince ??= Date.now();
      const left = this.idleMs - (Date.now() - m.surplusSince);
      if (left > 0) await sleep(left);
      else {
        m.surplusSince = null;
        await this.inTurn(m, () => this.giveOne(m));
      }
      return "waited";
    }
    m.surplusSince = null;
    return "agreed";
  }

  private async takeOne(m: Mailbox): Promise<boolean> {
    const start = Math.floor(Math.random() * this.slots);
    for (let i = 0; i < this.slots; i++) {
      const rowKey = `slot-${(start + i) % this.slots}`;
      if (m.held.has(rowKey)) continue;
      const etag = await this.take(m.partitionKey, rowKey);
      if (etag) {
        m.held.set(rowKey, etag);
        this.renewSoon();
        return true;
      }
    }
    return false;
  }

  /** The slot's new ETag if this process took it, else null. */
  private async take(partitionKey: string, rowKey: string): Promise<string | null> {
    const now = Date.now();
    const row = { partitionKey, rowKey, owner: this.owner, until: now + this.termMs };
    try {
      const e = await this.table.getEntity<{ owner: string; until: number }>(partitionKey, rowKey);
      if (e.owner && Number(e.until) > now) return null;
      return (await this.table.updateEntity(row, "Replace", { etag: e.etag })).etag ?? null;
    } catch (e) {
      if (status(e) === 404) {
        try {
          return (await this.table.createEntity(row)).etag ?? null;
        } catch (e2) {
          if (status(e2) === 409) return null;
          throw e2;
        }
      }
      if (status(e) === 412) return null; // another took it first
      throw e;
    }
  }

  /** Gives back one slot: no longer counted here before the write, so nothing new goes out on it. */
  private async giveOne(m: Mailbox): Promise<void> {
    const [rowKey, etag] = [...m.held][0] ?? [];
    if (!rowKey) return;
    m.held.delete(rowKey);
    try {
      await this.table.updateEntity({ partitionKey: m.partitionKey, rowKey, owner: "", until: 0 }, "Replace", { etag: etag! });
    } catch (e) {
      // 412: it outlived its term and another holds it now; 404: gone. Either way it is not ours.
      if (status(e) !== 412 && status(e) !== 404) throw e;
    }
  }

  /** Renews every held slot each third of the term, while any is held. */
  private renewSoon(): void {
    if (this.renewer) return;
    this.renewer = setInterval(() => void this.renewAll(), this.termMs / 3);
    this.renewer.unref();
  }

  /** Runs `f` after the mailbox's other storage writes. */
  private inTurn<T>(m: Mailbox, f: () => Promise<T>): Promise<T> {
    const run = m.writes.then(f, f);
    m.writes = run.catch(() => undefined);
    return run;
  }

  private async renewAll(): Promise<void> {
    let any = false;
    for (const [key, m] of this.mailboxes) {
      if (m.held.size) any = true;
      await this.inTurn(m, () => this.renew(m));
      // A slot lost (this process went quiet past its term) is looked for again if still needed.
      if (!m.keeping && m.held.size < Math.min(m.need, this.slots)) void this.keep(key, m);
    }
    if (!any && this.renewer) {
      clearInterval(this.renewer);
      this.renewer = undefined;
    }
  }

  private async renew(m: Mailbox): Promise<void> {
    for (const [rowKey, etag] of [...m.held]) {
      try {
        const r = await this.table.updateEntity({ partitionKey: m.partitionKey, rowKey, owner: this.owner, until: Date.now() + this.termMs }, "Replace", {
          etag,
        });
        if (m.held.has(rowKey)) m.held.set(rowKey, r.etag ?? etag);
      } catch (e) {
        // Taken by another after this process went quiet past its term: no longer ours.
        if (status(e) === 412 || status(e) === 404) m.held.delete(rowKey);
      }
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
