/**
 * What an invoice's payments settle: its status (`paid` once its total less its partial credit notes is paid,
 * `open` again when a payment is cancelled) and the credit its overpayment gives the payer. The credit is kept as ledger entries whose sum per
 * invoice always equals what was paid beyond the total (everything paid, for a void invoice); each change adds
 * an entry for the difference, so the history stays readable and a balance is always a sum.
 */
import type { Queryable } from '../../db/connect.js';
import type { Invoice } from '../../db/types.js';
import type { AuditSource } from '../kernel/audit.js';
import { settleInvoiceGrants } from './credits.js';
import type { IsoDate } from '../kernel/dates.js';
import { formatAmount, type MinorAmount } from '../kernel/money.js';
import { queueMessages } from '../mail/outbox.js';

/** Sum of the recorded (not cancelled) payments of each invoice; absent when nothing was paid. */
export async function paidAmounts(db: Queryable, invoiceIds: readonly number[]): Promise<Map<number, MinorAmount>> {
  const paid = new Map<number, MinorAmount>();
  for (let i = 0; i < invoiceIds.length; i += 500) {
    const rows = await db
      .selectFrom('payments')
      .select((eb) => ['invoice_id', eb.fn.sum<number>('amount').as('paid')])
      .where('status', '=', 'recorded')
      .where('invoice_id', 'in', invoiceIds.slice(i, i + 500))
      .groupBy('invoice_id')
      .execute();
    for (const row of rows) paid.set(row.invoice_id, Number(row.paid));
  }
  return paid;
}

/**
 * What the partial credit notes of each invoice took off its balance (positive); absent when none. A deposit's
 * refund is not counted: the organisation pays the deposit back, the invoice stays paid.
 */
export async function creditedAmounts(db: Queryable, invoiceIds: readonly number[]): Promise<Map<number, MinorAmount>> {
  const credited = new Map<number, MinorAmount>();
  for (let i = 0; i < invoiceIds.length; i += 500) {
    const rows = await db
      .selectFrom('credit_notes')
      .select((eb) => ['invoice_id', eb.fn.sum<number>('total').as('total')])
      .where('invoice_id', 'in', invoiceIds.slice(i, i + 500))
      .where('line_id', 'is not', null)
      .where('charge_id', 'is', null)
      .groupBy('invoice_id')
      .execute();
    for (const row of rows) credited.set(row.invoice_id, -Number(row.total));
  }
  return credited;
}

/** What is still to pay of each invoice: its total less its partial credit notes and its payments (below 0: overpaid). */
export async function balancesDue(db: Queryable, invoices: ReadonlyArray<Pick<Invoice, 'id' | 'total'>>): Promise<Map<number, MinorAmount>> {
  const ids = invoices.map((i) => i.id);
  const [paid, credited] = await Promise.all([paidAmounts(db, ids), creditedAmounts(db, ids)]);
  return new Map(invoices.map((i) => [i.id, i.total - (credited.get(i.id) ?? 0) - (paid.get(i.id) ?? 0)]));
}

/**
 * Credit an invoice's payments should give its payer: what was paid beyond its total less its partial credit notes
 * (`credited`), or everything paid once it is void except what credit paid (`paidByCredit`), which goes back where
 * it came from (money-credit.ts).
 */
export function creditDue(status: Invoice['status'], total: MinorAmount, paid: MinorAmount, paidByCredit: MinorAmount = 0, credited: MinorAmount = 0): MinorAmount {
  return status === 'void' ? paid - paidByCredit : Math.max(0, paid - (total - credited));
}

/** Sum of an invoice's recorded payments of method `credit`. */
async function paidByCredit(db: Queryable, invoiceId: number): Promise<MinorAmount> {
  const row = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.sum<number>('amount').as('paid'))
    .where('invoice_id', '=', invoiceId)
    .where('status', '=', 'recorded')
    .where('method', '=', 'credit')
    .executeTakeFirst();
  return Number(row?.paid ?? 0);
}

export interface Settlement {
  invoice: Invoice;
  paid: MinorAmount;
  /** the ledger change this call made (0 when the credit was already right) */
  creditChange: MinorAmount;
}

/**
 * Brings the invoice's status and the payer's overpayment credit in line with its recorded payments. Run it in
 * the transaction that changed the payments or the invoice; `date` dates the ledger entry.
 */
export async function reconcileInvoice(
  trx: Queryable,
  invoice: Invoice,
  context: { date: IsoDate; paymentId: number | null; source: AuditSource },
): Promise<Settlement> {
  const paid = (await paidAmounts(trx, [invoice.id])).get(invoice.id) ?? 0;
  const credited = invoice.status === 'void' ? 0 : ((await creditedAmounts(trx, [invoice.id])).get(invoice.id) ?? 0);
  let current = invoice;
  if (invoice.status !== 'void') {
    // settled once its payments cover its total less its partial credit notes
    const status = paid >= invoice.total - credited ? 'paid' : 'open';
    if (status !== invoice.status) {
      current = await trx.updateTable('invoices').set({ status }).where('id', '=', invoice.id).returningAll().executeTakeFirstOrThrow();
      // a payment that makes it paid gets a receipt (when mail-receipts is on), one per such payment
      if (status === 'paid' && context.paymentId !== null) {
        await queueMessages(trx, [{ kind: 'receipt', subjectId: invoice.id, stage: `payment-${context.paymentId}` }], { now: context.source.at });
      }
    }
  }
  const overpaid = await trx
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.sum<number>('amount').as('amount'))
    .where('invoice_id', '=', invoice.id)
    .where('unit', '=', 'credit')
    .where('kind', '=', 'overpayment')
    .executeTakeFirst();
  const byCredit = current.status === 'void' ? await paidByCredit(trx, current.id) : 0;
  const change = creditDue(current.status, current.total, paid, byCredit, credited) - Number(overpaid?.amount ?? 0);
  if (change !== 0 && current.payer_id !== null) {
    const amount = formatAmount(Math.abs(change), current.currency);
    const description =
      current.status === 'void'
        ? `${change > 0 ? 'paid on' : 'payment cancelled on'} void invoice ${current.number}: ${amount}`
        : `${change > 0 ? 'overpayment of' : 'overpayment withdrawn from'} invoice ${current.number}: ${amount}`;
    await trx
      .insertInto('ledger_entries')
      .values({
        member_id: current.payer_id,
        unit: 'credit',
        kind: 'overpayment',
        amount: change,
        currency: current.currency,
        date: context.date,
        expires_on: null,
        grant_id: null,
        invoice_id: current.id,
        payment_id: context.paymentId,
        description,
        job_id: context.source.jobId ?? null,
        created_at: context.source.at,
      })
      .execute();
  }
  // the plans' credits and passes are granted while the invoice is paid, and what remains is taken back otherwise
  await settleInvoiceGrants(trx, current, { date: context.date, source: context.source });
  return { invoice: current, paid, creditChange: current.payer_id === null ? 0 : change };
}
