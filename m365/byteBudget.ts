/**
 * How many attachment bytes one instance holds at once: fetched from the mailbox and not yet read.
 * Intake has up to 256 emails in hand per instance (host.json), and Exchange lets a file of up to
 * the partnership's limit (10 MB by default) through; without a bound, a burst of large forms
 * waiting for the two form readers could hold more than the instance's 512 MB. A file waits for
 * room before it is fetched, first come first served; one larger than the whole budget still goes,
 * alone.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { n: number; resolve: () => void }[] = [];
  /** The most bytes ever held at once (for tests and benchmarks). */
  peak = 0;
  constructor(readonly cap: number) {}

  /** Waits for room for `bytes`; resolves with the function that gives them back. */
  async take(bytes: number): Promise<() => void> {
    const n = Math.max(0, Math.min(bytes, this.cap));
    if (!this.waiting.length && this.used + n <= this.cap) this.hold(n);
    else await new Promise<void>((resolve) => this.waiting.push({ n, resolve }));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used -= n;
      while (this.waiting.length && this.used + this.waiting[0]!.n <= this.cap) {
        const next = this.waiting.shift()!;
        this.hold(next.n);
        next.resolve();
      }
    };
  }

  private hold(n: number): void {
    this.used += n;
    this.peak = Math.max(this.peak, this.used);
  }
}

/** The default: room for six forms at the default 10 MB limit, well inside a 512 MB instance. */
export const ATTACHMENT_BYTES_AT_ONCE = 64 * 1024 * 1024;
