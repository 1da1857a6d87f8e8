/** Calendar events and plain mail from the partnership mailbox, through Graph. */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { CalendarPort, MailSenderPort, OutgoingMail, OutlookEvent } from "../core/ports.js";
import { GraphDrafts } from "./drafts.js";
import { IMMUTABLE } from "./graph.js";
import { productMime } from "./mime.js";

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
      .header("Prefer", IMMUTABLE)
      .post({ ...eventBody(ev), transactionId });
    return r.id as string;
  }
  async update(eventId: string, ev: OutlookEvent): Promise<void> {
    await this.client
      .api(`${this.user}/events/${encodeURIComponent(eventId)}`)
      .header("Prefer", IMMUTABLE)
      .patch(eventBody(ev));
  }
}

export class GraphMailSender extends GraphDrafts implements MailSenderPort {
  async send(msg: OutgoingMail): Promise<void> {
    // In MIME format (Graph's sendMail takes base64 MIME as text/plain), so the message can carry
    // Auto-Submitted, which Graph's JSON cannot (m365/mime.ts). It is saved to Sent Items.
    await this.batch.ok(
      { method: "POST", url: `${this.user}/sendMail`, headers: { "Content-Type": "text/plain" }, body: productMime(msg, this.address) },
      "sending an email",
    );
  }
  draft(msg: OutgoingMail): Promise<string> {
    return this.create(productMime(msg, this.address));
  }
}
