// The subject-line parser on hostile input: 100,000 characters of each adversarial family (the
// same families test/security/regex.test.ts checks for linear growth). Target: under 20 ms each;
// before the fix one such subject took 30-37 s.
import { bench, describe } from "vitest";
import { loadPartnership } from "../config/load.js";
import { checkSubject } from "../core/rules/subject.js";
import { ADVERSARIAL_SUBJECTS } from "../test/security/adversarial.js";

const { partnership: p } = loadPartnership("hounslow-mip");

describe("checkSubject, 100,000 characters", () => {
  for (const [family, make] of Object.entries(ADVERSARIAL_SUBJECTS)) {
    const subject = make(100_000);
    bench(family, () => {
      checkSubject(p, subject);
    });
  }
  bench("a real subject line", () => {
    checkSubject(p, "RE: Cluster 5/KL/Isleworth Town Primary School");
  });
});
