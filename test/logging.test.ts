/** Log lines reach Application Insights at their levels: in an invocation through its context's warn and log; elsewhere through console.warn and console.log. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger } from "../functions/deps.js";
import { invocation } from "../functions/invocation.js";

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

  it("inside a function's invocation, through its context: warn as Warning, log as Information; not the console", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const context = { warn: vi.fn(), log: vi.fn() };
    const logger = consoleLogger();
    await invocation.run(context, async () => {
      await Promise.resolve(); // across an await, as in a handler
      logger.warn("intake.poisoned", { key: "abc123" });
      logger.info("intake.done", { outcome: "accepted" });
    });
    expect(context.warn.mock.calls).toEqual([[JSON.stringify({ level: "warn", event: "intake.poisoned", key: "abc123" })]]);
    expect(context.log.mock.calls).toEqual([[JSON.stringify({ level: "info", event: "intake.done", outcome: "accepted" })]]);
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});
