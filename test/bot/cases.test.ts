/**
 * Issue 31: `cases` in Teams. The partnership lead's list has every cluster's open cases and the
 * ones no cluster has yet (hers to assign); an SCL's has her clusters' only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterDeskBot } from "../../bot/bot.js";
import { sayAs } from "../helpers/activities.js";
import { partnership as p } from "../helpers/tenant.js";
import { votingBot, pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { helpText } from "../../bot/bot.js";

const KL = "katy.luciani@hounslow.gov.uk";
let s: Stack;
let bot: ClusterDeskBot;
const text = async (who: string, t: string) => (await sayAs(bot, who, t)).map((a) => a.text ?? "").join("\n");

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T08:30:00Z" });
  await s.send({ from: "senco@worple.example", subject: "Cluster 5/KL/Worple Primary School", text: "x", attachments: [pdfForm()] });
  await s.send({ from: "senco@somewhere.example", subject: "Our presentation form", text: "x", attachments: [pdfForm()] });
  await s.settle();
  bot = votingBot(s, p);
}, 60_000);
afterAll(() => s?.stop());

describe("cases", () => {
  it("the partnership lead sees the case no cluster has, first, with what to do; an SCL sees her clusters' only", async () => {
    const lead = await text(p.partnershipLead.email, "cases");
    expect(lead).toMatch(/^Open cases in every cluster and without one \(2\)/);
    expect(lead).toContain("No cluster yet (1): assign each with **Move to cluster** on its card.");
    expect(lead.indexOf("U-2023-0001")).toBeLessThan(lead.indexOf("C5-2023-0001"));
    expect(lead).toContain("**U-2023-0001** school not identified: Needs attention");
    const scl = await text(KL, "cases");
    expect(scl).toMatch(/^Open cases in cluster 4, cluster 5 \(1\)/);
    expect(scl).not.toContain("U-2023-0001");
  });

  it("every command the help names is routed (the bot's route table): none answers with the help text", async () => {
    const help = helpText(p);
    for (const command of [
      "cases",
      "case C5-2023-0001",
      "agenda",
      "budget",
      "health",
      "plan",
      "report",
      "report summer-2023",
      "cluster 5",
      "contact worple informal",
      "not engaged",
    ]) {
      const answer = (await sayAs(bot, p.partnershipLead.email, command)).map((a) => a.text ?? JSON.stringify(a.attachments ?? ""));
      expect(answer.length, command).toBeGreaterThan(0);
      expect(answer.join("\n"), command).not.toBe(help);
    }
    expect((await sayAs(bot, KL, "what now?"))[0]!.text).toBe(help);
  });
});
