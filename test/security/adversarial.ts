/** Subject lines built to make a backtracking parser slow: each family, at a given length. */
const fill = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

export const ADVERSARIAL_SUBJECTS: Record<string, (n: number) => string> = {
  spaces: (n) => `Cluster 5/KL/${fill(" ", n)}x`,
  "opening brackets": (n) => fill("[", n),
  separators: (n) => `Cluster 5${fill("/-", n)}`,
  "RE: prefixes": (n) => fill("RE: ", n),
  "cluster words": (n) => fill("cluster 5 ", n),
  "initials-like": (n) => `5/${fill("K.L.", n)}`,
  "school words": (n) => `Cluster 5/KL/${fill("Isleworth Town Primary ", n)}`,
  "mention tags": (n) => fill("<at>", n),
  "angle brackets": (n) => fill("<", n) + "@",
};
