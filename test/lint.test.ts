/**
 * The linter (typescript-eslint with type information: floating promises, unused names, `any`
 * outside the local tenant and the tests) and the formatter (Prettier) over the whole tree. Run
 * here so that `npm test` and CI fail on a lint error, in parallel with the other suites;
 * `npm run lint` runs the same two commands, and `npm run format` fixes the formatting.
 * Both cache (node_modules/.cache): a clean clone, as in CI, checks everything; a warm tree only
 * what changed (a type change that makes an unchanged file wrong is caught on the next clean run).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../config/load.js";

const run = async (bin: string, args: string[]) => {
  try {
    await promisify(execFile)(process.execPath, [join(packageRoot(), "node_modules", ...bin.split("/")), ...args], {
      cwd: packageRoot(),
      maxBuffer: 16 * 1024 * 1024,
    });
    return "";
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return `${err.stdout ?? ""}${err.stderr ?? ""}` || err.message;
  }
};

describe("habits", () => {
  it("eslint finds nothing", async () => {
    expect(await run("eslint/bin/eslint.js", ["--cache", "--cache-location", "node_modules/.cache/eslint", "."])).toBe("");
  }, 180_000);
  it("the tree is formatted as Prettier would", async () => {
    const out = await run("prettier/bin/prettier.cjs", ["--cache", "--check", ".", "--log-level", "warn"]);
    expect(out).toBe("");
  }, 60_000);
});
