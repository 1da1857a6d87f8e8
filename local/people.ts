/**
 * The people of the local tenant and the Agents Playground. The seeds name the SEND Cluster Leads,
 * the partnership lead and the advisers, but no SENDCo or headteacher: locally each school gets
 * example addresses (senco@<school>.school.example, head@<school>.school.example; `.example` is
 * reserved, so nothing can ever be delivered) so that votes, reminders and invitations can be seen.
 * A real deployment fills these in from the council's directory (config `sendcoEmail`,
 * `headteacherEmail`).
 */
import { createHash } from "node:crypto";
import { ClusterName, clusterName, parsePartnership, type Partnership } from "../core/config.js";
import { meetingsOf } from "../core/rules/schedule.js";
import { resolveRota } from "../core/rules/rota.js";

export const EXAMPLE_SCHOOL_DOMAIN = "school.example";

const slug = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "");

/** A school's example addresses, from its short name (or name). */
export function exampleContacts(shortName: string): { sendcoEmail: string; headteacherEmail: string } {
  const host = `${slug(shortName)}.${EXAMPLE_SCHOOL_DOMAIN}`;
  return { sendcoEmail: `senco@${host}`, headteacherEmail: `head@${host}` };
}

/** Example SENDCo and headteacher addresses for the schools that have none. */
export function withExampleContacts(base: Partnership): Partnership {
  const raw = JSON.parse(JSON.stringify(base));
  for (const c of raw.clusters as { schools: { name: string; shortName?: string; sendcoEmail?: string; headteacherEmail?: string }[] }[]) {
    for (const s of c.schools) {
      const example = exampleContacts(s.shortName ?? s.name);
      s.sendcoEmail ??= example.sendcoEmail;
      s.headteacherEmail ??= example.headteacherEmail;
    }
  }
  return parsePartnership(raw).partnership;
}

export interface Person {
  email: string;
  name: string;
  givenName: string;
  surname: string;
}

/** Everyone the partnership config knows, with a display name. */
export function directory(p: Partnership): Person[] {
  const out: Person[] = [];
  const split = (name: string) => {
    const parts = name.split(" ");
    return { givenName: parts[0] ?? name, surname: parts.slice(1).join(" ") || name };
  };
  for (const l of p.leads) out.push({ email: l.email, name: l.name, ...split(l.name) });
  out.push({ email: p.partnershipLead.email, name: p.partnershipLead.name, ...split(p.partnershipLead.name) });
  for (const a of p.advisers) out.push({ email: a.email, name: a.name, ...split(a.name) });
  for (const r of p.roles) for (const h of r.people) out.push({ email: h.email, name: h.name, ...split(h.name) });
  for (const c of p.clusters) {
    for (const s of c.schools) {
      const short = s.shortName ?? s.name;
      if (s.sendcoEmail) out.push({ email: s.sendcoEmail, name: `SENDCo, ${s.name}`, givenName: "SENDCo", surname: short });
      if (s.headteacherEmail) out.push({ email: s.headteacherEmail, name: `Headteacher, ${s.name}`, givenName: "Headteacher", surname: short });
    }
  }
  const seen = new Set<string>();
  return out.filter((x) => !seen.has(x.email.toLowerCase()) && seen.add(x.email.toLowerCase()));
}

/** A stable Teams user id and Entra object id for a local person. */
export function teamsIds(email: string): { id: string; aadObjectId: string } {
  const h = createHash("sha256").update(email.toLowerCase()).digest("hex");
  return { id: `29:local-${h.slice(0, 20)}`, aadObjectId: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}` };
}

export interface PlaygroundTeam {
  /** The team's General channel conversation id (a team's id is its General channel's). */
  teamId: string;
  channelId: string;
  groupChatId: string;
  personalChatId: string;
}

export const playgroundTeam = (cluster: number): PlaygroundTeam => ({
  teamId: `19:cluster-${cluster}-general@thread.tacv2`,
  channelId: `19:cluster-${cluster}-meetings@thread.tacv2`,
  groupChatId: `19:cluster-${cluster}-sendcos@thread.v2`,
  personalChatId: `a:cluster-desk-personal-${cluster}`,
});

/**
 * The cluster's people for `.m365agentsplayground.yml`: the Playground takes one signed-in user and
 * exactly five others. By default the signed-in user is the cluster's SEND Cluster Lead; the others
 * are the partnership lead, three SENDCos and the headteacher representative of the next meeting.
 */
export function playgroundPeople(
  p: Partnership,
  cluster: number,
  opts: { currentUser?: string; now?: Date; others?: string[] } = {},
): { current: Person; users: Person[] } {
  const people = directory(p);
  const byEmail = (e: string) => {
    const found = people.find((x) => x.email.toLowerCase() === e.toLowerCase());
    if (!found) throw new Error(`${e} is not in the partnership directory`);
    return found;
  };
  const c = p.clusters.find((x) => x.id === cluster);
  if (!c) throw new Error(`There is no cluster ${cluster}`);
  const lead = p.leads.find((l) => l.clusters.includes(cluster));
  const current = byEmail(opts.currentUser ?? lead?.email ?? p.partnershipLead.email);
  const now = opts.now ?? new Date();
  const next = meetingsOf(p, c).find((m) => m.startsAt > now) ?? meetingsOf(p, c)[0];
  const rep = next ? resolveRota(p, c).assignments.find((a) => a.meeting.date === next.date)?.school : undefined;
  const candidates = [
    ...(opts.others ?? []),
    ...(lead ? [lead.email] : []),
    p.partnershipLead.email,
    ...(rep?.headteacherEmail ? [rep.headteacherEmail] : []),
    ...c.schools.filter((s) => s !== rep).flatMap((s) => (s.sendcoEmail ? [s.sendcoEmail] : [])),
    ...p.advisers.map((a) => a.email),
  ];
  const users: Person[] = [];
  for (const e of candidates) {
    if (users.length === 5) break;
    const person = byEmail(e);
    if (person.email.toLowerCase() !== current.email.toLowerCase() && !users.includes(person)) users.push(person);
  }
  if (users.length < 5) throw new Error(`Cluster ${cluster} has too few people for the Agents Playground (it needs five besides the signed-in user)`);
  return { current, users };
}

/** The Agents Playground's config (schema 0.1.1): the tenant, the bot, the people and cluster's team. */
export function playgroundConfig(p: Partnership, cluster: number, opts: { currentUser?: string; now?: Date; others?: string[] } = {}): Record<string, unknown> {
  const { current, users } = playgroundPeople(p, cluster, opts);
  const team = playgroundTeam(cluster);
  const user = (x: Person) => ({ ...teamsIds(x.email), name: x.name, userPrincipleName: x.email, givenName: x.givenName, surname: x.surname, email: x.email });
  return {
    version: "0.1.1",
    tenantId: "00000000-0000-4000-8000-00000000c1d5",
    bot: { id: "28:cluster-desk-local", name: "Cluster Desk" },
    currentUser: user(current),
    users: users.map(user),
    personalChat: { id: team.personalChatId },
    groupChat: { id: team.groupChatId, name: `${ClusterName(p, cluster)} SENDCos` },
    team: {
      id: team.teamId,
      name: `${p.shortName ?? p.name} ${clusterName(p, cluster)}`,
      aadGroupId: teamsIds(`team-${cluster}`).aadObjectId,
      channels: [{ id: team.channelId, name: `${ClusterName(p, cluster)} meetings` }],
    },
  };
}
