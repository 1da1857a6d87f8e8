#!/usr/bin/env node
// `npm run deploy:check`: builds the package the function app runs (docs/deploy.md: dist/ without
// the local stand-ins, cards/, config/, host.json, package.json and the production node_modules)
// in a temporary folder, and prints its size, its package count and how long the functions take
// to load (median of five fresh Node processes). Needs `npm run build` first and the npm registry.
// `--out DIR` keeps the package there (zip it for `az functionapp deployment source config-zip`).
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(join(root, "dist/functions/index.js"))) {
  console.error("Build first: npm run build");
  process.exit(2);
}
const outAt = process.argv.indexOf("--out");
const keep = outAt > 0 ? process.argv[outAt + 1] : undefined;
const dir = keep ?? mkdtempSync(join(tmpdir(), "cluster-desk-deploy-"));
if (keep && existsSync(keep) && readdirSync(keep).length) {
  console.error(`--out ${keep}: the folder must be new or empty`);
  process.exit(2);
}
/** pdf.js ships viewers, maps, fonts and several builds; intake uses legacy/build/pdf.mjs and its worker only. */
const PDFJS_UNUSED = ["build", "web", "types", "image_decoders", "cmaps", "standard_fonts", "legacy/web", "legacy/image_decoders"].map(
  (d) => `pdfjs-dist/${d}`,
);
const PDFJS_UNUSED_FILES = [
  "pdf.mjs.map",
  "pdf.min.mjs",
  "pdf.sandbox.min.mjs",
  "pdf.sandbox.mjs",
  "pdf.sandbox.mjs.map",
  "pdf.worker.min.mjs",
  "pdf.worker.mjs.map",
].map((f) => `pdfjs-dist/legacy/build/${f}`);
try {
  for (const f of ["package.json", "package-lock.json", "host.json"]) cpSync(join(root, f), join(dir, f));
  for (const d of ["cards", "config"]) cpSync(join(root, d), join(dir, d), { recursive: true });
  // The SCL's guide, which the functions serve at /api/guide, with its pictures.
  cpSync(join(root, "docs", "scl-guide.md"), join(dir, "docs", "scl-guide.md"));
  cpSync(join(root, "docs", "images"), join(dir, "docs", "images"), { recursive: true });
  // dist/ less what only runs on a laptop or in tests.
  cpSync(join(root, "dist"), join(dir, "dist"), { recursive: true, filter: (src) => !/[\\/]dist[\\/](local|test|bench|manifest)([\\/]|$)/.test(src) });
  // Production dependencies, without optional native add-ons (pdf.js's canvas: text and form
  // fields need none) and without what only the officers' CLI uses (package.json cliOnly:
  // the workbook and PDF writers and the .docx template writer; the functions never load them).
  execFileSync("npm", ["ci", "--omit=dev", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const cliOnly = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).cliOnly ?? [];
  if (cliOnly.length)
    execFileSync("npm", ["uninstall", "--omit=dev", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", ...cliOnly], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
  for (const p of [...PDFJS_UNUSED, ...PDFJS_UNUSED_FILES]) rmSync(join(dir, "node_modules", p), { recursive: true, force: true });
  // Libraries' source maps (about 85 MB) are never read at run time; dist/'s own maps stay.
  const dropMaps = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) dropMaps(join(d, e.name));
      else if (e.name.endsWith(".map")) rmSync(join(d, e.name));
    }
  };
  dropMaps(join(dir, "node_modules"));

  const size = (p) => {
    const st = statSync(p);
    if (!st.isDirectory()) return st.size;
    return readdirSync(p).reduce((n, e) => n + size(join(p, e)), 0);
  };
  const packages = (base) => {
    let n = 0;
    for (const e of existsSync(base) ? readdirSync(base) : []) {
      if (e.startsWith(".")) continue;
      if (e.startsWith("@")) n += packages(join(base, e));
      else if (existsSync(join(base, e, "package.json"))) n += 1 + packages(join(base, e, "node_modules"));
    }
    return n;
  };
  const times = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", "const t = performance.now(); await import('./dist/functions/index.js'); console.log(performance.now() - t);"],
      { cwd: dir, env: { ...process.env, FUNCTIONS_WORKER_RUNTIME: "node" } },
    )
      .toString()
      .trim()
      .split("\n")
      .pop();
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  // The form reader's own process starts from the package and reads a PDF with what is left of pdf.js.
  const { PDFDocument, StandardFonts } = await import("pdf-lib");
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage([595, 842]).drawText("Number of CYP: 2", { x: 50, y: 780, size: 11, font });
  writeFileSync(join(dir, "check.pdf"), await pdf.save());
  const read = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      "const { readForm, stopFormReaders } = await import('./dist/forms/read.js'); const fs = await import('node:fs'); const r = await readForm('check.pdf', fs.readFileSync('check.pdf')); stopFormReaders(); console.log(JSON.stringify(r.fields ?? r));",
    ],
    { cwd: dir },
  )
    .toString()
    .trim();
  rmSync(join(dir, "check.pdf"));
  if (read !== JSON.stringify({ cypCount: 2 })) throw new Error(`the deployed package's form reader did not read a PDF: ${read}`);
  console.log("form reader: reads a PDF in its own process from the package");
  const total = size(dir);
  const nm = size(join(dir, "node_modules"));
  console.log(
    `deployed package: ${(total / 1024 / 1024).toFixed(1)} MB (node_modules ${(nm / 1024 / 1024).toFixed(1)} MB), ${packages(join(dir, "node_modules"))} packages`,
  );
  console.log(`functions load time: median ${times[2].toFixed(0)} ms (of ${times.map((t) => t.toFixed(0)).join(", ")})`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
