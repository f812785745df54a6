import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustmentJson } from '../../src/core/billing/adjustments.js';
import { addCharge } from '../../src/core/billing/charges.js';
import { parseDiscount, setDiscount } from '../../src/core/billing/discounts.js';
import { findInvoices, invoicesJson, voidInvoice } from '../../src/core/billing/invoices.js';
import { changeMembership } from '../../src/core/billing/memberships.js';
import { pauseMembership, resumeMembership } from '../../src/core/billing/pauses.js';
import { loadMemberState } from '../../src/core/status/member-status.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { addPerson, addPlan, bill, gapless, invoiceNumbers, source, subscribe } from './invoicing-fixtures.js';

const pause = (db: Db, id: number, from: string, to: string, today: string) => db.kysely.transaction().execute((trx) => pauseMembership(trx, id, { from, to }, today, source));
const resume = (db: Db, id: number, on: string, today = on) => db.kysely.transaction().execute((trx) => resumeMembership(trx, id, on, today, source));
const changePlan = (db: Db, id: number, planId: number, from: string, prorate = true) => db.kysely.transaction().execute((trx) => changeMembership(trx, id, { planId, planFrom: from, prorate }, source));

const discount = (db: Db, id: number, value: string) =>
  db.kysely.transaction().execute(async (trx) => {
    const membership = await trx.selectFrom('memberships').select(['id', 'member_id']).where('id', '=', id).executeTakeFirstOrThrow();
    await setDiscount(trx, membership, { value: parseDiscount(value, 'EUR')!, periods: null, reason: null }, 'EUR', source);
  });

type Row = [description: string, quantity: number, net: string, tax: string];
const rows = (invoice: { lines: Array<{ description: string; quantity: number; net: string; tax: string }> }): Row[] => invoice.lines.map((l) => [l.description, l.quantity, l.net, l.tax]);

const refused = async (promise: Promise<unknown>): Promise<UserError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
};

describe.each(dialects)('adjustments, computed by hand, on %s', (dialect) => {
  it("Stripe's example: 10.00 a month to 20.00 a month halfway through a 30-day period is -5.00 + 10.00 = +5.00", async () => {
    await withFreshDb(dialect, async (db) => {
      const basic = await addPlan(db.kysely, 'Basic', { price: 1000 });
      const pro = await addPlan(db.kysely, 'Pro', { price: 2000 });
      const ann = await addPerson(db.kysely, 'Ann');
      const id = await subscribe(db.kysely, ann, basic, { startDate: '2026-06-01' });
      expect((await bill(db, '2026-06-01')).invoices[0]!.total).toBe('10.00');
      // June has 30 days: from the 16th, 15 are left
      const { adjustments } = await changePlan(db, id, pro, '2026-06-16');
      expect(adjustments.map((a) => [a.kind, a.days, a.full_days, a.quantity, a.unit_price])).toEqual([
        ['plan_credit', 15, 30, -1, 1000],
        ['plan_charge', 15, 30, 1, 2000],
      ]);
      const [july] = (await bill(db, '2026-07-01')).invoices;
      expect(rows(july!)).toEqual([
        ['Pro, 2026-07-01 to 2026-07-31', 1, '20.00', '0.00'],
        ['Basic, 2026-06-16 to 2026-06-30, changed to Pro (credit 15/30 days)', -1, '-5.00', '0.00'],
        ['Pro, 2026-06-16 to 2026-06-30, changed from Basic (charge 15/30 days)', 1, '10.00', '0.00'],
      ]);
      expect(july!.total).toBe('25.00');
      expect((await bill(db, '2026-07-01')).count).toBe(0);
    });
  });

  it('a discounted line is corrected after its discount: the same proportion off as the line had', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 5000 });
      const basic = await addPlan(db.kysely, 'Basic', { price: 1000 });
      const pro = await addPlan(db.kysely, 'Pro', { price: 2000 });
      const ann = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), desk, { startDate: '2026-07-01' });
      const bob = await subscribe(db.kysely, await addPerson(db.kysely, 'Bob'), basic, { startDate: '2026-06-01' });
      await discount(db, ann, '15%');
      await discount(db, bob, '1.00');
      await bill(db, '2026-06-01');
      await bill(db, '2026-07-01');
      // Ann's July: 50.00 less 15% = 42.50; 9 days paused: 5000 x 9/31 x 4250/5000 = 1233.87 -> 12.34 (not 14.52)
      const { adjustments } = await pause(db, ann, '2026-07-01', '2026-07-09', '2026-07-10');
      expect(adjustments.map((a) => adjustmentJson(a).net)).toEqual(['-12.34']);
      // Bob's June and July: 10.00 less 1.00 = 9.00 each; moved to Pro on June 16: 15/30 of 10.00 x 9/10 = -4.50 and
      // 15/30 of 20.00 x 9/10 = +9.00 for June, all of July at 9/10: -9.00 and +18.00
      const change = await changePlan(db, bob, pro, '2026-06-16');
      expect(change.adjustments.map((a) => adjustmentJson(a).net)).toEqual(['-4.50', '9.00', '-9.00', '18.00']);
      const august = await bill(db, '2026-08-01');
      const byPlan = (plan: string) => august.invoices.find((i) => i.lines.some((l) => l.plan === plan))!;
      expect(rows(byPlan('Desk')).at(-1)).toEqual(['Desk, paused 2026-07-01 to 2026-07-09 (credit 9/31 days)', -1, '-12.34', '0.00']);
      expect(byPlan('Desk').lines[0]!.net).toBe('42.50');
      expect(rows(byPlan('Pro')).slice(-4).map((r) => r[2])).toEqual(['-4.50', '9.00', '-9.00', '18.00']);
    });
  });

  it("Lago's example: 22 days of 50.00 in a 31-day month is 35.48, paused before it is billed or credited after", async () => {
    await withFreshDb(dialect, async (db) => {
      const plan = await addPlan(db.kysely, 'Desk', { price: 5000 });
      const before = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), plan, { startDate: '2026-07-01' });
      const after = await subscribe(db.kysely, await addPerson(db.kysely, 'Bob'), plan, { startDate: '2026-07-01' });
      // Ann's last 9 days are paused before July is billed: 50.00 x 22 / 31 = 35.4838... -> 35.48
      await pause(db, before, '2026-07-23', '2026-07-31', '2026-06-20');
      const july = await bill(db, '2026-07-01');
      expect(july.invoices.map(rows)).toEqual([
        [['Desk, 2026-07-01 to 2026-07-31 (prorated 22/31 days, paused 2026-07-23 to 2026-07-31)', 1, '35.48', '0.00']],
        [['Desk, 2026-07-01 to 2026-07-31', 1, '50.00', '0.00']],
      ]);
      // Bob's first 9 days are paused once July is billed: 9/31 of 50.00 = 14.516... -> 14.52 credited, 35.48 left
      const { adjustments } = await pause(db, after, '2026-07-01', '2026-07-09', '2026-07-10');
      expect(adjustments).toHaveLength(1);
      const august = await bill(db, '2026-08-01');
      expect(rows(august.invoices[1]!)).toEqual([
        ['Desk, 2026-08-01 to 2026-08-31', 1, '50.00', '0.00'],
        ['Desk, paused 2026-07-01 to 2026-07-09 (credit 9/31 days)', -1, '-14.52', '0.00'],
      ]);
    });
  });

  it('a pause across a month end with anchor day 31: each period prorated by its own days, the invoiced one credited', async () => {
    await withFreshDb(dialect, async (db) => {
      const plan = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const id = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), plan, { startDate: '2026-01-31' });
      // periods on anchor 31: Jan 31 to Feb 27 (28 days), Feb 28 to Mar 30 (31 days)
      expect(rows((await bill(db, '2026-01-31')).invoices[0]!)).toEqual([['Desk, 2026-01-31 to 2026-02-27', 1, '100.00', '20.00']]);
      await pause(db, id, '2026-02-20', '2026-03-05', '2026-02-10');
      // Feb 20 to 27 credited: 8/28 of 100.00 = 28.571... -> 28.57, tax 5.714 -> 5.71; Feb 28 to Mar 5 not billed:
      // 25/31 of 100.00 = 80.645... -> 80.65, tax 16.13
      const [march] = (await bill(db, '2026-02-28')).invoices;
      expect(rows(march!)).toEqual([
        ['Desk, 2026-02-28 to 2026-03-30 (prorated 25/31 days, paused 2026-02-28 to 2026-03-05)', 1, '80.65', '16.13'],
        ['Desk, paused 2026-02-20 to 2026-02-27 (credit 8/28 days)', -1, '-28.57', '-5.71'],
      ]);
      expect([march!.net, march!.tax, march!.total]).toEqual(['52.08', '10.42', '62.50']);
      expect(rows((await bill(db, '2026-03-31')).invoices[0]!)).toEqual([['Desk, 2026-03-31 to 2026-04-29', 1, '100.00', '20.00']]);
    });
  });

  it('a plan change on a yearly term: the 183 days left of 365 credited at 1200.00 and charged at 2400.00', async () => {
    await withFreshDb(dialect, async (db) => {
      const member = await addPlan(db.kysely, 'Member', { price: 120000, interval: 'year' });
      const patron = await addPlan(db.kysely, 'Patron', { price: 240000, interval: 'year' });
      const id = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), member, { startDate: '2026-01-01' });
      await bill(db, '2026-01-01');
      await changePlan(db, id, patron, '2026-07-02');
      // 1200.00 x 183 / 365 = 601.643... -> 601.64; 2400.00 x 183 / 365 = 1203.287... -> 1203.29: +601.65
      const [next] = (await bill(db, '2027-01-01')).invoices;
      expect(rows(next!)).toEqual([
        ['Patron, 2027-01-01 to 2027-12-31', 1, '2400.00', '0.00'],
        ['Member, 2026-07-02 to 2026-12-31, changed to Patron (credit 183/365 days)', -1, '-601.64', '0.00'],
        ['Patron, 2026-07-02 to 2026-12-31, changed from Member (charge 183/365 days)', 1, '1203.29', '0.00'],
      ]);
    });
  });

  it('rounds each line half up on its own, a credit exactly the opposite of the same charge', async () => {
    await withFreshDb(dialect, async (db) => {
      const odd = await addPlan(db.kysely, 'Odd', { price: 1001 });
      const taxed = await addPlan(db.kysely, 'Taxed', { price: 3030, taxRate: '10' });
      const a = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), odd, { startDate: '2026-06-01' });
      const b = await subscribe(db.kysely, await addPerson(db.kysely, 'Bob'), taxed, { startDate: '2026-06-01' });
      await bill(db, '2026-06-01');
      // 10.01 x 15 / 30 = 5.005 -> 5.01; 30.30 x 15 / 30 = 15.15, tax 10% = 1.515 -> 1.52
      await pause(db, a, '2026-06-16', '2026-06-30', '2026-06-05');
      await pause(db, b, '2026-06-16', '2026-06-30', '2026-06-05');
      const july = await bill(db, '2026-07-01');
      expect(july.invoices.map((i) => rows(i)[1])).toEqual([
        ['Odd, paused 2026-06-16 to 2026-06-30 (credit 15/30 days)', -1, '-5.01', '0.00'],
        ['Taxed, paused 2026-06-16 to 2026-06-30 (credit 15/30 days)', -1, '-15.15', '-1.52'],
      ]);
      expect(july.invoices[1]!.lines[1]!.total).toBe('-16.67');
    });
  });

  it('an adjustment is billed once; one whose corrected invoice is voided is not billed; a wholly paused period has no line', async () => {
    await withFreshDb(dialect, async (db) => {
      const plan = await addPlan(db.kysely, 'Desk', { price: 3100 });
      const ann = await addPerson(db.kysely, 'Ann');
      const id = await subscribe(db.kysely, ann, plan, { startDate: '2026-07-01' });
      const [july] = (await bill(db, '2026-07-01')).invoices;
      await pause(db, id, '2026-07-20', '2026-08-31', '2026-07-15');
      await db.kysely.transaction().execute((trx) => voidInvoice(trx, july!.number!, 'wrong', '2026-07-16', source));
      // August wholly paused: no line, no invoice; the July credit corrects a voided invoice: not billed
      expect((await bill(db, '2026-08-01')).count).toBe(0);
      const membership = await db.kysely.selectFrom('memberships').select('next_invoice_date').where('id', '=', id).executeTakeFirstOrThrow();
      expect(membership.next_invoice_date).toBe('2026-09-01');
      expect((await loadMemberState(db.kysely, ann, '2026-08-10')).status).toBe('paused');
      const [september] = (await bill(db, '2026-09-01')).invoices;
      expect(rows(september!)).toEqual([['Desk, 2026-09-01 to 2026-09-30', 1, '31.00', '0.00']]);
      expect((await bill(db, '2026-09-01')).count).toBe(0);
      const copy = await db.kysely.selectFrom('adjustments').selectAll().executeTakeFirstOrThrow();
      expect(copy.kind).toBe('pause');
    });
  });

  it('a person is paused while every membership that counts is paused, a member while another one is active', async () => {
    await withFreshDb(dialect, async (db) => {
      const plan = await addPlan(db.kysely, 'Desk', { price: 3100 });
      const locker = await addPlan(db.kysely, 'Locker', { price: 500 });
      const ann = await addPerson(db.kysely, 'Ann');
      const desk = await subscribe(db.kysely, ann, plan, { startDate: '2026-07-01' });
      const box = await subscribe(db.kysely, ann, locker, { startDate: '2026-07-01' });
      await bill(db, '2026-07-01');
      await pause(db, desk, '2026-07-10', '2026-07-20', '2026-07-05');
      const during = await loadMemberState(db.kysely, ann, '2026-07-15');
      expect([during.status, ...during.memberships.map((m) => m.detail.status)]).toEqual(['member', 'paused', 'active']);
      await pause(db, box, '2026-07-12', '2026-07-31', '2026-07-05');
      expect((await loadMemberState(db.kysely, ann, '2026-07-15')).status).toBe('paused');
      expect((await loadMemberState(db.kysely, ann, '2026-07-09')).status).toBe('member');
      await resume(db, box, '2026-07-15', '2026-07-14');
      expect((await loadMemberState(db.kysely, ann, '2026-07-15')).status).toBe('member');
    });
  });

  it('a pause until resumed skips whole periods; resuming bills the skipped days left from the next run', async () => {
    await withFreshDb(dialect, async (db) => {
      const plan = await addPlan(db.kysely, 'Desk', { price: 3100 });
      const ann = await addPerson(db.kysely, 'Ann');
      const id = await subscribe(db.kysely, ann, plan, { startDate: '2026-07-01' });
      await db.kysely.transaction().execute((trx) => pauseMembership(trx, id, { from: '2026-07-10', to: null }, '2026-06-25', source));
      expect(rows((await bill(db, '2026-07-01')).invoices[0]!)).toEqual([['Desk, 2026-07-01 to 2026-07-31 (prorated 9/31 days, paused 2026-07-10 to 2026-07-31)', 1, '9.00', '0.00']]);
      expect((await bill(db, '2026-08-01')).count).toBe(0);
      expect((await loadMemberState(db.kysely, ann, '2027-01-01')).status).toBe('paused');
      const resumed = await resume(db, id, '2026-08-20', '2026-08-18');
      expect([resumed.pause.end_date, resumed.adjustments]).toEqual(['2026-08-19', []]);
      const membership = await db.kysely.selectFrom('memberships').select('next_invoice_date').where('id', '=', id).executeTakeFirstOrThrow();
      expect(membership.next_invoice_date).toBe('2026-08-01');
      expect(rows((await bill(db, '2026-08-20')).invoices[0]!)).toEqual([['Desk, 2026-08-01 to 2026-08-31 (prorated 12/31 days, paused 2026-08-01 to 2026-08-19)', 1, '12.00', '0.00']]);
      expect(rows((await bill(db, '2026-09-01')).invoices[0]!)).toEqual([['Desk, 2026-09-01 to 2026-09-30', 1, '31.00', '0.00']]);
      expect((await bill(db, '2026-09-01')).count).toBe(0);
    });
  });

  it('refuses overlapping pauses, a pause before the start or after the end, and a resume with no pause to end (65)', async () => {
    await withFreshDb(dialect, async (db) => {
      const plan = await addPlan(db.kysely, 'Desk', { price: 3100 });
      const id = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), plan, { startDate: '2026-07-01', endDate: '2026-12-31' });
      await pause(db, id, '2026-08-01', '2026-08-31', '2026-07-01');
      expect((await refused(pause(db, id, '2026-08-31', '2026-09-10', '2026-07-01'))).message).toBe('membership 1 is already paused from 2026-08-01 to 2026-08-31 (pause 1): pauses cannot overlap');
      expect((await refused(pause(db, id, '2026-06-01', '2026-06-10', '2026-07-01'))).message).toContain('a pause cannot begin before');
      expect((await refused(pause(db, id, '2027-01-01', '2027-01-10', '2026-07-01'))).message).toContain('ends on 2026-12-31');
      expect((await refused(pause(db, id, '2026-10-10', '2026-10-01', '2026-07-01'))).message).toContain('is before --from');
      expect((await refused(resume(db, id, '2026-09-01'))).message).toBe('membership 1 has no pause in progress or to come on 2026-09-01 (its last pause ended on 2026-08-31)');
      expect((await refused(resume(db, 99, '2026-09-01'))).exitCode).toBe(65);
    });
  });

  it('resuming early charges back the invoiced days no longer paused; resuming before the first day cancels the pause', async () => {
    await withFreshDb(dialect, async (db) => {
      const plan = await addPlan(db.kysely, 'Desk', { price: 3100 });
      const id = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), plan, { startDate: '2026-07-01' });
      await bill(db, '2026-07-01');
      await pause(db, id, '2026-07-11', '2026-07-31', '2026-07-05');
      const resumed = await resume(db, id, '2026-07-21', '2026-07-15');
      expect([resumed.cancelled, resumed.pause.end_date]).toEqual([false, '2026-07-20']);
      const [august] = (await bill(db, '2026-08-01')).invoices;
      // 21 days credited (21.00), the last 11 charged back (11.00): 10 days paused in the end
      expect(rows(august!)).toEqual([
        ['Desk, 2026-08-01 to 2026-08-31', 1, '31.00', '0.00'],
        ['Desk, paused 2026-07-11 to 2026-07-31 (credit 21/31 days)', -1, '-21.00', '0.00'],
        ['Desk, resumed 2026-07-21: 2026-07-21 to 2026-07-31 no longer paused (charge 11/31 days)', 1, '11.00', '0.00'],
      ]);
      await pause(db, id, '2026-09-10', '2026-09-20', '2026-08-15');
      const cancelled = await resume(db, id, '2026-09-01', '2026-08-20');
      expect([cancelled.cancelled, cancelled.adjustments]).toEqual([true, []]);
      expect(rows((await bill(db, '2026-09-01')).invoices[0]!)).toEqual([['Desk, 2026-09-01 to 2026-09-30', 1, '31.00', '0.00']]);
    });
  });

  it('a plan change from a day after the next invoice date is refused; without --prorate it bills the new plan from the next period', async () => {
    await withFreshDb(dialect, async (db) => {
      const basic = await addPlan(db.kysely, 'Basic', { price: 1000 });
      const pro = await addPlan(db.kysely, 'Pro', { price: 2000 });
      const id = await subscribe(db.kysely, await addPerson(db.kysely, 'Ann'), basic, { startDate: '2026-06-01' });
      await bill(db, '2026-06-01');
      expect((await refused(changePlan(db, id, pro, '2026-07-15'))).message).toContain('after its next invoice date 2026-07-01');
      const { adjustments } = await changePlan(db, id, pro, '2026-06-16', false);
      expect(adjustments).toEqual([]);
      expect(rows((await bill(db, '2026-07-01')).invoices[0]!)).toEqual([['Pro, 2026-07-01 to 2026-07-31', 1, '20.00', '0.00']]);
    });
  });

  it('the invoice numbers stay gapless and a rerun bills nothing new, whatever pauses, resumes and charges come between runs', async () => {
    const days = ['2026-01-01', '2026-01-15', '2026-02-01', '2026-02-14', '2026-03-01', '2026-03-20', '2026-04-01', '2026-05-01'];
    const step = fc.record({
      day: fc.integer({ min: 0, max: days.length - 1 }),
      who: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('pause', 'resume', 'bill', 'charge'),
      length: fc.integer({ min: 1, max: 45 }),
      offset: fc.integer({ min: -20, max: 40 }),
      cents: fc.integer({ min: 1, max: 99_999 }),
      now: fc.boolean(),
    });
    const people = ['Company', 'Ann', 'Bob'];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        await withFreshDb(dialect, async (db) => {
          const plan = await addPlan(db.kysely, 'Desk', { price: 3333, taxRate: '20' });
          const payer = await addPerson(db.kysely, 'Company');
          const ids = [
            await subscribe(db.kysely, payer, plan, { startDate: '2026-01-01' }),
            await subscribe(db.kysely, await addPerson(db.kysely, 'Ann', payer), plan, { startDate: '2026-01-10' }),
            await subscribe(db.kysely, await addPerson(db.kysely, 'Bob'), plan, { startDate: '2026-01-31' }),
          ];
          for (const s of [...steps].sort((a, b) => a.day - b.day)) {
            const today = days[s.day]!;
            const from = new Date(Date.parse(`${today}T00:00:00Z`) + s.offset * 86_400_000).toISOString().slice(0, 10);
            const to = new Date(Date.parse(`${from}T00:00:00Z`) + (s.length - 1) * 86_400_000).toISOString().slice(0, 10);
            const charge = () =>
              db.kysely.transaction().execute((trx) =>
                addCharge(trx, { memberRef: people[s.who]!, amount: (s.cents / 100).toFixed(2), description: 'Meeting room', date: from, invoiceNow: s.now }, today, source),
              );
            const change =
              s.kind === 'pause' ? pause(db, ids[s.who]!, from, to, today) : s.kind === 'resume' ? resume(db, ids[s.who]!, from, today) : s.kind === 'charge' ? charge() : bill(db, today);
            await change.catch((e: unknown) => {
              if (!(e instanceof UserError)) throw e;
            });
            if (s.kind === 'bill') expect((await bill(db, today)).count).toBe(0);
          }
          expect((await bill(db, '2026-06-01')).problems).toEqual([]);
          expect((await bill(db, '2026-06-01')).count).toBe(0);
          expect(gapless(await invoiceNumbers(db.kysely))).toBe(true);
          // every adjustment on at most one line; every period once
          const billedTwice = await db.kysely.selectFrom('invoice_lines').select('adjustment_id').where('adjustment_id', 'is not', null).groupBy('adjustment_id').having((eb) => eb.fn.countAll(), '>', 1).execute();
          expect(billedTwice).toEqual([]);
          // and every adjustment of an invoice that stands billed by now
          const unbilled = await db.kysely
            .selectFrom('adjustments as a')
            .innerJoin('invoice_lines as corrected', 'corrected.id', 'a.line_id')
            .select('a.id')
            .where('corrected.voided', '=', 0)
            .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_lines as l').select('l.id').whereRef('l.adjustment_id', '=', 'a.id'))))
            .execute();
          expect(unbilled).toEqual([]);
          // every charge dated by then billed once, at its amount
          const charges = await db.kysely.selectFrom('charges').select(['id', 'unit_price', 'date']).where('removed_at', 'is', null).execute();
          const chargeLines = await db.kysely.selectFrom('invoice_lines').select(['charge_id', 'net']).where('charge_id', 'is not', null).where('voided', '=', 0).execute();
          const billed = new Map(chargeLines.map((l) => [Number(l.charge_id), Number(l.net)]));
          expect(chargeLines.length).toBe(billed.size);
          for (const c of charges) expect(billed.get(Number(c.id))).toBe(c.date <= '2026-06-01' ? Number(c.unit_price) : undefined);
          const json = await invoicesJson(db.kysely, await findInvoices(db.kysely, {}));
          for (const invoice of json) expect(Number(invoice.total)).toBeCloseTo(invoice.lines.reduce((t, l) => t + Number(l.total), 0), 2);
        });
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});
