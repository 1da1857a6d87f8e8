/**
 * What will stop the partnership's next cycle, for a council officer (`npx cluster-desk doctor`):
 * clusters with no meeting in the next 8 weeks, no funding policy in force (or one ending soon),
 * schools without SENDCo or headteacher addresses, the sender check off. "Blocking" findings stop
 * intake from working as the council expects (forms cannot be placed, limits cannot be worked out).
 * Paths name the cluster and the school, never a zero-based index. Pure.
 */
import { ClusterName, type Partnership } from "../config.js";
import { clusterBudget } from "./allocation.js";
import { policyInForce } from "./funding.js";
import { meetingsOf } from "./schedule.js";
import { academicYearOf, addSchoolDays } from "./planner.js";
import { addDays, fromLocal, type LocalDate } from "./time.js";

export interface Finding {
  where: string;
  problem: string;
  /** What to do about it. */
  fix: string;
}

export interface DoctorReport {
  blocking: Finding[];
  warnings: Finding[];
}

/** How far ahead every cluster needs a meeting. */
export const MEETING_HORIZON_DAYS = 56;
/** A funding policy ending within this many days is reported. */
export const POLICY_ENDING_DAYS = 60;

export function doctor(p: Partnership, today: LocalDate): DoctorReport {
  const blocking: Finding[] = [];
  const warnings: Finding[] = [];
  const now = fromLocal(today, "00:00");
  // Eight weeks of school time: a plan's gap over the Christmas or summer holidays is not a gap in the cycle.
  const horizon = fromLocal(addSchoolDays(p, today, (MEETING_HORIZON_DAYS / 7) * 5), "23:59");
  for (const c of p.clusters) {
    const next = meetingsOf(p, c).find((m) => m.startsAt > now);
    if (!next || next.startsAt > horizon) {
      blocking.push({
        where: ClusterName(p, c.id),
        problem: next ? `its next meeting is ${next.date}, more than 8 weeks of term away` : "no meeting after today is published",
        fix: "plan and publish the year's meetings: npx cluster-desk plan-year --year <YYYY-YY>, then publish-meetings (or add them to the Meetings list)",
      });
    }
    for (const s of c.schools) {
      const missing = [s.sendcoEmail ? "" : "SENDCo", s.headteacherEmail ? "" : "headteacher"].filter(Boolean);
      if (missing.length)
        warnings.push({
          where: `${ClusterName(p, c.id)}, school "${s.name}"`,
          problem: `no ${missing.join(" or ")} address`,
          fix: "add sendcoEmail and headteacherEmail (deadline reminders and rota invitations go there)",
        });
    }
  }
  const year = academicYearOf(today);
  // A partnership that shares one total by pupil numbers (Southampton) has a budget for every
  // cluster once the total is set: one warning for the total, none per cluster.
  if (p.allocation && p.clusters.every((c) => clusterBudget(p, c, year) === null))
    warnings.push({
      where: "allocation",
      problem: `no total funding is set for ${year}, so no cluster has a budget and agendas show no RAG rating`,
      fix: `npx cluster-desk set-budget --cluster 0 --year ${year} --amount <pounds> (the total, shared by pupil numbers; or the Budgets list)`,
    });
  else
    for (const c of p.clusters) {
      if (clusterBudget(p, c, year) === null)
        warnings.push({
          where: ClusterName(p, c.id),
          problem: `no budget is allocated for ${year}, so agendas show no RAG rating`,
          fix: `npx cluster-desk set-budget --cluster ${c.id} --year ${year} --amount <pounds> (or the Budgets list)`,
        });
    }
  const policy = policyInForce(p, today);
  if (!policy) {
    blocking.push({
      where: "fundingPolicies",
      problem: `no funding policy is in force on ${today}`,
      fix: "add the policy for this academic year (from, to, bands): limits and awards cannot be worked out without one",
    });
  } else if (policy.example) {
    warnings.push({
      where: `funding policy "${policy.id}"`,
      problem: "is an example (npm start copied the latest policy into this academic year), not the council's decision",
      fix: "add the council's own policy for this academic year to the partnership config",
    });
  } else if (policy.to && policy.to <= addDays(today, POLICY_ENDING_DAYS)) {
    warnings.push({ where: `funding policy "${policy.id}"`, problem: `ends on ${policy.to}`, fix: "add the policy that follows it" });
  } else if (!policy.to) {
    warnings.push({
      where: `funding policy "${policy.id}"`,
      problem: "has no end date, so it would apply to every later year",
      fix: "give it the end of its academic year (to: YYYY-08-31)",
    });
  }
  const domains = p.intake.emailDomains.length + p.clusters.reduce((n, c) => n + c.schools.filter((s) => s.emailDomains.length).length, 0);
  if (!domains)
    warnings.push({
      where: "intake.emailDomains",
      problem: "the sender check is off: no school's email domains are known",
      fix: "add each school's emailDomains (or intake.emailDomains) so mail from elsewhere is held",
    });
  return { blocking, warnings };
}

/**
 * The people the bot cannot reach yet: each SEND Cluster Lead, and the partnership lead, whose
 * personal chat with the bot is unknown (nobody installed the app for them, and they have not
 * added it). Their triage cards, reminders and agendas would not arrive. `reachable`: the lower-case
 * addresses whose chat the bot knows.
 */
export function unreachable(p: Partnership, reachable: Set<string>): Finding[] {
  const people = [
    ...p.leads.map((l) => ({
      name: l.name,
      email: l.email,
      role: `${p.leadTitle} for ${l.clusters.length === 1 ? "cluster" : "clusters"} ${l.clusters.join(", ")}`,
    })),
  ];
  if (!people.some((x) => x.email.toLowerCase() === p.partnershipLead.email.toLowerCase()))
    people.push({ name: p.partnershipLead.name, email: p.partnershipLead.email, role: "partnership lead" });
  return people
    .filter((x) => !reachable.has(x.email.toLowerCase()))
    .map((x) => ({
      where: `${x.name} (${x.role})`,
      problem: "Cluster Desk cannot reach them in Teams yet: their cases' cards and reminders would not arrive there",
      fix: "install the app for them (Teams admin centre, an app setup policy that installs and pins Cluster Desk), or ask them to add it from Apps and say hello",
    }));
}
