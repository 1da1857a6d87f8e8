/**
 * Graph's errors, read in one place: the status and the short reason for a log line (core/errors.ts,
 * shared with Storage and the Bot Connector), how long Graph asked to wait (Retry-After, from the
 * client's error or from one response inside a `$batch`), and the error for a refused batch item.
 * Every adapter reads a failed Graph request through this module.
 */
import { statusOf } from "../core/errors.js";

export { statusOf } from "../core/errors.js";

/** The statuses Graph asks to retry later. */
export const RETRY_LATER = new Set([429, 503, 504]);

/** A request Graph refused, from a `$batch` (the client throws its own GraphError for the rest). */
export class GraphRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string | undefined,
    what: string,
  ) {
    super(`${what} failed with ${statusCode}${code ? ` (${code})` : ""}`);
    this.name = "GraphRequestError";
  }
}

/** An error that says "try again in N seconds": a long throttle the client did not wait for. */
export class RetryLaterError extends Error {
  constructor(
    readonly statusCode: number,
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super(`${what}: ${statusCode}, retry after ${retryAfterSeconds} s`);
    this.name = "RetryLaterError";
  }
}

/** Seconds from a Retry-After header value (seconds or an HTTP date); `otherwise` when absent. */
export function parseRetryAfter(value: string | null | undefined, otherwise = 1): number {
  if (value === null || value === undefined || value === "") return otherwise;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : otherwise;
}

/** The Retry-After of one response inside a `$batch` (its headers are a plain object there). */
export function batchItemRetryAfter(headers: Record<string, unknown> | undefined): number {
  const value = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
  return parseRetryAfter(value === undefined ? undefined : String(value));
}

/**
 * When an error means "try again later" (429, 503, 504, from the client or from a batch item):
 * how many seconds to wait; null for any other error.
 */
export function retryAfterOf(e: unknown): number | null {
  if (e instanceof RetryLaterError) return e.retryAfterSeconds;
  const status = statusOf(e);
  if (!status || !RETRY_LATER.has(status)) return null;
  const headers = (e as { headers?: Headers }).headers;
  return parseRetryAfter(headers && typeof headers.get === "function" ? headers.get("retry-after") : null, status === 429 ? 1 : 5);
}
