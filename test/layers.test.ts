import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { packageRoot } from "../config/load.js";

const root = packageRoot();
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}
const imports = (f: string) => [...readFileSync(f, "utf8").matchAll(/^\s*import[^"']*["']([^"']+)["']/gm)].map((m) => m[1]!);

describe("layers (ARCHITECTURE.md: dependencies point down only)", () => {
  it("botbuilder is imported only in bot/", () => {
    const offenders = ["core", "m365", "functions", "cards", "config", "cli", "local", "manifest", "reports", "forms"]
      .flatMap((d) => files(join(root, d)))
      .filter((f) => imports(f).some((i) => i.startsWith("botbuilder")));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it("core/ imports only zod, date-holidays, node:crypto and itself", () => {
    const core = join(root, "core");
    const bad = files(core).flatMap((f) =>
      imports(f)
        .filter((i) => (i.startsWith(".") ? !resolve(dirname(f), i).startsWith(core) : !["zod", "date-holidays", "node:crypto"].includes(i)))
        .map((i) => `${relative(root, f)} imports ${i}`),
    );
    expect(bad).toEqual([]);
  });
});
