import { describe, expect, it } from 'vitest';
import { addCharge, listCharges, refundDeposit, removeCharge } from '../../src/core/billing/charges.js';
import { findInvoices, invoicesJson, voidInvoice } from '../../src/core/billing/invoices.js';
import { recordPayment } from '../../src/core/billing/payments.js';
import { loadInvoiceDocument } from '../../src/core/documents/load-invoice.js';
import { setIdentity } from '../../src/core/org/org-store.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { addPerson, addPlan, at, bill, gapless, invoiceNumbers, source, subscribe } from './invoicing-fixtures.js';

const asOf = '2026-03-01';
const identity = { name: 'Coworking Lumière', address: '12 rue de la République', postcode: '69001', city: 'Lyon', siren: '732829320', vatId: 'FR44732829320', vatExemption: 'TVA non applicable, art. 293 B du CGI' };

const charge = (db: Db, memberRef: string, over: Partial<Parameters<typeof addCharge>[1]> = {}, today = asOf) =>
  db.kysely.transaction().execute((trx) => addCharge(trx, { memberRef, amount: '12.50', description: 'Meeting room', ...over }, today, source));

const refused = async (promise: Promise<unknown>): Promise<UserError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
};

const lines = async (db: Db, number: string) => (await invoicesJson(db.kysely, (await findInvoices(db.kysely, {})).filter((i) => i.number === number)))[0]!.lines;

describe.each(dialects)('one-off charges on %s', (dialect) => {
  it('a charge is billed by the next run on its payer\'s invoice, exactly once: a rerun bills nothing new', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      await subscribe(db.kysely, ann, desk, { startDate: '2026-03-01' });
      await charge(db, String(ann), { quantity: '3', taxRate: '20' });

      const first = await bill(db, asOf);
      expect(first.count).toBe(1);
      const [invoice] = first.invoices;
      // 100.00 + 20% = 120.00; 3 x 12.50 = 37.50, 20% = 7.50: 45.00
      expect([invoice!.net, invoice!.tax, invoice!.total]).toEqual(['137.50', '27.50', '165.00']);
      expect(invoice!.lines.map((l) => [l.plan, l.description, l.quantity, l.unitPrice, l.net, l.taxRate, l.tax, l.total])).toEqual([
        ['Desk', 'Desk, 2026-03-01 to 2026-03-31', 1, '100.00', '100.00', '20', '20.00', '120.00'],
        ['Meeting room', 'Meeting room, 3 x 12.50 EUR, 2026-03-01', 3, '12.50', '37.50', '20', '7.50', '45.00'],
      ]);

      expect((await bill(db, asOf)).count).toBe(0);
      expect((await bill(db, '2026-03-15')).count).toBe(0);
      const billed = await db.kysely.selectFrom('invoice_lines').select('id').where('charge_id', 'is not', null).execute();
      expect(billed).toHaveLength(1);
      const [view] = await listCharges(db.kysely, {});
      expect([view!.invoice, view!.creditNote]).toEqual([invoice!.number, null]);
      expect(await listCharges(db.kysely, { unbilled: true })).toEqual([]);
    });
  });

  it('the database refuses a second line for the same charge', async () => {
    await withFreshDb(dialect, async (db) => {
      const ann = await addPerson(db.kysely, 'Ann');
      const { view } = await charge(db, String(ann), { invoiceNow: true });
      const line = await db.kysely.selectFrom('invoice_lines').selectAll().where('charge_id', '=', view.charge.id).executeTakeFirstOrThrow();
      const { id: _id, ...copy } = line;
      await expect(db.kysely.insertInto('invoice_lines').values(copy).execute()).rejects.toThrow(/unique|UNIQUE/);
    });
  });

  it('a charge dated later waits for the run on or after its date; a charge without a membership gets an invoice of its own', async () => {
    await withFreshDb(dialect, async (db) => {
      const ann = await addPerson(db.kysely, 'Ann');
      await charge(db, 'Ann', { date: '2026-03-10', amount: '30' });
      expect((await bill(db, '2026-03-09')).count).toBe(0);
      const run = await bill(db, '2026-03-10');
      expect(run.invoices.map((i) => [i.payer.id, i.total, i.lines.length])).toEqual([[ann, '30.00', 1]]);
    });
  });

  it('--invoice-now issues its own invoice at once, numbered in the invoice sequence; the next run leaves it', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000 });
      const ann = await addPerson(db.kysely, 'Ann');
      await subscribe(db.kysely, ann, desk, { startDate: '2026-03-01' });
      expect((await bill(db, '2026-02-01')).count).toBe(0);
      const { invoice } = await charge(db, 'Ann', { amount: '200', description: 'Setup fee', invoiceNow: true });
      expect(invoice!.number).toBe('INV-2026-00001');
      expect(invoice!.lines.map((l) => [l.description, l.total])).toEqual([['Setup fee, 1 x 200.00 EUR, 2026-03-01', '200.00']]);
      const run = await bill(db, asOf);
      expect(run.invoices.map((i) => [i.number, i.total, i.lines.length])).toEqual([['INV-2026-00002', '100.00', 1]]);
      expect(gapless(await invoiceNumbers(db.kysely))).toBe(true);
      const audit = await db.kysely.selectFrom('audit_log').select(['action', 'entity', 'member_id']).where('entity', '=', 'charges').orderBy('id').execute();
      expect(audit.map((a) => [a.action, a.member_id])).toEqual([
        ['insert', ann],
        ['bill', ann],
      ]);
    });
  });

  it("a charge of a member paid by a company's member lands on that payer's consolidated invoice, to the company", async () => {
    await withFreshDb(dialect, async (db) => {
      const k = db.kysely;
      const { id: acme } = await k.insertInto('companies').values({ name: 'Acme', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
      const desk = await addPlan(k, 'Desk', { price: 10000 });
      const boss = await addPerson(k, 'Boss');
      await k.updateTable('members').set({ company_id: acme }).where('id', '=', boss).execute();
      const emp = await addPerson(k, 'Emp', boss);
      await subscribe(k, boss, desk, { startDate: '2026-03-01' });
      await subscribe(k, emp, desk, { startDate: '2026-03-01' });
      await charge(db, 'Emp', { amount: '15', description: 'Locker' });

      const run = await bill(db, asOf);
      expect(run.count).toBe(1);
      const [invoice] = run.invoices;
      expect(invoice!.payer).toEqual({ id: boss, name: 'Boss' });
      expect(invoice!.lines.map((l) => [l.member.name, l.plan, l.total])).toEqual([
        ['Boss', 'Desk', '100.00'],
        ['Emp', 'Desk', '100.00'],
        ['Emp', 'Locker', '15.00'],
      ]);
      expect(invoice!.total).toBe('215.00');
      const stored = await k.selectFrom('invoices').select('buyer').where('number', '=', invoice!.number!).executeTakeFirstOrThrow();
      expect(JSON.parse(stored.buyer!).name).toBe('Acme');
    });
  });

  it('quantity 3 x 12.50 at 20% VAT is 37.50 + 7.50, and 3 x 0.05 at 5.5% rounds the tax half up once', async () => {
    await withFreshDb(dialect, async (db) => {
      await addPerson(db.kysely, 'Ann');
      const a = await charge(db, 'Ann', { quantity: '3', taxRate: '20', invoiceNow: true });
      expect([a.invoice!.net, a.invoice!.tax, a.invoice!.total]).toEqual(['37.50', '7.50', '45.00']);
      // 0.15 x 5.5% = 0.00825 -> 0.01
      const b = await charge(db, 'Ann', { quantity: '3', amount: '0,05', taxRate: '5.5', invoiceNow: true });
      expect([b.invoice!.net, b.invoice!.tax, b.invoice!.total]).toEqual(['0.15', '0.01', '0.16']);
    });
  });

  it('remove: an unbilled charge is never billed; a billed one is refused (65) naming its invoice', async () => {
    await withFreshDb(dialect, async (db) => {
      await addPerson(db.kysely, 'Ann');
      const gone = await charge(db, 'Ann');
      await db.kysely.transaction().execute((trx) => removeCharge(trx, String(gone.view.charge.id), source));
      expect((await bill(db, asOf)).count).toBe(0);
      expect(await listCharges(db.kysely, {})).toEqual([]);

      const kept = await charge(db, 'Ann');
      const run = await bill(db, asOf);
      const error = await refused(db.kysely.transaction().execute((trx) => removeCharge(trx, String(kept.view.charge.id), source)));
      expect(error.exitCode).toBe(65);
      expect(error.message).toContain(run.invoices[0]!.number!);
      expect(await listCharges(db.kysely, {})).toHaveLength(1);
    });
  });

  it('a voided invoice bills its charge again on the next run, unless the charge is removed', async () => {
    await withFreshDb(dialect, async (db) => {
      await addPerson(db.kysely, 'Ann');
      await charge(db, 'Ann', { description: 'Room A' });
      const b = await charge(db, 'Ann', { description: 'Room B' });
      const first = await bill(db, asOf);
      await db.kysely.transaction().execute((trx) => voidInvoice(trx, first.invoices[0]!.number!, 'wrong room', asOf, source));
      await db.kysely.transaction().execute((trx) => removeCharge(trx, String(b.view.charge.id), source));
      const again = await bill(db, asOf);
      expect(again.invoices.map((i) => i.lines.map((l) => l.plan))).toEqual([['Room A']]);
    });
  });

  it('a deposit is held once billed, refunded by a credit note for its line only; once, and only once paid', async () => {
    await withFreshDb(dialect, async (db) => {
      const k = db.kysely;
      await setIdentity(k, identity, source);
      const desk = await addPlan(k, 'Desk', { price: 10000 });
      const ann = await addPerson(k, 'Ann');
      await subscribe(k, ann, desk, { startDate: '2026-03-01' });
      const deposit = await charge(db, 'Ann', { amount: '50', description: 'Locker key', deposit: true });
      const id = String(deposit.view.charge.id);
      expect((await refused(k.transaction().execute((trx) => refundDeposit(trx, id, null, asOf, source)))).message).toMatch(/not billed yet/);

      const run = await bill(db, asOf);
      const number = run.invoices[0]!.number!;
      expect(run.invoices[0]!.total).toBe('150.00');
      expect((await listCharges(k, {}))[0]!.invoice).toBe(number);
      expect((await refused(k.transaction().execute((trx) => refundDeposit(trx, id, null, asOf, source)))).message).toMatch(/not paid/);

      await k.transaction().execute((trx) => recordPayment(trx, number, { amount: '150', method: 'transfer', date: asOf, reference: null }, asOf, source));
      const { creditNote } = await k.transaction().execute((trx) => refundDeposit(trx, id, null, '2026-03-20', source));
      expect(creditNote).toBe('CN-2026-00001');
      const note = await k.selectFrom('credit_notes').selectAll().where('number', '=', creditNote).executeTakeFirstOrThrow();
      expect([note.net, note.tax, note.total, note.charge_id, note.date]).toEqual([-5000, 0, -5000, deposit.view.charge.id, '2026-03-20']);
      const doc = await loadInvoiceDocument(k, creditNote);
      expect(doc.kind).toBe('credit_note');
      expect(doc.lines.map((l) => [l.description, l.net])).toEqual([['Locker key (dépôt de garantie) — 1 × 50,00\u00a0EUR — 1\u00a0mars\u00a02026', 5000]]);
      expect(doc.totals.total).toBe(5000);

      const [view] = await listCharges(k, {});
      expect(view!.creditNote).toBe(creditNote);
      expect((await refused(k.transaction().execute((trx) => refundDeposit(trx, id, null, asOf, source)))).message).toMatch(/already refunded by credit note CN-2026-00001/);
      expect((await refused(k.transaction().execute((trx) => voidInvoice(trx, number, 'x', asOf, source)))).message).toMatch(/deposit .* was refunded/);
      // the invoice itself is unchanged
      const [json] = await invoicesJson(k, await findInvoices(k, {}));
      expect([json!.status, json!.total, json!.creditNote]).toEqual(['paid', '150.00', null]);
      expect((await lines(db, number)).map((l) => l.plan)).toEqual(['Desk', 'Locker key']);
    });
  });

  it('a merge moves the removed person\'s charges to the kept one, who is billed for them', async () => {
    await withFreshDb(dialect, async (db) => {
      const ann = await addPerson(db.kysely, 'Ann');
      const dup = await addPerson(db.kysely, 'Ann Dup');
      await charge(db, String(dup));
      await db.kysely.transaction().execute(async (trx) => applyMerge(trx, await planMerge(trx, String(ann), String(dup)), source));
      const run = await bill(db, asOf);
      expect(run.invoices.map((i) => [i.payer.id, i.lines.map((l) => l.member.id)])).toEqual([[ann, [ann]]]);
    });
  });

  it('refund refuses a charge that is not a deposit', async () => {
    await withFreshDb(dialect, async (db) => {
      await addPerson(db.kysely, 'Ann');
      const { view } = await charge(db, 'Ann', { invoiceNow: true });
      const error = await refused(db.kysely.transaction().execute((trx) => refundDeposit(trx, String(view.charge.id), null, asOf, source)));
      expect([error.exitCode, error.message]).toEqual([65, `charge ${view.charge.id} is not a deposit: only a deposit is refunded`]);
    });
  });

  it('bad input is refused naming the option, and nothing is written', async () => {
    await withFreshDb(dialect, async (db) => {
      await addPerson(db.kysely, 'Ann');
      for (const [over, option] of [
        [{ amount: 'twelve' }, '--amount'],
        [{ amount: '-5' }, '--amount'],
        [{ amount: '1.234' }, '--amount'],
        [{ quantity: '0' }, '--quantity'],
        [{ quantity: '1.5' }, '--quantity'],
        [{ taxRate: '120' }, '--tax-rate'],
        [{ description: ' ' }, '--description'],
        [{ invoiceNow: true, date: '2026-04-01' }, '--invoice-now'],
      ] as const) {
        const error = await refused(charge(db, 'Ann', over));
        expect([error.exitCode, error.message.startsWith(option)]).toEqual([64, true]);
      }
      expect((await refused(charge(db, 'Nobody'))).exitCode).toBe(65);
      expect(await db.kysely.selectFrom('charges').select('id').execute()).toEqual([]);
    });
  });
});
