/**
 * `cluster-desk`: the command line. Entry point only: find the command in the table (each group of
 * commands is a module in cli/, declaring its name, usage, help and options), parse its arguments,
 * run it. Exit codes: 0 done; 1 the thing checked is not valid (subject line, config); 2 bad input.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../core/config.js";
import { FundingInputError } from "../core/rules/funding.js";
import { PlanInputError } from "../core/rules/planner.js";
import { DirectoryInputError } from "../core/rules/directory.js";
import { IntakeInputError } from "../core/rules/intake.js";
import { DEFAULT_PARTNERSHIP } from "../config/load.js";
import { json, UsageError, type CliCommand, type CliValues, type Io } from "./common.js";
import { RECORDS_COMMANDS } from "./records.js";
import { SUBJECT_COMMANDS } from "./commands/subject.js";
import { FUNDING_COMMANDS } from "./commands/funding.js";
import { REPORT_COMMANDS } from "./commands/report.js";
import { FORMS_COMMANDS } from "./commands/forms.js";
import { CALENDAR_COMMANDS } from "./commands/calendar.js";
import { SCHOOLS_COMMANDS } from "./commands/schools.js";
import { TENANT_COMMANDS } from "./commands/tenant.js";
import { FUND_COMMANDS } from "./funds.js";

export type { Io } from "./common.js";

/** Every command, declared as a table (name, usage, help, options, what it runs), a module a group. */
export const COMMANDS: CliCommand[] = [
  ...SUBJECT_COMMANDS,
  ...FUNDING_COMMANDS,
  ...REPORT_COMMANDS,
  ...FORMS_COMMANDS,
  ...CALENDAR_COMMANDS,
  ...SCHOOLS_COMMANDS,
  ...FUND_COMMANDS,
  ...TENANT_COMMANDS,
  ...RECORDS_COMMANDS,
];

/** A table command's help lines, wrapped as the others are. */
function helpOf(c: CliCommand): string {
  const words = c.help.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && line.length + w.length + 1 > 55) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  const head = `  ${[c.name, c.usage].filter(Boolean).join(" ")}`;
  // A short usage shares its line with the help's first line, in the second column.
  if (head.length < 46) return [`${head.padEnd(47)}${lines[0] ?? ""}`, ...lines.slice(1).map((l) => `${" ".repeat(47)}${l}`)].join("\n");
  return [head, ...lines.map((l) => `${" ".repeat(47)}${l}`)].join("\n");
}

/** `cluster-desk help`: made from the command table (docs/cli.md is made from it too). */
const help = () => `cluster-desk: the SEND cluster model's rules from the command line

Usage: cluster-desk <command> [options]        (every command takes --config <id|file>)

${COMMANDS.map(helpOf).join("\n")}
  help                                         this text

Instants are ISO 8601: 2023-05-02T15:30:00Z, or 2023-05-02T16:30 for London time.
--config defaults to "${DEFAULT_PARTNERSHIP}" (config/${DEFAULT_PARTNERSHIP}.yaml).
JSON goes to stdout. Exit status: 0 done, 1 not valid (subject line or config), 2 bad input.`;

export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const declared = COMMANDS.find((c) => c.name === command);
    if (declared) {
      const { values, positionals } = parseArgs({ args: rest, options: declared.options, allowPositionals: Boolean(declared.positionals) });
      if (values.help) {
        io.out(helpOf(declared));
        return 0;
      }
      return await declared.run(values as CliValues, io, positionals);
    }
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(help());
        return command === undefined ? 2 : 0;

      default:
        throw new UsageError(`unknown command "${command}"; run cluster-desk help`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      json(io, { ok: false, problems: e.problems });
      return 1;
    }
    if (
      e instanceof UsageError ||
      e instanceof FundingInputError ||
      e instanceof IntakeInputError ||
      e instanceof PlanInputError ||
      e instanceof DirectoryInputError
    ) {
      io.err(`cluster-desk ${command}: ${e.message}`);
      return 2;
    }
    if (e instanceof TypeError && "code" in e && String((e as { code: unknown }).code).startsWith("ERR_PARSE_ARGS")) {
      io.err(`cluster-desk ${command}: ${e.message}`);
      return 2;
    }
    // Anything else: one line, no stack trace (CLUSTER_DESK_DEBUG=1 shows it).
    if (process.env.CLUSTER_DESK_DEBUG) throw e;
    io.err(
      `cluster-desk ${command}: ${String((e as Error)?.message ?? e)
        .split("\n")[0]!
        .slice(0, 300)}`,
    );
    return 1;
  }
}
