/**
 * The payments a statement's credits make, written a batch at a time: the rules of `payments record` (a payment is
 * dated on or after its invoice, never repeats one recorded on it, pays an open invoice, the rest being the payer's
 * credit; the invoice paid gets its receipt and its plan's credits) applied to a few hundred payments with a
 * handful of queries, where one payment at a time costs a dozen. The caller tracks what each invoice still owes.
 */
import type { Queryable } from '../../db/connect.js';
import type { Payment } from '../../db/types.js';
import { grantForPaidInvoices } from '../billing/credits.js';
import { reconcileInvoice } from '../billing/invoice-balance.js';
import { paymentSummary } from '../billing/payments.js';
import { type AuditSource, recordAudits } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { queueMessages } from '../mail/outbox.js';

/** An open invoice as a statement import follows it: `due` is what it still owes after the payments of the import. */
export interface OpenInvoice {
  id: number;
  number: string;
  date: string;
  total: number;
  currency: string;
  payerId: number | null;
  payerName: string;
  status: 'open' | 'paid' | 'void';
  due: number;
}

export interface PaymentToRecord {
  invoice: OpenInvoice;
  amount: number;
  date: IsoDate;
  reference: string | null;
  /** filled in when written: the payment's id, and what went beyond the total as the payer's credit */
  recorded: { id: number; creditChange: number } | null;
}

const signature = (invoiceId: number, amount: number, date: string, reference: string | null) => `${invoiceId}\u0000${amount}\u0000${date}\u0000${reference ?? ''}`;

/** The transfers recorded on these invoices and not cancelled, to tell a payment that repeats one. */
export async function recordedTransfers(trx: Queryable, invoiceIds: readonly number[]): Promise<Map<string, Payment>> {
  const found = new Map<string, Payment>();
  const ids = [...new Set(invoiceIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await trx.selectFrom('payments').selectAll().where('invoice_id', 'in', ids.slice(i, i + 500)).where('status', '=', 'recorded').where('method', '=', 'transfer').execute();
    for (const p of rows) found.set(signature(p.invoice_id, p.amount, p.date, p.reference), p);
  }
  return found;
}

/** The payment recorded already that this one would repeat (same invoice, amount, date and reference), if any. */
export function repeatedTransfer(recorded: ReadonlyMap<string, Payment>, payment: Omit<PaymentToRecord, 'recorded'>): Payment | undefined {
  return recorded.get(signature(payment.invoice.id, payment.amount, payment.date, payment.reference));
}

/** Writes the payments, in order, with their invoices' statuses, receipts, credits, plans' grants and audit entries. */
export async function recordTransfers(trx: Queryable, payments: readonly PaymentToRecord[], source: AuditSource): Promise<void> {
  if (payments.length === 0) return;
  const written: Payment[] = [];
  for (let i = 0; i < payments.length; i += 100) {
    const rows = await trx
      .insertInto('payments')
      .values(
        payments.slice(i, i + 100).map((p) => ({
          invoice_id: p.invoice.id,
          amount: p.amount,
          currency: p.invoice.currency,
          method: 'transfer' as const,
          date: p.date,
          reference: p.reference,
          status: 'recorded' as const,
          cancel_reason: null,
          created_at: source.at,
          idempotency_key: null,
        })),
      )
      .returningAll()
      .execute();
    // ids are given in the order of the rows inserted
    written.push(...rows.sort((a, b) => a.id - b.id));
  }
  for (let i = 0; i < payments.length; i += 1) payments[i]!.recorded = { id: written[i]!.id, creditChange: 0 };
  await recordAudits(
    trx,
    source,
    written.map((payment, i) => ({
      action: 'insert',
      entity: 'payments',
      entityId: payment.id,
      memberId: payments[i]!.invoice.payerId,
      after: payment,
      summary: paymentSummary(payment, payments[i]!.invoice.number),
    })),
  );

  // each invoice's last payment of the batch is the one that pays it, if any does: an invoice paid already takes none
  const last = new Map<number, PaymentToRecord>();
  for (const p of payments) last.set(p.invoice.id, p);
  const paid: PaymentToRecord[] = [];
  for (const p of last.values()) {
    if (p.invoice.due < 0) {
      // beyond the total: the payer's credit, as `payments record` writes it
      const invoice = await trx.selectFrom('invoices').selectAll().where('id', '=', p.invoice.id).executeTakeFirstOrThrow();
      const settled = await reconcileInvoice(trx, invoice, { date: p.date, paymentId: p.recorded!.id, source });
      p.recorded!.creditChange = settled.creditChange;
      p.invoice.status = settled.invoice.status;
    } else if (p.invoice.due === 0) paid.push(p);
  }
  const ids = paid.map((p) => p.invoice.id);
  for (let i = 0; i < ids.length; i += 500) await trx.updateTable('invoices').set({ status: 'paid' }).where('id', 'in', ids.slice(i, i + 500)).where('status', '=', 'open').execute();
  for (const p of paid) p.invoice.status = 'paid';
  await queueMessages(
    trx,
    paid.map((p) => ({ kind: 'receipt' as const, subjectId: p.invoice.id, stage: `payment-${p.recorded!.id}` })),
    { now: source.at },
  );
  // the plans' credits and passes of an invoice are granted as of the payment that pays it
  const byDate = new Map<IsoDate, number[]>();
  for (const p of paid) {
    const same = byDate.get(p.date);
    if (same) same.push(p.invoice.id);
    else byDate.set(p.date, [p.invoice.id]);
  }
  for (const [date, invoiceIds] of byDate) await grantForPaidInvoices(trx, invoiceIds, { date, source });
}
