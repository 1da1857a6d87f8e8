/** Calendar events and plain mail from the partnership mailbox, through Graph. */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { CalendarPort, MailSenderPort, OutlookEvent } from "../core/ports.js";
import { MARKER_HEADER, sentWithMarker } from "./mailbox.js";
import { PRODUCT_HEADERS } from "../core/rules/mailRules.js";

function eventBody(ev: OutlookEvent) {
  return {
    subject: ev.subject,
    body: { contentType: "text", content: ev.body },
    start: { dateTime: ev.start, timeZone: "Europe/London" },
    end: { dateTime: ev.end, timeZone: "Europe/London" },
    location: { displayName: ev.location },
    attendees: [{ emailAddress: { address: ev.attendee.address, name: ev.attendee.name }, type: "required" }],
  };
}

export class GraphCalendar implements CalendarPort {
  private readonly user: string;
  constructor(
    private readonly client: Client,
    address: string,
  ) {
    this.user = `/users/${encodeURIComponent(address)}`;
  }
  async create(ev: OutlookEvent, transactionId: string): Promise<string> {
    const r = await this.client
      .api(`${this.user}/events`)
      .header("Prefer", 'IdType="ImmutableId"')
      .post({ ...eventBody(ev), transactionId });
    return r.id as string;
  }
  async update(eventId: string, ev: OutlookEvent): Promise<void> {
    await this.client
      .api(`${this.user}/events/${encodeURIComponent(eventId)}`)
      .header("Prefer", 'IdType="ImmutableId"')
      .patch(eventBody(ev));
  }
}

export class GraphMailSender implements MailSenderPort {
  private readonly user: string;
  constructor(
    private readonly client: Client,
    address: string,
  ) {
    this.user = `/users/${encodeURIComponent(address)}`;
  }
  async send(msg: { to: string[]; bcc?: string[]; subject: string; body: string; marker: string }): Promise<void> {
    const rcpt = (a: string) => ({ emailAddress: { address: a } });
    await this.client.api(`${this.user}/sendMail`).post({
      message: {
        subject: msg.subject,
        body: { contentType: "text", content: msg.body },
        toRecipients: msg.to.map(rcpt),
        bccRecipients: (msg.bcc ?? []).map(rcpt),
        internetMessageHeaders: [{ name: MARKER_HEADER, value: msg.marker }, ...PRODUCT_HEADERS],
      },
      saveToSentItems: true,
    });
  }
  sent(marker: string): Promise<boolean> {
    return sentWithMarker(this.client, this.user, marker);
  }
}
