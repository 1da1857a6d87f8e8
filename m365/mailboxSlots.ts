/**
 * Exchange allows an app 4 concurrent requests per mailbox, across every instance of the app.
 * A process-local limit is not enough once the function app scales out, so each request to a
 * mailbox also holds one of 4 slots kept in Azure Table storage (one row per slot, taken and given
 * back with ETag-conditional writes). A slot whose holder died frees itself after `holdMs`.
 */
import { createHash, randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { statusOf as status } from "../core/errors.js";
import { tableClient, tableService, type StorageConfig } from "./storage.js";

export const SLOTS_TABLE = "MailboxSlots";

export interface SharedLimiter {
  /** Waits for a slot for `key`; resolves with the function that gives it back. */
  acquire(key: string): Promise<() => Promise<void>>;
}

export class TableMailboxSlots implements SharedLimiter {
  private readonly table: TableClient;
  private ready?: Promise<void>;
  /** Slot waits, for benchmarks. */
  waits = 0;

  constructor(
    private readonly storage: StorageConfig,
    readonly slots = 4,
    /** Longer than any one Graph request may take: a crashed holder's slot comes back after it. */
    private readonly holdMs = 60_000,
  ) {
    this.table = tableClient(storage, SLOTS_TABLE);
  }

  private init(): Promise<void> {
    this.ready ??= tableService(this.storage)
      .createTable(SLOTS_TABLE)
      .catch((e) => {
        if (status(e) !== 409) throw e;
      });
    return this.ready;
  }

  async acquire(key: string): Promise<() => Promise<void>> {
    await this.init();
    const partitionKey = createHash("sha256").update(key.toLowerCase()).digest("hex").slice(0, 32);
    const owner = randomUUID();
    for (let round = 0; ; round++) {
      const start = Math.floor(Math.random() * this.slots);
      for (let i = 0; i < this.slots; i++) {
        const rowKey = `slot-${(start + i) % this.slots}`;
        const taken = await this.take(partitionKey, rowKey, owner);
        if (taken) return () => this.give(partitionKey, rowKey, owner, taken);
      }
      this.waits++;
      // Every slot is held: wait a little (with jitter, longer the longer it takes) and look again.
      await new Promise((r) => setTimeout(r, Math.min(200, 10 + round * 10) * (0.5 + Math.random())));
    }
  }

  /** The slot's new ETag if this owner took it, else null. */
  private async take(partitionKey: string, rowKey: string, owner: string): Promise<string | null> {
    const now = Date.now();
    const until = now + this.holdMs;
    try {
      const e = await this.table.getEntity<{ owner: string; until: number }>(partitionKey, rowKey);
      if (e.owner && Number(e.until) > now) return null;
      const r = await this.table.updateEntity({ partitionKey, rowKey, owner, until }, "Replace", { etag: e.etag });
      return r.etag ?? null;
    } catch (e) {
      if (status(e) === 404) {
        try {
          return (await this.table.createEntity({ partitionKey, rowKey, owner, until })).etag ?? null;
        } catch (e2) {
          if (status(e2) === 409) return null;
          throw e2;
        }
      }
      if (status(e) === 412) return null; // someone else took it first
      throw e;
    }
  }

  private async give(partitionKey: string, rowKey: string, owner: string, etag: string): Promise<void> {
    try {
      await this.table.updateEntity({ partitionKey, rowKey, owner: "", until: 0 }, "Replace", { etag });
    } catch (e) {
      // 412: the slot expired and someone else holds it now; 404: gone. Either way it is not ours.
      if (status(e) !== 412 && status(e) !== 404) throw e;
    }
  }
}
