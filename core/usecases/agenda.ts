/** Posts each cluster's agenda to its channel N working days before the meeting, once. Hourly-safe. */
import type { Partnership } from "../config.js";
import { agendaData, type AgendaData } from "../agenda.js";
import type { CaseStorePort, KeyValuePort, Logger, TeamsStatePort } from "../ports.js";
import { meetingsOf } from "../schedule.js";
import { toLocal } from "../time.js";
import { addWorkingDays } from "../workingDays.js";

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
    await d.postAgenda(ref, agendaData(p, c, next, await d.cases.ofCluster(c.id)));
    await d.kv.setSync(key, now.toISOString());
    posted.push(`cluster ${c.id} ${next.date}`);
    d.log.info("agenda.posted", { cluster: c.id, meeting: next.date });
  }
  return { posted, waiting };
}
