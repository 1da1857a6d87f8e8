/**
 * The local tenant for `npm run bench:intake`, in a process of its own, as Microsoft 365 is in
 * another place from the functions: its work (SQLite, TLS, MIME) does not count against the
 * functions' one thread. Prints one line of JSON (url, SMTP port, tenant id) when it is up; ends
 * when its standard input closes (the bench ended, however it ended).
 */
import { loadPartnership } from "../config/load.js";
import { defaultTenantOptions } from "../local/tenant/defaults.js";
import { startTenant } from "../local/tenant/server.js";

const p = loadPartnership("hounslow-mip").partnership;
const tenant = await startTenant({ ...defaultTenantOptions(p, {}), dataDir: ":memory:", tlsDir: ".data/bench-tls", port: 0, smtpPort: 0, log: () => {} });
process.stdout.write(`${JSON.stringify({ url: tenant.url, smtpPort: tenant.smtpPort, tenantId: tenant.tenantId })}\n`);
process.stdin.resume();
process.stdin.on("end", () => void tenant.close().then(() => process.exit(0)));
