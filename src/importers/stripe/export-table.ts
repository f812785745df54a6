/**
 * Opens one Stripe export and takes the card columns out of it before anything reads a value: the table handed
 * on (to the validator, the rejects file, the reports) has no card column and no payment method id at all.
 */
import { columnLetter } from '../../core/kernel/columns.js';
import { headerKey } from '../../core/import/header-mapping.js';
import { type Problem, problem } from '../../core/kernel/problems.js';
import { openTable } from '../open-table.js';
import type { Cell, RawRow, Table } from '../types.js';
import { exportColumns, exportFileNames, isCardColumn, isPaymentMethodId, metadataKey, type StripeColumn, type StripeExportKind } from './columns.js';

/** A data row of a card-free table. */
export interface StripeRawRow extends RawRow {
  /** Cells past the last header that held something (their values are dropped: they could be card data). */
  strayCells: number;
}

export interface StripeExport<K extends string = string> {
  kind: StripeExportKind;
  /** The file without its card columns; iterating `rows` yields `StripeRawRow`s. */
  table: Table & { rows: AsyncIterable<StripeRawRow> };
  /** Column key -> position in `table`. */
  index: Partial<Record<K, number>>;
  columns: readonly StripeColumn<K>[];
  /** `<key> (metadata)` columns: position in `table` and the custom field key. */
  metadata: ReadonlyArray<{ index: number; key: string; header: string }>;
  /** Headers of the card columns left out (names only). */
  droppedColumns: string[];
  /** File-level problems: encoding guess, missing and duplicate columns, one `custom_field` per metadata column. */
  problems: Problem[];
}

/** Headers only one kind of export has, to tell a user who swapped two files which file they gave. */
const signatures: Record<StripeExportKind, readonly string[]> = {
  customers: ['Delinquent', 'Account Balance', 'Business Vat ID'],
  subscriptions: ['Current Period End (UTC)', 'Current Period Start (UTC)', 'Customer ID'],
  prices: ['Price ID', 'Product Name', 'Interval Count'],
};

function looksLike(keys: ReadonlySet<string>, expected: StripeExportKind): StripeExportKind | null {
  for (const kind of ['customers', 'subscriptions', 'prices'] as const) {
    if (kind === expected) continue;
    const hits = signatures[kind].filter((h) => keys.has(headerKey(h))).length;
    if (hits >= 2) return kind;
  }
  return null;
}

/** Removes card values from a row of the file: whole columns by position, and payment method ids anywhere. */
function cleanRow(raw: RawRow, kept: readonly number[], width: number): StripeRawRow {
  const cells: Cell[] = kept.map((position) => {
    const cell = raw.cells[position] ?? null;
    return typeof cell === 'string' && isPaymentMethodId(cell) ? null : cell;
  });
  let end = cells.length;
  while (end > 0 && cells[end - 1] === null) end -= 1;
  let strayCells = 0;
  for (let i = width; i < raw.cells.length; i += 1) if (raw.cells[i] !== null && raw.cells[i] !== undefined) strayCells += 1;
  return { row: raw.row, cells: end === cells.length ? cells : cells.slice(0, end), strayCells };
}

/**
 * Maps the header row of a Stripe export by name: each known column by any of its names (case, spaces and
 * separators do not matter), `<key> (metadata)` columns to custom fields, everything else ignored.
 */
export function mapStripeHeaders<K extends string>(
  kind: StripeExportKind,
  headers: readonly string[],
  headerRow: number,
): Pick<StripeExport<K>, 'index' | 'columns' | 'metadata' | 'problems'> {
  const columns = exportColumns[kind] as unknown as readonly StripeColumn<K>[];
  const lookup = new Map<string, StripeColumn<K>>();
  for (const c of columns) for (const h of c.headers) lookup.set(headerKey(h), c);
  const index: Partial<Record<K, number>> = {};
  const metadata: Array<{ index: number; key: string; header: string }> = [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  const duplicate = (position: number, header: string, first: number, what: string) =>
    problems.push(
      problem({
        row: headerRow,
        column: header,
        value: header,
        code: 'duplicate_column',
        severity: 'error',
        message: `Columns ${columnLetter(first)} ("${headers[first]}") and ${columnLetter(position)} ("${header}") are both ${what}: keep only one`,
      }),
    );
  for (const [position, raw] of headers.entries()) {
    const header = raw.trim();
    if (header === '') continue;
    const meta = metadataKey(header);
    // prices' metadata has nowhere to go: ignored like any other column
    if (meta !== null && kind === 'prices') continue;
    if (meta !== null) {
      const first = seen.get(`meta:${meta}`);
      if (first !== undefined) {
        duplicate(position, header, first, `the metadata "${meta}"`);
        continue;
      }
      seen.set(`meta:${meta}`, position);
      metadata.push({ index: position, key: meta, header });
      problems.push(
        problem({
          row: headerRow,
          column: header,
          value: header,
          code: 'custom_field',
          severity: 'warning',
          message: `the Stripe metadata "${meta}" is imported as the custom field "${meta}"`,
        }),
      );
      continue;
    }
    const known = lookup.get(headerKey(header));
    if (!known) continue;
    const first = index[known.key];
    if (first !== undefined) duplicate(position, header, first, `the "${known.headers[0]}" column`);
    else index[known.key] = position;
  }
  const keys = new Set(headers.map(headerKey));
  const other = looksLike(keys, kind);
  for (const c of columns) {
    if (!c.required || index[c.key] !== undefined) continue;
    const names = c.headers.map((h) => `"${h}"`).join(' or ');
    const why = other ? ` (this looks like the Stripe ${other} export, ${exportFileNames[other]}: is it the right file?)` : '';
    problems.push(
      problem({
        row: headerRow,
        column: c.headers[0]!,
        code: 'missing_column',
        severity: 'error',
        message: `no ${names} column: the Stripe ${kind} export (${exportFileNames[kind]}) has one${why}`,
      }),
    );
  }
  return { index, columns, metadata, problems };
}

/**
 * Opens a Stripe export (CSV, or a workbook it was re-saved as). Throws a UserError naming the file when it is
 * missing, unreadable or has no header (as `openTable`); column problems are returned, never thrown.
 */
export async function openStripeExport<K extends string>(file: string, kind: StripeExportKind, path?: string): Promise<StripeExport<K>> {
  const source = await openTable(file, { path });
  const kept: number[] = [];
  const droppedColumns: string[] = [];
  source.headers.forEach((header, position) => {
    if (isCardColumn(header) || isCardColumn(metadataKey(header) ?? '')) droppedColumns.push(header.trim());
    else kept.push(position);
  });
  const headers = kept.map((position) => source.headers[position]!);
  const width = source.headers.length;
  const rows: AsyncIterable<StripeRawRow> = {
    async *[Symbol.asyncIterator]() {
      for await (const raw of source.rows) yield cleanRow(raw, kept, width);
    },
  };
  const table = { ...source, headers, rows };
  // stats are filled while `source.rows` is read: share the object
  table.stats = source.stats;
  const mapped = mapStripeHeaders<K>(kind, headers, source.headerRow);
  return { kind, table, ...mapped, droppedColumns, problems: [...source.problems, ...mapped.problems] };
}
