/**
 * `npm run demo -- --partnership sutton|southampton`: each council's model told end to end on the
 * local tenant, through the real functions and bot, with the Agents Playground as Teams.
 *
 * Sutton (seed 003), January 2021: a form for single-phase cluster SP 5 and one written for the
 * wrong cross-phase cluster; the lead cluster SENCO triages; the SP 5 meeting's vote recommends;
 * the borough-wide final decision meeting (the leads with a key officer) decides.
 *
 * Southampton (seed 004), spring 2027: the year's funding shared by pupil numbers with its
 * contingency fund; an individual pupil need referral and a contingency referral sent without two
 * of its documents (the reply lists them), then sent whole; a locality lead triages; the locality
 * meeting sees the cases anonymised, allocates the first and recommends the second; the city
 * meeting allocates it from the contingency fund; the review reminder comes before the review date.
 */
import { loadPartnership } from "../config/load.js";
import { allocationFor } from "../core/rules/allocation.js";
import { caseLabel } from "../core/rules/agenda.js";
import { clusterById, type Partnership } from "../core/config.js";
import { planYear, publishedMeetings } from "../core/rules/planner.js";
import { meetingsOf, nextWideMeeting } from "../core/rules/schedule.js";
import { addWorkingDays } from "../core/rules/workingDays.js";
import { describeLocal, fromLocal } from "../core/rules/time.js";
import { GraphBudgets, GraphMeetings, GraphVotes } from "../m365/sharepoint.js";
import type { DemoSummary } from "./demo.js";
import {
  mailQuiet,
  addBotAndLinkChannel,
  caseFields,
  execute,
  pdfAttachment,
  register,
  sentTo,
  startDemoStack,
  until,
  type DemoOptions,
  type DemoStack,
} from "./demoStack.js";
import { meetingCases } from "../core/usecases/caseWindows.js";
import { withExampleContacts } from "./people.js";

type Result = DemoSummary & { stop: () => Promise<void> };

/** Votes through the Playground, as each person, on the card `activityId` in `conversation`. */
async function vote(s: DemoStack, ref: string, conversation: string, activityId: string, voters: string[], say: (l: string) => void) {
  const key = (await s.d.cases.byRef(ref))?.fields.Status === "Recommended" ? `${ref}-final` : ref;
  const before = (await new GraphVotes(s.d.site).votes(key)).length;
  for (const email of voters) {
    await s.pg.as(email, conversation, execute("vote.cast", { caseRef: ref, choice: "agree" }, activityId));
    say(`   ${s.users.find((u) => u.email.toLowerCase() === email.toLowerCase())?.name ?? email} votes to agree`);
  }
  await until("every vote", async () => (await new GraphVotes(s.d.site).votes(key)).length === before + voters.length);
}

async function lines(s: DemoStack, key: string): Promise<string[]> {
  return (await s.d.teams.voteSession(key))?.lines ?? [];
}

async function finish(s: DemoStack, opts: DemoOptions, ref: string, school: string): Promise<Result> {
  const say = opts.print;
  // What the last step sent goes after its case was saved: wait for the mailbox to finish.
  await mailQuiet(s.d, s.p.intake.mailbox);
  const all = await register(s);
  say("The case register:");
  for (const c of all) say(`   ${c.ref}  ${c.status.padEnd(16)} ${c.school}`);
  say(`What ${school} was told, in order:`);
  const told = await sentTo(s, (await s.d.cases.byRef(ref))!.fields.SenderEmail!);
  for (const m of told) say(`   ${m.subject}`);
  say(`\nOpen ${s.pg.url}/ for Teams and ${s.tenant.url}/ for the mailbox, the Cases, Votes and Audit lists.`);
  const f = (await s.d.cases.byRef(ref))!.fields;
  if (!opts.keepRunning) await s.stop();
  return {
    cases: all,
    replies: told.length,
    decision: String(f.Decision),
    award: Number(f.AmountAwarded),
    invitations: 0,
    webView: `${s.tenant.url}/`,
    playground: `${s.pg.url}/`,
    stop: s.stop,
  };
}

async function sutton(opts: DemoOptions): Promise<Result> {
  const say = opts.print;
  const p = withExampleContacts(loadPartnership("sutton").partnership);
  const sp5 = clusterById(p, 5)!;
  const SW = p.leads.find((l) => l.name === "Sarah Wilson")!.email;
  const EK = p.leads.find((l) => l.name === "Emily Kenny")!.email;
  const officer = p.roles.find((r) => r.id === "key-officers")!.people[0]!.email;
  const westbourne = sp5.schools.find((x) => x.shortName === "Westbourne")!;
  const members = sp5.schools.filter((x) => x !== westbourne).slice(0, 3);
  const s = await startDemoStack(p, opts, {
    start: "2021-01-11T09:00:00Z",
    cluster: 5,
    others: [...members.map((x) => x.sendcoEmail!), EK, officer],
    mailboxes: sp5.schools.map((x) => x.sendcoEmail!),
  });
  const { d, pg, team } = s;
  const caseOf = (ref: string) => caseFields(s, ref);
  // The officer publishes the borough-wide meeting's date (the seed gives none).
  await new GraphMeetings(d.site).publish([
    { clusterId: 0, kind: "borough-decision", date: "2021-02-04", start: "14:00", deadline: { date: "2021-01-28", time: "16:00" } },
  ]);
  await d.refreshCalendar(true);
  say(`Teams is the Agents Playground at ${pg.url}/ (signed in as Sarah Wilson, lead cluster SENCO of SP 5, SP 2 and CP 3).`);
  say('0. Sarah adds Cluster Desk and makes the "SP 5 meetings" channel SP 5\'s ("sp 5")');
  await addBotAndLinkChannel(s, SW, "Sarah's", "sp 5", 5);

  say("1. Monday 11 January 2021: Westbourne asks SP 5 for exceptional needs funding; WCGS writes to the wrong cross-phase cluster");
  await s.send({
    from: `SENDCo <${westbourne.sendcoEmail}>`,
    subject: "SP 5/Westbourne Primary School",
    text: "Our request.",
    attachments: [pdfAttachment("Exceptional needs request.pdf")],
  });
  await s.settle();
  await s.send({ from: "senco@wcgs.school.example", subject: "CP 3/WCGS", text: "Our request.", attachments: [pdfAttachment("Request.pdf")] });
  await s.settle();
  const all = await register(s);
  const ref = all.find((c) => c.school === westbourne.name)!.ref;
  for (const c of all) say(`   ${c.ref}: ${c.status} (${c.school})`);
  const wcgs = (await sentTo(s, "senco@wcgs.school.example"))[0];
  say(`   WCGS is told: ${wcgs?.body.split("\n").find((l) => l.includes("is in CP 2")) ?? "(no reply)"}`);

  const triage = await until(`${ref}'s triage card in Sarah's chat`, async () => (await d.teams.triageCards(ref))[0]);
  say(`2. Sarah triages ${ref}: 1 child, 2 terms, £6,000 asked (no limit in Sutton's policy: "as agreed"), accepts it for the SP 5 meeting`);
  await pg.as(
    SW,
    team.personalChatId,
    execute("triage.details", { caseRef: ref, caseType: "Individual", cyp: "1", terms: "2", amount: "6000" }, triage.activityId),
  );
  await until(`${ref}'s details`, async () => (await caseOf(ref))?.CypCount === 1);
  await pg.as(SW, team.personalChatId, execute("triage.accept", { caseRef: ref }, triage.activityId));
  await until(`${ref} on the agenda`, async () => (await caseOf(ref))?.Status === "On agenda");

  await s.setTime("2021-01-26T14:30:00Z");
  say("3. Tuesday 26 January, the SP 5 meeting (HAS, 2 - 4pm): the cluster moderates; its vote is a recommendation");
  await pg.as(SW, team.channelId, execute("vote.open", { caseRef: ref }));
  const first = (await until("the vote card in the SP 5 channel", async () => (await d.teams.voteSession(ref))?.posted)).activityId!;
  await vote(
    s,
    ref,
    team.channelId,
    first,
    members.map((x) => x.sendcoEmail!),
    say,
  );
  await pg.as(SW, team.channelId, execute("vote.close", { caseRef: ref, panelAmount: "6000" }, first));
  await until("the recommendation", async () => (await caseOf(ref))?.Status === "Recommended");
  // The case changes before the school's email goes (the Playground hands the click on and answers
  // at once): wait for the email too, so the story goes on in the order the school hears it.
  await until("the recommendation email", async () =>
    (await sentTo(s, westbourne.sendcoEmail!)).some((m) => m.subject.startsWith(`${ref}: recommendation of the `)),
  );
  for (const l of await lines(s, ref)) say(`   ${l}`);
  const rec = await caseOf(ref);
  say(
    `   ${ref} is Recommended (${rec?.Recommendation}, £${rec?.RecommendedAmount}); it is on the agenda of the borough-wide meeting, ${rec?.MeetingDate ? describeLocal(new Date(rec.MeetingDate)) : "date to be published"}`,
  );

  await s.setTime("2021-02-04T14:20:00Z");
  say("4. Thursday 4 February, the borough-wide final decision meeting: Sarah opens the final vote in the meeting's chat; the leads and the key officer vote");
  await pg.as(SW, team.groupChatId, execute("vote.open", { caseRef: ref }));
  const second = (await until("the final vote's card", async () => (await d.teams.voteSession(`${ref}-final`))?.posted)).activityId!;
  await vote(s, ref, team.groupChatId, second, [SW, EK, officer], say);
  // £5,000 where SP 5 recommended £6,000: the chair types the meeting's reason on the card; it goes to the school.
  await pg.as(
    SW,
    team.groupChatId,
    execute("vote.close", { caseRef: ref, panelAmount: "5000", reason: "Two terms at the band's rate meet the need the form describes" }, second),
  );
  await until("the decision", async () => (await caseOf(ref))?.Status === "Decided");
  for (const l of await lines(s, `${ref}-final`)) say(`   ${l}`);
  return finish(s, opts, ref, westbourne.name);
}

async function southampton(opts: DemoOptions): Promise<Result> {
  const say = opts.print;
  const base = withExampleContacts(loadPartnership("southampton").partnership);
  const c3 = clusterById(base, 3)!;
  const locality = base.roles.find((r) => r.id === "locality-lead")!.people[0]!.email;
  const head3 = base.roles.find((r) => r.id === "nominated-headteacher")!.people.find((h) => h.clusters?.includes(3))!.email;
  const headOfSend = base.roles.find((r) => r.id === "send-team")!.people[0]!.email;
  const shirley = c3.schools.find((x) => x.name === "Shirley Junior School")!;
  const oakwood = c3.schools.find((x) => x.name === "Oakwood Primary School")!;
  const members = c3.schools.filter((x) => x !== shirley && x !== oakwood).slice(0, 3);
  const s = await startDemoStack(base, opts, {
    start: "2027-01-04T09:00:00Z",
    cluster: 3,
    currentUser: locality,
    others: [...members.map((x) => x.sendcoEmail!), head3, headOfSend],
    mailboxes: c3.schools.map((x) => x.sendcoEmail!),
  });
  const { d, pg, team } = s;
  const caseOf = (ref: string) => caseFields(s, ref);
  // The officer publishes the year's meetings (the planner's) and the year's total funding.
  await new GraphMeetings(d.site).publish(publishedMeetings(planYear(base, "2026-27")));
  await new GraphBudgets(d.site).set({ clusterId: 0, year: "2026-27", allocated: 420_000 });
  await d.refreshCalendar(true);
  const p: Partnership = d.partnership;
  say(`Teams is the Agents Playground at ${pg.url}/ (signed in as a Locality Lead, who supports cluster 3's lead SENCo).`);
  say("0. The year's funding, shared by pupil numbers (set-budget --cluster 0 --year 2026-27 --amount 420000):");
  for (const l of allocationFor(p, "2026-27")?.lines ?? []) say(`   ${l}`);
  const meeting = meetingsOf(p, clusterById(p, 3)!).find((m) => m.startsAt.getTime() > Date.parse("2027-01-04T09:00:00Z"))!;
  const city = nextWideMeeting(p, "city", meeting.startsAt)!;
  say(`   Cluster 3's next locality meeting: ${meeting.date} ${meeting.start} (deadline ${meeting.deadline.date}); the next city meeting: ${city.date}`);
  await addBotAndLinkChannel(s, locality, "the locality lead's", "cluster 3", 3);

  say("1. Monday 4 January 2027: two referrals for cluster 3");
  await s.send({
    from: `SENDCo <${shirley.sendcoEmail}>`,
    subject: "Individual pupil need/Cluster 3/Shirley Junior School",
    text: "Our referral.",
    attachments: [pdfAttachment("IPN Referral Form.pdf"), pdfAttachment("Costed Provision Map.pdf"), pdfAttachment("Profile of Need.pdf")],
  });
  await s.settle();
  await s.send({
    from: `SENDCo <${oakwood.sendcoEmail}>`,
    subject: "Contingency funding/Cluster 3/Oakwood Primary School",
    text: "Our referral.",
    attachments: [pdfAttachment("Contingency Funding Referral Form.pdf")],
  });
  await s.settle();
  const incomplete = (await sentTo(s, oakwood.sendcoEmail!))[0]!;
  say(
    `   Oakwood's contingency referral lacks two documents; the reply says: ${
      incomplete.body
        .split("\n")
        .find((l) => l.includes("Missing:"))
        ?.replace(/^- /, "") ?? ""
    }`,
  );
  await s.send({
    from: `SENDCo <${oakwood.sendcoEmail}>`,
    subject: "Contingency funding/Cluster 3/Oakwood Primary School",
    text: "Our referral, complete.",
    attachments: [pdfAttachment("Contingency Funding Referral Form.pdf"), pdfAttachment("Costed Provision Map.pdf"), pdfAttachment("Profile of Need.pdf")],
  });
  await s.settle();
  const cases = await register(s);
  for (const c of cases) say(`   ${c.ref}: ${c.status} (${c.school})`);
  const ipn = cases.find((c) => c.school === shirley.name)!.ref;
  const cont = cases.filter((c) => c.school === oakwood.name && c.status !== "Superseded").at(-1)!.ref;

  say(`2. The locality lead brings each case to her chat ("case <ref>"), enters its details and accepts it`);
  for (const [ref, cyp, terms, amount] of [
    [ipn, "1", "3", "4000"],
    [cont, "1", "3", "9000"],
  ] as const) {
    await pg.as(locality, team.personalChatId, { type: "message", text: `case ${ref}` });
    const card = await until(`${ref}'s card`, async () => (await d.teams.triageCards(ref)).find((x) => x.viewer === locality.toLowerCase()));
    await pg.as(locality, team.personalChatId, execute("triage.details", { caseRef: ref, caseType: "Individual", cyp, terms, amount }, card.activityId));
    await until(`${ref}'s details`, async () => (await caseOf(ref))?.CypCount === 1);
    await pg.as(locality, team.personalChatId, execute("triage.accept", { caseRef: ref }, card.activityId));
    await until(`${ref} on the agenda`, async () => (await caseOf(ref))?.Status === "On agenda");
  }

  await s.setTime(new Date(meeting.startsAt.getTime() + 30 * 60_000).toISOString());
  const onAgenda = await meetingCases(d.cases, 3, meeting.startsAt);
  say(`3. ${meeting.date}, the locality meeting: members see each case without its school`);
  for (const ref of [ipn, cont])
    say(
      `   ${ref} is shown to members as "${caseLabel(
        p,
        onAgenda.find((x) => x.fields.Title === ref)!,
        onAgenda,
      )}"`,
    );
  for (const [ref, amount] of [
    [ipn, "4000"],
    [cont, "9000"],
  ] as const) {
    await pg.as(locality, team.channelId, execute("vote.open", { caseRef: ref }));
    const card = (await until(`${ref}'s vote card`, async () => (await d.teams.voteSession(ref))?.posted)).activityId!;
    await vote(
      s,
      ref,
      team.channelId,
      card,
      members.map((x) => x.sendcoEmail!),
      say,
    );
    await pg.as(locality, team.channelId, execute("vote.close", { caseRef: ref, panelAmount: amount }, card));
    await until(`${ref}'s outcome`, async () => ["Decided", "Recommended"].includes((await caseOf(ref))?.Status ?? ""));
    say(`   ${ref}: ${(await caseOf(ref))?.Status}`);
    for (const l of await lines(s, ref)) say(`     ${l}`);
  }

  await s.setTime(fromLocal(city.date, "10:00").toISOString());
  say(`4. ${city.date}, the city meeting: the contingency case, voted by the locality lead, the nominated headteacher and the SEND team`);
  await pg.as(locality, team.groupChatId, execute("vote.open", { caseRef: cont }));
  const final = (await until("the city meeting's vote card", async () => (await d.teams.voteSession(`${cont}-final`))?.posted)).activityId!;
  await vote(s, cont, team.groupChatId, final, [locality, head3, headOfSend], say);
  await pg.as(
    locality,
    team.groupChatId,
    execute("vote.close", { caseRef: cont, panelAmount: "8000", reason: "The fund's balance this year, with the review in twelve months" }, final),
  );
  await until("the city meeting's decision", async () => (await caseOf(cont))?.Status === "Decided");
  for (const l of await lines(s, `${cont}-final`)) say(`   ${l}`);

  const due = (await caseOf(ipn))!.ReviewDue!.slice(0, 10);
  const remind = addWorkingDays(due, -20);
  await s.setTime(`${remind}T09:00:00Z`);
  await s.host.runTimer("reviewReminders");
  const review = (await sentTo(s, shirley.sendcoEmail!)).find((m) => m.subject.includes("review"));
  say(`5. ${remind}, 20 working days before ${ipn}'s review date (${due}): "${review?.subject ?? "no reminder"}" to the school and its lead SENCo`);
  return finish(s, opts, cont, oakwood.name);
}

export async function runPartnershipDemo(id: string, opts: DemoOptions): Promise<Result> {
  if (id === "sutton") return sutton(opts);
  if (id === "southampton") return southampton(opts);
  throw new Error(`There is no demo for "${id}": the demos are hounslow-mip, sutton and southampton`);
}
