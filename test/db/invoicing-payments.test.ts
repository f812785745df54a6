import { afterEach, describe, expect, it } from 'vitest';
import { voidInvoice } from '../../src/core/billing/invoices.js';
import { setMembership } from '../../src/core/billing/memberships.js';
import { cancelPayment, recordPayment } from '../../src/core/billing/payments.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { addPerson, addPlan, bill, source, subscribe } from './invoicing-fixtures.js';

const pay = (amount: string, method: 'card' | 'cash' | 'transfer' | 'check' | 'other' = 'transfer', date = '2026-01-05') => ({ amount, method, date, reference: null });

describe.each(dialects)('payments and voiding on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  async function billed() {
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 10000, taxRate: '20' });
    const ann = await addPerson(k, 'Ann');
    const membership = await subscribe(k, ann, desk, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    return { ann, membership };
  }

  const credit = async (memberId: number) =>
    Number(
      (await db.kysely.selectFrom('ledger_entries').select((eb) => eb.fn.sum<number>('amount').as('sum')).where('member_id', '=', memberId).where('unit', '=', 'credit').executeTakeFirst())
        ?.sum ?? 0,
    );

  it('an invoice is paid once its payments reach its total; the excess is credit; a cancelled payment reopens it', async () => {
    db = await freshDb(dialect);
    const { ann } = await billed();
    const k = db.kysely;
    // total 120.00
    const first = await recordPayment(k, 'INV-2026-00001', pay('100'), '2026-01-10', source);
    expect([first.invoice.status, first.paid, first.creditChange]).toEqual(['open', 10000, 0]);
    const second = await recordPayment(k, 'INV-2026-00001', pay('30,50', 'cash'), '2026-01-10', source);
    // 100.00 + 30.50 = 130.50: 10.50 beyond 120.00
    expect([second.invoice.status, second.paid, second.creditChange]).toEqual(['paid', 13050, 1050]);
    expect(await credit(ann)).toBe(1050);
    // paid already: a further payment is refused unless it is meant as an overpayment
    const paidAlready = await rejection(recordPayment(k, 'INV-2026-00001', pay('5', 'check'), '2026-01-10', source));
    expect(paidAlready.exitCode).toBe(65);
    expect(paidAlready.message).toContain('invoice INV-2026-00001 is paid already (payment #1 of 100.00 EUR on 2026-01-05 by transfer, payment #2 of 30.50 EUR on 2026-01-05 by cash)');
    const third = await recordPayment(k, 'INV-2026-00001', { ...pay('5', 'check'), overpay: true }, '2026-01-10', source);
    expect(third.creditChange).toBe(500);
    expect(await credit(ann)).toBe(1550);

    const cancelled = await cancelPayment(k, first.payment.id, 'bounced', '2026-01-12', source);
    // 30.50 + 5.00 = 35.50 of 120.00: open again, no credit left
    expect([cancelled.invoice.status, cancelled.paid, cancelled.creditChange]).toEqual(['open', 3550, -1550]);
    expect(await credit(ann)).toBe(0);
    const entries = await k.selectFrom('ledger_entries').select(['kind', 'amount', 'payment_id']).orderBy('id').execute();
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['overpayment', 1050],
      ['overpayment', 500],
      ['overpayment', -1550],
    ]);
    expect((await rejection(cancelPayment(k, first.payment.id, 'again', '2026-01-12', source))).exitCode).toBe(65);
  });

  it('a payment is recorded once: a repeat is refused unless --again, and a key finds the payment it recorded', async () => {
    db = await freshDb(dialect);
    await billed();
    const k = db.kysely;
    const vir = { ...pay('40'), reference: 'VIR 42' };
    await recordPayment(k, 'INV-2026-00001', vir, '2026-01-10', source);
    const repeat = await rejection(recordPayment(k, 'INV-2026-00001', vir, '2026-01-10', source));
    expect(repeat.exitCode).toBe(65);
    expect(repeat.message).toBe('this repeats payment #1 of 40.00 EUR on 2026-01-05 by transfer (VIR 42) on INV-2026-00001');
    // another reference, or a date, is another payment; --again records the same once more
    await recordPayment(k, 'INV-2026-00001', { ...vir, reference: 'VIR 43' }, '2026-01-10', source);
    const again = await recordPayment(k, 'INV-2026-00001', { ...vir, again: true }, '2026-01-10', source);
    expect([again.change, again.paid]).toEqual(['recorded', 12000]);
    // a cancelled payment is no longer repeated
    await cancelPayment(k, again.payment.id, 'typed twice', '2026-01-10', source);
    expect((await recordPayment(k, 'INV-2026-00001', { ...vir, reference: 'VIR 44', key: 'bank-0044' }, '2026-01-10', source)).change).toBe('recorded');
    // the same key and values: the payment recorded, nothing written
    const count = async () => (await k.selectFrom('payments').select('id').execute()).length;
    const before = await count();
    const same = await recordPayment(k, 'INV-2026-00001', { ...vir, reference: 'VIR 44', key: 'bank-0044', overpay: true }, '2026-01-10', source);
    expect([same.change, same.payment.reference, same.creditChange]).toEqual(['unchanged', 'VIR 44', 0]);
    expect(await count()).toBe(before);
    // the same key with other values: refused, naming what differs
    const other = await rejection(recordPayment(k, 'INV-2026-00001', { ...pay('41', 'cash'), reference: 'VIR 44', key: 'bank-0044' }, '2026-01-10', source));
    expect(other.exitCode).toBe(65);
    expect(other.message).toContain('amount 40.00, not 41.00; method transfer, not cash');
    expect(await count()).toBe(before);
  });

  it('refuses malformed and non-positive amounts (64), future dates (64), unknown and void invoices (65)', async () => {
    db = await freshDb(dialect);
    await billed();
    const k = db.kysely;
    expect((await rejection(recordPayment(k, 'INV-2026-00001', pay('abc'), '2026-01-10', source))).exitCode).toBe(64);
    expect((await rejection(recordPayment(k, 'INV-2026-00001', pay('0'), '2026-01-10', source))).exitCode).toBe(64);
    expect((await rejection(recordPayment(k, 'INV-2026-00001', pay('10.12345'), '2026-01-10', source))).exitCode).toBe(64);
    expect((await rejection(recordPayment(k, 'INV-2026-00001', pay('10', 'card', '2026-01-11'), '2026-01-10', source))).exitCode).toBe(64);
    const unknown = await rejection(recordPayment(k, 'INV-2026-00011', pay('10'), '2026-01-10', source));
    expect(unknown.exitCode).toBe(65);
    expect(unknown.hint).toContain('INV-2026-00001');
    await voidInvoice(k, 'INV-2026-00001', 'test', '2026-01-10', source);
    expect((await rejection(recordPayment(k, 'INV-2026-00001', pay('10'), '2026-01-10', source))).exitCode).toBe(65);
    expect(await k.selectFrom('payments').selectAll().execute()).toEqual([]);
  });

  it('refuses (65) a payment dated before its invoice, naming both dates; the invoice date itself is fine', async () => {
    db = await freshDb(dialect);
    await billed();
    const k = db.kysely;
    const invoice = await k.selectFrom('invoices').select('date').where('number', '=', 'INV-2026-00001').executeTakeFirstOrThrow();
    expect(invoice.date).toBe('2026-01-01');
    const early = await rejection(recordPayment(k, 'INV-2026-00001', pay('120', 'transfer', '2025-12-31'), '2026-01-10', source));
    expect(early.exitCode).toBe(65);
    expect(early.message).toContain('2025-12-31');
    expect(early.message).toContain('2026-01-01');
    expect(early.message).toContain('INV-2026-00001');
    expect((await rejection(recordPayment(k, 'INV-2026-00001', pay('120', 'transfer', '2019-01-01'), '2026-01-10', source))).exitCode).toBe(65);
    expect(await k.selectFrom('payments').selectAll().execute()).toEqual([]);
    expect(await k.selectFrom('ledger_entries').selectAll().execute()).toEqual([]);

    const onTheDay = await recordPayment(k, 'INV-2026-00001', pay('120', 'transfer', '2026-01-01'), '2026-01-10', source);
    expect([onTheDay.invoice.status, onTheDay.payment.date]).toEqual(['paid', '2026-01-01']);
  });

  it('refuses (64) an amount with one separator before three digits in a 2-decimal currency, saying how to write it', async () => {
    db = await freshDb(dialect);
    await billed();
    const k = db.kysely;
    for (const [text, whole, decimal] of [
      ['1.005', '1005', '1.01'],
      ['1,200', '1200', '1,20'],
    ]) {
      const refused = await rejection(recordPayment(k, 'INV-2026-00001', pay(text!), '2026-01-10', source));
      expect(refused.exitCode).toBe(64);
      expect(refused.message).toContain(`write ${whole} or ${decimal}`);
    }
    expect(await k.selectFrom('payments').selectAll().execute()).toEqual([]);
    // unambiguous grouped amounts are still read
    const { total } = await k.selectFrom('invoices').select('total').where('number', '=', 'INV-2026-00001').executeTakeFirstOrThrow();
    const paid = await recordPayment(k, 'INV-2026-00001', pay('1.005,50'), '2026-01-10', source);
    expect([paid.payment.amount, paid.creditChange]).toEqual([100550, 100550 - total]);
  });

  it('voiding issues a credit note in its own sequence and year, frees the periods, and credits what was paid', async () => {
    db = await freshDb(dialect);
    const { ann, membership } = await billed();
    const k = db.kysely;
    await recordPayment(k, 'INV-2026-00001', pay('40'), '2026-01-10', source);
    const { invoice, creditNote } = await voidInvoice(k, 'inv-2026-00001', 'wrong plan', '2027-01-03', source);
    expect(invoice.status).toBe('void');
    expect(creditNote).toMatchObject({ number: 'CN-2027-00001', date: '2027-01-03', net: -10000, tax: -2000, total: -12000, reason: 'wrong plan' });
    expect(await credit(ann)).toBe(4000);
    expect(await k.selectFrom('invoice_lines').select('voided').execute()).toEqual([{ voided: 1 }]);
    expect((await rejection(voidInvoice(k, 'INV-2026-00001', 'again', '2027-01-03', source))).message).toContain('CN-2027-00001');

    // the freed period is billed again once the membership is moved back, under the next number
    await setMembership(k, membership, { nextInvoiceDate: '2026-01-01' }, source);
    const rebilled = await bill(db, '2026-01-20');
    expect(rebilled.invoices.map((i) => [i.number, i.lines.map((l) => l.periodStart)])).toEqual([['INV-2026-00002', ['2026-01-01']]]);
  });
});

describe.each(dialects)('changing a membership on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('moves the next invoice date on its anchored schedule, or re-anchors it, but never into a billed period', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 1000 });
    const ann = await addPerson(k, 'Ann');
    const id = await subscribe(k, ann, desk, { startDate: '2026-01-31' });
    await bill(db, '2026-01-31');
    const refused = await rejection(setMembership(k, id, { nextInvoiceDate: '2026-02-20' }, source));
    expect(refused.exitCode).toBe(65);
    expect(refused.message).toContain('INV-2026-00001');

    // skipping February to Mar 31 stays on the anchor-31 schedule: the anchor is kept
    const onSchedule = await setMembership(k, id, { nextInvoiceDate: '2026-03-31' }, source);
    expect(onSchedule.anchor_day).toBe(31);
    expect((await bill(db, '2026-04-30')).invoices[0]!.lines.map((l) => [l.periodStart, l.periodEnd])).toEqual([
      ['2026-03-31', '2026-04-29'],
      ['2026-04-30', '2026-05-30'],
    ]);

    // skipping to another day makes it the new anchor
    const moved = await setMembership(k, id, { nextInvoiceDate: '2026-06-10' }, source);
    expect(moved.anchor_day).toBe(10);
    expect((await bill(db, '2026-06-10')).invoices[0]!.lines.map((l) => [l.periodStart, l.periodEnd])).toEqual([['2026-06-10', '2026-07-09']]);

    const audit = await k.selectFrom('audit_log').select(['before', 'after']).where('action', '=', 'update').where('entity_id', '=', String(id)).orderBy('id').execute();
    expect(JSON.parse(audit.at(-1)!.before!)).toEqual({ next_invoice_date: '2026-05-31', anchor_day: 31, first_recurring_date: '2026-01-31' });
  });

  it('sets and clears renewal options, end date, plan and quantity, and checks them', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 1000 });
    const office = await addPlan(k, 'Office', { price: 5000 });
    const id = await subscribe(k, await addPerson(k, 'Ann'), desk, { startDate: '2026-01-01' });
    const set = await setMembership(
      k,
      id,
      { autoRenew: false, autoRenewUntil: '2026-06-30', doNotRenew: { reason: 'moving' }, intervention: { reason: 'check' }, endDate: '2026-12-31', planId: office, quantity: 2 },
      source,
    );
    expect(set).toMatchObject({
      auto_renew: 0,
      auto_renew_until: '2026-06-30',
      do_not_renew: 1,
      do_not_renew_reason: 'moving',
      intervention_required: 1,
      intervention_reason: 'check',
      end_date: '2026-12-31',
      plan_id: office,
      quantity: 2,
    });
    const cleared = await setMembership(k, id, { autoRenewUntil: null, doNotRenew: false, intervention: false, endDate: null }, source);
    expect(cleared).toMatchObject({ auto_renew_until: null, do_not_renew: 0, do_not_renew_reason: null, intervention_required: 0, intervention_reason: null, end_date: null });
    expect((await rejection(setMembership(k, id, { endDate: '2025-12-31' }, source))).exitCode).toBe(65);
    expect((await rejection(setMembership(k, id, { quantity: 0 }, source))).exitCode).toBe(65);
    expect((await rejection(setMembership(k, 999, { quantity: 1 }, source))).exitCode).toBe(65);
  });
});
