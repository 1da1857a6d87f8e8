/**
 * Says, at the end of `npm test`, how long each kind of test took: unit tests (in-memory fakes and
 * pure rules, milliseconds each), integration tests (they boot the local tenant, Azurite or the
 * dev host), and lint and format. A file is an integration test when it imports what starts them.
 * Times are each file's own (files run in parallel, so they add up to more than the wall clock).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

const BOOTS =
  /from\s+["'][^"']*(?:helpers\/(?:stack|tenant|azurite|npmStart)|local\/(?:tenant\/server|azurite|start|demo|demoStack|devhost\/host))(?:\.js)?["']/;

export type Kind = "unit" | "integration" | "lint";

export function kindOf(path: string, source: string): Kind {
  if (/lint\.test\.ts$/.test(path)) return "lint";
  return BOOTS.test(source) ? "integration" : "unit";
}

const LABEL: Record<Kind, string> = {
  unit: "unit (fakes, rules)",
  integration: "integration (local tenant, Azurite, dev host)",
  lint: "lint and format",
};

export default class KindsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const totals = new Map<Kind, { files: number; tests: number; ms: number }>();
    for (const m of modules) {
      let source = "";
      try {
        source = readFileSync(m.moduleId, "utf8");
      } catch {
        continue;
      }
      const kind = kindOf(m.moduleId, source);
      const t = totals.get(kind) ?? { files: 0, tests: 0, ms: 0 };
      t.files++;
      t.tests += [...m.children.allTests()].length;
      t.ms += m.diagnostic().duration;
      totals.set(kind, t);
    }
    const lines = (["unit", "integration", "lint"] as Kind[])
      .filter((k) => totals.has(k))
      .map((k) => {
        const t = totals.get(k)!;
        return `  ${LABEL[k].padEnd(48)} ${String(t.tests).padStart(4)} tests in ${String(t.files).padStart(2)} files, ${(t.ms / 1000).toFixed(1)} s`;
      });
    if (lines.length) console.log(`\nTime by kind of test (${relative(process.cwd(), "test") || "test"}/):\n${lines.join("\n")}\n`);
  }
}
