/** Bot Framework activities the bot tests send (botbuilder types stay out of product code). */
import { ActivityTypes, TestAdapter, type Activity, type TurnContext } from "botbuilder";

/** A click on an Adaptive Card's Action.Execute button, as Teams sends it. */
export function cardAction(who: string, verb: string, data: Record<string, unknown>): Partial<Activity> {
  return {
    type: ActivityTypes.Invoke,
    name: "adaptiveCard/action",
    channelId: "msteams",
    from: { id: who, name: who },
    value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
  };
}

/** A plain message activity, as the Bot Framework service posts it to /api/messages. */
export const messageActivity = {
  type: "message",
  text: "hi",
  channelId: "msteams",
  serviceUrl: "https://smba.trafficmanager.net/uk/",
  from: { id: "x" },
  conversation: { id: "c" },
  recipient: { id: "b" },
};

/**
 * One Action.Execute click through `bot` as `who` (the test resolves emails from the activity's
 * from.id): the card the invoke answered with (JSON), and the messages the click posted.
 */
export async function clickAs(
  bot: { run(ctx: TurnContext): Promise<void> },
  who: string,
  verb: string,
  data: Record<string, unknown>,
): Promise<{ card: string; posted: Partial<Activity>[] }> {
  const a = new TestAdapter(async (ctx) => bot.run(ctx));
  await a.processActivity(
    {
      type: ActivityTypes.Invoke,
      name: "adaptiveCard/action",
      channelId: "msteams",
      from: { id: who, name: who },
      value: { action: { type: "Action.Execute", verb, data } },
    },
    async (ctx) => bot.run(ctx),
  );
  return {
    card: JSON.stringify(a.activeQueue.find((x) => x.type === "invokeResponse")!.value.body.value),
    posted: a.activeQueue.filter((x) => x.type === "message"),
  };
}

/** A message typed to the bot as `who` (the test resolves emails from from.id): the activities the bot sent back. */
export async function sayAs(bot: { run(ctx: TurnContext): Promise<void> }, who: string, text: string, conversation = "conv-1"): Promise<Partial<Activity>[]> {
  const a = new TestAdapter(async (ctx) => bot.run(ctx));
  await a.processActivity(
    { type: ActivityTypes.Message, text, channelId: "msteams", from: { id: who, name: who }, conversation: { id: conversation } } as Partial<Activity>,
    async (ctx) => bot.run(ctx),
  );
  return a.activeQueue.filter((x) => x.type === "message");
}
