/**
 * Runs Cluster Desk on one machine with its embedded defaults: Azurite, the local Microsoft 365
 * tenant, and the dev host running every Azure Function (same routes, schedules and queue
 * semantics, the bot at /api/messages), and the Microsoft 365 Agents Playground as the Teams client,
 * signed in as a SEND Cluster Lead with the cluster's people as its users. Provisions the SharePoint
 * lists, subscribes to the secure mailbox, catches up on mail that arrived while it was stopped.
 * Ctrl-C stops everything; the next start reuses .data/.
 * Started by bin/local.mjs, which makes Node trust the tenant's certificate.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { loadPartnership, parsePartnershipYaml, resolveConfigPath } from "../config/load.js";
import { checkSubject } from "../core/rules/subject.js";
import { consoleLogger } from "../functions/deps.js";
import { keepSubscription } from "../core/usecases/subscription.js";
import { sweepInbox } from "../core/usecases/sweep.js";
import { academicYearOf, nextAcademicYear, planYear, publishedMeetings } from "../core/rules/planner.js";
import { CONFIG_LIBRARY, GraphBudgets, GraphLibrary, GraphMeetings } from "../m365/sharepoint.js";
import { exampleConfigYaml } from "./examples.js";

/** What each cluster is allocated locally when the Budgets list has nothing for the year (an example). */
const EXAMPLE_BUDGET = 30_000;
/** The config's file in the local site's Configuration library. */
const LOCAL_CONFIG_FILE = "partnership.yaml";
import { functionDefs } from "../functions/registry.js";
import { startLocalStack } from "./stack.js";
import { playgroundPeople, playgroundConfig, EXAMPLE_SCHOOL_DOMAIN } from "./people.js";
import { startPlayground } from "./playground.js";
import { defaultTenantOptions, DEFAULT_SMTP_PORT } from "./tenant/defaults.js";
import { startTenant } from "./tenant/server.js";

const env = process.env;
// bin/local.mjs gives each partnership other than the default its own folder (.data/<id>).
const dataDir = resolve(env.CLUSTER_DESK_DATA ?? ".data");
mkdirSync(dataDir, { recursive: true });

function port(name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === "") return fallback;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`${name} must be a port number, not "${v}"`);
  return Number(v);
}

/** A secret made once per machine for Graph's clientState. */
function localSecrets(): { clientState: string } {
  const file = join(dataDir, "local.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const s = { clientState: randomBytes(24).toString("base64url") };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

const verbose = env.CLUSTER_DESK_QUIET ? () => {} : (line: string) => console.log(line);
// The seeds name no SENDCo or headteacher: schools without addresses get example ones, so votes,
// reminders and the Playground's people work locally (see local/people.ts).
const configured = loadPartnership(env.PARTNERSHIP).partnership;
// The years the local stack runs: this academic year, and from June the next (its first meetings are near).
const thisYear = academicYearOf(new Date().toISOString().slice(0, 10));
const month = new Date().getUTCMonth();
const years = [thisYear, ...(month === 5 || month === 6 ? [nextAcademicYear(thisYear)] : [])];
// The config with its example data (contacts, a funding policy for these years), as the local
// site's Configuration library will hold it.
const configFile = resolveConfigPath(env.PARTNERSHIP);
const example = exampleConfigYaml(readFileSync(configFile, "utf8"), configured, years, relative(process.cwd(), configFile) || configFile);
const partnership = parsePartnershipYaml(example.text, configFile).partnership;
// Settings are checked before anything starts: a mistake is one clear line, not a stack trace.
// The Playground is signed in as the lead of the cluster the partnership's example subject line names
// (Katy Luciani for Hounslow's "Cluster 5/KL/..."), so `send-sample`'s card lands in their chat.
const playgroundCluster = Number(env.PLAYGROUND_CLUSTER ?? checkSubject(partnership, partnership.intake.subjectExample).clusterId ?? 5);
const playgroundOpts = env.PLAYGROUND_USER ? { currentUser: env.PLAYGROUND_USER } : {};
let people: ReturnType<typeof playgroundPeople> | null = null;
try {
  if (env.PLAYGROUND !== "off") {
    if (!partnership.clusters.some((c) => c.id === playgroundCluster)) throw new Error(`there is no cluster "${env.PLAYGROUND_CLUSTER}" (PLAYGROUND_CLUSTER)`);
    people = playgroundPeople(partnership, playgroundCluster, playgroundOpts);
  }
} catch (e) {
  console.error(
    `Cannot start the Agents Playground: ${(e as Error).message}${env.PLAYGROUND_USER ? " (PLAYGROUND_USER)" : ""}. Set PLAYGROUND=off to start without it.`,
  );
  process.exit(2);
}

const tenant = await startTenant({
  ...defaultTenantOptions(partnership, env),
  dataDir: join(dataDir, "tenant"),
  ...(env.TENANT_TLS_DIR ? { tlsDir: env.TENANT_TLS_DIR } : {}),
  log: (l) => verbose(`[tenant] ${l}`),
});
// The local stack's one start (local/stack.ts), on this machine's data and ports, running its own
// queue and timers; the functions read the config from the local site, as a council's do.
const stack = await startLocalStack({
  partnership,
  tenant,
  clientState: localSecrets().clientState,
  log: consoleLogger(verbose),
  hostLog: verbose,
  ownSite: true,
  azurite: {
    location: join(dataDir, "azurite"),
    ports: { blob: port("AZURITE_BLOB_PORT", 10000), queue: port("AZURITE_QUEUE_PORT", 10001), table: port("AZURITE_TABLE_PORT", 10002) },
  },
  hostPort: port("HOST_PORT", 7071),
  autoRun: true,
  settings: { PARTNERSHIP: `site:${LOCAL_CONFIG_FILE}` },
  subscribe: false,
});
const { azurite, host, env: settings, deps: d, provisioned } = stack;
const getDeps = () => d;
// For `npx cluster-desk health` (and other commands that read app settings) on this machine.
writeFileSync(join(dataDir, "app-settings.json"), JSON.stringify({ ...settings, NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS ?? "" }, null, 2), {
  mode: 0o600,
});

// The functions read the config from the site, as `npx cluster-desk publish-config` puts it there.
const configUrl = (await new GraphLibrary(d.site, CONFIG_LIBRARY).save(LOCAL_CONFIG_FILE, example.text, "application/yaml")).url;
// The embedded default works today: this academic year's (and next year's, from June) proposed
// meetings go into the local Meetings list, as an officer's `publish-meetings` would put them,
// so a form sent now is placed at a real next meeting. Existing rows (an edit made there) stay.
const calendar = { created: 0, years };
for (const year of years) {
  const plan = planYear(partnership, year);
  calendar.created += (await new GraphMeetings(d.site).publish(publishedMeetings(plan), { keepExisting: true })).created;
}
// Example budgets for this year (the seeds give none): the Budgets list is the council's to edit.
// A partnership that shares one total by pupil numbers (Southampton) gets an example total
// (cluster 0's row), shared out with its contingency fund; the others a budget per cluster.
const exampleTotal = EXAMPLE_BUDGET * partnership.clusters.length * 2;
// Only where the config sets none for the year: a council's own budgets (`budgets:`, `allocation.totals`) are used as written.
const ownTotal = partnership.allocation?.totals[thisYear] !== undefined;
await new GraphBudgets(d.site).setAll(
  partnership.allocation
    ? ownTotal
      ? []
      : [{ clusterId: 0, year: thisYear, allocated: exampleTotal }]
    : partnership.clusters.filter((c) => c.budgets[thisYear] === undefined).map((c) => ({ clusterId: c.id, year: thisYear, allocated: EXAMPLE_BUDGET })),
  { keepExisting: true },
);
await d.refreshCalendar(true);
// A subscription from an earlier run may point at another port: replace it.
const previous = await d.state.getSync("mail-subscription");
if (previous) {
  await d.graph
    .api(`/subscriptions/${JSON.parse(previous).id}`)
    .delete()
    .catch(() => undefined);
  await d.state.setSync("mail-subscription", null);
}
const sub = await keepSubscription(d);
const caughtUp = await sweepInbox(d);

const playgroundDir = join(dataDir, "playground");
const playground =
  people === null
    ? null
    : await startPlayground({
        appEndpoint: `${host.url}/api/messages`,
        config: playgroundConfig(partnership, playgroundCluster, playgroundOpts),
        dir: playgroundDir,
        port: port("PLAYGROUND_PORT", 56150),
        log: (l) => verbose(`[playground] ${l}`),
      });
const examples = configured.clusters.flatMap((c) => c.schools).filter((s) => !s.sendcoEmail).length;

const smtpFlag = tenant.smtpPort === DEFAULT_SMTP_PORT ? "" : ` --smtp-port ${tenant.smtpPort}`;
console.log(`
Cluster Desk is running locally for the ${partnership.name} (${partnership.council}).

  Local tenant (what the product did)  ${tenant.url}/
  Microsoft Graph (local)              ${tenant.url}/v1.0
  SMTP into the secure mailbox         localhost:${tenant.smtpPort}  ->  ${partnership.intake.mailbox}
${
  playground && people
    ? `  Teams (Agents Playground)            ${playground.url}/   signed in as ${people.current.name}
                                       with ${people.users.map((u) => u.name).join("; ")}
                                       (${join(playgroundDir, ".m365agentsplayground.yml")})
`
    : ""
}  Bot (Bot Framework endpoint)         ${host.url}/api/messages
  Azure Functions (dev host)           ${host.url}/api/notifications/mail, /api/notifications/lifecycle
                                       queue mail-intake; timers ${functionDefs(getDeps)
                                         .filter((f) => f.trigger === "timer")
                                         .map((f) => f.name)
                                         .join(", ")}
  Azurite (queues, tables)             queue :${azurite.ports.queue}, table :${azurite.ports.table}
  Data                                 ${dataDir}${provisioned.length ? `\n  SharePoint lists                     ${provisioned.join("; ")}` : ""}
  Budgets (example, Budgets list)      ${
    partnership.allocation
      ? `£${exampleTotal.toLocaleString("en-GB")} in total for ${thisYear}, shared by pupil numbers with a ${partnership.allocation.contingencyShare * 100}% contingency fund`
      : `£${EXAMPLE_BUDGET.toLocaleString("en-GB")} a cluster for ${thisYear}`
  } unless set there
  Funding policy                       ${
    example.policy ? `${example.policy}: an example, the config's latest limits copied for ${years.join(", ")}; a council sets its own` : "the config's"
  }
  Config (Configuration library)       ${LOCAL_CONFIG_FILE} in the local site, ${configUrl.replace(/\/files\/.*$/, "/")} (from ${relative(process.cwd(), configFile) || configFile}, rewritten at each start)
  Meetings (proposed, Meetings list)   ${calendar.years.join(", ")}${calendar.created ? `: ${calendar.created} meetings added` : ""} (npx cluster-desk plan-year --year ${thisYear})
  Mail subscription                    ${sub.action}, expires ${sub.expiresAt}${caughtUp.enqueued ? `; ${caughtUp.enqueued} waiting email(s) queued` : ""}

${
  examples
    ? `${examples} schools have no SENDCo address in the config: locally they use senco@<school>.${EXAMPLE_SCHOOL_DOMAIN}.

`
    : ""
}${
  playground && people
    ? `Open ${playground.url}/ first (that installs the bot in ${people.current.name}'s Teams chat), then
`
    : ""
}send a sample ${partnership.referralTypes.length > 1 ? "referral" : "presentation form"}:
  ${partnership.id === "hounslow-mip" ? "" : `PARTNERSHIP=${partnership.id} `}npx cluster-desk send-sample${smtpFlag}
and see ${playground ? `the triage card in ${playground.url}/ and ` : ""}the case, the reply and the filed email in ${tenant.url}/.
Ctrl-C stops everything; the next start reuses the data.
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log("Stopping Cluster Desk...");
  await playground?.close();
  await host.close();
  await tenant.close();
  await azurite.stop();
  console.log("Stopped.");
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
