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
import { applyRate, formatAmount, type MinorAmount, multiplyRatio, multiplyRatios, type RatePercent } from '../kernel/money.js';

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

/**
 * "Hot Desk x 3, 2025-10-15 to 2025-10-31 (prorated 17/31 days)": what a bookkeeper needs to check the line; a period
 * partly paused names its pauses: "Hot Desk, 2026-07-01 to 2026-07-31 (prorated 10/31 days, paused 2026-07-11 to 2026-07-31)".
 */
export function lineDescription(planName: string, quantity: number, period: Period, paused: readonly DayRange[] = []): string {
  const quantityText = quantity === 1 ? '' : ` x ${quantity}`;
  const pauses = paused.map((p) => `paused ${p.start} to ${p.end}`);
  const notes = [...(period.proration ? [`prorated ${period.proration.days}/${period.proration.fullDays} days`] : []), ...pauses];
  return `${planName}${quantityText}, ${period.start} to ${addDays(period.end, -1)}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}

/** Days from `start` to `end`, both inclusive (a pause, or the days an adjustment corrects). */
export interface DayRange {
  start: IsoDate;
  end: IsoDate;
}

/** The last day of a pause with none (paused until resumed), in day arithmetic: never reached. */
export const untilResumed: IsoDate = '9999-12-31';

/** A pause's days, a pause without a last day running until `untilResumed`. */
export const pauseDays = (p: { start_date: IsoDate; end_date: IsoDate | null }): DayRange => ({ start: p.start_date, end: p.end_date ?? untilResumed });

/** The part of each pause inside `[start, endExclusive)`, in order: the paused days of a period. */
export function pausedParts(start: IsoDate, endExclusive: IsoDate, pauses: readonly DayRange[]): DayRange[] {
  const last = addDays(endExclusive, -1);
  const parts: DayRange[] = [];
  for (const pause of [...pauses].sort((a, b) => compareDates(a.start, b.start))) {
    const from = before(pause.start, start) ? start : pause.start;
    const to = before(last, pause.end) ? last : pause.end;
    if (!before(to, from)) parts.push({ start: from, end: to });
  }
  return parts;
}

const rangeDays = (range: DayRange) => daysBetween(range.start, range.end) + 1;

/**
 * A period as billed around the membership's pauses: its paused days are not billed, the rest is prorated by days
 * like a first period (`days` billed of the full period's `fullDays`). Null when the whole period is paused: it
 * is not billed at all. Pauses never overlap (pauses.ts refuses it), so their days add up.
 */
export function unpausedPeriod(period: Period, pauses: readonly DayRange[]): { period: Period; paused: DayRange[] } | null {
  const paused = pausedParts(period.start, period.end, pauses);
  if (paused.length === 0) return { period, paused };
  const days = period.proration?.days ?? daysBetween(period.start, period.end);
  const fullDays = period.proration?.fullDays ?? days;
  const billed = days - paused.reduce((n, p) => n + rangeDays(p), 0);
  if (billed <= 0) return null;
  return { period: { ...period, proration: { days: billed, fullDays } }, paused };
}

export interface DraftLine extends LineAmounts {
  /** the membership whose period the line bills; null for a one-off charge's or an adjustment's line */
  membershipId: number | null;
  /** the one-off charge the line bills (charges.ts); null for a membership's period */
  chargeId: number | null;
  /** the adjustment the line bills (adjustments.ts); null otherwise */
  adjustmentId: number | null;
  /** a membership period's: the days of its full period, which an adjustment of it prorates by; null otherwise */
  fullDays: number | null;
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
  /** a membership period's line: the part of the full period it bills (a first period, paused days), null for all of it */
  proration?: Period['proration'];
  /** the discount that reduced the line (`discountLines`); absent or null: none */
  discountId?: number | null;
  /** what that discount took off the net, in minor units; `net` is after it */
  discount?: MinorAmount;
  /** the delegate whose share of the period the line bills (`delegateLines`); absent or null: the whole period */
  delegateId?: number | null;
}

/**
 * The lines of one membership's due periods, at the plan's rate in VAT category `vatCategory` (`lineVat`), around its
 * `pauses` (`unpausedPeriod`: a period wholly paused has no line).
 */
export function draftLines(
  membership: { id: number; memberId: number; memberName: string; payerId: number; quantity: number },
  plan: BillingPlan,
  due: readonly Period[],
  vatCategory: VatCategory,
  pauses: readonly DayRange[] = [],
): DraftLine[] {
  const billed = due.map((period) => unpausedPeriod(period, pauses)).filter((p) => p !== null);
  return billed.map(({ period, paused }) => ({
    membershipId: membership.id,
    chargeId: null,
    adjustmentId: null,
    fullDays: period.proration?.fullDays ?? daysBetween(period.start, period.end),
    memberId: membership.memberId,
    memberName: membership.memberName,
    payerId: membership.payerId,
    planName: plan.name,
    currency: plan.currency,
    description: lineDescription(plan.name, membership.quantity, period, paused),
    periodStart: period.start,
    periodEnd: addDays(period.end, -1),
    quantity: membership.quantity,
    unitPrice: plan.price,
    taxRate: plan.taxRate,
    vatCategory,
    proration: period.proration,
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
        // a membership's periods, then its adjustments
        (a.adjustmentId ?? 0) - (b.adjustmentId ?? 0) ||
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
    adjustmentId: null,
    fullDays: null,
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

/**
 * An adjustment's amounts: `days / fullDays` of the unit price times the quantity, negative for a credit (a negative
 * quantity). Each is rounded half up on its magnitude, then given its sign, so that a credit is exactly the opposite
 * of the same charge: a credit of 15/30 of 10.01 is -5.01 (5.005 rounded half up), tax likewise.
 */
export function adjustmentAmounts(unitPrice: MinorAmount, quantity: number, taxRate: RatePercent, days: number, fullDays: number, corrected?: CorrectedLine): LineAmounts {
  // a discounted line's days are corrected at what they were billed: the same proportion off as the line had
  const discounted = corrected !== undefined && corrected.discount > 0 && corrected.net > 0;
  const net = discounted
    ? multiplyRatios(unitPrice, [Math.abs(quantity), days, corrected.net], [fullDays, corrected.net + corrected.discount])
    : multiplyRatio(unitPrice, Math.abs(quantity) * days, fullDays);
  const tax = applyRate(net, taxRate);
  // 0 - x: a credit of nothing is 0, not -0
  const signed = (amount: MinorAmount) => (quantity < 0 ? 0 - amount : amount);
  return { net: signed(net), tax: signed(tax), total: signed(net + tax) };
}

/** The invoice line an adjustment corrects, as far as its amount goes: its net (after its discount) and its discount. */
export interface CorrectedLine {
  net: MinorAmount;
  discount: MinorAmount;
}

/** What an adjustment does, as its line says it (adjustments.ts). */
export type AdjustmentReason =
  | { kind: 'pause'; pause: DayRange }
  | { kind: 'resume'; pause: DayRange; resumedOn: IsoDate }
  | { kind: 'plan_credit'; from: IsoDate; to: string }
  | { kind: 'plan_charge'; from: IsoDate; previous: string };

/**
 * "Hot Desk, paused 2026-07-01 to 2026-07-31 (credit 31/31 days)", "Hot Desk, resumed 2026-07-20, paused
 * 2026-07-20 to 2026-07-31 billed again (charge 12/31 days)", "Hot Desk, 2026-07-16 to 2026-07-31, changed to Fixed
 * Desk (credit 16/31 days)", "Fixed Desk x 2, 2026-07-16 to 2026-07-31, changed from Hot Desk (charge 16/31 days)".
 */
export function adjustmentDescription(planName: string, quantity: number, days: DayRange, fraction: { days: number; fullDays: number }, reason: AdjustmentReason): string {
  const count = Math.abs(quantity);
  const quantityText = count === 1 ? '' : ` x ${count}`;
  const what = `${quantity < 0 ? 'credit' : 'charge'} ${fraction.days}/${fraction.fullDays} days`;
  const range = `${days.start} to ${days.end}`;
  switch (reason.kind) {
    case 'pause':
      return `${planName}${quantityText}, paused ${range} (${what})`;
    case 'resume':
      return `${planName}${quantityText}, resumed ${reason.resumedOn}: ${range} no longer paused (${what})`;
    case 'plan_credit':
      return `${planName}${quantityText}, ${range}, changed to ${reason.to} (${what})`;
    case 'plan_charge':
      return `${planName}${quantityText}, ${range}, changed from ${reason.previous} (${what})`;
  }
}

/** An adjustment as billing needs it (adjustments.ts): a fraction of a full period's price, a signed quantity. */
export interface BillableAdjustment {
  id: number;
  membershipId: number;
  memberId: number;
  memberName: string;
  payerId: number;
  planName: string;
  description: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  days: number;
  fullDays: number;
  quantity: number;
  unitPrice: MinorAmount;
  currency: string;
  /** the line it corrects: a discounted one's days are corrected after its discount */
  corrected?: CorrectedLine;
}

/** The line of an adjustment, at `taxRate` in VAT category `vatCategory` (`lineVat`). */
export function adjustmentLine(adjustment: BillableAdjustment, taxRate: RatePercent, vatCategory: VatCategory): DraftLine {
  return {
    // not the membership's: its lines are its billed periods, which an adjustment is not
    membershipId: null,
    chargeId: null,
    adjustmentId: adjustment.id,
    fullDays: adjustment.fullDays,
    memberId: adjustment.memberId,
    memberName: adjustment.memberName,
    payerId: adjustment.payerId,
    planName: adjustment.planName,
    currency: adjustment.currency,
    description: adjustment.description,
    periodStart: adjustment.periodStart,
    periodEnd: adjustment.periodEnd,
    quantity: adjustment.quantity,
    unitPrice: adjustment.unitPrice,
    taxRate,
    vatCategory,
    ...adjustmentAmounts(adjustment.unitPrice, adjustment.quantity, taxRate, adjustment.days, adjustment.fullDays, adjustment.corrected),
  };
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
 * A membership's drafted lines (one per period billed, oldest first, as `draftLines` makes them: a period wholly
 * paused has none and takes none of the discount's periods) with its discount applied
 * to the periods it still has (all of them without a number of periods): each such line's net is reduced by
 * `discountAmount`, its tax is round-half-up(discounted net x rate) and its total their sum. The other lines are
 * returned as they are.
 */
export function discountLines(lines: readonly DraftLine[], discount: BillingDiscount | null): DraftLine[] {
  if (discount === null) return [...lines];
  const left = discount.periods === null ? lines.length : Math.max(discount.periods - discount.used, 0);
  return lines.map((line, i) => {
    if (i >= left) return line;
    const off = discountAmount(line.net, discount, lineProration(line));
    const net = line.net - off;
    const tax = applyRate(net, line.taxRate);
    return { ...line, net, tax, total: net + tax, discountId: discount.id, discount: off };
  });
}

/**
 * The part of its full period a membership's line bills, as `days / fullDays`, or null for the whole period: a first
 * period begun late, or a period partly paused, is discounted in the same proportion as it is billed.
 */
function lineProration(line: DraftLine): Period['proration'] {
  return line.proration ?? null;
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
