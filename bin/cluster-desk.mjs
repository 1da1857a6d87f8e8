#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the "prepare" script).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("cluster-desk is not built yet: run `npm install` (or `npm run build`) in the project folder.");
  process.exit(2);
}
// Against the local stack (`npm start`), commands that call it must trust its certificate from
// the start: run again with it when npm start's settings name one and this Node lacks it.
const settingsFile = join(process.env.CLUSTER_DESK_DATA ?? ".data", "app-settings.json");
if (
  ["health", "publish-meetings", "set-budget", "import-schools", "doctor", "report", "publish-config", "verify-tenant"].includes(process.argv[2]) &&
  existsSync(settingsFile)
) {
  const ca = JSON.parse(readFileSync(settingsFile, "utf8")).NODE_EXTRA_CA_CERTS;
  if (ca && process.env.NODE_EXTRA_CA_CERTS !== ca) {
    const child = spawnSync(process.execPath, process.argv.slice(1), { stdio: "inherit", env: { ...process.env, NODE_EXTRA_CA_CERTS: ca } });
    process.exit(child.status ?? 1);
  }
}
const { run } = await import(main.href);
const code = await run(process.argv.slice(2), {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
});
process.exitCode = code;
