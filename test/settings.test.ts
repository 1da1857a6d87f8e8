import { describe, expect, it } from "vitest";
import { readSection, settingsFromEnv, SETTING_NAMES, settingsTable } from "../functions/settings.js";

describe("app settings (one schema)", () => {
  it("defaults, and an empty value counts as unset", () => {
    expect(
      settingsFromEnv({ AzureWebJobsStorage: "UseDevelopmentStorage=true", SHAREPOINT_SITE: "x.sharepoint.com:/sites/cd", MAIL_CLIENT_STATE: "" }),
    ).toEqual({
      storage: { connectionString: "UseDevelopmentStorage=true" },
      partnership: "hounslow-mip",
      mailbox: null,
      sharePointSite: "x.sharepoint.com:/sites/cd",
      notificationUrl: null,
      lifecycleUrl: null,
      clientState: null,
    });
    expect(readSection("graph", {})).toEqual({ graphBaseUrl: "https://graph.microsoft.com" });
    expect(readSection("storage", { AzureWebJobsStorage__accountName: "acct", AzureWebJobsStorage__clientId: "" })).toEqual({ accountName: "acct" });
  });

  it("MAILBOX overrides the config's mailbox and must be an address", () => {
    const base = { AzureWebJobsStorage: "c", SHAREPOINT_SITE: "x.sharepoint.com:/sites/cd" };
    expect(settingsFromEnv({ ...base, MAILBOX: "send-forms@council.gov.uk" }).mailbox).toBe("send-forms@council.gov.uk");
    expect(() => settingsFromEnv({ ...base, MAILBOX: "send-forms" })).toThrow(
      `app setting MAILBOX must be the secure mailbox's email address, not "send-forms"`,
    );
  });

  it("says what is missing, every problem at once", () => {
    expect(() => settingsFromEnv({ SHAREPOINT_SITE: "s" })).toThrow(/AzureWebJobsStorage .* is not set/);
    expect(() => settingsFromEnv({ AzureWebJobsStorage: "c" })).toThrow("app setting SHAREPOINT_SITE is not set");
  });

  it("the documented names and table come from the schema", () => {
    expect(SETTING_NAMES).toContain("BOT_TENANT_ID");
    expect(new Set(SETTING_NAMES).size).toBe(SETTING_NAMES.length);
    for (const n of SETTING_NAMES) expect(settingsTable()).toContain(`| \`${n}\` |`);
  });
});
