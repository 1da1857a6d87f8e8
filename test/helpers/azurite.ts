/** Azurite (queues and tables) in memory on free ports, for one test file. */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const ACCOUNT = "devstoreaccount1";
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  const child: ChildProcess = spawn(process.execPath, [bin, "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--blobPort", "0", "--queuePort", "0", "--tablePort", "0", "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  const ports: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`Azurite did not start:\n${out}`)), 20_000);
    child.stdout!.on("data", (d) => {
      out += d;
      for (const m of out.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g)) ports[m[1]!] = Number(m[2]);
      if (ports.Blob && ports.Queue && ports.Table) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`Azurite exited with ${code}:\n${out}`)));
  });
  const host = "http://127.0.0.1";
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${host}:${ports.Blob}/${ACCOUNT};QueueEndpoint=${host}:${ports.Queue}/${ACCOUNT};TableEndpoint=${host}:${ports.Table}/${ACCOUNT};`,
    stop: () =>
      new Promise<void>((r) => {
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}
