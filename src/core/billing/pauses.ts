/**
 * Pauses (`memberships pause|resume`, docs/billing.md "Pauses"): days of a membership that are not billed. A period
 * partly paused is billed for its other days (rules.ts `unpausedPeriod`); a pause over a period already invoiced
 * credits its days on the payer's next invoice (adjustments.ts), and resuming early charges back the days no longer
 * paused. Pauses of a membership never overlap.
 */
import type { Queryable } from '../../db/connect.js';
import type { Membership, Pause } from '../../db/types.js';
import { dataError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { addDays, compareDates, type IsoDate } from '../kernel/dates.js';
import { adjustmentsOver, type WrittenAdjustment, writeAdjustments } from './adjustments.js';
import { requireMembership } from './memberships.js';
import { type DayRange, pauseDays, untilResumed } from './rules.js';

const before = (a: IsoDate, b: IsoDate) => compareDates(a, b) < 0;
const latest = (a: IsoDate, b: IsoDate) => (before(a, b) ? b : a);

/** The documented `--json` shape of a pause. */
export const pauseJson = (p: Pause) => ({ id: p.id, membership: p.membership_id, from: p.start_date, to: p.end_date, reason: p.reason, cancelled: p.cancelled_at !== null });

export type PauseJson = ReturnType<typeof pauseJson>;

/** The membership's pauses that stand (not cancelled), in order. */
export async function pausesOf(db: Queryable, membershipId: number): Promise<Pause[]> {
  return db.selectFrom('pauses').selectAll().where('membership_id', '=', membershipId).where('cancelled_at', 'is', null).orderBy('start_date').execute();
}

const range = pauseDays;
/** "2026-07-01 to 2026-07-31", "from 2026-07-01 until resumed" */
const pauseText = (p: { start_date: IsoDate; end_date: IsoDate | null }) => (p.end_date === null ? `from ${p.start_date} until resumed` : `from ${p.start_date} to ${p.end_date}`);

export interface PauseInput {
  from: IsoDate;
  /** the last paused day; null: paused until resumed */
  to: IsoDate | null;
  reason?: string | null;
}

/**
 * Pauses membership `id` from `input.from` to `input.to` (both days included). Refused (65): a last day before the
 * first, a first day before the membership starts or after its end date, a pause overlapping another one. Periods
 * already invoiced get a credit of their paused days, billed by the first run on or after `asOf` and the next invoice
 * date. Run it inside a transaction.
 */
export async function pauseMembership(trx: Queryable, id: number, input: PauseInput, asOf: IsoDate, source: AuditSource): Promise<{ pause: Pause; adjustments: WrittenAdjustment[] }> {
  const membership = await requireMembership(trx, id);
  const { from, to } = input;
  if (to !== null && before(to, from)) throw dataError(`--to ${to} is before --from ${from}: --to is the last paused day`);
  if (before(from, membership.start_date)) throw dataError(`membership ${id} starts on ${membership.start_date}: a pause cannot begin before, on ${from}`);
  if (membership.end_date !== null && before(membership.end_date, from)) throw dataError(`membership ${id} ends on ${membership.end_date}: there is nothing to pause from ${from}`);
  const standing = await pausesOf(trx, id);
  const overlapping = standing.find((p) => !before(to ?? untilResumed, p.start_date) && !before(range(p).end, from));
  if (overlapping) {
    throw dataError(
      `membership ${id} is already paused ${pauseText(overlapping)} (pause ${overlapping.id}): pauses cannot overlap`,
      `to change that pause, resume it first (memberctl memberships resume ${id} --on DATE), then pause again`,
    );
  }
  const pause = await trx
    .insertInto('pauses')
    .values({ membership_id: id, start_date: from, end_date: to, reason: input.reason?.trim() || null, created_at: source.at })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, source, {
    action: 'pause',
    entity: 'memberships',
    entityId: id,
    memberId: membership.member_id,
    after: { pause_id: pause.id, start_date: from, end_date: to, reason: pause.reason },
    summary: `membership ${id} paused ${pauseText(pause)}${pause.reason ? `: ${pause.reason}` : ''}`,
  });
  const plan = await trx.selectFrom('plans').select(['tax_rate']).where('id', '=', membership.plan_id).executeTakeFirstOrThrow();
  const specs = await adjustmentsOver(trx, membership, range(pause), standing.map(range), (line) => [{
    membership,
    kind: 'pause',
    pauseId: pause.id,
    planName: line.plan_name,
    quantity: -line.quantity,
    unitPrice: line.unit_price,
    currency: line.currency,
    taxRate: plan.tax_rate,
    reason: { kind: 'pause', pause: range(pause) },
    date: latest(asOf, membership.next_invoice_date),
  }]);
  return { pause, adjustments: await writeAdjustments(trx, specs, source) };
}

/**
 * Resumes membership `id` on `on`: the pause in progress or to come on that day (the first whose last day is not
 * before it) ends the day before; resumed on or before its first day, it is cancelled and pauses nothing. No such
 * pause: refused (65). Days of invoiced periods no longer paused are charged back on the next invoice (their credit,
 * billed or not, stays as it is). Run it inside a transaction.
 */
export async function resumeMembership(trx: Queryable, id: number, on: IsoDate, asOf: IsoDate, source: AuditSource): Promise<{ pause: Pause; cancelled: boolean; adjustments: WrittenAdjustment[] }> {
  const membership = await requireMembership(trx, id);
  const standing = await pausesOf(trx, id);
  const current = standing.find((p) => !before(range(p).end, on));
  if (!current) {
    const last = standing.at(-1);
    throw dataError(
      `membership ${id} has no pause in progress or to come on ${on}${last ? ` (its last pause ended on ${last.end_date})` : ''}`,
      `pause it with memberctl memberships pause ${id} --from DATE --to DATE`,
    );
  }
  const cancelled = !before(current.start_date, on);
  const unpaused: DayRange = { start: cancelled ? current.start_date : on, end: range(current).end };
  const update = cancelled ? { cancelled_at: source.at } : { end_date: addDays(on, -1) };
  const pause = await trx.updateTable('pauses').set(update).where('id', '=', current.id).returningAll().executeTakeFirstOrThrow();
  await recordAudit(trx, source, {
    action: 'resume',
    entity: 'memberships',
    entityId: id,
    memberId: membership.member_id,
    before: { pause_id: current.id, start_date: current.start_date, end_date: current.end_date },
    after: cancelled ? { pause_id: current.id, cancelled_at: source.at } : { pause_id: current.id, end_date: pause.end_date },
    summary: cancelled
      ? `membership ${id}: pause ${pauseText(current)} cancelled (resumed on ${on}, before it began)`
      : `membership ${id} resumed on ${on}: paused ${pauseText(pause)}`,
  });
  await billSkippedPeriodsAgain(trx, membership, current, unpaused, source);
  const plan = await trx.selectFrom('plans').select(['tax_rate']).where('id', '=', membership.plan_id).executeTakeFirstOrThrow();
  const others = standing.filter((p) => p.id !== current.id).map(range);
  const specs = await adjustmentsOver(trx, membership, unpaused, others, (line) => [{
    membership,
    kind: 'resume',
    pauseId: current.id,
    planName: line.plan_name,
    quantity: line.quantity,
    unitPrice: line.unit_price,
    currency: line.currency,
    taxRate: plan.tax_rate,
    reason: { kind: 'resume', pause: range(current), resumedOn: on },
    date: latest(asOf, membership.next_invoice_date),
  }]);
  return { pause, cancelled, adjustments: await writeAdjustments(trx, specs, source) };
}

/**
 * Periods the job skipped because they were wholly paused have no line: when days of them are no longer paused, the
 * next invoice date moves back to the first of them (after the last period invoiced, not before the pause), so the
 * next run bills them for their days still to bill. Nothing moves when every day no longer paused is after it.
 */
async function billSkippedPeriodsAgain(trx: Queryable, membership: Membership, pause: Pause, unpaused: DayRange, source: AuditSource): Promise<void> {
  if (!before(unpaused.start, membership.next_invoice_date)) return;
  const last = await trx
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select((eb) => eb.fn.max('l.period_end').as('end'))
    .where('l.membership_id', '=', membership.id)
    .where('l.voided', '=', 0)
    .where('i.status', '<>', 'void')
    .executeTakeFirst();
  const lastEnd = last?.end ? String(last.end) : null;
  const imported = membership.covered_until !== null && before(membership.start_date, membership.covered_until) ? membership.covered_until : membership.start_date;
  const skippedFrom = lastEnd === null ? imported : addDays(lastEnd, 1);
  if (!before(skippedFrom, membership.next_invoice_date) || before(skippedFrom, pause.start_date)) return;
  await trx.updateTable('memberships').set({ next_invoice_date: skippedFrom, updated_at: source.at }).where('id', '=', membership.id).execute();
  await recordAudit(trx, source, {
    action: 'update',
    entity: 'memberships',
    entityId: membership.id,
    memberId: membership.member_id,
    before: { next_invoice_date: membership.next_invoice_date },
    after: { next_invoice_date: skippedFrom },
    summary: `membership ${membership.id}: billed again from ${skippedFrom}, the periods skipped while paused`,
  });
}
