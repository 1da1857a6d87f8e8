/**
 * What an attachment's bytes are, by their content rather than their name: the first bytes of a
 * PDF, the entry list of an Office Open XML zip (read from the zip's central directory with
 * fflate; nothing is decompressed), the OLE signature of older Office files. Bytes stay in memory.
 */
import { unzipSync } from "fflate";
import type { ContentKind } from "../core/rules/mailRules.js";

const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** PDF readers accept the header anywhere in the first 1,024 bytes. */
const PDF_HEADER_WITHIN = 1024;

function startsWith(bytes: Uint8Array, sig: number[]): boolean {
  return bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);
}

export function sniffContent(bytes: Uint8Array): ContentKind {
  if (bytes.length === 0) return "empty";
  if (Buffer.from(bytes.subarray(0, PDF_HEADER_WITHIN)).includes("%PDF-")) return "pdf";
  if (startsWith(bytes, OLE)) return "ole";
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    const names: string[] = [];
    try {
      // The filter sees each entry of the central directory and declines it: nothing is inflated.
      unzipSync(bytes, { filter: (f) => (names.push(f.name), false) });
    } catch {
      return "unknown";
    }
    if (!names.includes("[Content_Types].xml")) return "zip";
    return names.some((n) => n.toLowerCase().endsWith("vbaproject.bin")) ? "ooxml-macro" : "ooxml";
  }
  return "unknown";
}
