/** The local tenant's document libraries (the Reports library): a drive per library, files put and read by path. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../local/tenant/server.js";
import { SharePointSite } from "../../m365/sharepoint.js";
import { bearer, productGraph, startTestTenant } from "../helpers/tenant.js";
import { localAppSettings } from "../../local/tenant/defaults.js";

let t: Tenant;
beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

describe("local tenant: document libraries", () => {
  it("provision makes the Reports library; a file is put by name, replaced in place, read back and opened by its webUrl", async () => {
    const { client } = productGraph(t);
    const site = new SharePointSite(client, localAppSettings(t, "UseDevelopmentStorage=true", "x").SHAREPOINT_SITE!);
    expect(await site.provision()).toContain("created document library Reports");
    expect(await site.provision()).not.toContain("created document library Reports");
    const id = await site.id();
    const drive = await client.api(`/sites/${id}/lists/Reports/drive`).get();
    expect(drive).toMatchObject({ driveType: "documentLibrary", name: "Reports" });
    // A generic list has no drive.
    await expect(client.api(`/sites/${id}/lists/Cases/drive`).get()).rejects.toMatchObject({ statusCode: 404 });

    const put = (name: string, body: string) =>
      client
        .api(`/drives/${drive.id}/root:/${encodeURIComponent(name)}:/content`)
        .header("Content-Type", "text/html")
        .put(Buffer.from(body));
    const first = await put("term.html", "<h1>one</h1>");
    const again = await put("term.html", "<h1>two</h1>");
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ name: "term.html", size: 12, file: { mimeType: "text/html" } });
    const page = await fetch(again.webUrl);
    expect(await page.text()).toBe("<h1>two</h1>");
    // A file's content is a 302 to a pre-authenticated download URL, as Graph answers
    // (learn.microsoft.com/graph/api/driveitem-get-content: "Returns a 302 Found response
    // redirecting to a preauthenticated download URL"); GraphLibrary.read follows it.
    const content = await fetch(`${t.url}/v1.0/drives/${drive.id}/root:/term.html:/content`, {
      headers: { authorization: `Bearer ${await bearer(t)}` },
      redirect: "manual",
    });
    expect(content.status).toBe(302);
    expect(await (await fetch(content.headers.get("location")!)).text()).toBe("<h1>two</h1>");
    expect((await client.api(`/drives/${drive.id}/root/children`).get()).value.map((f: { name: string }) => f.name)).toEqual(["term.html"]);
    // SharePoint refuses some characters in a name, and an unknown drive.
    await expect(put("a:b.html", "x")).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/drives/b!nope/root:/x.html:/content`).get()).rejects.toMatchObject({ statusCode: 404 });
  });
});
