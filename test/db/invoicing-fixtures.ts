// Plans, members and memberships for billing tests, written through the same functions the commands use.
import type { Db, Queryable } from '../../src/db/connect.js';
import { runInvoicing } from '../../src/core/billing/invoicing.js';
import { addMembership, type MembershipInput } from '../../src/core/billing/memberships.js';

export const at = '2026-01-01T09:00:00.000Z';
export const source = { actor: 'test', at, jobId: 'test-job' };

export interface PlanSpec {
  price: number;
  currency?: string;
  interval?: 'month' | 'year';
  every?: number;
  taxRate?: string;
  autoRenew?: boolean;
  /** granted per billed period once its invoice is paid */
  credits?: number;
  passes?: number;
}

export async function addPlan(db: Queryable, name: string, spec: PlanSpec): Promise<number> {
  const row = await db
    .insertInto('plans')
    .values({
      name,
      price: spec.price,
      currency: spec.currency ?? 'EUR',
      interval: spec.interval ?? 'month',
      every: spec.every ?? 1,
      tax_rate: spec.taxRate ?? '0',
      credits: spec.credits ?? 0,
      passes: spec.passes ?? 0,
      auto_renew: spec.autoRenew === false ? 0 : 1,
      archived: 0,
      created_at: at,
      updated_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addPerson(db: Queryable, name: string, paidBy: number | null = null): Promise<number> {
  const row = await db
    .insertInto('members')
    .values({ name, email: null, email_key: null, phone: null, address: null, tax_id: null, company_id: null, paid_by_id: paidBy, external_id: null, created_at: at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function subscribe(
  db: Queryable,
  memberId: number,
  planId: number,
  input: Omit<Partial<MembershipInput>, 'memberId' | 'planId'> & { startDate: string },
): Promise<number> {
  return (await addMembership(db, { memberId, planId, ...input }, source)).id;
}

export function bill(db: Db, asOf: string, options: { dryRun?: boolean; batchSize?: number } = {}) {
  return runInvoicing(db.kysely, { asOf, dryRun: options.dryRun ?? false, source, batchSize: options.batchSize, sqlite: db.sqlite });
}

/** Every invoice number in the database, in order. */
export async function invoiceNumbers(db: Queryable): Promise<string[]> {
  return (await db.selectFrom('invoices').select('number').orderBy('number').execute()).map((r) => r.number);
}

/** True when the numbers of each prefix and year run 1, 2, 3, ... without a hole. */
export function gapless(numbers: readonly string[]): boolean {
  const byYear = new Map<string, number[]>();
  for (const n of numbers) {
    const match = /^(.*-\d{4})-(\d+)$/.exec(n);
    if (!match) return false;
    const list = byYear.get(match[1]!) ?? [];
    list.push(Number(match[2]));
    byYear.set(match[1]!, list);
  }
  return [...byYear.values()].every((list) => list.sort((a, b) => a - b).every((n, i) => n === i + 1));
}
