/** Reads a GIAS establishment extract (CSV, as downloaded from get-information-schools.service.gov.uk). */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import iconv from "iconv-lite";
import type { GiasRecord } from "../core/rules/directory.js";

export function readGiasCsv(file: string): GiasRecord[] {
  // GIAS extracts are Windows-1252 (a name's ’ is byte 0x92); UTF-8 files read the same way
  // only if they are plain ASCII, so a UTF-8 byte order mark or valid UTF-8 is taken as UTF-8.
  const bytes = readFileSync(file);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Node's own "windows-1252" decoder is Latin-1 (0x92 stays U+0092); iconv-lite has the real table.
    text = iconv.decode(bytes, "windows-1252");
  }
  return parse(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true, trim: false }) as GiasRecord[];
}
