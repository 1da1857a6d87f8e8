/** The CLI from an administrator's machine signs in as the administrator (GRAPH_SIGN_IN); the functions use their managed identity. */
import { describe, expect, it } from "vitest";
import { credentialFor } from "../m365/graph.js";
import { readSection } from "../functions/settings.js";

const base = { graphBaseUrl: "https://graph.microsoft.com" };

describe("who the product is to Graph", () => {
  it("azure-cli is the Azure CLI's signed-in account: without `az` here, its own error says so", async () => {
    const cred = credentialFor({ ...base, signIn: "azure-cli" });
    await expect(cred.getToken("https://graph.microsoft.com/.default")).rejects.toMatchObject({ name: "CredentialUnavailableError" });
  });

  it("device-code needs the council's app registration; an unknown sign-in is named", () => {
    expect(() => credentialFor({ ...base, signIn: "device-code" })).toThrow(/GRAPH_SIGN_IN=device-code needs GRAPH_CLIENT_ID/);
    expect(() => credentialFor({ ...base, signIn: "device-code", clientId: "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b" })).not.toThrow();
    expect(() => credentialFor({ ...base, signIn: "password" })).toThrow(/GRAPH_SIGN_IN must be azure-cli or device-code, not "password"/);
  });

  it("the setting reaches the Graph settings from the environment", () => {
    expect(readSection("graph", { GRAPH_SIGN_IN: "azure-cli" })).toMatchObject({ signIn: "azure-cli" });
  });
});
