/** `npm run tenant`: the local Microsoft 365 tenant on its own. */
import { loadPartnership } from "../../config/load.js";
import { defaultTenantOptions, LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET } from "./defaults.js";
import { startTenant } from "./server.js";

const partnership = loadPartnership(process.env.PARTNERSHIP).partnership;
const tenant = await startTenant(defaultTenantOptions(partnership));
console.log(`Local Microsoft 365 tenant for ${partnership.name}
  web view        ${tenant.url}/
  Graph           ${tenant.url}/v1.0
  token endpoint  ${tenant.url}/${tenant.tenantId}/oauth2/v2.0/token
  SMTP            localhost:${tenant.smtpPort}
  certificate     ${tenant.caPath}   (callers need NODE_EXTRA_CA_CERTS=${tenant.caPath})
  app             client id ${LOCAL_CLIENT_ID}, secret ${LOCAL_CLIENT_SECRET}
Ctrl-C stops it; data stays in ${process.env.TENANT_DATA ?? ".data/tenant"}.`);

const stop = async () => {
  await tenant.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
