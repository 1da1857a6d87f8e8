/**
 * The Teams bot: triage cards for the SEND Cluster Lead (Action.Execute), chat commands, and the
 * conversation references that proactive posting needs. All botbuilder imports stay in bot/.
 */
import { CardFactory, MessageFactory, TeamsActivityHandler, TeamsInfo, TurnContext, type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue, type ConversationReference } from "botbuilder";
import type { Partnership } from "../core/config.js";
import type { CaseStorePort, KeyValuePort, Logger, MailSenderPort } from "../core/ports.js";
import { applyTriage, mayTriage, TRIAGE_VERBS, TriageRefused, triageCardData, type TriageVerb } from "../core/triage.js";
import { agendaCard, errorCard, triageCard } from "../cards/index.js";
import { agendaData, budgetOverview } from "../core/agenda.js";
import { clusterChannelKey } from "../core/usecases/agenda.js";
import { meetingsOf } from "../core/schedule.js";

export interface BotDeps {
  partnership: Partnership;
  cases: CaseStorePort;
  mailer: MailSenderPort;
  kv: KeyValuePort;
  log: Logger;
  now: () => Date;
  /** Who is acting: their email from the Teams roster (replaceable in tests). */
  resolveEmail?: (context: TurnContext) => Promise<string | null>;
}

const CARD = "application/vnd.microsoft.card.adaptive";

/** The Teams user's email: from the roster in Teams; the Agents Playground gives it the same way. */
async function userEmail(context: TurnContext): Promise<string | null> {
  try {
    const m = await TeamsInfo.getMember(context, context.activity.from.id);
    return (m.email ?? m.userPrincipalName ?? null)?.toLowerCase() ?? null;
  } catch {
    return null;
  }
}

export const refKey = (email: string) => `convref|user|${email.toLowerCase()}`;

export class ClusterDeskBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.remember(context);
      await this.command(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      await this.remember(context);
      await next();
    });
  }

  /** Keeps the conversation reference of the person talking to the bot, for proactive cards. */
  private email(context: TurnContext): Promise<string | null> {
    return (this.deps.resolveEmail ?? userEmail)(context);
  }

  private async remember(context: TurnContext): Promise<void> {
    const email = await this.email(context);
    if (!email) return;
    const ref = JSON.stringify(TurnContext.getConversationReference(context.activity) as ConversationReference);
    await this.deps.kv.setSync(refKey(email), ref);
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
    const text = (context.activity.text ?? "").replace(/<at>.*?<\/at>/g, "").trim().toLowerCase();
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
    const verb = invoke.action.verb as TriageVerb;
    const data = (invoke.action.data ?? {}) as { caseRef?: string; toCluster?: string };
    const reply = (card: unknown): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: CARD, value: card as Record<string, unknown> });
    if (!TRIAGE_VERBS.includes(verb) || typeof data.caseRef !== "string") {
      return reply(errorCard("That action is not known", `Cluster Desk does not know the action "${String(invoke.action.verb)}".`));
    }
    const p = this.deps.partnership;
    const email = await this.email(context);
    const current = await this.deps.cases.byRef(data.caseRef);
    if (!current) return reply(errorCard(`No case ${data.caseRef}`, "The case is not in the Cases list; it may have been removed."));
    if (!mayTriage(p, current.fields.Cluster, email)) {
      this.deps.log.warn("triage.refused", { caseRef: data.caseRef, verb });
      return reply(errorCard(`You cannot act on ${data.caseRef}`, "Only the cluster's SEND Cluster Lead or the partnership lead can triage this case."));
    }
    let summary = "";
    let emailToSchool: { subject: string; body: string } | undefined;
    let updated;
    try {
      updated = await this.deps.cases.change(data.caseRef, (c) => {
        const o = applyTriage(p, c, verb, { ...(data.toCluster ? { toCluster: Number(data.toCluster) } : {}), by: email ?? "unknown", now: this.deps.now() });
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
    if (context.activity.replyToId) {
      const update = MessageFactory.attachment(CardFactory.adaptiveCard(card));
      update.id = context.activity.replyToId;
      await context.updateActivity(update).catch((e: Error) => this.deps.log.warn("triage.update-failed", { reason: e.message.slice(0, 80) }));
    }
    return reply(card);
  }
}
