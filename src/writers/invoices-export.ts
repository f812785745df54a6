/**
 * `invoices export`: one row per invoice line, as CSV (csv-stringify) or xlsx (exceljs, streamed to the file), written
 * through the safe-file module. Cells go through the shared cell writer: text that a spreadsheet would run as a
 * formula is inert (an apostrophe in CSV, a text cell in xlsx); amounts, quantities and rates stay numbers.
 */
import type { ExportRow } from '../core/billing/invoices.js';
import { minorUnits } from '../core/kernel/money.js';
import { writeOutput } from '../safe-file.js';
import { csvLines, utf8Bom, xlsxCell } from './cells.js';

export type ExportFormat = 'csv' | 'xlsx';

interface Column {
  header: string;
  kind: 'text' | 'date' | 'amount' | 'number';
  value: (row: ExportRow) => string | number;
}

const columns: Column[] = [
  { header: 'Number', kind: 'text', value: (r) => r.number },
  { header: 'Date', kind: 'date', value: (r) => r.date },
  { header: 'Due date', kind: 'date', value: (r) => r.dueDate },
  { header: 'Payer', kind: 'text', value: (r) => r.payer },
  { header: 'Company', kind: 'text', value: (r) => r.company },
  { header: 'Member', kind: 'text', value: (r) => r.member },
  { header: 'Plan', kind: 'text', value: (r) => r.plan },
  { header: 'Description', kind: 'text', value: (r) => r.description },
  { header: 'Period start', kind: 'date', value: (r) => r.periodStart },
  { header: 'Period end', kind: 'date', value: (r) => r.periodEnd },
  { header: 'Quantity', kind: 'number', value: (r) => r.quantity },
  { header: 'Unit price', kind: 'amount', value: (r) => r.unitPrice },
  { header: 'Net', kind: 'amount', value: (r) => r.net },
  { header: 'Tax rate', kind: 'number', value: (r) => r.taxRate },
  { header: 'Tax', kind: 'amount', value: (r) => r.tax },
  { header: 'Total', kind: 'amount', value: (r) => r.total },
  { header: 'Currency', kind: 'text', value: (r) => r.currency },
  { header: 'Status', kind: 'text', value: (r) => r.status },
  // last, so that scripts reading the columns by position before it existed read the same
  { header: 'Member number', kind: 'text', value: (r) => r.memberNumber },
];

/**
 * The CSV text of the rows (header line first), into `-o FILE` (with a UTF-8 BOM, for Excel) or a stream (stdout).
 * A file is written whole or not at all.
 */
export async function exportCsv(rows: readonly ExportRow[], target: { file: string; flag: string } | { stream: NodeJS.WritableStream }): Promise<void> {
  const cells = (row: ExportRow) => columns.map((c) => (c.kind === 'text' ? String(c.value(row)) : c.value(row)));
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

/** An xlsx workbook with an `Invoices` sheet: dates as dates, amounts as numbers, text as text cells. */
export async function exportXlsx(rows: readonly ExportRow[], file: string, flag: string): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  await writeOutput(file, flag, async (out) => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream(), useSharedStrings: false, useStyles: true });
    const sheet = workbook.addWorksheet('Invoices', { views: [{ state: 'frozen', ySplit: 1 }] });
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
      const values = columns.map((c): Date | number | string => {
        const value = c.value(row);
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
