/** What every command of the CLI shares: output, usage errors, the partnership and the app settings. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ParseArgsConfig } from "node:util";
import type { Partnership } from "../core/config.js";
import { loadPartnership } from "../config/load.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export class UsageError extends Error {}

export function json(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export function partnership(config: string | undefined): Partnership {
  if (config?.startsWith("site:"))
    throw new UsageError(
      `PARTNERSHIP=${config} is read from the SharePoint site; give --config <id or YAML file> for this command, which works on a config file`,
    );
  return loadPartnership(config).partnership;
}

/** The partnership of a command that reaches Microsoft 365: --config, else the app settings' PARTNERSHIP (`site:<file>` is read from the site). */
export async function partnershipOf(config: string | undefined, env: Record<string, string | undefined>): Promise<Partnership> {
  if (config) return partnership(config);
  const { partnershipFromSettings } = await import("../functions/deps.js");
  return partnershipFromSettings(env);
}

export function requireOpt(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || !v.trim()) throw new UsageError(`--${name} is required`);
  return v;
}

export function wholeNumber(text: string, name: string): number {
  if (!/^\s*-?\d+\s*$/.test(text)) throw new UsageError(`--${name} must be a whole number, not "${text}"`);
  return Number(text);
}

/** A total shared by pupil numbers: whole pounds, at least £1 (the clusters' shares add up to it exactly). */
export function wholePounds(text: string, name: string): number {
  const n = pounds(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} is shared in whole pounds: give at least £1 and no pence, not "${text}"`);
  return n;
}

export function pounds(text: string): number {
  const cleaned = text.replace(/[£,\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) throw new UsageError(`an amount must be in pounds such as 4500 or £4,500, not "${text}"`);
  return Number(cleaned);
}

export const settingsFileOf = (settingsFile: string | undefined) => settingsFile ?? join(process.env.CLUSTER_DESK_DATA ?? ".data", "app-settings.json");

/** Whether there are app settings to reach Microsoft 365 with (the environment's, or npm start's file). */
export const haveAppSettings = (settingsFile: string | undefined) => Boolean(process.env.SHAREPOINT_SITE) || existsSync(settingsFileOf(settingsFile));

/** App settings from the environment, else the file `npm start` writes (.data/app-settings.json). */
export function appSettings(settingsFile: string | undefined): Record<string, string | undefined> {
  const file = settingsFileOf(settingsFile);
  const fromFile = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) : {};
  if (!process.env.SHAREPOINT_SITE && !fromFile.SHAREPOINT_SITE)
    throw new UsageError(`no app settings: set them in the environment (docs/settings.md) or start \`npm start\` first (it writes ${file})`);
  if (fromFile.NODE_EXTRA_CA_CERTS && process.env.NODE_EXTRA_CA_CERTS !== fromFile.NODE_EXTRA_CA_CERTS) {
    throw new UsageError(
      `the local tenant's certificate must be trusted when Node starts: run NODE_EXTRA_CA_CERTS=${fromFile.NODE_EXTRA_CA_CERTS} npx cluster-desk ...`,
    );
  }
  return { ...fromFile, ...process.env };
}

/** The product's adapters on those settings, quietly (the command prints JSON). */
export async function connect(env: Record<string, string | undefined>, p: Partnership) {
  const { buildDeps } = await import("../functions/deps.js");
  return buildDeps(env, p, { info: () => {}, warn: () => {} });
}

export const COMMON = { config: { type: "string" }, help: { type: "boolean", short: "h" } } as const;

/** An option's value as parseArgs gives it: text, or true for a flag (`--dry-run`). */
export type CliValues = Record<string, string | undefined>;

/** A command declared with its name, options and help: `cluster-desk help` and the CLI reference come from these. */
export interface CliCommand {
  name: string;
  /** The options after the name, as help shows them. */
  usage: string;
  /** What it does, in a sentence or two. */
  help: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Whether it takes words besides its options (a subject line, a file). */
  positionals?: boolean;
  run(values: CliValues, io: Io, positionals: string[]): Promise<number>;
}
