/** Technical state in Azure Table storage: intake progress, sequences, delta links, subscriptions. */
import type { TableClient } from "@azure/data-tables";
import { statusOf } from "../core/errors.js";
import { asStorage, tableClient, tableService, type StorageConfig } from "./storage.js";
import type { IntakeState, StatePort } from "../core/ports.js";

export const TABLES = { intake: "IntakeState", sequences: "Sequences", sync: "SyncState" } as const;

export interface SubscriptionState {
  id: string;
  expiresAt: string;
  resource: string;
}

export class TableState implements StatePort {
  private readonly clients: Record<keyof typeof TABLES, TableClient>;
  private ready?: Promise<void>;

  private readonly storage: StorageConfig;
  constructor(storage: StorageConfig | string) {
    this.storage = asStorage(storage);
    this.clients = {
      intake: tableClient(this.storage, TABLES.intake),
      sequences: tableClient(this.storage, TABLES.sequences),
      sync: tableClient(this.storage, TABLES.sync),
    };
  }

  /** Creates the tables once per process. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      const service = tableService(this.storage);
      for (const name of Object.values(TABLES)) {
        try {
          await service.createTable(name);
        } catch (e) {
          if (statusOf(e) !== 409) throw e;
        }
      }
    })();
    return this.ready;
  }

  async intake(key: string): Promise<IntakeState | null> {
    await this.init();
    try {
      const e = await this.clients.intake.getEntity<{ json: string }>("intake", key);
      return JSON.parse(e.json) as IntakeState;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async saveIntake(key: string, s: IntakeState): Promise<void> {
    await this.init();
    // The stage is a column too, so the reconciler asks the table for unfinished rows only.
    await this.clients.intake.upsertEntity({ partitionKey: "intake", rowKey: key, stage: s.stage, json: JSON.stringify(s) }, "Replace");
  }

  async next(sequence: string): Promise<number> {
    await this.init();
    const t = this.clients.sequences;
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const e = await t.getEntity<{ value: number }>("seq", sequence);
        const n = Number(e.value) + 1;
        await t.updateEntity({ partitionKey: "seq", rowKey: sequence, value: n }, "Replace", { etag: e.etag });
        return n;
      } catch (err) {
        if (statusOf(err) === 404) {
          try {
            await t.createEntity({ partitionKey: "seq", rowKey: sequence, value: 1 });
            return 1;
          } catch (e2) {
            if (statusOf(e2) !== 409) throw e2;
          }
        } else if (statusOf(err) !== 412) throw err;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
    }
    throw new Error(`sequence ${sequence} is too contended`);
  }

  async unfinished(before: Date): Promise<{ key: string; state: IntakeState }[]> {
    await this.init();
    const out: { key: string; state: IntakeState }[] = [];
    for await (const e of this.clients.intake.listEntities<{ json: string }>({ queryOptions: { filter: "PartitionKey eq 'intake' and stage ne 'done'" } })) {
      const state = JSON.parse(e.json) as IntakeState;
      if (state.stage !== "done" && Date.parse(state.updatedAt) < before.getTime()) out.push({ key: e.rowKey!, state });
    }
    return out;
  }

  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.init();
    const t = this.clients.intake;
    const until = Date.now() + ttlMs;
    try {
      await t.createEntity({ partitionKey: "lease", rowKey: key, owner, until });
      return true;
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    const e = await t.getEntity<{ owner: string; until: number }>("lease", key).catch((err) => {
      if (statusOf(err) === 404) return null;
      throw err;
    });
    if (!e) return this.claim(key, owner, ttlMs);
    if (Number(e.until) > Date.now() && e.owner !== owner) return false;
    try {
      // An expired lease (its holder crashed): take it over, unless someone else just did.
      await t.updateEntity({ partitionKey: "lease", rowKey: key, owner, until }, "Replace", { etag: e.etag });
      return true;
    } catch (err) {
      if (statusOf(err) === 412) return false;
      throw err;
    }
  }

  async release(key: string, owner: string): Promise<void> {
    await this.init();
    try {
      const e = await this.clients.intake.getEntity<{ owner: string }>("lease", key);
      if (e.owner === owner) await this.clients.intake.deleteEntity("lease", key, { etag: e.etag });
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 412) throw err;
    }
  }

  async getSync(name: string): Promise<string | null> {
    await this.init();
    try {
      return (await this.clients.sync.getEntity<{ value: string }>("sync", name)).value;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async setSync(name: string, value: string | null): Promise<void> {
    await this.init();
    if (value === null) {
      try {
        await this.clients.sync.deleteEntity("sync", name);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
      return;
    }
    await this.clients.sync.upsertEntity({ partitionKey: "sync", rowKey: name, value }, "Replace");
  }

  /**
   * Read-modify-write of one value without lost updates: the write is conditional on the ETag read
   * (or on the value still being absent) and retried on 412/409. `change` gets the current value and
   * returns the new one; what it returns is what was stored.
   */
  async updateSync(name: string, change: (current: string | null) => string): Promise<string> {
    await this.init();
    const t = this.clients.sync;
    for (let attempt = 0; attempt < 50; attempt++) {
      const e = await t.getEntity<{ value: string }>("sync", name).catch((err) => {
        if (statusOf(err) === 404) return null;
        throw err;
      });
      const value = change(e ? e.value : null);
      try {
        if (e) await t.updateEntity({ partitionKey: "sync", rowKey: name, value }, "Replace", { etag: e.etag });
        else await t.createEntity({ partitionKey: "sync", rowKey: name, value });
        return value;
      } catch (err) {
        if (statusOf(err) !== 412 && statusOf(err) !== 409) throw err;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
    }
    throw new Error(`${name} is too contended`);
  }
}
