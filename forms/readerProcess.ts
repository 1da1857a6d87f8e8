/**
 * The form reader's own process (issue 30), started by forms/read.ts with a capped heap, a capped
 * address space (Linux) and no environment: it holds no secret and no connection, reads one form
 * at a time and answers with what core/rules/form.ts keeps of it (never the child's details).
 * Whoever started it kills it when a read passes its time or memory bound.
 */
import { parseForm, type DocumentHint, type ParseLimits } from "./parse.js";
import { filesOfMessage } from "./forwarded.js";

interface Job {
  id: number;
  /** "message": the files inside a forwarded email; otherwise a form. */
  kind?: "form" | "message";
  name: string;
  bytes: Uint8Array;
  documents: DocumentHint[];
  limits: ParseLimits;
}

process.on("message", (job: Job) => {
  const work = job.kind === "message" ? filesOfMessage(job.bytes, job.limits.maxBytes) : parseForm(job.name, job.bytes, job.documents, job.limits);
  void work.then(
    (result) => process.send?.({ id: job.id, result }),
    () => process.send?.({ id: job.id, result: { error: "could not read the form" } }),
  );
});
// The parent's going away ends this process too.
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
