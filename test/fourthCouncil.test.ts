/**
 * A fourth council configured from the docs alone (issue 32): the example in docs/config.md, read
 * from the guide itself, validates, plans a year, takes in a form and decides it by a vote, as the
 * guide's five steps say. If the guide's example stops working, this fails.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePartnershipYaml } from "../config/load.js";
import { planYear, publishedMeetings } from "../core/rules/planner.js";
import { withPublishedMeetings, meetingsOf } from "../core/rules/schedule.js";
import { checkSubject } from "../core/rules/subject.js";
import { decideMail } from "../core/rules/mailRules.js";
import { composeReply } from "../core/rules/replies.js";
import { decide, tally } from "../core/rules/votes.js";
import { fromLocal } from "../core/rules/time.js";
import { run } from "../cli/main.js";

const guide = readFileSync("docs/config.md", "utf8");
const yaml = /```yaml\n([\s\S]*?)```/.exec(guide)![1]!;

describe("a new council's first config, from docs/config.md alone", () => {
  it("validates, plans 2026-27 in term time, reads a subject line, takes a form and decides it", async () => {
    const { partnership: p, warnings } = parsePartnershipYaml(yaml, "docs/config.md");
    expect(p.id).toBe("example-borough");
    expect(warnings.filter((w) => !/sender|address|SENDCo|headteacher/i.test(w.message))).toEqual([]);
    // Step 3: the year's meetings, six a cluster at the half-termly cadence.
    const plan = planYear(p, "2026-27");
    expect(plan.meetings.filter((m) => m.clusterId === 1)).toHaveLength(6);
    const q = withPublishedMeetings(p, publishedMeetings(plan));
    // Step 4: the example subject line is read as the guide says.
    expect(checkSubject(q, "Cluster 1/AB/Oak Primary School")).toMatchObject({ ok: true, clusterId: 1, school: { name: "Oak Primary School" } });
    // A form in time for cluster 1's first meeting: accepted, and the reply names the meeting.
    const m = meetingsOf(q, q.clusters[0]!)[0]!;
    const d = decideMail(q, {
      subject: "Cluster 1/AB/Oak Primary School",
      from: { address: "senco@oak.example-borough.sch.uk" },
      receivedAt: fromLocal(m.deadline.date, "09:00"),
      internetMessageId: "<1@oak>",
      headers: [],
      attachments: [
        { name: "form.docx", contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", size: 30_000, isInline: false },
      ],
    });
    expect(d.outcome).toBe("accepted");
    expect(composeReply(q, d, { caseRef: "C1-2026-0001" }).body).toContain(`provisionally listed for the cluster 1 meeting`);
    // The vote: three agree, a group of four for two terms asking £9,000: the limit is £1,000 × 2 terms.
    const dec = decide(q, tally([{ choice: "agree" }, { choice: "agree" }, { choice: "agree" }]), { cyp: 4, terms: 2, meetingDate: m.date, panelAmount: 9000 });
    expect(dec).toMatchObject({ decision: "Agree to fund", award: 2000 });
    // Step 2 on the command line, on a file written from the guide.
    const file = join(mkdtempSync(join(tmpdir(), "cd-fourth-")), "my-council.yaml");
    writeFileSync(file, yaml);
    const out: string[] = [];
    expect(await run(["validate-config", file], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    expect(JSON.parse(out.join("\n"))).toMatchObject({ ok: true, partnership: "example-borough" });
  });
});
