/**
 * Renewals of term memberships (docs/renewals.md, "Renewals"): memberships that do not renew automatically (auto-renew
 * off, or their next term starts after `autoRenewUntil`) are renewed by decision. A renewal is opened for the term
 * that follows the covered period, `renewal-notice-days` before the covered period ends; accepting it bills that
 * term at once (the invoicing job's own planning and writing, invoicing.ts); refusing it ends the membership with
 * its covered period (the status rules read refused renewals).
 *
 * A renewal is identified by its membership and the first day of its term: the database refuses a second renewal
 * of the same term, whatever the number of runs.
 */
import type { Kysely } from 'kysely';
import type { Queryable } from '../../db/connect.js';
import type { Database, Renewal, RenewalStatus } from '../../db/types.js';
import { dataError, notFoundError, tempError } from '../../errors.js';
import { type AuditChange, type AuditSource, recordAudit, recordAudits } from '../kernel/audit.js';
import { type BillingSchedule, periodAt } from '../billing/rules.js';
import { addDays, type Interval, type IsoDate } from '../kernel/dates.js';
import { chunks, type InvoiceJson } from '../billing/invoices.js';
import { billMembershipsIn, isBillingConflict } from '../billing/invoicing.js';
import { requireMembership } from '../billing/memberships.js';
import type { Problem } from '../kernel/problems.js';
import { getSetting } from '../kernel/settings.js';
import { type MessageToQueue, queueMessages } from '../mail/outbox.js';

export const renewalStatuses = ['open', 'intervention', 'accepted', 'refused'] as const satisfies readonly RenewalStatus[];

export function isRenewalStatus(value: string): value is RenewalStatus {
  return (renewalStatuses as readonly string[]).includes(value);
}

/** A renewal with the names its JSON and tables show. */
export interface RenewalRow extends Renewal {
  member_id: number;
  member_name: string;
  plan_name: string;
  invoice_number: string | null;
}

/**
 * The documented `--json` shape of a renewal (docs/reference.md), with when it was decided and the invoice that billed it. The id is
 * null for a renewal a dry run would open.
 */
export function renewalJson(r: Omit<RenewalRow, 'id'> & { id: number | null }) {
  return {
    id: r.id,
    member: { id: r.member_id, name: r.member_name },
    membershipId: r.membership_id,
    plan: r.plan_name,
    status: r.status,
    termStart: r.term_start,
    termEnd: r.term_end,
    createdOn: r.created_on,
    reason: r.reason,
    decidedOn: r.decided_on,
    invoice: r.invoice_number,
  };
}

export type RenewalJson = ReturnType<typeof renewalJson>;

function renewalQuery(db: Queryable) {
  return db
    .selectFrom('renewals as r')
    .innerJoin('memberships as ms', 'ms.id', 'r.membership_id')
    .innerJoin('members as m', 'm.id', 'ms.member_id')
    .innerJoin('plans as p', 'p.id', 'ms.plan_id')
    .leftJoin('invoices as i', 'i.id', 'r.invoice_id')
    .selectAll('r')
    .select(['m.id as member_id', 'm.name as member_name', 'p.name as plan_name', 'i.number as invoice_number']);
}

export interface RenewalFilter {
  status?: RenewalStatus;
  memberId?: number;
  membershipId?: number;
  limit?: number;
}

/** Renewals matching the filter, by term start then id. */
export async function listRenewals(db: Queryable, filter: RenewalFilter = {}): Promise<RenewalRow[]> {
  let query = renewalQuery(db).orderBy('r.term_start').orderBy('r.id');
  if (filter.status) query = query.where('r.status', '=', filter.status);
  if (filter.memberId !== undefined) query = query.where('ms.member_id', '=', filter.memberId);
  if (filter.membershipId !== undefined) query = query.where('r.membership_id', '=', filter.membershipId);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

/** The renewal with this id, or a 65. */
export async function requireRenewal(db: Queryable, id: number): Promise<RenewalRow> {
  const row = await renewalQuery(db).where('r.id', '=', id).executeTakeFirst();
  if (!row) throw notFoundError(`no renewal with id ${id}`, 'see `memberctl renewals list`');
  return row;
}

interface TermFacts {
  start_date: IsoDate;
  first_recurring_date: IsoDate | null;
  anchor_day: number;
  interval: Interval;
  every: number;
}

/** The last day (inclusive) of the term starting on `termStart`, on the membership's anchored schedule. */
export function termEnd(m: TermFacts, termStart: IsoDate): IsoDate {
  const schedule: BillingSchedule = {
    startDate: m.start_date,
    nextInvoiceDate: termStart,
    firstRecurringDate: m.first_recurring_date,
    anchorDay: m.anchor_day,
    endDate: null,
    autoRenew: false,
    autoRenewUntil: null,
    doNotRenew: false,
    interval: m.interval,
    every: m.every,
  };
  return addDays(periodAt(schedule, termStart).end, -1);
}

/**
 * Whether the term starting on `termStart` is renewed by decision: not the first term (always billed), auto-renew
 * off or past `autoRenewUntil`. Do-not-renew memberships and those ending before it get no renewal at all.
 */
export function renewsByDecision(
  m: { start_date: IsoDate; end_date: IsoDate | null; auto_renew: number; auto_renew_until: IsoDate | null; do_not_renew: number },
  termStart: IsoDate,
): boolean {
  if (termStart === m.start_date || m.do_not_renew === 1) return false;
  if (m.end_date !== null && m.end_date < termStart) return false;
  return m.auto_renew === 0 || (m.auto_renew_until !== null && m.auto_renew_until < termStart);
}

export interface NoticeOptions {
  dryRun: boolean;
  source: AuditSource;
}

const noticeColumns = [
  'ms.id',
  'ms.member_id',
  'ms.start_date',
  'ms.next_invoice_date',
  'ms.first_recurring_date',
  'ms.anchor_day',
  'ms.intervention_required',
  'ms.intervention_reason',
  'm.name as member_name',
  'p.name as plan_name',
  'p.interval',
  'p.every',
] as const;

/**
 * Opens one renewal for every term membership whose covered period ends within `renewal-notice-days` of `asOf`
 * (or has ended already) and whose next term has none yet: `intervention` when the membership requires one,
 * `open` otherwise. Returns the renewals opened (or that a dry run would open), by term start.
 */
export async function openDueRenewals(db: Kysely<Database>, asOf: IsoDate, options: NoticeOptions): Promise<RenewalJson[]> {
  const noticeDays = await getSetting(db, 'renewal-notice-days');
  // the covered period ends the day before the next term: open when that last day is at most noticeDays away
  const horizon = addDays(asOf, noticeDays + 1);
  const due = await db
    .selectFrom('memberships as ms')
    .innerJoin('members as m', 'm.id', 'ms.member_id')
    .innerJoin('plans as p', 'p.id', 'ms.plan_id')
    .select(noticeColumns)
    .where('ms.next_invoice_date', '<=', horizon)
    .where('ms.next_invoice_date', '<>', (eb) => eb.ref('ms.start_date'))
    .where('ms.do_not_renew', '=', 0)
    .where((eb) => eb.or([eb('ms.end_date', 'is', null), eb('ms.end_date', '>=', eb.ref('ms.next_invoice_date'))]))
    .where((eb) =>
      eb.or([
        eb('ms.auto_renew', '=', 0),
        eb.and([eb('ms.auto_renew_until', 'is not', null), eb('ms.auto_renew_until', '<', eb.ref('ms.next_invoice_date'))]),
      ]),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('renewals as r').select('r.id').whereRef('r.membership_id', '=', 'ms.id').whereRef('r.term_start', '=', 'ms.next_invoice_date'),
        ),
      ),
    )
    .orderBy('ms.next_invoice_date')
    .orderBy('ms.id')
    .execute();

  const opened: RenewalJson[] = [];
  const { source } = options;
  for (const batch of chunks(due, 500)) {
    const rows = batch.map((m) => ({
      membership_id: m.id,
      term_start: m.next_invoice_date,
      term_end: termEnd(m, m.next_invoice_date),
      status: (m.intervention_required === 1 ? 'intervention' : 'open') as RenewalStatus,
      created_on: asOf,
      decided_on: null,
      reason: m.intervention_required === 1 ? m.intervention_reason : null,
      invoice_id: null,
      job_id: source.jobId ?? null,
      created_at: source.at,
      updated_at: source.at,
    }));
    const byMembership = new Map(batch.map((m) => [m.id, m]));
    const show = (r: (typeof rows)[number], id: number | null) => {
      const m = byMembership.get(r.membership_id)!;
      return renewalJson({ ...r, id, member_id: m.member_id, member_name: m.member_name, plan_name: m.plan_name, invoice_number: null });
    };
    if (options.dryRun) {
      opened.push(...rows.map((r) => show(r, null)));
      continue;
    }
    await db.transaction().execute(async (trx) => {
      // a concurrent writer may have opened some: the unique key keeps theirs and this inserts the rest
      const inserted = await trx
        .insertInto('renewals')
        .values(rows)
        .onConflict((oc) => oc.columns(['membership_id', 'term_start']).doNothing())
        .returning(['id', 'membership_id'])
        .execute();
      const idOf = new Map(inserted.map((r) => [r.membership_id, r.id]));
      const json = rows.filter((r) => idOf.has(r.membership_id)).map((r) => show(r, idOf.get(r.membership_id)!));
      await recordAudits(
        trx,
        source,
        json.map((r) => ({
          action: 'insert',
          entity: 'renewals',
          entityId: r.id,
          memberId: r.member.id,
          after: { membership_id: r.membershipId, term_start: r.termStart, term_end: r.termEnd, status: r.status, reason: r.reason },
          summary: `renewal ${r.id} opened for membership ${r.membershipId} (${r.plan}): term ${r.termStart} to ${r.termEnd}${r.status === 'intervention' ? `, needs an intervention: ${r.reason}` : ''}`,
        })),
      );
      await queueMessages(trx, renewalNotices(json), { now: source.at });
      opened.push(...json);
    });
  }
  return opened;
}

/** The notice of each renewal open to a decision: one opened for an intervention gets it once that is done. */
const renewalNotices = (renewals: readonly { id: number | null; status: RenewalStatus }[]): MessageToQueue[] =>
  renewals.filter((r) => r.status === 'open' && r.id !== null).map((r) => ({ kind: 'renewal_notice', subjectId: r.id!, stage: 'notice' }));

export interface AcceptedBilling {
  /** accepted renewals billed by this run */
  invoiced: number;
  invoices: InvoiceJson[];
  problems: Problem[];
}

/**
 * Bills accepted renewals whose term is not billed yet (accepting bills at once, so only an acceptance whose
 * invoice was voided and whose term was put back with `memberships set --next-invoice` is left), each in its own
 * transaction with the invoicing job's rules.
 */
export async function billAcceptedRenewals(db: Kysely<Database>, asOf: IsoDate, options: NoticeOptions): Promise<AcceptedBilling> {
  const pending = await db
    .selectFrom('renewals as r')
    .innerJoin('memberships as ms', 'ms.id', 'r.membership_id')
    .select(['r.id', 'r.membership_id', 'r.term_start'])
    .where('r.status', '=', 'accepted')
    .whereRef('r.term_start', '=', 'ms.next_invoice_date')
    .where('ms.do_not_renew', '=', 0)
    .where((eb) => eb.or([eb('ms.end_date', 'is', null), eb('ms.end_date', '>=', eb.ref('r.term_start'))]))
    .orderBy('r.id')
    .execute();
  const result: AcceptedBilling = { invoiced: 0, invoices: [], problems: [] };
  for (const renewal of pending) {
    const bill = async (trx: Queryable) => {
      const billing = await billMembershipsIn(trx, [renewal.membership_id], {
        asOf,
        through: renewal.term_start > asOf ? renewal.term_start : asOf,
        source: options.source,
        dryRun: options.dryRun,
      });
      result.problems.push(...billing.problems);
      if (billing.invoices.length === 0) return;
      result.invoiced += 1;
      result.invoices.push(...billing.invoices);
      if (!options.dryRun) await linkInvoice(trx, renewal.id, billing.invoices[0]!.number, options.source.at);
    };
    if (options.dryRun) await bill(db);
    else await db.transaction().execute(bill);
  }
  return result;
}

async function linkInvoice(db: Queryable, renewalId: number, number: string | null, at: string): Promise<void> {
  if (number === null) return;
  const invoice = await db.selectFrom('invoices').select('id').where('number', '=', number).executeTakeFirstOrThrow();
  await db.updateTable('renewals').set({ invoice_id: invoice.id, updated_at: at }).where('id', '=', renewalId).execute();
}

const describeRenewal = (r: RenewalRow) => `renewal ${r.id} (membership ${r.membership_id} of ${r.member_name}, term ${r.term_start} to ${r.term_end})`;

/**
 * Accepts an open renewal and bills its term at once, in one transaction, with the invoicing job's rules: the
 * invoice is dated `asOf`. Refuses (65) a renewal already decided, one that needs an intervention, or a
 * membership that no longer renews into that term.
 */
export async function acceptRenewal(
  db: Kysely<Database>,
  id: number,
  asOf: IsoDate,
  source: AuditSource,
): Promise<{ renewal: RenewalRow; invoices: InvoiceJson[] }> {
  try {
    return await db.transaction().execute(async (trx) => {
      const renewal = await requireRenewal(trx, id);
      const membership = await requireMembership(trx, renewal.membership_id);
      if (renewal.status === 'accepted') throw dataError(`${describeRenewal(renewal)} is already accepted${renewal.invoice_number ? ` and billed on ${renewal.invoice_number}` : ''}`);
      if (renewal.status === 'refused') {
        throw dataError(
          `${describeRenewal(renewal)} was refused on ${renewal.decided_on} (${renewal.reason ?? 'no reason given'})`,
          `to reopen it: memberctl memberships renew-now ${renewal.membership_id}`,
        );
      }
      if (renewal.status === 'intervention' || membership.intervention_required === 1) {
        throw dataError(
          `${describeRenewal(renewal)} needs an intervention first: ${membership.intervention_reason ?? renewal.reason ?? 'no reason given'}`,
          `once done: memberctl memberships set ${membership.id} --no-intervention, then accept it`,
        );
      }
      if (membership.do_not_renew === 1) {
        throw dataError(
          `membership ${membership.id} is set not to renew (${membership.do_not_renew_reason ?? 'no reason given'})`,
          `to renew it after all: memberctl memberships set ${membership.id} --no-do-not-renew`,
        );
      }
      if (membership.end_date !== null && membership.end_date < renewal.term_start) {
        throw dataError(`membership ${membership.id} ends on ${membership.end_date}, before the term ${renewal.term_start} to ${renewal.term_end}`, `move its end: memberctl memberships set ${membership.id} --end DATE`);
      }
      if (membership.next_invoice_date < renewal.term_start) {
        throw dataError(
          `membership ${membership.id} is billed up to ${addDays(membership.next_invoice_date, -1)} only: the periods before the term ${renewal.term_start} are not billed`,
          `bill them first, or move where billing resumes: memberctl memberships set ${membership.id} --next-invoice ${renewal.term_start}`,
        );
      }
      await trx.updateTable('renewals').set({ status: 'accepted', decided_on: asOf, updated_at: source.at }).where('id', '=', id).execute();
      let invoices: InvoiceJson[] = [];
      // a term billed already (its billing resumed past it) is accepted without a new invoice
      if (membership.next_invoice_date === renewal.term_start) {
        const billing = await billMembershipsIn(trx, [membership.id], { asOf, through: renewal.term_start > asOf ? renewal.term_start : asOf, source });
        const problem = billing.problems[0];
        if (problem) throw dataError(problem.message);
        invoices = billing.invoices;
        await linkInvoice(trx, id, invoices[0]?.number ?? null, source.at);
      }
      const accepted = await requireRenewal(trx, id);
      await recordAudit(trx, source, {
        action: 'accept',
        entity: 'renewals',
        entityId: id,
        memberId: renewal.member_id,
        before: { status: renewal.status },
        after: { status: 'accepted', decided_on: asOf, invoice: accepted.invoice_number },
        summary: `${describeRenewal(renewal)} accepted${accepted.invoice_number ? `, billed on ${accepted.invoice_number}` : ''}`,
      });
      return { renewal: accepted, invoices };
    });
  } catch (error) {
    if (isBillingConflict(error)) throw tempError(`membership of renewal ${id} changed while it was being billed`, 'try again');
    throw error;
  }
}

/**
 * Refuses an open (or intervention) renewal: the membership ends with its covered period, the day before the
 * term. Refuses (65) a renewal already decided.
 */
export async function refuseRenewal(db: Queryable, id: number, reason: string, asOf: IsoDate, source: AuditSource): Promise<RenewalRow> {
  const renewal = await requireRenewal(db, id);
  if (renewal.status === 'accepted') {
    throw dataError(
      `${describeRenewal(renewal)} is already accepted${renewal.invoice_number ? ` and billed on ${renewal.invoice_number}` : ''}`,
      renewal.invoice_number ? `to undo it, void the invoice: memberctl invoices void ${renewal.invoice_number} --reason TEXT` : undefined,
    );
  }
  if (renewal.status === 'refused') throw dataError(`${describeRenewal(renewal)} is already refused (${renewal.reason ?? 'no reason given'})`);
  await db.updateTable('renewals').set({ status: 'refused', reason, decided_on: asOf, updated_at: source.at }).where('id', '=', id).execute();
  await recordAudit(db, source, {
    action: 'refuse',
    entity: 'renewals',
    entityId: id,
    memberId: renewal.member_id,
    before: { status: renewal.status, reason: renewal.reason },
    after: { status: 'refused', reason, decided_on: asOf },
    summary: `${describeRenewal(renewal)} refused: ${reason}; the membership ends on ${addDays(renewal.term_start, -1)}`,
  });
  return requireRenewal(db, id);
}

/**
 * `memberships renew-now`: the renewal of the membership's next term, opened today whatever the notice window.
 * An open one is returned as it is; a refused one is reopened (the way to undo a refusal). Refuses (65) a
 * membership whose next term is not renewed by decision.
 */
export async function renewNow(db: Queryable, membershipId: number, asOf: IsoDate, source: AuditSource): Promise<{ renewal: RenewalRow; change: 'opened' | 'reopened' | 'unchanged' }> {
  const membership = await requireMembership(db, membershipId);
  const termStart = membership.next_invoice_date;
  if (termStart === membership.start_date) {
    throw dataError(`membership ${membershipId} is in its first term, which the invoicing job bills from ${membership.start_date}: there is nothing to renew yet`);
  }
  if (membership.do_not_renew === 1) {
    throw dataError(
      `membership ${membershipId} is set not to renew (${membership.do_not_renew_reason ?? 'no reason given'})`,
      `to renew it after all: memberctl memberships set ${membershipId} --no-do-not-renew`,
    );
  }
  if (membership.end_date !== null && membership.end_date < termStart) {
    throw dataError(`membership ${membershipId} ends on ${membership.end_date}, before its next term (${termStart})`, `move its end: memberctl memberships set ${membershipId} --end DATE`);
  }
  if (!renewsByDecision(membership, termStart)) {
    throw dataError(
      `membership ${membershipId} renews automatically: the invoicing job bills its next term from ${termStart}`,
      `to renew it by decision instead: memberctl memberships set ${membershipId} --auto-renew no (or --auto-renew-until DATE)`,
    );
  }
  const status: RenewalStatus = membership.intervention_required === 1 ? 'intervention' : 'open';
  const reason = membership.intervention_required === 1 ? membership.intervention_reason : null;
  const existing = await db.selectFrom('renewals').select(['id', 'status', 'reason']).where('membership_id', '=', membershipId).where('term_start', '=', termStart).executeTakeFirst();
  if (existing?.status === 'accepted') throw dataError(`the renewal of membership ${membershipId} for the term from ${termStart} is already accepted (renewal ${existing.id})`);
  if (existing && existing.status !== 'refused') return { renewal: await requireRenewal(db, existing.id), change: 'unchanged' };
  const member = await db.selectFrom('members').select('name').where('id', '=', membership.member_id).executeTakeFirstOrThrow();
  if (existing) {
    await db.updateTable('renewals').set({ status, reason, decided_on: null, updated_at: source.at }).where('id', '=', existing.id).execute();
    await recordAudit(db, source, {
      action: 'reopen',
      entity: 'renewals',
      entityId: existing.id,
      memberId: membership.member_id,
      before: { status: existing.status, reason: existing.reason },
      after: { status, reason },
      summary: `renewal ${existing.id} of membership ${membershipId} (${member.name}) reopened: its refusal is undone`,
    });
    await queueMessages(db, renewalNotices([{ id: existing.id, status }]), { now: source.at });
    return { renewal: await requireRenewal(db, existing.id), change: 'reopened' };
  }
  const plan = await db.selectFrom('plans').select(['interval', 'every']).where('id', '=', membership.plan_id).executeTakeFirstOrThrow();
  const inserted = await db
    .insertInto('renewals')
    .values({
      membership_id: membershipId,
      term_start: termStart,
      term_end: termEnd({ ...membership, ...plan }, termStart),
      status,
      created_on: asOf,
      decided_on: null,
      reason,
      invoice_id: null,
      job_id: source.jobId ?? null,
      created_at: source.at,
      updated_at: source.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const renewal = await requireRenewal(db, inserted.id);
  await recordAudit(db, source, {
    action: 'insert',
    entity: 'renewals',
    entityId: renewal.id,
    memberId: membership.member_id,
    after: { membership_id: membershipId, term_start: renewal.term_start, term_end: renewal.term_end, status, reason },
    summary: `renewal ${renewal.id} opened now for membership ${membershipId} (${renewal.plan_name}): term ${renewal.term_start} to ${renewal.term_end}`,
  });
  await queueMessages(db, renewalNotices([renewal]), { now: source.at });
  return { renewal, change: 'opened' };
}

/**
 * Keeps the pending renewals of a membership in line with its intervention flag (`memberships set
 * --intervention` / `--no-intervention`): `intervention` with its reason while one is required, `open` otherwise.
 */
export async function syncInterventions(db: Queryable, membershipId: number, source: AuditSource): Promise<number> {
  const membership = await requireMembership(db, membershipId);
  const status: RenewalStatus = membership.intervention_required === 1 ? 'intervention' : 'open';
  const reason = membership.intervention_required === 1 ? membership.intervention_reason : null;
  const pending = await db
    .selectFrom('renewals')
    .select(['id', 'status', 'reason'])
    .where('membership_id', '=', membershipId)
    .where('status', 'in', ['open', 'intervention'])
    .execute();
  const changed = pending.filter((r) => r.status !== status || r.reason !== reason);
  if (changed.length === 0) return 0;
  await db
    .updateTable('renewals')
    .set({ status, reason, updated_at: source.at })
    .where(
      'id',
      'in',
      changed.map((r) => r.id),
    )
    .execute();
  const audits: AuditChange[] = changed.map((r) => ({
    action: 'update',
    entity: 'renewals',
    entityId: r.id,
    memberId: membership.member_id,
    before: { status: r.status, reason: r.reason },
    after: { status, reason },
    summary: status === 'intervention' ? `renewal ${r.id} needs an intervention: ${reason}` : `renewal ${r.id} no longer needs an intervention`,
  }));
  await recordAudits(db, source, audits);
  await queueMessages(db, renewalNotices(changed.map((r) => ({ id: r.id, status }))), { now: source.at });
  return changed.length;
}
