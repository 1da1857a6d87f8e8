/**
 * A council's partnership in a year after the seeds' own: the config as shipped, with the year's
 * meetings as the planner proposes them and as "Publish" writes them to the Meetings list (what a
 * running deployment reads), and example contacts where the config leaves them to the council.
 */
import { loadPartnership } from "../../config/load.js";
import type { Partnership } from "../../core/config.js";
import { planYear, publishedMeetings } from "../../core/rules/planner.js";
import { withPublishedMeetings } from "../../core/rules/schedule.js";
import { withExampleContacts } from "../../local/people.js";

export function inYear(id: "hounslow-mip" | "sutton" | "southampton", year: string): Partnership {
  const p = withExampleContacts(loadPartnership(id).partnership);
  return withPublishedMeetings(p, publishedMeetings(planYear(p, year)));
}
