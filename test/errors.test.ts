import { describe, expect, it } from "vitest";
import { codeOf, shortReason, statusOf } from "../core/errors.js";
import { batchItemRetryAfter, GraphRequestError, parseRetryAfter, retryAfterOf, RetryLaterError } from "../m365/graphError.js";

/** What the Graph client throws: statusCode, code, headers, body. */
const clientError = (statusCode: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { statusCode, code, headers: new Headers(headers), body: JSON.stringify({ secret: "a child's name" }) });

describe("reading errors", () => {
  it("a Graph error: status, code, wait and a short reason without the body", () => {
    const e = clientError(429, "TooManyRequests", "Application is over its MailboxConcurrency limit.", { "retry-after": "7" });
    const f = { status: statusOf(e), code: codeOf(e), retryAfterSeconds: retryAfterOf(e), reason: shortReason(e) };
    expect(f).toEqual({
      status: 429,
      code: "TooManyRequests",
      retryAfterSeconds: 7,
      reason: "429 TooManyRequests: Application is over its MailboxConcurrency limit.",
    });
    expect(f.reason).not.toContain("child");
  });

  it("a reason is at most 80 characters and only the message's first line", () => {
    const r = shortReason(new Error(`${"x".repeat(200)}\nsecond line`));
    expect(r).toHaveLength(80);
    expect(r).not.toContain("second");
    expect(shortReason(new Error("first\nsecond"))).toBe("first");
    expect(shortReason("plain text")).toBe("plain text");
    expect(shortReason({})).toBe("error");
  });

  it("statuses from any service's error; none from one without", () => {
    expect(statusOf(new GraphRequestError(409, "nameAlreadyExists", "batch request audit"))).toBe(409);
    expect(statusOf({ statusCode: "409" })).toBeUndefined();
    expect(statusOf(null)).toBeUndefined();
    expect(new GraphRequestError(424, undefined, "intake batch step move").message).toBe("intake batch step move failed with 424");
  });

  it("how long to wait: Retry-After in seconds or as a date, a default by status, none for other errors", () => {
    expect(retryAfterOf(new RetryLaterError(429, 12, "x"))).toBe(12);
    expect(retryAfterOf(clientError(503, "ServiceUnavailable", "down"))).toBe(5);
    expect(retryAfterOf(clientError(429, "TooManyRequests", "slow"))).toBe(1);
    expect(retryAfterOf(clientError(404, "itemNotFound", "gone"))).toBeNull();
    expect(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThanOrEqual(29);
    expect(batchItemRetryAfter({ "Retry-After": "3" })).toBe(3);
    expect(batchItemRetryAfter(undefined)).toBe(1);
  });
});
