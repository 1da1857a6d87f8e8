/** Outlook calendar events with attendees; invitations land in attendee mailboxes of the tenant. */
import { randomBytes, randomUUID } from "node:crypto";
import type { Ctx, Route } from "./context.js";
import { route } from "./context.js";
import { GraphError, parseJson, project, selectOf } from "./http.js";
import { mailboxByAddress, newId, resolveMailbox, storeMessage, type MailboxRow } from "./mail.js";

interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

interface Attendee {
  emailAddress: { address: string; name?: string };
  type: "required" | "optional" | "resource";
  status?: { response: string; time: string };
}

interface EventData {
  id: string;
  iCalUId: string;
  transactionId?: string | null;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  subject: string;
  body: { contentType: string; content: string };
  bodyPreview: string;
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  location: { displayName: string };
  attendees: Attendee[];
  organizer: { emailAddress: { name: string; address: string } };
  isOrganizer: boolean;
  isCancelled: boolean;
  isOnlineMeeting: boolean;
  onlineMeeting: { joinUrl: string } | null;
  responseStatus: { response: string; time: string };
  reminderMinutesBeforeStart: number;
  isReminderOn: boolean;
  showAs: string;
  type: "singleInstance";
  webLink: string;
}

const TIME_ZONES = new Set(["UTC", "GMT Standard Time", "Europe/London"]);

function checkTime(v: any, name: string): DateTimeTimeZone {
  if (typeof v?.dateTime !== "string" || Number.isNaN(Date.parse(v.dateTime.replace(/Z$/, "")))) {
    throw new GraphError(400, "ErrorInvalidRequest", `${name}.dateTime must be a date and time.`);
  }
  if (typeof v.timeZone !== "string" || !TIME_ZONES.has(v.timeZone)) {
    throw new GraphError(
      400,
      "TimeZoneNotSupportedException",
      `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${v?.timeZone}'.`,
    );
  }
  return { dateTime: v.dateTime.replace(/Z$/, "").replace(/(\.\d+)?$/, ".0000000"), timeZone: v.timeZone };
}

function checkAttendees(v: unknown): Attendee[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new GraphError(400, "ErrorInvalidRequest", "attendees must be a collection.");
  return v.map((a: any) => {
    if (typeof a?.emailAddress?.address !== "string" || !a.emailAddress.address.includes("@")) {
      throw new GraphError(400, "ErrorInvalidRequest", "Each attendee needs an emailAddress.address.");
    }
    return {
      emailAddress: { address: a.emailAddress.address, name: a.emailAddress.name ?? a.emailAddress.address },
      type: a.type ?? "required",
      status: { response: "none", time: "0001-01-01T00:00:00Z" },
    };
  });
}

function stamp(ctx: Ctx): string {
  return new Date(ctx.now()).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

function rows(ctx: Ctx, mailboxId: string): EventData[] {
  return (ctx.db.prepare("SELECT data FROM events WHERE mailbox = ? ORDER BY rowid").all(mailboxId) as { data: string }[]).map(
    (r) => JSON.parse(r.data) as EventData,
  );
}

function one(ctx: Ctx, mailboxId: string, id: string): EventData {
  const r = ctx.db.prepare("SELECT data FROM events WHERE mailbox = ? AND id = ?").get(mailboxId, decodeURIComponent(id)) as { data: string } | undefined;
  if (!r) throw new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return JSON.parse(r.data) as EventData;
}

function saveEvent(ctx: Ctx, mailboxId: string, e: EventData): void {
  ctx.db
    .prepare("INSERT INTO events (id, mailbox, iCalUId, transactionId, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data")
    .run(e.id, mailboxId, e.iCalUId, e.transactionId ?? null, JSON.stringify(e));
}

function describe(e: EventData): string {
  return `When: ${e.start.dateTime.slice(0, 16).replace("T", " ")} - ${e.end.dateTime.slice(11, 16)} (${e.start.timeZone})\nWhere: ${e.location.displayName}\n\n${e.body.content}`;
}

/** Copies the organizer's event to each attendee mailbox in the tenant, with a meeting message. */
function sendInvitations(ctx: Ctx, organizer: MailboxRow, e: EventData, kind: "new" | "update" | "cancel"): void {
  for (const a of e.attendees) {
    const target = mailboxByAddress(ctx.db, a.emailAddress.address);
    const subject = kind === "new" ? e.subject : kind === "update" ? `Updated: ${e.subject}` : `Canceled: ${e.subject}`;
    const message = {
      "@odata.type": "#microsoft.graph.eventMessage",
      subject,
      body: { contentType: "text" as const, content: describe(e) },
      from: { emailAddress: { name: organizer.displayName, address: organizer.address } },
      toRecipients: [{ emailAddress: a.emailAddress }],
      meetingMessageType: kind === "cancel" ? "meetingCancelled" : "meetingRequest",
    };
    if (!target) {
      ctx.db
        .prepare("INSERT INTO outbox (fromAddress, toAddress, sentAt, data) VALUES (?, ?, ?, ?)")
        .run(organizer.address, a.emailAddress.address, new Date(ctx.now()).toISOString(), JSON.stringify({ ...message, iCalUId: e.iCalUId }));
      continue;
    }
    const existing = ctx.db.prepare("SELECT data FROM events WHERE mailbox = ? AND iCalUId = ?").get(target.id, e.iCalUId) as { data: string } | undefined;
    const copy: EventData = {
      ...e,
      id: existing ? (JSON.parse(existing.data) as EventData).id : newId("AAMkE"),
      transactionId: null,
      isOrganizer: false,
      isCancelled: kind === "cancel",
      responseStatus: existing ? (JSON.parse(existing.data) as EventData).responseStatus : { response: "notResponded", time: "0001-01-01T00:00:00Z" },
      webLink: `${ctx.base}/?mailbox=${encodeURIComponent(target.id)}&event=${encodeURIComponent(e.iCalUId)}`,
    };
    saveEvent(ctx, target.id, copy);
    storeMessage(ctx, target.id, "inbox", message);
  }
}

function eventJson(e: EventData, select?: Set<string>): Record<string, unknown> {
  const { transactionId, ...rest } = e;
  return project({ "@odata.etag": `W/"${e.changeKey}"`, ...rest, transactionId: transactionId ?? null }, select);
}

export const calendarRoutes: Route[] = [
  route(
    "POST",
    "/users/{}/events",
    (ctx, [u], req) => {
      const mb = resolveMailbox(ctx, u!);
      const b = parseJson(req.body) ?? {};
      if (typeof b.subject !== "string") throw new GraphError(400, "ErrorInvalidRequest", "subject is required.");
      const start = checkTime(b.start, "start");
      const end = checkTime(b.end, "end");
      if (typeof b.transactionId === "string") {
        const dup = ctx.db.prepare("SELECT data FROM events WHERE mailbox = ? AND transactionId = ?").get(mb.id, b.transactionId) as
          { data: string } | undefined;
        if (dup) return { status: 201, body: eventJson(JSON.parse(dup.data) as EventData) };
      }
      const now = stamp(ctx);
      const body = { contentType: b.body?.contentType === "html" ? "html" : "text", content: String(b.body?.content ?? "") };
      const e: EventData = {
        id: newId("AAMkE"),
        iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(24).toString("hex").toUpperCase()}`,
        transactionId: typeof b.transactionId === "string" ? b.transactionId : null,
        changeKey: randomBytes(12).toString("base64url"),
        createdDateTime: now,
        lastModifiedDateTime: now,
        subject: b.subject,
        body,
        bodyPreview: body.content
          .replace(/<[^>]+>/g, " ")
          .replace(/\s+/g, " ")
          .trim()
          .slice(0, 255),
        start,
        end,
        location: { displayName: String(b.location?.displayName ?? "") },
        attendees: checkAttendees(b.attendees),
        organizer: { emailAddress: { name: mb.displayName, address: mb.address } },
        isOrganizer: true,
        isCancelled: false,
        isOnlineMeeting: Boolean(b.isOnlineMeeting),
        onlineMeeting: b.isOnlineMeeting ? { joinUrl: `${ctx.base}/meet/${randomUUID()}` } : null,
        responseStatus: { response: "organizer", time: "0001-01-01T00:00:00Z" },
        reminderMinutesBeforeStart: Number(b.reminderMinutesBeforeStart ?? 15),
        isReminderOn: b.isReminderOn !== false,
        showAs: "busy",
        type: "singleInstance",
        webLink: "",
      };
      e.webLink = `${ctx.base}/?mailbox=${encodeURIComponent(mb.id)}&event=${encodeURIComponent(e.iCalUId)}`;
      saveEvent(ctx, mb.id, e);
      sendInvitations(ctx, mb, e, "new");
      return { status: 201, body: eventJson(e) };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/events",
    (ctx, [u], req) => {
      const mb = resolveMailbox(ctx, u!);
      const select = selectOf(req.query);
      let list = rows(ctx, mb.id);
      const f = req.query.get("$filter");
      if (f) {
        const m = /^(iCalUId|transactionId)\s+eq\s+'((?:[^']|'')*)'$/i.exec(f.trim());
        if (!m) throw new GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
        const key = m[1]! as "iCalUId" | "transactionId";
        list = list.filter((e) => e[key] === m[2]!.replace(/''/g, "'"));
      }
      return { status: 200, body: { value: list.map((e) => eventJson(e, select)) } };
    },
    { mailbox: true },
  ),

  route(
    "GET",
    "/users/{}/events/{}",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      return { status: 200, body: eventJson(one(ctx, mb.id, id!), selectOf(req.query)) };
    },
    { mailbox: true },
  ),

  route(
    "PATCH",
    "/users/{}/events/{}",
    (ctx, [u, id], req) => {
      const mb = resolveMailbox(ctx, u!);
      const e = one(ctx, mb.id, id!);
      if (!e.isOrganizer) throw new GraphError(403, "ErrorAccessDenied", "Only the organizer can update this meeting.");
      const b = parseJson(req.body) ?? {};
      const before = new Set(e.attendees.map((a) => a.emailAddress.address.toLowerCase()));
      if (b.subject !== undefined) e.subject = String(b.subject);
      if (b.body !== undefined) e.body = { contentType: b.body.contentType === "html" ? "html" : "text", content: String(b.body.content ?? "") };
      if (b.start !== undefined) e.start = checkTime(b.start, "start");
      if (b.end !== undefined) e.end = checkTime(b.end, "end");
      if (b.location !== undefined) e.location = { displayName: String(b.location?.displayName ?? "") };
      if (b.attendees !== undefined) e.attendees = checkAttendees(b.attendees);
      if (b.isReminderOn !== undefined) e.isReminderOn = Boolean(b.isReminderOn);
      e.changeKey = randomBytes(12).toString("base64url");
      e.lastModifiedDateTime = stamp(ctx);
      saveEvent(ctx, mb.id, e);
      // Attendees removed from the meeting get a cancellation.
      const removed = [...before].filter((a) => !e.attendees.some((x) => x.emailAddress.address.toLowerCase() === a));
      if (removed.length)
        sendInvitations(ctx, mb, { ...e, attendees: removed.map((address) => ({ emailAddress: { address }, type: "required" as const })) }, "cancel");
      sendInvitations(ctx, mb, e, "update");
      return { status: 200, body: eventJson(e) };
    },
    { mailbox: true },
  ),

  route(
    "DELETE",
    "/users/{}/events/{}",
    (ctx, [u, id]) => {
      const mb = resolveMailbox(ctx, u!);
      const e = one(ctx, mb.id, id!);
      ctx.db.prepare("DELETE FROM events WHERE mailbox = ? AND id = ?").run(mb.id, e.id);
      if (e.isOrganizer) sendInvitations(ctx, mb, e, "cancel");
      return { status: 204 };
    },
    { mailbox: true },
  ),
];
