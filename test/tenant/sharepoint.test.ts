import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../local/tenant/server.js";
import { LOCAL_SITE } from "../../local/tenant/defaults.js";
import { productGraph, startTestTenant } from "../helpers/tenant.js";

let t: Tenant;
let siteId: string;
beforeAll(async () => {
  t = await startTestTenant();
  const { client } = productGraph(t);
  siteId = (await client.api(`/sites/${LOCAL_SITE.hostname}:${LOCAL_SITE.path}`).get()).id;
});
afterAll(() => t.close());

const columns = [
  { name: "Cluster", number: {}, indexed: true },
  { name: "Status", choice: { choices: ["Received", "Accepted", "Late"] }, indexed: true },
  { name: "InternetMessageId", text: {}, indexed: true, enforceUniqueValues: true },
  { name: "School", text: {} },
  { name: "ReceivedAt", dateTime: {} },
];

describe("local tenant: SharePoint lists", () => {
  it("gets the site by hostname and path; an unknown site is 404", async () => {
    const { client } = productGraph(t);
    expect(siteId.startsWith(`${LOCAL_SITE.hostname},`)).toBe(true);
    const site = await client.api(`/sites/${siteId}`).get();
    expect(site).toMatchObject({ displayName: LOCAL_SITE.displayName, webUrl: `https://${LOCAL_SITE.hostname}${LOCAL_SITE.path}` });
    await expect(client.api(`/sites/${LOCAL_SITE.hostname}:/sites/nope`).get()).rejects.toMatchObject({ statusCode: 404, code: "itemNotFound" });
  });

  it("creates a list with typed columns, refuses a second with the same name, gets it by name", async () => {
    const { client } = productGraph(t);
    const made = await client.api(`/sites/${siteId}/lists`).post({ displayName: "Cases", columns, list: { template: "genericList" } });
    expect(made.columns.map((c: any) => c.name)).toEqual(["Title", ...columns.map((c) => c.name)]);
    await expect(client.api(`/sites/${siteId}/lists`).post({ displayName: "Cases", columns: [] })).rejects.toMatchObject({
      statusCode: 409,
      code: "nameAlreadyExists",
    });
    const byName = await client.api(`/sites/${siteId}/lists/Cases`).expand("columns").get();
    expect(byName.id).toBe(made.id);
    expect(byName.columns.find((c: any) => c.name === "InternetMessageId")).toMatchObject({ indexed: true, enforceUniqueValues: true, text: {} });
    const filtered = await client.api(`/sites/${siteId}/lists`).filter("displayName eq 'Cases'").get();
    expect(filtered.value).toHaveLength(1);
    const col = await client.api(`/sites/${siteId}/lists/Cases/columns`).post({ name: "AckDueBy", dateTime: {} });
    expect(col.name).toBe("AckDueBy");
  });

  it("creates items with fields, lists them with $expand, $filter on indexed columns and $top paging", async () => {
    const { client } = productGraph(t);
    for (let i = 1; i <= 7; i++) {
      const item = await client.api(`/sites/${siteId}/lists/Cases/items`).post({
        fields: {
          Title: `C5-2023-000${i}`,
          Cluster: i % 2 ? 5 : 4,
          Status: "Received",
          InternetMessageId: `<m${i}@school.example>`,
          ReceivedAt: "2023-05-02T09:15:00Z",
        },
      });
      expect(item).toMatchObject({ id: String(i), fields: { Title: `C5-2023-000${i}`, Cluster: i % 2 ? 5 : 4 } });
      expect(item["@odata.etag"]).toMatch(/^"[0-9a-f-]+,1"$/);
    }
    const one = await client.api(`/sites/${siteId}/lists/Cases/items/3`).expand("fields").get();
    expect(one.fields).toMatchObject({ id: "3", InternetMessageId: "<m3@school.example>" });
    const five = await client.api(`/sites/${siteId}/lists/Cases/items`).expand("fields").filter("fields/Cluster eq 5").get();
    expect(five.value.map((x: any) => x.fields.Title)).toEqual(["C5-2023-0001", "C5-2023-0003", "C5-2023-0005", "C5-2023-0007"]);
    const byMsg = await client
      .api(`/sites/${siteId}/lists/Cases/items`)
      .expand("fields($select=Title)")
      .filter("fields/InternetMessageId eq '<m6@school.example>'")
      .get();
    expect(byMsg.value.map((x: any) => x.fields)).toEqual([{ "@odata.etag": expect.any(String), Title: "C5-2023-0006" }]);
    // OData reads a string literal whole: " and " inside one is part of the value, not a second clause
    // (OData v4 URL conventions, 5.1.1.6.1 string literals). A school is called "Cardinal Road Infant and Nursery School".
    await client.api(`/sites/${siteId}/lists/Cases/items/6/fields`).patch({ InternetMessageId: "<infant and nursery@school.example>" });
    const quoted = await client
      .api(`/sites/${siteId}/lists/Cases/items`)
      .expand("fields($select=Title)")
      .filter(encodeURIComponent("fields/InternetMessageId eq '<infant and nursery@school.example>' and fields/Cluster eq 4"))
      .get();
    expect(quoted.value.map((x: any) => x.fields.Title)).toEqual(["C5-2023-0006"]);
    await expect(client.api(`/sites/${siteId}/lists/Cases/items`).filter("fields/School eq 'x'").get()).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/not indexed/),
    });
    const allowed = await client
      .api(`/sites/${siteId}/lists/Cases/items`)
      .header("Prefer", "HonorNonIndexedQueriesWarningMayFailRandomly")
      .filter("fields/School eq 'x'")
      .get();
    expect(allowed.value).toEqual([]);
    let page = await client.api(`/sites/${siteId}/lists/Cases/items`).top(3).get();
    const ids: string[] = [];
    for (;;) {
      ids.push(...page.value.map((x: any) => x.id));
      if (!page["@odata.nextLink"]) break;
      page = await client.api(page["@odata.nextLink"]).get();
    }
    expect(ids).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
  });

  it("refuses bad fields, duplicate unique values", async () => {
    const { client } = productGraph(t);
    await expect(client.api(`/sites/${siteId}/lists/Cases/items`).post({ fields: { Nope: 1 } })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/Field 'Nope' is not recognized/),
    });
    await expect(client.api(`/sites/${siteId}/lists/Cases/items`).post({ fields: { Cluster: "five" } })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/sites/${siteId}/lists/Cases/items`).post({ fields: { Status: "Lost" } })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/sites/${siteId}/lists/Cases/items`).post({ fields: { InternetMessageId: "<m1@school.example>" } })).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it("PATCH fields with If-Match: the current ETag wins, a stale one gets 412", async () => {
    const { client } = productGraph(t);
    const item = await client.api(`/sites/${siteId}/lists/Cases/items/2`).get();
    const updated = await client.api(`/sites/${siteId}/lists/Cases/items/2/fields`).header("If-Match", item["@odata.etag"]).patch({ Status: "Accepted" });
    expect(updated).toMatchObject({ Status: "Accepted", Title: "C5-2023-0002" });
    expect(updated["@odata.etag"]).toMatch(/,2"$/);
    await expect(
      client.api(`/sites/${siteId}/lists/Cases/items/2/fields`).header("If-Match", item["@odata.etag"]).patch({ Status: "Late" }),
    ).rejects.toMatchObject({ statusCode: 412, code: "resourceModified" });
    const now = await client.api(`/sites/${siteId}/lists/Cases/items/2`).expand("fields").get();
    expect(now.fields.Status).toBe("Accepted");
  });

  it("indexes a column by updating its columnDefinition; the built-in Title too; other changes are refused", async () => {
    const { client } = productGraph(t);
    const base = `/sites/${siteId}/lists/Cases`;
    await expect(client.api(`${base}/items`).filter("fields/School eq 'x'").get()).rejects.toMatchObject({ statusCode: 400 });
    const cols = (await client.api(`${base}/columns`).get()).value as { id: string; name: string }[];
    const school = cols.find((c) => c.name === "School")!;
    expect(await client.api(`${base}/columns/${school.id}`).patch({ indexed: true })).toMatchObject({ name: "School", indexed: true });
    expect((await client.api(`${base}/items`).filter("fields/School eq 'x'").get()).value).toEqual([]);
    const title = cols.find((c) => c.name === "Title")!;
    await expect(client.api(`${base}/items`).filter("fields/Title eq 'x'").get()).rejects.toMatchObject({ statusCode: 400 });
    expect(await client.api(`${base}/columns/${title.id}`).patch({ indexed: true })).toMatchObject({ name: "Title", indexed: true });
    expect((await client.api(`${base}/items`).filter("fields/Title eq 'x'").get()).value).toEqual([]);
    await expect(client.api(`${base}/columns/${school.id}`).patch({ displayName: "Other" })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`${base}/columns/no-such-column`).patch({ indexed: true })).rejects.toMatchObject({ statusCode: 404 });
  });
});
