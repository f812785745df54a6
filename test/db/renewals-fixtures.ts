// Plans with credits and passes, payments and job runs for renewal tests, through the functions the commands use.
import type { Db, Queryable } from '../../src/db/connect.js';
import { memberEntries } from '../../src/core/billing/credits.js';
import { loadMemberStates } from '../../src/core/status/member-status.js';
import { recordPayment } from '../../src/core/billing/payments.js';
import { runRenewals } from '../../src/core/renewals/renewals-job.js';
import { addPlan, source } from './invoicing-fixtures.js';

export interface GrantingPlan {
  price: number;
  interval?: 'month' | 'year';
  autoRenew?: boolean;
  credits?: number;
  passes?: number;
}

/** A plan in EUR without tax, yearly and not renewing unless told otherwise. */
export function addGrantingPlan(db: Queryable, name: string, spec: GrantingPlan): Promise<number> {
  return addPlan(db, name, { ...spec, interval: spec.interval ?? 'year', autoRenew: spec.autoRenew ?? false });
}

export function renew(db: Db, asOf: string, dryRun = false) {
  return runRenewals(db.kysely, { asOf, dryRun, source });
}

/** Pays an invoice in full, in its own transaction, as `payments record` does. */
export async function payInFull(db: Db, number: string, date: string): Promise<void> {
  const invoice = await db.kysely.selectFrom('invoices').select(['total']).where('number', '=', number).executeTakeFirstOrThrow();
  await db.kysely.transaction().execute((trx) => recordPayment(trx, number, { amount: (invoice.total / 100).toFixed(2), method: 'cash', date, reference: null }, date, source));
}

/** The number of the invoice billing this membership's period starting on `start`. */
export async function invoiceOf(db: Queryable, membershipId: number, start: string): Promise<string> {
  const row = await db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select('i.number')
    .where('l.membership_id', '=', membershipId)
    .where('l.period_start', '=', start)
    .where('l.voided', '=', 0)
    .executeTakeFirstOrThrow();
  return row.number;
}

/** Every member's status as of a day, by id. */
export async function statuses(db: Queryable, asOf: string): Promise<Record<number, string>> {
  const states = await loadMemberStates(db, asOf);
  return Object.fromEntries([...states].map(([id, s]) => [id, s.status]));
}

/** The sum of a member's ledger entries of a unit. */
export async function ledgerSum(db: Queryable, memberId: number, unit: 'credit' | 'pass'): Promise<number> {
  return (await memberEntries(db, [memberId])).filter((e) => e.unit === unit).reduce((sum, e) => sum + e.amount, 0);
}

/** Everything the renewals job writes, in a stable order, to compare two moments. */
export async function renewalSnapshot(db: Queryable) {
  const [renewals, statuses, ledger, audit, invoices, memberships] = await Promise.all([
    db.selectFrom('renewals').selectAll().orderBy('id').execute(),
    db.selectFrom('member_statuses').select(['member_id', 'status', 'since']).orderBy('member_id').execute(),
    db.selectFrom('ledger_entries').selectAll().orderBy('id').execute(),
    db.selectFrom('audit_log').select(['id', 'action', 'entity', 'entity_id', 'member_id', 'after']).orderBy('id').execute(),
    db.selectFrom('invoices').select(['number', 'status', 'total']).orderBy('number').execute(),
    db.selectFrom('memberships').selectAll().orderBy('id').execute(),
  ]);
  return { renewals, statuses, ledger, audit, invoices, memberships };
}
