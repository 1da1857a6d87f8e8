#!/usr/bin/env node
// `npm run deploy:check`: builds the package the function app runs (docs/deploy.md: dist/ without
// the local stand-ins, cards/, config/, host.json, package.json and the production node_modules)
// in a temporary folder, and prints its size, its package count and how long the functions take
// to load (median of five fresh Node processes). Needs `npm run build` first and the npm registry.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(join(root, "dist/functions/index.js"))) {
  console.error("Build first: npm run build");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "cluster-desk-deploy-"));
try {
  for (const f of ["package.json", "package-lock.json", "host.json"]) cpSync(join(root, f), join(dir, f));
  for (const d of ["cards", "config"]) cpSync(join(root, d), join(dir, d), { recursive: true });
  // dist/ less what only runs on a laptop or in tests.
  cpSync(join(root, "dist"), join(dir, "dist"), { recursive: true, filter: (src) => !/[\\/]dist[\\/](local|test|bench|manifest)([\\/]|$)/.test(src) });
  execFileSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });

  const size = (p) => {
    const st = statSync(p);
    if (!st.isDirectory()) return st.size;
    return readdirSync(p).reduce((n, e) => n + size(join(p, e)), 0);
  };
  const packages = (base) => {
    let n = 0;
    for (const e of existsSync(base) ? readdirSync(base) : []) {
      if (e.startsWith(".")) continue;
      if (e.startsWith("@")) n += packages(join(base, e));
      else if (existsSync(join(base, e, "package.json"))) n += 1 + packages(join(base, e, "node_modules"));
    }
    return n;
  };
  const times = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", "const t = performance.now(); await import('./dist/functions/index.js'); console.log(performance.now() - t);"],
      { cwd: dir, env: { ...process.env, FUNCTIONS_WORKER_RUNTIME: "node" } },
    )
      .toString()
      .trim()
      .split("\n")
      .pop();
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  const total = size(dir);
  const nm = size(join(dir, "node_modules"));
  console.log(
    `deployed package: ${(total / 1024 / 1024).toFixed(1)} MB (node_modules ${(nm / 1024 / 1024).toFixed(1)} MB), ${packages(join(dir, "node_modules"))} packages`,
  );
  console.log(`functions load time: median ${times[2].toFixed(0)} ms (of ${times.map((t) => t.toFixed(0)).join(", ")})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
