import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCredit, refundCredit } from '../../src/core/billing/credit-apply.js';
import { creditsView } from '../../src/core/billing/credits.js';
import { voidInvoice } from '../../src/core/billing/invoices.js';
import { cancelPayment, recordPayment } from '../../src/core/billing/payments.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import { type Db, openDb } from '../../src/db/connect.js';
import { MigrationListProvider, migrateToLatest } from '../../src/db/migrate.js';
import { dialects, freshDb, freshDbUrl } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { addPerson, addPlan, at, bill, source, subscribe } from './invoicing-fixtures.js';
import { ledgerSum } from './renewals-fixtures.js';

describe.each(dialects)('money credit paying invoices on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  /** Ann on a 120.00 monthly plan (granting 10.00 of plan credits per period) from Jan 1, her January invoice issued. */
  async function annBilled() {
    db = await freshDb(dialect);
    const k = db.kysely;
    const plan = await addPlan(k, 'Desk', { price: 12000, credits: 1000 });
    const ann = await addPerson(k, 'Ann');
    await subscribe(k, ann, plan, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    return { ann, holder: { id: ann, name: 'Ann' } };
  }

  /** Pays January's invoice with `amount` (a string as typed), `--overpay` when it is paid already. */
  const pay = (number: string, amount: string, date = '2026-01-05', reference: string | null = null) =>
    db.kysely.transaction().execute((trx) => recordPayment(trx, number, { amount, method: 'transfer', date, reference, overpay: true }, date, source));

  const invoice = (number: string) => db.kysely.selectFrom('invoices').selectAll().where('number', '=', number).executeTakeFirstOrThrow();
  const creditPayments = () => db.kysely.selectFrom('payments').selectAll().where('method', '=', 'credit').orderBy('id').execute();
  const view = (ann: number) => creditsView(db.kysely, { id: ann, name: 'Ann' });

  it('the next run pays the new invoice from the money credit, exactly once: a rerun applies nothing more', async () => {
    const { ann } = await annBilled();
    await pay('INV-2026-00001', '150');
    expect((await view(ann)).money.balance).toBe('30.00');

    const february = await bill(db, '2026-02-01');
    expect(february.invoices.map((i) => [i.number, i.status, i.total, i.paid])).toEqual([['INV-2026-00002', 'open', '120.00', '30.00']]);
    expect(february.creditApplied).toEqual({ EUR: '30.00' });
    const [payment] = await creditPayments();
    expect(payment).toMatchObject({ invoice_id: (await invoice('INV-2026-00002')).id, amount: 3000, currency: 'EUR', method: 'credit', date: '2026-02-01', status: 'recorded' });
    const ledger = await db.kysely.selectFrom('ledger_entries').selectAll().where('payment_id', '=', payment!.id).execute();
    expect(ledger.map((e) => [e.kind, e.amount, e.grant_id, e.invoice_id])).toEqual([['use', -3000, null, payment!.invoice_id]]);

    expect((await bill(db, '2026-02-01')).count).toBe(0);
    const march = await bill(db, '2026-03-01');
    expect(march.invoices.map((i) => i.paid)).toEqual(['0.00']);
    expect(march.creditApplied).toEqual({});
    expect(await creditPayments()).toHaveLength(1);
    expect((await view(ann)).money.balance).toBe('0.00');
  });

  it('credit larger than the invoice pays it in full (paid on issue, the plan credits granted) and the rest stays', async () => {
    const { ann } = await annBilled();
    await setSetting(db.kysely, 'mail-receipts', 'on', at);
    await pay('INV-2026-00001', '120');
    await pay('INV-2026-00001', '200', '2026-01-06', 'VIR 2');
    const run = await bill(db, '2026-02-01');
    expect(run.invoices.map((i) => [i.status, i.paid])).toEqual([['paid', '120.00']]);
    expect((await invoice('INV-2026-00002')).status).toBe('paid');
    const shown = await view(ann);
    expect([shown.money.balance, shown.credits.balance]).toEqual(['80.00', '20.00']);
    // the invoice's e-mail says it is paid; the credit payment queues no receipt of its own (January's transfer does)
    const receipts = await db.kysely.selectFrom('mail_messages').select(['subject_id', 'stage']).where('kind', '=', 'receipt').execute();
    expect(receipts).toEqual([{ subject_id: (await invoice('INV-2026-00001')).id, stage: 'payment-1' }]);
    const march = await bill(db, '2026-03-01');
    expect(march.invoices.map((i) => [i.status, i.paid])).toEqual([['open', '80.00']]);
    const after = await view(ann);
    expect([after.money.balance, after.credits.balance]).toEqual(['0.00', '20.00']);
  });

  it('a dry run shows what the credit would pay and writes nothing; apply-credit off leaves the credit alone', async () => {
    const { ann } = await annBilled();
    await pay('INV-2026-00001', '150');
    const dry = await bill(db, '2026-02-01', { dryRun: true });
    expect(dry.invoices.map((i) => [i.number, i.paid])).toEqual([[null, '30.00']]);
    expect(await creditPayments()).toEqual([]);
    await setSetting(db.kysely, 'apply-credit', 'off', at);
    const run = await bill(db, '2026-02-01');
    expect(run.invoices.map((i) => [i.status, i.paid])).toEqual([['open', '0.00']]);
    expect(run.creditApplied).toEqual({});
    expect(await creditPayments()).toEqual([]);
    expect((await view(ann)).money.balance).toBe('30.00');
  });

  it('only the payer\'s credit, in the invoice\'s currency, pays it', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const chf = await addPlan(k, 'Desk CHF', { price: 5000, currency: 'CHF' });
    const eur = await addPlan(k, 'Desk EUR', { price: 5000 });
    const payer = await addPerson(k, 'Bob');
    const paidFor = await addPerson(k, 'Cleo', payer);
    await subscribe(k, payer, eur, { startDate: '2026-01-01' });
    await subscribe(k, paidFor, chf, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    // Bob overpays his EUR invoice by 10.00; Cleo's CHF line is on his CHF invoice, which EUR credit does not pay
    const euros = await k.selectFrom('invoices').select('number').where('currency', '=', 'EUR').executeTakeFirstOrThrow();
    await pay(euros.number, '60');
    const february = await bill(db, '2026-02-01');
    expect(february.invoices.map((i) => [i.currency, i.paid])).toEqual([
      ['CHF', '0.00'],
      ['EUR', '10.00'],
    ]);
  });

  it('credits apply pays an invoice by hand: money first, then plan credits oldest grant first', async () => {
    const { ann, holder } = await annBilled();
    await pay('INV-2026-00001', '125');
    await bill(db, '2026-02-01');
    // the run paid 5.00 of February from the money; Ann has 10.00 of plan credits from January
    const applied = await applyCredit(db.kysely, holder, { invoice: 'inv-2026-00002', amount: '8' }, '2026-02-03', source);
    expect([applied.fromMoney, applied.fromPlanCredits, applied.paid, applied.invoice.status]).toEqual([0, 800, 1300, 'open']);
    expect(applied.left).toEqual({ currency: 'EUR', money: 0, planCredits: 200 });
    const entries = await db.kysely.selectFrom('ledger_entries').selectAll().where('payment_id', '=', applied.payment.id).execute();
    expect(entries.map((e) => [e.kind, e.amount, e.grant_id !== null])).toEqual([['use', -800, true]]);

    // without --amount: what is due, or all the credit when it covers less
    await pay('INV-2026-00002', '300', '2026-02-04', 'VIR 3');
    const march = await bill(db, '2026-03-01', { dryRun: false });
    expect(march.invoices.map((i) => [i.status, i.paid])).toEqual([['paid', '120.00']]);
    const shown = await view(ann);
    expect([shown.money.balance, shown.credits.balance]).toEqual(['73.00', '22.00']);
    await setSetting(db.kysely, 'apply-credit', 'off', at);
    await bill(db, '2026-04-01');
    const all = await applyCredit(db.kysely, holder, { invoice: 'INV-2026-00004', amount: null }, '2026-04-02', source);
    expect([all.fromMoney, all.fromPlanCredits, all.invoice.status]).toEqual([7300, 2200, 'open']);
    expect(all.left).toEqual({ currency: 'EUR', money: 0, planCredits: 0 });
    expect(await ledgerSum(db.kysely, ann, 'credit')).toBe(0);
  });

  it('credits apply refuses more than the credit, more than is due, a paid or void invoice, and another\'s invoice, writing nothing', async () => {
    const { ann, holder } = await annBilled();
    await pay('INV-2026-00001', '130');
    await bill(db, '2026-02-01');
    const bob = await addPerson(db.kysely, 'Bob');
    const count = async () => (await db.kysely.selectFrom('ledger_entries').select('id').execute()).length + (await db.kysely.selectFrom('payments').select('id').execute()).length;
    const before = await count();

    const tooMuch = await rejection(applyCredit(db.kysely, holder, { invoice: 'INV-2026-00002', amount: '50' }, '2026-02-03', source));
    expect([tooMuch.exitCode, tooMuch.message]).toEqual([65, 'Ann has 10.00 EUR of credit (0.00 EUR money, 10.00 EUR plan credits): cannot apply 50.00 EUR to INV-2026-00002']);
    const overDue = await rejection(applyCredit(db.kysely, holder, { invoice: 'INV-2026-00002', amount: '110.01' }, '2026-02-03', source));
    expect([overDue.exitCode, overDue.message]).toEqual([65, '--amount: 110.01 EUR is more than is due on INV-2026-00002 (110.00 EUR)']);
    const paid = await rejection(applyCredit(db.kysely, holder, { invoice: 'INV-2026-00001', amount: null }, '2026-02-03', source));
    expect([paid.exitCode, paid.message]).toEqual([65, 'invoice INV-2026-00001 is paid already: nothing is due on it']);
    const other = await rejection(applyCredit(db.kysely, { id: bob, name: 'Bob' }, { invoice: 'INV-2026-00002', amount: null }, '2026-02-03', source));
    expect([other.exitCode, other.message]).toEqual([65, "invoice INV-2026-00002 is billed to Ann and has no line of Bob's"]);
    const zero = await rejection(applyCredit(db.kysely, holder, { invoice: 'INV-2026-00002', amount: '0' }, '2026-02-03', source));
    expect(zero.exitCode).toBe(64);
    await db.kysely.transaction().execute((trx) => voidInvoice(trx, 'INV-2026-00002', 'wrong plan', '2026-02-03', source));
    const after = await count();
    const voided = await rejection(applyCredit(db.kysely, holder, { invoice: 'INV-2026-00002', amount: null }, '2026-02-03', source));
    expect([voided.exitCode, voided.message]).toEqual([65, 'invoice INV-2026-00002 is void: it takes no payment']);
    expect(after).toBeGreaterThan(before);
    expect(await count()).toBe(after);
    expect((await view(ann)).money.balance).toBe('10.00');
  });

  it('cancelling a credit payment, or voiding its invoice, gives back what it drew to where it came from, once', async () => {
    const { ann, holder } = await annBilled();
    await pay('INV-2026-00001', '150');
    await bill(db, '2026-02-01');
    const plan = await applyCredit(db.kysely, holder, { invoice: 'INV-2026-00002', amount: '4' }, '2026-02-02', source);
    expect((await view(ann)).credits.balance).toBe('6.00');
    await db.kysely.transaction().execute((trx) => cancelPayment(trx, plan.payment.id, 'wrong invoice', '2026-02-03', source));
    expect([(await view(ann)).credits.balance, (await view(ann)).money.balance]).toEqual(['10.00', '0.00']);

    // the void gives the run's 30.00 back to the money; the 20.00 paid by transfer becomes money credit as before
    await pay('INV-2026-00002', '20', '2026-02-04', 'VIR 4');
    await db.kysely.transaction().execute((trx) => voidInvoice(trx, 'INV-2026-00002', 'billed twice', '2026-02-05', source));
    const voided = await view(ann);
    expect([voided.money.balance, voided.credits.balance]).toEqual(['50.00', '10.00']);
    // the credit payment stays recorded on the void invoice; cancelling it now gives nothing back twice
    const [runPayment] = await creditPayments();
    await db.kysely.transaction().execute((trx) => cancelPayment(trx, runPayment!.id, 'tidy up', '2026-02-06', source));
    expect((await view(ann)).money.balance).toBe('50.00');
    expect(await ledgerSum(db.kysely, ann, 'credit')).toBe(6000);
  });

  it('credits refund pays money back, never below zero, and never plan credits', async () => {
    const { ann, holder } = await annBilled();
    await pay('INV-2026-00001', '150');
    const refund = await refundCredit(db.kysely, holder, { amount: '12,50', currency: 'EUR', method: 'transfer', reference: 'VIR R-1' }, '2026-01-10', source);
    expect([refund.amount, refund.balance]).toEqual([1250, 1750]);
    const refused = await rejection(refundCredit(db.kysely, holder, { amount: '17.51', currency: 'EUR', method: 'cash', reference: null }, '2026-01-10', source));
    expect([refused.exitCode, refused.message]).toEqual([65, "Ann's money balance is 17.50 EUR: cannot pay back 17.51 EUR"]);
    const shown = await view(ann);
    expect([shown.money.balance, shown.credits.balance]).toEqual(['17.50', '10.00']);
    expect(shown.ledger.filter((e) => e.kind === 'refund')).toEqual([
      { date: '2026-01-10', kind: 'refund', unit: 'credit', account: 'money', amount: '-12.50', currency: 'EUR', description: 'paid back by transfer (VIR R-1)' },
    ]);
    await refundCredit(db.kysely, holder, { amount: '17.50', currency: 'EUR', method: 'cash', reference: null }, '2026-01-11', source);
    expect((await rejection(refundCredit(db.kysely, holder, { amount: '1', currency: 'EUR', method: 'cash', reference: null }, '2026-01-11', source))).exitCode).toBe(65);
    // nothing left to pay February with
    expect((await bill(db, '2026-02-01')).invoices.map((i) => i.paid)).toEqual(['0.00']);
  });

  it('credits show keeps the account\'s money apart from plan credits and passes, each entry naming its account', async () => {
    const { ann } = await annBilled();
    await pay('INV-2026-00001', '125');
    await bill(db, '2026-02-01');
    const shown = await view(ann);
    expect(shown.money).toEqual({ balance: '0.00', currency: 'EUR' });
    expect(shown.credits).toMatchObject({ balance: '10.00', currency: 'EUR', frozen: '0.00' });
    expect(shown.otherMoney).toEqual([]);
    expect(shown.ledger.map((e) => [e.account, e.kind, e.amount])).toEqual([
      ['money', 'overpayment', '5.00'],
      ['credits', 'grant', '10.00'],
      ['money', 'use', '-5.00'],
    ]);
  });
});

describe.each(dialects)('migration 0017 on %s', (dialect) => {
  it('rebuilds the payments method constraint on a database with payments, keeping every row, id, index and foreign key', async () => {
    const url = await freshDbUrl(dialect);
    const db = await openDb(url);
    try {
      const { error } = await new Migrator({ db: db.kysely, provider: new MigrationListProvider() }).migrateTo('0015_payment_keys');
      expect(error).toBeUndefined();
      const k = db.kysely;
      // no membership: the fixtures write the columns of the latest schema
      const ann = await addPerson(k, 'Ann');
      await k.insertInto('invoices').values({ number: 'INV-2026-00001', date: '2026-01-01', due_date: '2026-01-15', payer_id: ann, payer_name: 'Ann', currency: 'EUR', net: 12000, tax: 0, total: 12000, status: 'paid', job_id: null, void_reason: null, created_at: at } as never).execute();
      const invoiceId = (await k.selectFrom('invoices').select('id').executeTakeFirstOrThrow()).id;
      for (const [amount, key] of [[10000, 'bank-1'], [5000, null], [3000, 'bank-3']] as const) {
        await sql`insert into payments (invoice_id, amount, currency, method, date, reference, status, cancel_reason, created_at, idempotency_key) values (${invoiceId}, ${amount}, 'EUR', 'transfer', '2026-01-05', null, 'recorded', null, ${at}, ${key})`.execute(k);
      }
      await sql`delete from payments where amount = 3000`.execute(k);
      const paymentIds = (await k.selectFrom('payments').select('id').orderBy('id').execute()).map((p) => p.id);
      await sql`insert into ledger_entries (member_id, unit, kind, amount, currency, date, invoice_id, payment_id, description, created_at) values (${ann}, 'credit', 'overpayment', 3000, 'EUR', '2026-01-05', ${invoiceId}, ${paymentIds[1]}, 'overpayment', ${at})`.execute(k);
      const before = await k.selectFrom('payments').selectAll().orderBy('id').execute();

      expect(await migrateToLatest(db)).toContain('0017_credit_payments');
      expect(await k.selectFrom('payments').selectAll().orderBy('id').execute()).toEqual(before);
      // the ids go on from where they were (a deleted payment's id is not given again), a key is still unique
      const next = await sql<{ id: number }>`insert into payments (invoice_id, amount, currency, method, date, status, created_at) values (${invoiceId}, 500, 'EUR', 'credit', '2026-01-06', 'recorded', ${at}) returning id`.execute(k);
      expect(next.rows[0]!.id).toBe(paymentIds[1]! + 2);
      await expect(sql`insert into payments (invoice_id, amount, currency, method, date, status, created_at, idempotency_key) values (${invoiceId}, 1, 'EUR', 'cash', '2026-01-06', 'recorded', ${at}, 'bank-1')`.execute(k)).rejects.toThrow();
      await expect(sql`insert into payments (invoice_id, amount, currency, method, date, status, created_at) values (${invoiceId}, 1, 'EUR', 'bitcoin', '2026-01-06', 'recorded', ${at})`.execute(k)).rejects.toThrow();
      await expect(sql`insert into payments (invoice_id, amount, currency, method, date, status, created_at) values (${invoiceId + 99}, 1, 'EUR', 'cash', '2026-01-06', 'recorded', ${at})`.execute(k)).rejects.toThrow();
      await expect(sql`delete from payments where id = ${paymentIds[1]}`.execute(k)).rejects.toThrow();
      if (dialect === 'sqlite') {
        const indexes = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'payments' and sql is not null order by name`.execute(k);
        expect(indexes.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['payments_idempotency_key', 'payments_invoice']));
      }
    } finally {
      await db.close();
    }
  });
});
