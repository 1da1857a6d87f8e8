#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the "prepare" script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("cluster-desk is not built yet: run `npm install` (or `npm run build`) in the project folder.");
  process.exit(2);
}
const { run } = await import(main.href);
const code = await run(process.argv.slice(2), {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
});
process.exitCode = code;
