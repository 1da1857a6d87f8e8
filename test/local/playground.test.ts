import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { playgroundConfig, playgroundPeople, teamsIds, withExampleContacts } from "../../local/people.js";
import { startPlayground, type Playground } from "../../local/playground.js";
import { eligibleVoters } from "../../core/rules/votes.js";
import { partnership as hounslow } from "../helpers/tenant.js";

const p = withExampleContacts(hounslow);
const may = new Date("2023-05-02T08:30:00Z");
const dir = mkdtempSync(join(tmpdir(), "cluster-desk-pg-test-"));
let pg: Playground | undefined;
afterAll(async () => {
  await pg?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the Agents Playground's people (.m365agentsplayground.yml)", () => {
  it("signs in the cluster's SEND Cluster Lead, with five cluster people besides", () => {
    for (const c of p.clusters) {
      const { current, users } = playgroundPeople(p, c.id, { now: may });
      const lead = p.leads.find((l) => l.clusters.includes(c.id))!;
      expect(current.email).toBe(lead.email);
      expect(users).toHaveLength(5); // the Playground's schema insists on exactly five
      expect(users.map((u) => u.email)).toContain(p.partnershipLead.email);
      expect(new Set(users.map((u) => u.email)).size).toBe(5);
    }
    // Cluster 5 in May 2023: three of the five can vote at the 18 May meeting (HT rep and SENDCos).
    const voters = eligibleVoters(
      p,
      p.clusters.find((c) => c.id === 5)!,
      "2023-05-18",
      null,
    ).map((v) => v.email);
    const { users } = playgroundPeople(p, 5, { now: may });
    expect(users.filter((u) => voters.includes(u.email.toLowerCase())).length).toBeGreaterThanOrEqual(3);
    expect(users.some((u) => u.name.startsWith("Headteacher,"))).toBe(true);
  });

  it("a SENDCo can be the signed-in user; someone outside the directory cannot", () => {
    expect(playgroundPeople(p, 5, { currentUser: "senco@bolder.school.example", now: may }).current.name).toBe("SENDCo, Bolder Academy");
    expect(() => playgroundPeople(p, 5, { currentUser: "someone@elsewhere.example" })).toThrow("someone@elsewhere.example is not in the partnership directory");
    expect(() => playgroundPeople(p, 9)).toThrow("There is no cluster 9");
    // The seeds give no SENDCo or headteacher addresses: without example contacts there are too few people.
    expect(() => playgroundPeople(hounslow, 5)).toThrow("too few people");
  });

  it("ids are stable and distinct", () => {
    expect(teamsIds("Katy.Luciani@hounslow.gov.uk")).toEqual(teamsIds("katy.luciani@hounslow.gov.uk"));
    expect(teamsIds("a@x.example").id).not.toBe(teamsIds("b@x.example").id);
    expect(teamsIds("a@x.example").aadObjectId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("the Playground itself accepts the file and serves its people to the bot (no browser needed)", async () => {
    // A stand-in bot endpoint: the Playground waits for its app before answering /v1/config.
    const app = createServer((_q, r) => r.end());
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    afterAll(() => new Promise<void>((r) => app.close(() => r())));
    pg = await startPlayground({
      appEndpoint: `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/messages`,
      config: playgroundConfig(p, 5, { now: may }),
      dir,
    });
    const served = (await (await fetch(`${pg.url}/_internal/v1/config`)).json()).config;
    expect(served.currentUser).toMatchObject({ name: "Katy Luciani", email: "Katy.Luciani@hounslow.gov.uk" });
    expect(served.users).toHaveLength(5);
    expect(served.teams[0].name).toBe("MIP cluster 5");
    expect(served.teams[0].channels.map((c: { name: string }) => c.name)).toContain("Cluster 5 meetings");
    // TeamsInfo.getMember, as the bot calls it to learn who clicked, answers with the email.
    const me = teamsIds("Katy.Luciani@hounslow.gov.uk").id;
    const member = await (
      await fetch(`${pg.url}/_connector/v3/conversations/${encodeURIComponent(served.personalChat.id)}/members/${encodeURIComponent(me)}`)
    ).json();
    expect(member.email).toBe("Katy.Luciani@hounslow.gov.uk");
  });
});
