/** Reads a partnership YAML file and validates it with the core schema. */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, YAMLParseError } from "yaml";
import { ConfigError, parsePartnership, type ValidatedPartnership } from "../core/config.js";
import { rotaWarnings } from "../core/rota.js";
import { scheduleWarnings } from "../core/schedule.js";

/** The folder holding package.json (works from the sources and from dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the Cluster Desk package folder");
    dir = up;
  }
  return dir;
}

export const DEFAULT_PARTNERSHIP = "hounslow-mip";

/** A partnership id (`hounslow-mip`) or a path to a YAML file. */
export function resolveConfigPath(idOrPath: string = DEFAULT_PARTNERSHIP): string {
  if (/^[a-z0-9-]+$/.test(idOrPath)) return join(packageRoot(), "config", `${idOrPath}.yaml`);
  return resolve(idOrPath);
}

export function parsePartnershipYaml(text: string, source = "partnership config"): ValidatedPartnership {
  let raw: unknown;
  try {
    raw = parse(text, { prettyErrors: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const where = e.linePos?.[0] ? ` line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
      throw new ConfigError([{ path: "", message: `not valid YAML at${where}: ${e.message.split("\n")[0]}` }], source);
    }
    throw e;
  }
  const v = parsePartnership(raw, source);
  return { partnership: v.partnership, warnings: [...v.warnings, ...scheduleWarnings(v.partnership), ...rotaWarnings(v.partnership)] };
}

const cache = new Map<string, ValidatedPartnership>();

export function loadPartnership(idOrPath?: string): ValidatedPartnership {
  const path = resolveConfigPath(idOrPath);
  let hit = cache.get(path);
  if (!hit) {
    if (!existsSync(path)) {
      throw new ConfigError([{ path: "", message: `no such file: ${path}` }], idOrPath ?? DEFAULT_PARTNERSHIP);
    }
    hit = parsePartnershipYaml(readFileSync(path, "utf8"), path);
    cache.set(path, hit);
  }
  return hit;
}
