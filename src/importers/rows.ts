import { withoutFormulaGuard } from '../writers/cells.js';
import type { Cell, RawRow, Table } from './types.js';

/**
 * Trims surrounding white space (String#trim covers non-breaking spaces and a stray BOM); empty becomes null. The
 * apostrophe our files put in front of a formula character (`'=1+2`, see writers/cells.ts) comes off again, so a
 * rejects file imports as the cells it was written from.
 */
export function textCell(value: string): Cell {
  const trimmed = withoutFormulaGuard(value.trim()).trim();
  return trimmed === '' ? null : trimmed;
}

/** Drops empty cells at the end so that a row padded with delimiters or formatting is not wider than its content. */
export function withoutTrailingEmpty(cells: Cell[]): Cell[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === null) end -= 1;
  return end === cells.length ? cells : cells.slice(0, end);
}

export const isEmptyRow = (row: RawRow) => row.cells.every((cell) => cell === null);

export function headerText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell;
  return cell.kind === 'date' ? cell.date : '';
}

/** Reads up to the first row that is not empty, then stops reading. Returns null when every row is empty. */
export async function findHeader(all: AsyncIterable<RawRow>): Promise<RawRow | null> {
  for await (const row of all) {
    if (!isEmptyRow(row)) return row;
  }
  return null;
}

/**
 * The rows below `headerRow` that hold something, counting into `stats` as they pass. Row numbers not yielded
 * between two yielded rows are counted as empty, which also covers rows an xlsx file does not store at all.
 */
export async function* dataRows(all: AsyncIterable<RawRow>, headerRow: number, stats: Table['stats']): AsyncGenerator<RawRow> {
  stats.emptyRows = 0;
  stats.dataRows = 0;
  let previous = headerRow;
  for await (const row of all) {
    if (row.row <= headerRow || isEmptyRow(row)) continue;
    stats.emptyRows += row.row - previous - 1;
    stats.dataRows += 1;
    previous = row.row;
    yield row;
  }
}
