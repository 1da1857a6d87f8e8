// What one card click costs in the bot's own code (Graph and Teams round trips aside): expanding
// the Adaptive Card templates, working out who may vote, and closing a vote. A meeting of 30
// voters clicking at once makes 30 of these.
import { readFileSync } from "node:fs";
import { bench, describe } from "vitest";
import { agendaCard, expand, triageCard, voteCard } from "../cards/index.js";
import { loadPartnership } from "../config/load.js";
import { decide, eligibleVoters } from "../core/rules/votes.js";

const { partnership: p } = loadPartnership("hounslow-mip");
const c5 = p.clusters.find((c) => c.id === 5)!;
const sample = (name: string) => JSON.parse(readFileSync(new URL(`../cards/${name}.data.json`, import.meta.url), "utf8"));
const triage = sample("triage");
const vote = sample("vote");
const agenda = sample("agenda");

describe("cards and votes", () => {
  bench("triage card expansion", () => {
    triageCard(triage);
  });
  bench("vote card expansion", () => {
    voteCard(vote);
  });
  bench("agenda card expansion", () => {
    agendaCard(agenda);
  });
  bench("error card expansion", () => {
    expand("error", { title: "You cannot vote on C5-2023-0001", message: "No vote was recorded." });
  });
  bench("eligibleVoters (cluster 5, with the rota)", () => {
    eligibleVoters(p, c5, "2023-05-18", "Worple Primary School");
  });
  bench("decide (tally, rule, capped award with its lines)", () => {
    decide(p, { agree: 19, disagree: 9, abstain: 2, total: 30 }, { cyp: 5, terms: 2, meetingDate: "2023-05-18", panelAmount: 4500 });
  });
});
