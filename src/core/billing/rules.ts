/**
 * The billing rules (docs/billing.md) as pure functions: which periods of a membership are due as of T, what each
 * line costs, and how lines become one invoice per payer and currency. No database here: `invoicing.ts` loads
 * the facts, calls these, and writes the result.
 */
import {
  addDays,
  addMonthsAnchored,
  compareDates,
  dayOfMonth,
  daysBetween,
  type Interval,
  type IsoDate,
  nextPeriodStart,
  previousPeriodStart,
} from '../kernel/dates.js';
import type { VatCategory } from '../documents/invoice-document.js';
import { applyRate, formatAmount, type MinorAmount, multiplyRatio, type RatePercent } from '../kernel/money.js';

export interface BillingPlan {
  name: string;
  /** net price of one full period for a quantity of 1 */
  price: MinorAmount;
  currency: string;
  interval: Interval;
  every: number;
  taxRate: RatePercent;
}

/** What decides a membership's periods: its row in the database, in domain terms. */
export interface BillingSchedule {
  startDate: IsoDate;
  /** start of the next period to bill (a prorated first period starts on the start date) */
  nextInvoiceDate: IsoDate;
  /** null: `nextInvoiceDate` is on the anchored schedule */
  firstRecurringDate: IsoDate | null;
  anchorDay: number;
  /** the last day of the membership, inclusive */
  endDate: IsoDate | null;
  autoRenew: boolean;
  autoRenewUntil: IsoDate | null;
  doNotRenew: boolean;
  interval: Interval;
  every: number;
  /** terms whose renewal was accepted: billed like automatic renewals (renewals.ts) */
  acceptedTerms?: readonly IsoDate[];
  /** terms whose renewal was refused: never billed, whatever the auto-renew settings say */
  refusedTerms?: readonly IsoDate[];
}

/** One billable period `[start, end)`; a prorated one bills `days / fullDays` of the price. */
export interface Period {
  start: IsoDate;
  /** exclusive: the start of the following period */
  end: IsoDate;
  proration: { days: number; fullDays: number } | null;
}

/** Why billing stopped before reaching T: the end date, or a renewal the job may not make by itself. */
export type StopReason = 'end_date' | 'not_renewing';

export interface DuePeriods {
  periods: Period[];
  /** where billing resumes: past T when everything due was billed, else the first period not billed */
  nextInvoiceDate: IsoDate;
  stoppedBy: StopReason | null;
}

const before = (a: IsoDate, b: IsoDate) => compareDates(a, b) < 0;

/** The period starting on `start`: the prorated first period when it ends on the first recurring date. */
export function periodAt(schedule: BillingSchedule, start: IsoDate): Period {
  const { interval, every, anchorDay, firstRecurringDate } = schedule;
  if (firstRecurringDate !== null && before(start, firstRecurringDate)) {
    const fullStart = previousPeriodStart(firstRecurringDate, interval, every, anchorDay);
    const days = daysBetween(start, firstRecurringDate);
    const fullDays = daysBetween(fullStart, firstRecurringDate);
    return { start, end: firstRecurringDate, proration: days === fullDays ? null : { days, fullDays } };
  }
  return { start, end: nextPeriodStart(start, interval, every, anchorDay), proration: null };
}

/**
 * The first period (the one starting on the start date) is the membership's first term and is always billed;
 * every later one is a renewal, billed by the job only when the membership renews automatically up to it, or
 * when its renewal was accepted. A refused renewal is never billed.
 */
export function renewsAutomatically(schedule: BillingSchedule, periodStart: IsoDate): boolean {
  if (periodStart === schedule.startDate) return true;
  if (schedule.refusedTerms?.includes(periodStart)) return false;
  if (schedule.acceptedTerms?.includes(periodStart)) return !schedule.doNotRenew;
  if (!schedule.autoRenew || schedule.doNotRenew) return false;
  return schedule.autoRenewUntil === null || !before(schedule.autoRenewUntil, periodStart);
}

/**
 * Every period due as of `asOf`, oldest first (catch-up: one per missed period), and where billing resumes.
 * A period is due when it starts on or before `asOf`, on or before the end date, and is the first term or an
 * automatic renewal (`autoRenewUntil` not before its start). Periods are computed from the anchor day,
 * never chained from a clamped date.
 */
export function duePeriods(schedule: BillingSchedule, asOf: IsoDate): DuePeriods {
  const periods: Period[] = [];
  let start = schedule.nextInvoiceDate;
  let stoppedBy: StopReason | null = null;
  while (!before(asOf, start)) {
    if (schedule.endDate !== null && before(schedule.endDate, start)) {
      stoppedBy = 'end_date';
      break;
    }
    if (!renewsAutomatically(schedule, start)) {
      stoppedBy = 'not_renewing';
      break;
    }
    const period = periodAt(schedule, start);
    periods.push(period);
    start = period.end;
  }
  return { periods, nextInvoiceDate: start, stoppedBy };
}

export interface LineAmounts {
  net: MinorAmount;
  tax: MinorAmount;
  total: MinorAmount;
}

/**
 * net = round-half-up(unit price x quantity x days / full days), tax = round-half-up(net x rate), total = net + tax,
 * all in exact integer arithmetic. 17/31 of 100.00 is 54.84.
 */
export function lineAmounts(unitPrice: MinorAmount, quantity: number, taxRate: RatePercent, proration: Period['proration']): LineAmounts {
  const net = proration
    ? multiplyRatio(unitPrice, quantity * proration.days, proration.fullDays)
    : multiplyRatio(unitPrice, quantity, 1);
  const tax = applyRate(net, taxRate);
  return { net, tax, total: net + tax };
}

/** "Hot Desk x 3, 2025-10-15 to 2025-10-31 (prorated 17/31 days)": what a bookkeeper needs to check the line. */
export function lineDescription(planName: string, quantity: number, period: Period): string {
  const quantityText = quantity === 1 ? '' : ` x ${quantity}`;
  const prorated = period.proration ? ` (prorated ${period.proration.days}/${period.proration.fullDays} days)` : '';
  return `${planName}${quantityText}, ${period.start} to ${addDays(period.end, -1)}${prorated}`;
}

export interface DraftLine extends LineAmounts {
  /** null for a one-off charge's line */
  membershipId: number | null;
  /** the one-off charge the line bills (charges.ts); null for a membership's period */
  chargeId: number | null;
  memberId: number;
  memberName: string;
  payerId: number;
  planName: string;
  currency: string;
  description: string;
  periodStart: IsoDate;
  /** inclusive: the last day the line covers */
  periodEnd: IsoDate;
  quantity: number;
  unitPrice: MinorAmount;
  taxRate: RatePercent;
  /** EN 16931 VAT category (vat-category.ts `lineVat`), of which `taxRate` is the rate */
  vatCategory: VatCategory;
  /** the discount that reduced the line (`discountLines`); absent or null: none */
  discountId?: number | null;
  /** what that discount took off the net, in minor units; `net` is after it */
  discount?: MinorAmount;
  /** the delegate whose share of the period the line bills (`delegateLines`); absent or null: the whole period */
  delegateId?: number | null;
}

/** The lines of one membership's due periods, at the plan's rate in VAT category `vatCategory` (`lineVat`). */
export function draftLines(
  membership: { id: number; memberId: number; memberName: string; payerId: number; quantity: number },
  plan: BillingPlan,
  periods: readonly Period[],
  vatCategory: VatCategory,
): DraftLine[] {
  return periods.map((period) => ({
    membershipId: membership.id,
    chargeId: null,
    memberId: membership.memberId,
    memberName: membership.memberName,
    payerId: membership.payerId,
    planName: plan.name,
    currency: plan.currency,
    description: lineDescription(plan.name, membership.quantity, period),
    periodStart: period.start,
    periodEnd: addDays(period.end, -1),
    quantity: membership.quantity,
    unitPrice: plan.price,
    taxRate: plan.taxRate,
    vatCategory,
    ...lineAmounts(plan.price, membership.quantity, plan.taxRate, period.proration),
  }));
}

export interface DraftInvoice extends LineAmounts {
  payerId: number;
  currency: string;
  lines: DraftLine[];
}

/**
 * One invoice per payer and currency, with the payer's own lines first, then those of the members they pay
 * for (by name), each membership's periods in order. Totals are the sums of the lines. Invoices come ordered
 * by payer id, then currency.
 */
export function consolidate(lines: readonly DraftLine[]): DraftInvoice[] {
  const groups = new Map<string, DraftLine[]>();
  for (const line of lines) {
    const key = `${line.payerId}\u0000${line.currency}`;
    const group = groups.get(key);
    if (group) group.push(line);
    else groups.set(key, [line]);
  }
  const invoices: DraftInvoice[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    group.sort(
      (a, b) =>
        Number(a.memberId !== a.payerId) - Number(b.memberId !== b.payerId) ||
        a.memberName.localeCompare(b.memberName) ||
        a.memberId - b.memberId ||
        // a member's periods, then their one-off charges
        (a.membershipId ?? Number.MAX_SAFE_INTEGER) - (b.membershipId ?? Number.MAX_SAFE_INTEGER) ||
        (a.chargeId ?? 0) - (b.chargeId ?? 0) ||
        compareDates(a.periodStart, b.periodStart),
    );
    const sum = (pick: (l: DraftLine) => number) => group.reduce((total, l) => total + pick(l), 0);
    invoices.push({
      payerId: first.payerId,
      currency: first.currency,
      lines: group,
      net: sum((l) => l.net),
      tax: sum((l) => l.tax),
      total: sum((l) => l.total),
    });
  }
  return invoices.sort((a, b) => a.payerId - b.payerId || a.currency.localeCompare(b.currency));
}

/** A one-off charge as billing needs it (charges.ts): a net price per unit, a quantity, its day. */
export interface BillableCharge {
  id: number;
  memberId: number;
  memberName: string;
  payerId: number;
  description: string;
  quantity: number;
  unitPrice: MinorAmount;
  currency: string;
  date: IsoDate;
  deposit: boolean;
}

/**
 * "Meeting room, 3 x 12.50 EUR, 2026-12-06": a charge line's stored description, quantity times unit price, for
 * bookkeepers (documents write theirs from the line's columns: line-description.ts).
 */
export function chargeLineDescription(charge: Pick<BillableCharge, 'description' | 'quantity' | 'unitPrice' | 'currency' | 'date' | 'deposit'>): string {
  return `${charge.description}, ${charge.quantity} x ${formatAmount(charge.unitPrice, charge.currency)} ${charge.currency}, ${charge.date}${charge.deposit ? ' (refundable deposit)' : ''}`;
}

/** The line of a one-off charge, at `taxRate` in VAT category `vatCategory` (`lineVat`): amounts as a period's with no proration. */
export function chargeLine(charge: BillableCharge, taxRate: RatePercent, vatCategory: VatCategory): DraftLine {
  return {
    membershipId: null,
    chargeId: charge.id,
    memberId: charge.memberId,
    memberName: charge.memberName,
    payerId: charge.payerId,
    planName: charge.description,
    currency: charge.currency,
    description: chargeLineDescription(charge),
    periodStart: charge.date,
    periodEnd: charge.date,
    quantity: charge.quantity,
    unitPrice: charge.unitPrice,
    taxRate,
    vatCategory,
    ...lineAmounts(charge.unitPrice, charge.quantity, taxRate, null),
  };
}

/**
 * The first date on or after `start` falling on `billingDay` (1-28): where a prorated membership added without a
 * next invoice date starts recurring. The start date itself when it falls on that day.
 */
export function nextBillingDay(start: IsoDate, billingDay: number): IsoDate {
  const sameMonth = addMonthsAnchored(start, 0, billingDay);
  return before(sameMonth, start) ? addMonthsAnchored(start, 1, billingDay) : sameMonth;
}

/** The anchor day of a schedule whose first recurring invoice is on `firstRecurringDate`. */
export const anchorDayOf = (firstRecurringDate: IsoDate): number => dayOfMonth(firstRecurringDate);

/**
 * The longest prorated first period allowed: one full period, i.e. the start may not be before the previous
 * full period's start. Returns that earliest start date.
 */
export function earliestProratedStart(firstRecurringDate: IsoDate, interval: Interval, every: number): IsoDate {
  return previousPeriodStart(firstRecurringDate, interval, every, anchorDayOf(firstRecurringDate));
}

/** A membership's discount as billing needs it (discounts.ts), with the periods it already discounted. */
export interface BillingDiscount {
  id: number;
  /** a percentage ("15"), or null for a fixed amount */
  percent: RatePercent | null;
  /** a fixed net amount per period in minor units, or null for a percentage */
  amount: MinorAmount | null;
  /** how many billed periods it discounts; null: until removed */
  periods: number | null;
  /** periods already discounted, on invoice lines that are not voided */
  used: number;
}

/**
 * What a discount takes off a line whose net before discount is `gross`: a percentage is round-half-up(gross x
 * percent); a fixed amount is per period whatever the quantity, and a prorated period gets the same proportion,
 * round-half-up(amount x days / full days). Never more than `gross`: a line never goes below zero.
 */
export function discountAmount(gross: MinorAmount, discount: Pick<BillingDiscount, 'percent' | 'amount'>, proration: Period['proration']): MinorAmount {
  const off =
    discount.percent !== null
      ? applyRate(gross, discount.percent)
      : proration
        ? multiplyRatio(discount.amount ?? 0, proration.days, proration.fullDays)
        : (discount.amount ?? 0);
  return Math.min(Math.max(off, 0), gross);
}

/**
 * A membership's drafted lines (one per period, oldest first, as `draftLines` makes them) with its discount applied
 * to the periods it still has (all of them without a number of periods): each such line's net is reduced by
 * `discountAmount`, its tax is round-half-up(discounted net x rate) and its total their sum. The other lines are
 * returned as they are.
 */
export function discountLines(lines: readonly DraftLine[], periods: readonly Period[], discount: BillingDiscount | null): DraftLine[] {
  if (discount === null) return [...lines];
  const left = discount.periods === null ? lines.length : Math.max(discount.periods - discount.used, 0);
  return lines.map((line, i) => {
    if (i >= left) return line;
    const off = discountAmount(line.net, discount, periods[i]?.proration ?? null);
    const net = line.net - off;
    const tax = applyRate(net, line.taxRate);
    return { ...line, net, tax, total: net + tax, discountId: discount.id, discount: off };
  });
}

/** A delegate billed their share of a membership (delegates.ts): who they are and who pays for them. */
export interface BillingDelegate {
  memberId: number;
  memberName: string;
  payerId: number;
}

/** `amount` split over `count`: rounded down, the minor units left over on the first (100.00 / 3: 33.34, 33.33, 33.33). */
export function splitShares(amount: MinorAmount, count: number): MinorAmount[] {
  const base = Math.floor(amount / count);
  return Array.from({ length: count }, (_, i) => (i === 0 ? amount - base * (count - 1) : base));
}

/**
 * A membership's lines billed to its delegates, each their share, on their payer's invoice: every line becomes one
 * line per delegate (in the order they were named) with a quantity of 1, its net (after any discount) and its
 * discount split by `splitShares`, the odd cents on the first delegate; each share's tax is round-half-up(share x
 * rate). The description names the share and the holder.
 */
export function delegateLines(lines: readonly DraftLine[], delegates: readonly BillingDelegate[], holderName: string): DraftLine[] {
  if (delegates.length === 0) return [...lines];
  return lines.flatMap((line) => {
    const nets = splitShares(line.net, delegates.length);
    const discounts = splitShares(line.discount ?? 0, delegates.length);
    return delegates.map((delegate, i) => {
      const net = nets[i]!;
      const tax = applyRate(net, line.taxRate);
      const discount = discounts[i]!;
      return {
        ...line,
        memberId: delegate.memberId,
        memberName: delegate.memberName,
        payerId: delegate.payerId,
        description: `${line.description} (share ${i + 1} of ${delegates.length}, membership of ${holderName})`,
        quantity: 1,
        unitPrice: net + discount,
        net,
        tax,
        total: net + tax,
        discount,
        delegateId: delegate.memberId,
      };
    });
  });
}
