/**
 * The Teams bot: triage cards for the SEND Cluster Lead (Action.Execute), chat commands, and the
 * conversation references that proactive posting needs. All botbuilder imports stay in bot/.
 */
import { CardFactory, MessageFactory, TeamsActivityHandler, TeamsInfo, TurnContext, type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue, type ConversationReference } from "botbuilder";
import { z } from "zod";
import { refKey, triageCardKey, voteSessionKey } from "./keys.js";
import type { AuditRow, VoteStorePort } from "../core/ports.js";
import type { AckDeps } from "../core/usecases/acknowledgements.js";
import { describeHealth, type HealthReport } from "../core/usecases/health.js";
import { MAX_POISON_RETRIES, type ReconcileResult } from "../core/usecases/reconcile.js";
import { CHOICE_LABEL, decide, eligibleVoters, tally, type VoteChoice } from "../core/votes.js";
import { fundingCap, formatPounds } from "../core/funding.js";
import { applyTriage, mayTriage, TRIAGE_VERBS, TriageRefused, triageCardData, type TriageVerb } from "../core/triage.js";
import { agendaCard, errorCard, triageCard, voteCard } from "../cards/index.js";
import { agendaData, budgetOverview } from "../core/agenda.js";
import { clusterChannelKey } from "../core/usecases/agenda.js";
import { meetingsOf } from "../core/schedule.js";

export interface BotDeps extends AckDeps {
  votes?: VoteStorePort;
  audit?: (row: AuditRow) => Promise<unknown>;
  /** The mailbox's health (the `health` command, for the partnership lead). */
  health?: () => Promise<HealthReport>;
  /** Runs the reconciler now (`health retry`): poisoned and stuck emails are queued again. */
  retryPoisoned?: () => Promise<ReconcileResult>;
  /** Who is acting: their email from the Teams roster (replaceable in tests). */
  resolveEmail?: (context: TurnContext) => Promise<string | null>;
  /** Posting to and updating a message in another stored conversation (the runtime paces these). */
  elsewhere?: {
    post(conversationRef: string, card: Record<string, unknown>): Promise<string | undefined>;
    update(conversationRef: string, activityId: string, card: Record<string, unknown>): Promise<void>;
  };
}

const CARD = "application/vnd.microsoft.card.adaptive";

/** A case reference as the product issues them: C5-2023-0007, U-2023-0001. */
export const CASE_REF = /^(?:C\d{1,3}|U)-\d{4}-\d{4,6}$/;

/** What a triage, agenda or vote card may send back; anything else is refused before use. */
export const ActionData = z
  .object({
    caseRef: z.string().regex(CASE_REF).optional(),
    toCluster: z.union([z.literal(""), z.string().regex(/^\d{1,3}$/), z.number().int().min(1).max(999)]).optional(),
    choice: z.enum(["agree", "disagree", "abstain"]).optional(),
    panelAmount: z.union([z.literal(""), z.string().regex(/^\d{1,7}(?:\.\d{1,2})?$/), z.number().min(0).max(9_999_999)]).optional(),
    from: z.enum(["agenda", "triage"]).optional(),
  })
  .passthrough()
  .transform((d) => ({
    ...d,
    toCluster: d.toCluster === "" || d.toCluster === undefined ? undefined : Number(d.toCluster),
    panelAmount: d.panelAmount === "" || d.panelAmount === undefined ? undefined : Number(d.panelAmount),
  }));
export type ActionData = z.infer<typeof ActionData>;

/** An SCL of any cluster, or the partnership lead. */
function isLeadOfAny(p: BotDeps["partnership"], email: string | null): boolean {
  const e = email?.toLowerCase();
  return Boolean(e && (p.partnershipLead.email.toLowerCase() === e || p.leads.some((l) => l.email.toLowerCase() === e)));
}

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

export { refKey, triageCardKey, voteSessionKey };

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
      // Added to a team: say how a channel becomes a cluster's (its agendas and votes go there).
      if (context.activity.conversation?.conversationType === "channel") {
        await context.sendActivity(`Cluster Desk is here. A SEND Cluster Lead can type **cluster <number>** in a cluster's channel (for example \`cluster 5\`) so that its agendas and votes are posted there.`);
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
    const ref = JSON.stringify(TurnContext.getConversationReference(context.activity) as ConversationReference);
    await this.deps.kv.setSync(refKey(email), ref);
  }

  /** Posts a card to a stored conversation: within this turn if it is this one, else proactively. */
  private async postTo(context: TurnContext, ref: string, card: Record<string, unknown>): Promise<string | null> {
    if (JSON.parse(ref).conversation?.id !== context.activity.conversation?.id && this.deps.elsewhere) return (await this.deps.elsewhere.post(ref, card)) ?? null;
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
    await update().catch((e: Error) => this.deps.log.warn(`${what}.update-failed`, { reason: e.message.slice(0, 80) }));
  }

  /** Clusters the person leads (all of them for the partnership lead). */
  private async clustersOf(context: TurnContext): Promise<number[]> {
    const p = this.deps.partnership;
    const email = await this.email(context);
    if (!email) return [];
    if (p.partnershipLead.email.toLowerCase() === email) return p.clusters.map((c) => c.id);
    return p.leads.find((l) => l.email.toLowerCase() === email)?.clusters ?? [];
  }

  private async command(context: TurnContext): Promise<void> {
    const text = commandText(context.activity.text);
    const p = this.deps.partnership;
    const link = /^cluster\s+(\d+)$/.exec(text);
    if (link) {
      const id = Number(link[1]);
      if (!p.clusters.some((c) => c.id === id)) {
        await context.sendActivity(`There is no cluster ${id}.`);
        return;
      }
      if (!(await this.clustersOf(context)).includes(id)) {
        await context.sendActivity(`Only cluster ${id}'s SEND Cluster Lead or the partnership lead can choose its channel.`);
        return;
      }
      await this.deps.kv.setSync(clusterChannelKey(id), JSON.stringify(TurnContext.getConversationReference(context.activity)));
      await context.sendActivity(`This conversation now gets cluster ${id}'s agendas, ${p.agenda.postWorkingDaysBefore} working days before each meeting.`);
      return;
    }
    if (text === "agenda" || text === "budget") {
      const mine = await this.clustersOf(context);
      if (!mine.length) {
        await context.sendActivity("Agendas and budgets are for SEND Cluster Leads and the partnership lead.");
        return;
      }
      for (const id of mine.slice(0, 6)) {
        const c = p.clusters.find((x) => x.id === id)!;
        const cases = await this.deps.cases.ofCluster(id);
        if (text === "budget") {
          await context.sendActivity(`Cluster ${id}: ${budgetOverview(p, c, cases).text}.`);
          continue;
        }
        const next = meetingsOf(p, c).find((m) => m.startsAt > this.deps.now());
        if (!next) await context.sendActivity(`No cluster ${id} meeting after today is published yet.`);
        else await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(agendaCard(agendaData(p, c, next, cases)))));
      }
      return;
    }
    if (text === "health" || text === "health retry") {
      const email = await this.email(context);
      if (!email || email !== p.partnershipLead.email.toLowerCase() || !this.deps.health) {
        await context.sendActivity("The mailbox's health is for the partnership lead.");
        return;
      }
      if (text === "health retry" && this.deps.retryPoisoned) {
        const r = await this.deps.retryPoisoned();
        await context.sendActivity(`Queued again: ${r.requeued} email(s) (${r.poisonRetried} poisoned, ${r.fromInbox} waiting in the Inbox, ${r.unfinished} unfinished); ${r.poisonLeft} stay poisoned after ${MAX_POISON_RETRIES} retries.`);
      }
      await context.sendActivity(MessageFactory.text(describeHealth(await this.deps.health())));
      return;
    }
    if (text === "cases") {
      const email = await this.email(context);
      const clusters = p.leads.find((l) => l.email.toLowerCase() === email)?.clusters ?? [];
      await context.sendActivity(clusters.length ? `You lead cluster(s) ${clusters.join(", ")}. New forms arrive here as triage cards; each case is in the Cases list on SharePoint.` : "You are not a SEND Cluster Lead in this partnership, so no cases come to you.");
      return;
    }
    await context.sendActivity(
      MessageFactory.text(
        [`Cluster Desk for the ${p.name}.`, "New presentation forms arrive here as triage cards: accept to agenda, acknowledge the school, ask for more information, refer to the SEND Adviser, or move to another cluster.", "Commands: **agenda**, **budget**, **cases**, **cluster <number>** (in a cluster's channel: send its agendas there), **help**."].join("\n\n"),
      ),
    );
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const reply = (card: unknown): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: CARD, value: card as Record<string, unknown> });
    // Everything a card sends back is checked before use: a forged action gets a neutral answer.
    const parsed = ActionData.safeParse(invoke.action.data ?? {});
    if (!parsed.success) {
      this.deps.log.warn("card.invalid-data", { verb: String(invoke.action.verb).slice(0, 40) });
      return reply(errorCard("That action could not be read", "Cluster Desk did not recognise what the card sent. Refresh the card and try again."));
    }
    if (String(invoke.action.verb).startsWith("vote.")) return this.vote(context, String(invoke.action.verb), parsed.data);
    const verb = invoke.action.verb as TriageVerb;
    const data = parsed.data;
    const p = this.deps.partnership;
    if (String(invoke.action.verb) === "triage.refresh" && data.caseRef) {
      // Teams refreshes the card when it is shown (at most 60 people in the chat), so the working
      // days left and changes made elsewhere (a vote, the SharePoint list) are current. Only the
      // people who may triage the case get it; anyone else, whether or not the case exists, a
      // neutral card.
      const email = await this.email(context);
      const c = await this.deps.cases.byRef(data.caseRef);
      if (!c || !mayTriage(p, c.fields.Cluster, email)) return reply(neutralCard());
      return reply(triageCard(triageCardData(p, c, { now: this.deps.now(), canAct: true })));
    }
    if (!TRIAGE_VERBS.includes(verb) || !data.caseRef) {
      return reply(errorCard("That action is not known", "Cluster Desk does not know the action it was sent."));
    }
    const email = await this.email(context);
    const current = await this.deps.cases.byRef(data.caseRef);
    if (!current) return reply(isLeadOfAny(p, email) ? errorCard(`No case ${data.caseRef}`, "The case is not in the Cases list; it may have been removed.") : neutralCard());
    if (!mayTriage(p, current.fields.Cluster, email)) {
      this.deps.log.warn("triage.refused", { caseRef: data.caseRef, verb });
      return reply(errorCard(`You cannot act on ${data.caseRef}`, "Only the cluster's SEND Cluster Lead or the partnership lead can triage this case."));
    }
    let summary = "";
    let emailToSchool: { subject: string; body: string } | undefined;
    let updated;
    try {
      updated = await this.deps.cases.change(data.caseRef, (c) => {
        const o = applyTriage(p, c, verb, { ...(data.toCluster ? { toCluster: data.toCluster } : {}), by: email ?? "unknown", now: this.deps.now() });
        summary = o.summary;
        emailToSchool = o.email;
        return o.fields;
      });
    } catch (e) {
      if (e instanceof TriageRefused) return reply(errorCard(`${data.caseRef} was not changed`, e.message));
      throw e;
    }
    if (emailToSchool && updated.fields.SenderEmail) {
      await this.deps.mailer.send({ to: [updated.fields.SenderEmail], subject: emailToSchool.subject, body: emailToSchool.body, marker: `cd-${verb}-${data.caseRef}-${Date.now()}` });
    }
    this.deps.log.info("triage.done", { caseRef: data.caseRef, verb });
    const card = triageCard(triageCardData(p, updated, { now: this.deps.now(), lastAction: summary }));
    // Everyone who sees the card sees the change, not only the person who clicked.
    if (context.activity.replyToId) await this.updateIn(context, JSON.stringify(TurnContext.getConversationReference(context.activity)), context.activity.replyToId, card, "triage");
    return reply(card);
  }

  // ---- votes -------------------------------------------------------------------------------

  private async vote(context: TurnContext, verb: string, data: ActionData): Promise<AdaptiveCardInvokeResponse> {
    const reply = (card: unknown): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: CARD, value: card as Record<string, unknown> });
    const p = this.deps.partnership;
    const store = this.deps.votes;
    if (!store) return reply(errorCard("Votes are not available", "This deployment has no Votes list."));
    if (!data.caseRef) return reply(neutralCard());
    const ref = data.caseRef;
    const email = await this.email(context);
    const c = await this.deps.cases.byRef(ref);
    if (!c) return reply(isLeadOfAny(p, email) ? errorCard(`No case ${ref}`, "The case is not in the Cases list.") : neutralCard());
    const cluster = p.clusters.find((x) => x.id === c.fields.Cluster);
    if (!cluster) return reply(errorCard(`${ref} has no cluster`, "Move the case to a cluster before voting."));
    // Only the cluster's members (its voters), its SCL and the partnership lead see a vote's card
    // and tally (the presenting school's SENDCo sees the vote on its case, though it does not vote).
    const mayView = Boolean(email && (mayTriage(p, cluster.id, email) || eligibleVoters(p, cluster, c.fields.MeetingDate?.slice(0, 10) ?? null, null).some((v) => v.email === email)));
    const meetingDate = c.fields.MeetingDate ? c.fields.MeetingDate.slice(0, 10) : null;
    const key = voteSessionKey(ref);
    /** `posted`: where the vote card went (the cluster's channel, or the conversation it was opened in). */
    type Session = { status: "open" | "closed"; ids: Record<string, string>; lines?: string[]; decision?: string; posted?: { ref: string; activityId: string | null } };
    const load = async (): Promise<Session | null> => {
      const raw = await this.deps.kv.getSync(key);
      return raw ? (JSON.parse(raw) as Session) : null;
    };
    const voters = eligibleVoters(p, cluster, meetingDate, c.fields.School ?? null);
    const isLead = mayTriage(p, cluster.id, email);
    /** `everyone`: the card in the channel, the same for all; a click answers with the clicker's own view. */
    const view = async (session: Session, everyone = false): Promise<Record<string, unknown>> => {
      const all = await store.votes(ref);
      const mine = everyone ? undefined : all.find((v) => v.voter === email);
      const t = tally(all);
      const cyp = c.fields.CypCount ?? null;
      const terms = c.fields.TermsSought ?? null;
      let cap = "to confirm (CYP count and terms)";
      if (cyp && terms && meetingDate) cap = formatPounds(fundingCap(p, { cyp, terms, date: meetingDate }).cap);
      const open = session.status === "open";
      return voteCard({
        caseRef: ref,
        requested: c.fields.AmountRequested != null ? formatPounds(c.fields.AmountRequested) : "not given",
        requestedNumber: c.fields.AmountRequested ?? 0,
        cap,
        // The shared card is not rewritten at every vote, so it carries no count that would go stale;
        // each voter's own view has the count as of their click.
        state: open ? (everyone ? `Open: ${voters.length} can vote` : `Open: ${t.total} of ${voters.length} voted`) : `Closed: ${session.decision}`,
        yourChoice: everyone ? (open ? "choose below (only you see your vote)" : "voting has closed") : mine ? CHOICE_LABEL[mine.choice] : voters.some((v) => v.email === email) ? "not voted" : "you do not vote on this case",
        showTally: !open || p.votes.showTallyWhileOpen,
        tallyText: `Agree ${t.agree}, do not fund ${t.disagree}, abstain ${t.abstain}`,
        lines: (session.lines ?? []).map((line) => ({ line })),
        isOpen: open,
        // The shared card shows every button; a click by someone who may not use it gets an error card.
        isLead: everyone || isLead,
        canVote: everyone || voters.some((v) => v.email === email),
        // Each person who has taken part sees their own view (Teams allows at most 60 ids).
        userIds: Object.values(session.ids).slice(0, 60),
      });
    };
    const remember = (session: Session) => {
      if (email) session.ids[email] = context.activity.from.id;
    };

    if (verb === "vote.open") {
      if (!isLead) return reply(errorCard(`You cannot open a vote on ${ref}`, "Only the cluster's SEND Cluster Lead or the partnership lead opens votes."));
      if (c.fields.Status !== "On agenda") return reply(errorCard(`${ref} is not on the agenda`, "Accept the case to the agenda first."));
      const session: Session = (await load()) ?? { status: "open", ids: {} };
      if (session.status === "closed") return reply(errorCard(`The vote on ${ref} has closed`, session.decision ?? ""));
      remember(session);
      let where = "already";
      if (!session.posted) {
        // The vote card goes to the cluster's channel (the meeting), or here if none is linked yet.
        const channel = await this.deps.kv.getSync(clusterChannelKey(cluster.id));
        const target = channel && this.deps.elsewhere ? channel : JSON.stringify(TurnContext.getConversationReference(context.activity));
        where = target === channel && JSON.parse(channel).conversation?.id !== context.activity.conversation?.id ? `in cluster ${cluster.id}'s channel` : "in this conversation";
        session.posted = { ref: target, activityId: await this.postTo(context, target, await view(session, true)) };
      }
      // Another click may have changed the session meanwhile: merge, do not overwrite.
      await this.deps.kv.updateSync(key, (cur) => {
        const latest: Session = cur ? (JSON.parse(cur) as Session) : session;
        latest.posted ??= session.posted;
        remember(latest);
        return JSON.stringify(latest);
      });
      this.deps.log.info("vote.opened", { caseRef: ref, cluster: cluster.id });
      const note = where === "already" ? `The vote on ${ref} is already open.` : `Vote opened ${where}.`;
      // Opened from the agenda in the meeting: the agenda stays as it is (the vote card follows it).
      const meeting = meetingsOf(p, cluster).find((m) => c.fields.MeetingDate && m.startsAt.getTime() === new Date(c.fields.MeetingDate).getTime());
      if (data.from === "agenda" && meeting) return reply(agendaCard(agendaData(p, cluster, meeting, await this.deps.cases.ofCluster(cluster.id))));
      return reply(triageCard(triageCardData(p, c, { now: this.deps.now(), lastAction: note })));
    }
    const session = await load();
    if (!session) return reply(errorCard(`No vote is open on ${ref}`, "The SEND Cluster Lead opens the vote in the meeting."));
    if (verb === "vote.refresh") {
      if (!mayView) {
        this.deps.log.warn("vote.refused", { caseRef: ref, verb: "vote.refresh" });
        return reply(neutralCard());
      }
      return reply(await view(session));
    }
    if (verb === "vote.cast") {
      const choice = String(data.choice) as VoteChoice;
      if (session.status !== "open") return reply(errorCard(`The vote on ${ref} has closed`, "Your vote was not recorded."));
      if (!["agree", "disagree", "abstain"].includes(choice)) return reply(errorCard("Unknown choice", "Choose agree, do not fund or abstain."));
      if (!email || !voters.some((v) => v.email === email)) {
        return reply(errorCard(`You cannot vote on ${ref}`, "Only SENDCos of the cluster's schools and the meeting's headteacher representative vote, and not on their own school's case. No vote was recorded."));
      }
      await store.cast(ref, email, choice, this.deps.now().toISOString());
      // Re-read: the vote may have closed while this click was in flight. Then add this voter to
      // the people who get their own view (refresh.userIds), ETag-conditional so that 30 voters
      // at once each keep theirs.
      let now = (await load())!;
      if (now.status === "open" && now.ids[email] !== context.activity.from.id) {
        now = JSON.parse(
          await this.deps.kv.updateSync(key, (cur) => {
            const latest = JSON.parse(cur!) as Session;
            if (latest.status === "open") remember(latest);
            return JSON.stringify(latest);
          }),
        ) as Session;
      }
      return reply(await view(now));
    }
    if (verb === "vote.close") {
      if (!isLead) return reply(errorCard(`You cannot close the vote on ${ref}`, "Only the cluster's SEND Cluster Lead or the partnership lead closes votes."));
      if (session.status === "closed") return reply(await view(session));
      const all = await store.votes(ref);
      const panel = Number(data.panelAmount ?? c.fields.AmountRequested ?? 0);
      if (!Number.isFinite(panel) || panel < 0) return reply(errorCard("Amount not valid", "Enter the amount the panel agreed, in pounds."));
      if (!c.fields.CypCount || !c.fields.TermsSought || !meetingDate) return reply(errorCard(`${ref} is missing details`, "Record the number of CYP, the terms sought and the meeting before closing the vote."));
      const d = decide(p, tally(all), { cyp: c.fields.CypCount, terms: c.fields.TermsSought, meetingDate, panelAmount: panel });
      const decision = `${d.decision}${d.award ? `, ${formatPounds(d.award)}` : ""}`;
      // The cluster's budget with this award in it (RAG when the cluster has a budget).
      const clusterCases = (await this.deps.cases.ofCluster(cluster.id)).map((x) => (x.fields.Title === ref ? { ...x, fields: { ...x.fields, AmountAwarded: d.award } } : x));
      const lines = [...d.lines, `Cluster ${cluster.id} budget: ${budgetOverview(p, cluster, clusterCases).text}`];
      const closed = JSON.parse(await this.deps.kv.updateSync(key, (cur) => JSON.stringify({ ...(JSON.parse(cur!) as Session), status: "closed", lines, decision }))) as Session;
      const at = this.deps.now().toISOString();
      if (d.decision !== "No decision") {
        await this.deps.cases.change(ref, () => ({ Decision: d.decision as never, AmountAwarded: d.award, DecisionAt: at, Status: "Decided" }));
        if (c.fields.SenderEmail) {
          await this.deps.mailer.send({
            to: [c.fields.SenderEmail],
            subject: `${ref}: decision of the cluster ${cluster.id} meeting`,
            body: [`The cluster ${cluster.id} meeting has decided on case ${ref}.`, "", ...d.lines, "", `${p.name}`].join("\n"),
            marker: `cd-decision-${ref}`,
          });
        }
      }
      await this.deps.audit?.({ key: `vote|${ref}|close`, event: "vote-closed", caseRef: ref, outcome: d.decision, at, actor: email ?? "unknown", detail: `agree ${tally(all).agree}, disagree ${tally(all).disagree}, abstain ${tally(all).abstain}; award ${d.award}` });
      this.deps.log.info("vote.closed", { caseRef: ref, decision: d.decision, award: d.award });
      // Everyone's copy of the vote card shows the decision, not only the SCL's; so does her triage card.
      if (closed.posted?.activityId) await this.updateIn(context, closed.posted.ref, closed.posted.activityId, await view(closed, true), "vote");
      const triage = await this.deps.kv.getSync(triageCardKey(ref));
      const t = triage ? (JSON.parse(triage) as { ref: string; activityId: string | null }) : null;
      const decided = await this.deps.cases.byRef(ref);
      if (t?.activityId && decided) {
        await this.updateIn(context, t.ref, t.activityId, triageCard(triageCardData(p, decided, { now: this.deps.now(), lastAction: `Decided in the cluster ${cluster.id} meeting: ${decision}.` })), "triage");
      }
      return reply(await view(closed));
    }
    return reply(errorCard("That action is not known", `Cluster Desk does not know the action "${verb}".`));
  }
}
