/**
 * Table exports (`invoices export`, `payments export`, `members export`, `memberships list`): rows as CSV (csv-stringify) or xlsx (exceljs, streamed to the
 * file), written through the safe-file module. Cells go through the shared cell writer: text that a spreadsheet would
 * run as a formula is inert (an apostrophe in CSV, a text cell in xlsx); amounts, quantities and rates stay numbers.
 */
import { minorUnits } from '../core/kernel/money.js';
import { writeOutput } from '../safe-file.js';
import { csvLines, utf8Bom, xlsxCell } from './cells.js';

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportColumn<R> {
  header: string;
  kind: 'text' | 'date' | 'amount' | 'number';
  /** null: an empty cell */
  value: (row: R) => string | number | null;
}

/**
 * The CSV text of the rows (header line first), into `-o FILE` (with a UTF-8 BOM, for Excel) or a stream (stdout).
 * A file is written whole or not at all.
 */
export async function exportTableCsv<R>(columns: readonly ExportColumn<R>[], rows: readonly R[], target: { file: string; flag: string } | { stream: NodeJS.WritableStream }): Promise<void> {
  const cells = (row: R) =>
    columns.map((c) => {
      const value = c.value(row);
      return value === null ? null : c.kind === 'text' ? String(value) : value;
    });
  const chunks = function* () {
    yield csvLines([columns.map((c) => c.header)]);
    for (let i = 0; i < rows.length; i += 2000) yield csvLines(rows.slice(i, i + 2000).map(cells));
  };
  if ('file' in target) {
    await writeOutput(target.file, target.flag, (out) => {
      out.write(utf8Bom);
      for (const chunk of chunks()) out.write(chunk);
    });
    return;
  }
  for (const chunk of chunks()) target.stream.write(chunk);
}

/** An xlsx workbook with one sheet: dates as dates, amounts as numbers in the currency's decimals, text as text cells. */
export async function exportTableXlsx<R extends { currency: string }>(columns: readonly ExportColumn<R>[], rows: readonly R[], file: string, flag: string, sheetName: string): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  await writeOutput(file, flag, async (out) => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream(), useSharedStrings: false, useStyles: true });
    const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = columns.map((c) => ({
      header: c.header,
      width: c.kind === 'text' ? 24 : 12,
      style: c.kind === 'date' ? { numFmt: 'yyyy-mm-dd' } : {},
    }));
    sheet.getRow(1).font = { bold: true };
    sheet.getRow(1).commit();
    for (const row of rows) {
      const decimals = minorUnits(row.currency);
      const amountFormat = decimals === 0 ? '#,##0' : `#,##0.${'0'.repeat(decimals)}`;
      const values = columns.map((c): Date | number | string | null => {
        const value = c.value(row);
        if (value === null) return null;
        if (c.kind === 'date') return new Date(`${value}T00:00:00Z`);
        if (c.kind === 'amount' || c.kind === 'number') return Number(value);
        return String(value);
      });
      const added = sheet.addRow(values.map(xlsxCell));
      columns.forEach((c, i) => {
        if (c.kind === 'amount') added.getCell(i + 1).numFmt = amountFormat;
      });
      added.commit();
    }
    await workbook.commit();
  });
}
