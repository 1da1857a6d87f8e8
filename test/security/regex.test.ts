/**
 * Finding: a backtracking regular expression in the subject parser (and the sender and mention
 * parsers) made one 100,000-character subject block the worker for 30 s.
 *
 * Every regular expression in the product's code (regex literals and the patterns built with
 * `new RegExp`) is checked with a ReDoS detector; and checkSubject's work on adversarial input is
 * shown to grow at most linearly (a ratio of two sizes, never a wall-clock bound).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { isSafe } from "redos-detector";
import { describe, expect, it } from "vitest";
import { loadPartnership } from "../../config/load.js";
import { checkSubject, CLUSTER_ONLY, CLUSTER_SCHOOL, INITIALS_SCHOOL, boundedLevenshtein } from "../../core/rules/subject.js";
import { parseSender } from "../../core/rules/intake.js";
import { commandText } from "../../bot/bot.js";
import { ADVERSARIAL_SUBJECTS } from "./adversarial.js";

const PRODUCT = ["core", "bot", "m365", "functions", "cli", "cards", "config", "reports", "forms"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** Every regex literal in a file, with its line. */
function regexLiterals(file: string): { where: string; re: RegExp }[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: { where: string; re: RegExp }[] = [];
  const visit = (n: ts.Node) => {
    if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = n.getText(sf);
      const slash = text.lastIndexOf("/");
      out.push({ where: `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`, re: new RegExp(text.slice(1, slash), text.slice(slash + 1)) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe("security: regular expressions on outside text are linear", () => {
  const literals = PRODUCT.flatMap(sources).flatMap(regexLiterals);

  it("finds the product's regular expressions", () => {
    expect(literals.length).toBeGreaterThan(20);
  });

  it.each([...literals.map((l) => [l.where, l.re] as const), ...Object.entries({ CLUSTER_SCHOOL, INITIALS_SCHOOL, CLUSTER_ONLY })])(
    "%s cannot backtrack super-linearly",
    (_where, re) => {
      const r = isSafe(re, { timeout: 5000 });
      expect(r.error ?? null, `${re}`).toBeNull();
      expect(r.safe, `${re} can backtrack super-linearly`).toBe(true);
    },
  );
});

describe("security: input handling is bounded", () => {
  const { partnership: p } = loadPartnership("hounslow-mip");

  /**
   * The fastest of several timings of `a` and of `b`, in ms, taken in turn: other work on the
   * machine (parallel test files) only ever adds time, so the minimum is the work itself, and
   * interleaving gives both sizes the same conditions.
   */
  function fastest(a: () => void, b: () => void, runs = 9): [number, number] {
    const time = (f: () => void) => {
      const s = process.hrtime.bigint();
      f();
      return Number(process.hrtime.bigint() - s) / 1e6;
    };
    let [ta, tb] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    for (let i = 0; i < runs; i++) {
      ta = Math.min(ta, time(a));
      tb = Math.min(tb, time(b));
    }
    return [ta, tb];
  }

  it.each(Object.keys(ADVERSARIAL_SUBJECTS))("checkSubject on %s: four times the input at most about four times the work", (family) => {
    const make = ADVERSARIAL_SUBJECTS[family]!;
    checkSubject(p, make(1000)); // warm up
    // The inputs are made before the clock starts; a batch of calls at each size, so a timing is
    // well above the clock's resolution. Quadrupled (doubled twice): linear work gives at most
    // about 4, a quadratic parser 16, so a busy machine (a full CI run measured 4.8 on a doubling
    // with a threshold of 3) can fail neither way round.
    const small = make(25_000);
    const large = make(100_000);
    const [ts, tl] = fastest(
      () => {
        for (let i = 0; i < 20; i++) checkSubject(p, small);
      },
      () => {
        for (let i = 0; i < 20; i++) checkSubject(p, large);
      },
    );
    expect(tl / Math.max(ts, 0.05)).toBeLessThan(8);
  });

  it("a 100,000-character subject is read as its first 255 characters and still gets an answer", () => {
    const r = checkSubject(p, `Cluster 5/KL/Isleworth Town Primary School${" x".repeat(50_000)}`);
    expect(r.read.cluster).toBe(5);
    expect(r.problems.length).toBeGreaterThan(0);
  });

  it("parseSender and the bot's mention strip read a bounded prefix", () => {
    expect(() => parseSender(`${"<".repeat(100_000)}a@b.example`)).toThrow(/not an email address/);
    expect(parseSender(`${"x".repeat(500)} <senco@school.example>`).address).toBe("senco@school.example");
    expect(commandText(`<at>Cluster Desk</at> cluster 5`)).toBe("cluster 5");
    expect(commandText("<at>".repeat(100_000)).length).toBeLessThanOrEqual(200);
  });

  it("suggestions use a bounded edit distance", () => {
    expect(boundedLevenshtein("isleworth town", "isleworth town", 2)).toBe(0);
    expect(boundedLevenshtein("isleworth twon", "isleworth town", 2)).toBe(2);
    expect(boundedLevenshtein("isleworth", "isleworth town primary", 3)).toBe(Number.POSITIVE_INFINITY);
    expect(boundedLevenshtein("abcdef", "azcdxf", 1)).toBe(Number.POSITIVE_INFINITY);
  });
});
