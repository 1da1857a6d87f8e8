/** The command line's report commands, each declared with its name, usage, help and options (cli/main.ts routes to them). */
import { appSettings, COMMON, connect, haveAppSettings, json, partnership, partnershipOf, UsageError, type CliCommand } from "../common.js";

export const REPORT_COMMANDS: CliCommand[] = [
  {
    name: "report",
    usage: `--term <summer-2023> | --from <date> --to <date> [--format json|csv|html|pdf|xlsx] [--table overview|engagement|...] [--out FILE] [--settings <file>]`,
    help: `the termly evaluation from the case register (Graph): awards by cluster, phase, terms, funding and RAG, meetings, school engagement, the contingency fund, service levels; pdf and xlsx need --out`,
    options: {
      ...COMMON,
      term: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      format: { type: "string" },
      table: { type: "string" },
      out: { type: "string" },
      settings: { type: "string" },
    },
    async run(values, io) {
      const { datesPeriod, termPeriod, ReportInputError } = await import("../../core/rules/report.js");
      const { renderReport, REPORT_FORMATS } = await import("../../reports/render.js");
      const format = (values.format ?? "json") as (typeof REPORT_FORMATS)[number];
      if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(", ")}, not "${values.format}"`);
      if ((format === "pdf" || format === "xlsx") && !values.out) throw new UsageError(`--format ${format} writes a file: give --out FILE`);
      // The request is checked before Graph is read (but for a config kept in SharePoint).
      const env = haveAppSettings(values.settings) ? appSettings(values.settings) : null;
      const p = env && !values.config ? await partnershipOf(undefined, env) : partnership(values.config ?? process.env.PARTNERSHIP);
      let period;
      try {
        period = values.term ? termPeriod(p, values.term) : values.from && values.to ? datesPeriod(values.from, values.to) : null;
      } catch (e) {
        if (e instanceof ReportInputError) throw new UsageError(e.message);
        throw e;
      }
      if (!period) throw new UsageError("give --term (e.g. summer-2023) or --from and --to");
      const d = await connect(env ?? appSettings(values.settings), p);
      await d.refreshCalendar(true);
      const { termReport } = await import("../../core/usecases/termly.js");
      const report = await termReport({ ...d, intakeSince: (since) => d.cases.intakeSince(since) }, period);
      let body: string | Buffer;
      try {
        body = await renderReport(report, format, values.table);
      } catch (e) {
        if (/there is no table/.test((e as Error).message)) throw new UsageError((e as Error).message);
        throw e;
      }
      if (values.out) {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(values.out, body);
        json(io, { ok: true, period, format, out: values.out, bytes: body.length, cases: report.counted.length });
      } else io.out(String(body).trimEnd());
      return 0;
    },
  },
];
