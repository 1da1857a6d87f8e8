/**
 * The reference pages made from the code, so they cannot go stale: docs/cli.md from the command
 * line's own help (the declared commands' table and the rest), docs/settings.md from the settings
 * schema. `npm run docs` writes them; a test checks the files are what this makes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./main.js";
import { settingsTable } from "../functions/settings.js";

async function helpText(): Promise<string> {
  const lines: string[] = [];
  await run(["help"], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return lines.join("\n");
}

export async function cliReference(): Promise<string> {
  return `# The command line: \`npx cluster-desk\`

Made from the command line's own help (\`npx cluster-desk help\`; \`npm run docs\` writes this page).
Commands that reach Microsoft 365 use the deployment's app settings from the environment, or the
file \`npm start\` writes (\`.data/app-settings.json\`); the others work on a config file.

\`\`\`text
${await helpText()}
\`\`\`

An example:

\`\`\`sh
npx cluster-desk assign --subject "RE: Cluster 5/KL/Isleworth Town Primary School" \\
  --sender senco@school.example --received 2023-05-03T16:30
# -> outcome "late": missed Wednesday 3 May 2023, 4pm; listed for Thursday 15 June 2023, 2pm
\`\`\`
`;
}

export function settingsReference(): string {
  return `# Settings the functions read

One zod schema (\`functions/settings.ts\`) reads them all, with their defaults and the rules between
them; no adapter reads the environment. This table is the schema's (\`npx cluster-desk settings\`
prints it; \`npm run docs\` writes this page), and \`test/infra.test.ts\` checks the Bicep against it.

${settingsTable()}
`;
}

/** Writes both pages under `root`/docs. */
export async function writeReferences(root: string): Promise<void> {
  writeFileSync(join(root, "docs", "cli.md"), await cliReference());
  writeFileSync(join(root, "docs", "settings.md"), settingsReference());
}

if (process.argv[1] && /docs\.js$/.test(process.argv[1])) await writeReferences(process.cwd());
