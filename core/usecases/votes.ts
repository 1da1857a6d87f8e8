/**
 * A vote in the cluster meeting, click by click: open (recorded only once its card is posted),
 * cast, refresh, cancel and close (the lifecycle's "decided", through core/usecases/triage.ts).
 * Who may see and do what comes from the partnership; the card's data is built here and rendered
 * and posted by the bot (VotePoster), so no Teams type reaches this file.
 */
import { budgetOverview, agendaMeetingKey, caseLabel, type AgendaData } from "../rules/agenda.js";
import { clusterAgendaNow, wideAgendaNow } from "./agenda.js";
import { ClusterName, clusterName, meetingKind, personName, referralType, type Partnership } from "../config.js";
import { contingencyLedger } from "../rules/allocation.js";
import { fundingCap, formatPounds, FundingInputError } from "../rules/funding.js";
import { MAX_AMOUNT } from "../rules/lifecycle.js";
import { meetingCases, yearDecisions } from "./caseWindows.js";
import { type AuditRow, type StoredCase, type TeamsStatePort, type VoteSession, type VoteStorePort } from "../ports.js";
import { meetingsOf, wideMeetingsOf, type ScheduledMeeting } from "../rules/schedule.js";
import { isLeadOfAny, mayTriage, plainText, seesNames } from "../rules/triage.js";
import { CHOICE_LABEL, decide, eligibleVoters, tally, type VoteChoice } from "../rules/votes.js";
import { runTransition, type TriageDeps } from "./triage.js";
import { shortReason } from "../errors.js";

/** What the vote card template is expanded with (cards/vote.json). */
export interface VoteCardData {
  caseRef: string;
  school: string;
  caseType: string;
  cyp: string;
  terms: string;
  note: string;
  requested: string;
  requestedNumber: number;
  cap: string;
  state: string;
  yourChoice: string;
  showTally: boolean;
  tallyText: string;
  lines: { line: string }[];
  isOpen: boolean;
  isLead: boolean;
  canVote: boolean;
  /** The lead asked to close with fewer votes than the quorum: the card asks her to confirm. */
  confirmClose: boolean;
  /** A deciding meeting's vote: the cluster's recommendation ("" when there is none). */
  recommendation: string;
  /** The chair gives the reason when the decision departs from the recommendation (it goes to the school). */
  asksReason: boolean;
  userIds: string[];
}

/** Posting the vote card: to a conversation (the cluster's channel, or where it was opened). */
export interface VotePoster {
  /** The new message's id; throws when Teams refuses. */
  post(conversation: string, card: VoteCardData): Promise<string | null>;
  /** Replaces the card for everyone; a failure is logged by the poster. */
  update(conversation: string, activityId: string, card: VoteCardData): Promise<void>;
  /** Whether cards can go to another conversation than the one clicked in. */
  canPostElsewhere: boolean;
  /** Re-draws a posted agenda card (where its meeting's agenda was posted). */
  updateAgenda?(conversation: string, activityId: string, data: AgendaData): Promise<void>;
}

export interface VoteDeps extends Omit<TriageDeps, "audit"> {
  votes: VoteStorePort;
  teams: TeamsStatePort;
  audit?: (row: AuditRow) => Promise<unknown>;
  poster: VotePoster;
}

export interface VoteClick {
  verb: string;
  caseRef: string;
  /** The clicker's email (null when Teams could not say). */
  by: string | null;
  /** Their Teams user id (for their own view of the card). */
  teamsUserId: string;
  /** The conversation clicked in (a stored conversation reference, JSON). */
  here: string;
  hereId: string | undefined;
  choice?: string | undefined;
  panelAmount?: number | undefined;
  from?: "agenda" | "triage" | undefined;
  /** "yes": the lead confirmed closing without a decision (fewer votes than the quorum). */
  confirm?: string | undefined;
  /** Why the deciding meeting departs from the recommendation (the chair's words, to the school). */
  reason?: string | undefined;
}

export type VoteAnswer =
  | { show: "vote"; card: VoteCardData }
  | { show: "triage"; case: StoredCase; message: string; ok: boolean }
  | { show: "agenda"; data: AgendaData }
  | { show: "error"; title: string; message: string }
  | { show: "neutral" };

const error = (title: string, message: string): VoteAnswer => ({ show: "error", title, message });

export async function runVote(d: VoteDeps, click: VoteClick): Promise<VoteAnswer> {
  const p: Partnership = d.partnership;
  const { verb, caseRef: ref, by: email } = click;
  const c = await d.cases.byRef(ref);
  if (!c) return isLeadOfAny(p, email) ? error(`No case ${ref}`, "The case is not in the Cases list.") : { show: "neutral" };
  const cluster = p.clusters.find((x) => x.id === c.fields.Cluster);
  if (!cluster) return error(`${ref} has no cluster`, "Move the case to a cluster before voting.");
  const meetingDate = c.fields.MeetingDate ? c.fields.MeetingDate.slice(0, 10) : null;
  // Only the cluster's members (its voters), its SCL and the partnership lead see a vote's card
  // and tally (the presenting school's SENDCo sees the vote on its case, though it does not vote).
  // A two-stage type's second vote (at the borough or city meeting) is a vote of its own, by that meeting's voters.
  const type = referralType(p, c.fields.ReferralType);
  const final = c.fields.Status === "Recommended";
  const key = final ? `${ref}-final` : ref;
  const kind = final ? meetingKind(p, type.stages[type.stages.length - 1]!.meeting) : undefined;
  const mayView = Boolean(email && (mayTriage(p, cluster.id, email) || eligibleVoters(p, cluster, meetingDate, null, kind).some((v) => v.email === email)));
  const voters = eligibleVoters(p, cluster, meetingDate, c.fields.School ?? null, kind);
  const isLead = mayTriage(p, cluster.id, email);
  const triageBack = async (message: string, ok: boolean): Promise<VoteAnswer> => ({ show: "triage", case: (await d.cases.byRef(ref)) ?? c, message, ok });
  /** `everyone`: the card in the channel, the same for all; a click answers with the clicker's own view. */
  const view = async (session: VoteSession, everyone = false, note = "", confirmClose = false): Promise<VoteCardData> => {
    const all = await d.votes.votes(key);
    const mine = everyone ? undefined : all.find((v) => v.voter === email);
    const t = tally(all);
    const cyp = c.fields.CypCount ?? null;
    const terms = c.fields.TermsSought ?? null;
    let cap = "to confirm (CYP count and terms)";
    if (cyp && terms && meetingDate) {
      try {
        cap = fundingCap(p, { cyp, terms, date: meetingDate, type: referralType(p, c.fields.ReferralType) }).capText;
      } catch (e) {
        if (!(e instanceof FundingInputError)) throw e;
        cap = `not available: ${e.message}`;
      }
    }
    const open = session.status === "open";
    return {
      caseRef: ref,
      // Anonymised partnerships: cluster members (and the shared card) see "Cluster 3 · Case B";
      // the lead, the partnership lead and roles that may see names see the school.
      school:
        p.anonymise && (everyone || !seesNames(p, cluster.id, email))
          ? caseLabel(p, c, c.fields.MeetingDate ? await meetingCases(d.cases, cluster.id, new Date(c.fields.MeetingDate)) : [c])
          : c.fields.School
            ? plainText(c.fields.School)
            : "not identified",
      caseType: c.fields.CaseType ?? (cyp ? (cyp === 1 ? "Individual" : "Group") : "not entered"),
      cyp: cyp ? String(cyp) : "not entered",
      terms: terms ? String(terms) : "not entered",
      note,
      requested: c.fields.AmountRequested != null ? formatPounds(c.fields.AmountRequested) : "not given",
      requestedNumber: c.fields.AmountRequested ?? 0,
      cap,
      // Votes cast against the quorum, on the shared card too (rewritten at each vote), so the
      // room and the SCL see when the vote can decide.
      state: open
        ? `Open: ${t.total} of ${voters.length} voted (quorum ${p.votes.quorum}${t.total >= p.votes.quorum ? ", reached" : ""})`
        : `Closed: ${session.decision}`,
      yourChoice: everyone
        ? open
          ? "choose below (only you see your vote)"
          : "voting has closed"
        : mine
          ? CHOICE_LABEL[mine.choice]
          : voters.some((v) => v.email === email)
            ? "not voted"
            : "you do not vote on this case",
      showTally: !open || p.votes.showTallyWhileOpen,
      tallyText: `Agree ${t.agree}, do not fund ${t.disagree}, abstain ${t.abstain}`,
      lines: (session.lines ?? []).map((line) => ({ line })),
      isOpen: open,
      // The shared card shows every button; a click by someone who may not use it gets an error card.
      isLead: everyone || isLead,
      canVote: everyone || voters.some((v) => v.email === email),
      confirmClose: confirmClose && !everyone,
      recommendation:
        c.fields.Status === "Recommended" && c.fields.Recommendation
          ? `${c.fields.Recommendation}${c.fields.RecommendedAmount ? `, ${formatPounds(c.fields.RecommendedAmount)}` : ""}`
          : "",
      asksReason: c.fields.Status === "Recommended" && Boolean(c.fields.Recommendation),
      // Each person who has taken part sees their own view (Teams allows at most 60 ids).
      userIds: Object.values(session.ids).slice(0, 60),
    };
  };
  const remember = (session: VoteSession) => {
    if (email) session.ids[email] = click.teamsUserId;
  };
  const at = () => d.now().toISOString();
  // The meeting's agenda card, where it was posted, re-drawn: the case's "Open vote" goes once its
  // vote is open, and the case shows its decision once closed.
  const isCaseMeeting = (m: { startsAt: Date }) => Boolean(c.fields.MeetingDate) && m.startsAt.getTime() === new Date(c.fields.MeetingDate!).getTime();
  const clusterMeeting = () => meetingsOf(p, cluster).find(isCaseMeeting);
  const keepAgendaCurrent = async () => {
    if (!d.poster.updateAgenda || !meetingDate) return;
    const wide = final && kind ? wideMeetingsOf(p, kind.id).find(isCaseMeeting) : undefined;
    const meeting = final ? wide : clusterMeeting();
    if (!meeting) return;
    const where = await d.teams.agendaCard(agendaMeetingKey(final && kind ? { kind: kind.id } : { cluster: cluster.id }, meeting.date));
    if (!where?.activityId) return;
    const data = final && kind && wide ? await wideAgendaNow(d, kind, wide) : await clusterAgendaNow(d, cluster, meeting as ScheduledMeeting);
    await d.poster.updateAgenda(where.conversation, where.activityId, data);
  };

  if (verb === "vote.open") {
    if (!isLead) return error(`You cannot open a vote on ${ref}`, "Only the cluster's SEND Cluster Lead or the partnership lead opens votes.");
    if (c.fields.Status === "Decided")
      return triageBack(
        `The vote on ${ref} has closed: decided, ${c.fields.Decision ?? ""}${c.fields.AmountAwarded ? `, ${formatPounds(c.fields.AmountAwarded)}` : ""}.`,
        false,
      );
    if (c.fields.Status !== "On agenda" && c.fields.Status !== "Recommended")
      return triageBack(`${ref} is ${c.fields.Status.toLowerCase()}: accept it to the agenda before opening its vote.`, false);
    if (final && !meetingDate) return triageBack(`${ref} has no ${kind?.label ?? "final meeting"} date yet: publish the meeting first.`, false);
    let existing = await d.teams.voteSession(key);
    if (existing?.status === "closed" && !existing.undecided) return triageBack(`The vote on ${ref} has closed: ${existing.decision ?? ""}`, false);
    if (existing?.undecided) {
      // Closed without a decision: a new vote, its votes starting again.
      await d.teams.updateVoteSession(key, (cur) => (cur?.undecided ? null : cur));
      await d.votes.clear?.(key);
      existing = await d.teams.voteSession(key);
    }
    let note = `The vote on ${ref} is already open.`;
    let opened: Promise<unknown> | undefined;
    if (!existing) {
      // The vote card goes to the cluster's channel (the meeting), or here if none is linked yet.
      // The vote is recorded as open only once its card is there: a failed post leaves nothing
      // open, and says why, so the SCL can try again.
      // The deciding stage of a two-stage type is the borough or city meeting's: its card goes where the vote is opened.
      const channel = final ? null : await d.teams.clusterChannel(cluster.id);
      const target = channel && d.poster.canPostElsewhere ? channel : click.here;
      const where =
        target === channel && (JSON.parse(channel) as { conversation?: { id?: string } }).conversation?.id !== click.hereId
          ? `in ${clusterName(p, cluster.id)}'s channel`
          : "in this conversation";
      const session: VoteSession = { status: "open", ids: {} };
      remember(session);
      let activityId: string | null;
      try {
        activityId = await d.poster.post(target, await view(session, true));
      } catch (e) {
        d.log.warn("vote.post-failed", { caseRef: ref, reason: shortReason(e) });
        return triageBack(
          `The vote card could not be posted ${where} (${(e as Error).message.slice(0, 120)}). No vote was opened: try again${where.includes("channel") ? `, or @mention Cluster Desk with "${clusterName(p, cluster.id)}" in the channel to link it again` : ""}.`,
          false,
        );
      }
      const saved = await d.teams.updateVoteSession(key, (cur) => {
        if (cur) {
          // Another click opened it meanwhile: keep that one (this card shows the same vote).
          remember(cur);
          return cur;
        }
        return { ...session, posted: { ref: target, activityId } };
      });
      note = saved?.posted?.activityId === activityId ? `Vote opened ${where}.` : note;
      opened = d.audit?.({
        key: `vote|${key}|open|${activityId ?? at()}`,
        event: "vote-opened",
        caseRef: ref,
        outcome: "open",
        at: at(),
        actor: email ?? "unknown",
        detail: where,
      });
      d.log.info("vote.opened", { caseRef: ref, cluster: cluster.id });
    }
    // Opened from the agenda in the meeting: the agenda stays, showing the vote open (the vote card
    // follows it); opened elsewhere, the posted agenda is re-drawn.
    // Its cases are read in the same turn as the audit row is written (one round trip).
    const meeting = clusterMeeting();
    const [agenda] = await Promise.all([click.from === "agenda" && meeting && !final ? clusterAgendaNow(d, cluster, meeting) : null, opened]);
    if (agenda) return { show: "agenda", data: agenda };
    await keepAgendaCurrent();
    return triageBack(note, true);
  }
  const session = await d.teams.voteSession(key);
  if (!session) return error(`No vote is open on ${ref}`, "The SEND Cluster Lead opens the vote in the meeting.");
  if (verb === "vote.refresh") {
    if (!mayView) {
      d.log.warn("vote.refused", { caseRef: ref, verb: "vote.refresh" });
      return { show: "neutral" };
    }
    return { show: "vote", card: await view(session) };
  }
  if (verb === "vote.cast") {
    const choice = String(click.choice) as VoteChoice;
    if (session.status !== "open") return error(`The vote on ${ref} has closed`, "Your vote was not recorded.");
    if (!["agree", "disagree", "abstain"].includes(choice)) return error("Unknown choice", "Choose agree, do not fund or abstain.");
    if (email && isLead && !voters.some((v) => v.email === email)) {
      // The SCL on the shared card: her own view back, with Close and Cancel, not an error in its place.
      return { show: "vote", card: await view(session, false, "You lead this case, so you do not vote on it: close or cancel the vote below.") };
    }
    if (!email || !voters.some((v) => v.email === email)) {
      return error(
        `You cannot vote on ${ref}`,
        final
          ? `Only the ${kind?.label ?? "final meeting"}'s voters vote on its decision. No vote was recorded.`
          : "Only SENDCos of the cluster's schools and the meeting's headteacher representative vote, and not on their own school's case. No vote was recorded.",
      );
    }
    await d.votes.cast(key, email, choice, at());
    // Re-read: the vote may have closed while this click was in flight. Then add this voter to
    // the people who get their own view (refresh.userIds), ETag-conditional so that 30 voters
    // at once each keep theirs.
    const now =
      (await d.teams.updateVoteSession(key, (cur) => {
        if (cur?.status === "open") remember(cur);
        return cur;
      })) ?? session;
    // The shared card's count, as of this vote (its tally stays hidden while open unless the config shows it).
    if (now.status === "open" && now.posted?.activityId) await d.poster.update(now.posted.ref, now.posted.activityId, await view(now, true));
    return { show: "vote", card: await view(now) };
  }
  if (verb === "vote.cancel") {
    if (!isLead) return error(`You cannot cancel the vote on ${ref}`, "Only the cluster's SEND Cluster Lead or the partnership lead cancels votes.");
    if (session.status !== "open") return { show: "vote", card: await view(session) };
    // Gone: the case stays on the agenda and a new vote can be opened (its votes start again).
    await d.teams.updateVoteSession(key, () => null);
    await d.votes.clear?.(key);
    await d.audit?.({
      key: `vote|${key}|cancel|${at()}`,
      event: "vote-cancelled",
      caseRef: ref,
      outcome: "cancelled",
      at: at(),
      actor: email ?? "unknown",
      detail: "",
    });
    d.log.info("vote.cancelled", { caseRef: ref });
    const cancelled: VoteSession = {
      ...session,
      status: "closed",
      decision: `cancelled by ${email ? personName(p, email) : "the SEND Cluster Lead"}; the case can be voted on again`,
    };
    if (session.posted?.activityId) await d.poster.update(session.posted.ref, session.posted.activityId, await view(cancelled, true));
    await keepAgendaCurrent();
    return { show: "vote", card: await view(cancelled) };
  }
  if (verb === "vote.close") {
    if (!isLead) return error(`You cannot close the vote on ${ref}`, "Only the cluster's SEND Cluster Lead or the partnership lead closes votes.");
    if (session.status === "closed") return { show: "vote", card: await view(session) };
    const all = await d.votes.votes(key);
    const panel = Number(click.panelAmount ?? c.fields.AmountRequested ?? 0);
    if (!Number.isFinite(panel) || panel < 0 || panel > MAX_AMOUNT || Math.round(panel * 100) !== panel * 100)
      return {
        show: "vote",
        card: await view(
          session,
          false,
          `Enter the amount the panel agreed in pounds (and pence), from £0 to ${formatPounds(MAX_AMOUNT)}. Nothing was closed.`,
        ),
      };
    if (!c.fields.CypCount || !c.fields.TermsSought || !meetingDate) {
      return {
        show: "vote",
        card: await view(session, false, "Enter the case type, CYP and terms on the triage card before closing the vote (the limit depends on them)."),
      };
    }
    const cast = tally(all).total;
    if (cast < p.votes.quorum && click.confirm !== "yes") {
      return {
        show: "vote",
        card: await view(
          session,
          false,
          `Only ${cast} of the ${p.votes.quorum} votes needed are in. Closing now decides nothing: ${ref} stays on the agenda and its vote can be opened again. Wait for more votes, or press "Close without a decision".`,
          true,
        ),
      };
    }
    let dec: ReturnType<typeof decide>;
    try {
      dec = decide(p, tally(all), { cyp: c.fields.CypCount, terms: c.fields.TermsSought, meetingDate, panelAmount: panel, type });
    } catch (e) {
      // No funding policy in force on the meeting's date (or the details do not fit it): said on the card, nothing closed.
      if (!(e instanceof FundingInputError)) throw e;
      return { show: "vote", card: await view(session, false, `The vote was not closed: ${e.message}.`) };
    }
    // A deciding meeting that departs from the cluster's recommendation says why: the chair types it, it goes to the school.
    const reason = (click.reason ?? "").trim();
    const departs =
      final &&
      c.fields.Recommendation &&
      dec.decision !== "No decision" &&
      (dec.decision !== c.fields.Recommendation || dec.award !== (c.fields.RecommendedAmount ?? 0));
    if (departs && !reason)
      return {
        show: "vote",
        card: await view(
          session,
          false,
          `The decision (${dec.decision}${dec.award ? `, ${formatPounds(dec.award)}` : ""}) differs from the recommendation (${c.fields.Recommendation}${c.fields.RecommendedAmount ? `, ${formatPounds(c.fields.RecommendedAmount)}` : ""}): type the meeting's reason in the box, then close again. It goes to the school. Nothing was closed.`,
        ),
      };
    if (reason.length > 500) return { show: "vote", card: await view(session, false, "Keep the reason under 500 characters. Nothing was closed.") };
    const undecided = dec.decision === "No decision";
    const decision = undecided
      ? `No decision (${dec.reason}): ${ref} stays on the agenda; the vote can be opened again`
      : `${dec.decision}${dec.award ? `, ${formatPounds(dec.award)}` : ""}`;
    // The cluster's budget with this award in it (RAG when the cluster has a budget).
    // A first stage's vote recommends: nothing is committed until the deciding meeting.
    const recommends = !final && type.stages.length > 1;
    // The contingency fund's ledger at a city meeting; the cluster's budget otherwise: the year's
    // decisions, with this one as it would be decided now.
    const fund = final && type.stages[type.stages.length - 1]!.fund === "contingency";
    const decidedNow: StoredCase = { ...c, fields: { ...c.fields, Status: "Decided", AmountAwarded: dec.award, DecisionAt: d.now().toISOString() } };
    const withThis = (year: StoredCase[]) => [...year.filter((x) => x.fields.Title !== ref), ...(recommends ? [] : [decidedNow])];
    const lines = [
      ...dec.lines,
      fund
        ? contingencyLedger(p, withThis(await yearDecisions(d.cases, meetingDate)), meetingDate).text
        : `${ClusterName(p, cluster.id)} budget: ${budgetOverview(p, cluster, withThis(await yearDecisions(d.cases, meetingDate, cluster.id)), meetingDate).text}`,
      ...(recommends ? [`A recommendation: ${meetingKind(p, type.stages[1]!.meeting)?.label ?? "the deciding meeting"} decides, and commits the award`] : []),
    ];
    // Closed once: of two closes at the same moment (two clicks, or the SCL and the partnership
    // lead), the first to save decides; the other is shown that decision and does nothing more.
    let closedHere = false;
    const closed = await d.teams.updateVoteSession(key, (cur) => {
      closedHere = cur?.status === "open";
      return closedHere
        ? { ...cur!, status: "closed", lines: undecided ? [`Vote: ${dec.reason}`] : lines, decision, ...(undecided ? { undecided } : {}) }
        : cur;
    });
    if (!closed) return error(`No vote is open on ${ref}`, "The vote was cancelled meanwhile; nothing was decided.");
    if (!closedHere) return { show: "vote", card: await view(closed) };
    if (dec.decision !== "No decision") {
      // The lifecycle's "decided": case fields, the school's email and the audit row, once.
      await runTransition({ ...d, audit: d.audit ?? (async () => undefined) }, email, "vote.decide", ref, {
        decision: { decision: dec.decision, award: dec.award, lines: dec.lines, ...(departs ? { reason } : {}) },
      });
    }
    const t = tally(all);
    await d.audit?.({
      key: `vote|${key}|close`,
      event: "vote-closed",
      caseRef: ref,
      outcome: dec.decision,
      at: at(),
      actor: email ?? "unknown",
      detail: `agree ${t.agree}, disagree ${t.disagree}, abstain ${t.abstain}; award ${dec.award}`,
    });
    d.log.info("vote.closed", { caseRef: ref, decision: dec.decision, award: dec.award });
    // Everyone's copy of the vote card shows the decision, not only the SCL's (the triage cards
    // were brought up to date by the transition).
    if (closed.posted?.activityId) await d.poster.update(closed.posted.ref, closed.posted.activityId, await view(closed, true));
    await keepAgendaCurrent();
    return { show: "vote", card: await view(closed) };
  }
  return error("That action is not known", `Cluster Desk does not know the action "${verb}".`);
}
