/**
 * Working days: Monday to Friday, less England and Wales bank holidays (date-holidays, GB-ENG),
 * reckoned on Europe/London calendar dates.
 */
import Holidays from "date-holidays";
import { addDays, isoWeekday, toLocal, type LocalDate } from "./time.js";

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
  const forward = to > from;
  let count = 0;
  let d = from;
  while (d !== to) {
    d = addDays(d, forward ? 1 : -1);
    if (forward ? isWorkingDay(d) : isWorkingDay(addDays(d, 1))) count++;
  }
  return forward ? count : 0 - count; // never -0
}

/** The London calendar date of an instant. */
export function londonDate(instant: Date): LocalDate {
  return toLocal(instant).date;
}
