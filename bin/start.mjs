#!/usr/bin/env node
// `npm start`: makes sure the local tenant's certificate exists, then runs the local product in a
// Node process that trusts it (NODE_EXTRA_CA_CERTS is read only when a process starts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const start = fileURLToPath(new URL("../dist/local/start.js", import.meta.url));
if (!existsSync(start)) {
  console.error("Cluster Desk is not built yet: run `npm ci` (or `npm run build`) in the project folder.");
  process.exit(2);
}
const { ensureTls } = await import(new URL("../dist/local/tenant/tls.js", import.meta.url).href);
const dataDir = process.env.CLUSTER_DESK_DATA ?? ".data";
const tls = await ensureTls(process.env.TENANT_TLS_DIR ?? join(dataDir, "tenant"));
const child = spawn(process.execPath, [start, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caPath },
});
// Pass signals on (from a terminal the child gets Ctrl-C too; stopping twice is harmless), then
// wait for it to finish.
process.on("SIGINT", () => child.kill("SIGINT"));
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
