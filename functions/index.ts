/** Azure Functions (v4 programming model) entry: registers every function in the registry. */
import azureFunctions from "@azure/functions";
import { functionDefs } from "./registry.js";

// @azure/functions is CommonJS: under Node's ESM its values come through the default export.
const { app } = azureFunctions;

for (const f of functionDefs()) {
  if (f.trigger === "http") app.http(f.name, { route: f.route, methods: f.methods, authLevel: "anonymous", handler: f.handler });
  else if (f.trigger === "queue") app.storageQueue(f.name, { queueName: f.queueName, connection: "AzureWebJobsStorage", handler: f.handler });
  else app.timer(f.name, { schedule: f.schedule, runOnStartup: false, handler: f.handler });
}
