/** The SharePoint lists: schema, idempotent provisioning, and the case register. */
import type { Client } from "@microsoft/microsoft-graph-client";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import type { GraphJson } from "./json.js";
import { batcherFor } from "./batcher.js";
import { statusOf as status } from "./graphError.js";
import type { AttendancePort, AttendanceRecord, CaseRecordsPort, EngagementPort, EngagementRecord, StoredAuditRow, VoteStorePort } from "../core/ports.js";
import { publishedMeetingKey, type AllocatedBudget, type PublishedMeeting } from "../core/rules/schedule.js";
import type { DirectoryEntry, DirectoryRow } from "../core/rules/directory.js";
import { isDomain, normaliseName } from "../core/config.js";
import { fromLocal, toLocal } from "../core/rules/time.js";
import {
  CASE_STATUSES,
  NO_ACKNOWLEDGEMENT_DUE,
  receiptSecondsOf,
  ReferenceTakenError,
  type AuditRow,
  type CaseFields,
  type CaseLookups,
  type CaseRecord,
  type CaseRegisterPort,
  type CaseStatus,
  type CaseStorePort,
  type CaseWindow,
  type StoredCase,
} from "../core/ports.js";

export interface ColumnSpec {
  name: string;
  text?: Record<string, unknown>;
  number?: Record<string, unknown>;
  currency?: Record<string, unknown>;
  dateTime?: Record<string, unknown>;
  boolean?: Record<string, unknown>;
  choice?: { choices: string[] };
  indexed?: boolean;
  enforceUniqueValues?: boolean;
}

const text = (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, text: {}, ...extra });
const num = (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, number: {}, ...extra });
const money = (name: string): ColumnSpec => ({ name, currency: { locale: "en-GB" } });
const when = (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, dateTime: {}, ...extra });
const choice = (name: string, choices: string[], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, choice: { choices }, ...extra });

/** The lists Cluster Desk keeps. Title is SharePoint's own column (the reference). */
export const LISTS: Record<"Cases" | "Meetings" | "Votes" | "Audit" | "Budgets" | "Schools" | "Attendance" | "Engagement", ColumnSpec[]> = {
  Cases: [
    num("Cluster", { indexed: true }),
    text("School"),
    choice("Phase", ["primary", "secondary", "all-through", "special", "alternative-provision"]),
    text("LeadInitials", { indexed: true }),
    text("SenderEmail", { indexed: true }),
    when("ReceivedAt", { indexed: true }),
    text("SubjectLine"),
    text("InternetMessageId", { indexed: true }),
    // The mailbox's immutable id of the email: one case per email (two emails can share a Message-ID).
    text("GraphMessageId", { indexed: true, enforceUniqueValues: true }),
    choice("Status", CASE_STATUSES, { indexed: true }),
    when("MeetingDate", { indexed: true }),
    when("SubmissionDeadline"),
    when("AckDueBy", { indexed: true }),
    when("AcknowledgedAt"),
    choice("CaseType", ["Individual", "Group"]),
    num("CypCount"),
    num("TermsSought"),
    money("AmountRequested"),
    money("AmountAwarded"),
    choice("Decision", ["Agree to fund", "Do not fund (alternative support)", "No decision"]),
    when("DecisionAt", { indexed: true }),
    text("Reasons"),
    text("Problems"),
    text("Fingerprint", { indexed: true }),
    text("ResubmissionOf"),
    text("FormFiles"),
    // The Teams message id of the case's triage card: intake's durable mark that the card went.
    text("TriageCard"),
    text("ReferralType", { indexed: true }),
    choice("Recommendation", ["Agree to fund", "Do not fund (alternative support)"]),
    money("RecommendedAmount"),
    when("RecommendedAt"),
    when("ReviewDue", { indexed: true }),
    when("ReviewRemindedAt"),
    // Read from the presentation form on arrival (issue 17).
    { name: "ConsentConfirmed", boolean: {} },
    text("FromForm"),
  ],
  Meetings: [
    num("Cluster", { indexed: true }),
    when("MeetingStart", { indexed: true }),
    when("SubmissionDeadline"),
    text("HtRepSchool"),
    text("MeetingKey", { indexed: true, enforceUniqueValues: true }),
  ],
  Votes: [
    text("CaseRef", { indexed: true }),
    text("Voter", { indexed: true }),
    choice("Choice", ["Agree to fund", "Do not fund (alternative support)", "Abstain"]),
    when("CastAt"),
    text("VoteKey", { indexed: true, enforceUniqueValues: true }),
  ],
  Audit: [
    text("AuditKey", { indexed: true, enforceUniqueValues: true }),
    text("CaseRef", { indexed: true }),
    text("Outcome"),
    when("At", { indexed: true }),
    text("Actor"),
    text("Detail"),
  ],
  // Each cluster's allocated budget per academic year ("2026-27"), kept by the council.
  // The school directory the council keeps (import-schools fills it from GIAS); Title is the name.
  Schools: [
    text("SchoolKey", { indexed: true, enforceUniqueValues: true }),
    text("URN", { indexed: true }),
    num("Cluster", { indexed: true }),
    choice("Phase", ["primary", "secondary", "all-through", "special", "alternative-provision"]),
    text("EmailDomains"),
    text("SendcoEmail"),
    text("HeadteacherEmail"),
    text("Website"),
  ],
  Budgets: [
    num("Cluster", { indexed: true }),
    text("AcademicYear", { indexed: true }),
    money("Allocated"),
    text("BudgetKey", { indexed: true, enforceUniqueValues: true }),
  ],
  // Who attended each cluster meeting, one item per school (the SCL records it from the agenda card).
  // MeetingDate is the date as text (2026-12-17): a meeting's records are found by equality.
  Attendance: [
    num("Cluster", { indexed: true }),
    text("MeetingDate", { indexed: true }),
    { name: "Attended", boolean: {} },
    text("RecordedBy"),
    when("RecordedAt"),
    text("AttendanceKey", { indexed: true, enforceUniqueValues: true }),
  ],
  // A lead's contacts with schools before a form (issue 33): the kind only, never free text; Title
  // is the school. ContactDate is the date as text (2026-12-02), read by range.
  Engagement: [
    num("Cluster", { indexed: true }),
    text("Kind", { indexed: true }),
    text("ContactDate", { indexed: true }),
    text("RecordedBy"),
    when("RecordedAt"),
    text("EngagementKey", { indexed: true, enforceUniqueValues: true }),
  ],
};

/** The document library the termly reports are saved to. */
export const REPORTS_LIBRARY = "Reports";
/**
 * The document library a council may keep its partnership config in (app setting
 * `PARTNERSHIP=site:<file name>`), so the config is edited in SharePoint, not built into the package.
 */
export const CONFIG_LIBRARY = "Configuration";
/** The document libraries `provision` makes. */
const LIBRARIES = [REPORTS_LIBRARY, CONFIG_LIBRARY];

export class SharePointSite {
  private siteId?: string;
  constructor(
    readonly client: Client,
    /** "hostname:/sites/path" */
    readonly sitePath: string,
  ) {}

  async id(): Promise<string> {
    if (!this.siteId) {
      const [host, path] = this.sitePath.split(":");
      this.siteId = (await this.client.api(`/sites/${host}:${path}`).select("id").get()).id as string;
    }
    return this.siteId;
  }

  /** Creates missing lists and adds missing columns (indexes and choices added since, too); removes nothing. Returns what it did. */
  provision(): Promise<string[]> {
    return this.reconcile(true);
  }

  /** What `provision` would do, done by nobody: empty when the site has every list, column, index and library. */
  problems(): Promise<string[]> {
    return this.reconcile(false);
  }

  private async reconcile(apply: boolean): Promise<string[]> {
    const site = await this.id();
    const done: string[] = [];
    /** Does `change` and says what it did (provisioning), or only says what is wrong (a check). */
    const act = async (what: string, wrong: string, change: () => Promise<unknown>) => {
      if (apply) await change();
      done.push(apply ? what : wrong);
    };
    for (const [name, columns] of Object.entries(LISTS)) {
      let existing: { columns: { name: string }[] } | undefined;
      try {
        existing = await this.client.api(`/sites/${site}/lists/${name}`).expand("columns").get();
      } catch (e) {
        if (status(e) !== 404) throw e;
      }
      if (!existing) {
        try {
          await act(`created list ${name} with ${columns.length} columns`, `list ${name} is missing`, () =>
            this.client.api(`/sites/${site}/lists`).post({ displayName: name, columns, list: { template: "genericList" } }),
          );
          continue;
        } catch (e) {
          if (status(e) !== 409) throw e;
          existing = await this.client.api(`/sites/${site}/lists/${name}`).expand("columns").get();
        }
      }
      const have = new Set(existing!.columns.map((c) => c.name));
      for (const c of columns.filter((x) => !have.has(x.name))) {
        await act(`added column ${name}.${c.name}`, `column ${name}.${c.name} is missing`, () =>
          this.client.api(`/sites/${site}/lists/${name}/columns`).post(c),
        );
      }
      // A column an earlier version made without an index gets it (the windowed reads filter on it first).
      for (const c of columns.filter((x) => x.indexed)) {
        const col = (existing!.columns as { id?: string; name: string; indexed?: boolean }[]).find((x) => x.name === c.name);
        if (col?.id && !col.indexed) {
          await act(`indexed ${name}.${c.name}`, `${name}.${c.name} is not indexed`, () =>
            this.client.api(`/sites/${site}/lists/${name}/columns/${col.id}`).patch({ indexed: true }),
          );
        }
      }
      // A choice column made by an earlier version gets the choices added since (a case status such as "Recommended").
      for (const c of columns.filter((x) => x.choice)) {
        const col = (existing!.columns as { id?: string; name: string; choice?: { choices?: string[] } }[]).find((x) => x.name === c.name);
        const missing = c.choice!.choices.filter((x) => col?.choice && !(col.choice.choices ?? []).includes(x));
        if (col?.id && missing.length) {
          await act(`added ${missing.join(", ")} to ${name}.${c.name}`, `${name}.${c.name} lacks the choices ${missing.join(", ")}`, () =>
            this.client.api(`/sites/${site}/lists/${name}/columns/${col.id}`).patch({ choice: { choices: [...(col.choice!.choices ?? []), ...missing] } }),
          );
        }
      }
    }
    // The document libraries: Reports (the termly evaluation's files) and Configuration.
    for (const library of LIBRARIES) {
      try {
        await this.client.api(`/sites/${site}/lists/${library}`).select("id").get();
      } catch (e) {
        if (status(e) !== 404) throw e;
        try {
          await act(`created document library ${library}`, `document library ${library} is missing`, () =>
            this.client.api(`/sites/${site}/lists`).post({ displayName: library, list: { template: "documentLibrary" } }),
          );
        } catch (e2) {
          if (status(e2) !== 409) throw e2;
        }
      }
    }
    // Cases are looked up by reference (Title, SharePoint's own column): index it so the look-up
    // keeps working past the 5,000-item list view threshold, and make it unique, so that no two
    // schools are ever given the same reference (intake takes the next number on a clash).
    if (!apply && done.includes("list Cases is missing")) return done;
    const cols = (await this.client.api(`/sites/${site}/lists/Cases/columns`).get()).value as {
      id: string;
      name: string;
      indexed?: boolean;
      enforceUniqueValues?: boolean;
    }[];
    const title = cols.find((c) => c.name === "Title");
    if (title && !title.indexed) {
      await act("indexed Cases.Title", "Cases.Title is not indexed", () =>
        this.client.api(`/sites/${site}/lists/Cases/columns/${title.id}`).patch({ indexed: true }),
      );
    }
    if (title && !title.enforceUniqueValues) {
      await act("made Cases.Title unique", "Cases.Title is not unique", () =>
        this.client
          .api(`/sites/${site}/lists/Cases/columns/${title.id}`)
          .patch({ indexed: true, enforceUniqueValues: true })
          .catch((e: unknown) => {
            throw new Error(
              `Cases.Title could not be made unique (${status(e) ?? "error"}): two cases may share a reference; find them in the Cases list (group by Title), renumber one, and run provision again`,
            );
          }),
      );
    }
    return done;
  }

  /** Writes a probe case twice with one reference: whether SharePoint refused the second (Cases.Title unique). The probes are deleted. */
  async duplicateRefused(ref: string): Promise<boolean> {
    const items = `/sites/${await this.id()}/lists/Cases/items`;
    const first = await this.client.api(items).post({ fields: { Title: ref } });
    try {
      const second = await this.client
        .api(items)
        .post({ fields: { Title: ref } })
        .catch((e: unknown) => {
          if (status(e) === 409) return null;
          throw e;
        });
      if (second) await this.client.api(`${items}/${second.id}`).delete();
      return second === null;
    } finally {
      await this.client.api(`${items}/${first.id}`).delete();
    }
  }
}

/**
 * A list query sent through the client's batcher (m365/batcher.ts), so it shares a round trip
 * with whatever else is asked for in the same turn; its further pages, rarely any, one call each.
 */
async function batchedQuery(client: Client, url: string, what: string): Promise<GraphJson[]> {
  const first = await batcherFor(client).ok({ method: "GET", url }, what);
  const items = [...first.body.value];
  for (let next = first.body["@odata.nextLink"]; next;) {
    const page = await client.api(next).get();
    items.push(...page.value);
    next = page["@odata.nextLink"];
  }
  return items;
}

function record(item: GraphJson): CaseRecord {
  const f = item.fields ?? item;
  return {
    itemId: String(item.id),
    ref: f.Title,
    status: f.Status,
    receivedAt: f.ReceivedAt,
    senderEmail: f.SenderEmail,
    triageCard: f.TriageCard ?? null,
    ...(f.InternetMessageId ? { internetMessageId: f.InternetMessageId } : {}),
    ...(f.FormFiles ? { formFiles: String(f.FormFiles).split(",") } : {}),
  };
}

/** An OData string literal: quotes doubled. */
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
/**
 * A $filter expression for the query string. The Graph client puts `.filter()` text into the URL
 * as it is, so an "&" or "#" in a value would start another query option: every filter the
 * product builds goes through here, values quoted with q() and the whole encoded.
 */
export const odataFilter = (expr: string) => encodeURIComponent(expr);

/** Every item a list query returns, following @odata.nextLink. */
async function allItems(client: Client, url: string, filter: string): Promise<GraphJson[]> {
  const out: GraphJson[] = [];
  let page = await client.api(url).filter(odataFilter(filter)).expand("fields").top(200).get();
  for (;;) {
    out.push(...page.value);
    if (!page["@odata.nextLink"]) return out;
    page = await client.api(page["@odata.nextLink"]).get();
  }
}

/** A Cases item as triage sees it: its fields (without their etag copy) and its ETag. */
function storedCase(item: GraphJson): StoredCase {
  const { "@odata.etag": _e, ...fields } = item.fields;
  return { itemId: String(item.id), etag: item["@odata.etag"], fields };
}

export class GraphCaseRegister implements CaseRegisterPort, CaseStorePort {
  constructor(private readonly site: SharePointSite) {}

  private async base(list: string): Promise<string> {
    return `/sites/${await this.site.id()}/lists/${list}/items`;
  }

  /**
   * The look-ups intake needs, in one $batch call. Each is filtered so that one page holds all it
   * can match: the same message; the same fingerprint since `since.duplicate`; the sender's cases
   * that were sent back (Needs attention, Rejected) since `since.fix`.
   */
  async lookups(graphMessageId: string, fingerprint: string, sender: string, since: { duplicate?: string; fix?: string } = {}): Promise<CaseLookups> {
    const base = await this.base("Cases");
    const sel = "$expand=fields($select=Title,Status,ReceivedAt,SenderEmail,GraphMessageId,InternetMessageId,FormFiles,TriageCard)&$top=200";
    const after = (iso?: string) => (iso ? ` and fields/ReceivedAt ge ${q(iso)}` : "");
    const url = (filter: string) => `${base}?${sel}&$filter=${odataFilter(filter)}`;
    // Two items, not four: the same message has the same fingerprint (so its case, if any, is
    // among the fingerprint's matches), and a sender's cases within the window are few.
    const [fp, bySender] = await Promise.all([
      batchedQuery(this.site.client, url(`fields/Fingerprint eq ${q(fingerprint)}${after(since.duplicate)}`), "case look-up by fingerprint"),
      batchedQuery(this.site.client, url(`fields/SenderEmail eq ${q(sender)}${after(since.fix)}`), "case look-up by sender"),
    ]);
    const by = { fp, sender: bySender };
    const newest = (xs: CaseRecord[]) => xs.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    const mine = (i: GraphJson) => i.fields?.GraphMessageId === graphMessageId;
    const own = by.fp.find(mine) ?? by.sender.find(mine);
    return {
      byMessage: own ? record(own) : null,
      byFingerprint: newest(by.fp.filter((i) => !mine(i)).map(record))[0] ?? null,
      needingFixFromSender: newest(by.sender.map(record).filter((c) => c.status === "Needs attention" || c.status === "Rejected")),
    };
  }

  async create(fields: CaseFields): Promise<CaseRecord> {
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
    // Batched: it shares a round trip with the reply's draft made in the same turn.
    const r = await batcherFor(this.site.client).ok(
      { method: "POST", url: await this.base("Cases"), headers: { "Content-Type": "application/json" }, body: { fields: clean } },
      "case write",
      [409],
    );
    if (r.status !== 409) return { ...record(r.body), ...(r.body.fields ? { stored: storedCase(r.body) } : {}) };
    // Another worker logged this message first: use its case. Otherwise the reference is taken.
    const existing = await this.lookups(fields.GraphMessageId, fields.Fingerprint, fields.SenderEmail);
    if (!existing.byMessage) throw new ReferenceTakenError(fields.Title);
    return existing.byMessage;
  }

  async byRef(ref: string): Promise<StoredCase | null> {
    // Title is SharePoint's built-in column; provision() indexes it.
    const r = await this.site.client
      .api(await this.base("Cases"))
      .filter(odataFilter(`fields/Title eq ${q(ref)}`))
      .expand("fields")
      .get();
    return r.value[0] ? storedCase(r.value[0]) : null;
  }

  async casesIn(w: CaseWindow): Promise<StoredCase[]> {
    // The indexed window first, then the cluster: SharePoint applies the list view threshold to
    // what the first indexed column matches.
    // Instants to the second, as SharePoint stores a dateTime.
    const [from, to] = [w.from, w.to].map((x) => x.replace(/\.\d{3}Z$/, "Z"));
    const window = from === to ? `fields/${w.by} eq ${q(from!)}` : `fields/${w.by} ge ${q(from!)} and fields/${w.by} le ${q(to!)}`;
    const filter = w.cluster === undefined ? window : `${window} and fields/Cluster eq ${w.cluster}`;
    // Batched: an agenda's two windows (its meeting, the year's decisions) share a round trip.
    const url = `${await this.base("Cases")}?$expand=fields&$top=200&$filter=${odataFilter(filter)}`;
    return (await batchedQuery(this.site.client, url, "case window")).map(storedCase);
  }

  /**
   * A cluster's whole history, for tests and the demo on small registers only: past 5,000 cases
   * SharePoint refuses it (the list view threshold), and the product never asks it.
   */
  async ofCluster(cluster: number): Promise<StoredCase[]> {
    return (await allItems(this.site.client, await this.base("Cases"), `fields/Cluster eq ${cluster}`)).map(storedCase);
  }

  async awaitingAcknowledgement(since: string): Promise<StoredCase[]> {
    return (await allItems(this.site.client, await this.base("Cases"), `fields/AckDueBy ge '${since}T00:00:00Z'`))
      .map(storedCase)
      .filter((c) => !c.fields.AcknowledgedAt && !NO_ACKNOWLEDGEMENT_DUE.includes(c.fields.Status));
  }

  async change(ref: string, change: (c: StoredCase) => Partial<StoredCase["fields"]>): Promise<StoredCase> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await this.byRef(ref);
      if (!current) throw new Error(`no case ${ref}`);
      const patch = change(current);
      if (!Object.keys(patch).length) return current; // nothing to change: nothing written
      try {
        const r = await this.site.client
          .api(`${await this.base("Cases")}/${current.itemId}/fields`)
          .header("If-Match", current.etag)
          .patch(patch);
        const { "@odata.etag": etag, ...fields } = r;
        return { itemId: current.itemId, etag, fields: { ...current.fields, ...fields } };
      } catch (e) {
        if (status(e) !== 412) throw e; // someone else changed it: read again and re-apply
      }
    }
    throw new Error(`case ${ref} kept changing; try again`);
  }

  async setStatus(itemId: string, s: CaseStatus): Promise<void> {
    await this.site.client.api(`${await this.base("Cases")}/${itemId}/fields`).patch({ Status: s });
  }

  async triageCard(itemId: string): Promise<string | null> {
    const f = await this.site.client
      .api(`${await this.base("Cases")}/${itemId}/fields`)
      .select("TriageCard")
      .get();
    return (f.TriageCard as string | undefined) || null;
  }

  async setTriageCard(itemId: string, activityId: string): Promise<void> {
    await this.site.client.api(`${await this.base("Cases")}/${itemId}/fields`).patch({ TriageCard: activityId });
  }

  async intakeSince(since: string): Promise<{ outcome: string; receiptSeconds: number | null; at: string }[]> {
    const rows = await allItems(this.site.client, await this.base("Audit"), `fields/At ge ${q(since)}`);
    return rows
      .filter((r) => r.fields?.Title === "intake")
      .map((r) => ({
        outcome: String(r.fields.Outcome ?? ""),
        receiptSeconds: receiptSecondsOf(String(r.fields.Detail ?? "")),
        at: String(r.fields.At ?? ""),
      }));
  }

  async audit(row: AuditRow): Promise<boolean> {
    // Batched: it shares a round trip with a read made in the same turn (a vote's agenda).
    const r = await batcherFor(this.site.client).ok(
      {
        method: "POST",
        url: await this.base("Audit"),
        headers: { "Content-Type": "application/json" },
        body: {
          fields: { Title: row.event, AuditKey: row.key, CaseRef: row.caseRef ?? "", Outcome: row.outcome, At: row.at, Actor: row.actor, Detail: row.detail },
        },
      },
      "audit row",
      [409],
    );
    return r.status !== 409; // 409: written before a crash, nothing to do
  }
}

const CHOICE_TEXT = { agree: "Agree to fund", disagree: "Do not fund (alternative support)", abstain: "Abstain" } as const;
const CHOICE_OF: Record<string, "agree" | "disagree" | "abstain"> = {
  "Agree to fund": "agree",
  "Do not fund (alternative support)": "disagree",
  Abstain: "abstain",
};

/** Votes list: a row per voter per case. */
export class GraphVotes implements VoteStorePort {
  constructor(private readonly site: SharePointSite) {}
  private async base(): Promise<string> {
    return `/sites/${await this.site.id()}/lists/Votes/items`;
  }
  async cast(caseRef: string, voter: string, choice: "agree" | "disagree" | "abstain", at: string): Promise<void> {
    const key = `${caseRef}|${voter.toLowerCase()}`;
    const fields = { Title: key, VoteKey: key, CaseRef: caseRef, Voter: voter.toLowerCase(), Choice: CHOICE_TEXT[choice], CastAt: at };
    try {
      await this.site.client.api(await this.base()).post({ fields });
    } catch (e) {
      if (status(e) !== 409) throw e;
      // Changed their mind: update their row.
      const r = await this.site.client
        .api(await this.base())
        .filter(odataFilter(`fields/VoteKey eq ${q(key)}`))
        .expand("fields")
        .get();
      await this.site.client.api(`${await this.base()}/${r.value[0].id}/fields`).patch({ Choice: fields.Choice, CastAt: at });
    }
  }
  async votes(caseRef: string): Promise<{ voter: string; choice: "agree" | "disagree" | "abstain" }[]> {
    const items = await allItems(this.site.client, await this.base(), `fields/CaseRef eq ${q(caseRef)}`);
    return items.map((i) => ({ voter: i.fields.Voter, choice: CHOICE_OF[i.fields.Choice]! }));
  }
  /** A cancelled vote's rows go: a vote opened again starts from none. */
  async clear(caseRef: string): Promise<void> {
    for (const i of await allItems(this.site.client, await this.base(), `fields/CaseRef eq ${q(caseRef)}`)) {
      await this.site.client.api(`${await this.base()}/${i.id}`).delete();
    }
  }
}

/** A case's audit rows and votes, for retention, subject access and erasure (issue 34). */
export class GraphCaseRecords implements CaseRecordsPort {
  constructor(private readonly site: SharePointSite) {}
  private async base(list: "Audit" | "Votes"): Promise<string> {
    return `/sites/${await this.site.id()}/lists/${list}/items`;
  }
  async auditOf(caseRef: string): Promise<StoredAuditRow[]> {
    const rows = await allItems(this.site.client, await this.base("Audit"), `fields/CaseRef eq ${q(caseRef)}`);
    return rows.map((r) => ({
      itemId: String(r.id),
      key: String(r.fields?.AuditKey ?? ""),
      event: String(r.fields?.Title ?? ""),
      caseRef: String(r.fields?.CaseRef ?? "") || null,
      outcome: String(r.fields?.Outcome ?? ""),
      at: String(r.fields?.At ?? ""),
      actor: String(r.fields?.Actor ?? ""),
      detail: String(r.fields?.Detail ?? ""),
    }));
  }
  async rewriteAudit(itemId: string, actor: string, detail: string): Promise<void> {
    await this.site.client.api(`${await this.base("Audit")}/${itemId}/fields`).patch({ Actor: actor, Detail: detail });
  }
  async anonymiseVotes(caseRef: string): Promise<number> {
    const base = await this.base("Votes");
    const rows = await allItems(this.site.client, base, `fields/CaseRef eq ${q(caseRef)}`);
    let changed = 0;
    for (const [i, r] of rows.sort((a, b) => String(a.fields?.CastAt).localeCompare(String(b.fields?.CastAt))).entries()) {
      const voter = `voter ${i + 1}`;
      if (r.fields?.Voter === voter) continue;
      // VoteKey is unique and held the address: it becomes the case's and the voter's number.
      await this.site.client.api(`${base}/${r.id}/fields`).patch({ Voter: voter, VoteKey: `${caseRef}|${voter}`, Title: `${caseRef}|${voter}` });
      changed++;
    }
    return changed;
  }
}

/** What a keyed write did, item by item. */
export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** Same value in a list item: dateTime columns compare as instants (Graph may add ".000"). */
function sameValue(have: unknown, want: unknown): boolean {
  if ((have ?? "") === want) return true;
  const instant = /^\d{4}-\d{2}-\d{2}T/;
  return typeof have === "string" && typeof want === "string" && instant.test(have) && instant.test(want) && Date.parse(have) === Date.parse(want);
}

/**
 * A list the council keeps with one item per key (a unique text column) and a Cluster column:
 * the product reads all of it, and writes by key: new keys created, changed fields updated, the
 * rest left (or, with `keepExisting`, every existing item left as an officer may have edited it).
 */
class KeyedList {
  constructor(
    protected readonly site: SharePointSite,
    private readonly listName: "Meetings" | "Budgets" | "Schools" | "Attendance" | "Engagement",
    private readonly keyColumn: string,
  ) {}
  protected async base(): Promise<string> {
    return `/sites/${await this.site.id()}/lists/${this.listName}/items`;
  }
  /** The list's items; `filter` narrows them (an indexed column) where the list grows year on year. */
  protected async items(filter = "fields/Cluster ge 0"): Promise<GraphJson[]> {
    return allItems(this.site.client, await this.base(), filter);
  }
  /** `within`: the filter that holds every key written (so only those items are read). */
  protected async write(rows: { key: string; title: string; fields: Record<string, unknown> }[], keepExisting = false, within?: string): Promise<UpsertCounts> {
    const byKey = new Map((await this.items(within)).map((i) => [i.fields[this.keyColumn] as string, i]));
    const out = { created: 0, updated: 0, unchanged: 0 };
    for (const { key, title, fields } of rows) {
      const have = byKey.get(key);
      if (!have) {
        await this.site.client.api(await this.base()).post({ fields: { Title: title, [this.keyColumn]: key, ...fields } });
        out.created++;
      } else if (!keepExisting && Object.entries(fields).some(([k, v]) => !sameValue(have.fields[k], v))) {
        await this.site.client.api(`${await this.base()}/${have.id}/fields`).patch(fields);
        out.updated++;
      } else out.unchanged++;
    }
    return out;
  }
}

/**
 * The Meetings list: the running calendar. `publish-meetings` writes a planned year into it (one
 * item per cluster and date, MeetingKey unique); officers edit dates, deadlines and HT
 * representatives there; the product reads it back (functions/deps.ts, every few minutes).
 */
export class GraphMeetings extends KeyedList {
  constructor(site: SharePointSite) {
    super(site, "Meetings", "MeetingKey");
  }
  async list(): Promise<(PublishedMeeting & { key?: string })[]> {
    return (await this.items()).flatMap((i) => {
      const f = i.fields;
      if (typeof f.Cluster !== "number" || !f.MeetingStart || !f.SubmissionDeadline) return [];
      const start = toLocal(new Date(f.MeetingStart));
      const deadline = toLocal(new Date(f.SubmissionDeadline));
      // A partnership-wide meeting is kept under cluster 0, its kind in its key ("k:borough-decision|2026-11-10").
      const key = String(f.MeetingKey ?? "");
      const kind = f.Cluster === 0 && key.startsWith("k:") ? key.slice(2, key.indexOf("|")) : undefined;
      return [
        {
          clusterId: f.Cluster,
          ...(kind ? { kind } : {}),
          ...(key ? { key } : {}),
          date: start.date,
          start: start.time,
          deadline: { date: deadline.date, time: deadline.time },
          htRepSchool: f.HtRepSchool ?? null,
        },
      ];
    });
  }
  /** Writes each meeting (new ones created, changed ones updated, the rest left); what it did. */
  async publish(meetings: PublishedMeeting[], opts: { keepExisting?: boolean } = {}): Promise<UpsertCounts> {
    return this.write(
      meetings.map((m) => ({
        key: publishedMeetingKey(m),
        title: m.clusterId === 0 && m.kind ? `${m.kind} ${m.date}` : `Cluster ${m.clusterId} ${m.date}`,
        fields: {
          Cluster: m.clusterId,
          MeetingStart: fromLocal(m.date, m.start).toISOString(),
          SubmissionDeadline: fromLocal(m.deadline.date, m.deadline.time).toISOString(),
          HtRepSchool: m.htRepSchool ?? "",
        },
      })),
      opts.keepExisting,
    );
  }
}

/** The Budgets list: each cluster's allocated budget per academic year, edited by the council. */
export class GraphBudgets extends KeyedList {
  constructor(site: SharePointSite) {
    super(site, "Budgets", "BudgetKey");
  }
  async list(): Promise<AllocatedBudget[]> {
    return (await this.items()).flatMap((i) => {
      const f = i.fields;
      return typeof f.Cluster === "number" && typeof f.Allocated === "number" && /^\d{4}-\d{2}$/.test(f.AcademicYear ?? "")
        ? [{ clusterId: f.Cluster, year: f.AcademicYear as string, allocated: f.Allocated as number }]
        : [];
    });
  }
  /** Sets clusters' allocations for years (created, or changed in place); `keepExisting` leaves existing ones. */
  async setAll(budgets: AllocatedBudget[], opts: { keepExisting?: boolean } = {}): Promise<UpsertCounts> {
    return this.write(
      budgets.map((b) => ({
        key: `c${b.clusterId}|${b.year}`,
        title: `Cluster ${b.clusterId} ${b.year}`,
        fields: { Cluster: b.clusterId, AcademicYear: b.year, Allocated: b.allocated },
      })),
      opts.keepExisting,
    );
  }
  /** One allocation: what was done to it. */
  async set(b: AllocatedBudget, opts: { keepExisting?: boolean } = {}): Promise<"created" | "updated" | "unchanged"> {
    const r = await this.setAll([b], opts);
    return r.created ? "created" : r.updated ? "updated" : "unchanged";
  }
}

/** The Schools list: one item per school of a cluster (SchoolKey unique), kept by the council. */
export class GraphSchools extends KeyedList {
  constructor(site: SharePointSite) {
    super(site, "Schools", "SchoolKey");
  }
  async list(): Promise<DirectoryRow[]> {
    return (await this.items()).flatMap((i) => {
      const f = i.fields;
      if (typeof f.Cluster !== "number" || !f.Title) return [];
      const domains = String(f.EmailDomains ?? "")
        .split(/[\s,;]+/)
        .map((d: string) => d.trim().toLowerCase())
        .filter(isDomain);
      return [
        {
          name: f.Title,
          clusterId: f.Cluster,
          urn: f.URN ?? null,
          phase: f.Phase ?? null,
          emailDomains: domains,
          sendcoEmail: f.SendcoEmail || null,
          headteacherEmail: f.HeadteacherEmail || null,
        },
      ];
    });
  }
  /** Writes what GIAS says (URN, cluster, phase, website); the council's domains and addresses are left as they are. */
  async upsert(entries: DirectoryEntry[]): Promise<UpsertCounts> {
    return this.write(
      entries.map((e) => ({
        key: `c${e.clusterId}|${normaliseName(e.name)}`,
        title: e.name,
        fields: { URN: e.urn, Cluster: e.clusterId, Phase: e.phase, Website: e.website ?? "" },
      })),
    );
  }
}

/** The Attendance list: one item per school per cluster meeting (AttendanceKey unique). */
export class GraphAttendance extends KeyedList implements AttendancePort {
  constructor(site: SharePointSite) {
    super(site, "Attendance", "AttendanceKey");
  }
  private static rows(items: GraphJson[]): AttendanceRecord[] {
    return items.flatMap((i) => {
      const f = i.fields;
      return typeof f.Cluster === "number" && /^\d{4}-\d{2}-\d{2}$/.test(f.MeetingDate ?? "") && f.Title
        ? [{ clusterId: f.Cluster, date: f.MeetingDate as string, school: String(f.Title), attended: f.Attended === true }]
        : [];
    });
  }
  async ofMeeting(clusterId: number, date: string): Promise<AttendanceRecord[]> {
    return GraphAttendance.rows(await this.items(`fields/MeetingDate eq ${q(date)}`)).filter((r) => r.clusterId === clusterId);
  }
  async between(from: string, to: string): Promise<AttendanceRecord[]> {
    return GraphAttendance.rows(await this.items(`fields/MeetingDate ge ${q(from)} and fields/MeetingDate le ${q(to)}`));
  }
  async record(rows: AttendanceRecord[], by: string, at: string): Promise<void> {
    const dates = [...new Set(rows.map((r) => r.date))];
    if (dates.length !== 1) throw new Error("attendance is recorded one meeting at a time");
    await this.write(
      rows.map((r) => ({
        key: `c${r.clusterId}|${r.date}|${normaliseName(r.school)}`,
        title: r.school,
        fields: { Cluster: r.clusterId, MeetingDate: r.date, Attended: r.attended, RecordedBy: by, RecordedAt: at },
      })),
      false,
      `fields/MeetingDate eq ${q(dates[0]!)}`,
    );
  }
}

/** The Reports document library: a file saved by name (replaced when saved again), and the link to it. */
/** The Engagement list (issue 33): a lead's contacts with schools, one item per school, kind, day and person. */
export class GraphEngagement extends KeyedList implements EngagementPort {
  constructor(site: SharePointSite) {
    super(site, "Engagement", "EngagementKey");
  }
  async record(r: EngagementRecord, at: string): Promise<"created" | "exists"> {
    const key = `${normaliseName(r.school)}|${r.kind}|${r.date}|${r.by.toLowerCase()}`;
    const out = await this.write(
      [{ key, title: r.school, fields: { Cluster: r.clusterId, Kind: r.kind, ContactDate: r.date, RecordedBy: r.by.toLowerCase(), RecordedAt: at } }],
      true,
      `fields/EngagementKey eq ${q(key)}`,
    );
    return out.created ? "created" : "exists";
  }
  async between(from: string, to: string): Promise<EngagementRecord[]> {
    return (await this.items(`fields/ContactDate ge ${q(from)} and fields/ContactDate le ${q(to)}`)).flatMap((i) => {
      const f = i.fields;
      return typeof f.Cluster === "number" && /^\d{4}-\d{2}-\d{2}$/.test(f.ContactDate ?? "") && f.Title && f.Kind
        ? [{ school: String(f.Title), clusterId: f.Cluster, kind: String(f.Kind), date: String(f.ContactDate), by: String(f.RecordedBy ?? "") }]
        : [];
    });
  }
}

/** Files in one of the site's document libraries, put and read by name. */
export class GraphLibrary {
  private driveId?: string;
  constructor(
    private readonly site: SharePointSite,
    private readonly library: string,
  ) {}
  private async drive(): Promise<string> {
    this.driveId ??= (
      await this.site.client
        .api(`/sites/${await this.site.id()}/lists/${this.library}/drive`)
        .select("id")
        .get()
    ).id as string;
    return this.driveId;
  }
  private async path(name: string): Promise<string> {
    if (!/^[\w.-]{1,120}$/.test(name)) throw new Error(`not a file name Cluster Desk uses: ${name}`);
    return `/drives/${encodeURIComponent(await this.drive())}/root:/${encodeURIComponent(name)}:/content`;
  }
  async save(name: string, content: string | Buffer, contentType: string): Promise<{ name: string; url: string }> {
    // A simple upload (files up to 250 MB; a term's report or a config is well under 1 MB).
    const item = await this.site.client
      .api(await this.path(name))
      .header("Content-Type", contentType)
      .put(typeof content === "string" ? Buffer.from(content, "utf8") : content);
    return { name: String(item.name), url: String(item.webUrl) };
  }
  /**
   * A file's text, or null if there is none. Graph answers a file's content with 302 to a
   * pre-authenticated download URL ("Download a file's contents", driveitem-get-content): the
   * client follows it.
   */
  async read(name: string): Promise<string | null> {
    try {
      const body: unknown = await this.site.client
        .api(await this.path(name))
        .responseType(ResponseType.ARRAYBUFFER)
        .get();
      return Buffer.from(body as ArrayBuffer).toString("utf8");
    } catch (e) {
      if (status(e) === 404) return null;
      throw e;
    }
  }
}

/** The Reports library, where the termly evaluation is saved. */
export class GraphReportsLibrary extends GraphLibrary {
  constructor(site: SharePointSite) {
    super(site, REPORTS_LIBRARY);
  }
}
