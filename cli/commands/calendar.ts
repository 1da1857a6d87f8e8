/** The command line's calendar commands, each declared with its name, usage, help and options (cli/main.ts routes to them). */
import { ClusterName } from "../../core/config.js";
import { planYear, publishedMeetings } from "../../core/rules/planner.js";
import { resolveRota } from "../../core/rules/rota.js";
import { meetingsOf, wideMeetingsOf } from "../../core/rules/schedule.js";
import { describeLocal } from "../../core/rules/time.js";
import { appSettings, COMMON, connect, json, partnership, partnershipOf, requireOpt, UsageError, wholeNumber, type CliCommand } from "../common.js";

export const CALENDAR_COMMANDS: CliCommand[] = [
  {
    name: "meetings",
    usage: `[--cluster <n>]`,
    help: `meetings with their submission deadlines`,
    options: { ...COMMON, cluster: { type: "string" } },
    async run(values, io) {
      const p = partnership(values.config);
      const only = values.cluster !== undefined ? wholeNumber(values.cluster, "cluster") : undefined;
      if (only !== undefined && !p.clusters.some((c) => c.id === only)) {
        throw new UsageError(`there is no cluster ${only}; the ${p.shortName} has clusters ${p.clusters.map((c) => c.id).join(", ")}`);
      }
      // Partnership-wide meetings too (conferences, borough or city decision meetings), unless one cluster is asked for.
      const wide =
        only === undefined
          ? p.meetingKinds
              .filter((k) => k.scope === "partnership")
              .flatMap((k) =>
                wideMeetingsOf(p, k.id).map((m) => ({
                  meetingOf: k.label,
                  meeting: describeLocal(m.startsAt),
                  startsAt: m.startsAt.toISOString(),
                  ...(m.location ? { location: m.location } : {}),
                })),
              )
          : [];
      json(io, [
        ...p.clusters
          .filter((c) => only === undefined || c.id === only)
          .flatMap((c) =>
            meetingsOf(p, c).map((m) => ({
              cluster: ClusterName(p, c.id),
              meeting: describeLocal(m.startsAt),
              startsAt: m.startsAt.toISOString(),
              deadline: describeLocal(m.deadline.at),
              deadlineAt: m.deadline.at.toISOString(),
              deadlineSource: m.deadline.source,
              ...(m.deadline.note ? { note: m.deadline.note } : {}),
            })),
          ),
        ...wide,
      ]);
      return 0;
    },
  },
  {
    name: "rota",
    usage: `--cluster <n>`,
    help: `the headteacher representative for each meeting; gaps, clashes and entries that are not meetings`,
    options: { ...COMMON, cluster: { type: "string" } },
    async run(values, io) {
      const p = partnership(values.config);
      const id = wholeNumber(requireOpt(values, "cluster"), "cluster");
      const c = p.clusters.find((x) => x.id === id);
      if (!c) throw new UsageError(`there is no cluster ${id}; the ${p.shortName} has clusters ${p.clusters.map((x) => x.id).join(", ")}`);
      const r = resolveRota(p, c);
      json(io, {
        cluster: id,
        meetings: r.assignments.map((a) => ({
          date: a.meeting.date,
          start: a.meeting.start,
          htRep: a.school ? a.school.name : null,
          headteacherEmail: a.school?.headteacherEmail ?? null,
          from: a.rota,
        })),
        problems: r.problems,
      });
      return 0;
    },
  },
  {
    name: "plan-year",
    usage: `--year <2026-27> [--cluster <n>]`,
    help: `propose the year's meetings: each cluster's regular slot at the partnership's cadence in term time, no holiday, half-term, weekend or bank holiday; deadlines moved to an earlier school day where needed; the HT rota with gaps and clashes`,
    options: { ...COMMON, year: { type: "string" }, cluster: { type: "string" }, json: { type: "boolean" } },
    async run(values, io) {
      const p = partnership(values.config);
      const plan = planYear(p, requireOpt(values, "year"), values.cluster !== undefined ? { cluster: wholeNumber(values.cluster, "cluster") } : {});
      json(io, { proposed: plan.termSource !== "config", ...plan });
      return 0;
    },
  },
  {
    name: "publish-meetings",
    usage: `--year <2026-27> [--settings <file>]`,
    help: `write that plan to the SharePoint Meetings list (new meetings created, changed ones updated); the product reads the list within minutes`,
    options: { ...COMMON, year: { type: "string" }, settings: { type: "string" } },
    async run(values, io) {
      const env = appSettings(values.settings);
      const p = await partnershipOf(values.config, env);
      const plan = planYear(p, requireOpt(values, "year"));
      const d = await connect(env, p);
      const { GraphMeetings } = await import("../../m365/sharepoint.js");
      const r = await new GraphMeetings(d.site).publish(publishedMeetings(plan));
      json(io, { ok: true, year: plan.year, proposed: plan.termSource !== "config", meetings: plan.meetings.length, ...r, notes: plan.notes });
      return 0;
    },
  },
];
