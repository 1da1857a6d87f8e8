import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { packageRoot } from "../config/load.js";
import { kindOf } from "./reporters/kinds.js";

const root = packageRoot();
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}
const imports = (f: string) => [...readFileSync(f, "utf8").matchAll(/^\s*import[^"']*["']([^"']+)["']/gm)].map((m) => m[1]!);

describe("layers (docs/architecture.md: dependencies point down only)", () => {
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

  it("core/rules/ is pure: no ports' adapters, no use cases, no node:crypto; core/usecases/ is reached only from the entry points and local/", () => {
    const rules = join(root, "core", "rules");
    const usecases = join(root, "core", "usecases");
    const inRules = files(rules).flatMap((f) =>
      imports(f)
        .filter((i) => (i.startsWith(".") ? resolve(dirname(f), i).startsWith(usecases) : !["zod", "date-holidays"].includes(i)))
        .map((i) => `${relative(root, f)} imports ${i}`),
    );
    expect(inRules).toEqual([]);
    const callers = ["m365", "cards", "reports", "forms", "config"].flatMap((d) =>
      files(join(root, d)).flatMap((f) =>
        imports(f)
          .filter((i) => i.startsWith(".") && resolve(dirname(f), i).startsWith(usecases))
          .map((i) => `${relative(root, f)} imports ${i}`),
      ),
    );
    expect(callers).toEqual([]);
  });

  it("each function handler in functions/ calls at most one use case (it parses, calls it and logs)", () => {
    const bad = ["mail.ts", "timers.ts"].flatMap((name) => {
      const src = readFileSync(join(root, "functions", name), "utf8");
      // The use cases it imports: values (not types, not CONSTANTS) from core/usecases/.
      const usecases = [...src.matchAll(/^import \{([^}]+)\} from "\.\.\/core\/usecases\/[^"]+";/gm)].flatMap((m) =>
        m[1]!
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x && !x.startsWith("type ") && !/^[A-Z_]+$/.test(x)),
      );
      const handlers = src.split(/^(?=export (?:async )?(?:function|const) )/m).slice(1);
      expect(handlers.length).toBeGreaterThan(2);
      return handlers.flatMap((h) => {
        const calls = usecases.filter((u) => new RegExp(`\\b${u}\\(`).test(h));
        return calls.length > 1 ? [`${name} ${/^export (?:async )?(?:function|const) (\w+)/.exec(h)![1]} calls ${calls.join(", ")}`] : [];
      });
    });
    expect(bad).toEqual([]);
  });

  it("m365/ depends on core only (never on the entry points, the bot or the local stand-ins)", () => {
    const m365 = join(root, "m365");
    const bad = files(m365).flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith(".") && ["functions", "bot", "cli", "local"].some((d) => resolve(dirname(f), i).startsWith(join(root, d))))
        .map((i) => `${relative(root, f)} imports ${i}`),
    );
    expect(bad).toEqual([]);
  });
});

describe("fakes (docs/architecture.md: testing a use case)", () => {
  const tests = files(join(root, "test"));

  it("every port core/ declares has an in-memory fake in test/fakes/", () => {
    const ports = files(join(root, "core")).flatMap((f) => [...readFileSync(f, "utf8").matchAll(/^export interface (\w+Port)\b/gm)].map((m) => m[1]!));
    const faked = new Set(
      files(join(root, "test", "fakes")).flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(/\bimplements ([\w,\s]+?)\s*\{/g)].flatMap((m) => m[1]!.split(",").map((x) => x.trim())),
      ),
    );
    expect(ports.length).toBeGreaterThan(10);
    expect(ports.filter((p) => !faked.has(p))).toEqual([]);
  });

  it("every use case in core/usecases/ is imported by a unit test (one that boots no local server)", () => {
    const unit = tests.filter((f) => f.endsWith(".test.ts") && kindOf(f, readFileSync(f, "utf8")) === "unit");
    const tested = new Set(
      unit.flatMap((f) =>
        imports(f)
          .filter((i) => i.startsWith("."))
          .map((i) => resolve(dirname(f), i).replace(/\.js$/, ".ts")),
      ),
    );
    const usecases = files(join(root, "core", "usecases"));
    expect(usecases.length).toBeGreaterThan(10);
    expect(usecases.filter((f) => !tested.has(f)).map((f) => relative(root, f))).toEqual([]);
  });
});
