// Raw rows for tests of people features: memberships and invoices written directly, as billing would.
import type { Queryable } from '../../src/db/connect.js';
import type { NewMembership } from '../../src/db/types.js';

export const at = '2026-01-01T09:00:00.000Z';
export const source = { actor: 'test', at };

export async function seedPlan(db: Queryable, name = 'Hot Desk', price = 20_000): Promise<number> {
  const plan = await db
    .insertInto('plans')
    .values({ name, price, currency: 'EUR', interval: 'month', every: 1, tax_rate: '20', credits: 0, passes: 0, auto_renew: 1, archived: 0, created_at: at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return plan.id;
}

/** A membership row from 2026-01-01 (or `values.start_date`), next billed on its start, renewing. */
function membershipRow(memberId: number, planId: number, values: Partial<NewMembership>): NewMembership {
  const start = values.start_date ?? '2026-01-01';
  return {
    member_id: memberId,
    plan_id: planId,
    quantity: 1,
    start_date: start,
    next_invoice_date: start,
    anchor_day: Number(start.slice(8, 10)),
    auto_renew: 1,
    do_not_renew: 0,
    intervention_required: 0,
    prorate_first: 0,
    source: 'test',
    created_at: at,
    updated_at: at,
    ...values,
  };
}

export async function seedMembership(db: Queryable, memberId: number, planId: number, values: Partial<NewMembership> = {}): Promise<number> {
  const row = await db.insertInto('memberships').values(membershipRow(memberId, planId, values)).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** `count` members named "Member 0", "Member 1", ..., 500 a statement; their ids in that order. */
export async function seedMembers(db: Queryable, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i += 500) {
    const rows = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ name: `Member ${i + j}`, created_at: at, updated_at: at }));
    ids.push(...(await db.insertInto('members').values(rows).returning('id').execute()).map((r) => r.id));
  }
  return ids;
}

/** One membership of the plan for each member, all alike (as `seedMembership` makes them), 500 a statement. */
export async function seedMemberships(db: Queryable, memberIds: readonly number[], planId: number, values: Partial<NewMembership> = {}): Promise<void> {
  for (let i = 0; i < memberIds.length; i += 500) {
    await db
      .insertInto('memberships')
      .values(memberIds.slice(i, i + 500).map((id) => membershipRow(id, planId, values)))
      .execute();
  }
}

let invoiceCounter = 0;

/** One invoice with one line per period, for the membership's member as payer unless told otherwise. */
export async function seedInvoice(
  db: Queryable,
  membershipId: number,
  periods: Array<[string, string]>,
  options: { status?: 'open' | 'paid' | 'void'; dueDate?: string; payerId?: number; date?: string; voidedLines?: boolean } = {},
): Promise<number> {
  const membership = await db.selectFrom('memberships').selectAll().where('id', '=', membershipId).executeTakeFirstOrThrow();
  const member = await db.selectFrom('members').selectAll().where('id', '=', membership.member_id).executeTakeFirstOrThrow();
  const date = options.date ?? periods[0]![0];
  invoiceCounter += 1;
  const invoice = await db
    .insertInto('invoices')
    .values({
      number: `T-${invoiceCounter}-${Math.random().toString(36).slice(2, 8)}`,
      date,
      due_date: options.dueDate ?? date,
      payer_id: options.payerId ?? member.id,
      payer_name: member.name,
      currency: 'EUR',
      net: 100 * periods.length,
      tax: 0,
      total: 100 * periods.length,
      status: options.status ?? 'open',
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('invoice_lines')
    .values(
      periods.map(([start, end]) => ({
        invoice_id: invoice.id,
        membership_id: membershipId,
        member_id: member.id,
        member_name: member.name,
        plan_name: 'Hot Desk',
        description: `Hot Desk ${start}`,
        period_start: start,
        period_end: end,
        quantity: 1,
        unit_price: 100,
        net: 100,
        tax_rate: '0',
        tax: 0,
        total: 100,
        voided: options.voidedLines ? (1 as const) : (0 as const),
      })),
    )
    .execute();
  return invoice.id;
}
