/**
 * Reads a presentation form (.docx or .pdf) in memory (issues 17 and 30): never written to disk,
 * never logged. What leaves is a FormReading (core/rules/form.ts): numeric and choice fields, the
 * names of free-text fields answered or missing, and required documents recognised by id.
 *
 * The reading itself runs in a separate process (forms/readerProcess.ts), never on the caller's
 * thread, so a hostile file cannot stall intake, the notification endpoint or the bot:
 * - at most `readers` such processes at once (the rest wait their turn), each started with no
 *   environment (no secret reaches it), a capped JavaScript heap and, on Linux, a capped address
 *   space, so memory outside the heap (pdf.js's decoded streams) is bounded too;
 * - while it reads, its resident memory is watched, and it is killed past `maxReaderMb`;
 * - it is killed after `timeoutMs` of reading;
 * - it reads one file at a time and is started afresh after a file that made it grow.
 * Each file is checked against the bounds in forms/docx.ts before the work they limit.
 * Any failure gives { error } ("could not read the form: …"): the case goes on as it would unread.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FormResult } from "../core/rules/form.js";
import type { DocumentHint, ParseLimits } from "./parse.js";
import type { InnerFile } from "./forwarded.js";

export type { DocumentHint } from "./parse.js";
export { FormReadError } from "./docx.js";

export interface ReadLimits extends ParseLimits {
  /** Wall-clock time one file may take to read, from the moment its reader takes it. */
  timeoutMs: number;
  /** The resident memory one reader process may reach (its heap, buffers and code together). */
  maxReaderMb: number;
}

export const LIMITS: ReadLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxEntries: 500,
  maxUncompressed: 60 * 1024 * 1024,
  maxRatio: 200,
  maxXmlBytes: 8 * 1024 * 1024,
  maxDepth: 256,
  timeoutMs: 5_000,
  maxPages: 30,
  maxReaderMb: 160,
};

/** How many forms are read at once, in as many processes. With maxReaderMb, what reading can add to an instance's memory. */
export const READERS = 2;

interface Job {
  kind: "form" | "message";
  name: string;
  bytes: Uint8Array;
  documents: DocumentHint[];
  limits: ReadLimits;
  resolve: (r: FormResult | InnerFiles) => void;
}

/** What a forwarded email holds (forms/forwarded.ts), or why it could not be read. */
export type InnerFiles = InnerFile[] | { error: string };

/**
 * The reader process's entry: the compiled one beside this file, or (run from the sources, as the
 * tests are) the one `npm run build` compiled into dist/.
 */
function entry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, "readerProcess.js");
  return existsSync(beside) ? beside : join(here, "..", "dist", "forms", "readerProcess.js");
}

/** A process's resident memory in MB (Linux's /proc), or null where it cannot be read. */
export function residentMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    const kb = line ? parseInt(line.slice(6).trim(), 10) : NaN; // "VmRSS:     123456 kB"
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

const WATCH_MS = 10;
/** How long an idle reader process is kept for the next form. */
const IDLE_MS = 20_000;

class Reader {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;
  busy = false;

  private start(limits: ReadLimits, capAddressSpace: boolean): Promise<void> {
    const file = entry();
    // The heap gets most of the cap; the rest is code and buffers, which the RSS watch and the address-space cap bound.
    const heapMb = Math.max(32, Math.floor(limits.maxReaderMb * 0.6));
    const args = [`--max-old-space-size=${heapMb}`, "--max-semi-space-size=4", "--disallow-code-generation-from-strings", file];
    // On Linux the shell caps the whole address space before it becomes node: allocations past it fail in the reader, not in the host.
    const child = capAddressSpace
      ? spawn("/bin/sh", ["-c", `ulimit -v ${(limits.maxReaderMb + ADDRESS_SPACE_MB) * 1024} && exec "$0" "$@"`, process.execPath, ...args], {
          stdio: ["ignore", "ignore", "ignore", "ipc"],
          serialization: "advanced",
          env: {},
        })
      : spawn(process.execPath, args, { stdio: ["ignore", "ignore", "ignore", "ipc"], serialization: "advanced", env: {} });
    this.child = child;
    child.on("error", () => undefined);
    child.on("exit", () => {
      if (this.child === child) {
        this.child = null;
        this.ready = null;
      }
    });
    return new Promise<void>((resolve, reject) => {
      const onReady = (m: { ready?: boolean }) => {
        if (m?.ready) {
          child.off("message", onReady);
          resolve();
        }
      };
      child.on("message", onReady);
      child.once("exit", () => reject(new Error("the form reader could not start")));
    });
  }

  kill() {
    const child = this.child;
    this.child = null;
    this.ready = null;
    child?.kill("SIGKILL");
  }

  async read(job: Job): Promise<FormResult | InnerFiles> {
    const l = job.limits;
    try {
      if (!this.child || !this.ready) this.ready = this.start(l, addressSpaceCap);
      await this.ready;
    } catch {
      this.kill();
      // A node whose V8 reserves more address space than the cap allows cannot start under it:
      // from then on readers start without it (the heap cap and the resident-memory watch remain).
      if (!addressSpaceCap) return { error: "could not read the form: the form reader could not start" };
      addressSpaceCap = false;
      return this.read(job);
    }
    const child = this.child!;
    clearTimeout(this.idle);
    child.ref();
    child.channel?.ref();
    const id = this.nextId++;
    const outcome = await new Promise<{ result?: FormResult | InnerFiles; refused?: string }>((resolve) => {
      const done = (r: { result?: FormResult | InnerFiles; refused?: string }) => {
        clearTimeout(timer);
        clearInterval(watch);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(r);
      };
      const onMessage = (m: { id?: number; result?: FormResult | InnerFiles }) => {
        if (m?.id === id && m.result) done({ result: m.result });
      };
      const onExit = () => done({ refused: `it needed more than ${l.maxReaderMb} MB to read` });
      const timer = setTimeout(() => done({ refused: `reading it took longer than ${l.timeoutMs / 1000} s` }), l.timeoutMs);
      const watch = setInterval(() => {
        const mb = residentMb(child.pid);
        if (mb !== null && mb > l.maxReaderMb) done({ refused: `it needed more than ${l.maxReaderMb} MB to read` });
      }, WATCH_MS);
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send({ id, kind: job.kind, name: job.name, bytes: job.bytes, documents: job.documents, limits: l }, (err) => {
        if (err) done({ refused: "the form reader stopped" });
      });
    });
    if (outcome.refused) {
      this.kill();
      return { error: job.kind === "message" ? `the forwarded email could not be read: ${outcome.refused}` : `could not read the form: ${outcome.refused}` };
    }
    // A reader that grew reading this file starts afresh for the next one.
    const mb = residentMb(child.pid);
    if (mb !== null && mb > l.maxReaderMb / 2) this.kill();
    else {
      // Idle, it keeps nothing alive, and goes after a while so its memory goes back to the instance.
      child.unref();
      child.channel?.unref();
      this.idle = setTimeout(() => this.kill(), IDLE_MS).unref();
    }
    return outcome.result!;
  }
}

/** Whether readers start under an address-space cap (Linux, through /bin/sh); off once a reader could not start under it. */
let addressSpaceCap = process.platform === "linux" && existsSync("/bin/sh");

/** What the address-space cap allows beyond maxReaderMb: V8 reserves address space it never touches. */
const ADDRESS_SPACE_MB = 1024;

class Readers {
  private readonly pool: Reader[] = [];
  private readonly waiting: Job[] = [];
  constructor(private readonly size: number) {}

  read(job: Omit<Job, "resolve">): Promise<FormResult | InnerFiles> {
    return new Promise((resolve) => {
      this.waiting.push({ ...job, resolve });
      this.next();
    });
  }

  private next() {
    while (this.waiting.length) {
      let reader = this.pool.find((r) => !r.busy);
      if (!reader && this.pool.length < this.size) this.pool.push((reader = new Reader()));
      if (!reader) return;
      const job = this.waiting.shift()!;
      const r = reader;
      r.busy = true;
      void r.read(job).then((result) => {
        r.busy = false;
        job.resolve(result);
        this.next();
      });
    }
  }

  stop() {
    for (const r of this.pool) r.kill();
  }
}

const readers = new Readers(READERS);

/** Stops the reader processes (they are started again when next needed). */
export function stopFormReaders(): void {
  readers.stop();
}

/**
 * The form's fields from a .docx or .pdf (by name and content), read in a separate, bounded
 * process. `{ error }` when it cannot be read; never throws for a bad file.
 */
export async function readForm(name: string, bytes: Uint8Array, opts: { documents?: DocumentHint[]; limits?: Partial<ReadLimits> } = {}): Promise<FormResult> {
  const limits = { ...LIMITS, ...opts.limits };
  const ext = name.toLowerCase().slice(name.lastIndexOf("."));
  // What is refused on its face is refused here, without a process.
  if (bytes.length > limits.maxBytes) return { error: `could not read the form: it is larger than ${Math.round(limits.maxBytes / 1048576)} MB` };
  if (ext !== ".docx" && ext !== ".pdf") return { error: "could not read the form: only .docx and .pdf forms are read" };
  return (await readers.read({ kind: "form", name, bytes, documents: opts.documents ?? [], limits })) as FormResult;
}

/**
 * The files inside a forwarded email (an .eml, or an item attachment's MIME), read in the same
 * bounded reader process as forms: at most 20 files and 10 MB; `{ error }` when it cannot be read.
 */
export async function readForwarded(bytes: Uint8Array, opts: { limits?: Partial<ReadLimits> } = {}): Promise<InnerFiles> {
  const limits = { ...LIMITS, ...opts.limits };
  if (bytes.length > limits.maxBytes) return { error: `the forwarded email is larger than ${Math.round(limits.maxBytes / 1048576)} MB` };
  return (await readers.read({ kind: "message", name: "forwarded.eml", bytes, documents: [], limits })) as InnerFiles;
}
