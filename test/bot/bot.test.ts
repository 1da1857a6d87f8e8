import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestAdapter, type TurnContext } from "botbuilder";
import azureFunctions from "@azure/functions";
import { ClusterDeskBot } from "../../bot/bot.js";
import { personalChatKey as refKey } from "../../m365/teamsState.js";
import { TriageCards } from "../../functions/triageCards.js";
import { ConversationPacer } from "../../bot/adapter.js";
import { createBotRuntime } from "../../bot/runtime.js";
import { expand, template, triageCard } from "../../cards/index.js";
import { triageCardData } from "../../core/rules/triage.js";
import { botMessages } from "../../functions/messages.js";
import { botBase, pdfForm, startStack, type Stack } from "../helpers/stack.js";
import { cardAction, messageActivity } from "../helpers/activities.js";
import { partnership as p } from "../helpers/tenant.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../config/load.js";

const KL = "katy.luciani@hounslow.gov.uk";
const GV = "georgie.venn@hounslow.gov.uk";
const LEAD = p.partnershipLead.email.toLowerCase();
const people: Record<string, string> = { kl: KL, gv: GV, lead: LEAD };

let s: Stack;
let bot: ClusterDeskBot;
let caseRef: string;
const elsewhere: Record<string, unknown>[] = [];

function adapter() {
  return new TestAdapter(async (ctx) => bot.run(ctx), { channelId: "msteams" });
}

/** The app added to a conversation by someone (Teams' installationUpdate); what the bot said. */
async function install(from: { id: string; name: string }, conversation: { id: string; conversationType: string }) {
  const a = adapter();
  await a.processActivity({ type: "installationUpdate", action: "add", channelId: "msteams", from, conversation } as never, async (ctx: TurnContext) =>
    bot.run(ctx),
  );
  return a;
}

async function invoke(who: string, verb: string, data: Record<string, unknown>): Promise<any> {
  const a = adapter();
  const activity = cardAction(who, verb, data);
  await a.processActivity(activity, async (ctx: TurnContext) => {
    await bot.run(ctx);
  });
  // The invoke response is queued like any outgoing activity.
  const response = a.activeQueue.find((x) => x.type === "invokeResponse");
  expect(response?.value?.status).toBe(200);
  return response!.value.body.value;
}

beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
  const sender = "senco@worple.example";
  await s.send({ from: sender, subject: "Cluster 5/KL/Worple Primary School", text: "x", attachments: [pdfForm()] });
  await s.settle();
  caseRef = "C5-2023-0001";
  bot = new ClusterDeskBot({
    ...botBase(s, p),
    // Cards posted to other chats are recorded, not sent to a Bot Framework service that is not there.
    triageCards: new TriageCards(
      () => p,
      s.deps.teams,
      { postCard: async (_ref, card) => (elsewhere.push(card), `elsewhere-${elsewhere.length}`), updateCard: async () => {} },
      () => new Date(s.tenant.now()),
      s.deps.log,
    ),
    resolveEmail: async (ctx) => people[ctx.activity.from.id] ?? null,
  });
}, 60_000);
afterAll(() => s?.stop());

describe("bot: triage cards", () => {
  it("answers help and remembers the SCL's conversation for proactive cards", async () => {
    await adapter()
      .send({ type: "message", text: "help", from: { id: "kl", name: "Katy" } })
      .assertReply((a) => {
        expect(a.text).toContain("Commands: **cases** (your open cases), **case C5-2026-0001** (a case's card again)");
        expect(a.text).toContain("@mention Cluster Desk with **cluster <number>**");
      });
    const ref = JSON.parse((await s.deps.state.getSync(refKey(KL)))!);
    expect(ref.conversation).toBeDefined();
    expect(s.logs.some((l) => l.includes("triage.no-conversation"))).toBe(true); // intake ran before KL talked to the bot
  });

  it("added to a team's channel, it says how to make the channel a cluster's; people's chats are only ever personal ones", async () => {
    const a = await install({ id: "lead", name: "MIP lead" }, { id: "19:general@thread.tacv2", conversationType: "channel" });
    const said = a.activeQueue.filter((x) => x.type === "message").map((x) => x.text);
    expect(said).toEqual([expect.stringContaining("@mention Cluster Desk with **cluster <number>** in a cluster's channel")]);
    expect(await s.deps.state.getSync(refKey(LEAD))).toBeNull(); // a channel is not the lead's chat
    // In a personal chat it greets (what it does) and keeps the chat for triage cards and reminders.
    const b = await install({ id: "kl", name: "Katy" }, { id: "a:katy", conversationType: "personal" });
    expect(b.activeQueue.filter((x) => x.type === "message").map((x) => x.text)).toEqual([
      expect.stringContaining("New presentation forms arrive here as triage cards"),
    ]);
    expect(JSON.parse((await s.deps.state.getSync(refKey(KL)))!).conversation.id).toBe("a:katy");
    // Katy linking the channel to cluster 5 does not move her triage cards into the channel.
    const c = adapter();
    await c.processActivity(
      {
        type: "message",
        text: "cluster 5",
        channelId: "msteams",
        from: { id: "kl", name: "Katy" },
        conversation: { id: "19:c5@thread.tacv2", conversationType: "channel" },
      } as never,
      async (ctx: TurnContext) => bot.run(ctx),
    );
    expect(JSON.parse((await s.deps.state.getSync(refKey(KL)))!).conversation.id).toBe("a:katy");
  });

  it("someone who is not the cluster's SCL gets an error card and nothing changes", async () => {
    const card = await invoke("gv", "triage.accept", { caseRef });
    expect(JSON.stringify(card)).toContain(`You cannot act on ${caseRef}`);
    expect((await s.deps.cases.byRef(caseRef))!.fields.Status).toBe("Accepted");
  });

  it("the SCL accepts it to the agenda: the case and the card change", async () => {
    const card = await invoke("kl", "triage.accept", { caseRef });
    const text = JSON.stringify(card);
    expect(text).toContain('"value":"On agenda"');
    expect(text).toContain("Accepted to the agenda of Thursday 18 May 2023, 2pm by Katy Luciani"); // people by name, not address
    expect((await s.deps.cases.byRef(caseRef))!.fields.Status).toBe("On agenda");
    // The card now offers the vote, not a second acceptance.
    const titles = (card as { actions: { title: string }[] }).actions.map((a) => a.title);
    expect(titles).toContain("Open vote");
    expect(titles).not.toContain("Accept to agenda");
    expect(titles).toContain("Acknowledge school");
  });

  it("the card refreshes to the case as it is now; someone else's refresh gets a neutral card", async () => {
    const mine = (await invoke("kl", "triage.refresh", { caseRef })) as {
      actions: { title: string }[];
      body: unknown[];
      refresh: { action: { verb: string } };
    };
    expect(JSON.stringify(mine)).toContain('"value":"On agenda"');
    expect(mine.refresh.action.verb).toBe("triage.refresh");
    expect(mine.actions.map((a) => a.title)).toContain("Open vote");
    // Another cluster's SCL sees nothing of the case (test/security/authorisation.test.ts: anyone).
    const theirs = JSON.stringify(await invoke("gv", "triage.refresh", { caseRef }));
    expect(theirs).toContain("Not available");
    expect(theirs).not.toContain("On agenda");
    expect(theirs).not.toContain(caseRef);
  });

  it("acknowledging sends the school an email and stamps AcknowledgedAt, once", async () => {
    const card = (await invoke("kl", "triage.acknowledge", { caseRef })) as { actions: { title: string }[] };
    expect(card.actions.map((a) => a.title)).not.toContain("Acknowledge school");
    const c = await s.deps.cases.byRef(caseRef);
    expect(Math.abs(Date.parse(c!.fields.AcknowledgedAt!) - s.tenant.now())).toBeLessThan(5_000); // stamped now (tenant clock: May 2023)
    const mails = (await (await fetch(`${s.tenant.url}/_admin/outbox`)).json()).value.filter(
      (o: any) => o.to === "senco@worple.example" && o.message.subject === `${caseRef}: your presentation form`,
    );
    expect(mails).toHaveLength(1);
    expect(mails[0].message.body.content).toContain("Katy Luciani");
    const again = await invoke("kl", "triage.acknowledge", { caseRef });
    expect(JSON.stringify(again)).toContain("was acknowledged on");
  });

  it("a bad value typed on the card comes back on the same card with the reason, never as an error card", async () => {
    const card = JSON.stringify(await invoke("kl", "triage.details", { caseRef, caseType: "Group", cyp: "2.5", terms: "2", amount: "100" }));
    expect(card).toContain(`Presentation form: ${caseRef}`);
    expect(card).toContain("Enter the number of children and young people: a whole number from 1 to 60.");
    expect(card).toContain('"value":2.5'); // what was typed stays in the input
    expect(card).not.toContain("could not be read");
    expect((await s.deps.cases.byRef(caseRef))!.fields.CypCount ?? null).toBeNull();
  });

  it("the partnership lead moves a case to another cluster; an unknown case or verb gets an error card", async () => {
    const before = elsewhere.length;
    const moved = await invoke("lead", "triage.move", { caseRef, toCluster: "4" });
    expect(elsewhere.length).toBe(before + 1); // the card goes to cluster 4's SCL's chat
    expect(JSON.stringify(moved)).toContain("Moved from cluster 5 to cluster 4 (KL) by SEND Transformation (MIP Implementation Lead)");
    expect((await s.deps.cases.byRef(caseRef))!.fields).toMatchObject({ Cluster: 4, LeadInitials: "KL" });
    expect(JSON.stringify(await invoke("kl", "triage.accept", { caseRef: "C9-2023-9999" }))).toContain("No case C9-2023-9999");
    expect(JSON.stringify(await invoke("kl", "triage.explode", { caseRef }))).toContain("does not know the action");
  });

  it("simultaneous clicks: no lost update (412 retried)", async () => {
    const refs = await Promise.all([
      invoke("lead", "triage.requestInfo", { caseRef, message: "The latest provision map, please." }),
      invoke("kl", "triage.move", { caseRef, toCluster: "6" }),
    ]);
    expect(refs).toHaveLength(2);
    const c = (await s.deps.cases.byRef(caseRef))!;
    expect(c.fields.Status).toBe("More information requested");
    expect(c.fields.Cluster).toBe(6);
  });
});

describe("cards", () => {
  const KNOWN = new Set(["TextBlock", "FactSet", "Container", "Input.ChoiceSet", "Input.Number", "Input.Text", "ColumnSet", "Column", "Image", "ActionSet"]);
  function check(card: any) {
    expect(card.type).toBe("AdaptiveCard");
    expect(card.version).toBe("1.5");
    const walk = (els: any[]) => {
      for (const e of els ?? []) {
        expect(KNOWN.has(e.type), e.type).toBe(true);
        if (e.type === "TextBlock") expect(typeof e.text).toBe("string");
        if (e.type === "Input.ChoiceSet") expect(e.id).toBeTruthy();
        walk(e.items);
      }
    };
    walk(card.body);
    for (const a of card.actions ?? []) {
      expect(a.type).toBe("Action.Execute");
      expect(a.verb).toMatch(/^(triage|vote|calendar)\./);
    }
    expect(JSON.stringify(card)).not.toContain("${");
  }

  it("every template expands against its sample data into a valid 1.5 card", () => {
    for (const name of ["triage", "error", "agenda", "vote", "calendar"]) {
      const data = JSON.parse(readFileSync(join(packageRoot(), "cards", `${name}.data.json`), "utf8"));
      check(expand(name, data));
      expect((template(name) as any).$schema).toBe("http://adaptivecards.io/schemas/adaptive-card.json");
    }
  });

  it("a card for a case with problems lists them; the card carries the case reference, not the form", async () => {
    const card = triageCard(
      triageCardData(
        p,
        {
          itemId: "1",
          etag: "x",
          fields: {
            Title: "C5-2023-0042",
            Status: "Needs attention",
            Cluster: 5,
            School: "Worple Primary School",
            Reasons: 'No form attached; "Jamie Example.zip" is an archive.',
            Problems: "No presentation form is attached.",
          },
        },
        { now: new Date("2023-05-02T09:00:00Z"), viewer: "katy.luciani@hounslow.gov.uk" },
      ),
    );
    check(card);
    const text = JSON.stringify(card);
    expect(text).toContain("No presentation form is attached.");
    expect(text).toContain("C5-2023-0042");
    // What the school was told (its own file names) stays in the list, off the card.
    expect(text).not.toContain("Jamie");
  });
});

describe("bot: /api/messages and rate limits", () => {
  it("with a bot app id configured, an unauthenticated request gets 401", async () => {
    const runtime = createBotRuntime(
      { appId: "00000000-0000-0000-0000-000000000001", appType: "UserAssignedMSI", tenantId: "11111111-1111-1111-1111-111111111111" },
      {
        ...botBase(s, p),
        now: () => new Date(),
      },
      () => {},
    );
    const handler = botMessages(() => runtime);
    const req = new azureFunctions.HttpRequest({
      method: "POST",
      url: "http://localhost/api/messages",
      body: {
        string: JSON.stringify(messageActivity),
      },
      headers: { "content-type": "application/json" },
    });
    const r = await handler(req, new azureFunctions.InvocationContext());
    expect(r.status).toBe(401);
  });

  it("posts to one conversation at most 7 a second", async () => {
    const pacer = new ConversationPacer(7);
    const started = Date.now();
    for (let i = 0; i < 15; i++) await pacer.wait("conv-1");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // 7 + 7 + 1: two full waits
    const other = Date.now();
    await pacer.wait("conv-2");
    expect(Date.now() - other).toBeLessThan(100); // other conversations are not held up
  });
});
