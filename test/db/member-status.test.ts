// Statuses as the loader computes them from the database: only the period covering the day decides, and a void
// invoice covers nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { memberHistory } from '../../src/core/people/history.js';
import { voidInvoice } from '../../src/core/billing/invoices.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { loadMemberState } from '../../src/core/status/member-status.js';
import { cancelPayment } from '../../src/core/billing/payments.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { addPerson, addPlan, at, bill, source, subscribe } from './invoicing-fixtures.js';
import { invoiceOf, payInFull, renew } from './renewals-fixtures.js';

describe.each(dialects)('member statuses on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  /** A monthly auto-renew desk at 100.00 and one person on it from 2026-01-01. */
  async function desk(name: string) {
    db = await freshDb(dialect);
    const plan = await addPlan(db.kysely, 'Desk', { price: 10000 });
    const member = await addPerson(db.kysely, name);
    const membership = await subscribe(db.kysely, member, plan, { startDate: '2026-01-01' });
    return { member, membership };
  }

  async function state(member: number, asOf: string) {
    const s = await loadMemberState(db.kysely, member, asOf);
    return { status: s.status, detail: s.memberships[0]?.detail };
  }

  it('an unpaid catch-up invoice gives grace counted from the start of the period covering the day', async () => {
    const { member } = await desk('Ann');
    const run = await bill(db, '2026-06-01');
    expect(run.invoices.map((i) => [i.dueDate, i.lines.length])).toEqual([['2026-06-15', 6]]);
    expect((await state(member, '2026-06-15')).status).toBe('member');
    expect(await state(member, '2026-06-16')).toMatchObject({ status: 'grace', detail: { graceStart: '2026-06-01', suspendedFrom: '2026-07-01' } });
    expect((await state(member, '2026-06-30')).status).toBe('grace');
    expect((await renew(db, '2026-06-16')).transitions.map((t) => [t.member.name, t.from, t.to])).toEqual([['Ann', 'member', 'grace']]);
  });

  it('an older unpaid invoice does not decide the status: the invoice of the period covering the day does', async () => {
    const { member, membership } = await desk('Ann');
    await bill(db, '2026-01-01');
    await bill(db, '2026-02-01');
    // January unpaid since Jan 15; February not due before Feb 15
    expect((await state(member, '2026-02-10')).status).toBe('member');
    expect(await state(member, '2026-02-16')).toMatchObject({ status: 'grace', detail: { graceStart: '2026-02-01' } });
    await payInFull(db, await invoiceOf(db.kysely, membership, '2026-02-01'), '2026-02-16');
    expect((await state(member, '2026-02-20')).status).toBe('member');
  });

  it('a void invoice covers nothing: its period goes to grace, then suspended, until the next period is billed', async () => {
    const { member, membership } = await desk('Bob');
    await setSetting(db.kysely, 'grace-days', '5', at);
    await bill(db, '2026-01-01');
    const january = await invoiceOf(db.kysely, membership, '2026-01-01');
    await db.kysely.transaction().execute((trx) => voidInvoice(trx, january, 'test', '2026-01-02', source));
    expect(await state(member, '2026-01-03')).toMatchObject({ status: 'grace', detail: { graceStart: '2026-01-01', suspendedFrom: '2026-01-06' } });
    expect((await state(member, '2026-01-20')).status).toBe('suspended');
    // February is billed by the job (auto-renew): nobody waits for cron in grace
    expect((await state(member, '2026-02-01')).status).toBe('member');
  });

  it('voided periods between paid ones: grace counts from the day after the last covered day', async () => {
    const { member, membership } = await desk('Cid');
    for (const day of ['2026-01-01', '2026-02-01', '2026-03-01']) await bill(db, day);
    await payInFull(db, await invoiceOf(db.kysely, membership, '2026-01-01'), '2026-01-05');
    await payInFull(db, await invoiceOf(db.kysely, membership, '2026-03-01'), '2026-03-05');
    const february = await invoiceOf(db.kysely, membership, '2026-02-01');
    await db.kysely.transaction().execute((trx) => voidInvoice(trx, february, 'test', '2026-03-06', source));
    expect(await state(member, '2026-02-10')).toMatchObject({ status: 'grace', detail: { graceStart: '2026-02-01', suspendedFrom: '2026-03-03' } });
    expect((await state(member, '2026-03-10')).status).toBe('member');
  });

  describe('status transitions compare with the status last recorded', () => {
    const moves = async (asOf: string) => (await renew(db, asOf)).transitions.map((t) => [t.member.name, t.from, t.to]);
    const audited = async (member: number) =>
      (await memberHistory(db.kysely, member)).filter((e) => e.action === 'status').map((e) => e.summary);
    const recorded = () => db.kysely.selectFrom('member_statuses').select(['member_id', 'status', 'since']).execute();

    it('a cancelled payment that puts a member back in grace is reported and audited', async () => {
      const { member, membership } = await desk('Ann');
      await bill(db, '2026-01-01');
      expect(await moves('2026-01-01')).toEqual([]);
      expect(await moves('2026-01-20')).toEqual([['Ann', 'member', 'grace']]);
      await payInFull(db, await invoiceOf(db.kysely, membership, '2026-01-01'), '2026-01-21');
      expect(await moves('2026-01-22')).toEqual([]);
      expect(await recorded()).toEqual([]);
      const payment = await db.kysely.selectFrom('payments').select('id').executeTakeFirstOrThrow();
      await db.kysely.transaction().execute((trx) => cancelPayment(trx, payment.id, 'bounced', '2026-01-23', source));
      expect(await moves('2026-01-25')).toEqual([['Ann', 'member', 'grace']]);
      expect(await recorded()).toEqual([{ member_id: member, status: 'grace', since: '2026-01-25' }]);
      expect(await audited(member)).toEqual(['status member -> grace as of 2026-01-20', 'status member -> grace as of 2026-01-25']);
      expect(await moves('2026-01-25')).toEqual([]);
    });

    it('a member whose payment is cancelled after the due date is reported on the next run', async () => {
      const { member, membership } = await desk('Ann');
      await bill(db, '2026-01-01');
      await payInFull(db, await invoiceOf(db.kysely, membership, '2026-01-01'), '2026-01-05');
      expect(await moves('2026-01-16')).toEqual([]);
      const payment = await db.kysely.selectFrom('payments').select('id').executeTakeFirstOrThrow();
      await db.kysely.transaction().execute((trx) => cancelPayment(trx, payment.id, 'bounced', '2026-01-20', source));
      expect(await moves('2026-01-20')).toEqual([['Ann', 'member', 'grace']]);
      expect(await audited(member)).toEqual(['status member -> grace as of 2026-01-20']);
    });

    it('a merge hands the removed member\'s recorded grace to a kept member who had none', async () => {
      const { member } = await desk('Ann');
      const keep = await addPerson(db.kysely, 'Ann Doe');
      await bill(db, '2026-01-01');
      expect(await moves('2026-01-01')).toEqual([]);
      expect(await moves('2026-01-20')).toEqual([['Ann', 'member', 'grace']]);
      const plan = await planMerge(db.kysely, String(keep), String(member));
      await db.kysely.transaction().execute((trx) => applyMerge(trx, plan, source));
      expect(await moves('2026-01-21')).toEqual([]);
      expect((await recorded()).map((r) => [r.member_id, r.status])).toEqual([[keep, 'grace']]);
    });

    it('someone new since the last run who is already in grace is recorded without being reported', async () => {
      const { member } = await desk('Ann');
      await bill(db, '2026-01-01');
      expect(await moves('2026-01-01')).toEqual([]);
      expect(await moves('2026-01-20')).toEqual([['Ann', 'member', 'grace']]);
      const plan = await db.kysely.selectFrom('plans').select('id').executeTakeFirstOrThrow();
      const bob = await addPerson(db.kysely, 'Bob');
      // imported: paid until Jan 10, a term not renewed, so already in grace on the day of the last run
      await subscribe(db.kysely, bob, plan.id, { startDate: '2025-06-01', nextInvoiceDate: '2026-01-10', autoRenew: false });
      // Ann is back to `member` (February is billed automatically): recorded, not reported
      expect(await moves('2026-02-05')).toEqual([]);
      expect((await recorded()).map((r) => [r.member_id, r.status])).toEqual([[bob, 'grace']]);
      expect(await audited(bob)).toEqual([]);
      expect(await audited(member)).toEqual(['status member -> grace as of 2026-01-20']);
    });
  });
});
