// Discounts on memberships, checked against amounts computed by hand (docs/billing.md, "Discounts").
import { describe, expect, it } from 'vitest';
import { type DiscountInput, discountJson, parseDiscount, setDiscount } from '../../src/core/billing/discounts.js';
import { addDelegate, removeDelegate, setBillDelegatesSeparately } from '../../src/core/billing/delegates.js';
import { voidInvoice } from '../../src/core/billing/invoices.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { listMembers } from '../../src/core/people/members.js';
import { loadMemberState } from '../../src/core/status/member-status.js';
import { UserError } from '../../src/errors.js';
import { requireMembership, setMembership } from '../../src/core/billing/memberships.js';
import { loadInvoiceDocument } from '../../src/core/documents/load-invoice.js';
import { setIdentity } from '../../src/core/org/org-store.js';
import type { Db } from '../../src/db/connect.js';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { writeUbl } from '../../src/writers/einvoice/ubl.js';
import { validateEn16931, xpathValues } from '../helpers/einvoice.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { addPerson, addPlan, bill, source, subscribe } from './invoicing-fixtures.js';

const identity = { name: 'Coworking Lumière', address: '12 rue de la République', postcode: '69001', city: 'Lyon', siren: '732829320', vatId: 'FR44732829320' };

const discount = (db: Db, membershipId: number, value: string, periods: number | null = null, reason: string | null = null) =>
  db.kysely.transaction().execute(async (trx) => {
    const parsed = parseDiscount(value, 'EUR');
    const input: DiscountInput | null = parsed === null ? null : { value: parsed, periods, reason };
    const membership = await trx.selectFrom('memberships').select(['id', 'member_id']).where('id', '=', membershipId).executeTakeFirstOrThrow();
    return setDiscount(trx, membership, input, 'EUR', source);
  });

/** [period start, net, discount, tax, total] of each line */
const rows = (invoice: { lines: { periodStart: string; net: string; discount: string | null; tax: string; total: string }[] }) =>
  invoice.lines.map((l) => [l.periodStart, l.net, l.discount, l.tax, l.total]);

describe.each(dialects)('discounts on %s', (dialect) => {
  it('15% for 3 periods over a catch-up invoice: the first three periods only, counted across runs; a rerun bills nothing new', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      const m = await subscribe(db.kysely, ann, desk, { startDate: '2026-01-01' });
      await discount(db, m, '15%', 3, 'early bird');

      // January alone: 100.00 - 15.00 = 85.00, 20% = 17.00
      const january = await bill(db, '2026-01-01');
      expect(rows(january.invoices[0]!)).toEqual([['2026-01-01', '85.00', '15.00', '17.00', '102.00']]);

      // catch-up February to May: two periods left, then the full price
      const catchUp = await bill(db, '2026-05-01');
      expect(catchUp.count).toBe(1);
      expect(rows(catchUp.invoices[0]!)).toEqual([
        ['2026-02-01', '85.00', '15.00', '17.00', '102.00'],
        ['2026-03-01', '85.00', '15.00', '17.00', '102.00'],
        ['2026-04-01', '100.00', null, '20.00', '120.00'],
        ['2026-05-01', '100.00', null, '20.00', '120.00'],
      ]);
      expect([catchUp.invoices[0]!.net, catchUp.invoices[0]!.tax, catchUp.invoices[0]!.total]).toEqual(['370.00', '74.00', '444.00']);
      expect((await bill(db, '2026-05-01')).count).toBe(0);
      expect(await discountJson(db.kysely, m, 'EUR')).toMatchObject({ value: '15%', periods: 3, periodsUsed: 3, periodsLeft: 0, reason: 'early bird' });
      expect(rows((await bill(db, '2026-06-01')).invoices[0]!)).toEqual([['2026-06-01', '100.00', null, '20.00', '120.00']]);
    });
  });

  it('a voided invoice gives its discounted periods back: billed again, they are discounted again', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      const m = await subscribe(db.kysely, ann, desk, { startDate: '2026-01-01' });
      await discount(db, m, '10%', 2);
      const first = await bill(db, '2026-02-01');
      expect(rows(first.invoices[0]!).map((r) => r[1])).toEqual(['90.00', '90.00']);
      await db.kysely.transaction().execute(async (trx) => {
        await voidInvoice(trx, first.invoices[0]!.number!, 'wrong', '2026-02-02', source);
        await setMembership(trx, m, { nextInvoiceDate: '2026-01-01' }, source);
      });
      expect((await discountJson(db.kysely, m, 'EUR'))!.periodsUsed).toBe(0);
      const again = await bill(db, '2026-03-01');
      expect(rows(again.invoices[0]!).map((r) => r[1])).toEqual(['90.00', '90.00', '100.00']);
    });
  });

  it('a fixed 15.00 on a prorated 17/31 period takes 15.00 x 17/31 = 8.23 off 54.84; whole periods take 15.00', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      const m = await subscribe(db.kysely, ann, desk, { startDate: '2025-10-15', nextInvoiceDate: '2025-11-01', prorateFirst: true });
      await discount(db, m, '15.00');
      // 54.84 - 8.23 = 46.61; 20% = 9.322 -> 9.32; then 100.00 - 15.00 = 85.00, 17.00
      const run = await bill(db, '2025-11-01');
      expect(rows(run.invoices[0]!)).toEqual([
        ['2025-10-15', '46.61', '8.23', '9.32', '55.93'],
        ['2025-11-01', '85.00', '15.00', '17.00', '102.00'],
      ]);
      expect(await discountJson(db.kysely, m, 'EUR')).toMatchObject({ value: '15.00', kind: 'amount', periods: null, periodsUsed: 2, periodsLeft: null });
    });
  });

  it('a discount larger than the line stops at zero (an invoice of 0, paid); removed, the next period is billed in full', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      const m = await subscribe(db.kysely, ann, desk, { startDate: '2026-01-01' });
      await discount(db, m, '150');
      const run = await bill(db, '2026-01-01');
      expect(rows(run.invoices[0]!)).toEqual([['2026-01-01', '0.00', '100.00', '0.00', '0.00']]);
      expect(run.invoices[0]!.status).toBe('paid');
      await discount(db, m, 'none');
      expect(await discountJson(db.kysely, m, 'EUR')).toBeNull();
      expect(rows((await bill(db, '2026-02-01')).invoices[0]!)).toEqual([['2026-02-01', '100.00', null, '20.00', '120.00']]);
    });
  });

  it('rounding at half a cent: 15% of 10.10 is 1.515 -> 1.52; the tax is on the discounted net, 20% of 8.58 = 1.716 -> 1.72', async () => {
    await withFreshDb(dialect, async (db) => {
      const locker = await addPlan(db.kysely, 'Locker', { price: 1010, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      const m = await subscribe(db.kysely, ann, locker, { startDate: '2026-01-01', quantity: 1 });
      await discount(db, m, '15%');
      expect(rows((await bill(db, '2026-01-01')).invoices[0]!)).toEqual([['2026-01-01', '8.58', '1.52', '1.72', '10.30']]);
      // 2 seats: 20.20, 15% = 3.03, 17.17, 20% = 3.434 -> 3.43
      await setMembership(db.kysely, m, { quantity: 2 }, source);
      expect(rows((await bill(db, '2026-02-01')).invoices[0]!)).toEqual([['2026-02-01', '17.17', '3.03', '3.43', '20.60']]);
    });
  });

  it('a new value starts counting anew; the same value again changes nothing; one discount in force per membership', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000 });
      const ann = await addPerson(db.kysely, 'Ann');
      const m = await subscribe(db.kysely, ann, desk, { startDate: '2026-01-01' });
      const first = await discount(db, m, '10%', 2);
      await bill(db, '2026-01-01');
      expect((await discount(db, m, '10%', 2))!.id).toBe(first!.id);
      expect((await discountJson(db.kysely, m, 'EUR'))!.periodsUsed).toBe(1);
      await discount(db, m, '20%', 2);
      expect((await discountJson(db.kysely, m, 'EUR'))!.periodsUsed).toBe(0);
      const all = await db.kysely.selectFrom('discounts').selectAll().where('membership_id', '=', m).orderBy('id').execute();
      expect(all.map((d) => [d.percent, d.removed_at === null])).toEqual([
        ['10', false],
        ['20', true],
      ]);
      const { id: _id, ...copy } = all[1]!;
      await expect(db.kysely.insertInto('discounts').values(copy).execute()).rejects.toThrow(/unique|UNIQUE/);
      const history = await db.kysely.selectFrom('audit_log').select(['action', 'summary']).where('entity', '=', 'memberships').where('action', 'like', '%discount%').orderBy('id').execute();
      expect(history.map((h) => h.summary)).toEqual([`membership ${m} discounted: 10% for 2 periods`, `membership ${m} discounted: 20% for 2 periods`]);
    });
  });

  it('a discounted invoice is a valid e-invoice: a line allowance (BG-27) in CII and UBL, the price before it', async () => {
    await withFreshDb(dialect, async (db) => {
      await setIdentity(db.kysely, identity, source);
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      const m = await subscribe(db.kysely, ann, desk, { startDate: '2025-10-15', nextInvoiceDate: '2025-11-01', prorateFirst: true, quantity: 3 });
      await discount(db, m, '12.5%', 1, 'referral');
      const run = await bill(db, '2025-11-01');
      // 3 x 54.84 = 164.52, 12.5% = 20.565 -> 20.57: 143.95, 20% = 28.79; then 3 x 100.00 = 300.00, 60.00
      expect(rows(run.invoices[0]!)).toEqual([
        ['2025-10-15', '143.95', '20.57', '28.79', '172.74'],
        ['2025-11-01', '300.00', null, '60.00', '360.00'],
      ]);
      const doc = await loadInvoiceDocument(db.kysely, run.invoices[0]!.number!);
      expect(doc.lines[0]!.discount).toEqual({ amount: 2057, reason: 'Remise 12,5\u00a0% (referral)' });
      const cii = writeCii(doc);
      expect(validateEn16931(cii, 'cii')).toEqual([]);
      expect(xpathValues(cii, '//*[local-name()="SpecifiedTradeAllowanceCharge"]/*[local-name()="ActualAmount"]')).toEqual(['20.57']);
      expect(xpathValues(cii, '//*[local-name()="SpecifiedLineTradeSettlement"]//*[local-name()="LineTotalAmount"]')).toEqual(['143.95', '300.00']);
      const ubl = writeUbl(doc);
      expect(validateEn16931(ubl, 'ubl')).toEqual([]);
      expect(xpathValues(ubl, '//*[local-name()="InvoiceLine"]/*[local-name()="AllowanceCharge"]/*[local-name()="Amount"]')).toEqual(['20.57']);
      expect(xpathValues(ubl, '//*[local-name()="InvoiceLine"]/*[local-name()="LineExtensionAmount"]')).toEqual(['143.95', '300.00']);
      // its credit note credits the same lines, the allowance with them
      const { creditNote } = await db.kysely.transaction().execute((trx) => voidInvoice(trx, run.invoices[0]!.number!, 'wrong seats', '2025-11-02', source));
      const note = await loadInvoiceDocument(db.kysely, creditNote.number);
      expect(note.lines[0]!.discount?.amount).toBe(2057);
      expect(validateEn16931(writeCii(note), 'cii')).toEqual([]);
      const noteUbl = writeUbl(note);
      expect(validateEn16931(noteUbl, 'ubl')).toEqual([]);
      expect(xpathValues(noteUbl, '//*[local-name()="CreditNoteLine"]/*[local-name()="AllowanceCharge"]/*[local-name()="Amount"]')).toEqual(['20.57']);
    });
  }, 120_000);

  it('delegates billed separately: each their share on their payer\'s invoice, the odd cents on the first named; a rerun bills nothing new', async () => {
    await withFreshDb(dialect, async (db) => {
      const team = await addPlan(db.kysely, 'Team', { price: 10000, taxRate: '20' });
      const acme = await addPerson(db.kysely, 'Acme');
      const [ann, bob] = [await addPerson(db.kysely, 'Ann'), await addPerson(db.kysely, 'Bob')];
      // Cy is paid for by Acme: their share goes on Acme's invoice
      const cy = await addPerson(db.kysely, 'Cy', acme);
      const m = await subscribe(db.kysely, acme, team, { startDate: '2026-01-01', quantity: 3 });
      for (const [id, name] of [[ann, 'Ann'], [bob, 'Bob'], [cy, 'Cy']] as const) await addDelegate(db.kysely, await requireMembership(db.kysely, m), { id, name }, source);
      await setBillDelegatesSeparately(db.kysely, await requireMembership(db.kysely, m), true, source);
      await discount(db, m, '10.00', 2);

      // 3 x 100.00 = 300.00 less 10.00 = 290.00: 96.68 (the first named), 96.66, 96.66; the discount 3.34, 3.33, 3.33;
      // tax 20% of each share: 19.336 -> 19.34, 19.332 -> 19.33
      const run = await bill(db, '2026-01-01');
      const byPayer = run.invoices.map((i) => [i.payer.name, i.lines.map((l) => [l.member.name, l.quantity, l.unitPrice, l.net, l.discount, l.tax, l.total])]);
      expect(byPayer).toEqual([
        ['Acme', [['Cy', 1, '99.99', '96.66', '3.33', '19.33', '115.99']]],
        ['Ann', [['Ann', 1, '100.02', '96.68', '3.34', '19.34', '116.02']]],
        ['Bob', [['Bob', 1, '99.99', '96.66', '3.33', '19.33', '115.99']]],
      ]);
      expect(run.invoices.reduce((sum, i) => sum + Number(i.net), 0)).toBeCloseTo(290, 6);
      expect((await bill(db, '2026-01-01')).count).toBe(0);
      // one period discounted, however many delegates share it
      expect((await discountJson(db.kysely, m, 'EUR'))!.periodsUsed).toBe(1);
    });
  });

  it('2 delegates of 3 seats at 33.33: 99.99 is 50.00 and 49.99; without separate billing the holder is billed; seats are counted', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 3333, taxRate: '20' });
      const acme = await addPerson(db.kysely, 'Acme');
      const [ann, bob, cy, dan] = [await addPerson(db.kysely, 'Ann'), await addPerson(db.kysely, 'Bob'), await addPerson(db.kysely, 'Cy'), await addPerson(db.kysely, 'Dan')];
      const m = await subscribe(db.kysely, acme, desk, { startDate: '2026-01-01', quantity: 3 });
      const membership = () => requireMembership(db.kysely, m);
      // named Bob first: Bob gets the odd cent
      await addDelegate(db.kysely, await membership(), { id: bob, name: 'Bob' }, source);
      await addDelegate(db.kysely, await membership(), { id: ann, name: 'Ann' }, source);
      expect(await addDelegate(db.kysely, await membership(), { id: ann, name: 'Ann' }, source)).toEqual({ added: false });
      // a delegate is a member through the membership: its status, and members list --plan
      expect((await loadMemberState(db.kysely, ann, '2026-01-01')).status).toBe('member');
      expect((await loadMemberState(db.kysely, cy, '2026-01-01')).status).toBe('contact');
      expect((await listMembers(db.kysely, '2026-01-01', { plan: 'Desk' })).map((v) => v.member.name)).toEqual(['Acme', 'Ann', 'Bob']);

      // not billed separately: Acme, 99.99 + 20.00
      const january = await bill(db, '2026-01-01');
      expect(january.invoices.map((i) => [i.payer.name, i.net, i.tax])).toEqual([['Acme', '99.99', '20.00']]);

      await setBillDelegatesSeparately(db.kysely, await membership(), true, source);
      // 99.99 over 2: Bob 50.00, Ann 49.99; tax 10.00 and 9.998 -> 10.00
      const february = await bill(db, '2026-02-01');
      expect(february.invoices.map((i) => [i.payer.name, i.net, i.tax, i.total])).toEqual([
        ['Ann', '49.99', '10.00', '59.99'],
        ['Bob', '50.00', '10.00', '60.00'],
      ]);

      await addDelegate(db.kysely, await membership(), { id: cy, name: 'Cy' }, source);
      const refused = await addDelegate(db.kysely, await membership(), { id: dan, name: 'Dan' }, source).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(UserError);
      expect((refused as UserError).exitCode).toBe(65);
      expect((refused as UserError).message).toBe('membership 1 has 3 seats, all taken (Bob, Ann, Cy): Dan would be one beyond them'.replace('membership 1', `membership ${m}`));
      const holder = await addDelegate(db.kysely, await membership(), { id: acme, name: 'Acme' }, source).catch((e: unknown) => e);
      expect((holder as UserError).exitCode).toBe(65);
      await removeDelegate(db.kysely, await membership(), { id: cy, name: 'Cy' }, source);
      expect((await loadMemberState(db.kysely, cy, '2026-02-01')).status).toBe('contact');
    });
  });

  it('a merge moves the removed person\'s seat to the kept one, or drops it when the kept one holds the membership', async () => {
    await withFreshDb(dialect, async (db) => {
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000 });
      const [acme, ann, dup] = [await addPerson(db.kysely, 'Acme'), await addPerson(db.kysely, 'Ann'), await addPerson(db.kysely, 'Ann Dup')];
      const m = await subscribe(db.kysely, acme, desk, { startDate: '2026-01-01', quantity: 2 });
      await addDelegate(db.kysely, await requireMembership(db.kysely, m), { id: dup, name: 'Ann Dup' }, source);
      await db.kysely.transaction().execute(async (trx) => applyMerge(trx, await planMerge(trx, String(ann), String(dup)), source));
      const seats = async () => (await db.kysely.selectFrom('delegates').select('member_id').where('removed_at', 'is', null).execute()).map((d) => d.member_id);
      expect(await seats()).toEqual([ann]);
      await db.kysely.transaction().execute(async (trx) => applyMerge(trx, await planMerge(trx, String(acme), String(ann)), source));
      expect(await seats()).toEqual([]);
    });
  });
});
