import { createHash } from "node:crypto";
import { REGISTERS, type RegisterName, type RegisterRow } from "@liandong/contracts";
import type { Bucket } from "@liandong/runtime";
import { parse } from "csv-parse/sync";
import type ExcelJS from "exceljs";
import iconv from "iconv-lite";

/**
 * Importing a register (实名登记导入) from the CSV or Excel file a hospital or department system
 * exports: a column mapping per source (field → the header that system writes), UTF-8 or
 * GB18030 told apart by whether the bytes are valid UTF-8, every bad row refused with its row
 * number and column while the rest are kept, progress reported as rows are checked. The rows
 * are kept in the agency's own bucket, keyed by record id: importing the same file again
 * changes nothing.
 */

/** For each field of the register's row, the header of the column that holds it. */
export type ColumnMapping = Record<string, string>;

export type RowError = {
  /** The row as a spreadsheet numbers it: the header is row 1. */
  row: number;
  /** The header of the offending column, as the file names it (the field when unmapped). */
  column: string;
  field: string;
  message: string;
};

export type ParsedRegister<R extends RegisterName> = {
  encoding: "utf-8" | "gb18030" | "xlsx";
  rows: RegisterRow<R>[];
  errors: RowError[];
  total: number;
};

/** UTF-8 when the bytes are valid UTF-8 (a BOM dropped), else GB18030 (which GBK and GB2312 are within). */
export function decodeText(bytes: Uint8Array): { text: string; encoding: "utf-8" | "gb18030" } {
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text, encoding: "utf-8" };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), "gb18030"), encoding: "gb18030" };
  }
}

const DATE_FIELDS = /(On|Date)$/;
const BOOLEAN_FIELDS = new Set(["pregnant"]);
const TRUE = new Set(["是", "在孕", "true", "1", "y", "yes"]);
const FALSE = new Set(["否", "未孕", "非孕", "false", "0", "n", "no"]);

/**
 * 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305 → 2026-03-05; anything else as it is.
 * 年 月 日 escaped: a regular expression's characters are the one thing esbuild leaves as written,
 * and one character beyond Latin-1 makes V8 hold the whole bundle's source two bytes a character.
 */
function normaliseDay(s: string): string {
  const m =
    /^(\d{4})[-/.\u5e74](\d{1,2})[-/.\u6708](\d{1,2})\u65e5?$/.exec(s) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return s;
  return `${m[1]}-${m[2]!.padStart(2, "0")}-${m[3]!.padStart(2, "0")}`;
}

function cellValue(field: string, raw: unknown): unknown {
  if (raw instanceof Date) return raw.toISOString().slice(0, 10);
  if (raw === null || raw === undefined) return undefined;
  const s = String(raw).trim();
  if (s === "") return undefined;
  if (DATE_FIELDS.test(field)) return normaliseDay(s);
  if (BOOLEAN_FIELDS.has(field)) {
    const l = s.toLowerCase();
    return TRUE.has(l) ? true : FALSE.has(l) ? false : s;
  }
  return s;
}

/** The table of a file: its header and its rows, each a list of cells in the header's order. */
type Table = {
  header: string[];
  rows: unknown[][];
  encoding: ParsedRegister<RegisterName>["encoding"];
};

function csvTable(bytes: Uint8Array): Table {
  const { text, encoding } = decodeText(bytes);
  const all = parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as string[][];
  const [header = [], ...rows] = all;
  return { header: header.map((h) => h.trim()), rows, encoding };
}

async function xlsxTable(bytes: Uint8Array): Promise<Table> {
  // Loaded when a workbook is first imported: a service that never reads one never pays for it
  // (about 20 MB of an agency's memory at rest).
  const { default: Excel } = await import("exceljs");
  const book = new Excel.Workbook();
  await book.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  const sheet = book.worksheets[0];
  if (!sheet) return { header: [], rows: [], encoding: "xlsx" };
  const values = (r: ExcelJS.Row) => {
    const v = r.values as unknown[];
    return v
      .slice(1)
      .map((c) =>
        c && typeof c === "object" && !(c instanceof Date)
          ? "text" in c
            ? (c as { text: unknown }).text
            : "result" in c
              ? (c as { result: unknown }).result
              : String(c)
          : c,
      );
  };
  const header = values(sheet.getRow(1)).map((h) => String(h ?? "").trim());
  const rows: unknown[][] = [];
  for (let i = 2; i <= sheet.rowCount; i++) {
    const r = values(sheet.getRow(i));
    if (r.some((c) => c !== null && c !== undefined && String(c).trim() !== "")) rows.push(r);
  }
  return { header, rows, encoding: "xlsx" };
}

/** An xlsx file is a zip: it starts with `PK\x03\x04`. */
export const isXlsx = (bytes: Uint8Array) =>
  bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** A mapping that names a header the file lacks: refused before any row, naming the column. */
export class MappingError extends Error {
  override readonly name = "MappingError";
  readonly code = "invalid";
  constructor(
    readonly field: string,
    readonly column: string,
  ) {
    super(`文件中没有列“${column}”（对应字段 ${field}）`);
  }
}

/**
 * Parses and checks a register file. Rows that fail their register's schema are refused, each
 * with its row number and the column at fault; the others are returned. `onProgress` is told
 * every `progressEvery` rows.
 */
export async function parseRegisterFile<R extends RegisterName>(
  register: R,
  bytes: Uint8Array,
  mapping: ColumnMapping,
  opts: { onProgress?: (done: number, total: number) => void; progressEvery?: number } = {},
): Promise<ParsedRegister<R>> {
  const table = isXlsx(bytes) ? await xlsxTable(bytes) : csvTable(bytes);
  const index: [field: string, column: string, at: number][] = [];
  for (const [field, column] of Object.entries(mapping)) {
    const at = table.header.indexOf(column.trim());
    if (at < 0) throw new MappingError(field, column);
    index.push([field, column, at]);
  }
  const schema = REGISTERS[register].row;
  const rows: RegisterRow<R>[] = [];
  const errors: RowError[] = [];
  const every = opts.progressEvery ?? 10_000;
  const total = table.rows.length;
  for (let i = 0; i < total; i++) {
    const cells = table.rows[i]!;
    const candidate: Record<string, unknown> = {};
    for (const [field, , at] of index) {
      const v = cellValue(field, cells[at]);
      if (v !== undefined) candidate[field] = v;
    }
    const parsed = schema.safeParse(candidate);
    if (parsed.success) rows.push(parsed.data as RegisterRow<R>);
    else
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? "");
        errors.push({ row: i + 2, column: mapping[field] ?? field, field, message: issue.message });
      }
    if (opts.onProgress && ((i + 1) % every === 0 || i + 1 === total))
      opts.onProgress(i + 1, total);
  }
  return { encoding: table.encoding, rows, errors, total };
}

/** Where a register's row is kept in the agency's own bucket: by a hash of its record id. */
export const registerKey = (register: RegisterName, recordId: string) =>
  `register.${register}.${createHash("sha256").update(recordId).digest("hex").slice(0, 40)}`;

export type StoredCounts = { added: number; changed: number; unchanged: number };

/**
 * Keeps the rows in the agency's own bucket. A row already there with the same content is left
 * as it is (a re-import changes nothing); one with another content is replaced and counted.
 */
export async function storeRegisterRows<R extends RegisterName>(
  bucket: Bucket,
  register: R,
  rows: readonly RegisterRow<R>[],
  opts: { window?: number } = {},
): Promise<StoredCounts> {
  const counts: StoredCounts = { added: 0, changed: 0, unchanged: 0 };
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      const key = registerKey(register, row.recordId);
      const value = JSON.stringify(row);
      const had = await bucket.get(key);
      if (had && had.operation === "PUT" && had.string() === value) {
        counts.unchanged++;
        continue;
      }
      await bucket.put(key, value);
      if (had && had.operation === "PUT") counts.changed++;
      else counts.added++;
    }
  };
  await Promise.all(Array.from({ length: opts.window ?? 64 }, worker));
  return counts;
}
