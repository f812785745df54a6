/**
 * Adjustments (docs/billing.md, "Adjustments"): lines that correct a period already invoiced, billed once on the
 * payer's next invoice like one-off charges (invoicing.ts). A pause over an invoiced period credits its days; resuming
 * early charges back the days no longer paused; a plan change with proration credits the rest of the period at the
 * old price and charges it at the new one. Each is a fraction `days / fullDays` of a full period's price, rounded on
 * its own (rules.ts `adjustmentAmounts`). The database keeps each on at most one line that is not voided.
 */
import type { Queryable } from '../../db/connect.js';
import type { Adjustment, AdjustmentKind, InvoiceLine, Membership, Plan } from '../../db/types.js';
import { type AuditSource, recordAudits } from '../kernel/audit.js';
import { addDays, compareDates, daysBetween, type IsoDate, previousPeriodStart } from '../kernel/dates.js';
import { formatAmount } from '../kernel/money.js';
import { type AdjustmentReason, adjustmentAmounts, adjustmentDescription, type CorrectedLine, type DayRange, pausedParts } from './rules.js';

const before = (a: IsoDate, b: IsoDate) => compareDates(a, b) < 0;

/** A billed period of a membership: a line (not voided) of an invoice that is not void. */
export type BilledLine = Pick<InvoiceLine, 'id' | 'plan_name' | 'period_start' | 'period_end' | 'quantity' | 'unit_price' | 'full_days' | 'net' | 'discount'> & { number: string; currency: string };

/** The membership's billed periods with days in `range` (`end` null: no end), oldest first. */
export async function billedLinesIn(db: Queryable, membershipId: number, range: { start: IsoDate; end: IsoDate | null }): Promise<BilledLine[]> {
  let query = db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select(['l.id', 'l.plan_name', 'l.period_start', 'l.period_end', 'l.quantity', 'l.unit_price', 'l.full_days', 'l.net', 'l.discount', 'i.number', 'i.currency'])
    .where('l.membership_id', '=', membershipId)
    .where('l.voided', '=', 0)
    .where('i.status', '<>', 'void')
    .where('l.period_end', '>=', range.start);
  if (range.end !== null) query = query.where('l.period_start', '<=', range.end);
  return query.orderBy('l.period_start').orderBy('l.id').execute();
}

/**
 * The days of the full period a billed line prorates by: stored with lines issued since adjustments exist; for an
 * older line, its own days, or for the membership's prorated first period the full period before the first
 * recurring date on its plan's schedule.
 */
export function lineFullDays(line: BilledLine, membership: Pick<Membership, 'start_date' | 'first_recurring_date' | 'anchor_day'>, plan: Pick<Plan, 'interval' | 'every'>): number {
  if (line.full_days !== null) return line.full_days;
  const end = addDays(line.period_end, 1);
  if (line.period_start === membership.start_date && membership.first_recurring_date === end) {
    return daysBetween(previousPeriodStart(end, plan.interval, plan.every, membership.anchor_day), end);
  }
  return daysBetween(line.period_start, end);
}

/** The days of `line` inside `range`, less those inside `paused` (days never billed): each stretch left, with its days. */
export function daysToAdjust(line: Pick<BilledLine, 'period_start' | 'period_end'>, range: { start: IsoDate; end: IsoDate | null }, paused: readonly DayRange[]): { days: DayRange; count: number } | null {
  const start = before(line.period_start, range.start) ? range.start : line.period_start;
  const end = range.end === null || before(line.period_end, range.end) ? line.period_end : range.end;
  if (before(end, start)) return null;
  const count = daysBetween(start, end) + 1 - pausedParts(start, addDays(end, 1), paused).reduce((n, p) => n + daysBetween(p.start, p.end) + 1, 0);
  return count > 0 ? { days: { start, end }, count } : null;
}

/** One adjustment to write: what it corrects, by how much. */
export interface AdjustmentSpec {
  membership: Pick<Membership, 'id' | 'member_id'>;
  kind: AdjustmentKind;
  pauseId?: number | null;
  line: BilledLine;
  planName: string;
  days: DayRange;
  count: number;
  fullDays: number;
  /** negative for a credit */
  quantity: number;
  unitPrice: number;
  currency: string;
  taxRate: string;
  reason: AdjustmentReason;
  /** billed by the first run on or after it */
  date: IsoDate;
}

/**
 * The adjustments of the days of `days` (`end` null: no end) in each billed period of the membership, less the days
 * of `pauses` (never billed): `make` gives each line's (a credit, or a credit and a charge), by default prorated by the
 * line's full period.
 */
export async function adjustmentsOver(
  db: Queryable,
  membership: Membership,
  days: { start: IsoDate; end: IsoDate | null },
  pauses: readonly DayRange[],
  make: (line: BilledLine, fullDays: number) => Array<Omit<AdjustmentSpec, 'line' | 'days' | 'count' | 'fullDays'> & { fullDays?: number }>,
): Promise<AdjustmentSpec[]> {
  const plan = await db.selectFrom('plans').select(['interval', 'every']).where('id', '=', membership.plan_id).executeTakeFirstOrThrow();
  const specs: AdjustmentSpec[] = [];
  for (const line of await billedLinesIn(db, membership.id, days)) {
    const part = daysToAdjust(line, days, pauses);
    if (part === null) continue;
    const fullDays = lineFullDays(line, membership, plan);
    for (const made of make(line, fullDays)) specs.push({ fullDays, ...made, line, days: part.days, count: part.count });
  }
  return specs;
}

/** An adjustment with the line it corrects (a discounted line's days are corrected after its discount). */
export type WrittenAdjustment = Adjustment & { corrected: CorrectedLine };

/** The documented `--json` shape of an adjustment: money as decimal strings, the net before tax. */
export function adjustmentJson(a: WrittenAdjustment) {
  const { net } = adjustmentAmounts(a.unit_price, a.quantity, a.tax_rate, a.days, a.full_days, a.corrected);
  return {
    id: a.id,
    membership: a.membership_id,
    kind: a.kind,
    description: a.description,
    periodStart: a.period_start,
    periodEnd: a.period_end,
    days: a.days,
    fullDays: a.full_days,
    quantity: a.quantity,
    unitPrice: formatAmount(a.unit_price, a.currency),
    net: formatAmount(net, a.currency),
    currency: a.currency,
    taxRate: a.tax_rate,
    date: a.date,
  };
}

export type AdjustmentJson = ReturnType<typeof adjustmentJson>;

/** Writes the adjustments and their audit entries. Run it inside the transaction of the change that makes them. */
export async function writeAdjustments(trx: Queryable, specs: readonly AdjustmentSpec[], source: AuditSource): Promise<WrittenAdjustment[]> {
  const written: WrittenAdjustment[] = [];
  for (const spec of specs) {
    const description = adjustmentDescription(spec.planName, spec.quantity, spec.days, { days: spec.count, fullDays: spec.fullDays }, spec.reason);
    const row = await trx
      .insertInto('adjustments')
      .values({
        membership_id: spec.membership.id,
        kind: spec.kind,
        pause_id: spec.pauseId ?? null,
        line_id: spec.line.id,
        plan_name: spec.planName,
        description,
        period_start: spec.days.start,
        period_end: spec.days.end,
        days: spec.count,
        full_days: spec.fullDays,
        quantity: spec.quantity,
        unit_price: spec.unitPrice,
        currency: spec.currency,
        tax_rate: spec.taxRate,
        date: spec.date,
        created_at: source.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    written.push({ ...row, corrected: { net: spec.line.net, discount: spec.line.discount } });
  }
  await recordAudits(
    trx,
    source,
    written.map((a, i) => ({
      action: 'insert',
      entity: 'adjustments',
      entityId: a.id,
      memberId: specs[i]!.membership.member_id,
      after: { ...a, corrected: undefined },
      summary: `adjustment ${a.id} of membership ${a.membership_id} for invoice ${specs[i]!.line.number}: ${a.description}, ${adjustmentJson(a).net} ${a.currency} on the next invoice`,
    })),
  );
  return written;
}
