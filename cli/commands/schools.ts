/** The command line's schools commands, each declared with its name, usage, help and options (cli/main.ts routes to them). */
import { existsSync } from "node:fs";
import { ClusterName } from "../../core/config.js";
import { matchGias } from "../../core/rules/directory.js";
import { appSettings, COMMON, connect, json, partnership, partnershipOf, requireOpt, UsageError, type CliCommand } from "../common.js";

export const SCHOOLS_COMMANDS: CliCommand[] = [
  {
    name: "import-schools",
    usage: `--csv <file> --la <code> [--dry-run] [--settings <file>]`,
    help: `match a GIAS establishment extract to the clusters' schools and fill the SharePoint Schools list (URN, cluster, phase, website); reports what did not match`,
    options: { ...COMMON, csv: { type: "string" }, la: { type: "string" }, "dry-run": { type: "boolean" }, settings: { type: "string" } },
    async run(values, io) {
      const file = requireOpt(values, "csv");
      const la = requireOpt(values, "la");
      if (!/^\d{3}$/.test(la.trim())) throw new UsageError(`--la must be the local authority's three-digit code (Hounslow is 313), not "${la}"`);
      if (!existsSync(file)) throw new UsageError(`no file ${file}`);
      const { readGiasCsv } = await import("../../config/gias.js");
      const env = values["dry-run"] ? {} : appSettings(values.settings);
      const p = values["dry-run"] ? partnership(values.config ?? process.env.PARTNERSHIP) : await partnershipOf(values.config, env);
      const m = matchGias(p, readGiasCsv(file), la);
      // Each school missed, by name, with the cluster as the council names it: what to fix, not counts.
      const report = {
        matched: m.matched.length,
        notFound: m.notFound.map(({ clusterId, ...x }) => ({ cluster: ClusterName(p, clusterId), ...x })),
        notInAnyCluster: m.notInAnyCluster,
        skippedNotOpen: m.skippedNotOpen,
        summary: `${m.matched.length} matched; ${m.notFound.length} of the config's schools not found (${m.notFound.filter((x) => x.closed).length} closed in GIAS, ${m.notFound.filter((x) => x.near.length).length} with a near name); ${m.notInAnyCluster.length} open establishments in no cluster`,
      };
      if (values["dry-run"]) {
        json(io, { ok: true, dryRun: true, ...report, schools: m.matched });
        return 0;
      }
      const d = await connect(env, p);
      const { GraphSchools } = await import("../../m365/sharepoint.js");
      const written = await new GraphSchools(d.site).upsert(m.matched);
      json(io, { ok: true, ...report, ...written });
      return 0;
    },
  },
];
