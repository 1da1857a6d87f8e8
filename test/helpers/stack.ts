/** The whole intake stack for end-to-end tests: local tenant + Azurite + dev host running the real functions (local/stack.ts). */
import type { Partnership } from "../../core/config.js";
import { ClusterDeskBot } from "../../bot/bot.js";
import { GraphCaseRegister, GraphVotes } from "../../m365/sharepoint.js";
import type { StoredCase } from "../../core/ports.js";
import type { Tenant, TenantOptions } from "../../local/tenant/server.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";
import { partnership as hounslow, startTestTenant } from "./tenant.js";

export const CLIENT_STATE = "test-client-state-7f3a";

export interface Stack extends LocalStack {
  logs: string[];
}

/** Moves the tenant's clock to a London time in the past (the summer 2023 scenario). */
export function setTenantTime(t: Tenant, iso: string): void {
  t.advanceClock(Date.parse(iso) - t.now());
}

export async function startStack(opts: { partnership?: Partnership; at?: string; tenant?: Partial<TenantOptions> } = {}): Promise<Stack> {
  const logs: string[] = [];
  const log = {
    info: (e: string, f?: object) => logs.push(JSON.stringify({ e, ...f })),
    warn: (e: string, f?: object) => logs.push(JSON.stringify({ e, ...f })),
  };
  // The local stack's one start (local/stack.ts), on an in-memory tenant.
  const s = await startLocalStack({
    partnership: opts.partnership ?? hounslow,
    tenant: await startTestTenant(opts.tenant),
    ...(opts.at ? { at: opts.at } : {}),
    clientState: CLIENT_STATE,
    log,
    hostLog: (l) => logs.push(l),
    visibilitySeconds: 5,
  });
  return { ...s, logs };
}

export const pdfForm = (name = "MIP presentation form.pdf") => ({
  filename: name,
  content: Buffer.from("%PDF-1.7 presentation form"),
  contentType: "application/pdf",
});

/** The bot's dependencies from a stack (each test adds or replaces what it needs). */
export function botBase(s: Stack, partnership: Partnership) {
  return {
    partnership,
    cases: s.deps.cases,
    mailer: s.deps.mailer,
    kv: s.deps.state,
    teams: s.deps.teams,
    triageCards: s.deps.triageCards,
    log: s.deps.log,
    now: () => new Date(s.tenant.now()),
  };
}

/** The bot on a stack with the real Votes list and audit, taking each click's email from its from.id (the vote and race tests). */
export function votingBot(s: Stack, partnership: Partnership): ClusterDeskBot {
  return new ClusterDeskBot({
    ...botBase(s, partnership),
    votes: new GraphVotes(s.deps.site),
    audit: (r) => s.deps.cases.audit(r),
    resolveEmail: async (ctx) => ctx.activity.from.id,
  });
}

/** Every item's fields in one of the stack's SharePoint lists (Cases, Audit, Meetings...). */
export async function listFields(s: Stack, list: string): Promise<any[]> {
  const site = await s.deps.site.id();
  return (await s.deps.graph.api(`/sites/${site}/lists/${list}/items`).expand("fields").top(999).get()).value.map((i: any) => i.fields);
}

/**
 * A cluster's whole history, for tests on small registers (the product never asks it: it reads
 * windows, core/usecases/caseWindows.ts, as SharePoint's list view threshold requires).
 */
export function clusterCases(s: Stack, cluster: number): Promise<StoredCase[]> {
  return (s.deps.cases as GraphCaseRegister).ofCluster(cluster);
}

/** Every case of the partnership, cluster by cluster (tests only, as clusterCases). */
export async function everyCase(s: Stack, p: Partnership): Promise<StoredCase[]> {
  return (await Promise.all(p.clusters.map((c) => clusterCases(s, c.id)))).flat();
}

/**
 * A stack on 1 June 2023 with one case, C5-2023-0001 (Worple Primary School), on cluster 5's
 * agenda with its details entered: the vote tests' starting point.
 */
export async function stackWithAgendaCase(partnership: Partnership): Promise<Stack> {
  const s = await startStack({ partnership, at: "2023-06-01T09:00:00Z" });
  await s.send({ from: "senco@worple.example", subject: "Cluster 5/KL/Worple Primary School", text: "x", attachments: [pdfForm()] });
  await s.settle();
  await s.deps.cases.change("C5-2023-0001", () => ({ Status: "On agenda", CaseType: "Group", CypCount: 5, TermsSought: 2, AmountRequested: 4500 }));
  return s;
}

/** Isleworth Town Primary School's SENDCo emails a form to cluster 5 (the example subject line), and intake takes it in. */
export async function sendIsleworthForm(s: Stack, from = "senco@isleworthtown.school.example"): Promise<void> {
  await s.send({ from, subject: "Cluster 5/KL/Isleworth Town Primary School", text: "Our form.", attachments: [pdfForm()] });
  await s.settle();
}
