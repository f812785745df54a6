/**
 * The one place cells become CSV or xlsx, for every file and every CSV on stdout that memberctl writes.
 * Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
 * made inert: prefixed with an apostrophe in CSV, a text cell in xlsx (exceljs writes a formula only for a
 * `{ formula }` value, never for a string). Numbers stay numbers: a JS number is written as it is, and so is text
 * that is only a negative number (`-12.50`), which no spreadsheet runs. Our readers take the apostrophe off again
 * (`withoutFormulaGuard`), so a rejects file fixed and imported again gives back the cells as they were.
 */
import { stringify } from 'csv-stringify/sync';

export type CellValue = string | number | Date | null | undefined;

const formulaStart = /^'*[=+\-@\t\r]/;
const negativeNumber = /^-\d+([.,]\d+)?$/;

/**
 * A text cell for CSV: a value that a spreadsheet would run as a formula gets an apostrophe in front. A value
 * that already starts with apostrophes before such a character gets one more, so that reading takes exactly one off.
 */
export function formulaSafe(text: string): string {
  return formulaStart.test(text) && !negativeNumber.test(text) ? `'${text}` : text;
}

/** The inverse of `formulaSafe` for text read from a file: the apostrophe in front of a formula character comes off. */
export function withoutFormulaGuard(text: string): string {
  return /^'+[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

/** A cell as CSV text: numbers as they are, dates as YYYY-MM-DD, empty as ''. */
export function csvCell(value: CellValue): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return formulaSafe(value);
}

export interface CsvOptions {
  delimiter?: string;
  /** CRLF line ends (Excel's) instead of LF */
  crlf?: boolean;
}

/** Rows as CSV lines (quoted where needed), every cell through `csvCell`. */
export function csvLines(rows: ReadonlyArray<readonly CellValue[]>, options: CsvOptions = {}): string {
  return stringify(
    rows.map((row) => row.map(csvCell)),
    { delimiter: options.delimiter ?? ',', record_delimiter: options.crlf ? 'windows' : 'unix' },
  );
}

/** The byte order mark that makes Excel read a CSV file as UTF-8. */
export const utf8Bom = '\uFEFF';

/** A cell for exceljs: text stays a text cell (never a formula), numbers and dates keep their type. */
export function xlsxCell(value: CellValue): string | number | Date | null {
  if (value === null || value === undefined) return null;
  return value;
}
