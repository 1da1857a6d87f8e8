/**
 * The bot's keys in Table state (KeyValuePort), without botbuilder, so that the functions can use
 * them without loading the bot.
 */

/** A person's personal chat with the bot (a conversation reference), by email. */
export const refKey = (email: string) => `convref|user|${email.toLowerCase()}`;
/** Where a case's triage card was posted: `{ ref, activityId }`, so later changes can update it. */
export const triageCardKey = (caseRef: string) => `card|triage|${caseRef}`;
/** A vote's session (open or closed, where its card is, who has their own view): Table state. */
export const voteSessionKey = (caseRef: string) => `vote|${caseRef}`;
