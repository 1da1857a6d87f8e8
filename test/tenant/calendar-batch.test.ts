import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../local/tenant/server.js";
import { inspectorGraph, partnership, productGraph, startTestTenant } from "../helpers/tenant.js";

let t: Tenant;
const mailbox = partnership.intake.mailbox;
const scl = partnership.leads.find((l) => l.initials === "SY")!.email;
beforeAll(async () => {
  t = await startTestTenant();
});
afterAll(() => t.close());

describe("local tenant: calendar", () => {
  it("an event with attendees lands in each attendee's calendar with an invitation; an update changes it, not a second one", async () => {
    const { client } = productGraph(t);
    const ev = await client.api(`/users/${mailbox}/events`).post({
      subject: "Cluster 2 meeting (HT representative)",
      body: { contentType: "text", content: "You are the headteacher representative." },
      start: { dateTime: "2023-06-13T09:30:00", timeZone: "Europe/London" },
      end: { dateTime: "2023-06-13T11:00:00", timeZone: "Europe/London" },
      location: { displayName: "Teams" },
      attendees: [
        { emailAddress: { address: scl, name: "Shaheena Yusuf" }, type: "required" },
        { emailAddress: { address: "head@stmichael.example" }, type: "required" },
      ],
      transactionId: "rota-c2-2023-06-13",
    });
    expect(ev).toMatchObject({
      isOrganizer: true,
      organizer: { emailAddress: { address: mailbox } },
      start: { dateTime: "2023-06-13T09:30:00.0000000", timeZone: "Europe/London" },
    });
    const again = await client.api(`/users/${mailbox}/events`).post({
      subject: "dup",
      start: { dateTime: "2023-06-13T09:30:00", timeZone: "Europe/London" },
      end: { dateTime: "2023-06-13T11:00:00", timeZone: "Europe/London" },
      transactionId: "rota-c2-2023-06-13",
    });
    expect(again.id).toBe(ev.id);
    const inspector = inspectorGraph(t).client;
    let theirs = await inspector.api(`/users/${scl}/events`).get();
    expect(theirs.value).toHaveLength(1);
    expect(theirs.value[0]).toMatchObject({ iCalUId: ev.iCalUId, isOrganizer: false, subject: "Cluster 2 meeting (HT representative)" });
    const inbox = await inspector.api(`/users/${scl}/mailFolders/inbox/messages`).get();
    expect(inbox.value[0]).toMatchObject({ subject: "Cluster 2 meeting (HT representative)", meetingMessageType: "meetingRequest" });
    const outbox = await (await fetch(`${t.url}/_admin/outbox`)).json();
    expect(outbox.value.map((o: any) => o.to)).toContain("head@stmichael.example");

    await client
      .api(`/users/${mailbox}/events/${ev.id}`)
      .patch({ start: { dateTime: "2023-06-14T09:30:00", timeZone: "Europe/London" }, end: { dateTime: "2023-06-14T11:00:00", timeZone: "Europe/London" } });
    theirs = await inspector.api(`/users/${scl}/events`).get();
    expect(theirs.value).toHaveLength(1);
    expect(theirs.value[0].start.dateTime).toBe("2023-06-14T09:30:00.0000000");
    const updates = await inspector.api(`/users/${scl}/mailFolders/inbox/messages`).get();
    expect(updates.value.map((m: any) => m.subject)).toContain("Updated: Cluster 2 meeting (HT representative)");
    expect((await client.api(`/users/${mailbox}/events`).filter(`iCalUId eq '${ev.iCalUId}'`).get()).value).toHaveLength(1);
  });

  it("refuses an unsupported time zone", async () => {
    const { client } = productGraph(t);
    await expect(
      client.api(`/users/${mailbox}/events`).post({
        subject: "x",
        start: { dateTime: "2023-06-13T09:30:00", timeZone: "Mars/Olympus" },
        end: { dateTime: "2023-06-13T10:30:00", timeZone: "Mars/Olympus" },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("local tenant: $batch", () => {
  it("runs up to 20 requests with dependsOn and per-item status", async () => {
    const { client } = productGraph(t);
    const r = await client.api("/$batch").post({
      requests: [
        {
          id: "1",
          method: "POST",
          url: `/users/${mailbox}/mailFolders/inbox/childFolders`,
          headers: { "Content-Type": "application/json" },
          body: { displayName: "Rejected" },
        },
        { id: "2", method: "GET", url: `/users/${mailbox}/mailFolders/inbox/childFolders?$filter=displayName eq 'Rejected'`, dependsOn: ["1"] },
        { id: "3", method: "GET", url: `/users/${mailbox}/messages/AAMkMissing` },
        { id: "4", method: "GET", url: `/users/${mailbox}/mailFolders/inbox`, dependsOn: ["3"] },
      ],
    });
    const byId = Object.fromEntries(r.responses.map((x: any) => [x.id, x]));
    expect(byId["1"]).toMatchObject({ status: 201, body: { displayName: "Rejected" } });
    expect(byId["2"]).toMatchObject({ status: 200, body: { value: [{ displayName: "Rejected" }] } });
    expect(byId["3"]).toMatchObject({ status: 404, body: { error: { code: "ErrorItemNotFound" } } });
    expect(byId["4"].status).toBe(424);
  });

  it("refuses more than 20 requests", async () => {
    const { client } = productGraph(t);
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: `/users/${mailbox}/mailFolders/inbox` }));
    await expect(client.api("/$batch").post({ requests })).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/limit of 20/) });
  });
});
