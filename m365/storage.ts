/**
 * Azure Storage access: a connection string locally (Azurite), the managed identity in Azure
 * (AzureWebJobsStorage__accountName, no key anywhere), the same convention the Functions host uses.
 * The settings are read in functions/settings.ts.
 */
import { lazyCredential } from "./graph.js";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";

export type StorageConfig = { connectionString: string } | { accountName: string; clientId?: string };

export function asStorage(s: StorageConfig | string): StorageConfig {
  return typeof s === "string" ? { connectionString: s } : s;
}

const insecure = (cs: string) => /UseDevelopmentStorage|http:\/\//i.test(cs);
const credential = (s: { clientId?: string }) =>
  lazyCredential(({ ManagedIdentityCredential }) => (s.clientId ? new ManagedIdentityCredential({ clientId: s.clientId }) : new ManagedIdentityCredential()));

export function tableClient(s: StorageConfig, table: string): TableClient {
  if ("connectionString" in s) return TableClient.fromConnectionString(s.connectionString, table, { allowInsecureConnection: insecure(s.connectionString) });
  return new TableClient(`https://${s.accountName}.table.core.windows.net`, table, credential(s));
}

export function tableService(s: StorageConfig): TableServiceClient {
  if ("connectionString" in s) return TableServiceClient.fromConnectionString(s.connectionString, { allowInsecureConnection: insecure(s.connectionString) });
  return new TableServiceClient(`https://${s.accountName}.table.core.windows.net`, credential(s));
}

export function queueClient(s: StorageConfig, queue: string): QueueClient {
  if ("connectionString" in s) return new QueueClient(s.connectionString, queue);
  return new QueueClient(`https://${s.accountName}.queue.core.windows.net/${queue}`, credential(s));
}
