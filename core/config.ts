/**
 * The partnership configuration: one per council's cluster model, validated by this schema.
 * Shapes only here; the cross-field rules are in `checkPartnership` below, and every failure names
 * the field it is about (`clusters[2].schools[3].phase: ...`).
 */
import { z } from "zod";
import { addDays, isLocalDate, isLocalTime, type LocalDate, type LocalTime } from "./rules/time.js";

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** Why a text is not a date, in words: "2026-09-31 is not a day: September 2026 has 30 days". */
export function notADate(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return `must be a date written YYYY-MM-DD, such as 2026-11-12 (not "${text}")`;
  const [y, mo] = [Number(m[1]), Number(m[2])];
  if (mo < 1 || mo > 12) return `${text} is not a date: there is no month ${mo}`;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return `${text} is not a date: ${MONTH_NAMES[mo - 1]} ${y} has ${days} days`;
}

const localDate = z.string().check((ctx) => {
  if (!isLocalDate(ctx.value)) ctx.issues.push({ code: "custom", message: notADate(ctx.value), input: ctx.value });
});
const localTime = z.string().refine(isLocalTime, { message: "must be a 24-hour time written HH:mm" });
const email = z.email({ message: "must be an email address" });
/** The engagement table's measures counted from the case register, not recorded as contacts. */
export const REGISTER_MEASURES = ["form-submitted", "presented-awarded"] as const;
export type RegisterMeasure = (typeof REGISTER_MEASURES)[number];

const slug = z.string().regex(/^[a-z0-9-]+$/, { message: "must be lower-case letters, digits and hyphens" });
const initials = z.string().regex(/^[A-Z]{2,3}$/, { message: "must be 2 or 3 capital letters, as written in subject lines" });

/**
 * What a form or its documents may ever be sent as: Word, PDF, OpenDocument and Rich Text, and
 * Excel for costings. A closed set, so no config can allow a program, a script, an archive or a
 * macro-enabled file (issue 30); a partnership chooses among these.
 */
export const FORM_EXTENSIONS = [".docx", ".pdf", ".doc", ".odt", ".rtf", ".xlsx", ".xls"] as const;

export const PHASES = ["primary", "secondary", "all-through", "special", "alternative-provision"] as const;
export type Phase = (typeof PHASES)[number];

const school = z
  .object({
    name: z.string().min(2),
    /** The short name the council's own tables use (rotas, directories). */
    shortName: z.string().min(2).optional(),
    phase: z.enum(PHASES),
    aliases: z.array(z.string().min(2)).default([]),
    /** School email domains, for the intake sender check; empty = not checked for this school. */
    emailDomains: z.array(z.string().refine(isDomain, { message: "must be a domain such as school.example.sch.uk" })).default([]),
    /** Where rota invitations and reminders go; absent = the school gets none (reported). */
    headteacherEmail: email.optional(),
    /** Where submission-deadline reminders go. */
    sendcoEmail: email.optional(),
  })
  .strict();

const meeting = z
  .object({
    date: localDate,
    start: localTime,
    end: localTime.optional(),
    /** A published submission deadline; when absent the partnership's default rule applies. */
    deadline: z.object({ date: localDate, time: localTime, note: z.string().optional() }).strict().optional(),
    location: z.string().optional(),
    teamsLink: z.url().optional(),
    note: z.string().optional(),
    /** The meeting kind (meetingKinds[].id); absent: the cluster's own meeting kind. */
    kind: slug.optional(),
  })
  .strict();

/** A school term: first and last days, and its half-term holiday (inclusive London dates). */
/** A period that ends on or after it starts ("the half-term ends before it starts" is a typing slip). */
const period = (what: string) =>
  z
    .object({ start: localDate, end: localDate })
    .strict()
    .refine((x) => !isLocalDate(x.start) || !isLocalDate(x.end) || x.end >= x.start, { message: `the ${what} ends before it starts`, path: ["end"] });
const term = z
  .object({ start: localDate, end: localDate, halfTerm: period("half-term") })
  .strict()
  .refine((x) => !isLocalDate(x.start) || !isLocalDate(x.end) || x.end >= x.start, { message: "the term ends before it starts", path: ["end"] })
  .refine((x) => !isLocalDate(x.halfTerm.start) || !isLocalDate(x.halfTerm.end) || (x.halfTerm.start >= x.start && x.halfTerm.end <= x.end), {
    message: "the half-term falls outside its term",
    path: ["halfTerm"],
  });

const rotaEntry = z
  .object({
    school: z.string().min(2),
    /** One named meeting date (YYYY-MM-DD) or a term such as "Aut 23" / "Sum 24". */
    // A meeting's date, or a term ("Aut 23") when the rota names only the term.
    when: z.string().check((ctx) => {
      const v = ctx.value;
      if (/^(Aut|Spr|Sum) \d{2}$/.test(v) || isLocalDate(v)) return;
      const message = /^\d{4}-\d{2}-\d{2}$/.test(v)
        ? notADate(v)
        : `"${v}" is neither a date (YYYY-MM-DD) nor a term: write a term as Aut, Spr or Sum and the year's last two digits, such as "Aut 23"`;
      ctx.issues.push({ code: "custom", message, input: v });
    }),
    /** What the council's document actually says, kept when it had to be read (e.g. "13/5/23"). */
    published: z.string().optional(),
  })
  .strict();

const cluster = z
  .object({
    id: z.number().int().positive(),
    name: z.string().optional(),
    /** Its kind (clusterKinds[].id); absent: the first kind. */
    kind: slug.optional(),
    /** The number the council writes after the kind's code ("CP 2"); absent: the id. */
    number: z.number().int().positive().optional(),
    /** Total pupils in its settings, for the share of the annual funding (allocation). */
    pupils: z.number().int().positive().optional(),
    /** Regular slot, e.g. Wednesday 09:30, as the launch pack prints it. */
    regular: z
      .object({ weekday: z.enum(["Mon", "Tue", "Wed", "Thu", "Fri"]), time: localTime })
      .strict()
      .optional(),
    schools: z.array(school).min(1),
    meetings: z.array(meeting).default([]),
    rota: z.array(rotaEntry).default([]),
    /** Allocated budget per academic year ("2026-27": pounds); the Budgets list overrides it. */
    budgets: z.record(z.string().regex(/^\d{4}-\d{2}$/, { message: 'must be an academic year such as "2026-27"' }), z.number().nonnegative()).default({}),
    /** Not a key: a budget is for an academic year (`budgets`). Said plainly to a config written with it. */
    budget: z
      .unknown()
      .optional()
      .refine((v) => v === undefined, { message: 'a budget is for an academic year: write budgets: { "2026-27": 30000 }' }),
  })
  .strict();

const person = z
  .object({
    name: z.string().min(2),
    email,
    initials: initials.optional(),
    role: z.string().optional(),
  })
  .strict();

const lead = z
  .object({
    initials,
    name: z.string().min(2),
    email,
    clusters: z.array(z.number().int().positive()).min(1),
  })
  .strict();

const band = z
  .object({
    label: z.string(),
    minCyp: z.number().int().positive(),
    maxCyp: z.number().int().positive().nullable(),
    perTerm: z.number().positive(),
  })
  .strict();

const fundingPolicy = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, { message: "must be lower-case letters, digits and hyphens" }),
    label: z.string(),
    /**
     * "regressive"/"progressive": per-term limits by group size (bands); "as-agreed": no limit, the
     * award is what the deciding meeting agrees (no bands); "trial": the model runs without
     * funding (Southampton's trial term), every award £0 (no bands).
     */
    kind: z.enum(["regressive", "progressive", "as-agreed", "trial"]),
    /** "equal-over-terms": the award is paid in equal parts over the terms requested (shown on the calculation). */
    split: z.enum(["none", "equal-over-terms"]).default("none"),
    /** First and last dates (inclusive, London) of meetings at which the policy applies. */
    from: localDate,
    to: localDate.nullable(),
    maxTerms: z.number().int().positive(),
    bands: z.array(band).default([]),
    source: z.string().optional(),
    /**
     * An example, not the council's decision: `npm start` adds one for the current academic year
     * (copied from the config's latest policy) so a case can be decided on the embedded default.
     * Cards, the calculation and `doctor` say so; a council's own policies never set it.
     */
    example: z.boolean().default(false),
  })
  .strict();

/** A kind of cluster (Sutton: single-phase "SP" and cross-phase "CP"); a school is in at most one of each kind. */
const clusterKind = z
  .object({
    id: slug,
    label: z.string().min(2),
    /** Written before the cluster's number in names and subject lines ("SP" gives "SP 3"); absent: "Cluster 3". */
    code: z
      .string()
      .regex(/^[A-Z]{1,4}$/, { message: "must be 1 to 4 capital letters" })
      .optional(),
  })
  .strict();

/** Who votes at a meeting: the cluster's SENDCos, its HT representative, the leads, or a role's people. */
const VOTER_GROUPS = ["cluster-sendcos", "ht-rep", "leads", "partnership-lead"] as const;

const meetingKindSchema = z
  .object({
    id: slug,
    label: z.string().min(2),
    /** "cluster": each cluster of `clusterKinds` meets; "partnership": one meeting for all (conference, borough or city meeting). */
    scope: z.enum(["cluster", "partnership"]),
    /** For scope "cluster": the kinds of cluster that hold it (empty: every kind). */
    clusterKinds: z.array(slug).default([]),
    cadence: z.enum(["monthly", "half-termly", "termly", "twice-yearly"]).default("monthly"),
    /** For scope "partnership": its regular slot, for the planner (a cluster's meetings use the cluster's). */
    regular: z
      .object({ weekday: z.enum(["Mon", "Tue", "Wed", "Thu", "Fri"]), time: localTime })
      .strict()
      .optional(),
    /**
     * Dates by rule instead of a cadence: "the n-th <weekday> of these months" (nth -1: the last).
     * Sutton 2020/21 (seed 003): SP on the 2nd Tuesday of October and the 4th of January, February,
     * April and May. A date that is not a school day is moved a week earlier (and said).
     */
    on: z
      .array(
        z
          .object({
            nth: z.union([z.literal(-1), z.number().int().min(1).max(5)]),
            weekday: z.enum(["Mon", "Tue", "Wed", "Thu", "Fri"]),
            months: z.array(z.number().int().min(1).max(12)).min(1),
          })
          .strict(),
      )
      .optional(),
    /**
     * A partnership meeting that decides on what cluster meetings recommended: one `days` after each
     * date the `kinds` meet (the next school day when that is not one), its deadline the end of the
     * cluster meeting it follows.
     */
    after: z
      .object({ kinds: z.array(slug).min(1), days: z.number().int().min(1).max(28) })
      .strict()
      .optional(),
    venue: z.string().optional(),
    purpose: z.string().optional(),
    /** Whether cases are heard there (a stage of a referral type can name it). */
    hearsCases: z.boolean().default(true),
    /** Who votes on a case there: groups (cluster-sendcos, ht-rep, leads, partnership-lead) and role ids. */
    voters: z.array(z.string().min(2)).default(["cluster-sendcos", "ht-rep"]),
  })
  .strict();

/** What a role's holders may do beyond reading their own cluster's (anonymised) agenda. */
export const ROLE_POWERS = ["triage", "see-names", "vote"] as const;
export type RolePower = (typeof ROLE_POWERS)[number];

const roleHolder = z
  .object({
    name: z.string().min(2),
    email,
    /** The clusters they hold the role for (a nominated headteacher's one cluster); absent: all. */
    clusters: z.array(z.number().int().positive()).optional(),
  })
  .strict();

const role = z
  .object({
    id: slug,
    title: z.string().min(2),
    people: z.array(roleHolder).default([]),
    may: z.array(z.enum(ROLE_POWERS)).default([]),
    /** The meeting kinds they attend. */
    attends: z.array(slug).default([]),
  })
  .strict();

const referralDocument = z
  .object({
    id: slug,
    label: z.string().min(2),
    /** Words in an attachment's name that say it is this document ("provision map"); any one is enough. */
    match: z.array(z.string().min(2)).min(1),
  })
  .strict();

/** In a stage: the meeting of the case's own cluster, whatever its kind (Sutton's SP or CP meeting). */
export const OWN_CLUSTER_MEETING = "cluster";

const stage = z
  .object({
    /** The meeting kind that hears the case at this stage; "cluster": the case's own cluster's meeting. */
    meeting: slug,
    /** "recommend": the vote is a recommendation to the next stage; "decide": the vote decides. */
    outcome: z.enum(["recommend", "decide"]),
    /** Whose money a decision spends: the cluster's allocation or the contingency fund. */
    fund: z.enum(["cluster", "contingency"]).default("cluster"),
  })
  .strict();

const referralTypeSchema = z
  .object({
    id: slug,
    label: z.string().min(2),
    /** Other ways schools write it, in subject lines and attachment names ("IPN"). */
    aliases: z.array(z.string().min(2)).default([]),
    /** Attachments the referral must include; intake names each one missing. */
    documents: z.array(referralDocument).default([]),
    /**
     * false: the email itself is the referral, with nothing to attach (Southampton's new EHCP: "no
     * further documentation is required"; a solution-focused discussion). Intake then accepts an
     * email with no attachment.
     */
    formRequired: z.boolean().default(true),
    /**
     * The kinds of cluster whose meetings hear this type (absent: every kind). A school in two
     * clusters (Sutton: single-phase and cross-phase) is listed at the earliest of those meetings.
     */
    clusterKinds: z.array(slug).optional(),
    /** What the lead checks at the meeting, shown on the case (a new EHCP: Section F aligned with the costed provision map). */
    checkAtMeeting: z.string().min(3).max(300).optional(),
    stages: z.array(stage).min(1),
    /**
     * "limits": the funding policy's per-term limits; "lump-sum": a project's amount as requested,
     * up to `lumpSumCap`, paid to the lead school; "none": a discussion, no funding.
     */
    funding: z.enum(["limits", "lump-sum", "none"]).default("limits"),
    lumpSumCap: z.number().positive().optional(),
    /** A review of the allocation is due within this many months of the decision. */
    reviewWithinMonths: z.number().int().positive().optional(),
    /** The school and the lead are reminded this many working days before a review is due. */
    reviewReminderWorkingDays: z.number().int().positive().default(20),
  })
  .strict();

/** The partnership's annual funding shared between clusters by pupil numbers, the rest held as a contingency fund. */
const allocation = z
  .object({
    /** Total annual funding per academic year ("2026-27": pounds). */
    totals: z
      .record(
        z.string().regex(/^\d{4}-\d{2}$/, { message: 'must be an academic year such as "2026-27"' }),
        z.number().int({ message: "is shared in whole pounds: write it without pence" }).nonnegative(),
      )
      .default({}),
    /** The share held back as the contingency fund (0.1 = 10%). */
    contingencyShare: z.number().min(0).max(1),
    by: z.literal("pupils").default("pupils"),
  })
  .strict();

const DEFAULT_SUBJECT_PARTS = ["cluster", "initials", "school"] as const;

export const partnershipSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, { message: "must be lower-case letters, digits and hyphens" }),
    name: z.string().min(2),
    shortName: z.string().min(2),
    council: z.string().min(2),
    timeZone: z.literal("Europe/London"),
    intake: z
      .object({
        /** The secure mailbox forms are sent to. */
        mailbox: email,
        /** "Cluster 5/KL/Isleworth Town Primary School" */
        subjectExample: z.string(),
        /**
         * The parts of the subject line, in order: the cluster (number or code), the lead's initials,
         * the school, the referral type. Hounslow: cluster, initials, school.
         */
        subjectParts: z
          .array(z.enum(["cluster", "initials", "school", "type"]))
          .min(2)
          .default([...DEFAULT_SUBJECT_PARTS]),
        ackWorkingDays: z.number().int().positive().default(5),
        /** Sender domains accepted for every school (e.g. a trust's); a school's own domains add to it. */
        emailDomains: z.array(z.string()).default([]),
        /** What a form may be sent as; anything else is rejected without being opened. */
        attachments: z
          .object({
            allowedExtensions: z
              .array(
                z.string().refine((e) => (FORM_EXTENSIONS as readonly string[]).includes(e), {
                  error: (iss) =>
                    `${JSON.stringify(iss.input)} cannot be allowed: a form may be sent only as ${FORM_EXTENSIONS.join(", ")} (never a program, a script, an archive or a macro-enabled file)`,
                }),
              )
              .min(1)
              .default([".docx", ".pdf"]),
            maxBytes: z
              .number()
              .int()
              .positive()
              .default(10 * 1024 * 1024),
          })
          .strict()
          .default({ allowedExtensions: [".docx", ".pdf"], maxBytes: 10 * 1024 * 1024 }),
        /** A second copy of a form (same sender, subject and attachments) within this many days is a duplicate. */
        duplicateWindowDays: z.number().int().positive().default(14),
        /** A form after a "needs attention" or "rejected" reply, within this many days, is its correction. */
        resubmissionWindowDays: z.number().int().positive().default(30),
        /**
         * Automatic replies one sender gets in an hour at most; past that, their mail is filed
         * without a case or a reply, so two automatic systems can never answer each other forever.
         */
        maxRepliesPerSenderPerHour: z.number().int().positive().default(10),
      })
      .strict(),
    deadlineRule: z
      .object({
        calendarDaysBeforeMeeting: z.number().int().nonnegative(),
        time: localTime,
        source: z.string().optional(),
      })
      .strict(),
    partnershipLead: person,
    advisers: z.array(person).default([]),
    enquiries: email.optional(),
    leads: z.array(lead).min(1),
    /** What the council calls the person who leads a cluster. */
    leadTitle: z.string().min(2).default("SEND Cluster Lead"),
    clusterKinds: z
      .array(clusterKind)
      .min(1)
      .default([{ id: "cluster", label: "Cluster" }]),
    clusters: z.array(cluster).min(1),
    /** Meeting kinds; absent: one, the cluster meeting, at calendar.cadence. */
    meetingKinds: z.array(meetingKindSchema).optional(),
    /** Meetings of partnership-wide kinds (conference, borough or city meeting). */
    partnershipMeetings: z.array(meeting.extend({ kind: slug })).default([]),
    /** Roles beyond the leads, the partnership lead and the advisers (locality leads, admin, key officers). */
    roles: z.array(role).default([]),
    /** Referral types; absent: one, the presentation form, decided by the cluster's vote. */
    referralTypes: z.array(referralTypeSchema).optional(),
    /** Cases and schools are shown to cluster members as "Cluster 3 · Case B"; real names only to roles that may see them. */
    anonymise: z.boolean().default(false),
    allocation: allocation.optional(),
    /**
     * The privacy notice (the Teams app's privacy link, `/api/privacy`, and a line in every email to
     * a school): who the controller is and whom to ask. Absent fields: the council, the partnership
     * lead, "the council's data protection officer". `noticeUrl`: the council's own notice instead.
     */
    dataProtection: z
      .object({
        controller: z.string().min(2).optional(),
        contactEmail: email.optional(),
        dpoEmail: email.optional(),
        /** How long case records are kept, in words (the council's retention schedule); absent: said from `keepCases`. */
        retention: z.string().min(2).optional(),
        noticeUrl: z.url({ protocol: /^https$/ }).optional(),
        /**
         * How long a case's emails and personal details are kept after the case ends (decided and
         * its funding over, refused at intake, superseded): `years` counted from the end of the
         * financial year (31 March) in which it ended, or from the day it ended. The retention timer
         * and `cluster-desk retention` delete them then (docs/data-protection.md gives the default's source).
         */
        keepCases: z
          .object({
            years: z.number().int().min(1).max(100).default(6),
            countFrom: z.enum(["financial-year-end", "case-end"]).default("financial-year-end"),
          })
          .strict()
          .default({ years: 6, countFrom: "financial-year-end" }),
      })
      .strict()
      .default({ keepCases: { years: 6, countFrom: "financial-year-end" } }),
    /**
     * The lead's work with schools before a form (issue 33): the kinds of contact a lead records
     * (`contact <school> <kind>` in Teams), and the engagement table's columns in order: kinds,
     * and the register's own measures `form-submitted` and `presented-awarded`. Absent: ENGAGEMENT_DEFAULT.
     */
    engagement: z
      .object({
        kinds: z
          .array(z.object({ id: slug, label: z.string().min(3).max(90) }).strict())
          .min(1)
          .refine((ks) => new Set(ks.map((k) => k.id)).size === ks.length, { message: "each kind needs an id of its own" })
          .refine((ks) => ks.every((k) => !REGISTER_MEASURES.includes(k.id as RegisterMeasure)), {
            message: `form-submitted and presented-awarded are counted from the Cases list, not recorded`,
          }),
        table: z.array(slug).min(1).optional(),
      })
      .strict()
      .optional(),
    /** The termly report: per-school counts below `minGroup` are shown as "fewer than N". */
    report: z
      .object({ minGroup: z.number().int().min(1).default(3) })
      .strict()
      .default({ minGroup: 3 }),
    fundingPolicies: z.array(fundingPolicy).min(1),
    outlook: z
      .object({
        /** Length of a meeting when the config gives no end time. */
        meetingMinutes: z.number().int().positive().default(120),
        /** Reminder to the HT representative, this many working days before the meeting. */
        htReminderWorkingDays: z.number().int().positive().default(2),
        /** Reminder to the cluster's SENDCos before each submission deadline; null = off. */
        deadlineReminderWorkingDays: z.number().int().positive().nullable().default(3),
      })
      .strict()
      .default({ meetingMinutes: 120, htReminderWorkingDays: 2, deadlineReminderWorkingDays: 3 }),
    votes: z
      .object({
        /** Votes needed (abstentions count towards it) before a vote can be closed with a decision. */
        quorum: z.number().int().positive().default(3),
        /** "majority": more agree than do not; "two-thirds": at least two thirds of those not abstaining agree. */
        rule: z.enum(["majority", "two-thirds"]).default("majority"),
        /** Whether voters see the running tally before the vote closes. */
        showTallyWhileOpen: z.boolean().default(false),
      })
      .strict()
      .default({ quorum: 3, rule: "majority", showTallyWhileOpen: false }),
    agenda: z
      .object({ postWorkingDaysBefore: z.number().int().nonnegative().default(3), cpdMinutes: z.number().int().nonnegative().default(15) })
      .strict()
      .default({ postWorkingDaysBefore: 3, cpdMinutes: 15 }),
    budgetRag: z
      .object({ amberFrom: z.number().min(0).max(1), redFrom: z.number().min(0).max(1) })
      .strict()
      .default({ amberFrom: 0.75, redFrom: 0.9 }),
    /**
     * How the year's meetings are planned (core/rules/planner.ts): the cadence, and the council's term
     * dates per academic year ("2026-27"); a year without them gets England's usual pattern,
     * marked as proposed.
     */
    calendar: z
      .object({
        cadence: z.enum(["monthly", "half-termly", "termly"]).default("monthly"),
        terms: z
          .record(
            z.string().regex(/^\d{4}-\d{2}$/, { message: 'must be an academic year such as "2026-27"' }),
            z.object({ autumn: term, spring: term, summer: term }).strict(),
          )
          .default({}),
      })
      .strict()
      .default({ cadence: "monthly", terms: {} }),
  })
  .strict()
  .transform((p) => ({
    ...p,
    clusters: p.clusters.map((c) => ({ ...c, kind: c.kind ?? p.clusterKinds[0]!.id })),
    meetingKinds: p.meetingKinds ?? [
      {
        id: "cluster",
        label: "Cluster meeting",
        scope: "cluster" as const,
        clusterKinds: [],
        cadence: p.calendar.cadence,
        hearsCases: true,
        voters: ["cluster-sendcos", "ht-rep"],
      },
    ],
    referralTypes: p.referralTypes ?? [
      {
        id: "presentation",
        label: "Presentation form",
        aliases: [] as string[],
        documents: [] as z.output<typeof referralDocument>[],
        formRequired: true,
        stages: [{ meeting: OWN_CLUSTER_MEETING, outcome: "decide" as const, fund: "cluster" as const }],
        funding: "limits" as const,
        reviewReminderWorkingDays: 20,
      },
    ],
  }));

export type PartnershipInput = z.input<typeof partnershipSchema>;
export type Partnership = z.output<typeof partnershipSchema>;
export type Cluster = Partnership["clusters"][number];
export type School = Cluster["schools"][number];
export type Meeting = Cluster["meetings"][number];
export type RotaEntry = Cluster["rota"][number];
export type Lead = Partnership["leads"][number];
export type FundingPolicy = Partnership["fundingPolicies"][number];
export type FundingBand = FundingPolicy["bands"][number];
export type ClusterKind = Partnership["clusterKinds"][number];
export type MeetingKind = Partnership["meetingKinds"][number];
export type ReferralType = Partnership["referralTypes"][number];
export type ReferralStage = ReferralType["stages"][number];
export type PartnershipRole = Partnership["roles"][number];
export type PartnershipMeeting = Partnership["partnershipMeetings"][number];

export interface ConfigProblem {
  /** Field path as written in the file: `clusters[2].schools[3].phase`. */
  path: string;
  message: string;
  /** The same in an officer's words: `cluster 3, school "Bolder Academy": phase`. */
  where?: string;
}

const asRecord = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);

/**
 * `clusters[2].schools[3].phase` in words, read against the config itself: `cluster 3, school
 * "Bolder Academy": phase` (the cluster's id and the school's name, not zero-based indexes).
 */
export function describePath(root: unknown, path: string): string {
  if (!path) return "(top level)";
  const parts: string[] = [];
  let node: unknown = root;
  let fields: string[] = [];
  // Tokens: field names and [n] indexes (split by hand: no pattern to run on the path).
  const tokens = path.split(".").flatMap((seg) => seg.split("[").map((t, k) => (k === 0 ? t : `[${t}`)));
  for (const token of tokens.filter(Boolean)) {
    if (!token.startsWith("[")) {
      fields.push(token);
      node = asRecord(node)?.[token];
      continue;
    }
    const i = Number(token.slice(1, -1));
    const list = fields.pop() ?? "";
    if (fields.length) parts.push(fields.join("."));
    const item = asRecord(Array.isArray(node) ? node[i] : undefined);
    const label: Record<string, () => string> = {
      clusters: () => `cluster ${str(item?.id) ?? `#${i + 1}`}`,
      schools: () => `school ${item?.name ? `"${str(item.name)}"` : `#${i + 1}`}`,
      meetings: () => `meeting ${str(item?.date) ?? `#${i + 1}`}`,
      rota: () => `rota entry ${item?.school ? `"${str(item.school)}"` : `#${i + 1}`}`,
      leads: () => `lead ${str(item?.initials) ?? str(item?.name) ?? `#${i + 1}`}`,
      fundingPolicies: () => `funding policy ${item?.id ? `"${str(item.id)}"` : `#${i + 1}`}`,
      bands: () => `band ${i + 1}`,
      clusterKinds: () => `cluster kind ${item?.id ? `"${str(item.id)}"` : `#${i + 1}`}`,
      meetingKinds: () => `meeting kind ${item?.id ? `"${str(item.id)}"` : `#${i + 1}`}`,
      referralTypes: () => `referral type ${item?.id ? `"${str(item.id)}"` : `#${i + 1}`}`,
      documents: () => `document ${item?.id ? `"${str(item.id)}"` : `#${i + 1}`}`,
      stages: () => `stage ${i + 1}`,
      roles: () => `role ${item?.id ? `"${str(item.id)}"` : `#${i + 1}`}`,
      people: () => `person ${item?.name ? `"${str(item.name)}"` : `#${i + 1}`}`,
      partnershipMeetings: () => `${str(item?.kind) ?? "partnership"} meeting ${str(item?.date) ?? `#${i + 1}`}`,
    };
    const value = Array.isArray(node) ? str(node[i]) : undefined;
    // A list of plain values (a lead's clusters, extensions) is named by the value itself.
    parts.push(value !== undefined ? `${list} value ${value}` : (label[list]?.() ?? `${list} #${i + 1}`));
    fields = [];
    node = Array.isArray(node) ? node[i] : undefined;
  }
  const rest = fields.join(".");
  return `${parts.join(", ")}${rest ? `${parts.length ? ": " : ""}${rest}` : ""}`;
}

/** Adds `where` (in words) to each problem, read against the config as written. */
export function inWords(root: unknown, problems: ConfigProblem[]): ConfigProblem[] {
  return problems.map((p) => ({ ...p, where: describePath(root, p.path) }));
}

export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    readonly source = "partnership config",
  ) {
    super(`${source} is not valid:\n${problems.map((p) => `  ${p.where ?? (p.path || "(top level)")}: ${p.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
  }
  return out;
}

/** Normalises a school or person name for comparison: case, punctuation, "&"/"and", "St."/"Saint". */
/** A mail domain: dot-separated labels of letters, digits and hyphens, ending in a 2+ letter one. */
export function isDomain(s: string): boolean {
  const labels = s.split(".");
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9-]{1,63}$/i.test(l)) && /^[a-z]{2,63}$/i.test(labels[labels.length - 1]!);
}

export function normaliseName(s: string): string {
  return s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[\u2018\u2019`']/g, "")
    .replace(/&/g, " and ")
    .replace(/\bsaint\b/g, "st")
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .replace(/\s+/g, " ");
}

export interface ValidatedPartnership {
  partnership: Partnership;
  /** Things a council officer should look at that do not stop the product working. */
  warnings: ConfigProblem[];
}

/**
 * Validates a parsed config object: shape first, then the rules that span fields. Throws
 * ConfigError naming every field at fault.
 */
export function parsePartnership(input: unknown, source?: string): ValidatedPartnership {
  const shaped = partnershipSchema.safeParse(input);
  if (!shaped.success) {
    throw new ConfigError(
      inWords(
        input,
        shaped.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      ),
      source,
    );
  }
  const p = shaped.data;
  const { errors, warnings } = checkPartnership(p);
  if (errors.length) throw new ConfigError(inWords(input, errors), source);
  return { partnership: p, warnings: inWords(input, warnings) };
}

export function checkPartnership(p: Partnership): { errors: ConfigProblem[]; warnings: ConfigProblem[] } {
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const clusterIds = new Map<number, number>();
  p.clusters.forEach((c, ci) => {
    if (clusterIds.has(c.id)) errors.push({ path: `clusters[${ci}].id`, message: `cluster ${c.id} is listed twice` });
    clusterIds.set(c.id, ci);
  });

  // Leads: initials unique, every cluster led by exactly one SCL.
  const leadOf = new Map<number, string>();
  const seenInitials = new Set<string>();
  p.leads.forEach((l, li) => {
    if (seenInitials.has(l.initials)) errors.push({ path: `leads[${li}].initials`, message: `initials ${l.initials} are used by two leads` });
    seenInitials.add(l.initials);
    l.clusters.forEach((cid, k) => {
      if (!clusterIds.has(cid)) errors.push({ path: `leads[${li}].clusters[${k}]`, message: `there is no cluster ${cid}` });
      const other = leadOf.get(cid);
      if (other) errors.push({ path: `leads[${li}].clusters[${k}]`, message: `cluster ${cid} is already led by ${other}` });
      leadOf.set(cid, l.initials);
    });
  });
  p.clusters.forEach((c, ci) => {
    if (!leadOf.has(c.id)) errors.push({ path: `clusters[${ci}]`, message: `cluster ${c.id} has no SEND Cluster Lead in leads` });
  });

  // The engagement table names only kinds the partnership records or the register's own measures.
  if (p.engagement?.table) {
    const known = new Set<string>([...p.engagement.kinds.map((k) => k.id), ...REGISTER_MEASURES]);
    p.engagement.table.forEach((id, i) => {
      if (!known.has(id))
        errors.push({ path: `engagement.table[${i}]`, message: `"${id}" is neither a kind in engagement.kinds nor form-submitted or presented-awarded` });
    });
  }

  // School names and aliases must identify one school across the partnership. A school may be a
  // member of one cluster of each kind (Sutton: a single-phase and a cross-phase cluster), listed
  // under the same name in each.
  const nameOwner = new Map<string, { at: string; school: string; kind: string }>();
  p.clusters.forEach((c, ci) => {
    c.schools.forEach((s, si) => {
      const names = [s.name, ...(s.shortName ? [s.shortName] : []), ...s.aliases];
      const here = `clusters[${ci}].schools[${si}]`;
      for (const n of new Set(names.map(normaliseName))) {
        const owner = nameOwner.get(n);
        const sameSchool = owner && owner.school === normaliseName(s.name);
        if (owner && owner.at !== here && (!sameSchool || owner.kind === c.kind)) {
          errors.push({
            path: here,
            message: sameSchool
              ? `${s.name} is already in ${describePath(p, owner.at)}, a cluster of the same kind; a school is in one cluster of each kind`
              : `the name "${n}" also belongs to ${owner.at}; names and aliases must identify one school`,
          });
        }
        if (!owner) nameOwner.set(n, { at: here, school: normaliseName(s.name), kind: c.kind });
      }
    });

    // Meetings: in order, deadline before the meeting.
    const seen = new Set<string>();
    c.meetings.forEach((m, mi) => {
      const at = `clusters[${ci}].meetings[${mi}]`;
      if (seen.has(m.date)) errors.push({ path: `${at}.date`, message: `cluster ${c.id} already has a meeting on ${m.date}` });
      seen.add(m.date);
      if (m.end && m.end <= m.start) errors.push({ path: `${at}.end`, message: "must be after start" });
      if (m.deadline && `${m.deadline.date}T${m.deadline.time}` >= `${m.date}T${m.start}`) {
        errors.push({ path: `${at}.deadline`, message: `the submission deadline must be before the meeting (${m.date} ${m.start})` });
      }
    });

    // Rota entries must name a school of this cluster.
    c.rota.forEach((r, ri) => {
      if (!findSchoolByName(c, r.school)) {
        errors.push({ path: `clusters[${ci}].rota[${ri}].school`, message: `"${r.school}" is not a school of cluster ${c.id}` });
      }
    });
  });

  // Funding: bands cover 1..infinity without gaps; policies do not overlap.
  p.fundingPolicies.forEach((f, fi) => {
    const at = `fundingPolicies[${fi}]`;
    if (f.to !== null && f.to < f.from) errors.push({ path: `${at}.to`, message: "must not be before from" });
    const banded = f.kind === "regressive" || f.kind === "progressive";
    if (banded && !f.bands.length) errors.push({ path: `${at}.bands`, message: `a ${f.kind} policy needs its per-term limits (bands)` });
    if (!banded && f.bands.length) errors.push({ path: `${at}.bands`, message: `an ${f.kind} policy has no per-term limits; remove the bands` });
    let next = 1;
    f.bands.forEach((b, bi) => {
      if (b.minCyp !== next) errors.push({ path: `${at}.bands[${bi}].minCyp`, message: `must be ${next} so that the bands follow on without a gap` });
      if (b.maxCyp !== null && b.maxCyp < b.minCyp) errors.push({ path: `${at}.bands[${bi}].maxCyp`, message: "must not be below minCyp" });
      if (b.maxCyp === null && bi !== f.bands.length - 1) errors.push({ path: `${at}.bands[${bi}].maxCyp`, message: "only the last band may be open-ended" });
      next = (b.maxCyp ?? Number.POSITIVE_INFINITY) + 1;
    });
    const last = f.bands[f.bands.length - 1];
    if (banded && last && last.maxCyp !== null)
      errors.push({ path: `${at}.bands[${f.bands.length - 1}].maxCyp`, message: "the last band must be open-ended (null) so every case has a limit" });
  });
  const sorted = p.fundingPolicies.map((f, i) => ({ f, i })).sort((a, b) => a.f.from.localeCompare(b.f.from));
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (prev.f.to === null || prev.f.to >= cur.f.from) {
      errors.push({ path: `fundingPolicies[${cur.i}].from`, message: `overlaps ${prev.f.id}; a date must have one policy in force` });
    } else if (addDays(prev.f.to, 1) !== cur.f.from) {
      warnings.push({ path: `fundingPolicies[${cur.i}].from`, message: `no policy is in force from ${addDays(prev.f.to, 1)} to ${addDays(cur.f.from, -1)}` });
    }
  }
  checkModel(p, errors, warnings);
  if (p.budgetRag.amberFrom >= p.budgetRag.redFrom) {
    errors.push({ path: "budgetRag.amberFrom", message: "must be below redFrom" });
  }
  return { errors, warnings };
}

/** The cross-field rules of the model: kinds, meetings, roles, referral types, allocation. */
function checkModel(p: Partnership, errors: ConfigProblem[], warnings: ConfigProblem[]): void {
  const kinds = new Set(p.clusterKinds.map((k) => k.id));
  const meetingKinds = new Map(p.meetingKinds.map((m) => [m.id, m]));
  const roleIds = new Set(p.roles.map((r) => r.id));
  const clusterIds = new Set(p.clusters.map((c) => c.id));
  const unique = (list: { id: string }[], field: string, what: string) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) errors.push({ path: `${field}[${i}].id`, message: `${what} "${x.id}" is listed twice` });
      seen.add(x.id);
    });
  };
  unique(p.clusterKinds, "clusterKinds", "cluster kind");
  unique(p.meetingKinds, "meetingKinds", "meeting kind");
  unique(p.roles, "roles", "role");
  unique(p.referralTypes, "referralTypes", "referral type");
  const names = new Map<string, number>();
  p.clusters.forEach((c, ci) => {
    if (!kinds.has(c.kind)) errors.push({ path: `clusters[${ci}].kind`, message: `there is no cluster kind "${c.kind}" in clusterKinds` });
    const name = clusterName(p, c.id);
    if (names.has(name)) errors.push({ path: `clusters[${ci}].number`, message: `two clusters are called ${name}` });
    names.set(name, c.id);
  });
  p.meetingKinds.forEach((m, mi) => {
    m.clusterKinds.forEach((k, ki) => {
      if (!kinds.has(k)) errors.push({ path: `meetingKinds[${mi}].clusterKinds[${ki}]`, message: `there is no cluster kind "${k}"` });
    });
    m.voters.forEach((v, vi) => {
      if (!(VOTER_GROUPS as readonly string[]).includes(v) && !roleIds.has(v)) {
        errors.push({ path: `meetingKinds[${mi}].voters[${vi}]`, message: `"${v}" is neither ${VOTER_GROUPS.join(", ")} nor a role's id` });
      }
    });
  });
  p.partnershipMeetings.forEach((m, mi) => {
    const k = meetingKinds.get(m.kind);
    if (!k) errors.push({ path: `partnershipMeetings[${mi}].kind`, message: `there is no meeting kind "${m.kind}"` });
    else if (k.scope !== "partnership")
      errors.push({ path: `partnershipMeetings[${mi}].kind`, message: `"${m.kind}" is held by each cluster; list its dates under the clusters` });
    if (m.end && m.end <= m.start) errors.push({ path: `partnershipMeetings[${mi}].end`, message: "must be after start" });
  });
  p.roles.forEach((r, ri) => {
    r.attends.forEach((a, ai) => {
      if (!meetingKinds.has(a)) errors.push({ path: `roles[${ri}].attends[${ai}]`, message: `there is no meeting kind "${a}"` });
    });
    r.people.forEach((h, hi) =>
      (h.clusters ?? []).forEach((cid, k) => {
        if (!clusterIds.has(cid)) errors.push({ path: `roles[${ri}].people[${hi}].clusters[${k}]`, message: `there is no cluster ${cid}` });
      }),
    );
  });
  p.referralTypes.forEach((t, ti) => {
    t.stages.forEach((s, si) => {
      const at = `referralTypes[${ti}].stages[${si}]`;
      const k = s.meeting === OWN_CLUSTER_MEETING ? undefined : meetingKinds.get(s.meeting);
      if (s.meeting === OWN_CLUSTER_MEETING) {
        if (s.fund === "contingency") errors.push({ path: `${at}.fund`, message: "the contingency fund is spent at a partnership meeting, not a cluster's" });
      } else if (!k)
        errors.push({ path: `${at}.meeting`, message: `there is no meeting kind "${s.meeting}" (or "cluster": the case's own cluster's meeting)` });
      else if (!k.hearsCases) errors.push({ path: `${at}.meeting`, message: `${k.label} does not hear cases (hearsCases: false)` });
      const last = si === t.stages.length - 1;
      if (last && s.outcome !== "decide") errors.push({ path: `${at}.outcome`, message: "the last stage must decide" });
      if (!last && s.outcome !== "recommend") errors.push({ path: `${at}.outcome`, message: "only the last stage decides; earlier stages recommend" });
      if (s.fund === "contingency" && !p.allocation)
        errors.push({ path: `${at}.fund`, message: "a contingency fund needs an allocation (allocation.contingencyShare)" });
    });
    if (t.lumpSumCap !== undefined && t.funding !== "lump-sum")
      warnings.push({ path: `referralTypes[${ti}].lumpSumCap`, message: "only a lump-sum type uses it" });
  });
  const seenWords = new Map<string, string>();
  p.referralTypes.forEach((t, ti) => {
    for (const w of [t.label, ...t.aliases].map(normaliseName)) {
      const other = seenWords.get(w);
      if (other && other !== t.id) errors.push({ path: `referralTypes[${ti}].aliases`, message: `"${w}" also names referral type "${other}"` });
      seenWords.set(w, t.id);
    }
  });
  const parts = p.intake.subjectParts;
  if (!parts.includes("school")) errors.push({ path: "intake.subjectParts", message: "must include the school" });
  if (new Set(parts).size !== parts.length) errors.push({ path: "intake.subjectParts", message: "names a part twice" });
  if (p.allocation) {
    p.clusters.forEach((c, ci) => {
      if (!c.pupils) errors.push({ path: `clusters[${ci}].pupils`, message: "is needed to share the allocation by pupil numbers" });
    });
  }
}

/**
 * What the council calls a cluster: "cluster 5" (Hounslow, Southampton), "SP 3" or "CP 2" (Sutton,
 * whose kinds have codes). Lower-case "cluster" so it reads inside a sentence.
 */
/** A person's name as the config has it (the leads, the partnership lead, advisers, roles), else their address: how a person is shown to people. */
export function personName(p: Partnership, email: string): string {
  const e = email.toLowerCase();
  const known = [...p.leads, p.partnershipLead, ...p.advisers, ...p.roles.flatMap((r) => r.people)].find((x) => x.email.toLowerCase() === e);
  return known?.name ?? email;
}

export function clusterName(p: Partnership, id: number): string {
  const c = p.clusters.find((x) => x.id === id);
  const code = c ? p.clusterKinds.find((k) => k.id === c.kind)?.code : undefined;
  return code ? `${code} ${c!.number ?? c!.id}` : `cluster ${id}`;
}

/** The same at the start of a sentence or a card's title. */
export function ClusterName(p: Partnership, id: number): string {
  const n = clusterName(p, id);
  return n.charAt(0).toUpperCase() + n.slice(1);
}

/** The clusters a school (by its name) is a member of: one per kind. */
export function clustersOfSchool(p: Partnership, schoolName: string): Cluster[] {
  const n = normaliseName(schoolName);
  return p.clusters.filter((c) => c.schools.some((s) => normaliseName(s.name) === n));
}

export function referralType(p: Partnership, id: string | null | undefined): ReferralType {
  return p.referralTypes.find((t) => t.id === id) ?? p.referralTypes[0]!;
}

export function meetingKind(p: Partnership, id: string): MeetingKind | undefined {
  return p.meetingKinds.find((m) => m.id === id);
}

/** The meeting kind a cluster holds for cases (its kind's, else the first cluster-scope kind). */
export function clusterMeetingKind(p: Partnership, c: Cluster): MeetingKind | undefined {
  const hearing = p.meetingKinds.filter((m) => m.scope === "cluster" && m.hearsCases);
  return hearing.find((m) => m.clusterKinds.includes(c.kind)) ?? hearing.find((m) => m.clusterKinds.length === 0);
}

/** The people holding a role with `power` for cluster `clusterId` (all clusters when they have no list). */
export function holdersWith(p: Partnership, power: RolePower, clusterId: number | null): { name: string; email: string; role: string }[] {
  return p.roles.flatMap((r) =>
    r.may.includes(power)
      ? r.people
          .filter((h) => !h.clusters || (clusterId !== null && h.clusters.includes(clusterId)))
          .map((h) => ({ name: h.name, email: h.email, role: r.title }))
      : [],
  );
}

/** Finds a school of a cluster by its name, short name or an alias (normalised comparison). */
/**
 * The partnership with rows from one of the council's lists (meetings, budgets, schools) applied
 * to their clusters; a cluster the list says nothing about is left as the config has it.
 */
export function perCluster<T extends { clusterId: number }>(p: Partnership, rows: T[], apply: (c: Cluster, mine: T[]) => Cluster): Partnership {
  if (!rows.length) return p;
  return {
    ...p,
    clusters: p.clusters.map((c) => {
      const mine = rows.filter((r) => r.clusterId === c.id);
      return mine.length ? apply(c, mine) : c;
    }),
  };
}

export function findSchoolByName(c: Cluster, name: string): School | undefined {
  const n = normaliseName(name);
  return c.schools.find((s) => [s.name, s.shortName ?? "", ...s.aliases].some((x) => x && normaliseName(x) === n));
}

export function clusterById(p: Partnership, id: number): Cluster | undefined {
  return p.clusters.find((c) => c.id === id);
}

export function leadForCluster(p: Partnership, clusterId: number): Lead | undefined {
  return p.leads.find((l) => l.clusters.includes(clusterId));
}

export type { LocalDate, LocalTime };
