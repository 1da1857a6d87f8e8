/** Reads a partnership YAML file and validates it with the core schema. */
import { readFileSync, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, YAMLParseError } from "yaml";
import { ConfigError, inWords, parsePartnership, type ValidatedPartnership } from "../core/config.js";
import { rotaWarnings } from "../core/rules/rota.js";
import { scheduleWarnings } from "../core/rules/schedule.js";

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
    // At most 100 aliases (the yaml library's own guard against an "alias bomb"), said plainly.
    raw = parse(text, { prettyErrors: true, maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const where = e.linePos?.[0] ? ` line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
      throw new ConfigError([{ path: "", message: `not valid YAML at${where}: ${e.message.split("\n")[0]}` }], source);
    }
    if (/alias/i.test((e as Error).message)) {
      throw new ConfigError([{ path: "", message: `uses YAML aliases too much (over ${MAX_YAML_ALIASES} expansions); write the values out instead` }], source);
    }
    throw new ConfigError(
      [
        {
          path: "",
          message: `could not be read as YAML: ${String((e as Error).message)
            .split("\n")[0]!
            .slice(0, 200)}`,
        },
      ],
      source,
    );
  }
  const v = parsePartnership(raw, source);
  return {
    partnership: v.partnership,
    warnings: [...v.warnings, ...inWords(v.partnership, [...scheduleWarnings(v.partnership), ...rotaWarnings(v.partnership)])],
  };
}

/** How many alias expansions a config may use. */
export const MAX_YAML_ALIASES = 100;
/** A partnership's config is a few hundred lines; anything far larger is not one. */
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;

const cache = new Map<string, ValidatedPartnership>();

export function loadPartnership(idOrPath?: string): ValidatedPartnership {
  const path = resolveConfigPath(idOrPath);
  let hit = cache.get(path);
  if (!hit) {
    if (!existsSync(path)) {
      throw new ConfigError([{ path: "", message: `no such file: ${path}` }], idOrPath ?? DEFAULT_PARTNERSHIP);
    }
    let text: string;
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new ConfigError([{ path: "", message: `${path} is a folder, not a YAML file` }], idOrPath ?? DEFAULT_PARTNERSHIP);
      if (st.size > MAX_CONFIG_BYTES)
        throw new ConfigError(
          [
            {
              path: "",
              message: `${path} is ${(st.size / 1024 / 1024).toFixed(1)} MB; a partnership config is far smaller (limit ${MAX_CONFIG_BYTES / 1024 / 1024} MB)`,
            },
          ],
          idOrPath ?? DEFAULT_PARTNERSHIP,
        );
      text = readFileSync(path, "utf8");
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(
        [{ path: "", message: `${path} could not be read (${(e as NodeJS.ErrnoException).code ?? "error"})` }],
        idOrPath ?? DEFAULT_PARTNERSHIP,
      );
    }
    hit = parsePartnershipYaml(text, path);
    cache.set(path, hit);
  }
  return hit;
}
