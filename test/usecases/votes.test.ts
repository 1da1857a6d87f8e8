/**
 * Votes never jam (core/usecases/votes.ts against in-memory fakes): a vote is open only once its
 * card is posted; a failed post says why and leaves nothing open, so a retry works; the SCL can
 * cancel an open vote and open it again.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { runVote, type VoteCardData, type VoteDeps, type VotePoster } from "../../core/usecases/votes.js";
import { eligibleVoters } from "../../core/rules/votes.js";
import { FakeKv, FakeAudit, FakeCards, FakeCases, FakeMailer, FakeTeams, FakeVotes } from "../fakes/teams.js";
import { loadPartnership } from "../../config/load.js";

const hounslow = loadPartnership("hounslow-mip").partnership;
import { withExampleContacts } from "../../local/people.js";

// Example SENDCo and headteacher addresses (the seeds give none), as the local stack uses.
const p = withExampleContacts(hounslow);

const KL = "katy.luciani@hounslow.gov.uk";
const ref = "C5-2023-0001";
const channel = JSON.stringify({ conversation: { id: "19:cluster-5" } });
let d: VoteDeps;
let posted: { to: string; card: VoteCardData }[];
let failNext: string | null;
let teams: FakeTeams;

beforeEach(() => {
  const cases = new FakeCases();
  cases.add({
    Title: ref,
    Status: "On agenda",
    Cluster: 5,
    School: "Worple Primary School",
    SenderEmail: "senco@worple.example",
    MeetingDate: "2023-05-18T13:00:00Z",
    CaseType: "Group",
    CypCount: 5,
    TermsSought: 2,
    AmountRequested: 4500,
  });
  posted = [];
  failNext = null;
  teams = new FakeTeams();
  teams.channels.set(5, channel);
  const poster: VotePoster = {
    canPostElsewhere: true,
    post: async (to, card) => {
      if (failNext) {
        const reason = failNext;
        failNext = null;
        throw new Error(reason);
      }
      posted.push({ to, card });
      return `activity-${posted.length}`;
    },
    update: async (to, _id, card) => void posted.push({ to, card }),
  };
  d = {
    partnership: p,
    cases,
    mailer: new FakeMailer(),
    kv: new FakeKv(),
    audit: new FakeAudit().write,
    cards: new FakeCards(new Set()),
    log: { info: () => {}, warn: () => {} },
    now: () => new Date("2023-05-18T13:10:00Z"),
    votes: new FakeVotes(),
    teams,
    poster,
  };
});
const click = (verb: string, by: string, extra: Record<string, unknown> = {}) =>
  runVote(d, { verb, caseRef: ref, by, teamsUserId: by, here: JSON.stringify({ conversation: { id: "a:chat" } }), hereId: "a:chat", ...extra });

describe("votes never jam", () => {
  it("a failed post opens nothing and says why; the retry opens the vote", async () => {
    failNext = "Conversation not found.";
    const first = await click("vote.open", KL);
    expect(first).toMatchObject({ show: "triage", ok: false });
    expect(first.show === "triage" && first.message).toContain(
      "could not be posted in cluster 5's channel (Conversation not found.). No vote was opened: try again",
    );
    expect(await teams.voteSession(ref)).toBeNull();
    const again = await click("vote.open", KL);
    expect(again).toMatchObject({ show: "triage", ok: true, message: "Vote opened in cluster 5's channel." });
    expect(posted.map((x) => x.to)).toEqual([channel]);
    expect(await teams.voteSession(ref)).toMatchObject({ status: "open", posted: { ref: channel, activityId: "activity-1" } });
    // A third click is "already open", with no second card.
    expect(await click("vote.open", KL)).toMatchObject({ message: `The vote on ${ref} is already open.` });
    expect(posted).toHaveLength(1);
  });

  it("the SCL cancels an open vote: its votes go, the channel card says so, and a new vote can be opened", async () => {
    await click("vote.open", KL);
    const voter = eligibleVoters(
      p,
      p.clusters.find((c) => c.id === 5)!,
      "2023-05-18",
      "Worple Primary School",
    )[0]!.email;
    await click("vote.cast", voter, { choice: "agree" });
    expect(await d.votes.votes(ref)).toHaveLength(1);
    expect(await click("vote.cancel", voter)).toMatchObject({ show: "error", title: `You cannot cancel the vote on ${ref}` });
    const cancelled = await click("vote.cancel", KL);
    expect(cancelled.show === "vote" && cancelled.card.state).toMatch(/^Closed: cancelled by Katy Luciani/);
    expect(posted.at(-1)!.card.state).toMatch(/cancelled/);
    expect(await d.votes.votes(ref)).toEqual([]);
    expect(await teams.voteSession(ref)).toBeNull();
    expect(await click("vote.open", KL)).toMatchObject({ message: "Vote opened in cluster 5's channel." });
  });

  it("the card shows school, case type, CYP, terms, amount requested and the limit", async () => {
    await click("vote.open", KL);
    expect(posted[0]!.card).toMatchObject({ school: "Worple Primary School", caseType: "Group", cyp: "5", terms: "2", requested: "£4,500", cap: "£4,000" });
  });
});
