/**
 * Discounts on memberships (`memberships set --discount`, docs/billing.md "Discounts"): a percentage or a fixed net
 * amount per period, for a number of billed periods or until removed. A discount row is never changed once written:
 * setting another value removes it and writes a new one, so the periods a discount took off are always the invoice
 * lines (not voided) that carry its id, counted in the database, whatever runs were killed or repeated.
 */
import type { Queryable } from '../../db/connect.js';
import type { Discount } from '../../db/types.js';
import { dataError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { formatAmount, type MinorAmount, parseAmount, parseRate, type RatePercent, rateToScaled } from '../kernel/money.js';
import { chunks } from './invoices.js';
import type { BillingDiscount } from './rules.js';

/** A discount's value as typed: a percentage or a fixed amount. */
export type DiscountValue = { percent: RatePercent; amount: null } | { percent: null; amount: MinorAmount };

export interface DiscountInput {
  value: DiscountValue;
  /** how many billed periods; null: until removed */
  periods: number | null;
  reason: string | null;
}

/**
 * `--discount` as typed: `10%` (a percentage, above 0 and at most 100, up to 4 decimals), `15.00` or `15,00` (a fixed
 * net amount per period in the plan's currency, above 0), or `none` (null: remove it). A bad value is a 64.
 */
export function parseDiscount(text: string, currency: string, option = '--discount'): DiscountValue | null {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'none') return null;
  if (trimmed.endsWith('%')) {
    const rate = parseRate(trimmed);
    if (!rate.ok) throw usageError(`${option}: "${trimmed}" is not a percentage (${rate.message.replace('tax rate', 'discount')})`, 'write it like 10% or 12.5%');
    if (rateToScaled(rate.value) === 0) throw usageError(`${option}: "${trimmed}": a discount is more than 0%`, 'to remove the discount, use --discount none');
    return { percent: rate.value, amount: null };
  }
  const amount = parseAmount(trimmed, currency);
  if (!amount.ok) {
    throw usageError(
      `${option}: "${trimmed}" is neither a percentage nor an amount (${amount.reason === 'ambiguous' || amount.reason === 'currency_mismatch' ? amount.message : amount.reason})`,
      `write 10% for a percentage, or an amount in ${currency} like 15 or 15.50, or none to remove it`,
    );
  }
  if (amount.value <= 0) throw usageError(`${option}: "${trimmed}": a discount is more than 0`, 'to remove the discount, use --discount none');
  return { percent: null, amount: amount.value };
}

/** "15%" or "15.00 EUR": how a discount's value is shown. */
export function discountValueText(discount: Pick<Discount, 'percent' | 'amount'>, currency: string): string {
  return discount.percent !== null ? `${discount.percent}%` : `${formatAmount(discount.amount ?? 0, currency)} ${currency}`;
}

/** The discount in force on a membership (not removed), or undefined. */
export async function discountInForce(db: Queryable, membershipId: number): Promise<Discount | undefined> {
  return db.selectFrom('discounts').selectAll().where('membership_id', '=', membershipId).where('removed_at', 'is', null).executeTakeFirst();
}

/** How many periods each discount took off so far: the periods of the invoice lines (not voided) that carry its id. */
export async function periodsDiscounted(db: Queryable, discountIds: readonly number[]): Promise<Map<number, number>> {
  const used = new Map<number, number>();
  for (const chunk of chunks(discountIds, 500)) {
    const rows = await db
      .selectFrom('invoice_lines')
      // a period billed to several delegates is one period discounted
      .select((eb) => ['discount_id', eb.fn.count('period_start').distinct().as('n')])
      .where('discount_id', 'in', chunk)
      .where('voided', '=', 0)
      .groupBy('discount_id')
      .execute();
    for (const row of rows) used.set(row.discount_id!, Number(row.n));
  }
  return used;
}

/**
 * The discounts in force on these memberships that still have periods to discount, as billing needs them, by
 * membership id. One query for the discounts, one for their counts.
 */
export async function billingDiscounts(db: Queryable, membershipIds: readonly number[]): Promise<Map<number, BillingDiscount>> {
  const found: Discount[] = [];
  for (const chunk of chunks(membershipIds, 500)) {
    found.push(...(await db.selectFrom('discounts').selectAll().where('membership_id', 'in', chunk).where('removed_at', 'is', null).execute()));
  }
  const result = new Map<number, BillingDiscount>();
  if (found.length === 0) return result;
  const used = await periodsDiscounted(
    db,
    found.filter((d) => d.periods !== null).map((d) => d.id),
  );
  for (const d of found) {
    const count = used.get(d.id) ?? 0;
    if (d.periods !== null && count >= d.periods) continue;
    result.set(d.membership_id, { id: d.id, percent: d.percent, amount: d.amount, periods: d.periods, used: count });
  }
  return result;
}

/** The documented `--json` shape of a membership's discount (docs/output.md), or null without one. */
export interface DiscountJson {
  /** "15%" or "15.00" (an amount in the plan's currency) */
  value: string;
  kind: 'percent' | 'amount';
  /** how many billed periods it discounts; null: until removed */
  periods: number | null;
  /** periods discounted so far (invoices not void) */
  periodsUsed: number;
  /** periods it still has; null: until removed */
  periodsLeft: number | null;
  reason: string | null;
  since: string;
}

export async function discountJson(db: Queryable, membershipId: number, currency: string): Promise<DiscountJson | null> {
  const discount = await discountInForce(db, membershipId);
  if (!discount) return null;
  const used = (await periodsDiscounted(db, [discount.id])).get(discount.id) ?? 0;
  return {
    value: discount.percent !== null ? `${discount.percent}%` : formatAmount(discount.amount!, currency),
    kind: discount.percent !== null ? 'percent' : 'amount',
    periods: discount.periods,
    periodsUsed: used,
    periodsLeft: discount.periods === null ? null : Math.max(discount.periods - used, 0),
    reason: discount.reason,
    since: discount.created_at,
  };
}

/** "15% for 3 periods (early bird)", "15.00 EUR until removed". */
export function discountText(d: Pick<Discount, 'percent' | 'amount' | 'periods' | 'reason'>, currency: string): string {
  const periods = d.periods === null ? 'until removed' : `for ${d.periods} ${d.periods === 1 ? 'period' : 'periods'}`;
  return `${discountValueText(d, currency)} ${periods}${d.reason ? ` (${d.reason})` : ''}`;
}

/**
 * Sets (input) or removes (null) the discount of a membership whose plan bills in `currency`: the discount in
 * force, if any, is removed, and a new one written, counting its periods from zero. Setting the same value,
 * periods and reason again changes nothing (its count goes on). Audited on the membership.
 */
export async function setDiscount(
  db: Queryable,
  membership: { id: number; member_id: number },
  input: DiscountInput | null,
  currency: string,
  source: AuditSource,
): Promise<Discount | null> {
  if (input !== null) {
    if (input.periods !== null && (!Number.isSafeInteger(input.periods) || input.periods < 1)) throw dataError(`discount periods ${input.periods}: a whole number of at least 1`);
    if (input.value.amount !== null && (!Number.isSafeInteger(input.value.amount) || input.value.amount <= 0)) throw dataError(`discount ${input.value.amount}: a whole number of minor units above 0`);
  }
  const current = await discountInForce(db, membership.id);
  const reason = input?.reason?.trim() || null;
  if (
    current &&
    input &&
    current.percent === input.value.percent &&
    current.amount === input.value.amount &&
    current.periods === input.periods &&
    current.reason === reason
  ) {
    return current;
  }
  if (!current && !input) return null;
  if (current) await db.updateTable('discounts').set({ removed_at: source.at }).where('id', '=', current.id).execute();
  const created = input
    ? await db
        .insertInto('discounts')
        .values({ membership_id: membership.id, percent: input.value.percent, amount: input.value.amount, periods: input.periods, reason, created_at: source.at })
        .returningAll()
        .executeTakeFirstOrThrow()
    : null;
  const text = (d: Discount | null | undefined) => (d ? discountText(d, currency) : null);
  await recordAudit(db, source, {
    action: created ? 'discount' : 'remove_discount',
    entity: 'memberships',
    entityId: membership.id,
    memberId: membership.member_id,
    before: { discount: text(current) },
    after: { discount: text(created) },
    summary: created ? `membership ${membership.id} discounted: ${text(created)}` : `membership ${membership.id}: discount removed (${text(current)})`,
  });
  return created;
}
