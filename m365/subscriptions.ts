/** The secure mailbox's change-notification subscription through Graph (/subscriptions). */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { SubscriptionsPort } from "../core/ports.js";
import { statusOf } from "./graphError.js";
import { IMMUTABLE } from "./graph.js";

export class GraphMailSubscriptions implements SubscriptionsPort {
  constructor(
    private readonly client: Client,
    private readonly mailbox: string,
  ) {}

  async create(s: {
    notificationUrl: string;
    lifecycleUrl: string | null;
    clientState: string;
    expiresAt: string;
  }): Promise<{ id: string; expiresAt: string }> {
    // Notifications carry immutable ids, as every other read of the mailbox does: the header is
    // given when the subscription is created ("Immutable ID with change notifications").
    const r = await this.client
      .api("/subscriptions")
      .header("Prefer", IMMUTABLE)
      .post({
        changeType: "created",
        notificationUrl: s.notificationUrl,
        ...(s.lifecycleUrl ? { lifecycleNotificationUrl: s.lifecycleUrl } : {}),
        resource: `users/${this.mailbox}/mailFolders('inbox')/messages`,
        expirationDateTime: s.expiresAt,
        clientState: s.clientState,
      });
    return { id: r.id as string, expiresAt: r.expirationDateTime as string };
  }

  async renew(id: string, expiresAt: string): Promise<{ id: string; expiresAt: string } | null> {
    try {
      const r = await this.client.api(`/subscriptions/${id}`).patch({ expirationDateTime: expiresAt });
      return { id: r.id as string, expiresAt: r.expirationDateTime as string };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }
}
