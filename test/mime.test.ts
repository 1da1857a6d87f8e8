/** The product's own mail as MIME (m365/mime.ts): what every message carries, and what a school's text cannot do to it. */
import { describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { productMessageId, productMime } from "../m365/mime.js";

const parse = async (b64: string) => simpleParser(Buffer.from(b64, "base64"));

describe("the product's mail in MIME", () => {
  it("carries Auto-Submitted, X-Auto-Response-Suppress and the marker; a reply threads under the school's email", async () => {
    const m = await parse(
      productMime(
        {
          to: ["senco@school.example"],
          subject: "RE: Cluster 5/KL/Worple Primary School",
          body: "Logged as C5-2026-0001.",
          marker: "cd-1",
          inReplyTo: "<abc@school.example>",
        },
        "mip-forms@hounslow.example",
      ),
    );
    expect(m.headers.get("auto-submitted")).toBe("auto-replied");
    expect(m.headers.get("x-auto-response-suppress")).toBe("All");
    expect(m.headers.get("x-cluster-desk-reply")).toBe("cd-1");
    expect(m.inReplyTo).toBe("<abc@school.example>");
    expect(m.references).toBe("<abc@school.example>");
    // The same marker gives the same Message-ID (a retry finds it in Sent Items); another marker another.
    expect(m.messageId).toMatch(/^<cd\.[0-9a-f]{32}@hounslow\.example>$/);
    expect(m.messageId).toBe(productMessageId("cd-1", "mip-forms@hounslow.example"));
    expect(productMessageId("cd-2", "mip-forms@hounslow.example")).not.toBe(m.messageId);
    expect(m.text?.trim()).toBe("Logged as C5-2026-0001.");
  });

  it("a subject a school wrote cannot add a header, non-ASCII survives, and long bodies keep short lines", async () => {
    const subject = "Cluster 5/KL/Ecole Saint-Étienne\r\nBcc: everyone@outside.example";
    const body = "é".repeat(500);
    const raw = Buffer.from(
      productMime({ to: ["a@school.example", "not an address", "b@x.example\r\nBcc: c@d"], subject, body, marker: "cd-2" }, "mip-forms@x.example"),
      "base64",
    ).toString();
    expect(raw.split("\r\n").every((l) => l.length <= 998)).toBe(true);
    const m = await parse(Buffer.from(raw).toString("base64"));
    expect(m.subject).toBe("Cluster 5/KL/Ecole Saint-Étienne Bcc: everyone@outside.example");
    expect(m.bcc).toBeUndefined();
    expect((m.to && !Array.isArray(m.to) ? m.to.value : []).map((a) => a.address)).toEqual(["a@school.example"]);
    expect(m.text?.trim()).toBe(body);
  });
});
