import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientSecretCredential } from "@azure/identity";
import type { Tenant } from "../../local/tenant/server.js";
import { LOCAL_CLIENT_ID } from "../../local/tenant/defaults.js";
import { bearer, partnership, productGraph, startTestTenant } from "../helpers/tenant.js";

let t: Tenant;
beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

describe("local tenant: Entra ID token endpoint", () => {
  it("issues tokens to ClientSecretCredential with authorityHost set to the tenant", async () => {
    const token = await bearer(t);
    expect(token.split(".")).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(claims).toMatchObject({ aud: "https://graph.microsoft.com", tid: t.tenantId, appid: LOCAL_CLIENT_ID });
  });

  it("refuses a wrong secret the way Entra ID does", async () => {
    const cred = new ClientSecretCredential(t.tenantId, LOCAL_CLIENT_ID, "wrong", { authorityHost: t.url, disableInstanceDiscovery: true });
    await expect(cred.getToken("https://graph.microsoft.com/.default")).rejects.toThrow(/AADSTS7000215/);
  });

  it("answers Graph calls without a valid bearer token with 401", async () => {
    const url = `${t.url}/v1.0/users/${partnership.intake.mailbox}/mailFolders/inbox`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: "InvalidAuthenticationToken", message: "Access token is empty." } });
    const forged = await fetch(url, { headers: { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJhcHBpZCI6IngifQ.c2ln" } });
    expect(forged.status).toBe(401);
    const good = await fetch(url, { headers: { authorization: `Bearer ${await bearer(t)}` } });
    expect(good.status).toBe(200);
  });

  it("expired tokens are refused", async () => {
    const token = await bearer(t);
    t.advanceClock(2 * 3600_000);
    try {
      const r = await fetch(`${t.url}/v1.0/users/${partnership.intake.mailbox}`, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(401);
      expect((await r.json()).error.message).toMatch(/expired/);
    } finally {
      t.advanceClock(-2 * 3600_000);
    }
  });

  it("scopes the app to the secure mailbox (Exchange RBAC for Applications)", async () => {
    const { client } = productGraph(t);
    await expect(client.api(`/users/${partnership.leads[0]!.email}/mailFolders/inbox`).get()).rejects.toMatchObject({
      statusCode: 403,
      code: "ErrorAccessDenied",
    });
  });
});
