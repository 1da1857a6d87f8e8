// Reading forms (issue 30): four of the worst files at once, and a good form. What matters beside
// the time is memory: the readers run in their own processes, so the peak printed here is this
// process (the host's side of reading) plus every reader process, sampled every 5 ms, against
// Flex Consumption's 512 MB instance (infra/modules/functionapp.bicep), where the functions
// themselves hold about 184 MB steady.
import { readdirSync, readFileSync } from "node:fs";
import { bench, describe } from "vitest";
import { readForm, residentMb, stopFormReaders } from "../forms/read.js";
import { inflatingPdf, nestedDocx } from "../test/helpers/hostileForms.js";
import { freeFormDocx } from "../test/helpers/forms.js";

const INSTANCE_MB = 512;
const HOST_STEADY_MB = 184;

/** This process's children (the reader processes), by their parent pid in /proc. */
function children(): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const peak = { self: 0, readers: 0 };
let timer: NodeJS.Timeout | undefined;
const sample = () => {
  peak.self = Math.max(peak.self, residentMb(process.pid) ?? 0);
  peak.readers = Math.max(
    peak.readers,
    children().reduce((n, pid) => n + (residentMb(pid) ?? 0), 0),
  );
};

const worst = [inflatingPdf(600), nestedDocx(250, 1500, true), inflatingPdf(300), nestedDocx(2, 60_000, true)];
const names = ["a.pdf", "b.docx", "c.pdf", "d.docx"];
const good = await freeFormDocx(["Number of CYP: 4", "Terms sought: 2"]);

describe("reading forms", () => {
  bench(
    "four of the worst forms at once",
    async () => {
      await Promise.all(worst.map((b, i) => readForm(names[i]!, b)));
    },
    {
      iterations: 5,
      warmupIterations: 1,
      setup: () => {
        timer = setInterval(sample, 5);
      },
      teardown: () => {
        clearInterval(timer);
        const readers = Math.round(peak.readers);
        const self = Math.round(peak.self);
        console.log(
          `four forms at once: peak ${readers} MB in the reader processes, ${self} MB in this process; with the functions' ${HOST_STEADY_MB} MB steady, ${HOST_STEADY_MB + readers} MB of a ${INSTANCE_MB} MB instance`,
        );
        stopFormReaders();
      },
    },
  );
  bench("a good form (.docx)", async () => {
    await readForm("form.docx", good);
  });
});
