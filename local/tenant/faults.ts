/** Fault injection for the local tenant: throttling, outages, latency, Exchange's concurrency limit. */
export interface FaultSettings {
  /** Share of Graph requests answered 429 with Retry-After (0..1). */
  throttleRate: number;
  /** The next N Graph requests are answered 429, whatever the rate. */
  throttleNext: number;
  retryAfterSeconds: number;
  /** Share of Graph requests answered 503 (0..1). */
  unavailableRate: number;
  /** Added to every Graph request, in milliseconds. */
  latencyMs: number;
  /** Exchange: concurrent requests per app per mailbox before 429 (0 = no limit). */
  mailboxConcurrency: number;
  /** Exchange: messages a mailbox sends a minute before the rest wait for later minutes in its Outbox (0 = no limit; Exchange Online's is 30). */
  messagesPerMinute: number;
  /** Change notifications delivered twice. */
  duplicateNotifications: boolean;
  /** Share of change notifications never delivered (0..1). */
  dropNotificationRate: number;
  /** Seed for the random choices, so a fault run can be repeated. */
  seed: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  throttleRate: 0,
  throttleNext: 0,
  retryAfterSeconds: 1,
  unavailableRate: 0,
  latencyMs: 0,
  mailboxConcurrency: 4,
  messagesPerMinute: 0,
  duplicateNotifications: false,
  dropNotificationRate: 0,
  seed: 1,
};

const RATE_KEYS = ["throttleRate", "unavailableRate", "dropNotificationRate"] as const;
const COUNT_KEYS = ["throttleNext", "retryAfterSeconds", "latencyMs", "mailboxConcurrency", "messagesPerMinute", "seed"] as const;

/** Checks a partial settings object (from the admin endpoint or TENANT_FAULTS); throws with the field at fault. */
export function checkFaults(input: unknown): Partial<FaultSettings> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error("fault settings must be a JSON object");
  const out: Partial<FaultSettings> = {};
  for (const [k, v] of Object.entries(input)) {
    if ((RATE_KEYS as readonly string[]).includes(k)) {
      if (typeof v !== "number" || v < 0 || v > 1) throw new Error(`${k} must be a number from 0 to 1`);
      (out as Record<string, unknown>)[k] = v;
    } else if ((COUNT_KEYS as readonly string[]).includes(k)) {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new Error(`${k} must be a whole number of 0 or more`);
      (out as Record<string, unknown>)[k] = v;
    } else if (k === "duplicateNotifications") {
      if (typeof v !== "boolean") throw new Error(`${k} must be true or false`);
      out.duplicateNotifications = v;
    } else throw new Error(`unknown fault setting "${k}"; known: ${Object.keys(DEFAULT_FAULTS).join(", ")}`);
  }
  return out;
}

/** mulberry32: small, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  settings: FaultSettings;
  random: () => number;
  private readonly inFlight = new Map<string, number>();

  constructor(initial: Partial<FaultSettings> = {}) {
    this.settings = { ...DEFAULT_FAULTS, ...initial };
    this.random = seededRandom(this.settings.seed);
  }

  update(patch: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...patch };
    if (patch.seed !== undefined) this.random = seededRandom(patch.seed);
    return this.settings;
  }

  reset(): FaultSettings {
    this.settings = { ...DEFAULT_FAULTS };
    this.random = seededRandom(this.settings.seed);
    return this.settings;
  }

  /** What to do with this request before it runs: nothing, or an error status. */
  decide(): { status: 429 | 503; retryAfter: number } | undefined {
    const s = this.settings;
    if (s.throttleNext > 0) {
      s.throttleNext--;
      return { status: 429, retryAfter: s.retryAfterSeconds };
    }
    if (s.throttleRate > 0 && this.random() < s.throttleRate) return { status: 429, retryAfter: s.retryAfterSeconds };
    if (s.unavailableRate > 0 && this.random() < s.unavailableRate) return { status: 503, retryAfter: s.retryAfterSeconds };
    return undefined;
  }

  /** The most requests ever in flight for one app+mailbox, and how many were refused for it. */
  peakInFlight = 0;
  refusedForConcurrency = 0;

  /** Takes a slot for app+mailbox; false when the mailbox is at its concurrency limit. */
  enter(key: string): boolean {
    const n = this.inFlight.get(key) ?? 0;
    if (this.settings.mailboxConcurrency > 0 && n >= this.settings.mailboxConcurrency) {
      this.refusedForConcurrency++;
      return false;
    }
    this.inFlight.set(key, n + 1);
    this.peakInFlight = Math.max(this.peakInFlight, n + 1);
    return true;
  }

  leave(key: string): void {
    const n = (this.inFlight.get(key) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, n);
  }
}

/** Requests served, by route and status. */
export class Counters {
  private readonly counts = new Map<string, Map<number, number>>();
  add(name: string, status: number): void {
    let m = this.counts.get(name);
    if (!m) this.counts.set(name, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }
  snapshot(): { total: number; byRoute: Record<string, Record<string, number>> } {
    const byRoute: Record<string, Record<string, number>> = {};
    let total = 0;
    for (const [name, m] of [...this.counts].sort(([a], [b]) => a.localeCompare(b))) {
      byRoute[name] = Object.fromEntries([...m].map(([s, n]) => [String(s), n]));
      for (const n of m.values()) total += n;
    }
    return { total, byRoute };
  }
  /** Requests to a route (any status, or one status). */
  count(name: string, status?: number): number {
    const m = this.counts.get(name);
    if (!m) return 0;
    return status === undefined ? [...m.values()].reduce((a, b) => a + b, 0) : (m.get(status) ?? 0);
  }
  reset(): void {
    this.counts.clear();
  }
}
