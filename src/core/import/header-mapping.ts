import { problem } from '../kernel/problems.js';
import type { Problem } from '../kernel/problems.js';
import { columnLetter } from '../kernel/columns.js';
import { closest, normalizeName } from '../kernel/suggest.js';
import { knownHeaders } from './template-columns.js';
import type { MemberColumnKey, TemplateColumn } from './template-columns.js';
import type { RawRow } from '../../importers/types.js';

export interface HeaderMapping<K extends string = MemberColumnKey> {
  /** Column position (0-based) -> template column. */
  columns: Map<number, K>;
  /** Column position -> custom field key: the header as written. */
  customFields: Map<number, string>;
  /**
   * Positions whose header cell is empty, between named columns. A value below one has nowhere to go: the
   * validator reports it like a cell beyond the last header (`extra_cells`); see `cellsWithoutHeader`.
   */
  unnamed: number[];
  /** File-level problems, on the header row. */
  problems: Problem[];
}

export interface MapHeadersOptions<K extends string = MemberColumnKey> {
  /** Row number of the header row, for the problems; 1 by default. */
  headerRow?: number;
  /** Positions whose template column a column mapping gives (`--column`), whatever their header says. */
  assigned?: ReadonlyMap<number, K>;
  /** Positions a column mapping leaves out: neither a template column nor a custom field. */
  ignored?: ReadonlySet<number>;
}

/**
 * The form in which two headers are the same column: case, accents, white space, `_`, `-`, `.`, a curly
 * apostrophe and a trailing `*` or `:` do not matter ("start_date", "Date de debut", "E-mail *").
 */
export function headerKey(header: string): string {
  return header
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/[\s_.-]+/g, '')
    .replace(/[*:]+$/, '');
}

const words = (text: string) => normalizeName(text).split(' ').filter(Boolean);

/** "Emial" for "Email": plain edit distance counts a swap of two neighbours as two edits. */
function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] !== b[i]) diff.push(i);
    if (diff.length > 2) return false;
  }
  const [i, j] = diff;
  return i !== undefined && j === i + 1 && a[i] === b[j] && a[j] === b[i];
}

/**
 * The known header `header` was probably meant to be, or null. A header that holds every word of a known one
 * and more ("Email 2", "Start date (old)") is a column of its own, not a typo.
 */
function nearMiss(header: string, candidates: readonly string[]): string | null {
  const own = words(header);
  const plausible = candidates.filter((candidate) => {
    const theirs = words(candidate);
    return !(own.length > theirs.length && theirs.every((word) => own.includes(word)));
  });
  const found = closest(header, plausible);
  if (found) return found;
  const normalized = normalizeName(header);
  return plausible.find((candidate) => isSwap(normalized, normalizeName(candidate))) ?? null;
}

/**
 * Maps the header row of an imported file to template columns and custom fields. Headers are matched in
 * English, French or an alias, ignoring case, accents and separators (`headerKey`). Never throws: problems are
 * returned.
 *
 * - `missing_column` (error): no column for an `always` column; and when the file has some `withPlan` columns but
 *   not all of them. A file without any `withPlan` column is a file of contacts.
 * - `duplicate_column` (error): two headers for the same column (or the same custom field); the first is used.
 * - `unknown_column` (warning): a header close to a known one ("Emial"), with it as the suggestion; the column
 *   is not used.
 * - `custom_field` (warning, once per column): any other header; its values become that custom field.
 */
export function mapHeaders<K extends string>(
  headers: readonly string[],
  columns: readonly TemplateColumn<K>[],
  options: MapHeadersOptions<K> = {},
): HeaderMapping<K> {
  const row = options.headerRow ?? 1;
  const lookup = new Map<string, { column: TemplateColumn<K>; french: boolean }>();
  for (const column of columns) {
    const english = headerKey(column.header);
    for (const known of knownHeaders(column)) {
      const key = headerKey(known);
      if (!lookup.has(key)) lookup.set(key, { column, french: key !== english && column.frenchHeaders.some((fr) => headerKey(fr) === key) });
    }
  }
  const candidates = columns.flatMap(knownHeaders);

  const mapping: HeaderMapping<K> = { columns: new Map(), customFields: new Map(), unnamed: [], problems: [] };
  const firstPosition = new Map<string, number>();
  const nearMisses = new Map<K, string>();
  let frenchVotes = 0;

  const duplicate = (index: number, header: string, first: number, what: string) => {
    mapping.problems.push(
      problem({
        row,
        column: header,
        value: header,
        code: 'duplicate_column',
        severity: 'error',
        message: `Columns ${columnLetter(first)} ("${headers[first]?.trim()}") and ${columnLetter(index)} ("${header}") are both ${what}: keep only one`,
      }),
    );
  };

  headers.forEach((raw, index) => {
    const header = raw.trim();
    if (options.ignored?.has(index)) return;
    if (header === '') {
      mapping.unnamed.push(index);
      return;
    }
    const key = headerKey(header);
    const assigned = options.assigned?.get(index);
    const known = assigned === undefined ? lookup.get(key) : { column: columns.find((c) => c.key === assigned)!, french: null };
    if (known) {
      const { column } = known;
      const first = firstPosition.get(`column:${column.key}`);
      if (first !== undefined) {
        duplicate(index, header, first, `the "${column.header}" column`);
        return;
      }
      firstPosition.set(`column:${column.key}`, index);
      mapping.columns.set(index, column.key);
      // a mapped header says nothing of the file's language
      if (known.french !== null) frenchVotes += known.french ? 1 : -1;
      return;
    }
    const suggestion = nearMiss(header, candidates);
    if (suggestion) {
      const meant = lookup.get(headerKey(suggestion));
      if (meant) nearMisses.set(meant.column.key, header);
      mapping.problems.push(
        problem({
          row,
          column: header,
          value: header,
          code: 'unknown_column',
          severity: 'warning',
          message: `Column ${columnLetter(index)} "${header}" is not a template column and is ignored`,
          suggestion,
        }),
      );
      return;
    }
    const first = firstPosition.get(`custom:${key}`);
    if (first !== undefined) {
      duplicate(index, header, first, 'the same custom field');
      return;
    }
    firstPosition.set(`custom:${key}`, index);
    mapping.customFields.set(index, header);
    mapping.problems.push(
      problem({
        row,
        column: header,
        value: header,
        code: 'custom_field',
        severity: 'warning',
        message: `Column ${columnLetter(index)} "${header}" is not a template column: its values are imported as the custom field "${header}"`,
      }),
    );
  });

  const present = new Set(mapping.columns.values());
  const display = (column: TemplateColumn<K>) => (frenchVotes > 0 ? (column.frenchHeaders[0] ?? column.header) : column.header);
  const missing = (column: TemplateColumn<K>, why: string) => {
    const typo = nearMisses.get(column.key);
    mapping.problems.push(
      problem({
        row,
        column: display(column),
        code: 'missing_column',
        severity: 'error',
        message: `No "${display(column)}" column: ${why}${typo ? ` (rename "${typo}" if it is meant to be this column)` : ''}`,
      }),
    );
  };
  for (const column of columns) {
    if (column.required === 'always' && !present.has(column.key)) missing(column, 'it is required');
  }
  const planColumns = columns.filter((column) => column.required === 'withPlan');
  const planColumnsPresent = planColumns.filter((column) => present.has(column.key));
  if (planColumnsPresent.length > 0) {
    const names = planColumns.map((column) => `"${display(column)}"`).join(', ');
    for (const column of planColumns) {
      if (!present.has(column.key)) missing(column, `a file with memberships needs all of ${names}`);
    }
  }
  return mapping;
}

/** The template column a header names (in English, French or an alias, as `mapHeaders` reads it), or undefined. */
export function templateColumnNamed<K extends string>(header: string, columns: readonly TemplateColumn<K>[]): TemplateColumn<K> | undefined {
  const key = headerKey(header);
  if (key === '') return undefined;
  return columns.find((column) => knownHeaders(column).some((known) => headerKey(known) === key));
}

/** Positions of the cells that hold a value but have no header above them (empty header, or past the last one). */
export function cellsWithoutHeader(cells: readonly unknown[], headers: readonly string[]): number[] {
  const positions: number[] = [];
  cells.forEach((cell, index) => {
    if (cell !== null && cell !== undefined && (headers[index] ?? '').trim() === '') positions.push(index);
  });
  return positions;
}

/** How wide the data rows of a file are (`RawRow.width`), counted in the first pass for `rowWidth`. */
export interface RowWidths {
  /** rows no wider than the header */
  fitting: number;
  /** width -> rows of that width, for rows wider than the header */
  wider: Map<number, number>;
}

export const noRowWidths = (): RowWidths => ({ fitting: 0, wider: new Map() });

export function countRowWidth(widths: RowWidths, headerWidth: number, row: RawRow): void {
  const width = row.width ?? row.cells.length;
  if (width <= headerWidth) widths.fitting += 1;
  else widths.wider.set(width, (widths.wider.get(width) ?? 0) + 1);
}

/**
 * The most cells a row may have: the header's, unless most rows are wider by the same empty cells (a delimiter at
 * the end of every line but the header's), then theirs. A wider row was shifted by a delimiter inside a cell.
 */
export function rowWidth(widths: RowWidths, headerWidth: number): number {
  let common = headerWidth;
  let count = 0;
  for (const [width, rows] of widths.wider) {
    if (rows > count || (rows === count && width < common)) {
      common = width;
      count = rows;
    }
  }
  return count > widths.fitting ? common : headerWidth;
}
