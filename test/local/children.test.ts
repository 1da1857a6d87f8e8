import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../../config/load.js";

/** Running, as opposed to gone or a zombie waiting for a container's init to reap it. */
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

describe("child processes", () => {
  it("Azurite does not outlive a Cluster Desk process that fails", async () => {
    const azurite = pathToFileURL(join(packageRoot(), "dist", "local", "azurite.js")).href;
    const script = `const { startAzurite } = await import(${JSON.stringify(azurite)}); const a = await startAzurite(); console.log(a.pid); throw new Error("failing on purpose");`;
    const out = await new Promise<string>((resolve) => execFile(process.execPath, ["--input-type=module", "-e", script], (_e, stdout) => resolve(stdout)));
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(false);
  });
});
