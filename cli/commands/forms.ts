/** The command line's forms commands, each declared with its name, usage, help and options (cli/main.ts routes to them). */
import { requiredDocuments } from "../../core/rules/referrals.js";
import { COMMON, json, partnership, requireOpt, UsageError, type CliCommand } from "../common.js";

export const FORMS_COMMANDS: CliCommand[] = [
  {
    name: "form-template",
    usage: `--out FILE.docx`,
    help: `the partnership's presentation form as Word, its fields in tagged content controls (what intake reads)`,
    options: { ...COMMON, out: { type: "string" } },
    async run(values, io) {
      const out = requireOpt(values, "out");
      if (!out.toLowerCase().endsWith(".docx")) throw new UsageError("--out must name a .docx file");
      const p = partnership(values.config ?? process.env.PARTNERSHIP);
      const { formTemplate } = await import("../../forms/template.js");
      const bytes = await formTemplate(p);
      const { writeFileSync } = await import("node:fs");
      writeFileSync(out, bytes);
      json(io, { ok: true, out, bytes: bytes.length, partnership: p.id });
      return 0;
    },
  },
  {
    name: "read-form",
    usage: `FILE`,
    help: `the fields a .docx or .pdf form gives, as JSON, with what is missing or unreadable (numbers and choices only; no free text leaves the reader)`,
    options: COMMON,
    positionals: true,
    async run(values, io, positionals) {
      if (positionals.length !== 1) throw new UsageError("read-form takes one file: cluster-desk read-form form.docx");
      const file = positionals[0]!;
      if (!/\.(docx|pdf)$/i.test(file)) throw new UsageError("read-form reads a .docx or .pdf file");
      const { readFileSync, statSync } = await import("node:fs");
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new UsageError(`no file ${file}`);
      }
      const p = partnership(values.config ?? process.env.PARTNERSHIP);
      const { readForm, LIMITS } = await import("../../forms/read.js");
      if (size > LIMITS.maxBytes) throw new UsageError(`${file} is larger than ${LIMITS.maxBytes / 1048576} MB, the most a form may be`);
      const r = await readForm(file, readFileSync(file), { documents: requiredDocuments(p) });
      json(io, r);
      return "error" in r ? 1 : 0;
    },
  },
];
