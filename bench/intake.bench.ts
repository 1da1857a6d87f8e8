// Speed of the pure intake rules: these run once per email, and the sweep may replay many.
import { bench, describe } from "vitest";
import { loadPartnership } from "../config/load.js";
import { assess } from "../core/rules/intake.js";
import { checkSubject } from "../core/rules/subject.js";
import { addWorkingDays, workingDaysBetween } from "../core/rules/workingDays.js";

const { partnership: p } = loadPartnership("hounslow-mip");
const at = new Date("2023-05-02T09:15:00Z");

describe("intake rules", () => {
  bench("checkSubject: canonical", () => {
    checkSubject(p, "Cluster 5/KL/Isleworth Town Primary School");
  });
  bench("checkSubject: misspelt school (suggestions)", () => {
    checkSubject(p, "RE: Cluster 5/KL/Isleworth Twon Primary School");
  });
  bench("assess: accepted form", () => {
    assess(p, { subject: "Cluster 5/KL/Isleworth Town Primary School", sender: "senco@school.example", receivedAt: at });
  });
  bench("addWorkingDays(5)", () => {
    addWorkingDays("2023-05-02", 5);
  });
  bench("workingDaysBetween over ten years", () => {
    workingDaysBetween("2020-01-01", "2030-01-01");
  });
});
