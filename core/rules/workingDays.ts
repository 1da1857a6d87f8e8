/**
 * Working days: Monday to Friday, less England and Wales bank holidays (date-holidays, GB-ENG),
 * reckoned on Europe/London calendar dates.
 */
import Holidays from "date-holidays";
import { addDays, isoWeekday, parseDate, toLocal, type LocalDate } from "./time.js";

const englandAndWales = new Holidays("GB", "ENG");
const bankHolidaysByYear = new Map<number, Map<LocalDate, string>>();

/** England and Wales bank holidays in a year, date -> name (substitute days included). */
export function bankHolidays(year: number): Map<LocalDate, string> {
  let days = bankHolidaysByYear.get(year);
  if (!days) {
    days = new Map();
    for (const h of englandAndWales.getHolidays(year)) {
      if (h.type === "public") days.set(h.date.slice(0, 10), h.name);
    }
    bankHolidaysByYear.set(year, days);
  }
  return days;
}

export function bankHolidayName(date: LocalDate): string | undefined {
  return bankHolidays(Number(date.slice(0, 4))).get(date);
}

export function isWorkingDay(date: LocalDate): boolean {
  return isoWeekday(date) <= 5 && bankHolidayName(date) === undefined;
}

/**
 * The date `n` working days after `date` (n >= 1), not counting `date` itself, whatever kind of day
 * it is. With n = 0, `date` itself if it is a working day, else the next working day.
 * Negative n counts backwards the same way.
 */
export function addWorkingDays(date: LocalDate, n: number): LocalDate {
  if (!Number.isInteger(n)) throw new RangeError(`working days must be a whole number, not ${n}`);
  if (n === 0) {
    let d = date;
    while (!isWorkingDay(d)) d = addDays(d, 1);
    return d;
  }
  const step = n > 0 ? 1 : -1;
  let d = date;
  let left = Math.abs(n);
  while (left > 0) {
    d = addDays(d, step);
    if (isWorkingDay(d)) left--;
  }
  return d;
}

/** Working days in (from, to]: after `from`, up to and including `to`. Negative if to < from. */
export function workingDaysBetween(from: LocalDate, to: LocalDate): number {
  if (to === from) return 0;
  if (to < from) return 0 - workingDaysBetween(to, from);
  const a = dayNumber(from);
  const b = dayNumber(to);
  let count = weekdaysBefore(b + 1) - weekdaysBefore(a + 1);
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    for (const day of bankHolidays(y).keys()) {
      if (day > from && day <= to && isoWeekday(day) <= 5) count--;
    }
  }
  return count;
}

/** Days since 1970-01-01 (a Thursday). */
function dayNumber(date: LocalDate): number {
  const [y, mo, d] = parseDate(date);
  return Date.UTC(y, mo - 1, d) / 86_400_000;
}

// Weekdays among the first k days of a week that starts on a Thursday: Thu Fri Sat Sun Mon Tue Wed.
const WEEKDAYS_FROM_THURSDAY = [0, 1, 2, 2, 2, 3, 4, 5];

/** Monday-to-Friday days with day numbers in [0, n) (negative n counts the other way). */
function weekdaysBefore(n: number): number {
  const weeks = Math.floor(n / 7);
  return weeks * 5 + WEEKDAYS_FROM_THURSDAY[n - weeks * 7]!;
}

/** The London calendar date of an instant. */
export function londonDate(instant: Date): LocalDate {
  return toLocal(instant).date;
}
