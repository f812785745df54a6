/**
 * `invoices export`: one row per invoice line, as CSV (csv-stringify) or xlsx (exceljs, streamed to the file).
 * Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) is written
 * as text: prefixed with an apostrophe in CSV, a text cell (never a formula) in xlsx.
 */
import fs from 'node:fs';
import type { ExportRow } from '../core/invoices.js';
import { minorUnits } from '../core/money.js';

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
];

/** A value a spreadsheet would evaluate as a formula, made inert for CSV. */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The CSV text of the rows (header line first); written to a file, it starts with a UTF-8 BOM for Excel. */
export async function exportCsv(rows: readonly ExportRow[], target: { file: string } | { stream: NodeJS.WritableStream }): Promise<void> {
  const { stringify } = await import('csv-stringify/sync');
  const cells = (row: ExportRow) => columns.map((c) => (c.kind === 'text' ? neutralizeFormula(String(c.value(row))) : c.value(row)));
  const chunks: string[] = [stringify([columns.map((c) => c.header)])];
  for (let i = 0; i < rows.length; i += 2000) chunks.push(stringify(rows.slice(i, i + 2000).map(cells)));
  if ('file' in target) {
    fs.writeFileSync(target.file, `\uFEFF${chunks.join('')}`);
    return;
  }
  for (const chunk of chunks) target.stream.write(chunk);
}

/** An xlsx workbook with an `Invoices` sheet: dates as dates, amounts as numbers, text as text cells. */
export async function exportXlsx(rows: readonly ExportRow[], file: string): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: true });
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
      // a plain string is a text cell: exceljs writes a formula only for { formula } values
      return String(value);
    });
    const added = sheet.addRow(values);
    columns.forEach((c, i) => {
      if (c.kind === 'amount') added.getCell(i + 1).numFmt = amountFormat;
    });
    added.commit();
  }
  await workbook.commit();
}
