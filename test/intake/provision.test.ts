import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import type { Tenant } from "../../local/tenant/server.js";
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_SITE } from "../../local/tenant/defaults.js";
import { packageRoot } from "../../config/load.js";
import { LISTS, SharePointSite } from "../../m365/sharepoint.js";
import { productGraph, startTestTenant } from "../helpers/tenant.js";

let t: Tenant;
beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [join(packageRoot(), "bin", "cluster-desk.mjs"), ...args], {
    env: {
      ...process.env,
      GRAPH_BASE_URL: t.url,
      GRAPH_AUTHORITY_HOST: t.url,
      GRAPH_TENANT_ID: t.tenantId,
      GRAPH_CLIENT_ID: LOCAL_CLIENT_ID,
      GRAPH_CLIENT_SECRET: LOCAL_CLIENT_SECRET,
      SHAREPOINT_SITE: `${LOCAL_SITE.hostname}:${LOCAL_SITE.path}`,
    },
  });

describe("npx cluster-desk provision", () => {
  it("creates the eight lists with typed, indexed columns and the Reports and Configuration libraries, and a second run changes nothing", async () => {
    const first = JSON.parse((await cli("provision")).stdout);
    expect(first.changes).toEqual([
      "created list Cases with 35 columns",
      "created list Meetings with 5 columns",
      "created list Votes with 5 columns",
      "created list Audit with 6 columns",
      "created list Schools with 8 columns",
      "created list Budgets with 4 columns",
      "created list Attendance with 6 columns",
      "created list Engagement with 6 columns",
      "created document library Reports",
      "created document library Configuration",
      "indexed Cases.Title",
      "made Cases.Title unique",
    ]);
    const again = JSON.parse((await cli("provision")).stdout);
    expect(again).toEqual({ ok: true, site: `${LOCAL_SITE.hostname}:${LOCAL_SITE.path}`, changes: [] });
    const { client } = productGraph(t);
    const site = (await client.api(`/sites/${LOCAL_SITE.hostname}:${LOCAL_SITE.path}`).get()).id;
    const cases = await client.api(`/sites/${site}/lists/Cases`).expand("columns").get();
    const col = (n: string) => cases.columns.find((c: any) => c.name === n);
    for (const name of [
      "Cluster",
      "School",
      "Phase",
      "LeadInitials",
      "SenderEmail",
      "ReceivedAt",
      "SubjectLine",
      "InternetMessageId",
      "Status",
      "MeetingDate",
      "SubmissionDeadline",
      "AckDueBy",
      "AcknowledgedAt",
      "CaseType",
      "CypCount",
      "TermsSought",
      "AmountRequested",
      "AmountAwarded",
      "Decision",
      "DecisionAt",
      "Reasons",
    ]) {
      expect(col(name), name).toBeDefined();
    }
    expect(col("InternetMessageId")).toMatchObject({ indexed: true, text: {} });
    expect(col("GraphMessageId")).toMatchObject({ indexed: true, enforceUniqueValues: true, text: {} });
    expect(col("ReceivedAt")).toMatchObject({ indexed: true, dateTime: {} });
    expect(col("CypCount")).toMatchObject({ number: {} });
    expect(col("AmountAwarded").currency).toBeDefined();
    expect(col("CaseType").choice.choices).toEqual(["Individual", "Group"]);
    expect(col("ConsentConfirmed")).toMatchObject({ boolean: {} });
    expect(LISTS.Cases.length).toBe(35);
    // The reference (SharePoint's own Title column) is indexed, so looking a case up by it needs no
    // "Prefer: HonorNonIndexedQueriesWarningMayFailRandomly" and keeps working on a large list.
    expect(col("Title")).toMatchObject({ id: "fa564e0f-0c70-4ab9-b863-0177e6ddd247", indexed: true, enforceUniqueValues: true });
    expect((await client.api(`/sites/${site}/lists/Cases/items`).filter("fields/Title eq 'C5-2023-0001'").get()).value).toEqual([]);
    await expect(client.api(`/sites/${site}/lists/Cases/items`).filter("fields/Phase eq 'primary'").get()).rejects.toMatchObject({ statusCode: 400 });
  });

  it("adds a column that a newer version defines, leaving the rest", async () => {
    const { client } = productGraph(t);
    const site = new SharePointSite(client, `${LOCAL_SITE.hostname}:${LOCAL_SITE.path}`);
    LISTS.Meetings.push({ name: "Venue", text: {} });
    try {
      expect(await site.provision()).toEqual(["added column Meetings.Venue"]);
      expect(await site.provision()).toEqual([]);
    } finally {
      LISTS.Meetings.pop();
    }
    const cols = (await client.api(`/sites/${await site.id()}/lists/Meetings/columns`).get()).value.map((c: any) => c.name);
    expect(cols).toEqual(["Title", ...LISTS.Meetings.map((c) => c.name), "Venue"]);
  });

  it("adds the choices a newer version defines to an existing choice column (a list made before 'Recommended')", async () => {
    const { client } = productGraph(t);
    const site = new SharePointSite(client, `${LOCAL_SITE.hostname}:${LOCAL_SITE.path}`);
    const id = await site.id();
    const status = (await client.api(`/sites/${id}/lists/Cases/columns`).get()).value.find((c: any) => c.name === "Status");
    const older = status.choice.choices.filter((c: string) => c !== "Recommended");
    await client.api(`/sites/${id}/lists/Cases/columns/${status.id}`).patch({ choice: { choices: older } });
    expect(await site.provision()).toEqual(["added Recommended to Cases.Status"]);
    expect(await site.provision()).toEqual([]);
    const now = (await client.api(`/sites/${id}/lists/Cases/columns`).get()).value.find((c: any) => c.name === "Status");
    expect(now.choice.choices).toEqual([...older, "Recommended"]);
  });

  it("says what is missing when the site is not given", async () => {
    await expect(
      promisify(execFile)(process.execPath, [join(packageRoot(), "bin", "cluster-desk.mjs"), "provision"], { env: { ...process.env, SHAREPOINT_SITE: "" } }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--site <hostname>:\/<path>/) });
  });
});
