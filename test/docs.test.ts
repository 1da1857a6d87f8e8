/**
 * The front door and the guides say nothing stale (issue 35): the README is short; every command,
 * npm script, setting and link the README and the guides name exists; the CLI and settings
 * reference pages are exactly what the code makes of itself.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliReference, settingsReference } from "../cli/docs.js";
import { run } from "../cli/main.js";

const read = (f: string) => readFileSync(f, "utf8");
const readme = read("README.md");
const guides = readdirSync("docs")
  .filter((f) => f.endsWith(".md"))
  .map((f) => join("docs", f));
const pages = ["README.md", ...guides];

async function cliCommands(): Promise<Set<string>> {
  const lines: string[] = [];
  await run(["help"], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return new Set(
    lines
      .join("\n")
      .split("\n")
      .flatMap((l) => (/^ {2}([a-z][a-z-]+)\b/.exec(l) ? [/^ {2}([a-z][a-z-]+)/.exec(l)![1]!] : [])),
  );
}

describe("the README and the guides", () => {
  it("the README is the front door: under 150 lines, with the two commands and no counts that go stale", () => {
    expect(readme.split("\n").length).toBeLessThan(150);
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm ci && npm test");
    expect(readme).not.toMatch(/\b\d{3,} tests\b/);
  });

  it("every `npx cluster-desk <command>` they name is a command of the command line", async () => {
    const known = await cliCommands();
    expect(known.size).toBeGreaterThan(20);
    const named = pages.flatMap((f) => [...read(f).matchAll(/npx cluster-desk ([a-z][a-z-]+)/g)].map((m) => `${f}: ${m[1]}`));
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((n) => !known.has(n.split(": ")[1]!))).toEqual([]);
  });

  it("every `npm run <script>` they name is in package.json", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>);
    const named = pages.flatMap((f) => [...read(f).matchAll(/npm run ([a-z0-9:]+)/g)].map((m) => `${f}: ${m[1]}`));
    expect(named.filter((n) => !scripts.includes(n.split(": ")[1]!))).toEqual([]);
  });

  it("every relative link they hold leads to a file", () => {
    const broken = pages.flatMap((f) =>
      [...read(f).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map((m) => m[1]!)
        .filter((href) => !/^[a-z]+:/.test(href))
        .filter((href) => !existsSync(join(dirname(f), href)))
        .map((href) => `${f}: ${href}`),
    );
    expect(broken).toEqual([]);
  });

  it("the environment variables the README names are read by the code", () => {
    const sources = ["local/start.ts", "local/people.ts", "local/playground.ts", "bin/local.mjs", "functions/settings.ts"].map(read).join("\n");
    const named = [...readme.matchAll(/\b([A-Z][A-Z_]{4,})=/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((n) => !sources.includes(n))).toEqual([]);
  });

  it("the command line and settings references are what the code makes (npm run docs)", async () => {
    expect(read("docs/cli.md")).toBe(await cliReference());
    expect(read("docs/settings.md")).toBe(settingsReference());
  });

  it("the command line is a table of commands: each declares its name, usage, help and options; help and each --help come from it", async () => {
    const { COMMANDS } = await import("../cli/main.js");
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThan(20);
    for (const c of COMMANDS) {
      expect(c.help.length, c.name).toBeGreaterThan(10);
      expect(c.options.config, c.name).toBeDefined();
    }
    expect([...(await cliCommands())].filter((n) => n !== "help").sort()).toEqual([...names].sort());
    const own: string[] = [];
    expect(await run(["funding", "--help"], { out: (l) => own.push(l), err: (l) => own.push(l) })).toBe(0);
    expect(own.join("\n")).toMatch(/^ {2}funding --cyp <n>/);
  });
});
