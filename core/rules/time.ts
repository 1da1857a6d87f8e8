/**
 * Europe/London civil time <-> UTC instants, with nothing but Intl.
 *
 * Every deadline, meeting and reminder in the partnership documents is a Europe/London wall-clock
 * time; Azure timers and stored instants are UTC. These helpers are the only place that converts.
 */

export const LONDON = "Europe/London";

/** A calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;
/** A wall-clock time, `HH:mm` (24 hour). */
export type LocalTime = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

export interface LocalParts {
  date: LocalDate;
  time: LocalTime;
  /** 1 = Monday ... 7 = Sunday (ISO). */
  isoWeekday: number;
  second: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock date and time in `timeZone` at the UTC instant. */
export function toLocal(instant: Date, timeZone: string = LONDON): LocalParts {
  if (Number.isNaN(instant.getTime())) throw new RangeError("invalid instant");
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    isoWeekday: WEEKDAYS[parts.weekday ?? ""] ?? 0,
    second: Number(parts.second),
  };
}

/** Offset of `timeZone` from UTC at the instant, in minutes (London: 0 in winter, 60 in summer). */
export function offsetMinutes(instant: Date, timeZone: string = LONDON): number {
  const l = toLocal(instant, timeZone);
  const [y, mo, d] = parseDate(l.date);
  const [h, mi] = parseTime(l.time);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, l.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/**
 * The UTC instant of a wall-clock time in `timeZone`.
 * A time skipped by the spring-forward change (01:30 on the last Sunday of March) maps to the
 * instant one hour later; a repeated time in October maps to its first (BST) occurrence.
 */
export function fromLocal(date: LocalDate, time: LocalTime, timeZone: string = LONDON): Date {
  const [y, mo, d] = parseDate(date);
  const [h, mi] = parseTime(time);
  const naive = Date.UTC(y, mo - 1, d, h, mi);
  // Try the offsets in force a little before and after; choose the earliest that round-trips.
  const candidates = new Set<number>();
  for (const probe of [naive - 12 * 3600_000, naive, naive + 12 * 3600_000]) {
    candidates.add(offsetMinutes(new Date(probe), timeZone));
  }
  const roundTrips = [...candidates]
    .map((off) => naive - off * 60_000)
    .filter((t) => {
      const l = toLocal(new Date(t), timeZone);
      return l.date === date && l.time === time;
    })
    .sort((a, b) => a - b);
  if (roundTrips[0] !== undefined) return new Date(roundTrips[0]);
  // Skipped wall-clock time: use the offset before the change, which lands after the gap.
  const before = offsetMinutes(new Date(naive - 12 * 3600_000), timeZone);
  return new Date(naive - before * 60_000);
}

export function parseDate(date: string): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`"${date}" is not a date in the form YYYY-MM-DD`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`"${date}" is not a real calendar date`);
  }
  return [y, mo, d];
}

export function parseTime(time: string): [number, number] {
  const m = TIME_RE.exec(time);
  if (!m) throw new RangeError(`"${time}" is not a time in the form HH:mm (24 hour)`);
  return [Number(m[1]), Number(m[2])];
}

export function isLocalDate(s: string): boolean {
  try {
    parseDate(s);
    return true;
  } catch {
    return false;
  }
}

export function isLocalTime(s: string): boolean {
  return TIME_RE.test(s);
}

/** Calendar arithmetic on a date string (no time zone involved). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, mo, d] = parseDate(date);
  return new Date(Date.UTC(y, mo - 1, d + days)).toISOString().slice(0, 10);
}

/** ISO weekday of a calendar date: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const [y, mo, d] = parseDate(date);
  const wd = new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** The last instant of a London calendar day (the moment before the next day's midnight). */
export function endOfLocalDay(date: LocalDate, timeZone: string = LONDON): Date {
  return new Date(fromLocal(addDays(date, 1), "00:00", timeZone).getTime() - 1);
}

const INSTANT_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads an instant given as ISO 8601. With `Z` or an offset it is taken as written; without one it
 * is a Europe/London wall-clock time (what a council officer means by "2 May 4pm").
 */
export function parseInstant(text: string, timeZone: string = LONDON): Date {
  const m = INSTANT_RE.exec(text.trim());
  if (!m) {
    throw new RangeError(`"${text}" is not a date and time; use ISO 8601, e.g. 2023-05-02T15:30:00Z or 2023-05-02T16:30 (London time)`);
  }
  const [, date = "", hm = "", sec, zone] = m;
  parseDate(date);
  parseTime(hm);
  if (zone) {
    const t = new Date(`${date}T${hm}:${sec ?? "00"}${zone.toUpperCase() === "Z" ? "Z" : normaliseOffset(zone)}`);
    if (Number.isNaN(t.getTime())) throw new RangeError(`"${text}" is not a valid instant`);
    const frac = /\.(\d{1,3})/.exec(text);
    return frac ? new Date(t.getTime() + Number(frac[1]!.padEnd(3, "0"))) : t;
  }
  return new Date(fromLocal(date, hm, timeZone).getTime() + Number(sec ?? 0) * 1000);
}

function normaliseOffset(z: string): string {
  return z.includes(":") ? z : `${z.slice(0, 3)}:${z.slice(3)}`;
}

/** "Wednesday 17 May 2023, 9:30am" (how the council writes dates to schools). */
export function describeLocal(instant: Date, timeZone: string = LONDON): string {
  const l = toLocal(instant, timeZone);
  return `${describeDate(l.date)}, ${describeTime(l.time)}`;
}

const longDate = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
});

export function describeDate(date: LocalDate): string {
  const [y, mo, d] = parseDate(date);
  return longDate.format(new Date(Date.UTC(y, mo - 1, d))).replace(",", "");
}

export function describeTime(time: LocalTime): string {
  const [h, m] = parseTime(time);
  const suffix = h < 12 ? "am" : "pm";
  const h12 = h % 12 === 0 ? 12 : h % 12;
  if (h === 12 && m === 0) return "12 noon";
  return `${h12}${m === 0 ? "" : `:${String(m).padStart(2, "0")}`}${suffix}`;
}

/** Calendar months on a date, clamped to the month's last day (31 January + 1 month = 28 or 29 February). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const [y, mo, d] = parseDate(date);
  const first = new Date(Date.UTC(y, mo - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}

/** An instant as a person in London reads it, to the minute: "2026-12-02 14:05". */
export function londonMinute(iso: string): string {
  const l = toLocal(new Date(iso));
  return `${l.date} ${l.time}`;
}
