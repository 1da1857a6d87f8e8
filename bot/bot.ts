/**
 * The Teams bot: triage cards for the SEND Cluster Lead (Action.Execute), chat commands, and the
 * conversation references that proactive posting needs. All botbuilder imports stay in bot/.
 */
import { notEngagedText, recordContact, kindsText, type EngagementDeps } from "../core/usecases/engagement.js";
import { engagementOf } from "../core/rules/engagement.js";
import {
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
} from "botbuilder";
import { z } from "zod";
import type { AttendancePort, AuditRow, EngagementPort, StoredCase, TeamsStatePort, VoteStorePort } from "../core/ports.js";
import type { AckDeps } from "../core/usecases/acknowledgements.js";
import { describeHealth, type HealthReport } from "../core/usecases/health.js";
import { MAX_POISON_RETRIES, type ReconcileResult } from "../core/usecases/reconcile.js";
import { isLeadOfAny, mayTriage } from "../core/rules/triage.js";
import { clusterFromCode } from "../core/rules/subject.js";
import { agendaCard, attendanceCard, calendarCard, errorCard, reportCard, voteCard } from "../cards/index.js";
import { attendanceView, recordAttendance } from "../core/usecases/attendance.js";
import { nextYear, proposalData, publishYear, type MeetingsListPort } from "../core/usecases/calendar.js";
import { PlanInputError } from "../core/rules/planner.js";
import { clusterName } from "../core/config.js";
import { reportCardData, ReportInputError } from "../core/rules/report.js";
import { leadReport, type TermlyDeps } from "../core/usecases/termly.js";
import { agendaMeetingKey } from "../core/rules/agenda.js";
import { clusterAgendaNow } from "../core/usecases/agenda.js";
import { budgetText, contingencyText, openCasesText, whichTermText } from "../core/usecases/commands.js";
import { meetingsOf } from "../core/rules/schedule.js";
import { CASE_VERBS, maySee, transition, type CaseVerb, type TransitionInput } from "../core/rules/lifecycle.js";
import { runTransition, type TriageCardsPort } from "../core/usecases/triage.js";
import { runVote, type VotePoster } from "../core/usecases/votes.js";
import { toLocal } from "../core/rules/time.js";
import { shortReason } from "../core/errors.js";

/** The triage card: as a viewer sees it, and posted to a person's chat. */
export interface TriageCardViews extends TriageCardsPort {
  view(c: StoredCase, viewer: string | null, opts?: { message?: string; ok?: boolean; typed?: TransitionInput }): Promise<Record<string, unknown>>;
  /** The new message's id ("" if none), or null if the bot has no chat with them. */
  postFor(email: string, c: StoredCase, note?: string): Promise<string | null>;
}

export interface BotDeps extends AckDeps {
  teams: TeamsStatePort;
  triageCards: TriageCardViews;
  votes?: VoteStorePort;
  audit?: (row: AuditRow) => Promise<unknown>;
  /** The mailbox's health (the `health` command, for the partnership lead). */
  health?: () => Promise<HealthReport>;
  /** Runs the reconciler now (`health retry`): poisoned and stuck emails are queued again. */
  retryPoisoned?: () => Promise<ReconcileResult>;
  /** Who is acting: their email from the Teams roster (replaceable in tests). */
  resolveEmail?: (context: TurnContext) => Promise<string | null>;
  /** Intake audit rows since a time (the termly report's forms received). */
  intakeSince?: (since: string) => Promise<{ outcome: string; at?: string }[]>;
  /** Saves a term's full report to the Reports library (the `report <term>` command links to it). */
  publishReport?: TermlyDeps["publishReport"];
  /** The Attendance list, for the agenda card's "Record attendance". */
  attendance?: AttendancePort;
  /** The Engagement list: `contact <school> <kind>` and `not engaged` (issue 33). */
  engagement?: EngagementPort;
  /** The Meetings list, for the partnership lead's "plan" card and its "Publish" button. */
  meetingsList?: MeetingsListPort;
  refreshCalendar?: (force?: boolean) => Promise<void>;
  /** Posting to and updating a message in another stored conversation (the runtime paces these). */
  elsewhere?: {
    post(conversationRef: string, card: Record<string, unknown>): Promise<string | undefined>;
    update(conversationRef: string, activityId: string, card: Record<string, unknown>): Promise<void>;
  };
}

const CARD = "application/vnd.microsoft.card.adaptive";

/** A case reference as the product issues them: C5-2023-0007, U-2023-0001. */
export const CASE_REF = /^(?:[A-Z]{1,4}\d{1,3}|U)-\d{4}-\d{4,6}$/;

/** What a triage, agenda or vote card may send back; anything else is refused before use. */
export const ActionData = z
  .object({
    caseRef: z.string().regex(CASE_REF).optional(),
    toCluster: z.union([z.literal(""), z.string().regex(/^\d{1,3}$/), z.number().int().min(1).max(999)]).optional(),
    choice: z.enum(["agree", "disagree", "abstain"]).optional(),
    // Any number: the use case refuses one out of range with the range (a card clamps nothing).
    panelAmount: z.union([z.literal(""), z.string().max(40), z.number()]).optional(),
    from: z.enum(["agenda", "triage"]).optional(),
    confirm: z.enum(["yes"]).optional(),
    // A meeting (the agenda card's "Record attendance"): its cluster and date.
    cluster: z.union([z.string().regex(/^\d{1,3}$/), z.number().int().min(0).max(999)]).optional(),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    year: z
      .string()
      .regex(/^\d{4}-\d{2}$/)
      .optional(),
    // The triage card's inputs: any short text here; core/rules/lifecycle.ts checks them and a refusal
    // comes back on the same card (a "2.5" typed as a number of CYP is not a forged action).
    caseType: z.string().max(40).optional(),
    cyp: z.union([z.string().max(40), z.number()]).optional(),
    terms: z.union([z.string().max(40), z.number()]).optional(),
    amount: z.union([z.string().max(40), z.number()]).optional(),
    message: z.string().max(20_000).optional(),
    reason: z.string().max(2_000).optional(),
  })
  .passthrough()
  .transform((d) => ({
    ...d,
    toCluster: d.toCluster === "" || d.toCluster === undefined ? undefined : Number(d.toCluster),
    cluster: d.cluster === undefined ? undefined : Number(d.cluster),
    panelAmount: d.panelAmount === "" || d.panelAmount === undefined ? undefined : Number(d.panelAmount),
    caseType: d.caseType === "" ? undefined : d.caseType,
    cyp: d.cyp === "" || d.cyp === undefined ? undefined : Number(d.cyp),
    terms: d.terms === "" || d.terms === undefined ? undefined : Number(d.terms),
    amount: d.amount === "" || d.amount === undefined ? undefined : Number(d.amount),
  }));
export type ActionData = z.infer<typeof ActionData>;

/** What someone who may not see a case gets: nothing about it, not even whether it exists. */
const neutralCard = () => errorCard("Not available", "This card is for the case's SEND Cluster Lead, the partnership lead and the cluster's members.");

/** The Teams user's email: from the roster in Teams; the Agents Playground gives it the same way. */
async function userEmail(context: TurnContext): Promise<string | null> {
  try {
    const m = await TeamsInfo.getMember(context, context.activity.from.id);
    return (m.email ?? m.userPrincipalName ?? null)?.toLowerCase() ?? null;
  } catch {
    return null;
  }
}

/** The SCL's guide as this deployment serves it (/api/guide, beside the privacy notice); null when it cannot say where. */
export function guideUrl(p: BotDeps["partnership"]): string | null {
  const notice = p.dataProtection.noticeUrl;
  return notice && /\/api\/privacy$/.test(notice) ? notice.replace(/\/api\/privacy$/, "/api/guide") : null;
}

/** The help text: what the bot does and its commands (also the greeting when it is installed). */
export function helpText(p: BotDeps["partnership"]): string {
  return [
    `Cluster Desk for the ${p.name}.`,
    `New ${p.referralTypes.length > 1 ? "referrals" : "presentation forms"} arrive here as triage cards. On a card you enter the case type, number of CYP, terms and amount (the funding limit appears), accept the case to the agenda, acknowledge the school, ask it for more information${p.advisers.length ? ", refer the case to the SEND Adviser" : ""}, or move it to another cluster.`,
    `Commands: **cases** (your open cases), **case C5-2026-0001** (a case's card again), **agenda**, **budget**${p.allocation ? ", **contingency** (the contingency fund's ledger)" : ""}, **help**; the partnership lead also has **health**, **plan** (next year's proposed meetings, to publish) and **report summer-2027** (the term's evaluation).`,
    `Your work with schools: **contact <school> <kind> [date]** records a contact (for example \`contact ${p.clusters[0]?.schools[0]?.shortName ?? p.clusters[0]?.schools[0]?.name ?? "Bedfont"} ${engagementOf(p).kinds[0]!.id}\`; the date is today unless you give one), the kind one of: ${kindsText(p)}. **not engaged** lists your clusters' schools with no contact, form or attendance this academic year.`,
    `The SEND Cluster Lead's guide (triage, acknowledging, the agenda and the vote): ${guideUrl(p) ?? "docs/scl-guide.md in Cluster Desk"}.`,
    "In a cluster's channel, @mention Cluster Desk with **cluster <number>** (for example `@Cluster Desk cluster 5`) so that the cluster's agendas and votes are posted there. Teams only passes channel messages that @mention the bot.",
  ].join("\n\n");
}

/** Commands are a few words: longer messages are not read past this. */
export const MAX_COMMAND_CHARS = 200;

/** A message's text without its @mentions (`<at>…</at>`), trimmed and in lower case. Linear. */
export function commandText(raw: unknown): string {
  let s = typeof raw === "string" ? raw.slice(0, MAX_COMMAND_CHARS * 4) : "";
  let out = "";
  for (;;) {
    const start = s.indexOf("<at>");
    const end = start < 0 ? -1 : s.indexOf("</at>", start);
    if (end < 0) break;
    out += s.slice(0, start);
    s = s.slice(end + 5);
  }
  return (out + s).trim().slice(0, MAX_COMMAND_CHARS).toLowerCase();
}

export class ClusterDeskBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.remember(context);
      await this.command(context);
      await next();
    });
    // Teams sends both when the app is added (to a chat, a channel or a team).
    this.onMembersAdded(async (context, next) => {
      await this.remember(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.remember(context);
      // Added to a team: say how a channel becomes a cluster's (its agendas and votes go there);
      // installed for a person: what the bot does for them.
      if (context.activity.conversation?.conversationType === "channel") {
        await context.sendActivity(
          `Cluster Desk is here. A SEND Cluster Lead can @mention Cluster Desk with **cluster <number>** in a cluster's channel (for example \`@Cluster Desk cluster 5\`) so that its agendas and votes are posted there.`,
        );
      } else {
        await context.sendActivity(MessageFactory.text(helpText(this.deps.partnership)));
      }
      await next();
    });
  }

  /** Keeps the conversation reference of the person talking to the bot, for proactive cards. */
  private email(context: TurnContext): Promise<string | null> {
    return (this.deps.resolveEmail ?? userEmail)(context);
  }

  private async remember(context: TurnContext): Promise<void> {
    // Only a personal chat: triage cards and reminders are for that person, never for a channel
    // or group chat they happened to type in.
    const kind = context.activity.conversation?.conversationType;
    if (kind !== undefined && kind !== "personal") return;
    const email = await this.email(context);
    if (!email) return;
    const ref = JSON.stringify(TurnContext.getConversationReference(context.activity));
    await this.deps.teams.setPersonalChat(email, ref);
  }

  /** Posts a card to a stored conversation: within this turn if it is this one, else proactively. */
  private async postTo(context: TurnContext, ref: string, card: Record<string, unknown>): Promise<string | null> {
    if (JSON.parse(ref).conversation?.id !== context.activity.conversation?.id && this.deps.elsewhere)
      return (await this.deps.elsewhere.post(ref, card)) ?? null;
    return (await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card))))?.id ?? null;
  }

  /** Replaces a card posted earlier, for everyone who sees it; a failure is logged (the data is saved). */
  private async updateIn(context: TurnContext, ref: string, activityId: string, card: Record<string, unknown>, what: string): Promise<void> {
    const update = async () => {
      if (JSON.parse(ref).conversation?.id !== context.activity.conversation?.id) return this.deps.elsewhere?.update(ref, activityId, card);
      const a = MessageFactory.attachment(CardFactory.adaptiveCard(card));
      a.id = activityId;
      await context.updateActivity(a);
    };
    await update().catch((e: Error) => this.deps.log.warn(`${what}.update-failed`, { reason: shortReason(e) }));
  }

  /** Clusters the person leads (all of them for the partnership lead). */
  private async clustersOf(context: TurnContext): Promise<number[]> {
    const p = this.deps.partnership;
    const email = await this.email(context);
    if (!email) return [];
    // Every cluster for the partnership lead; a lead's own; those a role with the triage power holds.
    return p.clusters.filter((c) => mayTriage(p, c.id, email)).map((c) => c.id);
  }

  /**
   * The text commands, one route each: a pattern and what it runs. Answers come from use cases
   * (core/usecases/commands.ts and the others); this table only routes, and says who may.
   * Anything else gets the help text.
   */
  private readonly commands: { name: string; match: (text: string) => string[] | null; run: (context: TurnContext, m: string[]) => Promise<void> }[] = [
    // "cluster 5", or the cluster as the council writes it ("cp 2", "sp3").
    { name: "cluster <number>", match: (t) => /^cluster\s+(\d+)$/.exec(t), run: (c, m) => this.linkChannel(c, Number(m[1])) },
    {
      name: "<cluster code>",
      match: (t) => {
        const id = clusterFromCode(this.deps.partnership, t);
        return id === undefined ? null : [t, String(id)];
      },
      run: (c, m) => this.linkChannel(c, Number(m[1])),
    },
    { name: "agenda", match: (t) => /^agenda$/.exec(t), run: (c) => this.agendas(c) },
    { name: "budget", match: (t) => /^budget$/.exec(t), run: (c) => this.forLeads(c, async (mine) => budgetText(this.deps, mine)) },
    { name: "health", match: (t) => /^health( retry)?$/.exec(t), run: (c, m) => this.health(c, Boolean(m[1])) },
    { name: "plan [year]", match: (t) => /^plan(?:\s+(\d{4}-\d{2}))?$/.exec(t), run: (c, m) => this.plan(c, m[1]) },
    { name: "report", match: (t) => /^report$/.exec(t), run: async (c) => void (await c.sendActivity(whichTermText(this.deps.now()))) },
    { name: "report <term>", match: (t) => /^report\s+(\S{1,20})$/.exec(t), run: (c, m) => this.report(c, m[1]!) },
    {
      name: "cases",
      match: (t) => /^cases$/.exec(t),
      run: async (c) => void (await c.sendActivity(MessageFactory.text(await openCasesText(this.deps, await this.clustersOf(c))))),
    },
    { name: "case <reference>", match: (t) => /^case\s+(\S{1,20})$/.exec(t), run: (c, m) => this.showCase(c, m[1]!.toUpperCase()) },
    {
      name: "contingency",
      match: (t) => /^contingency$/.exec(t),
      run: (c) => this.forLeads(c, async () => contingencyText(this.deps)),
    },
    {
      name: "contact <school> <kind> [date]",
      match: (t) => /^contact\s+(\S.*)$/.exec(t),
      run: (c, m) => this.engagement(c, (d, by) => recordContact(d, by, m[1]!)),
    },
    {
      name: "not engaged",
      match: (t) => /^not\s+engaged$/.exec(t),
      run: (c) => this.engagement(c, async (d) => notEngagedText(d, await this.clustersOf(c))),
    },
  ];

  /** A contact or the not-engaged list, where the Engagement list is known. */
  private async engagement(context: TurnContext, answer: (d: EngagementDeps, by: string | null) => Promise<string>): Promise<void> {
    const { engagement, attendance } = this.deps;
    if (!engagement || !attendance) {
      await context.sendActivity("Contacts with schools are not kept in this deployment.");
      return;
    }
    await context.sendActivity(MessageFactory.text(await answer({ ...this.deps, engagement, attendance }, await this.email(context))));
  }

  private async command(context: TurnContext): Promise<void> {
    const text = commandText(context.activity.text);
    for (const route of this.commands) {
      const m = route.match(text);
      if (m) return route.run(context, [...m]);
    }
    await context.sendActivity(MessageFactory.text(helpText(this.deps.partnership)));
  }

  /** Runs `answer` for the clusters the person leads; others are told who the command is for. */
  private async forLeads(context: TurnContext, answer: (mine: number[]) => Promise<string>): Promise<void> {
    const mine = await this.clustersOf(context);
    await context.sendActivity(mine.length ? await answer(mine) : "Agendas and budgets are for SEND Cluster Leads and the partnership lead.");
  }

  private async isPartnershipLead(context: TurnContext): Promise<boolean> {
    return (await this.email(context)) === this.deps.partnership.partnershipLead.email.toLowerCase();
  }

  /** `cluster 5` in a channel: the cluster's agendas and votes go there. */
  private async linkChannel(context: TurnContext, id: number): Promise<void> {
    const p = this.deps.partnership;
    if (!p.clusters.some((c) => c.id === id)) {
      await context.sendActivity(`There is no cluster ${id}.`);
      return;
    }
    if (!(await this.clustersOf(context)).includes(id)) {
      await context.sendActivity(`Only ${clusterName(p, id)}'s ${p.leadTitle} or the partnership lead can choose its channel.`);
      return;
    }
    await this.deps.teams.setClusterChannel(id, JSON.stringify(TurnContext.getConversationReference(context.activity)));
    await context.sendActivity(
      `This conversation now gets ${clusterName(p, id)}'s agendas, ${p.agenda.postWorkingDaysBefore} working days before each meeting.`,
    );
  }

  /** `agenda`: each of the person's clusters' next agenda as it stands, kept current where it is posted, with each open vote's card. */
  private async agendas(context: TurnContext): Promise<void> {
    const p = this.deps.partnership;
    const mine = await this.clustersOf(context);
    if (!mine.length) {
      await context.sendActivity("Agendas and budgets are for SEND Cluster Leads and the partnership lead.");
      return;
    }
    const today = toLocal(this.deps.now()).date;
    for (const id of mine.slice(0, 6)) {
      const c = p.clusters.find((x) => x.id === id)!;
      // Today's meeting stays the agenda all day (attendance is recorded from it); then the next.
      const next = meetingsOf(p, c).find((m) => m.date >= today);
      if (!next) {
        await context.sendActivity(`No cluster ${id} meeting from today on is published yet.`);
        continue;
      }
      const data = await clusterAgendaNow(this.deps, c, next);
      const sent = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(agendaCard(data))));
      await this.deps.teams.setAgendaCard(agendaMeetingKey({ cluster: id }, next.date), {
        conversation: JSON.stringify(TurnContext.getConversationReference(context.activity)),
        activityId: sent?.id ?? null,
      });
      // And each open vote's card, as this person sees it (the SCL's with Close and Cancel).
      for (const x of data.cases.filter((k) => k.state === "Vote open")) await this.sendVoteCard(context, x.ref);
    }
  }

  /** The live vote card of a case, as this person sees it, if a vote is open and they may see it. */
  private async sendVoteCard(context: TurnContext, ref: string): Promise<void> {
    const live = await this.voteAnswer(context, "vote.refresh", { caseRef: ref } as ActionData);
    if (live.isVote) await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(live.card)));
  }

  /** `health` (and `health retry`): the secure mailbox's intake, for the partnership lead. */
  private async health(context: TurnContext, retry: boolean): Promise<void> {
    if (!(await this.isPartnershipLead(context)) || !this.deps.health) {
      await context.sendActivity("The mailbox's health is for the partnership lead.");
      return;
    }
    if (retry && this.deps.retryPoisoned) {
      const r = await this.deps.retryPoisoned();
      await context.sendActivity(
        `Queued again: ${r.requeued} email(s) (${r.poisonRetried} poisoned, ${r.fromInbox} waiting in the Inbox, ${r.unfinished} unfinished); ${r.poisonLeft} stay poisoned after ${MAX_POISON_RETRIES} retries.`,
      );
    }
    await context.sendActivity(MessageFactory.text(describeHealth(await this.deps.health())));
  }

  /** `plan [year]`: next year's proposed meetings, to publish, for the partnership lead. */
  private async plan(context: TurnContext, year: string | undefined): Promise<void> {
    const p = this.deps.partnership;
    if (!(await this.isPartnershipLead(context)) || !this.deps.meetingsList) {
      await context.sendActivity("The year's meetings are planned and published by the partnership lead.");
      return;
    }
    try {
      await context.sendActivity(
        MessageFactory.attachment(CardFactory.adaptiveCard(calendarCard(proposalData(p, year ?? nextYear(toLocal(this.deps.now()).date))))),
      );
    } catch (e) {
      if (!(e instanceof PlanInputError)) throw e;
      await context.sendActivity(e.message);
    }
  }

  /** `report <term>`: the term's evaluation card, for the partnership lead. */
  private async report(context: TurnContext, term: string): Promise<void> {
    if (!(await this.isPartnershipLead(context))) {
      await context.sendActivity("The termly report is for the partnership lead.");
      return;
    }
    let answer;
    try {
      answer = await leadReport(this.deps, term); // a term it cannot read is refused before anything is read
    } catch (e) {
      if (!(e instanceof ReportInputError)) throw e;
      await context.sendActivity(e.message);
      return;
    }
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(reportCard(reportCardData(answer.report, term, answer.link)))));
  }

  /** `case <ref>`: the case's card again (kept current in a personal chat), and its live vote card if one is open. */
  private async showCase(context: TurnContext, ref: string): Promise<void> {
    const p = this.deps.partnership;
    const email = await this.email(context);
    const c = CASE_REF.test(ref) ? await this.deps.cases.byRef(ref) : null;
    // Anyone who may not see the case hears the same as for a case that does not exist.
    if (!c || !maySee(p, c, email)) {
      await context.sendActivity(`No case ${ref} that you can see.`);
      return;
    }
    const id = (await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(await this.deps.triageCards.view(c, email)))))?.id ?? null;
    if (email && context.activity.conversation?.conversationType === "personal") {
      await this.deps.teams.addTriageCard(c.fields.Title, {
        conversation: JSON.stringify(TurnContext.getConversationReference(context.activity)),
        activityId: id,
        viewer: email,
      });
    }
    const open = (await Promise.all([ref, `${ref}-final`].map((k) => this.deps.teams.voteSession(k)))).some((v) => v?.status === "open");
    if (open) await this.sendVoteCard(context, ref);
  }

  /**
   * The card verbs, one route each: the verbs it takes and the use case it runs; the answer is
   * the card shown in place of the one clicked. A verb no route takes gets "not known".
   */
  private readonly verbs: {
    name: string;
    takes: (verb: string) => boolean;
    run: (context: TurnContext, verb: string, data: ActionData) => Promise<Record<string, unknown>>;
  }[] = [
    { name: "vote.*", takes: (v) => v.startsWith("vote."), run: async (c, v, d) => (await this.voteAnswer(c, v, d)).card },
    { name: "calendar.publish", takes: (v) => v === "calendar.publish", run: (c, _v, d) => this.publishCalendar(c, d) },
    { name: "attendance.open, attendance.save", takes: (v) => v === "attendance.open" || v === "attendance.save", run: (c, v, d) => this.attendance(c, v, d) },
    { name: "triage.refresh", takes: (v) => v === "triage.refresh", run: (c, _v, d) => this.refreshTriage(c, d) },
    {
      name: "a case transition on its card (core/rules/lifecycle.ts)",
      takes: (v) => (CASE_VERBS as string[]).includes(v) && transition(v as CaseVerb).onCard,
      run: (c, v, d) => this.transition(c, v as CaseVerb, d),
    },
  ];

  protected override async onAdaptiveCardInvoke(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const reply = (card: unknown): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: CARD, value: card as Record<string, unknown> });
    // Everything a card sends back is checked before use: a forged action gets a neutral answer.
    const parsed = ActionData.safeParse(invoke.action.data ?? {});
    if (!parsed.success) {
      this.deps.log.warn("card.invalid-data", { verb: String(invoke.action.verb).slice(0, 40) });
      return reply(errorCard("That action could not be read", "Cluster Desk did not recognise what the card sent. Refresh the card and try again."));
    }
    const verb = String(invoke.action.verb);
    const route = this.verbs.find((r) => r.takes(verb));
    if (!route) return reply(errorCard("That action is not known", "Cluster Desk does not know the action it was sent."));
    return reply(await route.run(context, verb, parsed.data));
  }

  private async publishCalendar(context: TurnContext, data: ActionData): Promise<Record<string, unknown>> {
    if (!data.year || !this.deps.meetingsList) return errorCard("That action is not known", "Cluster Desk does not know the action it was sent.");
    const email = await this.email(context);
    return calendarCard(
      await publishYear(
        { ...this.deps, meetings: this.deps.meetingsList, ...(this.deps.refreshCalendar ? { refresh: () => this.deps.refreshCalendar!(true) } : {}) },
        email,
        data.year,
      ),
    );
  }

  private async attendance(context: TurnContext, verb: string, data: ActionData): Promise<Record<string, unknown>> {
    if (data.cluster === undefined || !data.date) return errorCard("That action is not known", "Cluster Desk does not know the action it was sent.");
    if (!this.deps.attendance) return errorCard("Attendance is not available", "This deployment has no Attendance list.");
    const deps = { ...this.deps, attendance: this.deps.attendance };
    const email = await this.email(context);
    const answer =
      verb === "attendance.open"
        ? await attendanceView(deps, email, data.cluster, data.date)
        : await recordAttendance(deps, email, data.cluster, data.date, data);
    return answer.show === "attendance" ? attendanceCard(answer.data) : errorCard(answer.title, answer.message);
  }

  /**
   * Teams refreshes the card when it is shown, so the working days left and changes made
   * elsewhere (a vote, the SharePoint list) are current. Only people with a role on the case get
   * it; anyone else, whether or not the case exists, a neutral card.
   */
  private async refreshTriage(context: TurnContext, data: ActionData): Promise<Record<string, unknown>> {
    if (!data.caseRef) return errorCard("That action is not known", "Cluster Desk does not know the action it was sent.");
    const email = await this.email(context);
    const c = await this.deps.cases.byRef(data.caseRef);
    if (!c || !maySee(this.deps.partnership, c, email)) return neutralCard();
    return this.deps.triageCards.view(c, email);
  }

  /** A case transition from its card: the lifecycle's use case; the same card comes back with what was done, or why not. */
  private async transition(context: TurnContext, verb: CaseVerb, data: ActionData): Promise<Record<string, unknown>> {
    const p = this.deps.partnership;
    if (!data.caseRef) return errorCard("That action is not known", "Cluster Desk does not know the action it was sent.");
    const email = await this.email(context);
    const typed: TransitionInput = {
      ...(data.caseType ? { caseType: data.caseType } : {}),
      ...(data.cyp !== undefined ? { cyp: data.cyp } : {}),
      ...(data.terms !== undefined ? { terms: data.terms } : {}),
      ...(data.amount !== undefined ? { amount: data.amount } : {}),
      ...(data.message !== undefined ? { message: data.message } : {}),
      ...(data.toCluster !== undefined ? { toCluster: data.toCluster } : {}),
    };
    const r = await runTransition(
      { ...this.deps, audit: this.deps.audit ?? (async () => undefined), cards: this.deps.triageCards },
      email,
      verb,
      data.caseRef,
      typed,
    );
    if (!r.case) return isLeadOfAny(p, email) ? errorCard(`No case ${data.caseRef}`, r.message) : neutralCard();
    if (!maySee(p, r.case, email)) {
      this.deps.log.warn("triage.refused", { caseRef: data.caseRef, verb });
      return errorCard(
        `You cannot act on ${data.caseRef}`,
        "Only the case's SEND Cluster Lead, the partnership lead or a SEND Adviser it was referred to can.",
      );
    }
    // The same card, with what was done (or why not) at the top; what was typed stays after a refusal.
    return this.deps.triageCards.view(r.case, email, { message: r.message, ok: r.ok, ...(r.ok ? {} : { typed }) });
  }

  // ---- votes -------------------------------------------------------------------------------

  /** A vote action's answer: the card, and whether it is the vote's own card (not an error or another card). */
  private async voteAnswer(context: TurnContext, verb: string, data: ActionData): Promise<{ card: Record<string, unknown>; isVote: boolean }> {
    const reply = (card: unknown, isVote = false) => ({ card: card as Record<string, unknown>, isVote });
    const votes = this.deps.votes;
    if (!votes) return reply(errorCard("Votes are not available", "This deployment has no Votes list."));
    if (!data.caseRef) return reply(neutralCard());
    const email = await this.email(context);
    const here = JSON.stringify(TurnContext.getConversationReference(context.activity));
    const poster: VotePoster = {
      canPostElsewhere: Boolean(this.deps.elsewhere),
      post: (conversation, card) => this.postTo(context, conversation, voteCard(card)),
      update: (conversation, activityId, card) => this.updateIn(context, conversation, activityId, voteCard(card), "vote"),
      updateAgenda: (conversation, activityId, data) => this.updateIn(context, conversation, activityId, agendaCard(data), "agenda"),
    };
    const answer = await runVote(
      { ...this.deps, votes, poster, cards: this.deps.triageCards },
      {
        verb,
        caseRef: data.caseRef,
        by: email,
        teamsUserId: context.activity.from.id,
        here,
        hereId: context.activity.conversation?.id,
        choice: data.choice,
        panelAmount: data.panelAmount,
        reason: data.reason,
        confirm: data.confirm,
        from: data.from,
      },
    );
    switch (answer.show) {
      case "vote":
        return reply(voteCard(answer.card), true);
      case "triage":
        return reply(await this.deps.triageCards.view(answer.case, email, { message: answer.message, ok: answer.ok }));
      case "agenda":
        return reply(agendaCard(answer.data));
      case "error":
        return reply(errorCard(answer.title, answer.message));
      case "neutral":
        return reply(neutralCard());
    }
  }
}
