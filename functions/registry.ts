/** Every function, its trigger and handler: registered with Azure by index.ts, and by the dev host. */
import type { HttpHandler, InvocationContext, Timer } from "@azure/functions";
import { appDeps, type AppDeps } from "./deps.js";
import { botMessages } from "./messages.js";
import { mailIntake, mailLifecycle, mailNotification, mailSubscription, mailSweep } from "./mail.js";
import { acknowledgements, agendas, outlookReminders } from "./timers.js";

export type FunctionDef =
  | { name: string; trigger: "http"; route: string; methods: ("GET" | "POST")[]; handler: HttpHandler }
  | { name: string; trigger: "queue"; queueName: string; handler: (message: unknown, context: InvocationContext) => Promise<void> }
  | { name: string; trigger: "timer"; schedule: string; handler: (timer: Timer, context: InvocationContext) => Promise<void> };

export function functionDefs(deps: () => AppDeps = appDeps): FunctionDef[] {
  return [
    { name: "mailNotification", trigger: "http", route: "notifications/mail", methods: ["POST"], handler: mailNotification(deps) },
    { name: "mailLifecycle", trigger: "http", route: "notifications/lifecycle", methods: ["POST"], handler: mailLifecycle(deps) },
    {
      name: "messages",
      trigger: "http",
      route: "messages",
      methods: ["POST"],
      handler: botMessages(
        () => deps().bot,
        (e, f) => deps().log.warn(e, f),
      ),
    },
    { name: "mailIntake", trigger: "queue", queueName: "mail-intake", handler: mailIntake(deps) },
    // Timers run in UTC on Flex Consumption; these are interval jobs, so no London conversion is needed.
    { name: "mailSweep", trigger: "timer", schedule: "0 */15 * * * *", handler: mailSweep(deps) },
    { name: "mailSubscription", trigger: "timer", schedule: "0 5 * * * *", handler: mailSubscription(deps) },
    // Hourly in UTC; the use case works out London dates, and sends each reminder once.
    { name: "outlookReminders", trigger: "timer", schedule: "0 20 * * * *", handler: outlookReminders(deps) },
    { name: "acknowledgements", trigger: "timer", schedule: "0 35 * * * *", handler: acknowledgements(deps) },
    { name: "agendas", trigger: "timer", schedule: "0 50 * * * *", handler: agendas(deps) },
  ];
}
