/**
 * The form reader's own process (issue 30), started by forms/read.ts with a capped heap, a capped
 * address space (Linux) and no environment: it holds no secret and no connection, reads one form
 * at a time and answers with what core/rules/form.ts keeps of it (never the child's details).
 * Whoever started it kills it when a read passes its time or memory bound.
 */
import { parseForm, type DocumentHint, type ParseLimits } from "./parse.js";

interface Job {
  id: number;
  name: string;
  bytes: Uint8Array;
  documents: DocumentHint[];
  limits: ParseLimits;
}

process.on("message", (job: Job) => {
  void parseForm(job.name, job.bytes, job.documents, job.limits).then(
    (result) => process.send?.({ id: job.id, result }),
    () => process.send?.({ id: job.id, result: { error: "could not read the form" } }),
  );
});
// The parent's going away ends this process too.
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
