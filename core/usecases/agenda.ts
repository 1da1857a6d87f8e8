/** Posts each cluster's agenda to its channel N working days before the meeting, once. Hourly-safe. */
import type { Partnership } from "../config.js";
import { agendaData, wideAgendaData, type AgendaData } from "../rules/agenda.js";
import { agendaCases } from "./caseWindows.js";
import { type CaseStorePort, type KeyValuePort, type Logger, type TeamsStatePort } from "../ports.js";
import { meetingsOf, wideMeetingsOf } from "../rules/schedule.js";
import { toLocal } from "../rules/time.js";
import { addWorkingDays } from "../rules/workingDays.js";

export interface AgendaDeps {
  partnership: Partnership;
  cases: CaseStorePort;
  kv: KeyValuePort;
  teams: TeamsStatePort;
  log: Logger;
  now: () => Date;
  /** Posts the agenda card to a stored conversation. */
  postAgenda: (conversationRef: string, data: AgendaData) => Promise<void>;
}

export async function runAgendas(d: AgendaDeps): Promise<{ posted: string[]; waiting: string[] }> {
  const p = d.partnership;
  const now = d.now();
  const today = toLocal(now).date;
  const posted: string[] = [];
  const waiting: string[] = [];
  for (const c of p.clusters) {
    const next = meetingsOf(p, c).find((m) => m.startsAt > now);
    if (!next || today < addWorkingDays(next.date, -p.agenda.postWorkingDaysBefore)) continue;
    const key = `agenda-posted|c${c.id}|${next.date}`;
    if (await d.kv.getSync(key)) continue;
    const ref = await d.teams.clusterChannel(c.id);
    if (!ref) {
      waiting.push(`cluster ${c.id}: no channel linked (@mention Cluster Desk with "cluster ${c.id}" in the cluster's channel)`);
      continue;
    }
    await d.postAgenda(ref, agendaData(p, c, next, await agendaCases(d.cases, c.id, next.startsAt, next.date)));
    await d.kv.setSync(key, now.toISOString());
    posted.push(`cluster ${c.id} ${next.date}`);
    d.log.info("agenda.posted", { cluster: c.id, meeting: next.date });
  }
  // Partnership-wide meetings that decide (a borough or city meeting): their agenda of the
  // clusters' recommendations goes to the partnership lead, who chairs them.
  for (const k of p.meetingKinds.filter((m) => m.scope === "partnership" && m.hearsCases)) {
    const next = wideMeetingsOf(p, k.id).find((m) => m.startsAt > now);
    if (!next || today < addWorkingDays(next.date, -p.agenda.postWorkingDaysBefore)) continue;
    const key = `agenda-posted|k:${k.id}|${next.date}`;
    if (await d.kv.getSync(key)) continue;
    const ref = await d.teams.personalChat(p.partnershipLead.email);
    if (!ref) {
      waiting.push(`${k.label}: the partnership lead has not added Cluster Desk in Teams`);
      continue;
    }
    await d.postAgenda(ref, wideAgendaData(p, k, next, await agendaCases(d.cases, undefined, next.startsAt, next.date)));
    await d.kv.setSync(key, now.toISOString());
    posted.push(`${k.id} ${next.date}`);
    d.log.info("agenda.posted", { kind: k.id, meeting: next.date });
  }
  return { posted, waiting };
}
