// CSV tables (results, curves) through papaparse.
import * as fs from 'fs';
import Papa from 'papaparse';
import { writeFileAtomic } from './atomic';

export type Row = Record<string, string | number | boolean | null>;

export function writeCsv(file: string, rows: Row[]): void {
  if (rows.length === 0) throw new Error(`refusing to write ${file}: no rows`);
  writeFileAtomic(file, Papa.unparse(rows, { newline: '\n' }) + '\n');
}

/** Reads a CSV with a header row; numbers and booleans come back typed. */
export function readCsv(file: string): Row[] {
  if (!fs.existsSync(file)) throw new Error(`no CSV file at ${file}`);
  const parsed = Papa.parse<Row>(fs.readFileSync(file, 'utf8'), { header: true, dynamicTyping: true, skipEmptyLines: true });
  if (parsed.errors.length > 0) {
    const e = parsed.errors[0];
    throw new Error(`${file}: ${e.message} (row ${e.row})`);
  }
  return parsed.data;
}
