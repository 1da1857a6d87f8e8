/**
 * Data protection from the command line (issue 34): the retention run, a subject access export and
 * an erasure, each against the tenant the app settings name and each audited there.
 */
import { userInfo } from "node:os";
import { appSettings, COMMON, connect, json, partnershipOf, UsageError, type CliCommand, type Io } from "./common.js";

/** Who is running the command, for the audit row: --by, else the machine's user. */
const who = (by: unknown) => (typeof by === "string" && by.trim() ? by.trim() : `${userInfo().username} (command line)`);

async function recordsOf(values: Record<string, unknown>) {
  const env = appSettings(values.settings as string | undefined);
  const d = await connect(env, await partnershipOf(values.config as string | undefined, env));
  const { recordsDeps } = await import("../functions/deps.js");
  return recordsDeps(d);
}

/** Runs a records use case, its refusals (no such case, funding live) as usage errors (exit 2). */
async function refusalsAsUsage<T>(f: () => Promise<T>): Promise<T> {
  const { RecordsRequestError } = await import("../core/usecases/records.js");
  try {
    return await f();
  } catch (e) {
    if (e instanceof RecordsRequestError) throw new UsageError(e.message);
    throw e;
  }
}

export const RECORDS_COMMANDS: CliCommand[] = [
  {
    name: "retention",
    usage: "[--dry-run] [--settings <file>]",
    help: "delete the emails and personal details of every case past the partnership's retention period (dataProtection.keepCases), keeping the numbers the report counts; --dry-run lists them only. The daily timer runs the same",
    options: { ...COMMON, "dry-run": { type: "boolean" }, settings: { type: "string" } },
    async run(values, io: Io) {
      const d = await recordsOf(values);
      const { runRetention } = await import("../core/usecases/records.js");
      json(io, await runRetention(d, { dryRun: Boolean(values["dry-run"]) }));
      return 0;
    },
  },
  {
    name: "export",
    usage: "--case <ref> | --school <name> | --sender <email> --out <FILE.zip> [--by <your email>] [--settings <file>]",
    help: "subject access: everything Cluster Desk holds about a case, a school or a sender (case and audit rows, votes, the emails with their attachments, the replies) in a zip with an index, for an officer to review and redact; the export is audited",
    options: {
      ...COMMON,
      case: { type: "string" },
      school: { type: "string" },
      sender: { type: "string" },
      out: { type: "string" },
      by: { type: "string" },
      settings: { type: "string" },
    },
    async run(values, io: Io) {
      const given = (["case", "school", "sender"] as const).filter((k) => typeof values[k] === "string" && values[k].trim());
      if (given.length !== 1) throw new UsageError("give one of --case, --school or --sender");
      const out = values.out;
      if (typeof out !== "string" || !out.toLowerCase().endsWith(".zip")) throw new UsageError("--out must name a .zip file");
      const kind = given[0]!;
      const scope = { [kind]: String(values[kind]) } as { case: string } | { school: string } | { sender: string };
      const d = await recordsOf(values);
      const { gatherRecords } = await import("../core/usecases/records.js");
      const cases = await refusalsAsUsage(() => gatherRecords(d, scope, who(values.by)));
      const { subjectAccessZip } = await import("../reports/subjectAccess.js");
      const zip = subjectAccessZip(cases, scope, d.now().toISOString());
      const { writeFileSync } = await import("node:fs");
      writeFileSync(out, zip);
      json(io, {
        ok: true,
        out,
        bytes: zip.length,
        cases: cases.map((c) => c.case.fields.Title),
        emails: cases.reduce((n, c) => n + c.messages.filter((m) => m.record).length, 0),
      });
      return 0;
    },
  },
  {
    name: "forget",
    usage: "--case <ref> --reason <text> [--force] [--by <your email>] [--settings <file>]",
    help: "erasure on request: the case's emails and personal details deleted now, its numbers kept; refused while its funding is being paid unless --force; audited with the reason",
    options: {
      ...COMMON,
      case: { type: "string" },
      reason: { type: "string" },
      force: { type: "boolean" },
      by: { type: "string" },
      settings: { type: "string" },
    },
    async run(values, io: Io) {
      const ref = typeof values.case === "string" ? values.case.trim() : "";
      if (!ref) throw new UsageError("--case is required");
      const reason = typeof values.reason === "string" ? values.reason : "";
      const d = await recordsOf(values);
      const { forgetCase } = await import("../core/usecases/records.js");
      json(io, { ok: true, ...(await refusalsAsUsage(() => forgetCase(d, ref, reason, who(values.by), Boolean(values.force)))) });
      return 0;
    },
  },
];
