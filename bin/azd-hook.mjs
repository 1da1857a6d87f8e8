#!/usr/bin/env node
// The Azure Developer CLI's hooks (azure.yaml). azd passes its environment's values to a hook as
// environment variables: the ones set with `azd env set`, and main.bicep's outputs once provisioned.
//   preprovision: the values main.parameters.json needs are set, or says how to set each.
//   postdeploy:   builds the Teams app package from the outputs (bot id, host name), with the
//                 package.json version, and says what is left to do by hand.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** An azd value by name, whatever the case azd wrote an output's name in. */
const value = (name) => {
  const key = Object.keys(process.env).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? process.env[key] : undefined;
};

const NEEDED = {
  SHAREPOINT_SITE: "the SharePoint site as hostname:/sites/path, e.g. council.sharepoint.com:/sites/cluster-desk",
  CLUSTER_DESK_MAIL_CLIENT_STATE: 'a secret Graph echoes in notifications: azd env set CLUSTER_DESK_MAIL_CLIENT_STATE "$(openssl rand -base64 32)" (keep it)',
  CLUSTER_DESK_MAILBOX: "the secure mailbox's address, e.g. send-forms@council.gov.uk",
};

const step = process.argv[2];
if (step === "preprovision") {
  const missing = Object.entries(NEEDED).filter(([k]) => !value(k));
  if (missing.length) {
    console.error("Set these first (docs/deploy.md, section 1):");
    for (const [k, why] of missing) console.error(`  azd env set ${k} <value>    # ${why}`);
    process.exit(1);
  }
  process.exit(0);
}
if (step === "postdeploy") {
  const bot = value("botAppId");
  const host = value("functionAppHostName");
  if (!bot || !host) {
    console.error("The deployment's outputs botAppId and functionAppHostName are not in the azd environment: run `azd provision` first.");
    process.exit(1);
  }
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  const out = join("dist", `cluster-desk-teams-${value("AZURE_ENV_NAME") ?? "env"}-${version}.zip`);
  const r = spawnSync(process.execPath, [join(root, "dist", "manifest", "build.js")], {
    stdio: "inherit",
    env: { ...process.env, BOT_APP_ID: bot, VALID_DOMAIN: host, APP_VERSION: version, MANIFEST_OUT: out },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`
Deployed. Left to do by hand (docs/deploy.md):
  2. the Exchange RBAC scope for the secure mailbox (PowerShell; principal ${value("functionAppPrincipalId") ?? "<functionAppPrincipalId>"})
  3. the Sites.Selected grant, then: npx cluster-desk provision; npx cluster-desk publish-config --file <your config>.yaml
  4. npx cluster-desk verify-tenant --settings <the app's settings>
  5. upload ${out} in the Teams admin centre (version ${version}: raise package.json's version for each release,
     e.g. npm version minor) and install it for the leads with an app setup policy`);
  process.exit(0);
}
console.error("usage: azd-hook.mjs preprovision|postdeploy");
process.exit(2);
