#!/usr/bin/env node
// `npm start` (local.mjs start) and `npm run demo` (local.mjs demo): make sure the local tenant's
// certificate exists, then run dist/local/<name>.js in a Node that trusts it (NODE_EXTRA_CA_CERTS
// is read only when a process starts). Signals are passed on; stopping twice is harmless.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const [name, ...args] = process.argv.slice(2);
if (name !== "start" && name !== "demo") {
  console.error("usage: local.mjs start|demo [args]");
  process.exit(2);
}
const script = fileURLToPath(new URL(`../dist/local/${name}.js`, import.meta.url));
if (!existsSync(script)) {
  console.error("Cluster Desk is not built yet: run `npm ci` (or `npm run build`) in the project folder.");
  process.exit(2);
}
const { ensureTls } = await import(new URL("../dist/local/tenant/tls.js", import.meta.url).href);
// Each partnership keeps its own local data: the default (Hounslow) in .data, another in .data/<id>.
const partnershipId =
  process.env.PARTNERSHIP && process.env.PARTNERSHIP !== "hounslow-mip" && /^[a-z0-9-]+$/.test(process.env.PARTNERSHIP) ? process.env.PARTNERSHIP : null;
const dataDir = process.env.CLUSTER_DESK_DATA ?? (partnershipId ? join(".data", partnershipId) : ".data");
const tlsDir = process.env.TENANT_TLS_DIR ?? join(dataDir, name === "start" ? "tenant" : "demo-tls");
const tls = await ensureTls(tlsDir);
const child = spawn(process.execPath, [script, ...args], {
  stdio: "inherit",
  env: { ...process.env, CLUSTER_DESK_DATA: dataDir, ...(name === "demo" ? { TENANT_TLS_DIR: tlsDir } : {}), NODE_EXTRA_CA_CERTS: tls.caPath },
});
process.on("SIGINT", () => child.kill("SIGINT"));
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
