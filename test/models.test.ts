/**
 * The three councils' models from their configs (issue 15): Sutton (seed 003) and Southampton
 * (seed 004) against their seed texts, subject-line conventions, meeting kinds, documents and
 * funding rules. Hounslow's own tables are checked in config.test.ts and schedule.test.ts.
 */
import { describe, expect, it } from "vitest";
import { loadPartnership } from "../config/load.js";
import { clusterName, clustersOfSchool, normaliseName, parsePartnership, type Partnership } from "../core/config.js";
import { fundingCap, splitLine } from "../core/rules/funding.js";
import { checkReferral } from "../core/rules/referrals.js";
import { checkSubject } from "../core/rules/subject.js";
import { caseRef } from "../core/usecases/intake.js";
import { southamptonClusters, southamptonDocuments, suttonCrossPhase, suttonMeetings } from "./seedsOther.js";

const sutton = loadPartnership("sutton").partnership;
const soton = loadPartnership("southampton").partnership;
const hounslow = loadPartnership("hounslow-mip").partnership;
const names = (p: Partnership, id: number) =>
  p.clusters
    .find((c) => c.id === id)!
    .schools.flatMap((s) => [s.name, s.shortName ?? "", ...s.aliases])
    .map(normaliseName);

describe("Sutton (seed 003)", () => {
  it("reproduces the cross-phase table: each CP cluster's schools and lead cluster SENCO", () => {
    const table = suttonCrossPhase();
    expect([...table.keys()]).toEqual([1, 2, 3, 4, 5]);
    for (const [n, row] of table) {
      const c = sutton.clusters.find((x) => x.kind === "cross-phase" && x.number === n)!;
      expect(clusterName(sutton, c.id)).toBe(`CP ${n}`);
      expect(c.schools.map((s) => s.shortName).sort()).toEqual([...row.schools].sort());
      expect(sutton.leads.find((l) => l.clusters.includes(c.id))!.name).toBe(row.lead);
    }
  });

  it("reproduces the year's calendar: single-phase dates for SP clusters, cross-phase for CP, conferences for all, 2 - 4pm at HAS", () => {
    const seed = suttonMeetings();
    expect(seed).toHaveLength(10);
    for (const kind of ["single-phase", "cross-phase"] as const) {
      const dates = seed.filter((m) => m.kind === kind).map((m) => ({ date: m.date, start: m.start, end: m.end }));
      for (const c of sutton.clusters.filter((x) => x.kind === kind)) {
        expect(c.meetings.map((m) => ({ date: m.date, start: m.start, end: m.end }))).toEqual(dates);
        expect(c.meetings.every((m) => m.location === "HAS")).toBe(true);
      }
    }
    expect(sutton.partnershipMeetings.map((m) => ({ date: m.date, start: m.start, end: m.end!, kind: m.kind }))).toEqual(
      seed.filter((m) => m.kind === "conference"),
    );
  });

  it("puts every school in one single-phase and one cross-phase cluster, and a case goes to the cluster its subject names", () => {
    for (const s of sutton.clusters.filter((c) => c.kind === "cross-phase").flatMap((c) => c.schools)) {
      expect(
        clustersOfSchool(sutton, s.name)
          .map((c) => c.kind)
          .sort(),
      ).toEqual(["cross-phase", "single-phase"]);
    }
    const cp = checkSubject(sutton, "CP 5/Muschamp");
    expect(cp).toMatchObject({ ok: true, clusterId: 15, school: { name: "Muschamp Primary School", clusterId: 15 } });
    const sp = checkSubject(sutton, "RE: sp7 / Muschamp Primary School");
    expect(sp).toMatchObject({ ok: true, clusterId: 7, school: { clusterId: 7 } });
    // Written in the wrong CP cluster: named in words, with the subject to use.
    const wrong = checkSubject(sutton, "CP 3/WCGS");
    expect(wrong.ok).toBe(false);
    expect(wrong.problems[0]!.message).toBe(
      'Wallington County Grammar School is in CP 2, not CP 3. The subject line should be "CP 2/Wallington County Grammar School".',
    );
    expect(checkSubject(sutton, "CP 9/WCGS").problems.map((x) => x.code)).toContain("unknown-cluster");
    // Its cases are referenced as the council names the cluster.
    expect([caseRef(15, "2027", 1, sutton), caseRef(7, "2027", 12, sutton), caseRef(5, "2027", 3, hounslow), caseRef(null, "2027", 4, sutton)]).toEqual([
      "CP5-2027-0001",
      "SP7-2027-0012",
      "C5-2027-0003",
      "U-2027-0004",
    ]);
    // No initials in Sutton's convention: none are asked for.
    expect(checkSubject(sutton, "CP 1/Harris").problems).toEqual([]);
  });

  it("is two-stage: the cluster's meeting recommends, the borough-wide meeting (leads and key officers) decides", () => {
    const t = sutton.referralTypes[0]!;
    expect(t.stages.map((s) => [s.meeting, s.outcome])).toEqual([
      ["cluster", "recommend"],
      ["borough-decision", "decide"],
    ]);
    expect(sutton.meetingKinds.find((m) => m.id === "borough-decision")!.voters).toEqual(["leads", "key-officers"]);
  });
});

describe("Southampton (seed 004)", () => {
  it("reproduces the seven clusters: schools and total student numbers", () => {
    const seed = southamptonClusters();
    expect([...seed.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const [id, row] of seed) {
      const c = soton.clusters.find((x) => x.id === id)!;
      expect(c.pupils).toBe(row.pupils);
      expect(c.schools).toHaveLength(row.schools.length);
      for (const s of row.schools) expect(names(soton, id)).toContain(normaliseName(s));
    }
  });

  it("requires the documents 004 lists for each referral type, and names what is missing", () => {
    const seed = southamptonDocuments();
    const labels = (id: string) => soton.referralTypes.find((t) => t.id === id)!.documents.map((d) => normaliseName(d.label));
    const bare = (items: string[]) =>
      items.map((x) =>
        normaliseName(
          x
            .replace(/^An? /, "")
            .replace(/ \(.*\)$/, "")
            .replace(/ Document$/, ""),
        ),
      );
    expect(labels("individual-pupil-need")).toEqual(bare(seed.individual));
    expect(labels("project-based-work")).toEqual(bare(seed.project));
    expect(labels("contingency")).toEqual(bare(seed.contingency));

    const all = checkReferral(soton, { id: "individual-pupil-need" }, ["IPN Referral Form.docx", "Costed Provision Map.xlsx", "Profile of Need - Year 4.pdf"]);
    expect(all).toMatchObject({ type: { id: "individual-pupil-need" }, missing: [], notes: [] });
    const some = checkReferral(soton, { id: "individual-pupil-need" }, ["IPN Referral Form.docx"]);
    expect(some.missing).toEqual(["Costed Provision Map", "Profile of Need"]);
    expect(some.notes).toEqual(["Missing documents: Costed Provision Map, Profile of Need."]);
    // The type from an attachment's name when the subject has none; a new EHCP needs Section F.
    expect(checkReferral(soton, null, ["Contingency Funding Referral Form.docx", "CPM.xlsx", "PON.docx"])).toMatchObject({
      type: { id: "contingency" },
      from: "attachment",
      missing: [],
    });
    // A new EHCP needs no documents (004: "No further documentation is required at this stage"): nothing is missing.
    expect(checkReferral(soton, { id: "new-ehcp" }, []).missing).toEqual([]);
    expect(checkReferral(soton, { id: "solution-focused" }, ["notes.docx"]).missing).toEqual([]);
    expect(checkReferral(soton, null, ["form.docx"]).notes).toEqual(["The referral type is missing."]);
    // Hounslow has one type and no required documents: nothing to check.
    expect(checkReferral(hounslow, null, ["form.docx"])).toMatchObject({ type: { id: "presentation" }, missing: [], reasons: [] });
  });

  it("reads the type, cluster and school from the subject line, never a school's first word as initials", () => {
    const r = checkSubject(soton, "Individual pupil need/Cluster 3/St Mark's Church of England School");
    expect(r).toMatchObject({ ok: true, clusterId: 3, type: { id: "individual-pupil-need" }, school: { name: "St Mark's Church of England School" } });
    expect(r.read.initials).toBeNull();
    expect(checkSubject(soton, "Cluster 5/IPN/Townhill Junior School")).toMatchObject({ ok: true, clusterId: 5, type: { id: "individual-pupil-need" } });
    const wrong = checkSubject(soton, "Contingency/Cluster 2/Bitterne Park School");
    expect(wrong.problems[0]!.message).toMatch(
      /Bitterne Park School is in cluster 5, not cluster 2\. The subject line should be "Contingency funding\/Cluster 5\/Bitterne Park School"\./,
    );
  });

  it("funds as agreed, split equally over the terms; nothing in the trial term; nothing for a discussion; a project as a lump sum", () => {
    const ipn = soton.referralTypes.find((t) => t.id === "individual-pupil-need")!;
    const r = fundingCap(soton, { cyp: 1, terms: 3, date: "2026-11-10", requested: 4000, type: ipn });
    expect(r).toMatchObject({ cap: null, award: 4000, capText: "no limit: as agreed" });
    expect(r.lines).toContain("Paid over 3 terms in equal parts: £1,333.34, £1,333.33, £1,333.33");
    const trial = fundingCap(soton, { cyp: 1, terms: 2, date: "2025-02-10", requested: 4000, type: ipn });
    expect(trial).toMatchObject({ cap: 0, award: 0, capText: "£0: trial term" });
    const typed = (id: string, requested: number, cyp = 1) =>
      fundingCap(soton, { cyp, terms: 3, date: "2026-11-10", requested, type: soton.referralTypes.find((t) => t.id === id)! });
    expect(typed("solution-focused", 500).award).toBe(0);
    const project = typed("project-based-work", 9000, 12);
    expect(project.award).toBe(9000);
    expect(project.lines.join("\n")).toMatch(/lump sum as agreed, paid to the lead school/);
    expect(project.lines.join("\n")).not.toMatch(/equal parts/);
  });

  it("splits to the penny: the parts add up to the award", () => {
    for (const [award, terms] of [
      [1000, 3],
      [0.05, 2],
      [7777.77, 3],
    ] as const) {
      const parts = splitLine(award, terms)
        .split(": ")[1]!
        .split(", ")
        .map((x) => Number(x.replace(/[£,]/g, "")));
      expect(parts).toHaveLength(terms);
      expect(Math.round(parts.reduce((a, b) => a + b, 0) * 100)).toBe(Math.round(award * 100));
    }
  });
});

describe("schema v2 refuses a model that cannot run, naming the field in words", () => {
  const raw = () => structuredClone(loadRaw("southampton"));
  it("a stage at an unknown meeting, a first stage that decides before a second, a type's alias used twice", () => {
    const r = raw();
    r.referralTypes[2].stages[0].outcome = "decide";
    r.referralTypes[0].stages[0].meeting = "panel";
    r.referralTypes[1].aliases.push("IPN");
    expect(() => parsePartnership(r, "southampton")).toThrow(/referral type "individual-pupil-need", stage 1: meeting: there is no meeting kind "panel"/);
    expect(() => parsePartnership(r, "southampton")).toThrow(/referral type "contingency", stage 1: outcome: only the last stage decides/);
    expect(() => parsePartnership(r, "southampton")).toThrow(
      /referral type "project-based-work": aliases: "ipn" also names referral type "individual-pupil-need"/,
    );
  });
  it("a school twice in clusters of one kind; an allocation without pupil numbers; a voter group that does not exist", () => {
    const r = raw();
    r.clusters[1].schools.push({ ...r.clusters[0].schools[0] });
    delete r.clusters[3].pupils;
    r.meetingKinds[1].voters.push("governors");
    expect(() => parsePartnership(r, "southampton")).toThrow(
      /cluster 2, school "Redbridge Community School": Redbridge Community School is already in cluster 1, school "Redbridge Community School", a cluster of the same kind/,
    );
    expect(() => parsePartnership(r, "southampton")).toThrow(/cluster 4: pupils: is needed to share the allocation by pupil numbers/);
    expect(() => parsePartnership(r, "southampton")).toThrow(/meeting kind "city", voters value governors: "governors" is neither/);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { packageRoot } from "../config/load.js";

function loadRaw(id: string): any {
  return parse(readFileSync(join(packageRoot(), "config", `${id}.yaml`), "utf8"));
}
