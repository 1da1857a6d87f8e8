/** The mail-intake queue. Messages carry a Graph message id and nothing else. */
import { QueueClient } from "@azure/storage-queue";

export const INTAKE_QUEUE = "mail-intake";

export interface IntakeQueueMessage {
  messageId: string;
}

export class IntakeQueue {
  private readonly client: QueueClient;
  private ready?: Promise<unknown>;
  constructor(connectionString: string, name = INTAKE_QUEUE) {
    this.client = new QueueClient(connectionString, name);
  }
  /** Same encoding as the Functions host expects by default (base64 of the JSON). */
  async send(messages: IntakeQueueMessage[]): Promise<void> {
    this.ready ??= this.client.createIfNotExists();
    await this.ready;
    await Promise.all(messages.map((m) => this.client.sendMessage(Buffer.from(JSON.stringify({ messageId: m.messageId })).toString("base64"))));
  }
}
