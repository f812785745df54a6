/**
 * The invoicing job (`invoices run`, part of `jobs run`): issues every invoice due as of T, exactly once.
 *
 * How it stays exact however it is interrupted or repeated:
 * - due memberships are found through the `next_invoice_date` index; the rules of billing.ts decide the periods;
 * - payers are billed in batches, each batch in one transaction that takes its invoice numbers, writes the
 *   invoices and lines, and advances `next_invoice_date`: a kill loses at most the batch in flight, and a rerun
 *   finds exactly what is still due;
 * - the unique key on (membership, period start) makes billing a period twice impossible in the database, and the
 *   advance of `next_invoice_date` is conditional on the value read, so a concurrent change replans the batch;
 * - one-off charges (charges.ts) due by T join their payer's invoice: the unique key on the charge of a line that is
 *   not voided makes billing a charge twice impossible, and a charge with such a line is never read as due again;
 * - adjustments (adjustments.ts: pause credits, plan changes) due by T join their payer's invoice the same way, each
 *   kept on at most one line that is not voided by its own unique key.
 * The caller holds the job lock (jobs.ts).
 */
import type { Kysely } from 'kysely';
import type { Dialect, Queryable, SqliteStatements } from '../../db/connect.js';
import type { Database } from '../../db/types.js';
import type { AuditChange, AuditSource } from '../kernel/audit.js';
import {
  adjustmentLine,
  type BillingDelegate,
  type BillingSchedule,
  chargeLine,
  consolidate,
  type DayRange,
  delegateLines,
  discountLines,
  type DraftInvoice,
  type DraftLine,
  draftLines,
  duePeriods,
  pauseDays,
} from './rules.js';
import { billingDiscounts } from './discounts.js';
import { addDays, type IsoDate } from '../kernel/dates.js';
import { chunks, type InvoiceJson, invoiceJson } from './invoices.js';
import { formatAmount } from '../kernel/money.js';
import { allocateNumbers, assignMemberNumbers, yearOf } from './numbering.js';
import { type Problem, problem } from '../kernel/problems.js';
import { getSetting } from '../kernel/settings.js';
import { grantForPaidInvoices } from './credits.js';
import { payNewInvoicesFromCredit, plannedCreditShares } from './money-credit.js';
import { type BulkTarget, insertAudits, insertRows, type SqlValue } from '../kernel/bulk.js';
import type { Buyer } from '../documents/invoice-document.js';
import { issuerSnapshot, type IssuerSnapshot, storeIssuer } from '../documents/issuers.js';
import { buyerAtIssue, payersOf } from '../documents/load-invoice.js';
import type { OrgIdentity } from '../org/identity.js';
import { getIdentity } from '../org/org-store.js';
import { queueMessages } from '../mail/outbox.js';
import { isReverseCharged, lineVat } from './vat-category.js';

export interface InvoiceRunOptions {
  asOf: IsoDate;
  /** plan and report everything, write nothing, take no number */
  dryRun: boolean;
  /** carries the job id written on every invoice and audit entry */
  source: AuditSource;
  /** payers per transaction (default 1000): smaller loses less work to a kill, larger runs faster */
  batchSize?: number;
  /** after each batch: payers done so far, and how many are due */
  onProgress?: (done: number, total: number) => void;
  /**
   * SQLite: the connection kysely runs on (`Db.sqlite`). Invoices, lines and audit entries are then inserted
   * with one prepared statement per table instead of multi-row statements compiled for every batch.
   */
  sqlite?: SqliteStatements | undefined;
}

/** The documented `invoices run --json` document (docs/reference.md). */
export interface InvoiceRunResult {
  asOf: IsoDate;
  dryRun: boolean;
  count: number;
  invoices: InvoiceJson[];
  /** sum of the invoice totals per currency */
  totals: Record<string, string>;
  /** what the payers' money credit paid of these invoices, per currency (only the currencies it paid in) */
  creditApplied: Record<string, string>;
  problems: Problem[];
}

export const defaultBatchSize = 1000;
const maxAttempts = 3;

/** A batch whose memberships changed between reading and writing: it is planned again from fresh data. */
class BatchConflict extends Error {}

interface DueRow {
  id: number;
  payer_id: number;
  /** true: `id` is a one-off charge's, else a membership's (or an adjustment's) */
  charge?: true;
  /** true: `id` is an adjustment's */
  adjustment?: true;
}

/**
 * The adjustments not billed yet (no line that is not voided) whose day is on or before `asOf`, with their payer. One
 * whose corrected line was voided since is not due: the period it corrects is no longer billed.
 */
export async function findDueAdjustments(db: Queryable, asOf: IsoDate): Promise<DueRow[]> {
  const rows = await db
    .selectFrom('adjustments as a')
    .innerJoin('memberships as ms', 'ms.id', 'a.membership_id')
    .innerJoin('members as m', 'm.id', 'ms.member_id')
    .innerJoin('invoice_lines as corrected', 'corrected.id', 'a.line_id')
    .select((eb) => ['a.id', eb.fn.coalesce('m.paid_by_id', 'm.id').as('payer_id')])
    .where('a.date', '<=', asOf)
    .where('a.removed_at', 'is', null)
    .where('corrected.voided', '=', 0)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_lines as l').select('l.id').whereRef('l.adjustment_id', '=', 'a.id').where('l.voided', '=', 0))))
    .orderBy('payer_id')
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({ id: r.id, payer_id: Number(r.payer_id), adjustment: true }));
}

/** The one-off charges not billed yet (no line that is not voided) whose day is on or before `asOf`, with their payer. */
export async function findDueCharges(db: Queryable, asOf: IsoDate): Promise<DueRow[]> {
  const rows = await db
    .selectFrom('charges as c')
    .innerJoin('members as m', 'm.id', 'c.member_id')
    .select((eb) => ['c.id', eb.fn.coalesce('m.paid_by_id', 'm.id').as('payer_id')])
    .where('c.date', '<=', asOf)
    .where('c.removed_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_lines as l').select('l.id').whereRef('l.charge_id', '=', 'c.id').where('l.voided', '=', 0))))
    .orderBy('payer_id')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({ id: r.id, payer_id: Number(r.payer_id), charge: true }));
}

/**
 * Memberships whose next period is due as of `asOf` (docs/billing.md, "Invoicing": due), with their payer, ordered by
 * payer. The filter mirrors `duePeriods` for the first due period, so a membership that the job will not bill
 * (ended, not renewing) is not read at all, and a rerun on the same day reads nothing.
 */
export async function findDueMemberships(db: Queryable, asOf: IsoDate): Promise<DueRow[]> {
  const rows = await db
    .selectFrom('memberships as ms')
    .innerJoin('members as m', 'm.id', 'ms.member_id')
    .select((eb) => ['ms.id', eb.fn.coalesce('m.paid_by_id', 'm.id').as('payer_id')])
    .where('ms.next_invoice_date', '<=', asOf)
    .where((eb) => eb.or([eb('ms.end_date', 'is', null), eb('ms.end_date', '>=', eb.ref('ms.next_invoice_date'))]))
    .where((eb) => {
      // the renewal decided for the period starting on the next invoice date (renewals.ts)
      const decided = (status: 'accepted' | 'refused') =>
        eb.exists(
          eb
            .selectFrom('renewals as r')
            .select('r.id')
            .whereRef('r.membership_id', '=', 'ms.id')
            .whereRef('r.term_start', '=', 'ms.next_invoice_date')
            .where('r.status', '=', status),
        );
      return eb.or([
        eb('ms.next_invoice_date', '=', eb.ref('ms.start_date')),
        eb.and([
          eb('ms.auto_renew', '=', 1),
          eb('ms.do_not_renew', '=', 0),
          eb.or([eb('ms.auto_renew_until', 'is', null), eb('ms.auto_renew_until', '>=', eb.ref('ms.next_invoice_date'))]),
          eb.not(decided('refused')),
        ]),
        eb.and([eb('ms.do_not_renew', '=', 0), decided('accepted')]),
      ]);
    })
    .orderBy('payer_id')
    .orderBy('ms.id')
    .execute();
  return rows.map((r) => ({ id: r.id, payer_id: Number(r.payer_id) }));
}

/** Consecutive groups of whole payers, at most `size` payers each. */
function payerBatches(rows: readonly DueRow[], size: number): { payers: number; membershipIds: number[]; chargeIds: number[]; adjustmentIds: number[] }[] {
  const batches: { payers: number; membershipIds: number[]; chargeIds: number[]; adjustmentIds: number[] }[] = [];
  let current: { payers: number; membershipIds: number[]; chargeIds: number[]; adjustmentIds: number[] } | null = null;
  let lastPayer: number | null = null;
  for (const row of rows) {
    if (row.payer_id !== lastPayer) {
      if (!current || current.payers >= size) {
        current = { payers: 0, membershipIds: [], chargeIds: [], adjustmentIds: [] };
        batches.push(current);
      }
      current.payers += 1;
      lastPayer = row.payer_id;
    }
    if (row.charge) current!.chargeIds.push(row.id);
    else if (row.adjustment) current!.adjustmentIds.push(row.id);
    else current!.membershipIds.push(row.id);
  }
  return batches;
}

interface PlannedMembership {
  id: number;
  memberId: number;
  memberName: string;
  from: IsoDate;
  to: IsoDate;
  lines: DraftLine[];
}

interface BatchPlan {
  /** each with its buyer, frozen on the invoice as issued */
  invoices: Array<DraftInvoice & { payerName: string; buyer: Buyer }>;
  memberships: PlannedMembership[];
  /** the one-off charges billed, each on its line */
  charges: Array<{ id: number; memberId: number; description: string }>;
  /** the adjustments billed, each on its line */
  adjustments: Array<{ id: number; membershipId: number; memberId: number; description: string }>;
  problems: Problem[];
}

type PlannedInvoice = BatchPlan['invoices'][number];

/** The JSON of a planned invoice dated `asOf`, with its number once written (null in a dry run) and what credit paid of it. */
function plannedInvoiceJson(invoice: PlannedInvoice, number: string | null, asOf: IsoDate, dueDate: IsoDate, paid = 0): InvoiceJson {
  return invoiceJson(
    {
      number,
      date: asOf,
      dueDate,
      payerId: invoice.payerId,
      payerName: invoice.payerName,
      status: invoice.total <= 0 || paid >= invoice.total ? 'paid' : 'open',
      currency: invoice.currency,
      net: invoice.net,
      tax: invoice.tax,
      total: invoice.total,
      paid,
    },
    invoice.lines,
  );
}

/**
 * Reads a batch's memberships, payers and billed periods, and plans its invoices dated `asOf` for the periods
 * due by `through` (later than `asOf` when an accepted renewal bills its term at once), each line in its VAT
 * category for the organisation `seller` (vat-category.ts). Writes nothing.
 */
async function planBatch(
  db: Queryable,
  membershipIds: readonly number[],
  seller: OrgIdentity,
  asOf: IsoDate,
  through: IsoDate = asOf,
  chargeIds: readonly number[] = [],
  adjustmentIds: readonly number[] = [],
): Promise<BatchPlan> {
  const rows = [];
  for (const chunk of chunks(membershipIds, 500)) {
    rows.push(
      ...(await db
        .selectFrom('memberships as ms')
        .innerJoin('members as m', 'm.id', 'ms.member_id')
        .innerJoin('plans as p', 'p.id', 'ms.plan_id')
        .select([
          'ms.id',
          'ms.member_id',
          'ms.quantity',
          'ms.start_date',
          'ms.next_invoice_date',
          'ms.first_recurring_date',
          'ms.anchor_day',
          'ms.end_date',
          'ms.auto_renew',
          'ms.auto_renew_until',
          'ms.do_not_renew',
          'ms.price as own_price',
          'ms.bill_delegates_separately',
          'm.name as member_name',
          'm.paid_by_id',
          'p.name as plan_name',
          'p.price',
          'p.currency',
          'p.interval',
          'p.every',
          'p.tax_rate',
        ])
        .where('ms.id', 'in', chunk)
        .execute()),
    );
  }
  const chargeRows = await unbilledCharges(db, chargeIds);
  const adjustmentRows = await unbilledAdjustments(db, adjustmentIds);
  // memberships billed to their delegates: each delegate's share goes to the delegate's payer (delegates.ts)
  const delegates = await separatelyBilledDelegates(db, rows.filter((r) => r.bill_delegates_separately === 1).map((r) => r.id));
  const payerIds = [...new Set([...rows, ...chargeRows, ...adjustmentRows].map((r) => r.paid_by_id ?? r.member_id).concat([...delegates.values()].flat().map((d) => d.payerId)))];
  const payers = await payersOf(db, payerIds);
  const buyers = new Map<number, Buyer>();
  for (const payer of payers.values()) buyers.set(payer.id, await buyerAtIssue(db, { payer_id: payer.id, payer_name: payer.name }, seller.country, payers));
  const billedFrom = rows.reduce<IsoDate | null>((min, r) => (min === null || r.next_invoice_date < min ? r.next_invoice_date : min), null);
  const billed = new Map<number, { periodEnd: IsoDate; number: string }>();
  if (billedFrom !== null) {
    for (const chunk of chunks(
      rows.map((r) => r.id),
      500,
    )) {
      const found = await db
        .selectFrom('invoice_lines as l')
        .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
        .select(['l.membership_id', 'l.period_end', 'i.number'])
        .where('l.membership_id', 'in', chunk)
        .where('l.voided', '=', 0)
        .where('l.period_end', '>=', billedFrom)
        .execute();
      for (const f of found) {
        const previous = billed.get(f.membership_id!);
        if (!previous || previous.periodEnd < f.period_end) billed.set(f.membership_id!, { periodEnd: f.period_end, number: f.number });
      }
    }
  }
  const decided = { accepted: new Map<number, IsoDate[]>(), refused: new Map<number, IsoDate[]>() };
  if (billedFrom !== null) {
    for (const chunk of chunks(
      rows.map((r) => r.id),
      500,
    )) {
      const renewals = await db
        .selectFrom('renewals')
        .select(['membership_id', 'term_start', 'status'])
        .where('membership_id', 'in', chunk)
        .where('status', 'in', ['accepted', 'refused'])
        .where('term_start', '>=', billedFrom)
        .execute();
      for (const r of renewals) {
        const terms = decided[r.status as 'accepted' | 'refused'];
        terms.set(r.membership_id, [...(terms.get(r.membership_id) ?? []), r.term_start]);
      }
    }
  }

  // the pauses of the batch's memberships (not cancelled), from the first day still to bill
  const pauses = new Map<number, DayRange[]>();
  if (billedFrom !== null) {
    for (const chunk of chunks(
      rows.map((r) => r.id),
      500,
    )) {
      const found = await db
        .selectFrom('pauses')
        .select(['membership_id', 'start_date', 'end_date'])
        .where('membership_id', 'in', chunk)
        .where('cancelled_at', 'is', null)
        .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', billedFrom)]))
        .execute();
      for (const p of found) pauses.set(p.membership_id, [...(pauses.get(p.membership_id) ?? []), pauseDays(p)]);
    }
  }

  // the discounts in force, with the periods each already took off (discounts.ts)
  const discounts = rows.length === 0 ? new Map() : await billingDiscounts(db, rows.map((r) => r.id));

  const problems: Problem[] = [];
  const memberships: PlannedMembership[] = [];
  const lines: DraftLine[] = [];
  // a batch has few distinct rates: each category is decided once
  const vatOf = new Map<string, ReturnType<typeof lineVat>>();
  for (const row of rows.sort((a, b) => a.id - b.id)) {
    const payerId = row.paid_by_id ?? row.member_id;
    const who = `membership ${row.id} of ${row.member_name} (#${row.member_id})`;
    if (!payers.has(payerId)) {
      problems.push(
        problem({
          code: 'unknown_payer',
          severity: 'error',
          value: String(payerId),
          message: `${who}: its payer #${payerId} no longer exists; give the member another payer, then run the job again`,
        }),
      );
      continue;
    }
    const already = billed.get(row.id);
    if (already && already.periodEnd >= row.next_invoice_date) {
      problems.push(
        problem({
          code: 'already_billed',
          severity: 'error',
          value: row.next_invoice_date,
          message: `${who}: its next invoice date ${row.next_invoice_date} is inside a period already billed on ${already.number} (through ${already.periodEnd}); set a later one with \`memberctl memberships set ${row.id} --next-invoice DATE\``,
        }),
      );
      continue;
    }
    const schedule: BillingSchedule = {
      startDate: row.start_date,
      nextInvoiceDate: row.next_invoice_date,
      firstRecurringDate: row.first_recurring_date,
      anchorDay: row.anchor_day,
      endDate: row.end_date,
      autoRenew: row.auto_renew === 1,
      autoRenewUntil: row.auto_renew_until,
      doNotRenew: row.do_not_renew === 1,
      interval: row.interval,
      every: row.every,
      acceptedTerms: decided.accepted.get(row.id),
      refusedTerms: decided.refused.get(row.id),
    };
    const due = duePeriods(schedule, through);
    if (due.periods.length === 0) continue;
    // the membership's own price when it has one, else the plan's (docs/billing.md, "Prices")
    const plan = { name: row.plan_name, price: row.own_price ?? row.price, currency: row.currency, interval: row.interval, every: row.every, taxRate: row.tax_rate };
    const reverseCharged = isReverseCharged(buyers.get(payerId)!.vatId, seller);
    const vatKey = `${row.tax_rate}|${reverseCharged}`;
    const vat = vatOf.get(vatKey) ?? lineVat(row.tax_rate, seller, reverseCharged);
    vatOf.set(vatKey, vat);
    const drafted = discountLines(
      draftLines(
        { id: row.id, memberId: row.member_id, memberName: row.member_name, payerId, quantity: row.quantity },
        { ...plan, taxRate: vat.rate },
        due.periods,
        vat.category,
        pauses.get(row.id),
      ),
      discounts.get(row.id) ?? null,
    );
    const shared = delegates.get(row.id);
    const lost = shared?.find((d) => !payers.has(d.payerId));
    if (lost) {
      problems.push(
        problem({
          code: 'unknown_payer',
          severity: 'error',
          value: String(lost.payerId),
          message: `${who}: the payer #${lost.payerId} of its delegate ${lost.memberName} (#${lost.memberId}) no longer exists; give the delegate another payer, then run the job again`,
        }),
      );
      continue;
    }
    const billedLines = shared ? delegateLines(drafted, shared, row.member_name) : drafted;
    lines.push(...billedLines);
    memberships.push({ id: row.id, memberId: row.member_id, memberName: row.member_name, from: row.next_invoice_date, to: due.nextInvoiceDate, lines: billedLines });
  }
  const charges: BatchPlan['charges'] = [];
  for (const row of chargeRows) {
    const payerId = row.paid_by_id ?? row.member_id;
    if (!payers.has(payerId)) {
      problems.push(
        problem({
          code: 'unknown_payer',
          severity: 'error',
          value: String(payerId),
          message: `charge ${row.id} of ${row.member_name} (#${row.member_id}): its payer #${payerId} no longer exists; give the member another payer, then run the job again`,
        }),
      );
      continue;
    }
    const reverseCharged = isReverseCharged(buyers.get(payerId)!.vatId, seller);
    const vatKey = `${row.tax_rate}|${reverseCharged}`;
    const vat = vatOf.get(vatKey) ?? lineVat(row.tax_rate, seller, reverseCharged);
    vatOf.set(vatKey, vat);
    const charge = {
      id: row.id,
      memberId: row.member_id,
      memberName: row.member_name,
      payerId,
      description: row.description,
      quantity: row.quantity,
      unitPrice: row.unit_price,
      currency: row.currency,
      date: row.date,
      deposit: row.deposit === 1,
    };
    lines.push(chargeLine(charge, vat.rate, vat.category));
    charges.push({ id: row.id, memberId: row.member_id, description: row.description });
  }
  const adjustments: BatchPlan['adjustments'] = [];
  for (const row of adjustmentRows) {
    const payerId = row.paid_by_id ?? row.member_id;
    if (!payers.has(payerId)) {
      problems.push(
        problem({
          code: 'unknown_payer',
          severity: 'error',
          value: String(payerId),
          message: `adjustment ${row.id} of membership ${row.membership_id} of ${row.member_name} (#${row.member_id}): its payer #${payerId} no longer exists; give the member another payer, then run the job again`,
        }),
      );
      continue;
    }
    const reverseCharged = isReverseCharged(buyers.get(payerId)!.vatId, seller);
    const vatKey = `${row.tax_rate}|${reverseCharged}`;
    const vat = vatOf.get(vatKey) ?? lineVat(row.tax_rate, seller, reverseCharged);
    vatOf.set(vatKey, vat);
    const adjustment = {
      id: row.id,
      membershipId: row.membership_id,
      memberId: row.member_id,
      memberName: row.member_name,
      payerId,
      planName: row.plan_name,
      description: row.description,
      periodStart: row.period_start,
      periodEnd: row.period_end,
      days: row.days,
      fullDays: row.full_days,
      quantity: row.quantity,
      unitPrice: row.unit_price,
      currency: row.currency,
      corrected: { net: row.corrected_net, discount: row.corrected_discount },
    };
    lines.push(adjustmentLine(adjustment, vat.rate, vat.category));
    adjustments.push({ id: row.id, membershipId: row.membership_id, memberId: row.member_id, description: row.description });
  }
  const invoices = consolidate(lines).map((invoice) => ({ ...invoice, payerName: payers.get(invoice.payerId)!.name, buyer: buyers.get(invoice.payerId)! }));
  return { invoices, memberships, charges, adjustments, problems };
}

/** The adjustments of `ids` that no line that is not voided bills yet, whose corrected line stands, with their member and payer. */
async function unbilledAdjustments(db: Queryable, ids: readonly number[]) {
  const rows = [];
  for (const chunk of chunks(ids, 500)) {
    rows.push(
      ...(await db
        .selectFrom('adjustments as a')
        .innerJoin('memberships as ms', 'ms.id', 'a.membership_id')
        .innerJoin('members as m', 'm.id', 'ms.member_id')
        .innerJoin('invoice_lines as corrected', 'corrected.id', 'a.line_id')
        .select([
          'a.id',
          'a.membership_id',
          'a.plan_name',
          'a.description',
          'a.period_start',
          'a.period_end',
          'a.days',
          'a.full_days',
          'a.quantity',
          'a.unit_price',
          'a.currency',
          'a.tax_rate',
          'ms.member_id',
          'm.name as member_name',
          'm.paid_by_id',
          'corrected.net as corrected_net',
          'corrected.discount as corrected_discount',
        ])
        .where('a.id', 'in', chunk)
        .where('a.removed_at', 'is', null)
        .where('corrected.voided', '=', 0)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_lines as l').select('l.id').whereRef('l.adjustment_id', '=', 'a.id').where('l.voided', '=', 0))))
        .execute()),
    );
  }
  return rows.sort((a, b) => a.id - b.id);
}

/** The delegates in force of the memberships of `ids` (billed separately), with their payer, by membership; none: absent. */
async function separatelyBilledDelegates(db: Queryable, ids: readonly number[]): Promise<Map<number, BillingDelegate[]>> {
  const result = new Map<number, BillingDelegate[]>();
  for (const chunk of chunks(ids, 500)) {
    const rows = await db
      .selectFrom('delegates as d')
      .innerJoin('members as m', 'm.id', 'd.member_id')
      .select(['d.membership_id', 'm.id', 'm.name', 'm.paid_by_id'])
      .where('d.membership_id', 'in', chunk)
      .where('d.removed_at', 'is', null)
      .orderBy('d.id')
      .execute();
    for (const row of rows) result.set(row.membership_id, [...(result.get(row.membership_id) ?? []), { memberId: row.id, memberName: row.name, payerId: row.paid_by_id ?? row.id }]);
  }
  return result;
}

/** The charges of `ids` that no line that is not voided bills yet, with their member and payer. */
async function unbilledCharges(db: Queryable, ids: readonly number[]) {
  const rows = [];
  for (const chunk of chunks(ids, 500)) {
    rows.push(
      ...(await db
        .selectFrom('charges as c')
        .innerJoin('members as m', 'm.id', 'c.member_id')
        .select(['c.id', 'c.member_id', 'c.description', 'c.quantity', 'c.unit_price', 'c.currency', 'c.tax_rate', 'c.date', 'c.deposit', 'm.name as member_name', 'm.paid_by_id'])
        .where('c.id', 'in', chunk)
        .where('c.removed_at', 'is', null)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_lines as l').select('l.id').whereRef('l.charge_id', '=', 'c.id').where('l.voided', '=', 0))))
        .execute()),
    );
  }
  return rows.sort((a, b) => a.id - b.id);
}

const isUniqueViolation = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
};

interface WriteContext {
  asOf: IsoDate;
  dueDate: IsoDate;
  prefix: string;
  /** the `member-number-prefix` setting: payers billed for the first time get a member number */
  memberPrefix: string;
  source: AuditSource;
  /** the organisation's identity at issue, which every invoice of the batch references */
  issuer: IssuerSnapshot;
  /** the invoices' language */
  language: 'fr' | 'en';
  /** the `apply-credit` setting: the payers' money credit pays their new invoices */
  applyCredit: boolean;
  sqlite?: SqliteStatements | undefined;
}

/** What a written batch became: the invoice numbers, and what credit paid of each, in the order of `plan.invoices`. */
interface WrittenBatch {
  numbers: string[];
  paid: number[];
}

const invoiceColumns = ['number', 'date', 'due_date', 'payer_id', 'payer_name', 'currency', 'net', 'tax', 'total', 'status', 'job_id', 'created_at', 'issuer_id', 'buyer', 'language'];
const lineColumns = [
  'invoice_id',
  'membership_id',
  'member_id',
  'member_name',
  'plan_name',
  'description',
  'period_start',
  'period_end',
  'quantity',
  'unit_price',
  'net',
  'tax_rate',
  'tax',
  'total',
  'voided',
  'vat_category',
  'charge_id',
  'adjustment_id',
  'full_days',
  'discount_id',
  'discount',
  'delegate_id',
];

const dialectOf = (db: Queryable): Dialect => (db.getExecutor().adapter.constructor.name === 'PostgresAdapter' ? 'postgres' : 'sqlite');

/** Writes a planned batch in one transaction. */
function writeBatch(db: Kysely<Database>, plan: BatchPlan, context: WriteContext): Promise<WrittenBatch> {
  return db.transaction().execute((trx) => writeBatchIn(trx, plan, context));
}

/** Writes a planned batch inside the caller's transaction. */
async function writeBatchIn(trx: Queryable, plan: BatchPlan, context: WriteContext): Promise<WrittenBatch> {
  const { asOf, dueDate, prefix, source } = context;
  const numbers = await allocateNumbers(trx, prefix, yearOf(asOf), plan.invoices.length);
  const memberNumbers = await assignMemberNumbers(trx, context.memberPrefix, plan.invoices.map((invoice) => invoice.payerId));
  const bulk: BulkTarget = { query: trx, dialect: dialectOf(trx), sqlite: context.sqlite };
  const statuses = plan.invoices.map((invoice) => (invoice.total <= 0 ? 'paid' : 'open'));
  const issuerId = await storeIssuer(trx, context.issuer, source.at);
  const invoiceRows: SqlValue[][] = plan.invoices.map((invoice, i) => [
    numbers[i]!,
    asOf,
    dueDate,
    invoice.payerId,
    invoice.payerName,
    invoice.currency,
    invoice.net,
    invoice.tax,
    invoice.total,
    statuses[i]!,
    source.jobId ?? null,
    source.at,
    issuerId,
    // a payer's first invoice carries the member number given with it
    JSON.stringify(memberNumbers.has(invoice.payerId) ? { ...invoice.buyer, memberNumber: memberNumbers.get(invoice.payerId) } : invoice.buyer),
    invoice.buyer.language ?? context.language,
  ]);
  const invoiceIds = await insertRows(bulk, 'invoices', invoiceColumns, invoiceRows, true);
  const lineRows: SqlValue[][] = plan.invoices.flatMap((invoice, i) =>
    invoice.lines.map((line) => [
      invoiceIds[i]!,
      line.membershipId,
      line.memberId,
      line.memberName,
      line.planName,
      line.description,
      line.periodStart,
      line.periodEnd,
      line.quantity,
      line.unitPrice,
      line.net,
      line.taxRate,
      line.tax,
      line.total,
      0,
      line.vatCategory,
      line.chargeId,
      line.adjustmentId,
      line.fullDays,
      line.discountId ?? null,
      line.discount ?? 0,
      line.delegateId ?? null,
    ]),
  );
  await insertRows(bulk, 'invoice_lines', lineColumns, lineRows);

  // Advance next_invoice_date only from the value the plan was made with; anything else is a concurrent change.
  const moves = new Map<string, number[]>();
  for (const m of plan.memberships) {
    const key = `${m.from}|${m.to}`;
    const ids = moves.get(key);
    if (ids) ids.push(m.id);
    else moves.set(key, [m.id]);
  }
  for (const [key, ids] of moves) {
    const [from, to] = key.split('|') as [IsoDate, IsoDate];
    for (const chunk of chunks(ids, 500)) {
      const result = await trx
        .updateTable('memberships')
        .set({ next_invoice_date: to, updated_at: source.at })
        .where('id', 'in', chunk)
        .where('next_invoice_date', '=', from)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== chunk.length) throw new BatchConflict();
    }
  }

  // a charge removed since the plan was read is a concurrent change too
  for (const chunk of chunks(
    plan.charges.map((c) => c.id),
    500,
  )) {
    const result = await trx.updateTable('charges').set({ removed_at: null }).where('id', 'in', chunk).where('removed_at', 'is', null).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== chunk.length) throw new BatchConflict();
  }
  // and so is an adjustment removed meanwhile
  for (const chunk of chunks(
    plan.adjustments.map((a) => a.id),
    500,
  )) {
    const result = await trx.updateTable('adjustments').set({ removed_at: null }).where('id', 'in', chunk).where('removed_at', 'is', null).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== chunk.length) throw new BatchConflict();
  }

  // a discount removed since the plan was read is a concurrent change too: its periods are not taken
  const discountIds = [...new Set(plan.invoices.flatMap((invoice) => invoice.lines.flatMap((line) => (line.discountId ? [line.discountId] : []))))];
  // (read, not written: SQLite's writer already holds the database, PostgreSQL locks the rows until commit)
  const lockRows = bulk.dialect === 'postgres';
  for (const chunk of chunks(discountIds, 500)) {
    let query = trx.selectFrom('discounts').select('id').where('id', 'in', chunk).where('removed_at', 'is', null);
    if (lockRows) query = query.forUpdate();
    if ((await query.execute()).length !== chunk.length) throw new BatchConflict();
  }

  const numberOfMembership = new Map<number, string>();
  const numberOfCharge = new Map<number, string>();
  const numberOfAdjustment = new Map<number, string>();
  plan.invoices.forEach((invoice, i) => {
    for (const line of invoice.lines) {
      if (line.membershipId !== null) numberOfMembership.set(line.membershipId, numbers[i]!);
      else if (line.chargeId !== null) numberOfCharge.set(line.chargeId, numbers[i]!);
      else if (line.adjustmentId !== null) numberOfAdjustment.set(line.adjustmentId, numbers[i]!);
    }
  });
  const changes: AuditChange[] = plan.invoices.map((invoice, i) => ({
    action: 'issue',
    entity: 'invoices',
    entityId: numbers[i]!,
    memberId: invoice.payerId,
    after: { number: numbers[i], date: asOf, dueDate, currency: invoice.currency, total: invoice.total, lines: invoice.lines.length },
    summary: `invoice ${numbers[i]} issued to ${invoice.payerName}: ${formatAmount(invoice.total, invoice.currency)} ${invoice.currency}`,
  }));
  for (const m of plan.memberships) {
    const number = numberOfMembership.get(m.id);
    changes.push({
      action: 'bill',
      entity: 'memberships',
      entityId: m.id,
      memberId: m.memberId,
      before: { next_invoice_date: m.from },
      after: { next_invoice_date: m.to, invoice: number ?? null },
      // a membership paused for the whole of its due periods has no line: its next invoice date moves all the same
      summary: number === undefined ? `membership ${m.id} paused from ${m.from} to ${addDays(m.to, -1)}: nothing billed` : `membership ${m.id} billed from ${m.from} to ${addDays(m.to, -1)} on ${number}`,
    });
  }
  for (const a of plan.adjustments) {
    const number = numberOfAdjustment.get(a.id)!;
    changes.push({ action: 'bill', entity: 'adjustments', entityId: a.id, memberId: a.memberId, after: { invoice: number, membership: a.membershipId }, summary: `adjustment ${a.id} (${a.description}) billed on ${number}` });
  }
  for (const c of plan.charges) {
    const number = numberOfCharge.get(c.id)!;
    changes.push({ action: 'bill', entity: 'charges', entityId: c.id, memberId: c.memberId, after: { invoice: number }, summary: `charge ${c.id} (${c.description}) billed on ${number}` });
  }
  await insertAudits(bulk, source, changes);
  // each invoice's e-mail, queued with it: committed together or not at all
  await queueMessages(trx, invoiceIds.map((id) => ({ kind: 'invoice', subjectId: id, stage: 'issued' })), { now: source.at });
  // the payers' money credit pays what it can of their new invoices, in this same transaction: applied once
  const toPay = plan.invoices.map((invoice, i) => ({ id: invoiceIds[i]!, number: numbers[i]!, payerId: invoice.payerId, currency: invoice.currency, total: invoice.total }));
  const paid = context.applyCredit ? await payNewInvoicesFromCredit(bulk, toPay, { date: asOf, source }) : toPay.map(() => 0);
  // nothing to pay, or paid by credit: paid on issue, so the plans' credits and passes are granted now
  const paidIds = invoiceIds.filter((_, i) => statuses[i] === 'paid' || paid[i]! >= plan.invoices[i]!.total);
  if (paidIds.length > 0) await grantForPaidInvoices(trx, paidIds, { date: asOf, source });
  return { numbers, paid };
}

export interface MembershipBilling {
  invoices: InvoiceJson[];
  problems: Problem[];
}

/**
 * Bills the given memberships inside the caller's transaction, with the job's rules (`planBatch`, `writeBatch`):
 * invoices dated `asOf` for the periods due by `through`. How an accepted renewal bills its term at once.
 * A concurrent change of these memberships throws an error `isBillingConflict` recognises: the caller may retry.
 */
export async function billMembershipsIn(
  trx: Queryable,
  membershipIds: readonly number[],
  options: { asOf: IsoDate; through: IsoDate; source: AuditSource; dryRun?: boolean },
): Promise<MembershipBilling> {
  const { asOf, source } = options;
  const identity = await getIdentity(trx);
  const plan = await planBatch(trx, membershipIds, identity, asOf, options.through);
  const dueDate = addDays(asOf, await getSetting(trx, 'payment-terms-days'));
  const prefix = await getSetting(trx, 'invoice-prefix');
  const memberPrefix = await getSetting(trx, 'member-number-prefix');
  const write = (plan.invoices.length > 0 || plan.memberships.length > 0) && !options.dryRun;
  const applyCredit = (await getSetting(trx, 'apply-credit')) === 'on';
  const context = { asOf, dueDate, prefix, memberPrefix, source, issuer: issuerSnapshot(identity), language: await getSetting(trx, 'language'), applyCredit };
  const written = write ? await writeBatchIn(trx, plan, context) : { numbers: [], paid: applyCredit ? await plannedCreditShares(trx, plan.invoices) : [] };
  return {
    invoices: plan.invoices.map((invoice, i) => plannedInvoiceJson(invoice, written.numbers[i] ?? null, asOf, dueDate, written.paid[i] ?? 0)),
    problems: plan.problems,
  };
}

/**
 * Bills the given one-off charges at once, inside the caller's transaction (`charges add --invoice-now`): each
 * payer's on one invoice dated `asOf`, numbered in the invoice sequence, with the job's rules (`planBatch`, `writeBatchIn`).
 */
export async function billChargesIn(trx: Queryable, chargeIds: readonly number[], options: { asOf: IsoDate; source: AuditSource }): Promise<MembershipBilling> {
  const { asOf, source } = options;
  const identity = await getIdentity(trx);
  const plan = await planBatch(trx, [], identity, asOf, asOf, chargeIds);
  const dueDate = addDays(asOf, await getSetting(trx, 'payment-terms-days'));
  const applyCredit = (await getSetting(trx, 'apply-credit')) === 'on';
  const context = {
    asOf,
    dueDate,
    prefix: await getSetting(trx, 'invoice-prefix'),
    memberPrefix: await getSetting(trx, 'member-number-prefix'),
    source,
    issuer: issuerSnapshot(identity),
    language: await getSetting(trx, 'language'),
    applyCredit,
  };
  const written = plan.invoices.length > 0 ? await writeBatchIn(trx, plan, context) : { numbers: [], paid: [] };
  return {
    invoices: plan.invoices.map((invoice, i) => plannedInvoiceJson(invoice, written.numbers[i] ?? null, asOf, dueDate, written.paid[i] ?? 0)),
    problems: plan.problems,
  };
}

/** True for the errors a concurrent change of the memberships being billed causes: retrying replans from fresh data. */
export const isBillingConflict = (error: unknown) => error instanceof BatchConflict || isUniqueViolation(error);

/**
 * Issues every invoice due as of `options.asOf`. Memberships that cannot be billed are returned as problems
 * and the rest is billed. The caller holds the job lock; `db` must not be a transaction (each batch opens its own).
 */
export async function runInvoicing(db: Kysely<Database>, options: InvoiceRunOptions): Promise<InvoiceRunResult> {
  const { asOf, dryRun, source } = options;
  const batchSize = options.batchSize ?? defaultBatchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be at least 1, got ${batchSize}`);
  const prefix = await getSetting(db, 'invoice-prefix');
  const memberPrefix = await getSetting(db, 'member-number-prefix');
  const dueDate = addDays(asOf, await getSetting(db, 'payment-terms-days'));
  // the identity and language the run's invoices are issued with: read once, its logo hashed once
  const identity = await getIdentity(db);
  const applyCredit = (await getSetting(db, 'apply-credit')) === 'on';
  const context = { asOf, dueDate, prefix, memberPrefix, source, sqlite: options.sqlite, issuer: issuerSnapshot(identity), language: await getSetting(db, 'language'), applyCredit };

  // a payer's memberships and charges in one batch: the charges join the payer's invoice (the sort is stable)
  const due = [...(await findDueMemberships(db, asOf)), ...(await findDueCharges(db, asOf)), ...(await findDueAdjustments(db, asOf))].sort((a, b) => a.payer_id - b.payer_id);
  const batches = payerBatches(due, batchSize);
  const totalPayers = batches.reduce((n, b) => n + b.payers, 0);
  const invoices: InvoiceJson[] = [];
  const problems: Problem[] = [];
  const totals = new Map<string, number>();
  const credit = new Map<string, number>();
  let payersDone = 0;

  for (const batch of batches) {
    for (let attempt = 1; ; attempt += 1) {
      const plan = await planBatch(db, batch.membershipIds, identity, asOf, asOf, batch.chargeIds, batch.adjustmentIds);
      let written: { numbers: (string | null)[]; paid: number[] };
      try {
        // a membership wholly paused has no invoice, but its next invoice date still moves
        if (dryRun || (plan.invoices.length === 0 && plan.memberships.length === 0)) {
          written = { numbers: plan.invoices.map(() => null), paid: applyCredit ? await plannedCreditShares(db, plan.invoices) : [] };
        } else written = await writeBatch(db, plan, context);
      } catch (error) {
        if (isBillingConflict(error) && attempt < maxAttempts) continue;
        throw error;
      }
      problems.push(...plan.problems);
      plan.invoices.forEach((invoice, i) => {
        const paid = written.paid[i] ?? 0;
        totals.set(invoice.currency, (totals.get(invoice.currency) ?? 0) + invoice.total);
        if (paid > 0) credit.set(invoice.currency, (credit.get(invoice.currency) ?? 0) + paid);
        invoices.push(plannedInvoiceJson(invoice, written.numbers[i] ?? null, asOf, dueDate, paid));
      });
      break;
    }
    payersDone += batch.payers;
    options.onProgress?.(payersDone, totalPayers);
    // better-sqlite3 never yields: let timers (the progress bar) run between batches
    await new Promise((resolve) => setImmediate(resolve));
  }

  const byCurrency = (sums: Map<string, number>) =>
    Object.fromEntries([...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, total]) => [currency, formatAmount(total, currency)]));
  return { asOf, dryRun, count: invoices.length, invoices, totals: byCurrency(totals), creditApplied: byCurrency(credit), problems };
}
