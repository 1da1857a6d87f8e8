/**
 * Finding (issue 13): after a restart, "Open vote" said the vote card was posted though Teams had
 * answered "Conversation not found": the adapter's turn-error handler swallowed the failure of a
 * proactive post. A post to a conversation Teams refuses now fails for the caller.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConversationPacer, createAdapter, postProactive } from "../../bot/adapter.js";

let server: Server;
let url = "";
const posted: string[] = [];
beforeAll(async () => {
  // A Bot Framework connector that knows one conversation.
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.url?.startsWith("/v3/conversations/known/activities")) {
        posted.push(body);
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: `activity-${posted.length}` }));
      } else
        res
          .writeHead(404, { "Content-Type": "application/json" })
          .end(JSON.stringify({ error: { code: "ConversationNotFound", message: "Conversation not found." } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("bot: proactive posts", () => {
  const errors: Error[] = [];
  const adapter = createAdapter({ appId: null, appType: "UserAssignedMSI", tenantId: null }, (e) => errors.push(e));
  const ref = (id: string) => JSON.stringify({ conversation: { id }, serviceUrl: url, channelId: "msteams", bot: { id: "bot" } });
  const post = async (id: string) => {
    let activityId: string | undefined;
    await postProactive(adapter, null, ref(id), new ConversationPacer(), async (ctx) => {
      activityId = (await ctx.sendActivity("hello"))?.id;
    });
    return activityId;
  };

  it("a post Teams takes gives its message id", async () => {
    expect(await post("known")).toBe("activity-1");
    expect(posted).toHaveLength(1);
  });

  it("a post Teams refuses fails for the caller (not swallowed by the turn-error handler)", async () => {
    await expect(post("gone")).rejects.toThrow(/not found/i);
    expect(errors).toEqual([]);
    expect(posted).toHaveLength(1); // no "Sorry" message went anywhere either
  });
});
