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

/**
 * Teams' light theme as it draws Adaptive Card text colours (the host config's foreground colours),
 * against the card's white: WCAG 2.2 AA asks 4.5:1 for text.
 */
const TEAMS_TEXT = { default: "#242424", dark: "#242424", attention: "#c4314b", accent: "#6264a7", good: "#92c353", warning: "#f8d22a", light: "#ffffff" };
function contrast(hex: string, on = "#ffffff"): number {
  const lum = (h: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [a, b] = [lum(hex), lum(on)].sort((x, y) => y - x);
  return (a! + 0.05) / (b! + 0.05);
}
/** Teams shows at most this many of a card's actions (host config maxActions); the rest are dropped. */
const TEAMS_MAX_ACTIONS = 6;

describe("cards everyone can read (issue 35)", () => {
  const cards = ["triage", "vote", "agenda", "attendance", "calendar", "report", "error"];
  const walk = (x: unknown, visit: (o: Record<string, unknown>) => void): void => {
    if (Array.isArray(x)) x.forEach((y) => walk(y, visit));
    else if (x && typeof x === "object") {
      visit(x as Record<string, unknown>);
      Object.values(x).forEach((y) => walk(y, visit));
    }
  };

  it("the palette: Teams' Good and Warning fail as text on white, Default and Attention pass", () => {
    expect(contrast(TEAMS_TEXT.good)).toBeLessThan(4.5);
    expect(contrast(TEAMS_TEXT.warning)).toBeLessThan(4.5);
    expect(contrast(TEAMS_TEXT.default)).toBeGreaterThan(4.5);
    expect(contrast(TEAMS_TEXT.attention)).toBeGreaterThan(4.5);
  });

  it("every card, expanded with its sample data, uses only text colours of 4.5:1 or more, labels every input, and shows no more actions than Teams does", () => {
    for (const name of cards) {
      const card = expand(name, JSON.parse(readFileSync(`cards/${name}.data.json`, "utf8")));
      const colours: string[] = [];
      const unlabelled: string[] = [];
      let shown = 0;
      walk(card, (o) => {
        if (typeof o.color === "string") colours.push(o.color.toLowerCase());
        if (typeof o.type === "string" && o.type.startsWith("Input.") && !(typeof o.label === "string" && o.label.trim())) unlabelled.push(String(o.id));
        if (Array.isArray(o.actions)) shown += (o.actions as { mode?: string }[]).filter((a) => a.mode !== "secondary").length;
      });
      for (const c of colours) expect(contrast(TEAMS_TEXT[c as keyof typeof TEAMS_TEXT] ?? "#ffffff"), `${name}: ${c}`).toBeGreaterThanOrEqual(4.5);
      expect(unlabelled, name).toEqual([]);
      expect(shown, name).toBeLessThanOrEqual(TEAMS_MAX_ACTIONS);
    }
  });

  it("the triage card with every action a person may have keeps the extra ones in its menu, and every RAG colour is readable", async () => {
    const { withOverflow, MAX_PRIMARY_ACTIONS } = await import("../core/rules/triage.js");
    const { ragTextColour } = await import("../core/rules/agenda.js");
    const all = [
      "vote.open",
      "triage.details",
      "triage.accept",
      "triage.acknowledge",
      "triage.requestInfo",
      "triage.refer",
      "triage.move",
      "adviser.exceptional",
    ].map((verb) => ({ verb }));
    const laid = withOverflow(all);
    expect(laid.filter((a) => a.mode === "primary")).toHaveLength(MAX_PRIMARY_ACTIONS);
    expect(MAX_PRIMARY_ACTIONS).toBeLessThanOrEqual(TEAMS_MAX_ACTIONS);
    expect(laid.find((a) => a.verb === "triage.refer")!.mode).toBe("secondary");
    for (const rag of ["Red", "Amber", "Green", null])
      expect(contrast(TEAMS_TEXT[ragTextColour(rag).toLowerCase() as keyof typeof TEAMS_TEXT])).toBeGreaterThanOrEqual(4.5);
  });
});
