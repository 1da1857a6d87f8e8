import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadPartnership, resolveConfigPath } from "../config/load.js";
import { parsePartnership } from "../core/config.js";
import { assess, IntakeInputError, parseSender } from "../core/rules/intake.js";
import { fromLocal } from "../core/rules/time.js";

const { partnership: p } = loadPartnership("hounslow-mip");
const form = (subject: string, at: Date, sender = "sendco@isleworthtown.example") => assess(p, { subject, sender, receivedAt: at });

describe("intake assessment", () => {
  it("accepts a form in time: meeting, deadline and acknowledgement date", () => {
    const r = form("Cluster 5/KL/Isleworth Town Primary School", fromLocal("2023-05-02", "10:15"));
    expect(r).toMatchObject({
      outcome: "accepted",
      cluster: 5,
      lead: { initials: "KL" },
      school: { name: "Isleworth Town Primary School", phase: "primary" },
      meeting: { date: "2023-05-18", start: "14:00", description: "cluster 5 meeting, Thursday 18 May 2023, 2pm" },
      deadline: { date: "2023-05-03", time: "16:00", source: "published" },
      missedDeadline: null,
      ackDueBy: "2023-05-10",
    });
    expect(r.reasons[0]).toMatch(/before the deadline of Wednesday 3 May 2023, 4pm/);
  });

  it("a late form goes to the next meeting and says which", () => {
    const r = form("Cluster 5/KL/Isleworth Town Primary School", fromLocal("2023-05-03", "16:01"));
    expect(r).toMatchObject({
      outcome: "late",
      meeting: { date: "2023-06-15" },
      missedDeadline: { date: "2023-05-03" },
      deadline: { date: "2023-06-07", time: "12:00" },
    });
    expect(r.reasons[0]).toMatch(/listed for the cluster 5 meeting, Thursday 15 June 2023, 2pm/);
  });

  it("late for the last published meeting: listed when the next dates are published", () => {
    const r = form("Cluster 6/GV/Chiswick School", fromLocal("2023-06-29", "09:00"));
    expect(r).toMatchObject({ outcome: "late", meeting: null, missedDeadline: { date: "2023-06-28" } });
    expect(r.ackDueBy).toBe("2023-07-06");
    expect(r.reasons[0]).toMatch(/no later cluster 6 meeting is published yet/);
  });

  it("a bad subject line needs attention, with the reason and the subject to use", () => {
    const r = form("Cluster 4/KL/Isleworth Town Primary School", fromLocal("2023-05-02", "10:15"));
    // The school is known, so the case is its own cluster's (5), for the meeting it would go to.
    expect(r).toMatchObject({
      outcome: "needs-attention",
      cluster: 5,
      lead: { initials: "KL" },
      meeting: { clusterId: 5, date: "2023-05-18" },
      ackDueBy: "2023-05-10",
      expectedSubject: "Cluster 5/KL/Isleworth Town Primary School",
    });
    expect(r.reasons).toEqual([expect.stringMatching(/is in cluster 5, not cluster 4/)]);
  });

  it("no meeting published after the form: the SCL confirms the meeting", () => {
    const r = form("Cluster 1/NF/Bedfont Primary School", fromLocal("2023-08-01", "09:00"));
    expect(r).toMatchObject({ outcome: "needs-attention", meeting: null, ackDueBy: "2023-08-08" });
  });

  it("quarantines senders outside the configured school domains, when domains are configured", () => {
    const raw = parse(readFileSync(resolveConfigPath("hounslow-mip"), "utf8"));
    raw.clusters[4].schools[5].emailDomains = ["isleworthtown.hounslow.sch.uk"];
    const { partnership: withDomains } = parsePartnership(raw);
    const at = fromLocal("2023-05-02", "10:15");
    const subject = "Cluster 5/KL/Isleworth Town Primary School";
    expect(assess(withDomains, { subject, sender: "SENDCo <senco@isleworthtown.hounslow.sch.uk>", receivedAt: at }).outcome).toBe("accepted");
    const stranger = assess(withDomains, { subject, sender: "someone@gmail.example", receivedAt: at });
    expect(stranger).toMatchObject({ outcome: "quarantined", ackDueBy: null, meeting: null });
    expect(stranger.reasons[0]).toMatch(/gmail\.example is not one of the partnership's school domains/);
  });

  it("refuses input that is not an email or an instant", () => {
    expect(() => parseSender("not an address")).toThrow(IntakeInputError);
    expect(parseSender("Jo Bloggs <Jo.Bloggs@School.Example>")).toEqual({ address: "Jo.Bloggs@School.Example", domain: "school.example" });
    expect(() => assess(p, { subject: "x", sender: "a@b.example", receivedAt: new Date("nope") })).toThrow(/not a valid instant/);
  });
});
