/** The mail-intake queue. Messages carry a Graph message id and nothing else. */
import type { QueueClient } from "@azure/storage-queue";
import { asStorage, queueClient, type StorageConfig } from "./storage.js";

export const INTAKE_QUEUE = "mail-intake";

export interface IntakeQueueMessage {
  messageId: string;
}

export class IntakeQueue {
  private readonly client: QueueClient;
  private ready?: Promise<unknown>;
  constructor(storage: StorageConfig | string, name = INTAKE_QUEUE) {
    this.client = queueClient(asStorage(storage), name);
  }
  /** Same encoding as the Functions host expects by default (base64 of the JSON). */
  async send(messages: IntakeQueueMessage[]): Promise<void> {
    this.ready ??= this.client.createIfNotExists();
    await this.ready;
    await Promise.all(messages.map((m) => this.client.sendMessage(Buffer.from(JSON.stringify({ messageId: m.messageId })).toString("base64"))));
  }
}
