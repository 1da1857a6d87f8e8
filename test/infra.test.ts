import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../config/load.js";
import { SETTING_NAMES, settingsTable } from "../functions/settings.js";

const root = packageRoot();

/** Settings the code reads that Azure deliberately does not set. */
const LOCAL_ONLY: Record<string, string> = {
  AzureWebJobsStorage: "a connection string (Azurite); Azure uses AzureWebJobsStorage__accountName and the managed identity",
  AzureWebJobsStorage__clientId: "only for a user-assigned identity; the Function App uses its system-assigned one",
  GRAPH_AUTHORITY_HOST: "the local tenant's token endpoint; Azure uses Entra ID through the managed identity",
  GRAPH_TENANT_ID: "client credentials against the local tenant",
  GRAPH_CLIENT_ID: "client credentials against the local tenant, or a user-assigned identity",
  GRAPH_CLIENT_SECRET: "client credentials against the local tenant; never in Azure",
  GRAPH_SIGN_IN: "an administrator's sign-in for the CLI on their own machine; the Function App uses its managed identity",
};
/** Settings in the Bicep that the Functions host reads, not our code. */
const HOST_ONLY = ["APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/**
 * Every environment variable the code that runs in Azure reads, found in its source: the names the
 * settings schema declares (functions/settings.ts), and any other read of `env.X` or `env["X"]` in
 * functions/, m365/, core/, config/ or bot/ (there should be none: the schema is the one reader).
 */
function codeSettings(): Set<string> {
  const out = new Set<string>();
  const schema = readFileSync(join(root, "functions", "settings.ts"), "utf8");
  for (const m of schema.matchAll(/^\s+([A-Za-z_][A-Za-z0-9_]*): text\(/gm)) out.add(m[1]!);
  for (const dir of ["functions", "m365", "core", "config", "bot"]) {
    for (const f of files(join(root, dir))) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/\benv(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[["']([A-Za-z_][A-Za-z0-9_]*)["']\]|,\s*"([A-Za-z_][A-Za-z0-9_]*)"\))/g))
        out.add((m[1] ?? m[2] ?? m[3])!);
    }
  }
  return out;
}

/** Files outside the schema that read the environment themselves. */
function otherEnvReaders(): string[] {
  return ["functions", "m365", "core", "config", "bot", "forms"]
    .flatMap((dir) => files(join(root, dir)))
    .filter((f) => !f.endsWith(join("functions", "settings.ts")) && /process\.env\b|\benv(?:\.[A-Za-z_]|\[["'])/.test(readFileSync(f, "utf8")))
    .map((f) => f.slice(root.length + 1));
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

  it("the schema is the one reader of the environment, and docs/settings.md's table is the schema's", () => {
    // functions/index.ts and deps.ts pass process.env to the schema; nothing else reads it.
    expect(otherEnvReaders()).toEqual(["functions/deps.ts", "functions/index.ts"]);
    const page = readFileSync(join(root, "docs", "settings.md"), "utf8");
    expect(page.slice(page.indexOf("| setting |")).trimEnd()).toBe(settingsTable());
  });

  it("no secrets in app settings: no client secret, no storage key, the clientState from Key Vault", () => {
    for (const s of Object.keys(LOCAL_ONLY)) expect(bicep.has(s), s).toBe(false);
    // Versionless: the vault and the secret's name, so a rotated secret is read without a redeploy.
    expect(bicep.get("MAIL_CLIENT_STATE")).toMatch(/^'@Microsoft\.KeyVault\(VaultName=\$\{vaultName\};SecretName=\$\{mailClientStateSecretName\}\)'$/);
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

  it("deployment: basic publishing credentials off; a Key Vault name that can be made new after its soft-deleted self", () => {
    const app = readFileSync(join(root, "infra", "modules", "functionapp.bicep"), "utf8");
    for (const kind of ["ftp", "scm"])
      expect(app).toMatch(new RegExp(`basicPublishingCredentialsPolicies@[^']+' = \\{\\s+parent: app\\s+name: '${kind}'\\s+properties: \\{ allow: false \\}`));
    const main = readFileSync(join(root, "infra", "main.bicep"), "utf8");
    expect(main).toMatch(/param vaultSuffix string = ''/);
    expect(main).toMatch(/vault: take\('kv-cd\$\{vaultSuffix\}-/);
  });

  it("the parameters files set only the template's parameters, and every one it needs; the region defaults to UK South", () => {
    const main = readFileSync(join(root, "infra", "main.bicep"), "utf8");
    const params = new Map([...main.matchAll(/^param (\w+) \w+( = .*)?$/gm)].map((m) => [m[1]!, m[2] !== undefined]));
    expect(params.size).toBeGreaterThan(5);
    for (const env of ["dev", "prod"]) {
      const file = readFileSync(join(root, "infra", `main.${env}.bicepparam`), "utf8");
      const set = [...file.matchAll(/^param (\w+) =/gm)].map((m) => m[1]!);
      expect(
        set.filter((x) => !params.has(x)),
        `${env}: not parameters of main.bicep`,
      ).toEqual([]);
      const required = [...params].filter(([, hasDefault]) => !hasDefault).map(([n]) => n);
      expect(
        required.filter((x) => !set.includes(x)),
        `${env}: required parameters not set`,
      ).toEqual([]);
    }
    expect(main).toMatch(/^param location string = 'uksouth'$/m);
  });

  it("the alert rules watch warnings the code logs: poisoned email, the mail subscription, an unusable config", () => {
    const alerts = readFileSync(join(root, "infra", "modules", "alerts.bicep"), "utf8");
    const events = [...alerts.matchAll(/message has "([a-z.-]+)"/g)].map((m) => m[1]!);
    expect(new Set(events)).toEqual(new Set(["mail-health.alert", "config.unusable"]));
    const code = ["core", "functions"]
      .flatMap((d) => files(join(root, d)))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    for (const e of events) expect(code, e).toContain(`log.warn("${e}"`);
    // The fields the rules read are the ones the warning carries.
    expect(code).toMatch(/log\.warn\("mail-health\.alert", \{[^}]*poison: [^}]*subscriptionHoursLeft: /);
    expect(alerts).toMatch(/scheduledQueryRules@2021-08-01/);
    expect(readFileSync(join(root, "infra", "main.bicep"), "utf8")).toMatch(/module alerts 'modules\/alerts\.bicep'/);
  });

  it("azd (azure.yaml): its parameters file sets exactly the template's parameters; its hooks run scripts that exist; the app carries the service tag", () => {
    const main = readFileSync(join(root, "infra", "main.bicep"), "utf8");
    const params = new Map([...main.matchAll(/^param (\w+) \w+( = .*)?$/gm)].map((m) => [m[1]!, m[2] !== undefined]));
    const azdParams = Object.keys(JSON.parse(readFileSync(join(root, "infra", "main.parameters.json"), "utf8")).parameters);
    expect(azdParams.filter((x) => !params.has(x))).toEqual([]);
    expect([...params].filter(([n, hasDefault]) => !hasDefault && !azdParams.includes(n)).map(([n]) => n)).toEqual([]);
    const azd = parseYaml(readFileSync(join(root, "azure.yaml"), "utf8"));
    expect(azd.infra).toEqual({ provider: "bicep", path: "infra", module: "main" });
    expect(azd.services.functions).toMatchObject({ host: "function", language: "js", dist: ".deploy/package" });
    const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts;
    const runs = [azd.services.functions.hooks.prepackage.run, azd.hooks.preprovision.run, azd.hooks.postdeploy.run].join(" && ");
    for (const m of runs.matchAll(/npm run ([\w:]+)/g)) expect(scripts, m[1]).toHaveProperty(m[1]!);
    for (const m of runs.matchAll(/node (\S+)/g)) expect(existsSync(join(root, m[1]!)), m[1]).toBe(true);
    // The package azd deploys is deploy:check's (the folder it writes is the service's dist).
    expect(azd.services.functions.hooks.prepackage.run).toContain("deploy:check -- --out .deploy/package");
    expect(readFileSync(join(root, "infra", "modules", "functionapp.bicep"), "utf8")).toContain("'azd-service-name': 'functions'");
  });

  it(".funcignore leaves out of a publish what deploy:check leaves out of the package, and keeps what the functions run", () => {
    const ignore = readFileSync(join(root, ".funcignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const left of [
      "local/",
      "test/",
      "bench/",
      "manifest/",
      "dist/local/",
      "dist/test/",
      "dist/bench/",
      "dist/manifest/",
      "node_modules/",
      ".data/",
      "*.ts",
    ])
      expect(ignore, left).toContain(left);
    for (const kept of ["dist/", "cards/", "config/", "host.json", "package.json", "package-lock.json"]) expect(ignore, kept).not.toContain(kept);
    expect(ignore).toContain("!*.d.ts");
  });
});
