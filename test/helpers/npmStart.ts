/** `npm start` (bin/local.mjs start) as a child process on free ports, for tests. */
import { afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../config/load.js";

const root = packageRoot();

export function start(dataDir: string): { child: ChildProcess; ready: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, [join(root, "bin", "local.mjs"), "start"], {
    cwd: root,
    env: {
      ...process.env,
      CLUSTER_DESK_DATA: dataDir,
      TENANT_TLS_DIR: ".data/test-tls",
      CLUSTER_DESK_QUIET: "1",
      TENANT_PORT: "0",
      TENANT_SMTP_PORT: "0",
      HOST_PORT: "0",
      PLAYGROUND_PORT: "0",
      AZURITE_BLOB_PORT: "0",
      AZURITE_QUEUE_PORT: "0",
      AZURITE_TABLE_PORT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes("Ctrl-C stops everything")) {
        clearInterval(timer);
        resolve(out);
      }
    }, 100);
    child.once("exit", (code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited with ${code}:\n${out}`));
    });
  });
  return { child, ready, output: () => out };
}

export const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGINT");
  });

const running: ChildProcess[] = [];
afterAll(() => {
  for (const c of running) if (c.exitCode === null) c.kill("SIGKILL");
});
