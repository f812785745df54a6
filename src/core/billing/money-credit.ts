/**
 * A payer's money credit: what they paid beyond their invoices, what was paid on an invoice voided since, and what an
 * import brought (Stripe's balance owed to the customer). It is the credit of the ledger that belongs to no grant
 * (credits.ts calls it the pool), never expires and is never frozen. It pays invoices as payments of method `credit`
 * (`invoices run` applies it to the payer's new invoices, `credits apply` by hand) and is paid back by
 * `credits refund`.
 *
 * A credit payment's `use` entries (payment_id: the payment) say what it drew, from the money or from which plan
 * grant. Cancelling the payment, or voiding its invoice, gives back what it drew: each part to where it came from.
 */
import type { Queryable } from '../../db/connect.js';
import type { Payment } from '../../db/types.js';
import { type AuditChange, type AuditSource, recordAudits } from '../kernel/audit.js';
import { type BulkTarget, insertAudits, insertRows, type SqlValue } from '../kernel/bulk.js';
import type { IsoDate } from '../kernel/dates.js';
import { formatAmount, type MinorAmount } from '../kernel/money.js';
import { type EntryDraft, freezeEntries, lotsOf, memberEntries, writeEntries } from './credits.js';

// local: invoices.ts imports this module
function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

const key = (memberId: number, currency: string) => `${memberId}|${currency}`;

/** The money credit of these members, by `memberId|currency` (absent: none); it may be below zero (docs/billing.md). */
export async function moneyBalances(db: Queryable, memberIds: readonly number[]): Promise<Map<string, MinorAmount>> {
  const balances = new Map<string, MinorAmount>();
  for (const chunk of chunks([...new Set(memberIds)], 500)) {
    const rows = await db
      .selectFrom('ledger_entries')
      .select((eb) => ['member_id', 'currency', eb.fn.sum<number>('amount').as('amount')])
      .where('member_id', 'in', chunk)
      .where('unit', '=', 'credit')
      .where('grant_id', 'is', null)
      .where('kind', '!=', 'grant')
      .groupBy(['member_id', 'currency'])
      .execute();
    for (const r of rows) if (r.currency !== null) balances.set(key(r.member_id, r.currency), Number(r.amount));
  }
  return balances;
}

/**
 * PostgreSQL: holds these members' rows until the transaction ends, so that two transactions spending the same
 * credit at once take turns (SQLite's transactions take the write lock when they begin).
 */
export async function lockMembers(db: Queryable, memberIds: readonly number[]): Promise<void> {
  if (db.getExecutor().adapter.constructor.name !== 'PostgresAdapter') return;
  const ids = [...new Set(memberIds)].sort((a, b) => a - b);
  for (const chunk of chunks(ids, 500)) await db.selectFrom('members').select('id').where('id', 'in', chunk).orderBy('id').forUpdate().execute();
}

/** An invoice just issued, that the payer's money credit may pay. */
export interface NewInvoice {
  id: number;
  number: string;
  payerId: number;
  currency: string;
  total: MinorAmount;
}

/**
 * What the payers' money credit pays of each invoice (in the order given): as much of the invoice as the credit
 * covers, never more than either; a payer's invoices are served in order. Writes nothing.
 */
export function creditShares(invoices: ReadonlyArray<Pick<NewInvoice, 'payerId' | 'currency' | 'total'>>, balances: ReadonlyMap<string, MinorAmount>): MinorAmount[] {
  const left = new Map(balances);
  return invoices.map((invoice) => {
    const k = key(invoice.payerId, invoice.currency);
    const share = Math.max(0, Math.min(invoice.total, left.get(k) ?? 0));
    if (share > 0) left.set(k, left.get(k)! - share);
    return share;
  });
}

/** What the payers' money credit would pay of these planned invoices (a dry run). */
export async function plannedCreditShares(db: Queryable, invoices: ReadonlyArray<Pick<NewInvoice, 'payerId' | 'currency' | 'total'>>): Promise<MinorAmount[]> {
  if (invoices.length === 0) return [];
  return creditShares(invoices, await moneyBalances(db, invoices.map((i) => i.payerId)));
}

const paymentColumns = ['invoice_id', 'amount', 'currency', 'method', 'date', 'reference', 'status', 'cancel_reason', 'created_at', 'idempotency_key'];
const entryColumns = ['member_id', 'unit', 'kind', 'amount', 'currency', 'date', 'expires_on', 'grant_id', 'invoice_id', 'payment_id', 'description', 'job_id', 'created_at'];

/**
 * Pays these new invoices from their payers' money credit, inside the transaction that issues them: a payment of
 * method `credit` dated `date` and its `use` entry for each invoice the credit reaches, the invoices it pays in full
 * marked `paid`. Returns what was paid of each invoice, in the order given. No receipt: the invoice's own e-mail,
 * queued with it, says what the credit paid.
 */
export async function payNewInvoicesFromCredit(
  bulk: BulkTarget,
  invoices: readonly NewInvoice[],
  context: { date: IsoDate; source: AuditSource },
): Promise<MinorAmount[]> {
  const trx = bulk.query;
  const payers = invoices.map((i) => i.payerId);
  let balances = await moneyBalances(trx, payers);
  const holders = [...balances.entries()].filter(([, amount]) => amount > 0).map(([k]) => Number(k.split('|')[0]));
  if (holders.length === 0) return invoices.map(() => 0);
  if (bulk.dialect === 'postgres') {
    await lockMembers(trx, holders);
    balances = await moneyBalances(trx, holders);
  }
  const shares = creditShares(invoices, balances);
  const paying = invoices.map((invoice, i) => ({ invoice, amount: shares[i]! })).filter((p) => p.amount > 0);
  if (paying.length === 0) return shares;

  const { date, source } = context;
  const paymentRows: SqlValue[][] = paying.map(({ invoice, amount }) => [invoice.id, amount, invoice.currency, 'credit', date, null, 'recorded', null, source.at, null]);
  const paymentIds = await insertRows(bulk, 'payments', paymentColumns, paymentRows, true);
  const entryRows: SqlValue[][] = paying.map(({ invoice, amount }, i) => [
    invoice.payerId,
    'credit',
    'use',
    -amount,
    invoice.currency,
    date,
    null,
    null,
    invoice.id,
    paymentIds[i]!,
    `paid ${formatAmount(amount, invoice.currency)} of invoice ${invoice.number} (payment #${paymentIds[i]})`,
    source.jobId ?? null,
    source.at,
  ]);
  await insertRows(bulk, 'ledger_entries', entryColumns, entryRows);
  const paid = paying.filter(({ invoice, amount }) => amount >= invoice.total).map(({ invoice }) => invoice.id);
  for (const chunk of chunks(paid, 500)) await trx.updateTable('invoices').set({ status: 'paid' }).where('id', 'in', chunk).execute();
  const changes: AuditChange[] = paying.map(({ invoice, amount }, i) => ({
    action: 'insert',
    entity: 'payments',
    entityId: paymentIds[i]!,
    memberId: invoice.payerId,
    after: { id: paymentIds[i], invoice: invoice.number, amount, currency: invoice.currency, method: 'credit', date },
    summary: `payment of ${formatAmount(amount, invoice.currency)} ${invoice.currency} on ${invoice.number} (credit)`,
  }));
  await insertAudits(bulk, source, changes);
  return shares;
}

/** What a credit payment drew, by grant (null: the money), from its `use` entries. */
async function drawnBy(db: Queryable, paymentId: number): Promise<Map<number | null, MinorAmount>> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['grant_id', 'amount'])
    .where('payment_id', '=', paymentId)
    .where('unit', '=', 'credit')
    .where('kind', '=', 'use')
    .execute();
  const drawn = new Map<number | null, MinorAmount>();
  for (const r of rows) drawn.set(r.grant_id, (drawn.get(r.grant_id) ?? 0) - r.amount);
  return drawn;
}

export interface GivenBack {
  /** back to the money credit */
  money: MinorAmount;
  /** back to the plan grants it was drawn from */
  planCredits: MinorAmount;
  /** drawn from plan grants that have expired or been taken back since: not given back */
  lost: MinorAmount;
}

/**
 * Gives back what these credit payments drew (their invoice voided, or the payment cancelled): the money to the
 * money credit, plan credits to the grants they came from while those are still open (a grant expired or taken back
 * since would only expire again), frozen at once for a member who is suspended. Run it once per payment, in the
 * transaction that cancels it or voids its invoice.
 */
export async function giveBackCreditPayments(
  trx: Queryable,
  payments: ReadonlyArray<Pick<Payment, 'id' | 'currency' | 'method'>>,
  context: { date: IsoDate; invoiceNumber: string; why: 'cancelled' | 'voided'; memberId: number | null; source: AuditSource },
): Promise<GivenBack> {
  const total: GivenBack = { money: 0, planCredits: 0, lost: 0 };
  for (const payment of payments) {
    if (payment.method !== 'credit') continue;
    const drawn = await drawnBy(trx, payment.id);
    const grantIds = [...drawn.keys()].filter((id): id is number => id !== null);
    const entries = grantIds.length === 0 ? [] : await grantEntries(trx, grantIds);
    const lots = new Map(lotsOf(entries).map((lot) => [lot.id, lot]));
    const takenBack = new Set(entries.filter((e) => e.kind === 'refund').map((e) => e.grant_id));
    const isOpen = (grantId: number) => {
      const lot = lots.get(grantId);
      return lot !== undefined && !lot.expired && !takenBack.has(grantId) && (lot.expiresOn === null || lot.expiresOn > context.date);
    };
    const drafts: EntryDraft[] = [];
    const description =
      context.why === 'voided' ? `${context.invoiceNumber} voided: payment #${payment.id} given back` : `payment #${payment.id} on ${context.invoiceNumber} cancelled: given back`;
    const back = (memberId: number, grantId: number | null, amount: number) =>
      drafts.push({ memberId, unit: 'credit', kind: 'use', amount, currency: payment.currency, date: context.date, grantId, invoiceId: null, description });
    for (const [grantId, amount] of drawn) {
      if (amount <= 0) continue;
      if (grantId === null) {
        if (context.memberId === null) continue;
        back(context.memberId, null, amount);
        total.money += amount;
      } else if (isOpen(grantId)) {
        back(lots.get(grantId)!.memberId, grantId, amount);
        total.planCredits += amount;
      } else total.lost += amount;
    }
    await writeEntries(trx, drafts, context.source, payment.id);
    // a suspended member's plan credits stay held: what came back to a grant is frozen with it
    const members = [...new Set(drafts.filter((d) => d.grantId !== null).map((d) => d.memberId))];
    if (members.length > 0) {
      const suspended = await trx.selectFrom('member_statuses').select('member_id').where('member_id', 'in', members).where('status', '=', 'suspended').execute();
      if (suspended.length > 0) {
        const ids = suspended.map((s) => s.member_id);
        await writeEntries(trx, freezeEntries(lotsOf(await memberEntries(trx, ids)), true, context.date), context.source);
      }
    }
  }
  if (total.money + total.planCredits + total.lost > 0) {
    await recordAudits(trx, context.source, [
      {
        action: 'give_back',
        entity: 'credits',
        entityId: context.memberId ?? 0,
        memberId: context.memberId,
        after: { ...total, payments: payments.filter((p) => p.method === 'credit').map((p) => p.id) },
        summary: `credit given back: ${context.why === 'voided' ? `${context.invoiceNumber} voided` : `a payment on ${context.invoiceNumber} cancelled`}`,
      },
    ]);
  }
  return total;
}

/** The entries of these grants and of everything drawing on them, with whether a refund closed each. */
async function grantEntries(db: Queryable, grantIds: readonly number[]) {
  const columns = ['id', 'member_id', 'unit', 'kind', 'amount', 'currency', 'date', 'expires_on', 'grant_id', 'invoice_id', 'description'] as const;
  const entries = [];
  for (const chunk of chunks(grantIds, 500)) {
    entries.push(...(await db.selectFrom('ledger_entries').select(columns).where('id', 'in', chunk).execute()));
    entries.push(...(await db.selectFrom('ledger_entries').select(columns).where('grant_id', 'in', chunk).execute()));
  }
  return entries;
}
