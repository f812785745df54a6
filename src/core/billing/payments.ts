/**
 * Payments against invoices: several per invoice, by any method; an invoice is `paid` once fully paid, an
 * overpayment becomes credit on the payer, a cancelled payment reopens the invoice (invoice-balance.ts).
 */
import type { Queryable } from '../../db/connect.js';
import type { Invoice, Payment, PaymentMethod } from '../../db/types.js';
import { dataError, notFoundError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { compareDates, type IsoDate } from '../kernel/dates.js';
import { paidAmounts, reconcileInvoice, type Settlement } from './invoice-balance.js';
import { requireInvoice } from './invoices.js';
import { formatAmount, type MinorAmount, parseAmount } from '../kernel/money.js';
import { giveBackCreditPayments } from './money-credit.js';

export const paymentMethods = ['card', 'cash', 'transfer', 'check', 'other'] as const satisfies readonly PaymentMethod[];

export function isPaymentMethod(value: string): value is PaymentMethod {
  return (paymentMethods as readonly string[]).includes(value);
}

export interface PaymentInput {
  /** as typed: `49`, `49.50`, `49,50`, `€49`; read in the invoice's currency */
  amount: string;
  method: PaymentMethod;
  date: IsoDate;
  reference: string | null;
  /** an idempotency key: the same key with the same values finds the payment recorded, with others is refused */
  key?: string | null;
  /** record it even though it repeats a payment of the invoice (same amount, date, method and reference) */
  again?: boolean;
  /** record it even though the invoice is paid already (all of it becomes credit) */
  overpay?: boolean;
}

/** The amount of a payment in minor units of `currency`; malformed or not positive is a usage error (64). */
export function parsePaymentAmount(text: string, currency: string): MinorAmount {
  const parsed = parseAmount(text, currency);
  if (!parsed.ok) throw usageError(`--amount: "${text}": ${parsed.message}`, 'write it like 49, 49.50 or 49,50');
  if (parsed.value <= 0) throw usageError(`--amount: "${text}": a payment is more than 0`, 'to undo a payment, use `memberctl payments cancel ID`');
  return parsed.value;
}

export interface PaymentResult extends Settlement {
  payment: Payment;
}

export interface RecordedPayment extends PaymentResult {
  /** `unchanged`: the key named a payment recorded already, with the same values */
  change: 'recorded' | 'unchanged';
}

export const describePayment = (p: Payment) =>
  `payment #${p.id} of ${formatAmount(p.amount, p.currency)} ${p.currency} on ${p.date} by ${p.method}${p.reference ? ` (${p.reference})` : ''}`;

/** The audit summary of a payment recorded on an invoice. */
export const paymentSummary = (p: Pick<Payment, 'amount' | 'currency' | 'method'>, invoiceNumber: string) =>
  `payment of ${formatAmount(p.amount, p.currency)} ${p.currency} on ${invoiceNumber} (${p.method})`;

/** What differs between a payment recorded under a key and the one asked for again with it. */
function differences(existing: Payment, invoiceId: number, wanted: { amount: number; method: PaymentMethod; date: IsoDate; reference: string | null }, invoiceNumber: string, existingNumber: string): string[] {
  const out: string[] = [];
  if (existing.invoice_id !== invoiceId) out.push(`invoice ${existingNumber}, not ${invoiceNumber}`);
  if (existing.amount !== wanted.amount) out.push(`amount ${formatAmount(existing.amount, existing.currency)}, not ${formatAmount(wanted.amount, existing.currency)}`);
  if (existing.date !== wanted.date) out.push(`date ${existing.date}, not ${wanted.date}`);
  if (existing.method !== wanted.method) out.push(`method ${existing.method}, not ${wanted.method}`);
  if (existing.reference !== wanted.reference) out.push(`reference ${existing.reference ?? '(none)'}, not ${wanted.reference ?? '(none)'}`);
  return out;
}

/**
 * Records a payment on an invoice as of `asOf` (its date may not be later, 64), once. Refuses (65) a void invoice, a
 * payment dated before the invoice, one that repeats a payment of the invoice not cancelled (same amount, date,
 * method and reference) unless `again`, and one on an invoice paid already unless `overpay`. With a `key`, the
 * payment recorded under it is returned (`unchanged`) when the values are the same, and refused (65) otherwise.
 * Run it inside a transaction.
 */
export async function recordPayment(
  trx: Queryable,
  invoiceNumber: string,
  input: PaymentInput,
  asOf: IsoDate,
  source: AuditSource,
): Promise<RecordedPayment> {
  const invoice = await requireInvoice(trx, invoiceNumber);
  const amount = parsePaymentAmount(input.amount, invoice.currency);
  const key = input.key ?? null;
  if (key !== null) {
    const existing = await trx.selectFrom('payments').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
    if (existing !== undefined) {
      const existingInvoice = existing.invoice_id === invoice.id ? invoice : await trx.selectFrom('invoices').selectAll().where('id', '=', existing.invoice_id).executeTakeFirstOrThrow();
      const differ = differences(existing, invoice.id, { amount, method: input.method, date: input.date, reference: input.reference }, invoice.number, existingInvoice.number);
      if (differ.length > 0) {
        throw dataError(`--key ${key} was given to ${describePayment(existing)} on ${existingInvoice.number}, which differs: ${differ.join('; ')}`, 'a key names one payment: give another key for another payment');
      }
      const paid = (await paidAmounts(trx, [existingInvoice.id])).get(existingInvoice.id) ?? 0;
      return { payment: existing, invoice: existingInvoice, paid, creditChange: 0, change: 'unchanged' };
    }
  }
  if (invoice.status === 'void') throw dataError(`invoice ${invoice.number} is void: it takes no payment`);
  if (compareDates(input.date, asOf) > 0) throw usageError(`--date: ${input.date} is after today (${asOf})`);
  // a well-formed date that the invoice contradicts is a data problem; credits it released would be born expired
  if (compareDates(input.date, invoice.date) < 0) {
    throw dataError(
      `--date: the payment date ${input.date} is before the date of invoice ${invoice.number} (${invoice.date})`,
      `a payment is dated on or after its invoice: give a date from ${invoice.date} to ${asOf}`,
    );
  }
  const recorded = await trx.selectFrom('payments').selectAll().where('invoice_id', '=', invoice.id).where('status', '=', 'recorded').orderBy('id').execute();
  const repeated = recorded.find((p) => p.amount === amount && p.date === input.date && p.method === input.method && p.reference === input.reference);
  if (repeated !== undefined && !input.again) {
    throw dataError(
      `this repeats ${describePayment(repeated)} on ${invoice.number}`,
      `if it is another payment, give its own --reference, or record it with --again; to see them: memberctl payments list --invoice ${invoice.number}`,
    );
  }
  if (invoice.status === 'paid' && !input.overpay) {
    const by = recorded.length === 0 ? 'nothing to pay' : recorded.map(describePayment).join(', ');
    throw dataError(`invoice ${invoice.number} is paid already (${by})`, 'to record it anyway, all of it becoming credit for the payer: add --overpay');
  }
  const payment = await trx
    .insertInto('payments')
    .values({
      invoice_id: invoice.id,
      amount,
      currency: invoice.currency,
      method: input.method,
      date: input.date,
      reference: input.reference,
      status: 'recorded',
      cancel_reason: null,
      created_at: source.at,
      idempotency_key: key,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const settlement = await reconcileInvoice(trx, invoice, { date: input.date, paymentId: payment.id, source });
  await recordAudit(trx, source, {
    action: 'insert',
    entity: 'payments',
    entityId: payment.id,
    memberId: invoice.payer_id,
    after: payment,
    summary: paymentSummary(payment, invoice.number),
  });
  return { payment, ...settlement, change: 'recorded' };
}

/** Cancels a recorded payment: the invoice is open again unless its other payments cover it. */
export async function cancelPayment(trx: Queryable, paymentId: number, reason: string, asOf: IsoDate, source: AuditSource): Promise<PaymentResult> {
  const payment = await trx.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
  if (!payment) throw notFoundError(`no payment with id ${paymentId}`, 'see `memberctl payments list`');
  if (payment.status === 'cancelled') throw dataError(`payment ${paymentId} is already cancelled (${payment.cancel_reason ?? 'no reason given'})`);
  const cancelled = await trx
    .updateTable('payments')
    .set({ status: 'cancelled', cancel_reason: reason })
    .where('id', '=', paymentId)
    .returningAll()
    .executeTakeFirstOrThrow();
  const invoice = await trx.selectFrom('invoices').selectAll().where('id', '=', payment.invoice_id).executeTakeFirstOrThrow();
  const settlement = await reconcileInvoice(trx, invoice, { date: asOf, paymentId, source });
  // a credit payment gives back what it drew (nothing more if its invoice was voided: that gave it back already)
  await giveBackCreditPayments(trx, [payment], { date: asOf, invoiceNumber: invoice.number, why: 'cancelled', memberId: invoice.payer_id, source });
  await recordAudit(trx, source, {
    action: 'cancel',
    entity: 'payments',
    entityId: paymentId,
    memberId: invoice.payer_id,
    before: payment,
    after: cancelled,
    summary: `payment ${paymentId} on ${invoice.number} cancelled: ${reason}`,
  });
  return { payment: cancelled, ...settlement };
}

export interface PaymentFilter {
  invoiceId?: number;
  /** payments of invoices this member pays */
  payerId?: number;
  from?: IsoDate;
  to?: IsoDate;
  status?: Payment['status'];
  limit?: number;
}

export interface PaymentRow extends Payment {
  invoice_number: string;
  payer_id: number | null;
  payer_name: string;
}

export async function listPayments(db: Queryable, filter: PaymentFilter): Promise<PaymentRow[]> {
  let query = db
    .selectFrom('payments')
    .innerJoin('invoices', 'invoices.id', 'payments.invoice_id')
    .selectAll('payments')
    .select(['invoices.number as invoice_number', 'invoices.payer_id', 'invoices.payer_name'])
    .orderBy('payments.date')
    .orderBy('payments.id');
  if (filter.invoiceId !== undefined) query = query.where('payments.invoice_id', '=', filter.invoiceId);
  if (filter.payerId !== undefined) query = query.where('invoices.payer_id', '=', filter.payerId);
  if (filter.from) query = query.where('payments.date', '>=', filter.from);
  if (filter.to) query = query.where('payments.date', '<=', filter.to);
  if (filter.status) query = query.where('payments.status', '=', filter.status);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

/** The `--json` shape of a payment. */
export function paymentJson(p: PaymentRow | (Payment & { invoice_number: string; payer_id: number | null; payer_name: string })) {
  return {
    id: p.id,
    invoice: p.invoice_number,
    payer: { id: p.payer_id, name: p.payer_name },
    date: p.date,
    amount: formatAmount(p.amount, p.currency),
    currency: p.currency,
    method: p.method,
    reference: p.reference,
    status: p.status,
    cancelReason: p.cancel_reason,
  };
}

/** A payment joined with what its JSON shows of the invoice. */
export const withInvoice = (payment: Payment, invoice: Invoice): PaymentRow => ({
  ...payment,
  invoice_number: invoice.number,
  payer_id: invoice.payer_id,
  payer_name: invoice.payer_name,
});
