/** The contingency fund from the command line (Southampton): its ledger for an academic year and each award from it. */
import { academicYearStart } from "../core/rules/planner.js";
import { appSettings, COMMON, connect, json, partnershipOf, UsageError, type CliCommand } from "./common.js";

export const FUND_COMMANDS: CliCommand[] = [
  {
    name: "contingency",
    usage: "[--year <2026-27>] [--settings <file>]",
    help: "the contingency fund's ledger for an academic year (allocated, committed, remaining) and each award from it, by reference and cluster, from the Cases list",
    options: { ...COMMON, year: { type: "string" }, settings: { type: "string" } },
    async run(values, io) {
      const env = appSettings(values.settings);
      const p = await partnershipOf(values.config, env);
      if (!p.allocation) throw new UsageError(`the ${p.shortName} holds no contingency fund (no allocation in its config)`);
      const d = await connect(env, p);
      await d.refreshCalendar(true);
      const year = typeof values.year === "string" ? values.year : null;
      // A day inside the year asked for (its last), else today.
      const on = year ? `${academicYearStart(year) + 1}-07-31` : d.now().toISOString().slice(0, 10);
      const { contingencyNow } = await import("../core/usecases/termly.js");
      const { cases, ...ledger } = await contingencyNow({ ...d, partnership: d.partnership }, on);
      json(io, {
        ...ledger,
        awards: cases.map((c) => ({
          ref: c.fields.Title,
          cluster: c.fields.Cluster ?? null,
          amount: c.fields.AmountAwarded ?? 0,
          decidedAt: c.fields.DecisionAt ?? null,
        })),
      });
      return 0;
    },
  },
];
