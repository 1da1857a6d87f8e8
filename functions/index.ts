/** Azure Functions (v4 programming model) entry: registers every function in the registry. */
import azureFunctions, { type InvocationContext } from "@azure/functions";
import { invocation } from "./invocation.js";
import { functionDefs } from "./registry.js";
import { botSettingsFromEnv } from "./settings.js";

// Settings that can never work are refused when the host loads the functions, not at the first
// Teams message: the host's log names the setting and what to do.
botSettingsFromEnv(process.env);

// @azure/functions is CommonJS: under Node's ESM its values come through the default export.
const { app } = azureFunctions;

// Each handler runs inside its invocation's context, so the product's log lines go through it at
// their levels (functions/invocation.ts).
const within =
  <A, R>(handler: (arg: A, context: InvocationContext) => R) =>
  (arg: A, context: InvocationContext) =>
    invocation.run(context, () => handler(arg, context));

for (const f of functionDefs()) {
  if (f.trigger === "http") app.http(f.name, { route: f.route, methods: f.methods, authLevel: "anonymous", handler: within(f.handler) });
  else if (f.trigger === "queue") app.storageQueue(f.name, { queueName: f.queueName, connection: "AzureWebJobsStorage", handler: within(f.handler) });
  else app.timer(f.name, { schedule: f.schedule, runOnStartup: false, handler: within(f.handler) });
}
