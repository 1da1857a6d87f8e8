/** Posts each cluster's agenda to its channel N working days before the meeting, once. Hourly-safe. */
import { clusterName, type Cluster, type MeetingKind, type Partnership } from "../config.js";
import { agendaData, agendaMeetingKey, wideAgendaData, type AgendaData } from "../rules/agenda.js";
import { agendaCases } from "./caseWindows.js";
import { type CaseStorePort, type KeyValuePort, type Logger, type StoredCase, type TeamsStatePort } from "../ports.js";
import { meetingsOf, wideMeetingsOf, type ScheduledMeeting, type WideMeeting } from "../rules/schedule.js";
import { toLocal } from "../rules/time.js";
import { addWorkingDays } from "../rules/workingDays.js";

export interface AgendaDeps {
  partnership: Partnership;
  cases: CaseStorePort;
  kv: KeyValuePort;
  teams: TeamsStatePort;
  log: Logger;
  now: () => Date;
  /** Posts the agenda card to a stored conversation: its Teams message id (null if none was given). */
  postAgenda: (conversationRef: string, data: AgendaData) => Promise<string | null>;
}

/** The cases of a meeting whose vote is open now (the final vote's, for a partnership-wide meeting). */
async function openVotes(teams: Pick<TeamsStatePort, "voteSession">, cases: StoredCase[], final: boolean): Promise<Set<string>> {
  const open = await Promise.all(
    cases.map(async (c) => ((await teams.voteSession(final ? `${c.fields.Title}-final` : c.fields.Title))?.status === "open" ? c.fields.Title : null)),
  );
  return new Set(open.filter((x): x is string => x !== null));
}

/**
 * A cluster meeting's agenda as it stands now: each case's state (to decide, vote open, decided),
 * so a re-drawn card offers only what can be done.
 */
export async function clusterAgendaNow(
  d: { partnership: Partnership; cases: CaseStorePort; teams: Pick<TeamsStatePort, "voteSession"> },
  c: Cluster,
  m: ScheduledMeeting,
): Promise<AgendaData> {
  const cases = await agendaCases(d.cases, c.id, m.startsAt, m.date);
  return agendaData(d.partnership, c, m, cases, await openVotes(d.teams, cases, false));
}

/** A partnership-wide meeting's agenda as it stands now (its cases' final votes). */
export async function wideAgendaNow(
  d: { partnership: Partnership; cases: CaseStorePort; teams: Pick<TeamsStatePort, "voteSession"> },
  k: MeetingKind,
  m: WideMeeting,
): Promise<AgendaData> {
  const cases = await agendaCases(d.cases, undefined, m.startsAt, m.date);
  return wideAgendaData(d.partnership, k, m, cases, await openVotes(d.teams, cases, true));
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
      waiting.push(`${clusterName(p, c.id)}: no channel linked (@mention Cluster Desk with "${clusterName(p, c.id)}" in the cluster's channel)`);
      continue;
    }
    const id = await d.postAgenda(ref, await clusterAgendaNow(d, c, next));
    await d.teams.setAgendaCard(agendaMeetingKey({ cluster: c.id }, next.date), { conversation: ref, activityId: id });
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
    const id = await d.postAgenda(ref, await wideAgendaNow(d, k, next));
    await d.teams.setAgendaCard(agendaMeetingKey({ kind: k.id }, next.date), { conversation: ref, activityId: id });
    await d.kv.setSync(key, now.toISOString());
    posted.push(`${k.id} ${next.date}`);
    d.log.info("agenda.posted", { kind: k.id, meeting: next.date });
  }
  return { posted, waiting };
}
