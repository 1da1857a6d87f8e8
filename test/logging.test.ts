/** Log lines reach Application Insights at their levels: warnings through console.warn (the Functions worker records them as Warning). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger } from "../functions/deps.js";

afterEach(() => vi.restoreAllMocks());

describe("logging", () => {
  it("a warning goes to console.warn and information to console.log, each one JSON line with its level and no more than its fields", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const logger = consoleLogger();
    logger.warn("intake.poisoned", { key: "abc123" });
    logger.info("intake.done", { outcome: "accepted" });
    expect(warn.mock.calls).toEqual([[JSON.stringify({ level: "warn", event: "intake.poisoned", key: "abc123" })]]);
    expect(log.mock.calls).toEqual([[JSON.stringify({ level: "info", event: "intake.done", outcome: "accepted" })]]);
  });
});
