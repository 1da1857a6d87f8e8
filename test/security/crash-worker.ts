/**
 * A Functions host in a process of its own, for the crash tests to kill with SIGKILL: the real
 * function definitions on the dev host, against the test's local tenant and Azurite. Every triage
 * card it posts is appended (synchronously) to a file, so cards are counted across kills.
 * Input: CRASH_WORKER (JSON: env, port, cardsFile, leads). Prints "ready" when it listens.
 */
import { appendFileSync } from "node:fs";
import { buildDeps } from "../../functions/deps.js";
import { functionDefs } from "../../functions/registry.js";
import { startDevHost } from "../../local/devhost/host.js";
import { refKey } from "../../bot/bot.js";
import { loadPartnership } from "../../config/load.js";

const cfg = JSON.parse(process.env.CRASH_WORKER!) as { env: Record<string, string>; port: number; cardsFile: string; leads: string[] };
const quiet = { info: () => {}, warn: () => {} };
const deps = buildDeps(cfg.env, loadPartnership("hounslow-mip").partnership, quiet);
deps.timing = { leaseMs: 3_000, reconcileAfterMs: 2_000 };
deps.bot.postCard = async (_ref, card) => {
  const ref = (card as { refresh?: { action?: { data?: { caseRef?: string } } } }).refresh?.action?.data?.caseRef ?? "?";
  appendFileSync(cfg.cardsFile, `${ref}\n`);
  return `activity-${ref}`;
};
for (const lead of cfg.leads) if (!(await deps.state.getSync(refKey(lead)))) await deps.state.setSync(refKey(lead), JSON.stringify({ conversation: { id: `chat-${lead}` } }));
await startDevHost(functionDefs(() => deps), { storage: cfg.env.AzureWebJobsStorage!, port: cfg.port, log: () => {}, pollMs: 50, visibilityTimeoutSeconds: 5, retryDelaySeconds: 1 });
console.log("ready");
