/**
 * `npm run package:manifest`: the Teams app package (manifest.json, color.png, outline.png) as a
 * zip. Values come from the environment (infra outputs in Azure): TEAMS_APP_ID, BOT_APP_ID,
 * VALID_DOMAIN (the Function App's host name). Local defaults suit the Agents Playground.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { zipSync } from "fflate";
import { packageRoot } from "../config/load.js";

/**
 * A zip (deflate) of the given files, written by fflate (already a dependency) with a real
 * modification time on every entry (Teams' app upload reads the zip as any zip tool does).
 */
export function zip(files: { name: string; data: Buffer }[], mtime = new Date()): Buffer {
  return Buffer.from(zipSync(Object.fromEntries(files.map((f) => [f.name, [new Uint8Array(f.data), { mtime, level: 9 }]]))));
}

/** The settings a package for a council's tenant must be given (the deployment's outputs). */
const REQUIRED = ["BOT_APP_ID", "VALID_DOMAIN"] as const;

/**
 * The manifest from the deployment's settings. A package for a tenant needs BOT_APP_ID and
 * VALID_DOMAIN (the infrastructure's outputs `botAppId` and `functionAppHostName`); without them
 * it is refused, naming what is missing, unless `PACKAGE_FOR=playground` asks for the local
 * Agents Playground's (an all-zero bot id and localhost). The version is APP_VERSION, or the
 * package's own (package.json): Teams takes an updated app only with a higher version.
 */
export function manifest(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const playground = env.PACKAGE_FOR === "playground";
  const missing = REQUIRED.filter((k) => !env[k]);
  if (missing.length && !playground)
    throw new Error(
      `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: give the deployment's outputs (botAppId, functionAppHostName), or PACKAGE_FOR=playground for the local Agents Playground`,
    );
  const values: Record<string, string> = {
    TEAMS_APP_ID: env.TEAMS_APP_ID ?? "2d3c7a6e-5b1f-4c8e-9a2d-6f0e1b7c3a94",
    BOT_APP_ID: env.BOT_APP_ID ?? "00000000-0000-0000-0000-000000000000",
    VALID_DOMAIN: env.VALID_DOMAIN ?? "localhost",
    APP_VERSION: env.APP_VERSION ?? (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version,
  };
  if (!playground && (/^0{8}-/.test(values.BOT_APP_ID!) || values.VALID_DOMAIN === "localhost"))
    throw new Error("BOT_APP_ID and VALID_DOMAIN are the Playground's (all zeros, localhost): give the deployment's outputs");
  if (!/^\d{1,5}\.\d{1,5}\.\d{1,5}$/.test(values.APP_VERSION!)) throw new Error(`APP_VERSION must be a version like 1.4.2, not "${values.APP_VERSION}"`);
  const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  for (const k of ["TEAMS_APP_ID", "BOT_APP_ID"]) if (!GUID.test(values[k]!)) throw new Error(`${k} must be a GUID, not "${values[k]}"`);
  if (!/^[a-z0-9.-]+$/i.test(values.VALID_DOMAIN!)) throw new Error(`VALID_DOMAIN must be a host name, not "${values.VALID_DOMAIN}"`);
  const text = readFileSync(join(packageRoot(), "manifest", "manifest.template.json"), "utf8").replace(/\$\{([A-Z_]+)\}/g, (_, k: string) => values[k] ?? "");
  return JSON.parse(text);
}

export function buildPackage(env: NodeJS.ProcessEnv = process.env): { path: string; bytes: number } {
  const m = manifest(env);
  const data = zip([
    { name: "manifest.json", data: Buffer.from(JSON.stringify(m, null, 2)) },
    // Drawn in manifest/color.svg and outline.svg (192 px in colour; 32 px white on transparent).
    { name: "color.png", data: readFileSync(join(packageRoot(), "manifest", "color.png")) },
    { name: "outline.png", data: readFileSync(join(packageRoot(), "manifest", "outline.png")) },
  ]);
  const path = join(packageRoot(), env.MANIFEST_OUT ?? join("dist", "cluster-desk-teams.zip"));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return { path, bytes: data.length };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const r = buildPackage();
  console.log(`Teams app package: ${r.path} (${r.bytes} bytes)`);
}
