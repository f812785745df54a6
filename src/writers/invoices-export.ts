/** `invoices export`: one row per invoice line (the table export of `table-export.ts`). */
import type { ExportRow } from '../core/billing/invoices.js';
import { type ExportColumn, exportTableCsv, exportTableXlsx } from './table-export.js';

export type { ExportFormat } from './table-export.js';

const columns: ExportColumn<ExportRow>[] = [
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

/** The CSV text of the rows (header line first), into `-o FILE` (with a UTF-8 BOM, for Excel) or a stream (stdout). */
export const exportCsv = (rows: readonly ExportRow[], target: { file: string; flag: string } | { stream: NodeJS.WritableStream }) => exportTableCsv(columns, rows, target);

/** An xlsx workbook with an `Invoices` sheet. */
export const exportXlsx = (rows: readonly ExportRow[], file: string, flag: string) => exportTableXlsx(columns, rows, file, flag, 'Invoices');
