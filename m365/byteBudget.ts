/**
 * How many attachment bytes one instance holds at once: fetched from the mailbox and not yet read.
 * Intake has up to 256 emails in hand per instance (host.json), and Exchange lets a file of up to
 * the partnership's limit (10 MB by default) through; without a bound, a burst of large forms
 * waiting for the two form readers could hold more than the instance's 512 MB. A file waits for
 * room before it is fetched, first come first served; one larger than the whole budget still goes,
 * alone.
 */
import { KeyedLimiter } from "./graph.js";

export class ByteBudget {
  /** The mailbox limit's first-come-first-served semaphore, with bytes for places and one key. */
  private readonly bytes: KeyedLimiter;
  constructor(readonly cap: number) {
    this.bytes = new KeyedLimiter(cap);
  }

  /** The most bytes ever held at once (for tests and benchmarks). */
  get peak(): number {
    return this.bytes.peak;
  }

  /** Waits for room for `bytes`; resolves with the function that gives them back. */
  async take(bytes: number): Promise<() => void> {
    await this.bytes.acquire("files", bytes);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.bytes.release("files", bytes);
    };
  }
}

/** The default: room for six forms at the default 10 MB limit, well inside a 512 MB instance. */
export const ATTACHMENT_BYTES_AT_ONCE = 64 * 1024 * 1024;
