/**
 * The partnership configuration: one per council's cluster model, validated by this schema.
 * Shapes only here; the cross-field rules are in `checkPartnership` below, and every failure names
 * the field it is about (`clusters[2].schools[3].phase: ...`).
 */
import { z } from "zod";
import { addDays, isLocalDate, isLocalTime, type LocalDate, type LocalTime } from "./time.js";

const localDate = z.string().refine(isLocalDate, { message: "must be a date written YYYY-MM-DD" });
const localTime = z.string().refine(isLocalTime, { message: "must be a 24-hour time written HH:mm" });
const email = z.email({ message: "must be an email address" });
const initials = z.string().regex(/^[A-Z]{2,3}$/, { message: "must be 2 or 3 capital letters, as written in subject lines" });

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
  })
  .strict();

/** A school term: first and last days, and its half-term holiday (inclusive London dates). */
const term = z.object({ start: localDate, end: localDate, halfTerm: z.object({ start: localDate, end: localDate }).strict() }).strict();

const rotaEntry = z
  .object({
    school: z.string().min(2),
    /** One named meeting date (YYYY-MM-DD) or a term such as "Aut 23" / "Sum 24". */
    when: z.union([localDate, z.string().regex(/^(Aut|Spr|Sum) \d{2}$/, { message: 'must be a date or a term such as "Aut 23"' })]),
    /** What the council's document actually says, kept when it had to be read (e.g. "13/5/23"). */
    published: z.string().optional(),
  })
  .strict();

const cluster = z
  .object({
    id: z.number().int().positive(),
    name: z.string().optional(),
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
    /** Budget for the cluster when no year's budget is given, for the agenda's RAG rating. */
    budget: z.number().nonnegative().optional(),
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
    kind: z.enum(["regressive", "progressive"]),
    /** First and last dates (inclusive, London) of meetings at which the policy applies. */
    from: localDate,
    to: localDate.nullable(),
    maxTerms: z.number().int().positive(),
    bands: z.array(band).min(1),
    source: z.string().optional(),
  })
  .strict();

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
        ackWorkingDays: z.number().int().positive().default(5),
        /** Sender domains accepted for every school (e.g. a trust's); a school's own domains add to it. */
        emailDomains: z.array(z.string()).default([]),
        /** What a form may be sent as; anything else is rejected without being opened. */
        attachments: z
          .object({
            allowedExtensions: z
              .array(z.string().regex(/^\.[a-z0-9]+$/, { message: 'must be an extension such as ".pdf"' }))
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
    clusters: z.array(cluster).min(1),
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
     * How the year's meetings are planned (core/planner.ts): the cadence, and the council's term
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
  .strict();

export type PartnershipInput = z.input<typeof partnershipSchema>;
export type Partnership = z.output<typeof partnershipSchema>;
export type Cluster = Partnership["clusters"][number];
export type School = Cluster["schools"][number];
export type Meeting = Cluster["meetings"][number];
export type RotaEntry = Cluster["rota"][number];
export type Lead = Partnership["leads"][number];
export type FundingPolicy = Partnership["fundingPolicies"][number];
export type FundingBand = FundingPolicy["bands"][number];

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

  // School names and aliases must identify one school across the partnership.
  const nameOwner = new Map<string, string>();
  p.clusters.forEach((c, ci) => {
    c.schools.forEach((s, si) => {
      const names = [s.name, ...(s.shortName ? [s.shortName] : []), ...s.aliases];
      for (const n of new Set(names.map(normaliseName))) {
        const owner = nameOwner.get(n);
        const here = `clusters[${ci}].schools[${si}]`;
        if (owner && owner !== here) {
          errors.push({ path: here, message: `the name "${n}" also belongs to ${owner}; names and aliases must identify one school` });
        }
        nameOwner.set(n, here);
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
    let next = 1;
    f.bands.forEach((b, bi) => {
      if (b.minCyp !== next) errors.push({ path: `${at}.bands[${bi}].minCyp`, message: `must be ${next} so that the bands follow on without a gap` });
      if (b.maxCyp !== null && b.maxCyp < b.minCyp) errors.push({ path: `${at}.bands[${bi}].maxCyp`, message: "must not be below minCyp" });
      if (b.maxCyp === null && bi !== f.bands.length - 1) errors.push({ path: `${at}.bands[${bi}].maxCyp`, message: "only the last band may be open-ended" });
      next = (b.maxCyp ?? Number.POSITIVE_INFINITY) + 1;
    });
    const last = f.bands[f.bands.length - 1];
    if (last && last.maxCyp !== null)
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
  if (p.budgetRag.amberFrom >= p.budgetRag.redFrom) {
    errors.push({ path: "budgetRag.amberFrom", message: "must be below redFrom" });
  }
  return { errors, warnings };
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
