import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadPartnership } from "../config/load.js";
import { leadForCluster } from "../core/config.js";
import { checkSubject, cleanSubject } from "../core/rules/subject.js";

const { partnership: p } = loadPartnership("hounslow-mip");
const schools = p.clusters.flatMap((c) => c.schools.map((s) => ({ s, clusterId: c.id, lead: leadForCluster(p, c.id)!.initials })));
const codes = (subject: string) => checkSubject(p, subject).problems.map((x) => x.code);

describe("the subject-line convention", () => {
  it("accepts the launch pack's example", () => {
    const r = checkSubject(p, "Cluster 5/KL/Isleworth Town Primary School");
    expect(r).toMatchObject({
      ok: true,
      clusterId: 5,
      lead: { initials: "KL", name: "Katy Luciani" },
      school: { name: "Isleworth Town Primary School", clusterId: 5 },
      problems: [],
    });
  });

  it.each([
    "RE: FW: Cluster 5/KL/Isleworth Town Primary School",
    "Fwd: [SECURE] cluster 5 / kl / isleworth town primary school",
    "CLUSTER 5 - KL - ISLEWORTH TOWN PRIMARY SCHOOL",
    "Cluster5\\KL\\Isleworth Town",
    "Cluster 5 | KL | Isleworth Town Primary",
    "  Cluster   5,KL,  Isleworth   Town Primary School  ",
    "5/KL/Isleworth Town Primary School",
    "C5/K.L./Isleworth Town Primary School",
    "Cluster 5 KL Isleworth Town Primary School",
    "Cluster 5/KL/Isleworth Town Primary School - group form",
    "Cluster 5/KL/Isleworth Town Primary School (SECURE)",
  ])("tolerates %j", (subject) => {
    const r = checkSubject(p, subject);
    expect(r.problems).toEqual([]);
    expect(r.school?.name).toBe("Isleworth Town Primary School");
    expect(r.expectedSubject).toBe("Cluster 5/KL/Isleworth Town Primary School");
  });

  it("knows schools by full name, short name and alias, and tells infant from junior", () => {
    expect(checkSubject(p, "Cluster 2/SY/Hounslow Heath Infant & Nursery School").school?.name).toBe("Hounslow Heath Infant and Nursery School");
    expect(checkSubject(p, "Cluster 2/SY/Hounslow Heath J").school?.name).toBe("Hounslow Heath Junior School");
    expect(checkSubject(p, "Cluster 4/KL/I&S Boys").school?.name).toBe("Isleworth and Syon School for Boys");
    expect(checkSubject(p, "Cluster 5/KL/Green School for Boys").school?.name).toBe("The Green School for Boys");
    expect(checkSubject(p, "Cluster 3/SY/Heston Community School").school?.name).toBe("Heston Community School");
    expect(checkSubject(p, "Cluster 3/SY/Heston Primary").school?.name).toBe("Heston Primary School");
    expect(checkSubject(p, "Cluster 6/GV/St Mary's").school?.name).toBe("St Mary's Catholic Primary School Chiswick");
    expect(checkSubject(p, "Cluster 5/KL/St Mary's").school?.name).toBe("St Mary's Catholic Primary School Isleworth");
  });

  describe("every failure says what to do", () => {
    it("school in another cluster", () => {
      const r = checkSubject(p, "Cluster 4/KL/Isleworth Town Primary School");
      expect(r.ok).toBe(false);
      expect(r.problems).toEqual([
        {
          code: "school-in-other-cluster",
          message: expect.stringMatching(
            /Isleworth Town Primary School is in cluster 5, not cluster 4\. The subject line should be "Cluster 5\/KL\/Isleworth Town Primary School"/,
          ),
          note: 'Isleworth Town Primary School is in cluster 5, not cluster 4. Expected subject: "Cluster 5/KL/Isleworth Town Primary School".',
        },
      ]);
    });
    it("initials of another cluster's lead", () => {
      const r = checkSubject(p, "Cluster 5/NF/Isleworth Town Primary School");
      expect(r.problems[0]).toMatchObject({
        code: "initials-not-for-cluster",
        message: expect.stringMatching(/NF \(Nikita Fernandes\) leads cluster 1, not cluster 5; cluster 5's lead is KL \(Katy Luciani\)/),
      });
    });
    it("initials that are nobody's", () => {
      expect(checkSubject(p, "Cluster 5/XY/Isleworth Town Primary School").problems[0]!.message).toMatch(
        /XY are not the initials of a SEND Cluster Lead; cluster 5's lead is KL/,
      );
    });
    it("a cluster that does not exist", () => {
      expect(checkSubject(p, "Cluster 9/KL/Isleworth Town Primary School").problems[0]!.message).toMatch(/There is no cluster 9: the MIP has clusters 1 to 6/);
    });
    it("missing pieces", () => {
      expect(codes("Cluster 5/Isleworth Town Primary School")).toEqual(["missing-initials"]);
      expect(codes("KL/Isleworth Town Primary School")).toEqual(["missing-cluster"]);
      expect(codes("Isleworth Town Primary School")).toEqual(["missing-cluster", "missing-initials"]);
      expect(codes("Cluster 5/KL")).toEqual(["missing-school"]);
      expect(checkSubject(p, "Isleworth Town Primary School").expectedSubject).toBe("Cluster 5/KL/Isleworth Town Primary School");
    });
    it("a misspelt school gets a suggestion", () => {
      const r = checkSubject(p, "Cluster 5/KL/Isleworth Twon Primary School");
      expect(r.problems[0]).toMatchObject({
        code: "unknown-school",
        message: expect.stringMatching(/Did you mean Isleworth Town Primary School \(cluster 5\)/),
      });
    });
    it("an ambiguous school asks for the full name", () => {
      const r = checkSubject(p, "Cluster 5/KL/Isleworth");
      expect(r.problems[0]).toMatchObject({
        code: "ambiguous-school",
        message: expect.stringMatching(/could be Isleworth Town Primary School \(cluster 5\) or St Mary's Catholic Primary School Isleworth \(cluster 5\)/),
      });
    });
    it("a subject with nothing of the convention", () => {
      expect(checkSubject(p, "Presentation form for Monday").problems).toEqual([
        {
          code: "not-recognised",
          message: expect.stringContaining('e.g. "Cluster 5/KL/Isleworth Town Primary School"'),
          note: expect.not.stringContaining("Monday"),
        },
      ]);
      expect(codes("")).toEqual(["empty"]);
      expect(codes("RE: ")).toEqual(["empty"]);
    });
  });

  it("a subject that names one school without the convention gets that school's subject line, and only that one (issue 31)", () => {
    const r = checkSubject(p, "Marlborough Primary School presentation form");
    expect(r.ok).toBe(false);
    expect(r.expectedSubject).toBe("Cluster 5/KL/Marlborough Primary School");
    const message = r.problems.map((x) => x.message).join(" ");
    expect(message).toContain('e.g. "Cluster 5/KL/Marlborough Primary School". Did you mean Marlborough Primary School?');
    expect(message).not.toContain(p.intake.subjectExample); // not the example as well
    // Where nothing points at one school, the example stays.
    expect(checkSubject(p, "presentation form").expectedSubject).toBeNull();
  });

  it("cleans prefixes and tags", () => {
    expect(cleanSubject("RE: RE: FW: [EXTERNAL] [SECURE] Cluster 1/NF/Bedfont")).toBe("Cluster 1/NF/Bedfont");
    expect(cleanSubject("AW: WG: Re[2]: x")).toBe("x");
  });
});

const variants = fc.record({
  entry: fc.constantFrom(...schools),
  nameChoice: fc.nat(),
  clusterWord: fc.constantFrom("Cluster ", "cluster", "CLUSTER ", "Cl ", "C", ""),
  sep: fc.constantFrom("/", " / ", "\\", " - ", " – ", "|", ", ", "; ", " : "),
  prefix: fc.constantFrom("", "RE: ", "FW: ", "Re: Fwd: ", "[SECURE] ", "RE: [EXTERNAL] "),
  upper: fc.boolean(),
  lowerInitials: fc.boolean(),
  pad: fc.constantFrom("", " ", "  "),
});

describe("parser properties", () => {
  it("every school, written any tolerated way, reads back as itself", () => {
    fc.assert(
      fc.property(variants, (v) => {
        const names = [v.entry.s.name, ...(v.entry.s.shortName ? [v.entry.s.shortName] : []), ...v.entry.s.aliases];
        const name = names[v.nameChoice % names.length]!;
        const initials = v.lowerInitials ? v.entry.lead.toLowerCase() : v.entry.lead;
        let subject = `${v.prefix}${v.pad}${v.clusterWord}${v.entry.clusterId}${v.sep}${initials}${v.sep}${name}${v.pad}`;
        if (v.upper) subject = subject.toUpperCase();
        const r = checkSubject(p, subject);
        expect(r.problems).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.school!.name).toBe(v.entry.s.name);
        expect(r.clusterId).toBe(v.entry.clusterId);
        expect(r.lead!.initials).toBe(v.entry.lead);
      }),
      { numRuns: 1500 },
    );
  });

  it("naming the wrong cluster is caught and the right subject offered", () => {
    fc.assert(
      fc.property(fc.constantFrom(...schools), fc.integer({ min: 1, max: 6 }), (e, wrong) => {
        fc.pre(wrong !== e.clusterId);
        const r = checkSubject(p, `Cluster ${wrong}/${leadForCluster(p, wrong)!.initials}/${e.s.name}`);
        expect(r.ok).toBe(false);
        expect(r.problems.map((x) => x.code)).toContain("school-in-other-cluster");
        expect(r.expectedSubject).toBe(`Cluster ${e.clusterId}/${e.lead}/${e.s.name}`);
        expect(checkSubject(p, r.expectedSubject!).ok).toBe(true);
      }),
    );
  });

  it("never throws; a failure always has a reason; the offered subject is always accepted", () => {
    const piece = fc.oneof(fc.string(), fc.constantFrom("Cluster 5", "KL", "/", "Isleworth", "RE:", "[", "&", "St", "Town", " ", "9", "Cluster", "SY", "—"));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const r = checkSubject(p, parts.join(""));
        expect(r.ok).toBe(r.problems.length === 0);
        for (const pr of r.problems) expect(pr.message.length).toBeGreaterThan(20);
        if (r.ok) expect(r.school).not.toBeNull();
        if (r.expectedSubject) expect(checkSubject(p, r.expectedSubject).ok).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
