/**
 * What the school is told. Plain text; case references, dates and reasons only: the form itself is
 * never read, so nothing about a child can appear here.
 */
import { clusterName, meetingKind, type Partnership } from "../config.js";
import type { MailDecision } from "./mailRules.js";
import { conventionParts } from "./subject.js";
import { describeDate } from "./time.js";

export interface ReplyText {
  /** Line before the quoted original. */
  body: string;
}

function signature(p: Partnership, leadEmail?: string): string {
  return [
    "",
    `Cluster Desk, for the ${p.name} (${p.council})`,
    leadEmail ? `Questions about this form: your ${p.leadTitle}, ${leadEmail}.` : p.enquiries ? `General enquiries: ${p.enquiries}.` : "",
    p.dataProtection.noticeUrl ? `How ${p.dataProtection.controller ?? p.council} uses this information: ${p.dataProtection.noticeUrl}` : "",
    "This message was sent automatically.",
  ]
    .filter((l) => l !== "")
    .join("\n");
}

/** What the school sends: Hounslow's "presentation form"; a partnership with referral types, a "referral". */
export function formWord(p: Partnership): string {
  return p.referralTypes.length > 1 ? "referral" : "presentation form";
}

export function composeReply(
  p: Partnership,
  d: MailDecision,
  ctx: { caseRef: string | null; duplicateOf?: { caseRef: string; receivedAt: string } | null },
): ReplyText {
  const a = d.assessment;
  const lead = a?.lead ?? null;
  const lines: string[] = [];
  if (ctx.duplicateOf) {
    lines.push(
      `We already have this form: it arrived on ${describeDate(ctx.duplicateOf.receivedAt.slice(0, 10))} and is case ${ctx.duplicateOf.caseRef}. This copy has not been logged again; there is nothing more you need to do.`,
    );
    return { body: [...lines, signature(p, lead?.email)].join("\n") };
  }
  const contact = a?.ackDueBy && lead ? `${lead.name}, your ${p.leadTitle}, will contact you by ${describeDate(a.ackDueBy)}.` : "";
  const subjectToUse = a?.expectedSubject ?? (a?.subject.ok ? a.subject.subject : null);
  if (d.missingForm) {
    lines.push(
      `Your email of ${a?.receivedLocal ?? "today"} arrived without a ${formWord(p)} attached${ctx.caseRef ? `, so case ${ctx.caseRef} needs attention` : ""}.`,
      `Please send it again with the completed form attached as ${p.intake.attachments.allowedExtensions.join(" or ")}${subjectToUse ? `, with the subject line "${subjectToUse}"` : ""}.`,
      ...d.reasons.slice(1).map((r) => `- ${r}`),
    );
    return { body: [...lines.filter(Boolean), signature(p, lead?.email)].join("\n") };
  }
  // A type decided in two stages: who recommends and who decides (and from which fund), said on receipt.
  const type = d.referralType ? p.referralTypes.find((t) => t.id === d.referralType) : undefined;
  const decider = type && type.stages.length > 1 ? type.stages[type.stages.length - 1]! : null;
  const twoStage = decider
    ? `The ${meetingKind(p, type!.stages[0]!.meeting)?.label ?? "cluster"} meeting will make a recommendation; the decision is made at the ${meetingKind(p, decider.meeting)?.label ?? "deciding meeting"}${decider.fund === "contingency" ? ", from the contingency fund" : ""}, and you will be told it then.`
    : "";
  switch (d.outcome) {
    case "accepted":
      lines.push(
        `Thank you. Your ${formWord(p)} for ${a!.school!.name} was received on ${a!.receivedLocal} and logged as case ${ctx.caseRef}.`,
        `It is provisionally listed for the ${a!.meeting!.description}; your ${p.leadTitle} confirms whether it goes on the agenda.`,
        twoStage,
        contact,
      );
      break;
    case "late":
      lines.push(
        `Your ${formWord(p)} for ${a!.school!.name} was received on ${a!.receivedLocal}, after the submission deadline of ${a!.missedDeadline!.description}, so it cannot be considered at that meeting. It is logged as case ${ctx.caseRef}.`,
        a!.meeting
          ? `It is provisionally listed for the ${a!.meeting.description} instead (the deadline for that meeting is ${a!.deadline!.description}).`
          : `It will be listed for the next ${a!.cluster !== null ? clusterName(p, a!.cluster) : "cluster"} meeting when the dates are published.`,
        twoStage,
        contact,
      );
      break;
    case "needs-attention":
      if (a && d.incomplete && ctx.caseRef) {
        // The referral lacks a document (or its type): listed provisionally, to be sent whole again.
        lines.push(
          `Your ${formWord(p)} was received on ${a.receivedLocal} and logged as case ${ctx.caseRef}${a.cluster !== null ? ` for ${clusterName(p, a.cluster)}` : ""}. It is not complete:`,
          ...d.reasons.map((r) => `- ${r}`),
          a.meeting ? `Until then it is provisionally listed for the ${a.meeting.description}.` : "",
          twoStage,
          contact,
        );
      } else if (a && a.subject.ok && !a.meeting && a.ackDueBy) {
        lines.push(`Your ${formWord(p)} was received on ${a.receivedLocal} and logged as case ${ctx.caseRef}.`, ...d.reasons, contact);
      } else if (a && a.cluster !== null && lead && ctx.caseRef) {
        // The school (or the cluster) was recognised: logged there and passed to its SCL.
        lines.push(
          `Your ${formWord(p)} was received on ${a.receivedLocal} and logged as case ${ctx.caseRef} for ${a.cluster !== null ? clusterName(p, a.cluster) : "the partnership lead"}, whose ${p.leadTitle} is ${lead.name} (${lead.initials}). The subject line was not quite right:`,
          ...d.reasons.map((r) => `- ${r}`),
          contact,
          a.expectedSubject
            ? `You do not need to send this form again; please use the subject line "${a.expectedSubject}" for future forms.`
            : `Please reply to this email with the school's full name so that ${lead.name} can confirm the case.`,
        );
      } else {
        lines.push(
          `Your email of ${a?.receivedLocal ?? "today"} could not be matched to a cluster${ctx.caseRef ? `; it is logged as case ${ctx.caseRef} for the partnership lead` : ""}:`,
          ...d.reasons.map((r) => `- ${r}`),
        );
        if (a?.expectedSubject) lines.push(`Please send it again with the subject line "${a.expectedSubject}".`);
        else
          lines.push(
            `Please send it again with a subject line such as "${p.intake.subjectExample}": ${conventionParts(p)
              .join(", ")
              .replace(/^./, (c) => c.toLowerCase())}.`,
          );
      }
      break;
    case "rejected":
      lines.push(`Your email of ${a?.receivedLocal ?? "today"} could not be accepted:`, ...d.reasons.map((r) => `- ${r}`), "Please send the form again.");
      break;
    default:
      throw new Error(`no reply is sent for ${d.outcome} mail`);
  }
  return { body: [...lines.filter(Boolean), signature(p, lead?.email)].join("\n") };
}
