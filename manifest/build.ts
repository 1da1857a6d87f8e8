/**
 * `npm run package:manifest`: the Teams app package (manifest.json, color.png, outline.png) as a
 * zip. Values come from the environment (infra outputs in Azure): TEAMS_APP_ID, BOT_APP_ID,
 * VALID_DOMAIN (the Function App's host name). Local defaults suit the Agents Playground.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deflateRawSync, deflateSync } from "node:zlib";
import { packageRoot } from "../config/load.js";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG of one colour with a lighter square in the middle (RGBA). */
export function png(size: number, rgba: [number, number, number, number], inner: [number, number, number, number]): Buffer {
  const row = 1 + size * 4;
  const raw = Buffer.alloc(row * size);
  for (let y = 0; y < size; y++) {
    raw[y * row] = 0;
    for (let x = 0; x < size; x++) {
      const inside = x > size / 4 && x < (3 * size) / 4 && y > size / 4 && y < (3 * size) / 4;
      const c = inside ? inner : rgba;
      raw.set(c, y * row + 1 + x * 4);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** A zip (deflate) of the given files. */
export function zip(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const body = deflateRawSync(f.data);
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export function manifest(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values: Record<string, string> = {
    TEAMS_APP_ID: env.TEAMS_APP_ID ?? "2d3c7a6e-5b1f-4c8e-9a2d-6f0e1b7c3a94",
    BOT_APP_ID: env.BOT_APP_ID ?? "00000000-0000-0000-0000-000000000000",
    VALID_DOMAIN: env.VALID_DOMAIN ?? "localhost",
  };
  const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  for (const k of ["TEAMS_APP_ID", "BOT_APP_ID"]) if (!GUID.test(values[k]!)) throw new Error(`${k} must be a GUID, not "${values[k]}"`);
  if (!/^[a-z0-9.-]+$/i.test(values.VALID_DOMAIN!)) throw new Error(`VALID_DOMAIN must be a host name, not "${values.VALID_DOMAIN}"`);
  const text = readFileSync(join(packageRoot(), "manifest", "manifest.template.json"), "utf8").replace(/\$\{([A-Z_]+)\}/g, (_, k: string) => values[k] ?? "");
  return JSON.parse(text);
}

export function buildPackage(env: NodeJS.ProcessEnv = process.env): { path: string; bytes: number } {
  const m = manifest(env);
  const data = zip([
    { name: "manifest.json", data: Buffer.from(JSON.stringify(m, null, 2)) },
    { name: "color.png", data: png(192, [46, 90, 136, 255], [255, 255, 255, 255]) },
    { name: "outline.png", data: png(32, [0, 0, 0, 0], [255, 255, 255, 255]) },
  ]);
  const path = join(packageRoot(), env.MANIFEST_OUT ?? join("dist", "cluster-desk-teams.zip"));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return { path, bytes: data.length };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const r = buildPackage();
  console.log(`Teams app package: ${r.path} (${r.bytes} bytes)`);
}
