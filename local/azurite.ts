/** Azurite (blob, queue, table) as a child process; ports 0 pick free ones. */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { stopChild, tieToParent } from "./children.js";

const ACCOUNT = "devstoreaccount1";
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  pid: number;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Folder for Azurite's data; absent = in memory. */
  location?: string;
  ports?: { blob: number; queue: number; table: number };
}

/** The connection string for an Azurite on these ports (its well-known development account). */
export function azuriteConnectionString(ports: { blob: number; queue: number; table: number }): string {
  const host = "http://127.0.0.1";
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${host}:${ports.blob}/${ACCOUNT};QueueEndpoint=${host}:${ports.queue}/${ACCOUNT};TableEndpoint=${host}:${ports.table}/${ACCOUNT};`;
}

export async function startAzurite(opts: AzuriteOptions = {}): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  const p = opts.ports ?? { blob: 0, queue: 0, table: 0 };
  const args = [
    bin,
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--loose",
    "--blobPort",
    String(p.blob),
    "--queuePort",
    String(p.queue),
    "--tablePort",
    String(p.table),
    "--blobHost",
    "127.0.0.1",
    "--queueHost",
    "127.0.0.1",
    "--tableHost",
    "127.0.0.1",
  ];
  if (opts.location) args.push("--location", opts.location);
  else args.push("--inMemoryPersistence");
  const child: ChildProcess = tieToParent(spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] }));
  const ports: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`Azurite did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += String(d);
      for (const m of out.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g)) ports[m[1]!] = Number(m[2]);
      if (ports.Blob && ports.Queue && ports.Table) {
        clearTimeout(timer);
        // Started: stop keeping (and searching) what it prints. Azurite writes to its pipes for as
        // long as it runs; kept, the text grew with every request and each chunk was searched
        // from the start (most of a busy run's time). The pipes still flow, into nothing.
        child.stdout!.off("data", onData);
        child.stderr!.off("data", onData);
        child.stdout!.resume();
        child.stderr!.resume();
        out = "";
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}${/EADDRINUSE/.test(out) ? " (a port is in use: is another Azurite running?)" : ""}:\n${out}`));
    });
  });
  const all = { blob: ports.Blob!, queue: ports.Queue!, table: ports.Table! };
  return {
    ports: all,
    pid: child.pid!,
    connectionString: azuriteConnectionString(all),
    stop: () => stopChild(child),
  };
}
