/**
 * `npm run demo`: replays a small summer-2023 scenario on the local tenant (its clock set to May
 * 2023) through the real functions and the real bot, with the Microsoft 365 Agents Playground as
 * Teams: forms from several clusters (on time, late, a wrong subject line, a zip file, an
 * out-of-office reply); the triage cards in Katy Luciani's (KL's) chat, where she accepts and
 * acknowledges a case; the agenda card in the cluster 5 channel; the HT representative's invitation;
 * a vote in the channel and the decision on its card. What the other people do in Teams is sent
 * through the Playground as them ("Mock an Activity"). Then it keeps running so the Playground and
 * the tenant's web view can be explored (`--exit` to stop at the end). Its data is in .data/demo,
 * made anew each run. Schools get example SENDCo and headteacher addresses (local/people.ts).
 */
import { resolve } from "node:path";
import { loadPartnership } from "../config/load.js";
import { agendaData } from "../core/rules/agenda.js";
import { meetingsOf } from "../core/rules/schedule.js";
import { agendaCases } from "../core/usecases/caseWindows.js";
import { runOutlook } from "../core/usecases/outlook.js";
import { eligibleVoters, type VoteChoice } from "../core/rules/votes.js";
import { GraphVotes } from "../m365/sharepoint.js";
import { addBotAndLinkChannel, caseFields, execute, pdfAttachment, register, sentTo, startDemoStack, until, type DemoOptions } from "./demoStack.js";
import { runPartnershipDemo } from "./demoStories.js";
import { withExampleContacts } from "./people.js";

export interface DemoSummary {
  cases: { ref: string; status: string; school: string }[];
  /** Emails sent from the secure mailbox (replies, acknowledgement, decision). */
  replies: number;
  decision: string;
  award: number;
  invitations: number;
  webView: string;
  playground: string;
}

export async function runDemo(opts: DemoOptions & { partnership?: string }): Promise<DemoSummary & { stop: () => Promise<void> }> {
  if (opts.partnership && opts.partnership !== "hounslow-mip") return runPartnershipDemo(opts.partnership, opts);
  const say = opts.print;
  const p = withExampleContacts(loadPartnership("hounslow-mip").partnership);
  const c5 = p.clusters.find((c) => c.id === 5)!;
  const KL = p.leads.find((l) => l.initials === "KL")!.email;
  const s = await startDemoStack(p, opts, {
    start: "2023-05-02T08:30:00Z",
    cluster: 5,
    mailboxes: c5.schools.flatMap((x) => [x.sendcoEmail!, x.headteacherEmail!]),
  });
  const { d, pg, team, tenant, host, send, settle, setTime } = s;
  const form = () => pdfAttachment("MIP presentation form.pdf");
  const caseOf = (ref: string) => caseFields(s, ref);

  say(`Teams is the Agents Playground at ${pg.url}/ (signed in as Katy Luciani, KL).`);
  say('0. Katy adds Cluster Desk in Teams and makes the "Cluster 5 meetings" channel cluster 5\'s');
  await addBotAndLinkChannel(s, KL, "Katy's", "cluster 5", 5);

  say("1. Tuesday 2 May 2023: forms arrive in the secure mailbox");
  await send({
    from: "SENDCo <senco@isleworthtown.school.example>",
    subject: "Cluster 5/KL/Isleworth Town Primary School",
    text: "Our form.",
    attachments: [form()],
  });
  await settle(); // logged first, so it is C5-2023-0001 (the Marlborough form below is cluster 5's too)
  await send({ from: "senco@marlborough.school.example", subject: "Cluster 4/KL/Marlborough Primary School", text: "Our form.", attachments: [form()] });
  await send({
    from: "senco@cavendish.school.example",
    subject: "Cluster 6/GV/Cavendish Primary School",
    text: "Forms zipped.",
    attachments: [{ filename: "forms.zip", content: Buffer.from("PK"), contentType: "application/zip" }],
  });
  await send({ from: "senco@lionel.school.example", subject: "Automatic reply: Cluster 6", text: "I am away.", headers: { "Auto-Submitted": "auto-replied" } });
  await settle();
  await setTime("2023-05-03T15:30:00Z");
  say("   Wednesday 3 May, 4:30pm: a cluster 6 form, half an hour after that cluster's deadline");
  await send({ from: "senco@chiswick.school.example", subject: "Cluster 6/GV/Chiswick School", text: "Our form.", attachments: [form()] });
  await settle();

  const ref = "C5-2023-0001";
  const triage = await until(`${ref}'s triage card in Katy's chat`, async () => (await d.teams.triageCards(ref))[0]);
  say(
    `2. Triage in Katy's chat: from the form she enters a group of 5 CYP, 2 terms, £4,500 asked (the card shows the limit), accepts ${ref} to the agenda and acknowledges the school (the card changes each time)`,
  );
  await pg.as(KL, team.personalChatId, execute("triage.details", { caseRef: ref, caseType: "Group", cyp: "5", terms: "2", amount: "4500" }, triage.activityId));
  await until(`${ref}'s details`, async () => (await caseOf(ref))?.CypCount === 5);
  await pg.as(KL, team.personalChatId, execute("triage.accept", { caseRef: ref }, triage.activityId));
  await until(`${ref} on the agenda`, async () => (await caseOf(ref))?.Status === "On agenda");
  await pg.as(KL, team.personalChatId, execute("triage.acknowledge", { caseRef: ref }, triage.activityId));
  await until(`${ref} acknowledged`, async () => (await caseOf(ref))?.AcknowledgedAt);
  // The school's email goes after the case is saved: wait for it before the clock moves on (a jump
  // in time expires the tokens an email still on its way holds).
  const sendco = (await d.cases.byRef(ref))!.fields.SenderEmail!;
  await until("the acknowledgement email", async () => (await sentTo(s, sendco)).some((m) => m.subject === `${ref}: your presentation form`));

  const may = meetingsOf(p, c5)[0]!;
  await setTime("2023-05-15T08:00:00Z");
  await host.runTimer("agendas");
  const agenda = agendaData(p, c5, may, await agendaCases(d.cases, 5, may.startsAt, may.date));
  say(
    `3. Monday 15 May, 3 working days before: the agenda card in the cluster 5 channel for the ${agenda.meeting} meeting: ${agenda.cases.map((x) => `${x.ref} (${x.kind}, ${x.cyp} CYP, ${x.terms} terms, requested ${x.requested}, limit ${x.cap})`).join("; ")}; ${agenda.htRep}; ${agenda.cpd}`,
  );

  say("4. Outlook: the HT representative's invitation");
  const outlook = await runOutlook({ ...d, partnership: p, kv: d.state });

  await setTime("2023-05-18T13:30:00Z");
  say("5. Thursday 18 May, in the meeting: Katy opens the vote from the agenda; the vote card appears in the cluster 5 channel");
  await pg.as(KL, team.channelId, execute("vote.open", { caseRef: ref, from: "agenda" }));
  const session = () => d.teams.voteSession(ref);
  const card = (await until("the vote card in the channel", async () => (await session())?.posted)).activityId;
  const votes = new GraphVotes(d.site);
  const eligible = eligibleVoters(p, c5, may.date, "Isleworth Town Primary School").map((v) => v.email);
  const voters = s.users.slice(1).filter((u) => eligible.includes(u.email.toLowerCase())); // the Playground's people besides Katy
  const choices: VoteChoice[] = ["agree", "agree", "agree", "disagree", "abstain"];
  for (const [i, v] of voters.entries()) {
    await pg.as(v.email, team.channelId, execute("vote.cast", { caseRef: ref, choice: choices[i] }, card));
    say(`   ${v.name} votes`);
  }
  await until("every vote", async () => (await votes.votes(ref)).length === voters.length);
  say("   Katy closes the vote with the £4,500 the panel agreed; the channel's card and her triage card show the decision");
  await pg.as(KL, team.channelId, execute("vote.close", { caseRef: ref, panelAmount: "4500" }, card));
  await until("the decision", async () => (await caseOf(ref))?.Status === "Decided");
  // The school's email goes straight after the case is decided: counted below, so wait for it.
  const school = (await d.cases.byRef(ref))!.fields.SenderEmail!;
  await until("the decision email", async () => (await sentTo(s, school)).some((m) => m.subject.startsWith(`${ref}: decision of the `)));
  const decided = (await d.cases.byRef(ref))!.fields as Record<string, unknown>;
  for (const line of (await session())?.lines ?? []) say(`   ${line}`);

  const all = await register(s);
  const sent = (
    await d.graph
      .api(`/users/${encodeURIComponent(p.intake.mailbox)}/mailFolders/sentitems/messages`)
      .select("id")
      .top(200)
      .get()
  ).value.length as number;
  say("6. The case register:");
  for (const c of all) say(`   ${c.ref}  ${c.status.padEnd(16)} ${c.school}`);
  say(`\nOpen ${pg.url}/ for Teams: Katy's chat (the triage card) and the "Cluster 5 meetings" channel (the agenda and the vote),`);
  say(`and ${tenant.url}/ for the mailbox folders, the replies, the Cases, Votes and Audit lists, and the calendars.`);

  const stop = s.stop;
  if (!opts.keepRunning) await stop();
  return {
    cases: all,
    replies: sent,
    decision: String(decided.Decision),
    award: Number(decided.AmountAwarded),
    invitations: outlook.invited,
    webView: `${tenant.url}/`,
    playground: `${pg.url}/`,
    stop,
  };
}

/** `--partnership sutton` (or PARTNERSHIP=sutton): that council's story. */
function partnershipArg(): string | undefined {
  const i = process.argv.indexOf("--partnership");
  return i > 0 ? process.argv[i + 1] : process.env.PARTNERSHIP;
}

if (process.argv[1] && import.meta.url.endsWith("/local/demo.js")) {
  const keep = !process.argv.includes("--exit");
  const r = await runDemo({
    dataDir: resolve(process.env.CLUSTER_DESK_DATA ?? ".data", partnershipArg() ? `demo-${partnershipArg()}` : "demo"),
    ...(process.env.TENANT_TLS_DIR ? { tlsDir: process.env.TENANT_TLS_DIR } : {}),
    print: (l) => console.log(l),
    keepRunning: keep,
    ...(partnershipArg() ? { partnership: partnershipArg()! } : {}),
    playgroundPort: Number(process.env.PLAYGROUND_PORT ?? 56150),
  });
  if (keep) {
    console.log("Ctrl-C stops the demo.");
    const stop = async () => {
      await r.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
  }
}
