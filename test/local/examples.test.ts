/**
 * Issue 31: the embedded default decides today. `npm start` adds an example funding policy for the
 * years it runs (the config's latest limits), marked as an example wherever a person reads it.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parsePartnership } from "../../core/config.js";
import { parsePartnershipYaml, resolveConfigPath } from "../../config/load.js";
import { EXAMPLE_MARK, fundingCap } from "../../core/rules/funding.js";
import { doctor } from "../../core/rules/doctor.js";
import { examplePolicy, exampleConfigYaml } from "../../local/examples.js";
import { partnership as hounslow } from "../helpers/tenant.js";

const text = readFileSync(resolveConfigPath("hounslow-mip"), "utf8");

describe("the embedded default's example funding policy", () => {
  it("covers the years npm start runs with the latest policy's limits, and says it is an example", () => {
    expect(examplePolicy(hounslow, ["2026-27"])).toMatchObject({
      id: "example-2026-27",
      kind: "progressive",
      from: "2026-08-01",
      to: "2027-07-31",
      maxTerms: 3,
      bands: [{ perTerm: 2500 }, { perTerm: 3000 }, { perTerm: 3500 }],
      example: true,
    });
    // In June and July npm start also plans next year: one example covers both.
    expect(examplePolicy(hounslow, ["2026-27", "2027-28"])).toMatchObject({ from: "2026-08-01", to: "2028-07-31" });
  });

  it("never overlaps a policy the council has set: it fills only the days none covers, or is not added", () => {
    const raw = parse(text);
    raw.fundingPolicies.push({ ...raw.fundingPolicies[1], id: "council-2026-27", from: "2026-09-01", to: "2027-08-31" });
    const withOwn = parsePartnership(raw).partnership;
    expect(examplePolicy(withOwn, ["2026-27"])).toMatchObject({ from: "2026-08-01", to: "2026-08-31" });
    raw.fundingPolicies.push({ ...raw.fundingPolicies[1], id: "council-august", from: "2026-08-01", to: "2026-08-31" });
    expect(examplePolicy(parsePartnership(raw).partnership, ["2026-27"])).toBeNull();
  });

  it("the written config keeps the council's text and comments, adds example contacts and the policy, and is valid", () => {
    const out = exampleConfigYaml(text, hounslow, ["2026-27"], "config/hounslow-mip.yaml");
    expect(out.policy).toBe("example-2026-27");
    expect(out.text).toContain("# Written by npm start from config/hounslow-mip.yaml");
    expect(out.text).toContain("# 001: regressive limits applied during summer term 2023"); // the council's comments stay
    const { partnership: p } = parsePartnershipYaml(out.text);
    expect(p.clusters.flatMap((c) => c.schools).every((s) => s.sendcoEmail && s.headteacherEmail)).toBe(true);
    expect(p.clusters[4]!.schools.find((s) => s.shortName === "Isleworth Town")?.sendcoEmail).toBe("senco@isleworthtown.school.example");

    // A case at a meeting this year can be worked out, and every place that shows the limit says it is an example.
    const r = fundingCap(p, { cyp: 5, terms: 2, date: "2027-01-14", requested: 4500 });
    expect(r).toMatchObject({ cap: 6000, award: 4500, policy: { id: "example-2026-27", example: true } });
    expect(r.capText).toBe(`£6,000${EXAMPLE_MARK}`);
    expect(r.lines[0]).toContain("copied for 2026-27 as an example");
    const warned = doctor(p, "2026-12-02").warnings.find((w) => w.where === 'funding policy "example-2026-27"');
    expect(warned?.problem).toContain("is an example");
    expect(doctor(p, "2026-12-02").blocking.map((b) => b.where)).not.toContain("fundingPolicies");
    // The seeds' own config has none for this year: doctor blocks, as it should for a council.
    expect(doctor(hounslow, "2026-12-02").blocking.map((b) => b.where)).toContain("fundingPolicies");
  });
});

describe("each council's local site", () => {
  it("is named after the council's own domain, as its tenant would be; the tenant serves it", async () => {
    const { loadPartnership } = await import("../../config/load.js");
    const { defaultTenantOptions, localAppSettings, localSite } = await import("../../local/tenant/defaults.js");
    expect(localSite(hounslow).hostname).toBe("hounslow.sharepoint.example");
    const sutton = loadPartnership("sutton").partnership;
    expect(localSite(sutton)).toMatchObject({ hostname: "sutton.sharepoint.example", displayName: "Cluster Desk: SENCO Clusters" });
    expect(localSite(loadPartnership("southampton").partnership).hostname).toBe("southampton.sharepoint.example");
    expect(defaultTenantOptions(sutton, {}).sites.map((s) => s.hostname)).toContain("sutton.sharepoint.example");
    expect(localAppSettings({ url: "https://x", tenantId: "t" }, "s", "c", localSite(sutton)).SHAREPOINT_SITE).toBe(
      "sutton.sharepoint.example:/sites/cluster-desk",
    );
  });
});
