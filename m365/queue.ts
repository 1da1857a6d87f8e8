/**
 * The mail-intake queue. Messages carry a Graph message id and, for a retry after a throttle, the
 * hash that names the email's intake state; nothing else.
 */
import { EventEmitter } from "node:events";
import type { QueueClient } from "@azure/storage-queue";
import { asStorage, queueClient, type StorageConfig } from "./storage.js";

/**
 * Said after each message queued without a delay, in this process: the local dev host wakes its
 * idle queue workers on it (in Azure nothing listens; the Functions host polls).
 */
export const queueSignal = new EventEmitter();

export const INTAKE_QUEUE = "mail-intake";
/** Where the Functions host puts a message after maxDequeueCount failures. */
export const INTAKE_POISON_QUEUE = `${INTAKE_QUEUE}-poison`;

export interface IntakeQueueMessage {
  messageId: string;
  /** The email's intake state (a SHA-256 in hex): where a throttled attempt got to. */
  key?: string;
}

export class IntakeQueue {
  private readonly client: QueueClient;
  private ready?: Promise<unknown>;
  constructor(storage: StorageConfig | string, name = INTAKE_QUEUE) {
    this.client = queueClient(asStorage(storage), name);
  }
  /**
   * Same encoding as the Functions host expects by default (base64 of the JSON). `delaySeconds`:
   * the messages stay invisible that long (a lease to wait out, a Retry-After to respect).
   */
  async send(messages: IntakeQueueMessage[], delaySeconds = 0): Promise<void> {
    this.ready ??= this.client.createIfNotExists();
    await this.ready;
    const visibilityTimeout = Math.max(0, Math.min(7 * 24 * 3600, Math.ceil(delaySeconds)));
    await Promise.all(
      messages.map((m) =>
        this.client.sendMessage(
          Buffer.from(JSON.stringify({ messageId: m.messageId, ...(m.key ? { key: m.key } : {}) })).toString("base64"),
          visibilityTimeout ? { visibilityTimeout } : {},
        ),
      ),
    );
    if (!visibilityTimeout && messages.length) queueSignal.emit("sent", this.client.name);
  }

  /**
   * Takes up to `max` messages off this queue (the poison queue, for the reconciler): their
   * message ids; anything that is not an intake message is dropped and counted.
   */
  async take(max = 32): Promise<{ ids: string[]; unreadable: number }> {
    this.ready ??= this.client.createIfNotExists();
    await this.ready;
    const ids: string[] = [];
    let unreadable = 0;
    while (ids.length + unreadable < max) {
      const got = await this.client.receiveMessages({ numberOfMessages: Math.min(32, max - ids.length - unreadable), visibilityTimeout: 60 });
      if (!got.receivedMessageItems.length) break;
      for (const m of got.receivedMessageItems) {
        try {
          const id = (JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")) as { messageId?: unknown }).messageId;
          if (typeof id === "string" && id) ids.push(id);
          else unreadable++;
        } catch {
          unreadable++;
        }
        await this.client.deleteMessage(m.messageId, m.popReceipt);
      }
    }
    return { ids, unreadable };
  }

  /** Messages waiting (approximate, as Azure Storage counts them). */
  async depth(): Promise<number> {
    this.ready ??= this.client.createIfNotExists();
    await this.ready;
    return (await this.client.getProperties()).approximateMessagesCount ?? 0;
  }
}
