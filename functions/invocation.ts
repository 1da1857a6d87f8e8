/**
 * The invocation a log line belongs to. In Azure, the Functions host records what a Node process
 * writes to stdout and stderr as console output, not at the level the line means (the Node.js
 * worker does not intercept `console`, Azure/azure-functions-nodejs-worker src/utils/Logger.ts);
 * an InvocationContext's `log` and `warn` reach Application Insights as Information and Warning.
 * index.ts runs each handler inside its context, so the product's logger writes through it.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface InvocationLog {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export const invocation = new AsyncLocalStorage<InvocationLog>();
