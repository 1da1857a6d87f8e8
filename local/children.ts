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
