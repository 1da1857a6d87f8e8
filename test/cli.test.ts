import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { packageRoot } from "../config/load.js";

// Runs the real command as a user would (the test script builds dist/ first).
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(packageRoot(), "bin", "cluster-desk.mjs"), ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

describe("cluster-desk CLI", () => {
  it("check-subject: JSON, exit 0 when the subject is right", () => {
    const r = cli("check-subject", "RE: Cluster 5/KL/Isleworth Town Primary School");
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, clusterId: 5, school: { name: "Isleworth Town Primary School" } });
  });

  it("check-subject: exit 1 with the problems when it is wrong", () => {
    const r = cli("check-subject", "Cluster 4/KL/Isleworth Town Primary School");
    expect(r.code).toBe(1);
    expect(r.json().problems[0].code).toBe("school-in-other-cluster");
  });

  it("assign: outcome, cluster, lead, school, meeting, deadline, ackDueBy, reasons", () => {
    const r = cli("assign", "--subject", "Cluster 2/SY/Orchard", "--sender", "senco@orchard.example", "--received", "2023-06-07T12:00:00+01:00");
    expect(r.code).toBe(0);
    const j = r.json();
    expect(Object.keys(j)).toEqual(expect.arrayContaining(["outcome", "cluster", "lead", "school", "meeting", "deadline", "ackDueBy", "reasons"]));
    expect(j).toMatchObject({
      outcome: "accepted",
      cluster: 2,
      lead: { initials: "SY" },
      school: { name: "Orchard Primary School" },
      meeting: { date: "2023-06-13" },
      deadline: { date: "2023-06-07", time: "12:00" },
      ackDueBy: "2023-06-14",
    });
  });

  it("assign: a London time without an offset", () => {
    const j = cli("assign", "--subject", "Cluster 2/SY/Orchard", "--sender", "a@b.example", "--received", "2023-06-07T12:01").json();
    expect(j).toMatchObject({ outcome: "late", receivedAt: "2023-06-07T11:01:00.000Z", meeting: { date: "2023-07-11" } });
  });

  it("assign: bad input exits 2 with a clear message", () => {
    let r = cli("assign", "--subject", "Cluster 2/SY/Orchard", "--sender", "a@b.example", "--received", "yesterday");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--received: "yesterday" is not a date and time; use ISO 8601/);
    expect(r.stdout).toBe("");
    r = cli("assign", "--subject", "x", "--sender", "nobody", "--received", "2023-06-07T12:01");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"nobody" is not an email address/);
    r = cli("assign", "--sender", "a@b.example", "--received", "2023-06-07T12:01");
    expect(r.stderr).toMatch(/--subject is required/);
  });

  it("funding: the cap and the calculation", () => {
    const r = cli("funding", "--cyp", "7", "--terms", "3", "--date", "2024-01-10", "--requested", "£11,000");
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ cap: 10500, award: 10500, band: { label: "Large Group (7+ CYP)" } });
    const bad = cli("funding", "--cyp", "three", "--terms", "1", "--date", "2024-01-10");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cyp must be a whole number, not "three"/);
    expect(cli("funding", "--cyp", "2", "--terms", "4", "--date", "2024-01-10").stderr).toMatch(/from 1 to 3/);
  });

  it("validate-config: the Hounslow config with its warnings", () => {
    const r = cli("validate-config");
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, partnership: "hounslow-mip", clusters: 6, schools: 71, meetings: 18 });
    expect(r.json().warnings.length).toBeGreaterThan(0);
  });

  it("validate-config: Sutton's and Southampton's configs; allocation and funding by referral type", () => {
    expect(cli("validate-config", "sutton").json()).toMatchObject({ ok: true, partnership: "sutton", clusters: 12, schools: 55 }); // distinct schools: each is in an SP and a CP cluster
    expect(cli("validate-config", "southampton").json()).toMatchObject({ ok: true, partnership: "southampton", clusters: 7, schools: 67 });
    const a = cli("allocation", "--config", "southampton", "--year", "2026-27", "--total", "£420,000");
    expect(a.code).toBe(0);
    expect(a.json()).toMatchObject({ total: 420000, contingency: 42000, shared: 378000, pupils: 32719 });
    expect(a.json().clusters.reduce((n: number, c: { amount: number }) => n + c.amount, 0)).toBe(378000);
    expect(cli("allocation", "--config", "southampton", "--year", "2026-27").stderr).toMatch(/no total funding is set for 2026-27/);
    expect(cli("allocation", "--year", "2026-27").stderr).toMatch(/does not share a total by pupil numbers/);
    // Shared in whole pounds: 50p cannot be shared (it once allocated £1 of it).
    const half = cli("allocation", "--config", "southampton", "--year", "2026-27", "--total", "0.5");
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--total is shared in whole pounds: give at least £1 and no pence, not "0.5"/);
    const f = cli(
      "funding",
      "--config",
      "southampton",
      "--cyp",
      "1",
      "--terms",
      "3",
      "--date",
      "2026-11-10",
      "--requested",
      "4000",
      "--type",
      "individual-pupil-need",
    );
    expect(f.json()).toMatchObject({ cap: null, award: 4000, capText: "no limit: as agreed" });
    expect(cli("funding", "--config", "southampton", "--cyp", "1", "--terms", "1", "--date", "2026-11-10", "--type", "ipn").stderr).toMatch(
      /no referral type "ipn"/,
    );
  });

  it("form-template writes the form; read-form prints what a .docx or .pdf gives, exit 1 when it cannot be read, 2 for bad input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cd-form-"));
    const out = join(dir, "form.docx");
    let r = cli("form-template", "--config", "sutton", "--out", out);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, out, partnership: "sutton" });
    r = cli("read-form", out);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ source: "content-controls", fields: { consentConfirmed: false }, answered: [] });
    const { pdfOf } = await import("./helpers/forms.js");
    writeFileSync(join(dir, "old.pdf"), await pdfOf(["Number of CYP: 4", "Terms sought: 3"]));
    r = cli("read-form", join(dir, "old.pdf"));
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ source: "text", fields: { cypCount: 4, termsSought: 3 } });
    writeFileSync(join(dir, "junk.docx"), "not a zip");
    r = cli("read-form", join(dir, "junk.docx"));
    expect(r.code).toBe(1);
    expect(r.json().error).toMatch(/^could not read the form/);
    expect(cli("read-form", join(dir, "notes.txt")).code).toBe(2);
    expect(cli("read-form", join(dir, "missing.docx")).stderr).toMatch(/no file/);
    expect(cli("form-template", "--out", join(dir, "form.pdf")).code).toBe(2);
  });

  it("report: a term it cannot read, an unknown format, and a file format without --out exit 2 before reading anything", () => {
    expect(cli("report", "--term", "summer 23").stderr).toMatch(/"summer 23" is not a term: write it like autumn-2026/);
    expect(cli("report", "--term", "summer-2023", "--format", "docx").stderr).toMatch(/--format must be one of html, pdf, xlsx, csv, json/);
    expect(cli("report", "--term", "summer-2023", "--format", "pdf").stderr).toMatch(/--format pdf writes a file: give --out FILE/);
    expect(cli("report").stderr).toMatch(/give --term \(e\.g\. summer-2023\) or --from and --to/);
    expect(cli("report", "--term", "summer 23").code).toBe(2);
  });

  it("validate-config: a broken file exits 1 naming the field", () => {
    const raw = parse(readFileSync(join(packageRoot(), "config", "hounslow-mip.yaml"), "utf8"));
    raw.leads[2].email = "katy at hounslow";
    const file = join(mkdtempSync(join(tmpdir(), "cd-")), "broken.yaml");
    writeFileSync(file, stringify(raw));
    const r = cli("validate-config", file);
    expect(r.code).toBe(1);
    // In words: the lead's initials, not a zero-based index.
    expect(r.stderr).toMatch(/broken\.yaml is not valid:\n\s+lead KL: email: must be an email address/);
    expect(cli("validate-config", "/no/such.yaml").stderr).toMatch(/no such file/);
  });

  it("plan-year: the year's proposed meetings as JSON; a bad year exits 2; the doctor exits 1 with what blocks the next cycle", () => {
    const r = cli("plan-year", "--year", "2026-27", "--cluster", "1");
    expect(r.code).toBe(0);
    const plan = r.json();
    expect(plan).toMatchObject({ proposed: true, year: "2026-27", termSource: "default-england", cadence: "monthly" });
    expect(plan.meetings.length).toBeGreaterThanOrEqual(9);
    expect(plan.meetings.every((m: { clusterId: number; start: string }) => m.clusterId === 1 && m.start === "09:30")).toBe(true);
    const bad = cli("plan-year", "--year", "2026");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"2026" is not an academic year: write it like 2026-27');
    const env = { ...process.env, CLUSTER_DESK_DATA: mkdtempSync(join(tmpdir(), "cd-doctor-")), SHAREPOINT_SITE: "" };
    const doc = spawnSync(process.execPath, [join(packageRoot(), "bin", "cluster-desk.mjs"), "doctor", "--today", "2026-11-23"], { encoding: "utf8", env });
    expect(doc.status).toBe(1);
    expect(JSON.parse(doc.stdout).blocking.map((f: { where: string }) => f.where)).toContain("fundingPolicies");
  });

  it("meetings and help; an unknown command exits 2", () => {
    const m = cli("meetings", "--cluster", "3").json();
    expect(m).toHaveLength(3);
    expect(m[1]).toMatchObject({ cluster: "Cluster 3", meeting: "Wednesday 14 June 2023, 2pm", deadline: "Wednesday 7 June 2023, 12 noon" });
    // Sutton's: its clusters as Sutton names them, and its two conferences (seed 003).
    const sutton = cli("meetings", "--config", "sutton").json();
    expect(sutton.some((x: { cluster?: string }) => x.cluster === "CP 5")).toBe(true);
    expect(sutton.filter((x: { meetingOf?: string }) => x.meetingOf === "Conference (all clusters)").map((x: { meeting: string }) => x.meeting)).toEqual([
      "Tuesday 22 September 2020, 1:30pm",
      "Tuesday 13 July 2021, 1:30pm",
    ]);
    expect(cli("help").stdout).toMatch(/check-subject/);
    const u = cli("frobnicate");
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown command "frobnicate"/);
    expect(cli("check-subject", "--nope", "x").code).toBe(2);
  });
});
