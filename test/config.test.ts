import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { readFileSync } from "node:fs";
import { ConfigError, leadForCluster, parsePartnership } from "../core/config.js";
import { loadPartnership, parsePartnershipYaml, resolveConfigPath } from "../config/load.js";
import { publishedLeadContacts, publishedMeetings, publishedRotas } from "./seeds.js";

const raw = () => parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
const { partnership: p, warnings } = loadPartnership("hounslow-mip");

function expectConfigError(mutate: (c: any) => void, path: string, message: RegExp) {
  const c = raw();
  mutate(c);
  let err: unknown;
  try {
    parsePartnership(c, "test.yaml");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const problems = (err as ConfigError).problems;
  expect(problems.map((x) => x.path)).toContain(path);
  expect(problems.find((x) => x.path === path)!.message).toMatch(message);
  expect((err as ConfigError).message).toContain(`test.yaml is not valid`);
  // The message names it in words (cluster id, school name), never by zero-based index.
  const where = problems.find((x) => x.path === path)!.where!;
  expect(where).not.toMatch(/\[\d+\]/);
  expect((err as ConfigError).message).toContain(where);
}

describe("Hounslow MIP config (seeds 000 and 001)", () => {
  it("has the six clusters with the launch pack's meeting dates and times", () => {
    const published = publishedMeetings();
    expect(p.clusters.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const c of p.clusters) {
      const expected = published.get(c.id)!;
      expect(c.meetings.map((m) => ({ date: m.date, time: m.start }))).toEqual(expected.map((e) => ({ date: e.date, time: e.time })));
      expect(c.regular?.weekday).toBe(expected[0]!.weekday);
    }
  });

  it("has the SCLs with their initials and clusters: NF 1, SY 2 & 3, KL 4 & 5, GV 6", () => {
    expect(Object.fromEntries(p.leads.map((l) => [l.initials, l.clusters]))).toEqual({ NF: [1], SY: [2, 3], KL: [4, 5], GV: [6] });
    for (const [cluster, email] of publishedLeadContacts()) {
      if (email) expect(leadForCluster(p, cluster)!.email).toBe(email);
    }
  });

  it("lists every school of every published rota in its cluster, with a phase", () => {
    for (const [clusterId, rota] of publishedRotas()) {
      const c = p.clusters.find((x) => x.id === clusterId)!;
      expect(c.schools.map((s) => s.shortName).sort()).toEqual(rota.map((r) => r.school).sort());
      for (const s of c.schools) expect(["primary", "secondary", "all-through"]).toContain(s.phase);
    }
    expect(p.clusters.flatMap((c) => c.schools).length).toBe(71);
  });

  it("keeps the rotas as published (dates as ISO, terms as printed)", () => {
    for (const [clusterId, rota] of publishedRotas()) {
      const c = p.clusters.find((x) => x.id === clusterId)!;
      const inConfig = new Map(c.rota.map((r) => [r.school, r.published ?? r.when]));
      for (const r of rota) expect(inConfig.get(r.school)).toBe(r.when);
    }
  });

  it("warns about what the seed gets wrong, without failing", () => {
    expect(warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Spring Grove is rostered for 13\/5\/23, which is not a cluster 4 meeting/),
        expect.stringMatching(/2023-05-01 16:00 is a bank holiday \(Early May bank holiday\)/),
      ]),
    );
    expect(warnings.find((w) => /Spring Grove/.test(w.message))!.path).toBe("clusters[3].rota[1].when");
  });
});

describe("a bad config fails with a message naming the field", () => {
  it("an executable, archive, macro-enabled file or script can never be an allowed form type (issue 30)", () => {
    for (const ext of [".exe", ".zip", ".docm", ".js"])
      expectConfigError(
        (c) => (c.intake.attachments = { allowedExtensions: [".docx", ".pdf", ext] }),
        "intake.attachments.allowedExtensions[2]",
        new RegExp(`"\\${ext}" cannot be allowed: a form may be sent only as \\.docx, \\.pdf`),
      );
    // What a council could want is allowed.
    const c = raw();
    c.intake.attachments = { allowedExtensions: [".docx", ".pdf", ".odt", ".xlsx"] };
    expect(parsePartnership(c, "test.yaml").partnership.intake.attachments.allowedExtensions).toEqual([".docx", ".pdf", ".odt", ".xlsx"]);
  });

  it("wrong phase", () => expectConfigError((c) => (c.clusters[2].schools[3].phase = "middle"), "clusters[2].schools[3].phase", /expected one of/));
  it("problems are named in words: the cluster's id and the school's name, not zero-based indexes", () => {
    const c = raw();
    c.clusters[2].schools[3].phase = "middle";
    const school = c.clusters[2].schools[3].name;
    expect(() => parsePartnership(c, "test.yaml")).toThrow(`cluster ${c.clusters[2].id}, school "${school}": phase: `);
  });
  it("initials in lower case", () => expectConfigError((c) => (c.leads[0].initials = "nf"), "leads[0].initials", /capital letters/));
  it("a lead for a cluster that does not exist", () => expectConfigError((c) => c.leads[0].clusters.push(9), "leads[0].clusters[1]", /there is no cluster 9/));
  it("a cluster with no lead", () => expectConfigError((c) => (c.leads[3].clusters = [5]), "clusters[5]", /cluster 6 has no SEND Cluster Lead/));
  it("two leads for one cluster", () => expectConfigError((c) => c.leads[0].clusters.push(2), "leads[1].clusters[0]", /cluster 2 is already led by NF/));
  it("a meeting date that is not a day of the calendar says why", () =>
    expectConfigError(
      (c) => (c.clusters[0].meetings[1].date = "2023-02-30"),
      "clusters[0].meetings[1].date",
      /^2023-02-30 is not a date: February 2023 has 28 days$/,
    ));
  it("a date in another shape says how to write it", () =>
    expectConfigError((c) => (c.clusters[0].meetings[1].date = "30/02/2023"), "clusters[0].meetings[1].date", /must be a date written YYYY-MM-DD, such as/));
  it("a rota entry that is neither a date nor a term says what it should be", () => {
    expectConfigError(
      (c) => (c.clusters[0].rota[0].when = "Atu 24"),
      "clusters[0].rota[0].when",
      /"Atu 24" is neither a date \(YYYY-MM-DD\) nor a term: .*"Aut 23"/,
    );
    expectConfigError((c) => (c.clusters[0].rota[0].when = "2023-09-31"), "clusters[0].rota[0].when", /September 2023 has 30 days/);
  });
  it("a term or half-term that ends before it starts, or a half-term outside its term", () => {
    const terms = (c: any) =>
      (c.calendar = {
        terms: {
          "2026-27": {
            autumn: { start: "2026-09-03", end: "2026-12-18", halfTerm: { start: "2026-10-26", end: "2026-10-30" } },
            spring: { start: "2027-01-05", end: "2027-03-26", halfTerm: { start: "2027-02-15", end: "2027-02-19" } },
            summer: { start: "2027-04-12", end: "2027-07-21", halfTerm: { start: "2027-05-31", end: "2027-06-04" } },
          },
        },
      });
    expectConfigError(
      (c) => (terms(c), (c.calendar.terms["2026-27"].autumn.halfTerm.end = "2026-10-23")),
      "calendar.terms.2026-27.autumn.halfTerm.end",
      /the half-term ends before it starts/,
    );
    expectConfigError(
      (c) => (terms(c), (c.calendar.terms["2026-27"].spring.end = "2026-12-01")),
      "calendar.terms.2026-27.spring.end",
      /the term ends before it starts/,
    );
    expectConfigError(
      (c) => (terms(c), (c.calendar.terms["2026-27"].summer.halfTerm = { start: "2027-07-26", end: "2027-07-30" })),
      "calendar.terms.2026-27.summer.halfTerm",
      /outside its term/,
    );
  });
  it("a budget without its year says to write budgets by academic year", () =>
    expectConfigError((c) => (c.clusters[0].budget = 30000), "clusters[0].budget", /a budget is for an academic year: write budgets: \{ "2026-27": 30000 \}/));
  it("a total shared by pupil numbers is in whole pounds", () =>
    expectConfigError((c) => (c.allocation = { totals: { "2026-27": 420000.5 }, contingencyShare: 0.1 }), "allocation.totals.2026-27", /whole pounds/));
  it("a deadline after its meeting", () =>
    expectConfigError((c) => (c.clusters[0].meetings[0].deadline.date = "2023-05-18"), "clusters[0].meetings[0].deadline", /before the meeting/));
  it("a time that is not HH:mm", () => expectConfigError((c) => (c.clusters[0].meetings[0].start = "9.30am"), "clusters[0].meetings[0].start", /HH:mm/));
  it("a school name shared by two schools", () =>
    expectConfigError((c) => (c.clusters[5].schools[0].aliases = ["Isleworth Town"]), "clusters[5].schools[0]", /also belongs to clusters\[4\]\.schools\[5\]/));
  it("a rota entry for a school outside the cluster", () =>
    expectConfigError((c) => (c.clusters[0].rota[0].school = "Worple"), "clusters[0].rota[0].school", /not a school of cluster 1/));
  it("funding bands with a gap", () => expectConfigError((c) => (c.fundingPolicies[1].bands[1].minCyp = 5), "fundingPolicies[1].bands[1].minCyp", /must be 4/));
  it("overlapping funding policies", () =>
    expectConfigError((c) => (c.fundingPolicies[0].to = "2023-09-30"), "fundingPolicies[1].from", /overlaps regressive-summer-2023/));
  it("an unknown field (a typo)", () => expectConfigError((c) => (c.clusters[0].meetngs = []), "clusters[0]", /meetngs/));
  it("a missing required field", () => expectConfigError((c) => delete c.intake.mailbox, "intake.mailbox", /./));
  it("YAML that does not parse names the line", () => {
    expect(() => parsePartnershipYaml("id: x\nclusters: [\n", "broken.yaml")).toThrow(/broken\.yaml is not valid:[\s\S]*line \d+/);
  });
  it("a round trip through YAML keeps a valid config valid", () => {
    expect(() => parsePartnershipYaml(stringify(raw()))).not.toThrow();
  });
});
