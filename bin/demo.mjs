#!/usr/bin/env node
// `npm run demo`: like bin/start.mjs, runs the demo in a Node that trusts the local tenant's certificate.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const demo = fileURLToPath(new URL("../dist/local/demo.js", import.meta.url));
if (!existsSync(demo)) {
  console.error("Cluster Desk is not built yet: run `npm ci` (or `npm run build`) in the project folder.");
  process.exit(2);
}
const { ensureTls } = await import(new URL("../dist/local/tenant/tls.js", import.meta.url).href);
const tlsDir = process.env.TENANT_TLS_DIR ?? join(process.env.CLUSTER_DESK_DATA ?? ".data", "demo-tls");
const tls = await ensureTls(tlsDir);
const child = spawn(process.execPath, [demo, ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, TENANT_TLS_DIR: tlsDir, NODE_EXTRA_CA_CERTS: tls.caPath } });
process.on("SIGINT", () => child.kill("SIGINT"));
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
