/**
 * The school directory: a GIAS establishment extract (real column names, Windows-1252 as GIAS
 * serves it) matched to the clusters, and the Schools list laid over the config.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readGiasCsv } from "../config/gias.js";
import { packageRoot } from "../config/load.js";
import { matchGias, withDirectory, DirectoryInputError } from "../core/rules/directory.js";
import { decideMail } from "../core/rules/mailRules.js";
import { fromLocal } from "../core/rules/time.js";
import { loadPartnership } from "../config/load.js";

const p = loadPartnership("hounslow-mip").partnership;

const extract = join(packageRoot(), "test", "fixtures", "gias", "edubase-hounslow-extract.csv");

describe("GIAS import", () => {
  it("matches open establishments of the LA to the clusters' schools by name and alias, and reports the rest", () => {
    const m = matchGias(p, readGiasCsv(extract), "313");
    expect(m.matched.map((e) => [e.urn, e.name, e.clusterId, e.phase])).toEqual([
      ["102500", "Isleworth Town Primary School", 5, "primary"],
      ["102501", "Worple Primary School", 5, "primary"],
      ["146001", "Bolder Academy", 5, "secondary"],
      ["102522", "St Mary's Catholic Primary School Isleworth", 5, "primary"], // GIAS's ’ (0x92) read as an apostrophe
      ["139000", "Reach Academy Feltham", 1, "all-through"],
      ["102550", "Chiswick School", 6, "secondary"], // "Open, but proposed to close" is open
    ]);
    expect(m.matched.find((e) => e.urn === "102500")!.website).toBe("isleworthtown.hounslow.sch.uk");
    expect(m.matched.find((e) => e.urn === "146001")!.website).toBe("bolderacademy.co.uk");
    // Each by name: the new free school and a misspelt one are in no cluster; the closed ones were skipped.
    expect(m.notInAnyCluster.map((x) => x.name)).toEqual(["A New Free School Not In Any Cluster", "Bedfont Primary Schol"]);
    expect(m.skippedNotOpen).toEqual([
      { urn: "102599", name: "Old Closed Primary School", status: "Closed" },
      { urn: "102601", name: "Cardinal Road Infant and Nursery School", status: "Closed" },
    ]); // Camden's Worple is another LA
    // A config school not found names what it may be written as, and says when GIAS has it closed.
    expect(m.notFound).toContainEqual({ clusterId: 1, school: "Bedfont Primary School", near: ["Bedfont Primary Schol"], closed: null });
    expect(m.notFound).toContainEqual({
      clusterId: 1,
      school: "Cardinal Road Infant and Nursery School",
      near: [],
      closed: { urn: "102601", name: "Cardinal Road Infant and Nursery School", status: "Closed" },
    });
    expect(m.notFound.length).toBe(p.clusters.reduce((n, c) => n + c.schools.length, 0) - 6);
  });

  it("says what is wrong with a file that is not an extract, or an LA with no rows", () => {
    expect(() => matchGias(p, [{ Name: "x" }], "313")).toThrow(DirectoryInputError);
    expect(() => matchGias(p, [{ Name: "x" }], "313")).toThrow(
      /no "URN", "LA \(code\)", "EstablishmentName".* column\(s\): is it a GIAS establishment extract/,
    );
    expect(() => matchGias(p, readGiasCsv(extract), "999")).toThrow("no establishment in the CSV has LA (code) 999");
  });
});

describe("the Schools list over the config", () => {
  it("a school's domains from the list turn the sender check on for mail; addresses come from it too", () => {
    const at = fromLocal("2023-05-02", "10:00");
    const facts = (from: string) => ({
      subject: "Cluster 5/KL/Isleworth Town Primary School",
      from: { address: from },
      receivedAt: at,
      internetMessageId: "<a@b>",
      headers: [],
      attachments: [{ name: "form.pdf", contentType: "application/pdf", size: 10, isInline: false }],
    });
    expect(decideMail(p, facts("someone@gmail.example")).outcome).toBe("accepted"); // no domains known: the check is off
    const listed = withDirectory(p, [
      {
        name: "Isleworth Town Primary School",
        clusterId: 5,
        emailDomains: ["isleworthtown.hounslow.sch.uk"],
        sendcoEmail: "senco@isleworthtown.hounslow.sch.uk",
        headteacherEmail: null,
      },
    ]);
    expect(decideMail(listed, facts("senco@isleworthtown.hounslow.sch.uk")).outcome).toBe("accepted");
    expect(decideMail(listed, facts("someone@gmail.example")).outcome).toBe("quarantined");
    const school = listed.clusters.find((c) => c.id === 5)!.schools.find((s) => s.name === "Isleworth Town Primary School")!;
    expect(school).toMatchObject({ sendcoEmail: "senco@isleworthtown.hounslow.sch.uk", emailDomains: ["isleworthtown.hounslow.sch.uk"] });
  });
});
