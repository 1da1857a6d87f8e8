/** The command line's subject commands, each declared with its name, usage, help and options (cli/main.ts routes to them). */
import { assess } from "../../core/rules/intake.js";
import { checkSubject } from "../../core/rules/subject.js";
import { parseInstant } from "../../core/rules/time.js";
import { COMMON, json, partnership, requireOpt, UsageError, type CliCommand } from "../common.js";

export const SUBJECT_COMMANDS: CliCommand[] = [
  {
    name: "check-subject",
    usage: `<subject>`,
    help: `read and check an email subject line`,
    options: COMMON,
    positionals: true,
    async run(values, io, positionals) {
      if (positionals.length !== 1)
        throw new UsageError('check-subject takes one subject line in quotes, e.g. cluster-desk check-subject "Cluster 5/KL/Isleworth Town Primary School"');
      const result = checkSubject(partnership(values.config), positionals[0]!);
      json(io, result);
      return result.ok ? 0 : 1;
    },
  },
  {
    name: "assign",
    usage: `--subject <s> --sender <email> --received <instant>`,
    help: `what intake decides for a form: outcome, cluster, lead, school, meeting, deadline, ackDueBy, reasons`,
    options: { ...COMMON, subject: { type: "string" }, sender: { type: "string" }, received: { type: "string" } },
    async run(values, io) {
      const p = partnership(values.config);
      let receivedAt: Date;
      try {
        receivedAt = parseInstant(requireOpt(values, "received"));
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(`--received: ${e.message}`);
        throw e;
      }
      if (typeof values.subject !== "string") throw new UsageError("--subject is required (it may be empty: --subject '')");
      const result = assess(p, { subject: values.subject, sender: requireOpt(values, "sender"), receivedAt });
      const { subject: check, outcome, ...details } = result;
      json(io, { outcome, ...details, subjectProblems: check.problems });
      return 0;
    },
  },
];
