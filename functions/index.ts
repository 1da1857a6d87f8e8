/** Azure Functions (v4 programming model) entry: registers every function in the registry. */
import azureFunctions from "@azure/functions";
import { functionDefs } from "./registry.js";
import { botSettingsFromEnv } from "./settings.js";

// Settings that can never work are refused when the host loads the functions, not at the first
// Teams message: the host's log names the setting and what to do.
botSettingsFromEnv(process.env);

// @azure/functions is CommonJS: under Node's ESM its values come through the default export.
const { app } = azureFunctions;

for (const f of functionDefs()) {
  if (f.trigger === "http") app.http(f.name, { route: f.route, methods: f.methods, authLevel: "anonymous", handler: f.handler });
  else if (f.trigger === "queue") app.storageQueue(f.name, { queueName: f.queueName, connection: "AzureWebJobsStorage", handler: f.handler });
  else app.timer(f.name, { schedule: f.schedule, runOnStartup: false, handler: f.handler });
}
