/** `payments export`: one row per payment (the table export of `table-export.ts`). */
import type { PaymentRow } from '../core/billing/payments.js';
import { formatAmount } from '../core/kernel/money.js';
import { type ExportColumn, exportTableCsv, exportTableXlsx } from './table-export.js';

const columns: ExportColumn<PaymentRow>[] = [
  { header: 'ID', kind: 'number', value: (p) => p.id },
  { header: 'Date', kind: 'date', value: (p) => p.date },
  { header: 'Invoice', kind: 'text', value: (p) => p.invoice_number },
  { header: 'Payer', kind: 'text', value: (p) => p.payer_name },
  { header: 'Amount', kind: 'amount', value: (p) => formatAmount(p.amount, p.currency) },
  { header: 'Currency', kind: 'text', value: (p) => p.currency },
  { header: 'Method', kind: 'text', value: (p) => p.method },
  { header: 'Reference', kind: 'text', value: (p) => p.reference ?? '' },
  { header: 'Status', kind: 'text', value: (p) => p.status },
  { header: 'Cancel reason', kind: 'text', value: (p) => p.cancel_reason ?? '' },
];

/** The CSV text of the payments (header line first), into `-o FILE` (with a UTF-8 BOM, for Excel) or a stream. */
export const exportPaymentsCsv = (rows: readonly PaymentRow[], target: { file: string; flag: string } | { stream: NodeJS.WritableStream }) => exportTableCsv(columns, rows, target);

/** An xlsx workbook with a `Payments` sheet. */
export const exportPaymentsXlsx = (rows: readonly PaymentRow[], file: string, flag: string) => exportTableXlsx(columns, rows, file, flag, 'Payments');
