/**
 * The review of a statement import (`payments import --review FILE`): one row per entry with what it became, as
 * CSV (UTF-8 with a BOM, for Excel) or xlsx, chosen by the file's extension. Written through the safe-file module:
 * whole or not at all, cells never read as formulas.
 */
import path from 'node:path';
import type { ImportedEntry } from '../core/bank/statement-import.js';
import { formatAmount } from '../core/kernel/money.js';
import { usageError } from '../errors.js';
import { writeOutput } from '../safe-file.js';
import { csvLines, utf8Bom, xlsxCell } from './cells.js';

export type ReviewFormat = 'csv' | 'xlsx';

/** The review's format from its extension; anything else is a usage error (64). */
export function reviewFormat(file: string): ReviewFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.xlsx') return ext.slice(1) as ReviewFormat;
  throw usageError(`--review ${file}: the review must end in .csv or .xlsx`);
}

const headers = ['Where', 'Date', 'Direction', 'Amount', 'Currency', 'Reference', 'Label', 'Debtor', 'Status', 'Invoice', 'Payment', 'Note'] as const;

const cells = (e: ImportedEntry) => [
  e.at,
  e.date,
  e.direction,
  formatAmount(e.direction === 'debit' ? -e.amount : e.amount, e.currency),
  e.currency,
  e.reference,
  e.label,
  e.debtor,
  e.status,
  e.invoice,
  e.payment,
  e.note,
];

export async function writeBankReview(file: string, entries: readonly ImportedEntry[]): Promise<void> {
  const format = reviewFormat(file);
  await writeOutput(file, '--review', async (out) => {
    if (format === 'csv') {
      out.write(`${utf8Bom}${csvLines([[...headers]])}`);
      for (let i = 0; i < entries.length; i += 2000) out.write(csvLines(entries.slice(i, i + 2000).map(cells)));
      return;
    }
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream(), useSharedStrings: false, useStyles: true });
    const sheet = workbook.addWorksheet('Entries', { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = headers.map((header) => ({ header, width: header === 'Label' || header === 'Note' ? 50 : 14 }));
    sheet.getRow(1).font = { bold: true };
    for (const entry of entries) {
      const values = cells(entry);
      // amounts as numbers, so that the sheet sums them
      values[3] = Number(values[3]);
      sheet.addRow(values.map((v) => (typeof v === 'number' ? v : xlsxCell(v)))).commit();
    }
    sheet.commit();
    await workbook.commit();
  });
}
