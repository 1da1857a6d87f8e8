/**
 * A Functions host in a process of its own, for the crash tests to kill with SIGKILL: the real
 * function definitions on the dev host, against the test's local tenant and Azurite. It appends
 * (synchronously, so the lines outlive a kill) to a file: "posted REF" when Teams takes a triage
 * card, "kept REF" once storage has recorded it, "durable REF" once intake's last step has
 * recorded it on the case in SharePoint.
 * Input: CRASH_WORKER (JSON: env, port, cardsFile, leads). Prints "ready" when it listens.
 */
import { appendFileSync } from "node:fs";
import { buildDeps } from "../../functions/deps.js";
import { functionDefs } from "../../functions/registry.js";
import { startDevHost } from "../../local/devhost/host.js";
import { personalChatKey as refKey } from "../../m365/teamsState.js";
import { loadPartnership } from "../../config/load.js";

const cfg = JSON.parse(process.env.CRASH_WORKER!) as { env: Record<string, string>; port: number; cardsFile: string; leads: string[] };
const quiet = { info: () => {}, warn: () => {} };
const deps = buildDeps(cfg.env, loadPartnership("hounslow-mip").partnership, quiet);
deps.timing = { leaseMs: 3_000, reconcileAfterMs: 2_000 };
deps.bot.postCard = async (_ref, card) => {
  const ref = (card as { refresh?: { action?: { data?: { caseRef?: string } } } }).refresh?.action?.data?.caseRef ?? "?";
  appendFileSync(cfg.cardsFile, `posted ${ref}\n`);
  return `activity-${ref}`;
};
const announce = deps.announce!;
deps.announce = async (caseRef, lead, stored) => {
  const id = await announce(caseRef, lead, stored);
  if (id !== null) appendFileSync(cfg.cardsFile, `kept ${caseRef}\n`);
  return id;
};
const finish = deps.finish!;
deps.finish = async (step) => {
  await finish(step);
  if (step.triageCard) appendFileSync(cfg.cardsFile, `durable ${step.audit?.caseRef}\n`);
};
for (const lead of cfg.leads)
  if (!(await deps.state.getSync(refKey(lead)))) await deps.state.setSync(refKey(lead), JSON.stringify({ conversation: { id: `chat-${lead}` } }));
await startDevHost(
  functionDefs(() => deps),
  { storage: cfg.env.AzureWebJobsStorage!, port: cfg.port, log: () => {}, pollMs: 50, visibilityTimeoutSeconds: 5, retryDelaySeconds: 1 },
);
console.log("ready");
