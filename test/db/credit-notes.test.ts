import { describe, expect, it } from 'vitest';
import { addCharge, refundDeposit } from '../../src/core/billing/charges.js';
import { applyCredit } from '../../src/core/billing/credit-apply.js';
import { creditableLines, creditInvoiceLine, creditUnusedDays, type LineCreditInput } from '../../src/core/billing/credit-notes.js';
import { parseDiscount, setDiscount } from '../../src/core/billing/discounts.js';
import { pauseMembership } from '../../src/core/billing/pauses.js';
import { balancesDue } from '../../src/core/billing/invoice-balance.js';
import { findCreditNote, findInvoice, invoicesJson, requireInvoice, voidInvoice } from '../../src/core/billing/invoices.js';
import { moneyBalances } from '../../src/core/billing/money-credit.js';
import { recordPayment } from '../../src/core/billing/payments.js';
import { loadInvoiceDocument } from '../../src/core/documents/load-invoice.js';
import { setIdentity } from '../../src/core/org/org-store.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { writeUbl } from '../../src/writers/einvoice/ubl.js';
import { renderInvoicePdf } from '../../src/writers/pdf/invoice-pdf.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { validateCiiSchema, validateEn16931, xpathValues } from '../helpers/einvoice.js';
import { PdfProbe } from '../helpers/poppler.js';
import { addPerson, addPlan, bill, gapless, source, subscribe } from './invoicing-fixtures.js';

const identity = { name: 'Coworking Lumière', address: '12 rue de la République', postcode: '69001', city: 'Lyon', siren: '732829320', vatId: 'FR44732829320' };

const credit = (db: Db, number: string, input: Omit<LineCreditInput, 'reason'> & { reason?: string }, asOf = '2026-03-05') =>
  db.kysely.transaction().execute(async (trx) => (await creditInvoiceLine(trx, await requireInvoice(trx, number), { reason: 'test', ...input }, asOf, source)).creditNote);

const pay = (db: Db, number: string, amount: string, date = '2026-03-05') =>
  db.kysely.transaction().execute((trx) => recordPayment(trx, number, { amount, method: 'transfer', date, reference: null, overpay: true }, date, source));

const refused = async (promise: Promise<unknown>): Promise<UserError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
};

/** What the invoice still asks, its status, and the payer's money credit, in minor units. */
async function state(db: Db, number: string, payerId: number) {
  const invoice = (await findInvoice(db.kysely, number))!;
  const due = (await balancesDue(db.kysely, [invoice])).get(invoice.id);
  const money = (await moneyBalances(db.kysely, [payerId])).get(`${payerId}|EUR`) ?? 0;
  return { status: invoice.status, due, money };
}

/** One invoice of one line: a month of `price` net at `rate`, from `start` (prorated to the month's end). */
async function oneLine(db: Db, price: number, rate: string, start = '2026-03-01', prorated?: { nextInvoiceDate: string }) {
  await setIdentity(db.kysely, identity, source);
  const plan = await addPlan(db.kysely, 'Desk', { price, taxRate: rate });
  const ann = await addPerson(db.kysely, 'Ann');
  const membership = await subscribe(db.kysely, ann, plan, { startDate: start, ...(prorated ? { nextInvoiceDate: prorated.nextInvoiceDate, prorateFirst: true } : {}) });
  const run = await bill(db, start);
  return { ann, membership, number: run.invoices[0]!.number!, invoice: run.invoices[0]! };
}

describe.each(dialects)('partial credit notes on %s', (dialect) => {
  // hand-computed: Desk 100.00 net, 20% VAT (120.00), one line for March 2026 (31 days)
  it.each([
    // what is credited, the credit note's net/tax/total, then what is paid and what is left due, with the money credit
    { name: '30.00 net, then 100.00 paid: 84.00 was due, 16.00 becomes credit', input: { amount: '30' }, note: ['-30.00', '-6.00', '-36.00'], paid: '100', after: { status: 'paid', due: -1600, money: 1600 } },
    { name: '30.00 net, then 50.00 paid: 34.00 still due', input: { amount: '30' }, note: ['-30.00', '-6.00', '-36.00'], paid: '50', after: { status: 'open', due: 3400, money: 0 } },
    // 10000 x 11 / 31 = 3548.39 -> 3548; tax 709.6 -> 710
    { name: '11 days: 35.48 net, 7.10 tax', input: { days: 11 }, note: ['-35.48', '-7.10', '-42.58'], paid: '77.42', after: { status: 'paid', due: 0, money: 0 } },
    // tax 0.005 rounds half up to 0.01
    { name: 'a tax of half a cent rounds up', input: { amount: '0.05' }, note: ['-0.05', '-0.01', '-0.06'], paid: '0', after: { status: 'open', due: 11994, money: 0 } },
  ])('$name', async ({ input, note, paid, after }) => {
    await withFreshDb(dialect, async (db) => {
      const { ann, number } = await oneLine(db, 10000, '20');
      const cn = await credit(db, number, { line: 1, ...input });
      expect(cn.number).toBe('CN-2026-00001');
      const found = (await findCreditNote(db.kysely, cn.number))!;
      expect([found.note.net, found.note.tax, found.note.total].map((a) => (a / 100).toFixed(2))).toEqual(note);
      if (paid !== '0') await pay(db, number, paid);
      expect(await state(db, number, ann)).toEqual(after);
    });
  });

  it('a credit note after the invoice is paid gives what was paid beyond the new balance as money credit', async () => {
    await withFreshDb(dialect, async (db) => {
      const { ann, number } = await oneLine(db, 10000, '20');
      await pay(db, number, '120');
      await credit(db, number, { line: 1, amount: '30' });
      expect(await state(db, number, ann)).toEqual({ status: 'paid', due: -3600, money: 3600 });
      const [json] = await invoicesJson(db.kysely, [(await findInvoice(db.kysely, number))!]);
      expect([json!.paid, json!.credited, json!.lines[0]!.line, json!.lines[0]!.credited]).toEqual(['120.00', '36.00', 1, '30.00']);
    });
  });

  it('credits apply pays what is due after a partial credit note, not the invoice\'s total', async () => {
    await withFreshDb(dialect, async (db) => {
      const { ann, number } = await oneLine(db, 10000, '20');
      // billed before there is any money credit (a run pays new invoices from it)
      const april = (await bill(db, '2026-04-01')).invoices[0]!.number!;
      await pay(db, number, '120');
      // 80.00 net credited of a paid invoice: 96.00 of money credit
      await credit(db, number, { line: 1, amount: '80' }, '2026-04-02');
      // 50.00 net off April: 60.00 is due of its 120.00
      await credit(db, april, { line: 1, amount: '50' }, '2026-04-02');
      expect(await state(db, april, ann)).toEqual({ status: 'open', due: 6000, money: 9600 });
      await applyCredit(db.kysely, { id: ann, name: 'Ann' }, { invoice: april, amount: null }, '2026-04-02', source);
      expect(await state(db, april, ann)).toEqual({ status: 'paid', due: 0, money: 3600 });
    });
  });

  it('--days on a prorated line credits at its daily rate: net x days / days of the line, rounded half up', async () => {
    await withFreshDb(dialect, async (db) => {
      // from March 10: 22 of 31 days, 10000 x 22 / 31 = 7096.77 -> 7097 net, 1419 tax
      const { number, invoice } = await oneLine(db, 10000, '20', '2026-03-10', { nextInvoiceDate: '2026-04-01' });
      expect([invoice.lines[0]!.periodStart, invoice.lines[0]!.net, invoice.lines[0]!.tax]).toEqual(['2026-03-10', '70.97', '14.19']);
      // 7097 x 5 / 22 = 1612.95 -> 1613; tax 322.6 -> 323
      const cn = await credit(db, number, { line: 1, days: 5 }, '2026-03-12');
      expect([cn.net, cn.tax, cn.total, cn.days]).toEqual([-1613, -323, -1936, 5]);
      const doc = await loadInvoiceDocument(db.kysely, cn.number);
      expect(doc.lines.map((l) => [l.periodStart, l.periodEnd, l.quantity, l.net, l.tax])).toEqual([['2026-03-27', '2026-03-31', 1, 1613, 323]]);
      expect(doc.kind === 'credit_note' && doc.corrects.number).toBe(number);
    });
  });

  it('--days rounds half a cent up: 15 of the 30 days of 10.05 are 5.03', async () => {
    await withFreshDb(dialect, async (db) => {
      const { number } = await oneLine(db, 1005, '20', '2026-04-01');
      // 1005 x 15 / 30 = 502.5 -> 503; tax 100.6 -> 101
      const cn = await credit(db, number, { line: 1, days: 15 }, '2026-04-02');
      expect([cn.net, cn.tax]).toEqual([-503, -101]);
    });
  });

  it('never credits more than is left on the line, and says how much is', async () => {
    await withFreshDb(dialect, async (db) => {
      const { number } = await oneLine(db, 10000, '20');
      await credit(db, number, { line: 1, amount: '30' });
      const over = await refused(credit(db, number, { line: 1, amount: '70.01' }));
      expect(over.exitCode).toBe(65);
      expect(over.message).toBe(`line 1 of invoice ${number} has 70.00 EUR net left to credit (of 100.00 EUR); 70.01 EUR is more`);
      expect((await refused(credit(db, number, { line: 1, days: 32 }))).exitCode).toBe(64);
      expect((await refused(credit(db, number, { line: 2, amount: '1' }))).message).toBe(`invoice ${number} has no line 2: its lines are 1 to 1`);
      expect((await refused(credit(db, number, { line: 1, amount: '0' }))).exitCode).toBe(64);
      // the rest is creditable, with the tax left
      const rest = await credit(db, number, { line: 1, amount: '70' });
      expect([rest.net, rest.tax]).toEqual([-7000, -1400]);
      const none = await refused(credit(db, number, { line: 1, amount: '0.01' }));
      expect(none.hint).toBe('it is credited in full already');
      const voiding = await refused(db.kysely.transaction().execute((trx) => voidInvoice(trx, number, 'wrong', '2026-03-06', source)));
      expect(voiding.message).toMatch(/is credited in full already, by credit notes CN-2026-00001, CN-2026-00002: nothing is left to void/);
    });
  });

  it('void after a partial credit note credits only what is left; the credit notes add up to the invoice exactly', async () => {
    await withFreshDb(dialect, async (db) => {
      // 10.03 net at 20%: tax 2.006 -> 2.01; 5.01 credited: tax 1.002 -> 1.00; left 5.02 with the tax left, 1.01
      const { ann, number } = await oneLine(db, 1003, '20');
      await pay(db, number, '12.04');
      const part = await credit(db, number, { line: 1, amount: '5.01' });
      expect([part.net, part.tax]).toEqual([-501, -100]);
      expect(await state(db, number, ann)).toMatchObject({ status: 'paid', money: 601 });
      const { creditNote } = await db.kysely.transaction().execute((trx) => voidInvoice(trx, number, 'left', '2026-03-06', source));
      expect([creditNote.number, creditNote.net, creditNote.tax, creditNote.total]).toEqual(['CN-2026-00002', -502, -101, -603]);
      // everything paid is the payer's credit once the invoice is void
      expect(await state(db, number, ann)).toMatchObject({ status: 'void', money: 1204 });
      for (const cn of [part.number, creditNote.number]) {
        const doc = await loadInvoiceDocument(db.kysely, cn);
        for (const format of ['cii', 'ubl'] as const) expect(validateEn16931(format === 'cii' ? writeCii(doc) : writeUbl(doc), format), `${cn} ${format}`).toEqual([]);
      }
      const doc = await loadInvoiceDocument(db.kysely, creditNote.number);
      expect(doc.lines.map((l) => [l.net, l.tax])).toEqual([[502, 101]]);
    });
  });

  it('credit notes of every kind share one gapless sequence', async () => {
    await withFreshDb(dialect, async (db) => {
      const { ann, number } = await oneLine(db, 10000, '20');
      await credit(db, number, { line: 1, amount: '10' });
      const deposit = await db.kysely.transaction().execute((trx) => addCharge(trx, { memberRef: String(ann), amount: '50', description: 'Key', deposit: true, invoiceNow: true }, '2026-03-05', source));
      const depositInvoice = deposit.invoice!.number!;
      await pay(db, depositInvoice, '50');
      // a deposit line is refunded, not credited
      expect((await refused(credit(db, depositInvoice, { line: 1, amount: '10' }))).hint).toBe(`memberctl charges refund ${deposit.view.charge.id}`);
      await db.kysely.transaction().execute((trx) => refundDeposit(trx, String(deposit.view.charge.id), null, '2026-03-06', source));
      await db.kysely.transaction().execute((trx) => voidInvoice(trx, number, 'wrong', '2026-03-07', source));
      const numbers = (await db.kysely.selectFrom('credit_notes').select('number').orderBy('id').execute()).map((r) => r.number);
      expect(numbers).toEqual(['CN-2026-00001', 'CN-2026-00002', 'CN-2026-00003']);
      expect(gapless(numbers)).toBe(true);
      // the refund leaves the deposit's invoice paid, with no money credit: the organisation pays the deposit back
      expect(await state(db, depositInvoice, ann)).toEqual({ status: 'paid', due: 0, money: 0 });
      // each credit note is e-mailed (queued)
      const queued = await db.kysely.selectFrom('mail_messages').select('subject_id').where('kind', '=', 'credit_note').execute();
      expect(queued).toHaveLength(3);
    });
  });

  it('every kind of credit note carries its reason: on its PDF under the invoice it corrects, as its e-invoices\' note', async () => {
    await withFreshDb(dialect, async (db) => {
      const { ann, membership, number } = await oneLine(db, 10000, '20');
      // a deposit bears no VAT: its documents say why
      await setIdentity(db.kysely, { ...identity, vatExemption: 'Dépôt de garantie, hors du champ de la TVA' }, source);
      const line = await credit(db, number, { line: 1, amount: '10', reason: 'salle indisponible un matin' });
      const deposit = await db.kysely.transaction().execute((trx) => addCharge(trx, { memberRef: String(ann), amount: '50', description: 'Badge', deposit: true, invoiceNow: true }, '2026-03-05', source));
      await pay(db, deposit.invoice!.number!, '50');
      const refund = await db.kysely.transaction().execute((trx) => refundDeposit(trx, String(deposit.view.charge.id), null, '2026-03-06', source));
      const [unused] = await db.kysely.transaction().execute((trx) => creditUnusedDays(trx, membership, '2026-03-20', '2026-03-21', source));
      // stored as typed: its line breaks, tab and control character do not reach the documents
      const typed = 'mauvaise formule\n\t<Hot Desk> & "Bureau"\u0007 ';
      const { creditNote: voided } = await db.kysely.transaction().execute((trx) => voidInvoice(trx, number, typed, '2026-03-21', source));
      expect((await findCreditNote(db.kysely, voided.number))!.note.reason).toBe(typed);

      const expected: [string, string][] = [
        [line.number, 'salle indisponible un matin'],
        // the reasons memberctl writes itself are in the document's language
        [refund.creditNote, 'Remboursement du dépôt de garantie : Badge'],
        [unused!.creditNote.number, `Fin de l’abonnement ${membership} le 20\u00a0mars\u00a02026 : 11 jours non utilisés`],
        [voided.number, 'mauvaise formule <Hot Desk> & "Bureau"'],
      ];
      for (const [cn, reason] of expected) {
        const doc = await loadInvoiceDocument(db.kysely, cn);
        expect(doc.kind === 'credit_note' && doc.reason, cn).toBe(reason);
        const probe = new PdfProbe(await renderInvoicePdf(doc));
        try {
          expect(probe.rawText().replace(/\s+/g, ' '), cn).toContain(`Motif : ${reason}`.replace(/\s+/g, ' '));
        } finally {
          probe.remove();
        }
        const cii = writeCii(doc);
        expect(validateCiiSchema(cii), cn).toEqual({ valid: true, errors: [] });
        expect(validateEn16931(cii, 'cii'), cn).toEqual([]);
        expect(xpathValues(cii, "//*[local-name()='ExchangedDocument']/*[local-name()='IncludedNote']/*[local-name()='Content']"), cn).toEqual([reason]);
        const ubl = writeUbl(doc);
        expect(validateEn16931(ubl, 'ubl'), cn).toEqual([]);
        expect(xpathValues(ubl, "/*/*[local-name()='Note']"), cn).toEqual([reason]);
      }

      // a credit note whose reason holds nothing printable still renders, with no reason
      await db.kysely.updateTable('credit_notes').set({ reason: ' \u0007 ' }).where('number', '=', line.number).execute();
      const doc = await loadInvoiceDocument(db.kysely, line.number);
      expect(doc.kind === 'credit_note' && doc.reason).toBeNull();
      const probe = new PdfProbe(await renderInvoicePdf(doc));
      try {
        expect(probe.rawText()).not.toContain('Motif');
      } finally {
        probe.remove();
      }
      expect(xpathValues(writeCii(doc), "//*[local-name()='IncludedNote']")).toEqual([]);
      expect(xpathValues(writeUbl(doc), "/*/*[local-name()='Note']")).toEqual([]);
    });
  });

  it('--credit-unused: the days after the end of each invoiced period, at each line\'s daily rate', async () => {
    await withFreshDb(dialect, async (db) => {
      const { ann, membership, number } = await oneLine(db, 10000, '20');
      const april = (await bill(db, '2026-04-01')).invoices[0]!.number!;
      await pay(db, number, '120', '2026-03-05');
      const credits = await db.kysely.transaction().execute((trx) => creditUnusedDays(trx, membership, '2026-03-20', '2026-04-02', source));
      // March: 11 of 31 days, 10000 x 11 / 31 = 3548.39 -> 3548, tax 710; April: all 30 days, 10000 and 2000
      expect(credits.map((c) => [c.invoice, c.line, c.days, c.creditNote.net, c.creditNote.tax])).toEqual([
        [number, 1, 11, -3548, -710],
        [april, 1, 30, -10000, -2000],
      ]);
      expect(await state(db, number, ann)).toEqual({ status: 'paid', due: -4258, money: 4258 });
      expect(await state(db, april, ann)).toMatchObject({ status: 'paid', due: 0 });
      // again with the same end: those days are credited already; an earlier end credits the days it adds
      expect(await db.kysely.transaction().execute((trx) => creditUnusedDays(trx, membership, '2026-03-20', '2026-04-02', source))).toEqual([]);
      const earlier = await db.kysely.transaction().execute((trx) => creditUnusedDays(trx, membership, '2026-03-18', '2026-04-02', source));
      // 10000 x 2 / 31 = 645.16 -> 645
      expect(earlier.map((c) => [c.invoice, c.days, c.creditNote.net])).toEqual([[number, 2, -645]]);
    });
  });

  it('--credit-unused leaves out the days a pause credits already; a credit line itself is not credited', async () => {
    await withFreshDb(dialect, async (db) => {
      const { membership, number } = await oneLine(db, 10000, '20');
      // March 25 to 31 paused after March was invoiced: 10000 x 7 / 31 = 2258.06 -> a credit of 2258 on the next invoice
      const { adjustments } = await db.kysely.transaction().execute((trx) => pauseMembership(trx, membership, { from: '2026-03-25', to: '2026-03-31', reason: null }, '2026-03-10', source));
      expect(adjustments.map((a) => [a.days, a.quantity])).toEqual([[7, -1]]);
      const credits = await db.kysely.transaction().execute((trx) => creditUnusedDays(trx, membership, '2026-03-20', '2026-03-21', source));
      // 11 days after the 20th, 7 of them paused: 4 days, 10000 x 4 / 31 = 1290.32 -> 1290; with the pause, 3548 for the 11 days
      expect(credits.map((c) => [c.invoice, c.days, c.creditNote.net])).toEqual([[number, 4, -1290]]);

      const april = (await bill(db, '2026-04-01')).invoices[0]!.number!;
      const invoice = await requireInvoice(db.kysely, april);
      const lines = await creditableLines(db.kysely, invoice.id);
      const creditLine = lines.findIndex((l) => l.line.net < 0) + 1;
      expect(lines[creditLine - 1]!.line.net).toBe(-2258);
      const refusal = await refused(credit(db, april, { line: creditLine, amount: '1' }, '2026-04-02'));
      expect(refusal.exitCode).toBe(65);
      expect(refusal.message).toBe(`line ${creditLine} of invoice ${april} is itself a credit (-22.58 EUR): there is nothing on it to credit`);
    });
  });

  it('a discounted line: --days credits its daily rate after the discount, a void carries the discount back; both validate', async () => {
    await withFreshDb(dialect, async (db) => {
      await setIdentity(db.kysely, identity, source);
      const plan = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const ann = await addPerson(db.kysely, 'Ann');
      const membership = await subscribe(db.kysely, ann, plan, { startDate: '2026-03-01' });
      await db.kysely.transaction().execute(async (trx) => {
        const m = await trx.selectFrom('memberships').select(['id', 'member_id']).where('id', '=', membership).executeTakeFirstOrThrow();
        await setDiscount(trx, m, { value: parseDiscount('15%', 'EUR')!, periods: null, reason: 'early bird' }, 'EUR', source);
      });
      const number = (await bill(db, '2026-03-01')).invoices[0]!.number!;
      // 10000 less 15% = 8500 net; 10 of 31 days: 8500 x 10 / 31 = 2741.94 -> 2742, tax 548.4 -> 548
      const part = await credit(db, number, { line: 1, days: 10 });
      expect([part.net, part.tax]).toEqual([-2742, -548]);
      const partial = await loadInvoiceDocument(db.kysely, part.number);
      expect(partial.lines.map((l) => [l.net, l.tax, l.discount])).toEqual([[2742, 548, null]]);
      const { creditNote } = await db.kysely.transaction().execute((trx) => voidInvoice(trx, number, 'billed twice', '2026-03-06', source));
      // what is left: 8500 - 2742 = 5758 net, 1700 - 548 = 1152 tax
      expect([creditNote.net, creditNote.tax]).toEqual([-5758, -1152]);
      const rest = await loadInvoiceDocument(db.kysely, creditNote.number);
      expect(rest.lines.map((l) => [l.net, l.tax])).toEqual([[5758, 1152]]);
      for (const doc of [partial, rest]) {
        expect(validateEn16931(writeCii(doc), 'cii'), doc.number).toEqual([]);
        expect(validateEn16931(writeUbl(doc), 'ubl'), doc.number).toEqual([]);
      }
      // a void without a partial credit before it shows the line as invoiced, its discount included
      const plain = (await bill(db, '2026-04-01')).invoices[0]!.number!;
      const whole = await db.kysely.transaction().execute((trx) => voidInvoice(trx, plain, 'billed twice', '2026-04-02', source));
      const voided = await loadInvoiceDocument(db.kysely, whole.creditNote.number);
      expect(voided.lines.map((l) => [l.net, l.discount?.amount])).toEqual([[8500, 1500]]);
      expect(validateEn16931(writeCii(voided), 'cii')).toEqual([]);
      expect(validateEn16931(writeUbl(voided), 'ubl')).toEqual([]);
    });
  });
});
