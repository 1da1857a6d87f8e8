/**
 * Issue 28: configuration is not code. A council keeps its partnership YAML in the site's
 * Configuration library (app setting PARTNERSHIP=site:partnership.yaml) and names its mailbox in
 * MAILBOX: `publish-config` checks and saves it, the functions read it through Graph (a file's
 * content is a 302 to a download URL, as Graph answers) and again every few minutes, and an edit
 * that is not valid is never used.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../core/config.js";
import { resolveConfigPath } from "../config/load.js";
import { buildDeps, partnershipFromSettings } from "../functions/deps.js";
import { CONFIG_LIBRARY, GraphLibrary, SharePointSite } from "../m365/sharepoint.js";
import { localAppSettings } from "../local/tenant/defaults.js";
import type { Tenant } from "../local/tenant/server.js";
import { run } from "../cli/main.js";
import { productGraph, startTestTenant } from "./helpers/tenant.js";

let t: Tenant;
let env: Record<string, string>;
let settingsFile: string;
let library: GraphLibrary;
const sutton = readFileSync(resolveConfigPath("sutton"), "utf8");

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await run(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join("\n") };
}

beforeAll(async () => {
  t = await startTestTenant();
  env = { ...localAppSettings(t, "UseDevelopmentStorage=true", "x"), PARTNERSHIP: "site:partnership.yaml" };
  const site = new SharePointSite(productGraph(t).client, env.SHAREPOINT_SITE!);
  await site.provision();
  library = new GraphLibrary(site, CONFIG_LIBRARY);
  settingsFile = join(mkdtempSync(join(tmpdir(), "cd-site-config-")), "app-settings.json");
  writeFileSync(settingsFile, JSON.stringify({ ...env, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "" }));
});
afterAll(() => t?.close());

describe("the partnership config kept in SharePoint", () => {
  it("before it is published, the functions say which file is missing and how to put it there", async () => {
    const e = await partnershipFromSettings(env).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toContain("Configuration/partnership.yaml (PARTNERSHIP=site:partnership.yaml) is not valid");
    expect((e as Error).message).toContain(
      "there is no such file in the site's Configuration library: upload the partnership's YAML there (npx cluster-desk publish-config",
    );
  });

  it("publish-config refuses a config with problems, naming them; a good one is saved and read back through Graph", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cd-yaml-"));
    writeFileSync(join(dir, "bad.yaml"), sutton.replace(/^shortName: .*$/m, "shortName: 7"));
    const bad = await cli("publish-config", "--file", join(dir, "bad.yaml"), "--settings", settingsFile);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/shortName/);
    expect(await library.read("partnership.yaml")).toBeNull();

    writeFileSync(join(dir, "sutton.yaml"), sutton);
    const good = await cli("publish-config", "--file", join(dir, "sutton.yaml"), "--settings", settingsFile);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.out)).toMatchObject({ ok: true, partnership: "sutton", setting: "PARTNERSHIP=site:partnership.yaml" });
    expect(await library.read("partnership.yaml")).toBe(sutton);

    const p = await partnershipFromSettings(env);
    expect(p.id).toBe("sutton");
    expect((await partnershipFromSettings({ ...env, MAILBOX: "send-panels@sutton.example.gov.uk" })).intake.mailbox).toBe("send-panels@sutton.example.gov.uk");
    // Commands that reach Microsoft 365 use the site's config when no --config is given.
    const budget = await cli("set-budget", "--cluster", "99", "--year", "2026-27", "--amount", "5", "--settings", settingsFile);
    expect(budget.out).toMatch(/there is no cluster 99; the .* has clusters 1, 2, .*15/); // Sutton's clusters, not Hounslow's six
  });

  it("an officer's edit is used at the next read; an edit that is not valid is not, and says so in the log", async () => {
    const warnings: { event: string; fields?: Record<string, unknown> }[] = [];
    const d = buildDeps(env, await partnershipFromSettings(env), {
      info: () => {},
      warn: (event, fields) => warnings.push({ event, ...(fields ? { fields } : {}) }),
    });
    await library.save("partnership.yaml", sutton.replace(/^name: .*$/m, "name: Sutton SEND clusters (edited)"), "application/yaml");
    await d.refreshCalendar(true);
    expect(d.partnership.name).toBe("Sutton SEND clusters (edited)");
    expect(warnings).toEqual([]);

    await library.save("partnership.yaml", sutton.replace(/^name: .*$/m, "name: Broken").replace(/^clusters:/m, "clusterz:"), "application/yaml");
    await d.refreshCalendar(true);
    expect(d.partnership.name).toBe("Sutton SEND clusters (edited)");
    expect(warnings).toEqual([{ event: "config.unusable", fields: { file: "partnership.yaml", problems: expect.any(Number) } }]);
  });

  it("PARTNERSHIP=site:… is refused by commands that work on a config file, with what to give instead", async () => {
    const r = await cli("check-subject", "--config", "site:partnership.yaml", "SP 3/AB/Some School");
    expect(r.code).toBe(2);
    expect(r.out).toContain("PARTNERSHIP=site:partnership.yaml is read from the SharePoint site; give --config <id or YAML file>");
  });
});
