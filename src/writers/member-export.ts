/**
 * Writes a `members export` (core/people/member-export.ts) as CSV, xlsx or JSON through the shared table writer:
 * dates are date cells in xlsx, amounts numbers in their currency's decimals, empty cells empty.
 */
import type { ExportCell, MemberExport } from '../core/people/member-export.js';
import { writeOutput } from '../safe-file.js';
import { type ExportColumn, exportTableCsv, exportTableXlsx } from './table-export.js';

type Row = MemberExport['rows'][number];

const cellValue = (cell: ExportCell): string | number | null => (cell === null ? null : cell.kind === 'amount' ? cell.text : cell.value);

function columns(exported: MemberExport): ExportColumn<Row>[] {
  return exported.headers.map((header, i) => ({ header, kind: exported.kinds[i]!, value: (row: Row) => cellValue(row.cells[i] ?? null) }));
}

export type MemberExportTarget = { file: string; flag: string } | { stream: NodeJS.WritableStream };

export async function writeMemberExport(exported: MemberExport, format: 'csv' | 'xlsx' | 'json', target: MemberExportTarget): Promise<void> {
  switch (format) {
    case 'csv':
      return exportTableCsv(columns(exported), exported.rows, target);
    case 'xlsx':
      if (!('file' in target)) throw new Error('an xlsx export is written to a file');
      return exportTableXlsx(columns(exported), exported.rows, target.file, target.flag, 'Members');
    case 'json': {
      // one object per row, keyed by the headers, amounts as the decimal text (never a rounded float)
      const objects = exported.rows.map((row) => Object.fromEntries(exported.headers.map((h, i) => [h, cellValue(row.cells[i] ?? null)])));
      const text = `${JSON.stringify(objects, null, 2)}\n`;
      if ('file' in target) await writeOutput(target.file, target.flag, (out) => out.write(text));
      else target.stream.write(text);
    }
  }
}
