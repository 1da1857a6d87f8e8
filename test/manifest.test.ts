import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { buildPackage, manifest } from "../manifest/build.js";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads a zip's entries (deflate or stored) from its central directory. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : raw;
    expect(crc32(data)).toBe(crc);
    out.set(name, data);
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

describe("Teams app package", () => {
  it("zips manifest.json and the two icons, with the bot id and valid domain from the deployment", () => {
    const env = {
      TEAMS_APP_ID: "2d3c7a6e-5b1f-4c8e-9a2d-6f0e1b7c3a94",
      BOT_APP_ID: "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b",
      VALID_DOMAIN: "func-clusterdesk-prod.azurewebsites.net",
      MANIFEST_OUT: "dist/test-teams.zip",
    };
    const { path } = buildPackage(env);
    const zipped = readFileSync(path);
    const files = unzip(zipped);
    // Every entry has a real DOS date (year from 1980: bits 9-15 of the date field), not zero.
    for (let p = zipped.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); p >= 0; p = zipped.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), p + 4)) {
      const year = 1980 + (zipped.readUInt16LE(p + 14) >> 9);
      expect(year).toBeGreaterThanOrEqual(2024);
    }
    expect([...files.keys()]).toEqual(["manifest.json", "color.png", "outline.png"]);
    const m = JSON.parse(files.get("manifest.json")!.toString());
    expect(m).toMatchObject({
      $schema: "https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json",
      manifestVersion: "1.22",
      id: env.TEAMS_APP_ID,
      bots: [{ botId: env.BOT_APP_ID, scopes: ["personal", "team", "groupChat"] }],
      validDomains: [env.VALID_DOMAIN],
      icons: { color: "color.png", outline: "outline.png" },
      version: JSON.parse(readFileSync("package.json", "utf8")).version,
    });
    expect(m.name.short.length).toBeLessThanOrEqual(30);
    expect(m.description.short.length).toBeLessThanOrEqual(80);
    const size = (png: Buffer) => [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(size(files.get("color.png")!)).toEqual([192, 192]);
    expect(size(files.get("outline.png")!)).toEqual([32, 32]);
    // The drawn icons (manifest/*.svg rendered), not placeholders; the outline has an alpha channel (colour type 6).
    expect(files.get("color.png")).toEqual(readFileSync("manifest/color.png"));
    expect(files.get("outline.png")).toEqual(readFileSync("manifest/outline.png"));
    expect(files.get("outline.png")![25]).toBe(6);
    // The privacy and terms links open pages the Function App serves (functions/pages.ts).
    expect(m.developer).toMatchObject({ privacyUrl: `https://${env.VALID_DOMAIN}/api/privacy`, termsOfUseUrl: `https://${env.VALID_DOMAIN}/api/terms` });
  });

  it("refuses values that are not GUIDs or host names, and a package for a tenant without the deployment's outputs", () => {
    const ok = { BOT_APP_ID: "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b", VALID_DOMAIN: "func.azurewebsites.net" };
    expect(() => manifest({ ...ok, BOT_APP_ID: "my-bot" })).toThrow(/BOT_APP_ID must be a GUID/);
    expect(() => manifest({ ...ok, VALID_DOMAIN: "https://x/" })).toThrow(/VALID_DOMAIN must be a host name/);
    expect(() => manifest({})).toThrow(/BOT_APP_ID and VALID_DOMAIN are not set/);
    expect(() => manifest({ BOT_APP_ID: ok.BOT_APP_ID })).toThrow(/^VALID_DOMAIN is not set/);
    expect(() => manifest({ BOT_APP_ID: "00000000-0000-0000-0000-000000000000", VALID_DOMAIN: "localhost" })).toThrow(/Playground's/);
    // The Playground's package is asked for by name.
    expect(manifest({ PACKAGE_FOR: "playground" })).toMatchObject({ validDomains: ["localhost"] });
    // A release's version rises: APP_VERSION, checked.
    expect(manifest({ ...ok, APP_VERSION: "1.4.2" })).toMatchObject({ version: "1.4.2" });
    expect(() => manifest({ ...ok, APP_VERSION: "latest" })).toThrow(/APP_VERSION must be a version/);
  });
});
