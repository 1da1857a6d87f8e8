/** Every function, its trigger and handler: registered with Azure by index.ts, and by the dev host. */
import type { HttpHandler, InvocationContext, Timer } from "@azure/functions";
import { appDeps, consoleLogger, type DepsSource } from "./deps.js";
import { botMessages } from "./messages.js";
import { guideImage, privacyNotice, sclGuide, termsOfUse } from "./pages.js";
import { mailHealth, mailIntake, mailLifecycle, mailNotification, mailReconcile, mailSubscription, mailSweep } from "./mail.js";
import { acknowledgements, agendas, calendarDuties, engagementReminders, retention, outlookReminders, reviewReminders, termlyReport } from "./timers.js";

export type FunctionDef =
  | { name: string; trigger: "http"; route: string; methods: ("GET" | "POST")[]; handler: HttpHandler }
  | { name: string; trigger: "queue"; queueName: string; handler: (message: unknown, context: InvocationContext) => Promise<void> }
  | { name: string; trigger: "timer"; schedule: string; handler: (timer: Timer, context: InvocationContext) => Promise<void> };

export function functionDefs(deps: DepsSource = appDeps): FunctionDef[] {
  return [
    { name: "mailNotification", trigger: "http", route: "notifications/mail", methods: ["POST"], handler: mailNotification(deps) },
    { name: "mailLifecycle", trigger: "http", route: "notifications/lifecycle", methods: ["POST"], handler: mailLifecycle(deps) },
    {
      name: "messages",
      trigger: "http",
      route: "messages",
      methods: ["POST"],
      handler: botMessages(
        async () => (await deps()).bot,
        // Through the product's logger; before it can be built (settings or config wrong), to the console.
        (e, f) =>
          void Promise.resolve()
            .then(deps)
            .then(
              (d) => d.log.warn(e, f),
              () => consoleLogger().warn(e, f),
            ),
      ),
    },
    // The Teams app's privacy and terms links, and the notice emails to schools link to.
    { name: "privacy", trigger: "http", route: "privacy", methods: ["GET"], handler: privacyNotice(deps) },
    { name: "terms", trigger: "http", route: "terms", methods: ["GET"], handler: termsOfUse(deps) },
    // The SCL's guide, linked from the bot's welcome and help.
    { name: "guide", trigger: "http", route: "guide", methods: ["GET"], handler: sclGuide() },
    { name: "guideImage", trigger: "http", route: "guide/images/{name}", methods: ["GET"], handler: guideImage() },
    { name: "mailIntake", trigger: "queue", queueName: "mail-intake", handler: mailIntake(deps) },
    // Timers run in UTC on Flex Consumption; these are interval jobs, so no London conversion is needed.
    { name: "mailSweep", trigger: "timer", schedule: "0 */15 * * * *", handler: mailSweep(deps) },
    // Between sweeps, so the two do not contend for the mailbox's connections.
    { name: "mailReconcile", trigger: "timer", schedule: "0 7,22,37,52 * * * *", handler: mailReconcile(deps) },
    { name: "mailSubscription", trigger: "timer", schedule: "0 5 * * * *", handler: mailSubscription(deps) },
    // After the renewal: the alert reads the subscription's expiry it left.
    { name: "mailHealth", trigger: "timer", schedule: "0 10 * * * *", handler: mailHealth(deps) },
    // Hourly in UTC; each use case works out London dates, and sends each message once.
    { name: "outlookReminders", trigger: "timer", schedule: "0 20 * * * *", handler: outlookReminders(deps) },
    { name: "acknowledgements", trigger: "timer", schedule: "0 35 * * * *", handler: acknowledgements(deps) },
    { name: "reviewReminders", trigger: "timer", schedule: "0 38 * * * *", handler: reviewReminders(deps) },
    { name: "termlyReport", trigger: "timer", schedule: "0 41 * * * *", handler: termlyReport(deps) },
    { name: "agendas", trigger: "timer", schedule: "0 50 * * * *", handler: agendas(deps) },
    { name: "calendarDuties", trigger: "timer", schedule: "0 55 * * * *", handler: calendarDuties(deps) },
    { name: "engagementReminders", trigger: "timer", schedule: "0 44 * * * *", handler: engagementReminders(deps) },
    // Daily, at night: each case past the partnership's retention period loses its emails and personal details.
    { name: "retention", trigger: "timer", schedule: "0 15 2 * * *", handler: retention(deps) },
  ];
}
