/**
 * A hostile attachment cannot stall intake (issue 30): through SMTP to the local tenant and the
 * real functions, the worst forms arrive in a burst with good ones among them. The forms are read
 * in the reader's own processes, so the notification endpoint keeps answering within a second
 * while they are read, every email gets its case, good forms are read as usual, and a hostile one
 * is read or refused within its bounds with the details left for the SCL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partnership as hounslow } from "../helpers/tenant.js";
import { startStack, type Stack, clusterCases } from "../helpers/stack.js";
import { filledForm } from "../helpers/forms.js";
import { disguisedMacroDocx, inflatingPdf, nestedDocx } from "../helpers/hostileForms.js";

let s: Stack;
beforeAll(async () => {
  s = await startStack({ at: "2023-05-02T09:00:00Z" });
}, 60_000);
afterAll(() => s?.stop());

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const attachment = (filename: string, content: Uint8Array) => ({
  filename,
  content: Buffer.from(content),
  contentType: filename.endsWith(".pdf") ? "application/pdf" : DOCX,
});

describe("hostile forms in a burst", () => {
  it("the endpoint answers within 1 s while they are read; every email gets its case; good forms are read", async () => {
    const hostile: [string, string, Uint8Array][] = [
      ["Belmont Primary School", "deep.docx", nestedDocx(25_000, 1, true)],
      ["Cavendish Primary School", "slow.docx", nestedDocx(250, 1500, true)],
      ["Chiswick School", "bomb.pdf", inflatingPdf(300)],
      ["Green Dragon Primary School", "bigger-bomb.pdf", inflatingPdf(600)],
      ["Grove Park Primary School", "long.docx", nestedDocx(2, 50_000, true)],
      ["Lionel Primary School", "macro.docx", disguisedMacroDocx("content-type")],
    ];
    for (const [school, name, bytes] of hostile)
      await s.send({
        from: `senco@${school.split(" ")[0]!.toLowerCase()}.example`,
        subject: `Cluster 6/GV/${school}`,
        text: "Form attached.",
        attachments: [attachment(name, bytes)],
      });
    for (const school of ["Worple Primary School", "Marlborough Primary School"])
      await s.send({
        from: `senco@${school.split(" ")[0]!.toLowerCase()}.example`,
        subject: `Cluster 5/KL/${school}`,
        text: "Form attached.",
        attachments: [attachment("form.docx", await filledForm(hounslow, { cypCount: "3", caseType: "Group" }, true))],
      });
    await s.tenant.notifier.settle();

    // While the queue runs, the notification endpoint is asked every 50 ms, as Graph would.
    const latencies: number[] = [];
    let draining = true;
    const probe = (async () => {
      while (draining) {
        const start = performance.now();
        const r = await fetch(`${s.host.url}/api/notifications/mail?validationToken=probe`, { method: "POST" });
        await r.text();
        latencies.push(performance.now() - start);
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    await s.host.drain();
    draining = false;
    await probe;
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(1000);

    const cases = [...(await clusterCases(s, 6)), ...(await clusterCases(s, 5))];
    for (const [school] of hostile) {
      const c = cases.find((x) => x.fields.SenderEmail === `senco@${school.split(" ")[0]!.toLowerCase()}.example`);
      expect(c, school).toBeDefined();
      expect(c!.fields.Status, school).toBe("Accepted");
    }
    const bySender = (who: string) => cases.find((x) => x.fields.SenderEmail === `senco@${who}.example`)!;
    // Refused within their bounds: the case goes on, and the SCL is asked for the details.
    for (const who of ["belmont", "chiswick", "green", "lionel"]) expect(bySender(who).fields.Problems, who).toContain("The form could not be read");
    // Deep but within the bounds: read.
    expect(bySender("cavendish").fields.CypCount).toBe(2);
    for (const who of ["worple", "marlborough"]) expect(bySender(who).fields).toMatchObject({ CaseType: "Group", CypCount: 3 });
  });
});
