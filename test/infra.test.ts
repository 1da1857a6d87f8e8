import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../config/load.js";
import { SETTING_NAMES } from "../functions/settings.js";

const root = packageRoot();

/** Settings the code reads that Azure deliberately does not set. */
const LOCAL_ONLY: Record<string, string> = {
  AzureWebJobsStorage: "a connection string (Azurite); Azure uses AzureWebJobsStorage__accountName and the managed identity",
  AzureWebJobsStorage__clientId: "only for a user-assigned identity; the Function App uses its system-assigned one",
  GRAPH_AUTHORITY_HOST: "the local tenant's token endpoint; Azure uses Entra ID through the managed identity",
  GRAPH_TENANT_ID: "client credentials against the local tenant",
  GRAPH_CLIENT_ID: "client credentials against the local tenant, or a user-assigned identity",
  GRAPH_CLIENT_SECRET: "client credentials against the local tenant; never in Azure",
};
/** Settings in the Bicep that the Functions host reads, not our code. */
const HOST_ONLY = ["APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every environment variable the code that runs in Azure reads (functions/, m365/, core/, config/, bot/). */
function codeSettings(): Set<string> {
  const out = new Set<string>();
  for (const dir of ["functions", "m365", "core", "config", "bot"]) {
    for (const f of files(join(root, dir))) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/\benv(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[["']([A-Za-z_][A-Za-z0-9_]*)["']\]|,\s*"([A-Za-z_][A-Za-z0-9_]*)"\))/g))
        out.add((m[1] ?? m[2] ?? m[3])!);
    }
  }
  return out;
}

function bicepSettings(): Map<string, string> {
  const text = readFileSync(join(root, "infra", "modules", "functionapp.bicep"), "utf8");
  const block = text.slice(text.indexOf("// app-settings:begin"), text.indexOf("// app-settings:end"));
  return new Map([...block.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*):\s*(.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
}

describe("infrastructure: app settings cannot drift", () => {
  const code = codeSettings();
  const bicep = bicepSettings();

  it("finds the settings (the scan works)", () => {
    expect(code.has("SHAREPOINT_SITE")).toBe(true);
    expect(code.has("GRAPH_BASE_URL")).toBe(true);
    expect(bicep.has("PARTNERSHIP")).toBe(true);
  });

  it("every setting the code reads is set by the Bicep, or is local-only for a stated reason", () => {
    const missing = [...code].filter((s) => !bicep.has(s) && !(s in LOCAL_ONLY));
    expect(missing).toEqual([]);
  });

  it("every setting the Bicep sets is read by the code or by the Functions host", () => {
    const unread = [...bicep.keys()].filter((s) => !code.has(s) && !HOST_ONLY.includes(s));
    expect(unread).toEqual([]);
  });

  it("the documented list in functions/settings.ts is exactly what the code reads", () => {
    expect([...SETTING_NAMES].sort()).toEqual([...code].sort());
  });

  it("no secrets in app settings: no client secret, no storage key, the clientState from Key Vault", () => {
    for (const s of Object.keys(LOCAL_ONLY)) expect(bicep.has(s), s).toBe(false);
    expect(bicep.get("MAIL_CLIENT_STATE")).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=/);
    const all = readdirSync(join(root, "infra", "modules"))
      .map((f) => readFileSync(join(root, "infra", "modules", f), "utf8"))
      .join("\n");
    expect(all).not.toMatch(/AccountKey=|listKeys\(|msaAppPassword|clientSecret/);
    expect(all).toMatch(/allowSharedKeyAccess: false/);
  });

  it("the Function App is Flex Consumption, Linux, Node 22, with a system-assigned identity", () => {
    const app = readFileSync(join(root, "infra", "modules", "functionapp.bicep"), "utf8");
    expect(app).toMatch(/sku: \{ tier: 'FlexConsumption', name: 'FC1' \}/);
    expect(app).toMatch(/kind: 'functionapp,linux'/);
    expect(app).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(app).toMatch(/type: 'SystemAssigned, UserAssigned'/);
    for (const env of ["dev", "prod"]) expect(readFileSync(join(root, "infra", `main.${env}.bicepparam`), "utf8")).toContain("using 'main.bicep'");
  });
});
