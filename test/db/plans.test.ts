import { afterEach, describe, expect, it } from 'vitest';
import { addMember } from '../../src/core/people/members.js';
import { billingTermsChange, editPlan, preparePlanEdit } from '../../src/core/billing/plans.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { seedMembership, seedPlan, source } from './people-fixtures.js';

describe.each(dialects)('plan edits on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  const planAudits = async () => (await db.kysely.selectFrom('audit_log').select('id').where('entity', '=', 'plans').execute()).length;

  it('an edit that changes nothing writes nothing, not even the audit log', async () => {
    db = await freshDb(dialect);
    await seedPlan(db.kysely, 'Desk', 11_000);
    const later = { actor: 'test', at: '2026-02-01T09:00:00.000Z' };
    const same = await editPlan(db.kysely, 'Desk', { price: '110', interval: 'monthly', taxRate: '20' }, later);
    expect(same.changed).toBe(false);
    expect(same.plan.updated_at).toBe(source.at);
    expect(await planAudits()).toBe(0);

    const changed = await editPlan(db.kysely, 'Desk', { price: '120' }, later);
    expect(changed).toMatchObject({ changed: true, plan: { price: 12_000, updated_at: later.at } });
    expect(await planAudits()).toBe(1);
  });

  it('counts the memberships not ended that a change of currency, interval or every bills differently', async () => {
    db = await freshDb(dialect);
    const desk = await seedPlan(db.kysely, 'Desk', 11_000);
    const [jo, bo, al] = await Promise.all(['Jo', 'Bo', 'Al'].map(async (name) => (await addMember(db.kysely, { name }, source)).member.id));
    await seedMembership(db.kysely, jo!, desk, { start_date: '2026-03-01' });
    await seedMembership(db.kysely, bo!, desk, { start_date: '2026-01-01', next_invoice_date: '2026-02-01', covered_until: '2026-01-31' });
    await seedMembership(db.kysely, al!, desk, { start_date: '2025-01-01', next_invoice_date: '2025-07-01', end_date: '2025-06-30' });

    const asOf = '2026-01-15';
    expect(await billingTermsChange(db.kysely, await preparePlanEdit(db.kysely, 'Desk', { price: '200', taxRate: '5' }), asOf)).toBeNull();
    const change = await billingTermsChange(db.kysely, await preparePlanEdit(db.kysely, 'Desk', { currency: 'chf', every: '3' }), asOf);
    expect(change).toEqual({ memberships: 2, firstInvoiceDate: '2026-02-01', before: '110.00 EUR every month', after: '110.00 CHF every 3 months' });
    // once the others have ended too, nobody is billed differently
    await db.kysely.updateTable('memberships').set({ end_date: '2026-04-30' }).where('member_id', 'in', [jo!, bo!]).execute();
    expect(await billingTermsChange(db.kysely, await preparePlanEdit(db.kysely, 'Desk', { interval: 'year' }), '2026-06-01')).toBeNull();
  });
});
