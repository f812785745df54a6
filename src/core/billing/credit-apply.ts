/**
 * `credits apply` and `credits refund`: a member's credit paying one of their invoices by hand (their money credit
 * first, then their plan credits, oldest grant first), and money credit paid back to them. Both refuse, writing
 * nothing, what the balance does not cover.
 */
import type { Kysely } from 'kysely';
import type { Queryable } from '../../db/connect.js';
import type { Database, Invoice, Member, Payment, PaymentMethod } from '../../db/types.js';
import { dataError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { formatAmount, type MinorAmount, parseAmount } from '../kernel/money.js';
import { loadMemberState } from '../status/member-status.js';
import { recordTransitions } from '../renewals/transitions.js';
import { allocate, available, balancesOf, catchUpEntries, draftFacts, type EntryDraft, type EntryFacts, expireGrants, memberEntries, writeEntries } from './credits.js';
import { balancesDue, reconcileInvoice } from './invoice-balance.js';
import { requireInvoice } from './invoices.js';
import { lockMembers } from './money-credit.js';

type Holder = Pick<Member, 'id' | 'name'>;

/** A member's credit in one currency: the money (no grant) and what their plan grants hold that can be spent now. */
export interface CreditFunds {
  currency: string;
  money: MinorAmount;
  planCredits: MinorAmount;
}

/** The funds of these entries in `currency`; plan credits count only while not frozen (`suspended` freezes them all). */
export function fundsOf(entries: readonly EntryFacts[], currency: string, suspended: boolean): CreditFunds & { lots: ReturnType<typeof balancesOf>[number]['lots'] } {
  const balance = balancesOf(entries).find((b) => b.unit === 'credit' && b.currency === currency);
  const lots = suspended ? [] : (balance?.lots ?? []);
  return { currency, money: balance?.pool ?? 0, planCredits: lots.reduce((sum, lot) => sum + Math.max(0, available(lot)), 0), lots };
}

const money = (amount: MinorAmount, currency: string) => `${formatAmount(amount, currency)} ${currency}`;

function describeFunds(name: string, funds: CreditFunds): string {
  return `${name} has ${money(Math.max(0, funds.money) + funds.planCredits, funds.currency)} of credit (${money(funds.money, funds.currency)} money, ${money(funds.planCredits, funds.currency)} plan credits)`;
}

/** Parses an amount typed for a credit command in `currency`: malformed or not above 0 is a usage error (64). */
export function parseCreditAmount(text: string, currency: string): MinorAmount {
  const parsed = parseAmount(text, currency);
  if (!parsed.ok) throw usageError(`--amount: "${text}": ${parsed.message}`, 'write it like 10, 12.50 or 12,50');
  if (parsed.value <= 0) throw usageError(`--amount: "${text}": more than 0, please`);
  return parsed.value;
}

export interface ApplyResult {
  member: Holder;
  payment: Payment;
  invoice: Invoice;
  /** recorded payments of the invoice after this one */
  paid: MinorAmount;
  fromMoney: MinorAmount;
  fromPlanCredits: MinorAmount;
  /** the member's credit in the invoice's currency afterwards */
  left: CreditFunds;
}

/** Whether `member` pays the invoice or is billed on one of its lines: the invoices their credit may pay. */
async function concerns(db: Queryable, invoice: Invoice, memberId: number): Promise<boolean> {
  if (invoice.payer_id === memberId) return true;
  const line = await db.selectFrom('invoice_lines').select('id').where('invoice_id', '=', invoice.id).where('member_id', '=', memberId).executeTakeFirst();
  return line !== undefined;
}

/** How much to apply and from where; throws (64, 65) what cannot be applied. */
function planApplication(holder: Holder, invoice: Invoice, due: MinorAmount, funds: ReturnType<typeof fundsOf>, wanted: MinorAmount | null) {
  const spendable = Math.max(0, funds.money) + funds.planCredits;
  if (wanted !== null && wanted > due) {
    throw dataError(`--amount: ${money(wanted, invoice.currency)} is more than is due on ${invoice.number} (${money(due, invoice.currency)})`, `apply at most ${formatAmount(due, invoice.currency)}`);
  }
  const amount = wanted ?? Math.min(due, spendable);
  if (amount <= 0 || amount > spendable) {
    throw dataError(
      `${describeFunds(holder.name, funds)}: cannot apply ${money(wanted ?? due, invoice.currency)} to ${invoice.number}`,
      `see \`memberctl credits show "${holder.name}"\``,
    );
  }
  const fromMoney = Math.min(amount, Math.max(0, funds.money));
  return { amount, fromMoney, fromPlanCredits: amount - fromMoney };
}

/**
 * Pays an open invoice from `holder`'s credit in its currency as of `asOf`: a payment of method `credit` for
 * `amount` (default: what is due, or all the credit when it covers less), drawn from the money credit first, then
 * from plan credits, oldest grant first. The invoice must be one the holder pays or is billed on. Refuses (65,
 * writing nothing) a void or paid invoice, more than is due, and more than the credit.
 */
export async function applyCredit(
  db: Kysely<Database>,
  holder: Holder,
  input: { invoice: string; amount: string | null },
  asOf: IsoDate,
  source: AuditSource,
): Promise<ApplyResult> {
  const found = await requireInvoice(db, input.invoice);
  const wanted = input.amount === null ? null : parseCreditAmount(input.amount, found.currency);
  if (!(await concerns(db, found, holder.id))) {
    throw dataError(`invoice ${found.number} is billed to ${found.payer_name} and has no line of ${holder.name}'s`, `credit pays the invoices its holder pays or is billed on: see \`memberctl invoices list --member "${holder.name}"\``);
  }
  const check = async (trx: Queryable, invoice: Invoice, entries: readonly EntryFacts[], suspended: boolean) => {
    if (invoice.status === 'void') throw dataError(`invoice ${invoice.number} is void: it takes no payment`);
    const due = (await balancesDue(trx, [invoice])).get(invoice.id)!;
    if (invoice.status === 'paid' || due <= 0) throw dataError(`invoice ${invoice.number} is paid already: nothing is due on it`);
    return planApplication(holder, invoice, due, fundsOf(entries, invoice.currency, suspended), wanted);
  };

  // refused before anything is written, expiries and status included (as `credits use` does)
  const suspended = (await loadMemberState(db, holder.id, asOf)).status === 'suspended';
  const entries = await memberEntries(db, [holder.id]);
  await check(db, found, [...entries, ...draftFacts(catchUpEntries(entries, asOf, suspended))], suspended);
  await expireGrants(db, asOf, { dryRun: false, source, memberId: holder.id });
  await recordTransitions(db, asOf, { dryRun: false, source, memberIds: [holder.id] });

  return db.transaction().execute(async (trx) => {
    await lockMembers(trx, [holder.id]);
    const invoice = await trx.selectFrom('invoices').selectAll().where('id', '=', found.id).executeTakeFirstOrThrow();
    const current = await memberEntries(trx, [holder.id]);
    const frozen = (await trx.selectFrom('member_statuses').select('status').where('member_id', '=', holder.id).executeTakeFirst())?.status === 'suspended';
    const share = await check(trx, invoice, current, frozen);
    const payment = await trx
      .insertInto('payments')
      .values({ invoice_id: invoice.id, amount: share.amount, currency: invoice.currency, method: 'credit', date: asOf, reference: null, status: 'recorded', cancel_reason: null, created_at: source.at, idempotency_key: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    const description = `paid ${formatAmount(share.amount, invoice.currency)} of invoice ${invoice.number} (payment #${payment.id})`;
    const base = { memberId: holder.id, unit: 'credit' as const, kind: 'use' as const, currency: invoice.currency, date: asOf, invoiceId: invoice.id, description };
    const drafts: EntryDraft[] = [];
    if (share.fromMoney > 0) drafts.push({ ...base, amount: -share.fromMoney, grantId: null });
    const funds = fundsOf(current, invoice.currency, frozen);
    for (const part of allocate(funds.lots, 0, share.fromPlanCredits)) drafts.push({ ...base, amount: -part.amount, grantId: part.grantId });
    await writeEntries(trx, drafts, source, payment.id);
    // a credit applied by hand that makes the invoice paid gets its receipt, like any payment
    const settlement = await reconcileInvoice(trx, invoice, { date: asOf, paymentId: payment.id, source });
    await recordAudit(trx, source, {
      action: 'insert',
      entity: 'payments',
      entityId: payment.id,
      memberId: holder.id,
      after: { ...payment, fromMoney: share.fromMoney, fromPlanCredits: share.fromPlanCredits },
      summary: `credit of ${holder.name} applied to ${invoice.number}: ${money(share.amount, invoice.currency)}`,
    });
    const after = fundsOf(await memberEntries(trx, [holder.id]), invoice.currency, frozen);
    return {
      member: { id: holder.id, name: holder.name },
      payment,
      invoice: settlement.invoice,
      paid: settlement.paid,
      fromMoney: share.fromMoney,
      fromPlanCredits: share.fromPlanCredits,
      left: { currency: after.currency, money: after.money, planCredits: after.planCredits },
    };
  });
}

export interface RefundInput {
  /** as typed, read in `currency` */
  amount: string;
  currency: string;
  method: Exclude<PaymentMethod, 'credit'>;
  reference: string | null;
}

export interface RefundResult {
  member: Holder;
  amount: MinorAmount;
  currency: string;
  method: RefundInput['method'];
  reference: string | null;
  date: IsoDate;
  /** the money credit left */
  balance: MinorAmount;
}

/**
 * Records money credit paid back to `holder` as of `asOf` (a `refund` entry of the ledger, without a grant). Refuses
 * (65, writing nothing) more than the money credit: plan credits are not paid back.
 */
export async function refundCredit(db: Kysely<Database>, holder: Holder, input: RefundInput, asOf: IsoDate, source: AuditSource): Promise<RefundResult> {
  const amount = parseCreditAmount(input.amount, input.currency);
  return db.transaction().execute(async (trx) => {
    await lockMembers(trx, [holder.id]);
    const funds = fundsOf(await memberEntries(trx, [holder.id]), input.currency, false);
    if (amount > funds.money) {
      throw dataError(
        `${holder.name}'s money balance is ${money(funds.money, input.currency)}: cannot pay back ${money(amount, input.currency)}`,
        funds.planCredits > 0 ? 'plan credits are not paid back; see `memberctl credits show`' : `see \`memberctl credits show "${holder.name}"\``,
      );
    }
    const paidBack = `paid back by ${input.method}${input.reference ? ` (${input.reference})` : ''}`;
    await writeEntries(trx, [{ memberId: holder.id, unit: 'credit', kind: 'refund', amount: -amount, currency: input.currency, date: asOf, grantId: null, invoiceId: null, description: paidBack }], source);
    await recordAudit(trx, source, {
      action: 'refund',
      entity: 'credits',
      entityId: holder.id,
      memberId: holder.id,
      before: { balance: funds.money, currency: input.currency },
      after: { balance: funds.money - amount, refunded: amount, currency: input.currency, method: input.method, reference: input.reference },
      summary: `${money(amount, input.currency)} of ${holder.name}'s credit ${paidBack}`,
    });
    return { member: { id: holder.id, name: holder.name }, amount, currency: input.currency, method: input.method, reference: input.reference, date: asOf, balance: funds.money - amount };
  });
}
