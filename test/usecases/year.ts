/**
 * A council's partnership in a year after the seeds' own: the config as shipped, with the year's
 * meetings as the planner proposes them and as "Publish" writes them to the Meetings list (what a
 * running deployment reads), an officer's edits to those rows if any, and example contacts where
 * the config leaves them to the council.
 */
import { loadPartnership } from "../../config/load.js";
import type { Partnership } from "../../core/config.js";
import { planYear, publishedMeetings } from "../../core/rules/planner.js";
import { withPublishedMeetings, type PublishedMeeting } from "../../core/rules/schedule.js";
import { withExampleContacts } from "../../local/people.js";

export function inYear(
  id: "hounslow-mip" | "sutton" | "southampton",
  year: string,
  opts: { contacts?: boolean; edit?: (m: PublishedMeeting) => PublishedMeeting } = {},
): Partnership {
  const shipped = loadPartnership(id).partnership;
  const p = opts.contacts === false ? shipped : withExampleContacts(shipped);
  const rows = publishedMeetings(planYear(p, year));
  return withPublishedMeetings(p, opts.edit ? rows.map(opts.edit) : rows);
}
