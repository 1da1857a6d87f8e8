/** Bot Framework activities the bot tests send (botbuilder types stay out of product code). */
import { ActivityTypes, type Activity } from "botbuilder";

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
