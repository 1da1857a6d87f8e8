/** The secure mailbox's subscription to new mail: created, and renewed when it expires within a day. */
import type { KeyValuePort, Logger, SubscriptionsPort } from "../ports.js";
import { HEALTH_KEYS } from "./health.js";
import { sweepInbox, type SweepDeps } from "./sweep.js";

export const SUBSCRIPTION_MINUTES = 10_000; // Graph allows at most 10,080 for mail
export const RENEW_WITHIN_MS = 24 * 3600_000;
/** Where the subscription is kept (the health report reads its expiry there). */
const SUB_KEY = HEALTH_KEYS.subscription;

export interface SubscriptionDeps {
  subscriptions: SubscriptionsPort;
  state: KeyValuePort;
  settings: { notificationUrl: string | null; lifecycleUrl: string | null; clientState: string | null };
  log: Logger;
  now: () => Date;
}

interface StoredSubscription {
  id: string;
  expiresAt: string;
}

/** Creates the inbox subscription, or renews it when it expires within a day (`force`: now). */
export async function keepSubscription(d: SubscriptionDeps, force = false): Promise<{ action: "created" | "renewed" | "kept"; id: string; expiresAt: string }> {
  const { notificationUrl, lifecycleUrl, clientState } = d.settings;
  if (!notificationUrl || !clientState) throw new Error("MAIL_NOTIFICATION_URL and MAIL_CLIENT_STATE must be set to subscribe to mail");
  const raw = await d.state.getSync(SUB_KEY);
  const current = raw ? (JSON.parse(raw) as StoredSubscription) : null;
  const expiresAt = new Date(d.now().getTime() + SUBSCRIPTION_MINUTES * 60_000).toISOString();
  if (current && !force && Date.parse(current.expiresAt) - d.now().getTime() > RENEW_WITHIN_MS) return { action: "kept", ...current };
  if (current) {
    const s = await d.subscriptions.renew(current.id, expiresAt);
    if (s) {
      await d.state.setSync(SUB_KEY, JSON.stringify(s));
      d.log.info("mail-subscription.renewed", { expiresAt: s.expiresAt });
      return { action: "renewed", ...s };
    }
  }
  const s = await d.subscriptions.create({ notificationUrl, lifecycleUrl, clientState, expiresAt });
  await d.state.setSync(SUB_KEY, JSON.stringify(s));
  d.log.info("mail-subscription.created", { expiresAt: s.expiresAt });
  return { action: "created", ...s };
}

/** The subscription was removed (a lifecycle notification): forget it and subscribe again. */
export async function resubscribe(d: SubscriptionDeps): Promise<{ action: "created" | "renewed" | "kept"; id: string; expiresAt: string }> {
  await d.state.setSync(SUB_KEY, null);
  return keepSubscription(d, true);
}

/**
 * What a lifecycle notification asks for (Graph's `lifecycleEvent`): "reauthorizationRequired",
 * renew now; "subscriptionRemoved", subscribe again; "missed", sweep the Inbox for mail whose
 * notification was lost. Any other event is ignored (Graph may add kinds).
 */
export async function onLifecycleEvent(d: SubscriptionDeps & SweepDeps, event: unknown): Promise<"renewed" | "resubscribed" | "swept" | "ignored"> {
  if (event === "reauthorizationRequired") {
    await keepSubscription(d, true);
    return "renewed";
  }
  if (event === "subscriptionRemoved") {
    await resubscribe(d);
    return "resubscribed";
  }
  if (event === "missed") {
    await sweepInbox(d);
    return "swept";
  }
  return "ignored";
}
