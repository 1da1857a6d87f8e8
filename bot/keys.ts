/**
 * The bot's keys in Table state (KeyValuePort), without botbuilder, so that the functions can use
 * them without loading the bot.
 */

export { clusterChannelKey, personalChatKey as refKey, triageCardKey, voteSessionKey } from "../m365/teamsState.js";
