/**
 * The lead's work with schools (issue 33) on fakes: reading `contact <school> <kind> [date]`, who
 * may record what, seed 001's engagement table (a school counts once per measure however many
 * contacts it had), the schools not yet engaged, and that list sent to each lead once a term.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { loadPartnership } from "../../config/load.js";
import { engagementTable, notEngaged, readContact, partnershipSchools } from "../../core/rules/engagement.js";
import { mayRecordContact, notEngagedText, recordContact, runEngagementReminders, type EngagementDeps } from "../../core/usecases/engagement.js";
import { termsFor } from "../../core/rules/planner.js";
import type { StoredCase } from "../../core/ports.js";
import { FakeCases, FakeKv, FakeMailer } from "../fakes/teams.js";
import { FakeAttendance } from "../fakes/calendar.js";
import { FakeEngagement } from "../fakes/records.js";

const hounslow = loadPartnership("hounslow-mip").partnership;
const NF = "nikita.fernandes@hounslow.gov.uk"; // cluster 1
const KL = "katy.luciani@hounslow.gov.uk"; // clusters 4 and 5
const TODAY = "2026-12-02";
const asNF = (text: string) => readContact(hounslow, text, TODAY, (c) => mayRecordContact(hounslow, NF, c));

describe("reading a contact", () => {
  it("a school as subject lines name it, a kind by its id (words for hyphens), the day (today unless given)", () => {
    expect(asNF("bedfont informal")).toEqual({ ok: true, record: { school: "Bedfont Primary School", clusterId: 1, kind: "informal", date: TODAY } });
    expect(asNF("Bedfont Primary School form support 2026-11-30")).toMatchObject({ ok: true, record: { kind: "form-support", date: "2026-11-30" } });
    expect(asNF("bedfont 4a yesterday")).toMatchObject({ ok: true, record: { kind: "4a", date: "2026-12-01" } });
  });

  it("says what is wrong: a kind not on the list (and the list), a day to come, a school of another cluster, a school that is not there", () => {
    expect(asNF("bedfont chat")).toMatchObject({ ok: false, message: expect.stringContaining("**informal** (Contacted the SCL to informally discuss cases)") });
    expect(asNF("bedfont informal 2026-12-25")).toMatchObject({ ok: false, message: expect.stringContaining("not before") });
    expect(asNF("bedfont informal 2026-02-30")).toMatchObject({ ok: false, message: expect.stringContaining("not a date") });
    expect(asNF("worple informal")).toMatchObject({
      ok: false,
      message: "Worple Primary School is not a school of your clusters, so its contacts are its own lead's to record.",
    });
    expect(asNF("nowhere academy informal")).toMatchObject({
      ok: false,
      message: expect.stringContaining('No school of the partnership is called "nowhere academy"'),
    });
    // The partnership lead may record any school's.
    const lead = hounslow.partnershipLead.email;
    expect(readContact(hounslow, "worple visit", TODAY, (c) => mayRecordContact(hounslow, lead, c))).toMatchObject({ ok: true, record: { clusterId: 5 } });
  });
});

const sc = (fields: Partial<StoredCase["fields"]> & { Title: string }): StoredCase["fields"] => ({
  Status: "Accepted",
  Cluster: 1,
  ReceivedAt: "2023-05-02T09:00:00Z",
  ...fields,
});

describe("the engagement table and the schools not engaged", () => {
  let contacts: FakeEngagement;
  let cases: FakeCases;
  let attendance: FakeAttendance;
  let d: EngagementDeps;
  beforeEach(() => {
    contacts = new FakeEngagement();
    cases = new FakeCases();
    attendance = new FakeAttendance();
    d = {
      partnership: hounslow,
      engagement: contacts,
      cases,
      attendance,
      log: { info: () => {}, warn: () => {} },
      now: () => new Date("2023-07-21T09:00:00Z"),
    };
  });

  it("counts each school once per measure, of the partnership's 71 schools; forms and awards from the register; attendance by month", async () => {
    const at = "2023-06-01T09:00:00Z";
    await contacts.record({ school: "Bedfont Primary School", clusterId: 1, kind: "informal", date: "2023-05-03", by: NF }, at);
    await contacts.record({ school: "Bedfont Primary School", clusterId: 1, kind: "informal", date: "2023-06-07", by: NF }, at);
    await contacts.record({ school: "Cardinal Road Infant and Nursery School", clusterId: 1, kind: "informal", date: "2023-05-04", by: NF }, at);
    await contacts.record({ school: "Bedfont Primary School", clusterId: 1, kind: "visit", date: "2023-03-01", by: NF }, at); // spring: not counted
    cases.add(
      sc({ Title: "C1-2023-0001", School: "Bedfont Primary School", Status: "Decided", Decision: "Agree to fund", DecisionAt: "2023-05-18T14:00:00Z" }),
    );
    cases.add(sc({ Title: "C1-2023-0002", School: "Bedfont Primary School" }));
    cases.add(sc({ Title: "C1-2023-0003", School: "Edward Pauling Primary School", Status: "Quarantined" }));
    const c1 = hounslow.clusters.find((c) => c.id === 1)!;
    await attendance.record(
      c1.schools.map((s, i) => ({ clusterId: 1, date: "2023-05-18", school: s.name, attended: i < 10 })),
      NF,
      at,
    );
    const t = engagementTable(
      hounslow,
      { from: "2023-04-24", to: "2023-08-31" },
      await contacts.between("2023-01-01", "2023-12-31"),
      [...cases.items.values()],
      await attendance.between("2023-04-24", "2023-08-31"),
    );
    expect(t.schools).toBe(71);
    expect(partnershipSchools(hounslow).size).toBe(71);
    const by = Object.fromEntries(t.measures.map((m) => [m.id, m.schools]));
    expect(t.measures.map((m) => m.id)).toEqual([
      "familiarity",
      "information",
      "informal",
      "form-support",
      "form-submitted",
      "presentation-support",
      "presented-awarded",
      "visit",
    ]);
    expect(by).toEqual({
      familiarity: 0,
      information: 0,
      informal: 2,
      "form-support": 0,
      "form-submitted": 1,
      "presentation-support": 0,
      "presented-awarded": 1,
      visit: 0,
    });
    expect(t.measures.find((m) => m.id === "informal")!.pct).toBe(2.8);
    expect(t.attendance).toEqual([{ month: "2023-05", label: "May", schools: 10, of: 14, pct: 71.4 }]);

    const ne = notEngaged(
      hounslow,
      [1],
      await contacts.between("2022-08-01", "2023-07-21"),
      [...cases.items.values()],
      await attendance.between("2022-08-01", "2023-07-21"),
    );
    // 10 attended; Cardinal Road (a contact) is among them; Edward Pauling's form was quarantined but its SENDCo attended.
    expect(ne.schools.map((s) => s.name)).toEqual(
      c1.schools
        .slice(10)
        .map((s) => s.name)
        .sort(),
    );
    expect(ne.engagedPct).toBe(Math.round((10 / 71) * 100));
    const text = await notEngagedText(d, [1]);
    expect(text).toContain("**Cluster 1**: ");
    expect(text).toContain(`Across the partnership, ${ne.engagedPct}% of schools have engaged`);
  });

  it("recording a contact twice keeps one row and says so", async () => {
    d.now = () => new Date(`${TODAY}T10:00:00Z`);
    expect(await recordContact(d, NF, "bedfont informal")).toBe(
      "Recorded: Bedfont Primary School (Cluster 1), contacted the SCL to informally discuss cases, Wednesday 2 December 2026.",
    );
    expect(await recordContact(d, NF, "bedfont informal")).toMatch(/^Already recorded: /);
    expect(contacts.rows).toHaveLength(1);
    expect(await recordContact(d, KL, "bedfont informal")).toContain("not a school of your clusters");
  });

  it("at the start of each term each lead gets her schools not yet engaged once; not later in the term", async () => {
    const kv = new FakeKv();
    const mailer = new FakeMailer();
    const autumn = termsFor(hounslow, "2026-27").terms[0]!.start;
    d.now = () => new Date(`${autumn}T08:00:00Z`);
    const run = () => runEngagementReminders({ ...d, kv, mailer });
    expect((await run()).sent).toEqual(hounslow.leads.map((l) => l.initials));
    expect((await run()).sent).toEqual([]);
    const kl = mailer.to(KL);
    expect(kl).toHaveLength(1);
    expect(kl[0]!.subject).toBe(`Schools not yet engaged: autumn term ${autumn.slice(0, 4)}`);
    // In September it counts from the year just ended (seed 001: "SCLs to prioritise contacting these schools in September").
    expect(kl[0]!.body).toContain("since Friday 1 August 2025");
    expect(kl[0]!.body).toContain("Cluster 4: ");
    d.now = () => new Date("2026-10-20T08:00:00Z");
    expect((await runEngagementReminders({ ...d, kv: new FakeKv(), mailer })).sent).toEqual([]);
  });
});
