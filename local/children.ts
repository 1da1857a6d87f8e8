/** Child processes (Azurite, the Agents Playground) that must not outlive Cluster Desk. */
import type { ChildProcess } from "node:child_process";

/**
 * Kills `child` when this process exits for any reason (a thrown error included); Ctrl-C's normal
 * path stops children politely first. Signals that end this process without an exit event
 * (SIGKILL) cannot be caught by anyone.
 */
export function tieToParent(child: ChildProcess): ChildProcess {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
  return child;
}

/** Asks `child` to stop (SIGTERM) and kills it if it has not within `graceMs`; resolves when it is gone. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
