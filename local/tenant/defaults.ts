/**
 * The local tenant's embedded defaults: the council's directory for a partnership (its secure
 * mailbox, SCLs, partnership lead and advisers), one app registration for Cluster Desk, and the
 * SharePoint site. Ports and folders come from the environment (see README).
 */
import type { Partnership } from "../../core/config.js";
import type { TenantOptions } from "./server.js";
import type { FaultSettings } from "./faults.js";
import { checkFaults } from "./faults.js";

export const LOCAL_TENANT_ID = "5f3c0c8e-7d3b-4a7e-9a43-1c2d3e4f5a6b";
export const LOCAL_CLIENT_ID = "7a0d6f2e-3c4b-4e5f-8a9b-0c1d2e3f4a5b";
/** Local only: the tenant on a developer's machine. Never a production secret. */
export const LOCAL_CLIENT_SECRET = "local-tenant-secret-not-for-production";
export const LOCAL_SITE = { hostname: "hounslow.sharepoint.example", path: "/sites/cluster-desk", displayName: "Cluster Desk" };

/**
 * The council's own local site, named as its tenant would be (<council>.sharepoint.com): from its
 * secure mailbox's domain ("sutton.gov.uk" → sutton.sharepoint.example), so each council's local
 * stack shows its own name.
 */
export function localSite(p: Partnership): typeof LOCAL_SITE {
  const council =
    (p.intake.mailbox.split("@")[1] ?? "")
      .split(".")[0]
      ?.toLowerCase()
      .replace(/[^a-z0-9-]/g, "") || "council";
  return { ...LOCAL_SITE, hostname: `${council}.sharepoint.example`, displayName: `Cluster Desk: ${p.shortName}` };
}

/** The site's address as SHAREPOINT_SITE takes it. */
export const siteSetting = (site: typeof LOCAL_SITE) => `${site.hostname}:${site.path}`;
export const DEFAULT_TENANT_PORT = 5360;
export const DEFAULT_SMTP_PORT = 2525;

export function directoryOf(p: Partnership): { address: string; displayName: string }[] {
  const people = [
    { address: p.intake.mailbox, displayName: `${p.shortName} secure mailbox` },
    ...p.leads.map((l) => ({ address: l.email, displayName: l.name })),
    { address: p.partnershipLead.email, displayName: p.partnershipLead.name },
    ...p.advisers.map((a) => ({ address: a.email, displayName: a.name })),
  ];
  const seen = new Set<string>();
  return people.filter((x) => !seen.has(x.address.toLowerCase()) && seen.add(x.address.toLowerCase()));
}

export function envFaults(env: NodeJS.ProcessEnv): Partial<FaultSettings> {
  const raw = env.TENANT_FAULTS;
  if (!raw) return {};
  try {
    return checkFaults(JSON.parse(raw));
  } catch (e) {
    throw new Error(`TENANT_FAULTS: ${(e as Error).message}`);
  }
}

export function defaultTenantOptions(p: Partnership, env: NodeJS.ProcessEnv = process.env): TenantOptions {
  const port = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === "") return fallback;
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`${name} must be a port number, not "${v}"`);
    return Number(v);
  };
  const directory = directoryOf(p);
  return {
    dataDir: env.TENANT_DATA ?? ".data/tenant",
    port: port("TENANT_PORT", DEFAULT_TENANT_PORT),
    smtpPort: port("TENANT_SMTP_PORT", DEFAULT_SMTP_PORT),
    tenantId: LOCAL_TENANT_ID,
    apps: [
      {
        clientId: LOCAL_CLIENT_ID,
        clientSecret: LOCAL_CLIENT_SECRET,
        displayName: "Cluster Desk (local)",
        roles: ["Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite", "Sites.Selected"],
        // As Exchange RBAC for Applications would scope it: the secure mailbox only.
        mailboxes: [p.intake.mailbox],
      },
    ],
    mailboxes: directory,
    // The council's own, and the default's (the tests' stacks name it whatever council they run).
    sites: [...new Map([localSite(p), LOCAL_SITE].map((x) => [x.hostname, x])).values()],
    faults: envFaults(env),
  };
}

/** The app settings the functions read, pointed at a local tenant and storage (npm start, the demo, tests). */
export function localAppSettings(
  tenant: { url: string; tenantId: string },
  storageConnection: string,
  clientState: string,
  site: typeof LOCAL_SITE = LOCAL_SITE,
): Record<string, string> {
  return {
    AzureWebJobsStorage: storageConnection,
    SHAREPOINT_SITE: siteSetting(site),
    MAIL_CLIENT_STATE: clientState,
    GRAPH_BASE_URL: tenant.url,
    GRAPH_AUTHORITY_HOST: tenant.url,
    GRAPH_TENANT_ID: tenant.tenantId,
    GRAPH_CLIENT_ID: LOCAL_CLIENT_ID,
    GRAPH_CLIENT_SECRET: LOCAL_CLIENT_SECRET,
  };
}
