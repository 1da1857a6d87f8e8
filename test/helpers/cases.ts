/** Case fields the tests share. */

/** One child, one term, £2,000 asked, not funded. */
export const REFUSED_INDIVIDUAL = {
  CaseType: "Individual",
  CypCount: 1,
  TermsSought: 1,
  AmountRequested: 2000,
  AmountAwarded: 0,
  Decision: "Do not fund (alternative support)",
} as const;
