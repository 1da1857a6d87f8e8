import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import ACData from "adaptivecards-templating";
import { expand, template } from "../cards/index.js";

const { Template } = ACData as unknown as { Template: new (json: unknown) => { expand(ctx: { $root: unknown }): unknown } };

describe("card templates", () => {
  it("no input carries min or max: Teams clamps a value outside them before sending (terms 9 arrived as 3), so the server refuses it instead, naming the limit", () => {
    const inputs: { card: string; id: string; keys: string[] }[] = [];
    const walk = (card: string, x: unknown): void => {
      if (Array.isArray(x)) x.forEach((y) => walk(card, y));
      else if (x && typeof x === "object") {
        const o = x as Record<string, unknown>;
        if (typeof o.type === "string" && o.type.startsWith("Input.")) inputs.push({ card, id: String(o.id), keys: Object.keys(o) });
        Object.values(o).forEach((y) => walk(card, y));
      }
    };
    for (const card of ["triage", "vote", "agenda", "attendance", "calendar", "report", "error"])
      walk(card, JSON.parse(readFileSync(`cards/${card}.json`, "utf8")));
    expect(inputs.filter((i) => i.id === "cyp" || i.id === "terms" || i.id === "amount" || i.id === "panelAmount")).toHaveLength(4);
    expect(inputs.filter((i) => i.keys.includes("min") || i.keys.includes("max")).map((i) => `${i.card}.${i.id}`)).toEqual([]);
  });

  it("a parsed template is reused (about 100 times faster) and expands exactly like a fresh one, whatever came before", () => {
    for (const name of ["triage", "vote", "agenda", "error"]) {
      const sample = JSON.parse(readFileSync(`cards/${name}.data.json`, "utf8"));
      const other = {
        ...sample,
        caseRef: "C4-2023-0009",
        status: "On agenda",
        canAct: false,
        isOpen: false,
        cases: [],
        hasCases: false,
        lines: [{ line: "Award: £0" }],
      };
      for (const data of [sample, other, sample, other]) {
        expect(expand(name, data)).toEqual(new Template(structuredClone(template(name))).expand({ $root: data }));
      }
    }
  });
});
