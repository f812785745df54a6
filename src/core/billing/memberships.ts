/**
 * Creating and changing memberships. `addMembership` is the one way a membership is created, whether from
 * `memberships add`, `contacts convert` or an import: it takes plain values and decides the billing schedule
 * (first recurring date, anchor day, imported coverage, prorated first period) the same way for all of them.
 */
import type { Queryable } from '../../db/connect.js';
import type { Membership, NewMembership, Plan } from '../../db/types.js';
import { adjustmentsOver, type WrittenAdjustment, writeAdjustments } from './adjustments.js';
import { dataError, notFoundError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { anchorDayOf, type BillingSchedule, duePeriods, earliestProratedStart, nextBillingDay, pauseDays } from './rules.js';
import { addDays, addMonthsAnchored, compareDates, daysBetween, type IsoDate, isIsoDate, previousPeriodStart } from '../kernel/dates.js';
import { formatAmount, parseAmount } from '../kernel/money.js';
import type { ProblemCode } from '../kernel/problems.js';
import { getSetting } from '../kernel/settings.js';

export interface MembershipInput {
  memberId: number;
  planId: number;
  startDate: IsoDate;
  /**
   * The first recurring invoice date. After the start date, the period before it counts as paid (imported
   * memberships), unless `prorateFirst`, which bills `[start, nextInvoiceDate)` prorated. Omitted: billing
   * starts on the start date, or with `prorateFirst` on the next `billing-day` after a prorated first period.
   */
  nextInvoiceDate?: IsoDate | null;
  /** the last day of the membership, inclusive */
  endDate?: IsoDate | null;
  /**
   * The day of month the periods fall on; default: the day of the first recurring date. An import that computes the
   * next invoice date from the start date keeps the start's day (a start on the 31st bills on each month's last day).
   */
  anchorDay?: number;
  /** default 1 */
  quantity?: number;
  /** its own net price per period, in minor units of the plan's currency; null or absent: the plan's price */
  price?: number | null;
  /**
   * Refuse (65) a membership on a plan the member already has at the same time (`memberships add`, unless
   * `--allow-overlap` asks for a second desk). Default false: callers that create memberships from records they
   * check themselves (conversions, fixtures) are not refused.
   */
  refuseOverlap?: boolean;
  prorateFirst?: boolean;
  /** default: the plan's */
  autoRenew?: boolean | null;
  autoRenewUntil?: IsoDate | null;
  /** a reason makes the membership do-not-renew */
  doNotRenewReason?: string | null;
  /** a reason makes the membership intervention-required */
  interventionReason?: string | null;
  externalId?: string | null;
  /** where it came from, stored with it: `cli` (default), `import`, `stripe`, `convert` */
  origin?: string;
}

export interface MembershipIssue {
  field: 'memberId' | 'planId' | 'startDate' | 'nextInvoiceDate' | 'endDate' | 'quantity' | 'autoRenewUntil';
  code: ProblemCode;
  message: string;
}

/** The schedule columns of a new membership. */
export type MembershipSchedule = Pick<
  NewMembership,
  'next_invoice_date' | 'first_recurring_date' | 'anchor_day' | 'covered_until' | 'prorate_first'
>;

const before = (a: IsoDate, b: IsoDate) => compareDates(a, b) < 0;

/**
 * Checks a new membership's values against its plan and works out its billing schedule. Never throws: the
 * issues say what is wrong (an importer turns them into row problems, `addMembership` refuses with the first).
 */
export function planMembership(
  input: MembershipInput,
  plan: Pick<Plan, 'name' | 'interval' | 'every' | 'archived'>,
  billingDay: number,
): { schedule: MembershipSchedule | null; issues: MembershipIssue[] } {
  const issues: MembershipIssue[] = [];
  const issue = (field: MembershipIssue['field'], code: ProblemCode, message: string) => issues.push({ field, code, message });
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1) issue('quantity', 'invalid_number', `quantity ${quantity}: a whole number of at least 1`);
  if (plan.archived === 1) issue('planId', 'unknown_plan', `plan "${plan.name}" is archived; restore it with \`memberctl plans archive "${plan.name}" --undo\``);
  const dates = { startDate: input.startDate, nextInvoiceDate: input.nextInvoiceDate, endDate: input.endDate, autoRenewUntil: input.autoRenewUntil };
  for (const [field, value] of Object.entries(dates) as Array<[MembershipIssue['field'], IsoDate | null | undefined]>) {
    if (value !== undefined && value !== null && !isIsoDate(value)) issue(field, 'invalid_date', `"${value}" is not a YYYY-MM-DD date`);
  }
  if (issues.length > 0) return { schedule: null, issues };

  const start = input.startDate;
  const next = input.nextInvoiceDate ?? null;
  if (next !== null && before(next, start)) {
    issue('nextInvoiceDate', 'next_invoice_before_start', `next invoice date ${next} is before the start date ${start}`);
  }
  if (input.endDate && before(input.endDate, start)) issue('endDate', 'invalid_value', `end date ${input.endDate} is before the start date ${start}`);
  if (input.autoRenewUntil && before(input.autoRenewUntil, start)) {
    issue('autoRenewUntil', 'invalid_value', `auto-renew-until ${input.autoRenewUntil} is before the start date ${start}`);
  }
  if (issues.length > 0) return { schedule: null, issues };

  const prorate = Boolean(input.prorateFirst);
  const firstRecurring = next ?? (prorate ? nextBillingDay(start, billingDay) : start);
  const anchorDay = input.anchorDay ?? anchorDayOf(firstRecurring);
  if (firstRecurring === start) {
    return { schedule: { next_invoice_date: start, first_recurring_date: start, anchor_day: anchorDay, covered_until: null, prorate_first: prorate ? 1 : 0 }, issues };
  }
  if (!prorate) {
    // imported: the period before the first recurring invoice was paid in the old system
    return {
      schedule: { next_invoice_date: firstRecurring, first_recurring_date: firstRecurring, anchor_day: anchorDay, covered_until: firstRecurring, prorate_first: 0 },
      issues,
    };
  }
  const earliest = earliestProratedStart(firstRecurring, plan.interval, plan.every);
  if (before(start, earliest)) {
    issue(
      'nextInvoiceDate',
      'invalid_value',
      `a prorated first period is at most one full period: with a start on ${start}, the next invoice date is at the latest ${latestProratedNext(start, plan)}`,
    );
    return { schedule: null, issues };
  }
  return { schedule: { next_invoice_date: start, first_recurring_date: firstRecurring, anchor_day: anchorDay, covered_until: null, prorate_first: 1 }, issues };
}

function latestProratedNext(start: IsoDate, plan: Pick<Plan, 'interval' | 'every'>): IsoDate {
  return addMonthsAnchored(start, plan.interval === 'year' ? 12 * plan.every : plan.every);
}

/**
 * A price typed for a membership (`--price`): an amount in the plan's currency (decimal comma, currency signs), or
 * `plan` to follow the plan's price (null). A bad value is a 64 naming the option.
 */
export function parseMembershipPrice(text: string, currency: string, option = '--price'): number | null {
  if (text.trim().toLowerCase() === 'plan') return null;
  const parsed = parseAmount(text, currency);
  if (!parsed.ok) {
    throw usageError(
      `${option}: ${parsed.reason === 'ambiguous' || parsed.reason === 'currency_mismatch' ? parsed.message : `"${text.trim()}" is not an amount (${parsed.reason})`}`,
      `write it in ${currency} like 49, 49.50 or 49,50, or \`plan\` to follow the plan's price`,
    );
  }
  if (parsed.value < 0) throw usageError(`${option}: "${text.trim()}": a price cannot be negative`);
  return parsed.value;
}

/** Whether two date ranges overlap; a null end never ends. Both ends are inclusive. */
export function rangesOverlap(a: { start: IsoDate; end: IsoDate | null }, b: { start: IsoDate; end: IsoDate | null }): boolean {
  return !((a.end !== null && before(a.end, b.start)) || (b.end !== null && before(b.end, a.start)));
}

/**
 * The last day a membership on `plan` runs: its end date; else, when it does not renew automatically for ever
 * (a term membership, do-not-renew, auto-renew-until), the day before billing stops by itself; null when it has no end.
 */
export function lastDayOf(m: Membership, plan: Pick<Plan, 'interval' | 'every'>): IsoDate | null {
  if (m.end_date !== null) return m.end_date;
  if (m.auto_renew === 1 && m.do_not_renew === 0 && m.auto_renew_until === null) return null;
  const schedule: BillingSchedule = {
    startDate: m.start_date,
    nextInvoiceDate: m.next_invoice_date,
    firstRecurringDate: m.first_recurring_date,
    anchorDay: m.anchor_day,
    endDate: null,
    autoRenew: m.auto_renew === 1,
    autoRenewUntil: m.auto_renew_until,
    doNotRenew: m.do_not_renew === 1,
    interval: plan.interval,
    every: plan.every,
  };
  return addDays(duePeriods(schedule, '9999-12-31').nextInvoiceDate, -1);
}

/** One of the member's memberships at the same time as a new one, with its last day (`lastDayOf`). */
export interface Overlap {
  membership: Membership;
  lastDay: IsoDate | null;
}

/** The member's memberships on `plan` at the same time as `[start, end]` (end inclusive, null: no end), oldest first. */
export async function overlappingMemberships(
  db: Queryable,
  memberId: number,
  plan: Pick<Plan, 'id' | 'interval' | 'every'>,
  range: { start: IsoDate; end: IsoDate | null },
): Promise<Overlap[]> {
  const same = await db.selectFrom('memberships').selectAll().where('member_id', '=', memberId).where('plan_id', '=', plan.id).orderBy('start_date').orderBy('id').execute();
  return same.map((membership) => ({ membership, lastDay: lastDayOf(membership, plan) })).filter((o) => rangesOverlap({ start: o.membership.start_date, end: o.lastDay }, range));
}

const period = (o: Overlap) => (o.lastDay === null ? `from ${o.membership.start_date}, no end date` : `${o.membership.start_date} to ${o.lastDay}`);

/**
 * Creates a membership from plain values (dates already `YYYY-MM-DD`): refuses (65) an unknown member or plan,
 * an archived plan, incoherent dates and quantity, with the first issue found, or (with `refuseOverlap`) a membership
 * on a plan the member already has at the same time. Records it in the audit log.
 */
export async function addMembership(db: Queryable, input: MembershipInput, source: AuditSource): Promise<Membership> {
  const member = await db.selectFrom('members').select(['id', 'name']).where('id', '=', input.memberId).executeTakeFirst();
  if (!member) throw notFoundError(`no member with id ${input.memberId}`);
  const plan = await db.selectFrom('plans').selectAll().where('id', '=', input.planId).executeTakeFirst();
  if (!plan) throw notFoundError(`no plan with id ${input.planId}`);
  const { schedule, issues } = planMembership(input, plan, await getSetting(db, 'billing-day'));
  if (!schedule || issues.length > 0) throw dataError(issues[0]?.message ?? 'invalid membership');
  const price = input.price ?? null;
  if (price !== null && (!Number.isSafeInteger(price) || price < 0)) throw dataError(`price ${price}: a whole number of minor units, not negative`);
  if (input.refuseOverlap) {
    const [other] = await overlappingMemberships(db, member.id, plan, { start: input.startDate, end: input.endDate ?? null });
    if (other) {
      throw dataError(
        `${member.name} already has membership ${other.membership.id} on "${plan.name}" (${period(other)}) at the same time`,
        `for a second one at once (another desk), add it with --allow-overlap; to change that one: memberctl memberships set ${other.membership.id}`,
      );
    }
  }
  const membership = await db
    .insertInto('memberships')
    .values({
      member_id: member.id,
      plan_id: plan.id,
      quantity: input.quantity ?? 1,
      price,
      start_date: input.startDate,
      ...schedule,
      end_date: input.endDate ?? null,
      auto_renew: (input.autoRenew ?? plan.auto_renew === 1) ? 1 : 0,
      auto_renew_until: input.autoRenewUntil ?? null,
      do_not_renew: input.doNotRenewReason ? 1 : 0,
      do_not_renew_reason: input.doNotRenewReason ?? null,
      intervention_required: input.interventionReason ? 1 : 0,
      intervention_reason: input.interventionReason ?? null,
      external_id: input.externalId ?? null,
      source: input.origin ?? 'cli',
      created_at: source.at,
      updated_at: source.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, source, {
    action: 'insert',
    entity: 'memberships',
    entityId: membership.id,
    memberId: member.id,
    after: membership,
    summary: `membership ${membership.id} (${plan.name}) added for ${member.name}, starting ${membership.start_date}`,
  });
  return membership;
}

/** The membership with this id, or a 65. */
export async function requireMembership(db: Queryable, id: number): Promise<Membership> {
  const membership = await db.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
  if (!membership) throw notFoundError(`no membership with id ${id}`, 'see the memberships of a member with `memberctl members show REF`');
  return membership;
}

/** What `memberships set` may change; an absent field is left as it is, `null` clears a date. */
export interface MembershipChanges {
  planId?: number;
  quantity?: number;
  /** its own net price per period, in minor units of its plan's currency; null: follow the plan's price again */
  price?: number | null;
  autoRenew?: boolean;
  autoRenewUntil?: IsoDate | null;
  /** a reason sets do-not-renew, false clears it */
  doNotRenew?: { reason: string } | false;
  /** a reason sets intervention-required, false clears it */
  intervention?: { reason: string } | false;
  endDate?: IsoDate | null;
  /** where billing resumes; periods already billed (not void) cannot be billed again */
  nextInvoiceDate?: IsoDate;
  /**
   * With `planId`: the first day on the new plan, not after the next invoice date. Without `prorate` the new plan
   * bills from the next period on; with it, the days from here of periods already invoiced are credited at the old
   * price and charged at the new one on the next invoice.
   */
  planFrom?: IsoDate;
  prorate?: boolean;
}

/** Applies the changes (validated: 65 on incoherent dates), records the before and after in the audit log. */
export async function setMembership(db: Queryable, id: number, changes: MembershipChanges, source: AuditSource): Promise<Membership> {
  return (await changeMembership(db, id, changes, source)).membership;
}

/** `setMembership`, with the adjustments a prorated plan change made. */
export async function changeMembership(db: Queryable, id: number, changes: MembershipChanges, source: AuditSource): Promise<{ membership: Membership; adjustments: WrittenAdjustment[] }> {
  const membership = await requireMembership(db, id);
  let planChange: { from: Plan; to: Plan } | null = null;
  const update: Partial<Membership> = {};
  const start = membership.start_date;
  if (changes.planId !== undefined && changes.planId !== membership.plan_id) {
    const plan = await db.selectFrom('plans').selectAll().where('id', '=', changes.planId).executeTakeFirst();
    if (!plan) throw notFoundError(`no plan with id ${changes.planId}`);
    if (plan.archived === 1) throw dataError(`plan "${plan.name}" is archived`, `restore it with \`memberctl plans archive "${plan.name}" --undo\``);
    // its own price is in the old plan's currency: a move to another currency says what it costs now
    const current = await db.selectFrom('plans').select(['currency']).where('id', '=', membership.plan_id).executeTakeFirstOrThrow();
    if (membership.price !== null && changes.price === undefined && current.currency !== plan.currency) {
      throw dataError(
        `membership ${id} has its own price ${formatAmount(membership.price, current.currency)} ${current.currency}, and plan "${plan.name}" bills in ${plan.currency}`,
        `give its price in ${plan.currency} with --price AMOUNT, or --price plan to follow the plan's`,
      );
    }
    update.plan_id = plan.id;
    planChange = { from: await db.selectFrom('plans').selectAll().where('id', '=', membership.plan_id).executeTakeFirstOrThrow(), to: plan };
  }
  if (changes.planFrom !== undefined && planChange !== null) {
    const from = changes.planFrom;
    if (before(from, start)) throw dataError(`--from ${from} is before the start date ${start}`);
    if (before(membership.next_invoice_date, from)) {
      throw dataError(
        `membership ${id} is invoiced up to ${addDays(membership.next_invoice_date, -1)}: a plan change from ${from}, after its next invoice date ${membership.next_invoice_date}, cannot be made yet`,
        `run it again once the period containing ${from} is invoiced, or change the plan from the next period with --from ${membership.next_invoice_date}`,
      );
    }
    if (changes.prorate && planChange.from.currency !== planChange.to.currency) {
      throw dataError(`plan "${planChange.from.name}" bills in ${planChange.from.currency} and "${planChange.to.name}" in ${planChange.to.currency}: --prorate credits and charges in one currency`, 'change it without --prorate, from the next period');
    }
  }
  if (changes.price !== undefined && changes.price !== membership.price) {
    if (changes.price !== null && (!Number.isSafeInteger(changes.price) || changes.price < 0)) throw dataError(`price ${changes.price}: a whole number of minor units, not negative`);
    update.price = changes.price;
  }
  if (changes.quantity !== undefined) {
    if (!Number.isSafeInteger(changes.quantity) || changes.quantity < 1) throw dataError(`quantity ${changes.quantity}: a whole number of at least 1`);
    update.quantity = changes.quantity;
  }
  if (changes.autoRenew !== undefined) update.auto_renew = changes.autoRenew ? 1 : 0;
  if (changes.autoRenewUntil !== undefined) {
    if (changes.autoRenewUntil !== null && before(changes.autoRenewUntil, start)) {
      throw dataError(`auto-renew-until ${changes.autoRenewUntil} is before the start date ${start}`);
    }
    update.auto_renew_until = changes.autoRenewUntil;
  }
  if (changes.doNotRenew !== undefined) {
    update.do_not_renew = changes.doNotRenew ? 1 : 0;
    update.do_not_renew_reason = changes.doNotRenew ? changes.doNotRenew.reason : null;
  }
  if (changes.intervention !== undefined) {
    update.intervention_required = changes.intervention ? 1 : 0;
    update.intervention_reason = changes.intervention ? changes.intervention.reason : null;
  }
  if (changes.endDate !== undefined) {
    if (changes.endDate !== null && before(changes.endDate, start)) throw dataError(`end date ${changes.endDate} is before the start date ${start}`);
    update.end_date = changes.endDate;
  }
  if (changes.nextInvoiceDate !== undefined && changes.nextInvoiceDate !== membership.next_invoice_date) {
    Object.assign(update, await movedSchedule(db, membership, changes.nextInvoiceDate));
  }
  if (Object.keys(update).length === 0) return { membership, adjustments: [] };
  const updated = await db
    .updateTable('memberships')
    .set({ ...update, updated_at: source.at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const changed = Object.keys(update) as Array<keyof Membership>;
  await recordAudit(db, source, {
    action: 'update',
    entity: 'memberships',
    entityId: id,
    memberId: membership.member_id,
    before: Object.fromEntries(changed.map((k) => [k, membership[k]])),
    after: Object.fromEntries(changed.map((k) => [k, updated[k]])),
    summary: `membership ${id} changed: ${changed.join(', ')}${planChange && changes.planFrom !== undefined ? ` (plan from ${changes.planFrom}${changes.prorate ? ', prorated' : ''})` : ''}`,
  });
  const adjustments = planChange && changes.planFrom !== undefined && changes.prorate ? await prorateChange(db, membership, updated, planChange, changes.planFrom, source) : [];
  return { membership: updated, adjustments };
}

/**
 * The adjustments of a prorated plan change from `from`: each invoiced period's days from then on (less paused days)
 * credited at the line's price and charged at the new plan's (its own price when it keeps one), prorated by the new
 * plan's full period ending where the line's ends. Billed on the next invoice (the next invoice date).
 */
async function prorateChange(db: Queryable, old: Membership, updated: Membership, plans: { from: Plan; to: Plan }, from: IsoDate, source: AuditSource): Promise<WrittenAdjustment[]> {
  const pauses = (await db.selectFrom('pauses').select(['start_date', 'end_date']).where('membership_id', '=', old.id).where('cancelled_at', 'is', null).execute()).map(pauseDays);
  const price = updated.price ?? plans.to.price;
  const specs = await adjustmentsOver(db, old, { start: from, end: null }, pauses, (line) => {
    const end = addDays(line.period_end, 1);
    const newFullDays = daysBetween(previousPeriodStart(end, plans.to.interval, plans.to.every, updated.anchor_day), end);
    const common = { membership: old, date: old.next_invoice_date, currency: line.currency } as const;
    return [
      { ...common, kind: 'plan_credit', planName: line.plan_name, quantity: -line.quantity, unitPrice: line.unit_price, taxRate: plans.from.tax_rate, reason: { kind: 'plan_credit', from, to: plans.to.name } },
      {
        ...common,
        kind: 'plan_charge',
        planName: plans.to.name,
        quantity: updated.quantity,
        unitPrice: price,
        taxRate: plans.to.tax_rate,
        fullDays: newFullDays,
        reason: { kind: 'plan_charge', from, previous: line.plan_name },
      },
    ];
  });
  return writeAdjustments(db, specs, source);
}

/**
 * Moving where billing resumes. Not before the start, nor into a period already billed on an invoice that is
 * not void. A date on the current anchored schedule (or within a prorated first period) keeps the anchor day;
 * any other date becomes the new anchor, so the periods after it are whole.
 */
async function movedSchedule(db: Queryable, membership: Membership, next: IsoDate): Promise<Partial<Membership>> {
  if (before(next, membership.start_date)) throw dataError(`next invoice date ${next} is before the start date ${membership.start_date}`);
  const billed = await db
    .selectFrom('invoice_lines')
    .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
    .select(['invoice_lines.period_end', 'invoices.number'])
    .where('invoice_lines.membership_id', '=', membership.id)
    .where('invoice_lines.voided', '=', 0)
    .orderBy('invoice_lines.period_end', 'desc')
    .executeTakeFirst();
  if (billed && !before(billed.period_end, next)) {
    throw dataError(
      `membership ${membership.id} is billed through ${billed.period_end} (invoice ${billed.number}): the next invoice date must be after it`,
      `to bill that period again, void the invoice first: memberctl invoices void ${billed.number} --reason TEXT`,
    );
  }
  const first = membership.first_recurring_date;
  if (first !== null && before(next, first)) return { next_invoice_date: next };
  const onSchedule = addMonthsAnchored(next, 0, membership.anchor_day) === next;
  return onSchedule ? { next_invoice_date: next } : { next_invoice_date: next, anchor_day: anchorDayOf(next), first_recurring_date: next };
}


/** An invoice that bills a membership past a day: its number and the last day it bills. */
export interface InvoicedPast {
  number: string;
  periodEnd: IsoDate;
}

/**
 * The invoices (not void) with periods of membership `id` ending after `endDate`: what an end date set before them
 * leaves billed, one entry per invoice with the last day it bills, in the order of their periods.
 */
export async function invoicedPast(db: Queryable, id: number, endDate: IsoDate): Promise<InvoicedPast[]> {
  const lines = await db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select(['i.number', 'l.period_end'])
    .where('l.membership_id', '=', id)
    .where('l.voided', '=', 0)
    .where('l.period_end', '>', endDate)
    .orderBy('l.period_start')
    .orderBy('i.id')
    .execute();
  const byNumber = new Map<string, IsoDate>();
  for (const line of lines) {
    const previous = byNumber.get(line.number);
    if (previous === undefined || before(previous, line.period_end)) byNumber.set(line.number, line.period_end);
  }
  return [...byNumber].map(([number, periodEnd]) => ({ number, periodEnd }));
}
