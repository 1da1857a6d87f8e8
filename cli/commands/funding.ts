/** The command line's funding commands, each declared with its name, usage, help and options (cli/main.ts routes to them). */
import { fundingCap } from "../../core/rules/funding.js";
import { allocationFor } from "../../core/rules/allocation.js";
import { academicYearStart } from "../../core/rules/planner.js";
import {
  appSettings,
  COMMON,
  connect,
  json,
  partnership,
  partnershipOf,
  pounds,
  wholePounds,
  requireOpt,
  UsageError,
  wholeNumber,
  type CliCommand,
} from "../common.js";

export const FUNDING_COMMANDS: CliCommand[] = [
  {
    name: "funding",
    usage: `--cyp <n> --terms <n> --date <YYYY-MM-DD> [--requested <pounds>] [--type <referral type id>]`,
    help: `the funding limit (and award) for a case`,
    options: {
      ...COMMON,
      cyp: { type: "string" },
      terms: { type: "string" },
      date: { type: "string" },
      requested: { type: "string" },
      type: { type: "string" },
    },
    async run(values, io) {
      const p = partnership(values.config ?? process.env.PARTNERSHIP);
      const type = values.type === undefined ? undefined : p.referralTypes.find((t) => t.id === values.type);
      if (values.type !== undefined && !type)
        throw new UsageError(`there is no referral type "${values.type}"; the ${p.shortName} has ${p.referralTypes.map((t) => t.id).join(", ")}`);
      const result = fundingCap(p, {
        cyp: wholeNumber(requireOpt(values, "cyp"), "cyp"),
        terms: wholeNumber(requireOpt(values, "terms"), "terms"),
        date: requireOpt(values, "date"),
        ...(values.requested !== undefined ? { requested: pounds(values.requested) } : {}),
        ...(type ? { type } : {}),
      });
      json(io, result);
      return 0;
    },
  },
  {
    name: "allocation",
    usage: `--year <2026-27> [--total <pounds>]`,
    help: `a total shared by pupil numbers, with its contingency fund and the calculation (Southampton)`,
    options: { ...COMMON, year: { type: "string" }, total: { type: "string" } },
    async run(values, io) {
      const p = partnership(values.config ?? process.env.PARTNERSHIP);
      const year = requireOpt(values, "year");
      academicYearStart(year);
      if (!p.allocation) throw new UsageError(`the ${p.shortName} does not share a total by pupil numbers (no allocation in its config)`);
      const withTotal =
        values.total === undefined
          ? p
          : { ...p, allocation: { ...p.allocation, totals: { ...p.allocation.totals, [year]: wholePounds(values.total, "total") } } };
      const a = allocationFor(withTotal, year);
      if (!a) throw new UsageError(`no total funding is set for ${year}: give --total, or set it with set-budget --cluster 0`);
      json(io, a);
      return 0;
    },
  },
  {
    name: "set-budget",
    usage: `--cluster <n> --year <2026-27> --amount <pounds> [--settings <file>]`,
    help: `a cluster's allocated budget for a year, in the SharePoint Budgets list (the agenda's and budget's RAG); --cluster 0: the total a partnership shares by pupil numbers (Southampton), its contingency fund held back`,
    options: { ...COMMON, cluster: { type: "string" }, year: { type: "string" }, amount: { type: "string" }, settings: { type: "string" } },
    async run(values, io) {
      const id = wholeNumber(requireOpt(values, "cluster"), "cluster");
      const year = requireOpt(values, "year");
      academicYearStart(year); // refuses what is not an academic year
      // The total a partnership shares is shared in whole pounds; a cluster's budget may have pence.
      const amount = id === 0 ? wholePounds(requireOpt(values, "amount"), "amount") : pounds(requireOpt(values, "amount"));
      const env = appSettings(values.settings);
      const p = await partnershipOf(values.config, env);
      // Cluster 0: the partnership's total annual funding, shared by pupil numbers (config allocation).
      if (id === 0 && !p.allocation)
        throw new UsageError(`cluster 0 is the total funding of a partnership that shares it by pupil numbers; the ${p.shortName} does not`);
      if (id !== 0 && !p.clusters.some((c) => c.id === id))
        throw new UsageError(`there is no cluster ${id}; the ${p.shortName} has clusters ${p.clusters.map((c) => c.id).join(", ")}`);
      const d = await connect(env, p);
      const { GraphBudgets } = await import("../../m365/sharepoint.js");
      const done = await new GraphBudgets(d.site).set({ clusterId: id, year, allocated: amount });
      json(io, { ok: true, cluster: id, year, allocated: amount, done });
      return 0;
    },
  },
];
