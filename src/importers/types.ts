import type { Problem } from '../core/kernel/problems.js';

/**
 * One cell as read from the file. Text is trimmed (spaces, tabs, non-breaking spaces) and otherwise untouched;
 * an empty cell is `null`, never `''`.
 */
export type Cell =
  | string
  | { kind: 'date'; /** YYYY-MM-DD */ date: string }
  | { kind: 'formula'; /** the formula text; the file holds no cached value for it */ formula: string }
  | null;

export interface RawRow {
  /** The row number the spreadsheet program shows (the first line of a CSV file is row 1). */
  row: number;
  /** Cells by column position; trailing empty cells are dropped, so a row may be shorter than the headers. */
  cells: Cell[];
  /**
   * The cells of the row as the file writes them, trailing empty ones included, when there are more than `cells`
   * (a CSV line ending with delimiters): a row wider than the others was shifted by a delimiter inside a cell.
   */
  width?: number;
}

export interface Table {
  file: string;
  format: 'csv' | 'xlsx';
  /** The encoding a CSV file was decoded with; null for xlsx. */
  encoding: string | null;
  /** The delimiter of a CSV file; null for xlsx. */
  delimiter: string | null;
  /** The worksheet read; null for CSV. */
  sheet: string | null;
  /** Row number of the header row: the first row that is not empty. */
  headerRow: number;
  /** Header cells as written (trimmed); an empty header cell is `''`. */
  headers: string[];
  /** The cells of the header row, trailing empty ones included (`RawRow.width`); `headers.length` when absent. */
  headerWidth?: number;
  /** File-level problems found while opening (`encoding_guess`, `hidden_sheet`); complete once `openTable` has returned. */
  problems: Problem[];
  /**
   * The data rows below the header, fully empty rows skipped. Reads the file again from disk each time it is
   * iterated; breaking out of the loop closes the file.
   */
  rows: AsyncIterable<RawRow>;
  /**
   * Counts of the last (or current) pass over `rows`. `emptyRows` counts the empty rows between the header and
   * the last data row; empty rows after the last data row are not counted.
   */
  stats: { emptyRows: number; dataRows: number };
}
