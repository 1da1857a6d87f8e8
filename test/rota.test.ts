import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parse } from "yaml";
import { loadPartnership, packageRoot, resolveConfigPath } from "../config/load.js";
import { parsePartnership } from "../core/config.js";
import { resolveRota, termDates } from "../core/rules/rota.js";
import { publishedRotas } from "./seeds.js";

const { partnership: p, warnings } = loadPartnership("hounslow-mip");
const raw = () => parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));

describe("rota resolution", () => {
  it("term dates: autumn Sep-Dec, spring to Easter Monday, summer after it", () => {
    expect(termDates("Aut 23")).toEqual({ from: "2023-09-01", to: "2023-12-31" });
    expect(termDates("Spr 24")).toEqual({ from: "2024-01-01", to: "2024-04-01" }); // Easter Monday 2024
    expect(termDates("Sum 24")).toEqual({ from: "2024-04-02", to: "2024-08-31" });
    expect(() => termDates("Autumn 2023")).toThrow(/term such as "Aut 23"/);
  });

  it("the summer 2023 dated entries give each meeting the school the launch pack names", () => {
    for (const c of p.clusters) {
      const dated = publishedRotas()
        .get(c.id)!
        .filter((r) => /\d+\/\d+\/23/.test(r.when));
      const byDate = new Map(resolveRota(p, c).assignments.map((a) => [a.meeting.date, a.school?.shortName ?? null]));
      for (const r of dated) {
        const [d, m] = r.when.split("/");
        const iso = `2023-${m!.padStart(2, "0")}-${d!.padStart(2, "0")}`;
        if (byDate.has(iso)) expect(byDate.get(iso)).toBe(r.school);
      }
    }
  });

  it("reports cluster 4: Spring Grove's 13/5/23 is not a meeting, so June has no representative", () => {
    const r = resolveRota(p, p.clusters[3]!);
    expect(r.problems.map((x) => x.kind)).toEqual(expect.arrayContaining(["not-a-meeting", "gap"]));
    expect(r.assignments.find((a) => a.meeting.date === "2023-06-13")!.school).toBeNull();
    expect(warnings.some((w) => w.path === "clusters[3].rota" && /2023-06-13 has no headteacher representative/.test(w.message))).toBe(true);
  });

  it("term entries fill that term's free meetings in date order, in the rota's order; leftovers and clashes are reported", () => {
    const r0 = raw();
    const c = r0.clusters[0];
    c.meetings.push(
      { date: "2023-10-11", start: "09:30" },
      { date: "2023-11-08", start: "09:30" },
      { date: "2023-12-06", start: "09:30" },
      { date: "2024-01-17", start: "09:30" },
    );
    c.rota.push({ school: "Bedfont", when: "2023-11-08" }); // takes November; the term fills the rest
    c.rota.push({ school: "Cardinal Road", when: "2023-05-17" }); // clashes with Victoria
    const p2 = parsePartnership(r0).partnership;
    const r = resolveRota(p2, p2.clusters[0]!);
    const by = Object.fromEntries(r.assignments.map((a) => [a.meeting.date, [a.school?.shortName ?? null, a.source]]));
    expect(by["2023-10-11"]).toEqual(["Rivers", "term"]);
    expect(by["2023-11-08"]).toEqual(["Bedfont", "date"]);
    expect(by["2023-12-06"]).toEqual(["Southville", "term"]);
    expect(by["2024-01-17"]).toEqual(["Logic Studio", "term"]);
    const messages = r.problems.map((x) => `${x.kind}: ${x.message}`);
    expect(messages).toContain("unplaced: Springwest is rostered for Aut 23, but all 3 cluster 1 meeting(s) that term already have a representative.");
    expect(messages).toContain("clash: Cardinal Road and Victoria are both rostered for the cluster 1 meeting on 2023-05-17.");
    expect(messages).toContain("unplaced: Oak Hill is rostered for Spr 24, but all 1 cluster 1 meeting(s) that term already have a representative.");
  });

  it("cluster-desk rota --cluster 4", () => {
    const r = spawnSync(process.execPath, [join(packageRoot(), "bin", "cluster-desk.mjs"), "rota", "--cluster", "4"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.meetings.map((m: any) => [m.date, m.htRep])).toEqual([
      ["2023-05-16", "Wellington Primary School"],
      ["2023-06-13", null],
      ["2023-07-11", "Nishkam School West London"],
    ]);
    expect(j.problems.map((x: any) => x.kind)).toContain("gap");
    const bad = spawnSync(process.execPath, [join(packageRoot(), "bin", "cluster-desk.mjs"), "rota", "--cluster", "9"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/there is no cluster 9/);
  });
});
