import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importStatement, type StatementImportOptions } from '../../src/core/bank/statement-import.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import { addMember } from '../../src/core/people/members.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { openStatement } from '../../src/importers/bank/open-statement.js';
import { camt, frenchCsv, ofx, type TestEntry } from '../helpers/bank.js';
import { dialects, freshDb, tempDir } from '../helpers/db.js';
import { at, source } from './people-fixtures.js';

const options = (more: Partial<StatementImportOptions> = {}): StatementImportOptions => ({ asOf: '2026-03-01', dryRun: false, acceptSuggested: false, source, ...more });

/** Four payers with one open invoice of 100.00 EUR each, INV-2026-00001 to 00004, dated 2026-01-01. */
async function invoices(db: Db) {
  const k = db.kysely;
  const names = ['Jean Dupont', 'Marie Curie', 'Paul Martin', 'Léa Ørsted'];
  for (const [i, name] of names.entries()) {
    const member = (await addMember(k, { name }, source)).member;
    await k
      .insertInto('invoices')
      .values({ number: `INV-2026-0000${i + 1}`, date: '2026-01-01', due_date: '2026-01-15', payer_id: member.id, payer_name: name, currency: 'EUR', net: 10_000, tax: 0, total: 10_000, status: 'open', created_at: at })
      .execute();
  }
}

/** The matching table: one entry of each kind. */
const table: TestEntry[] = [
  // the exact number
  { date: '2026-01-05', amount: '100.00', reference: 'R1', remittance: 'INV-2026-00001', debtor: 'DUPONT JEAN' },
  // a mistyped number, and only part of what is due
  { date: '2026-01-06', amount: '40.00', reference: 'R2', remittance: 'fact inv 2026 2', debtor: 'Marie Curie' },
  // the amount and the name only
  { date: '2026-01-07', amount: '100.00', reference: 'R3', remittance: 'Cotisation janvier', debtor: 'M. PAUL MARTIN' },
  // an overpayment
  { date: '2026-01-08', amount: '130.00', reference: 'R4', remittance: 'INV2026-00004 merci', debtor: 'Lea Orsted' },
  // nobody's
  { date: '2026-01-09', amount: '33.00', reference: 'R5', remittance: 'Remboursement', debtor: 'Inconnu' },
  // a debit: counted, left alone
  { date: '2026-01-09', amount: '15.00', credit: false, reference: 'R6', remittance: 'Frais bancaires' },
  // the first entry again, in the same statement
  { date: '2026-01-05', amount: '100.00', reference: 'R1', remittance: 'INV-2026-00001', debtor: 'DUPONT JEAN' },
];

function write(dir: string, name: string, text: string, encoding: BufferEncoding = 'utf8') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, encoding);
  return file;
}

const statuses = (result: { entries: Array<{ status: string; invoice: string | null }> }) => result.entries.map((e) => [e.status, e.invoice]);

describe.each(dialects)('bank statements on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());
  const run = (file: string, more: Partial<StatementImportOptions> = {}) => importStatement(db, () => openStatement(file, { currency: 'EUR' }), options(more));
  const invoice = (number: string) => db.kysely.selectFrom('invoices').selectAll().where('number', '=', number).executeTakeFirstOrThrow();
  const creditOf = async (number: string) =>
    Number((await db.kysely.selectFrom('ledger_entries as l').innerJoin('invoices as i', 'i.id', 'l.invoice_id').select((eb) => eb.fn.sum<number>('l.amount').as('s')).where('i.number', '=', number).where('l.kind', '=', 'overpayment').executeTakeFirst())?.s ?? 0);

  it('matches each credit to the invoice it names, suggests by amount and name, leaves debits alone; the same statement again records nothing twice', async () => {
    db = await freshDb(dialect);
    await invoices(db);
    const dir = tempDir();
    const file = write(dir, 'releve.xml', camt(table));
    const first = await run(file);
    expect(statuses(first)).toEqual([
      ['matched', 'INV-2026-00001'],
      ['matched', 'INV-2026-00002'],
      ['suggested', 'INV-2026-00003'],
      ['matched', 'INV-2026-00004'],
      ['unmatched', null],
      ['debit', null],
      ['duplicate', null],
    ]);
    expect(first.counts).toEqual({ matched: 3, suggested: 1, unmatched: 1, duplicate: 1, debit: 1, returned: 0 });
    expect((await invoice('INV-2026-00001')).status).toBe('paid');
    expect((await invoice('INV-2026-00002')).status).toBe('open');
    expect((await invoice('INV-2026-00003')).status).toBe('open');
    expect((await invoice('INV-2026-00004')).status).toBe('paid');
    // what was paid beyond the total is the payer's credit
    expect(await creditOf('INV-2026-00004')).toBe(3000);
    const payments = await db.kysely.selectFrom('payments').select(['amount', 'method', 'reference', 'date']).orderBy('id').execute();
    expect(payments).toEqual([
      { amount: 10_000, method: 'transfer', reference: 'R1', date: '2026-01-05' },
      { amount: 4000, method: 'transfer', reference: 'R2', date: '2026-01-06' },
      { amount: 13_000, method: 'transfer', reference: 'R4', date: '2026-01-08' },
    ]);
    expect(await db.kysely.selectFrom('bank_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: expect.anything() });
    expect(Number((await db.kysely.selectFrom('bank_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(6);

    const again = await run(file);
    expect(again.counts).toEqual({ matched: 0, suggested: 1, unmatched: 0, duplicate: 6, debit: 0, returned: 0 });
    expect(Number((await db.kysely.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(3);

    // the suggestion stays pending: accepted on the next import, it is paid
    const accepted = await run(file, { acceptSuggested: true });
    expect(accepted.entries[2]).toMatchObject({ status: 'matched', invoice: 'INV-2026-00003' });
    expect((await invoice('INV-2026-00003')).status).toBe('paid');
    const fourth = await run(file, { acceptSuggested: true });
    expect(fourth.counts.duplicate).toBe(7);
  });

  it('many credits of one amount without an invoice number: each suggested to the payer it names or whose IBAN it is, none where two payers fit', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const firsts = ['Adèle', 'Bernard', 'Camille', 'Damien', 'Éloïse', 'Fabrice', 'Gaston', 'Hortense', 'Isidore', 'Juliette', 'Kévin', 'Laurence'];
    const lasts = ['Lefebvre', 'Moreau', 'Girard', 'Rousseau', 'Bonnet', 'Chevalier', 'Fontaine', 'Mercier', 'Blanchard', 'Ouattara', 'Nguyen', 'Schmidt'];
    // 144 payers, and two whose names are a typo apart
    const names = [...firsts.flatMap((f) => lasts.map((l) => `${f} ${l}`)), 'Jean Dupont', 'Jean Dupond'];
    const ids = new Map<string, number>();
    for (const [i, name] of names.entries()) {
      const member = (await addMember(k, { name }, source)).member;
      ids.set(name, member.id);
      await k
        .insertInto('invoices')
        .values({ number: `INV-2026-${String(i + 1).padStart(5, '0')}`, date: '2026-01-01', due_date: '2026-01-15', payer_id: member.id, payer_name: name, currency: 'EUR', net: 4990, tax: 0, total: 4990, status: 'open', created_at: at })
        .execute();
    }
    // the IBAN of a mandate names its payer, whatever the debtor's name
    await k
      .insertInto('sepa_mandates')
      .values({ member_id: ids.get('Juliette Schmidt')!, reference: 'M-1', iban: 'DE89370400440532013000', bic: null, scheme: 'core', signed_on: '2025-12-01', status: 'active', revoked_on: null, revoke_reason: null, created_at: at, updated_at: at })
      .execute();
    const numberOf = (name: string) => `INV-2026-${String(names.indexOf(name) + 1).padStart(5, '0')}`;
    const debtorOf = (name: string, i: number) => {
      const [first, last] = name.split(' ') as [string, string];
      // as banks write them: surname first in capitals, a civility, or a typo
      return i % 3 === 0 ? `${last.toUpperCase()} ${first.toUpperCase()}` : i % 3 === 1 ? `M. ${first} ${last}` : `${first} ${last.slice(0, -1)}${last.endsWith('e') ? 'a' : 'e'}`;
    };
    const people = names.slice(0, 144).filter((n) => n !== 'Juliette Schmidt');
    const entries: TestEntry[] = people.map((name, i) => ({ date: '2026-01-10', amount: '49.90', reference: `N${i}`, remittance: 'Cotisation', debtor: debtorOf(name, i) }));
    entries.push({ date: '2026-01-10', amount: '49.90', reference: 'IBAN', remittance: 'Cotisation', debtor: 'J. S.', debtorIban: 'DE89370400440532013000' });
    entries.push({ date: '2026-01-10', amount: '49.90', reference: 'TWO', remittance: 'Cotisation', debtor: 'DUPONT JEAN' });
    entries.push({ date: '2026-01-10', amount: '49.90', reference: 'NONE', remittance: 'Cotisation', debtor: 'Quelqu’un d’autre' });
    const file = write(tempDir(), 'many.xml', camt(entries));
    const result = await run(file);
    expect(result.counts).toEqual({ matched: 0, suggested: people.length + 1, unmatched: 2, duplicate: 0, debit: 0, returned: 0 });
    expect(statuses(result)).toEqual([...people.map((name) => ['suggested', numberOf(name)]), ['suggested', numberOf('Juliette Schmidt')], ['unmatched', null], ['unmatched', null]]);
    expect(result.entries[0]!.note).toBe('same amount, from "LEFEBVRE ADÈLE", like Adèle Lefebvre');
    expect(result.entries[people.length]!.note).toBe('same amount, from the IBAN of Juliette Schmidt');
  });

  it('payments written a batch at a time: one invoice paid in two entries, the receipt for the one that pays it, an audit entry each', async () => {
    db = await freshDb(dialect);
    await invoices(db);
    await setSetting(db.kysely, 'mail-receipts', 'on', at);
    const dir = tempDir();
    const file = write(
      dir,
      'two.xml',
      camt([
        { date: '2026-01-05', amount: '60.00', reference: 'S1', remittance: 'INV-2026-00001 acompte', debtor: 'DUPONT JEAN' },
        { date: '2026-01-06', amount: '100.00', reference: 'S2', remittance: 'INV-2026-00002', debtor: 'Marie Curie' },
        { date: '2026-01-07', amount: '50.00', reference: 'S3', remittance: 'INV-2026-00001 solde', debtor: 'DUPONT JEAN' },
        { date: '2026-01-08', amount: '10.00', reference: 'S4', remittance: 'INV-2026-00001 encore', debtor: 'DUPONT JEAN' },
      ]),
    );
    const result = await run(file);
    expect(statuses(result)).toEqual([
      ['matched', 'INV-2026-00001'],
      ['matched', 'INV-2026-00002'],
      ['matched', 'INV-2026-00001'],
      ['unmatched', null],
    ]);
    expect(result.entries[2]!.note).toBe('10.00 EUR beyond the total is credit for Jean Dupont');
    expect(result.entries[3]!.note).toBe('INV-2026-00001 is paid already');
    expect(await creditOf('INV-2026-00001')).toBe(1000);
    const payments = await db.kysely.selectFrom('payments').select(['id', 'amount', 'reference']).orderBy('id').execute();
    expect(payments.map((p) => [p.amount, p.reference])).toEqual([
      [6000, 'S1'],
      [10_000, 'S2'],
      [5000, 'S3'],
    ]);
    expect(result.entries.slice(0, 3).map((e) => e.payment)).toEqual(payments.map((p) => p.id));
    const receipts = await db.kysely.selectFrom('mail_messages as m').innerJoin('invoices as i', 'i.id', 'm.subject_id').select(['i.number', 'm.stage']).where('m.kind', '=', 'receipt').orderBy('i.number').execute();
    expect(receipts).toEqual([
      { number: 'INV-2026-00001', stage: `payment-${payments[2]!.id}` },
      { number: 'INV-2026-00002', stage: `payment-${payments[1]!.id}` },
    ]);
    const audited = await db.kysely.selectFrom('audit_log').select('entity_id').where('entity', '=', 'payments').where('action', '=', 'insert').orderBy('id').execute();
    expect(audited.map((a) => Number(a.entity_id))).toEqual(payments.map((p) => p.id));
    expect((await invoice('INV-2026-00001')).status).toBe('paid');
    expect((await invoice('INV-2026-00002')).status).toBe('paid');
  });

  it('an overlapping second statement records only its new entries; a dry run writes nothing', async () => {
    db = await freshDb(dialect);
    await invoices(db);
    const dir = tempDir();
    await run(write(dir, 'jan.xml', camt(table.slice(0, 2))));
    const feb = write(dir, 'feb.xml', camt([...table.slice(1, 2), { date: '2026-02-02', amount: '60.00', reference: 'R7', remittance: 'INV-2026-00002 solde', debtor: 'Marie Curie' }], { kind: '054', version: 8 }));
    const dry = await run(feb, { dryRun: true });
    expect(statuses(dry)).toEqual([
      ['duplicate', 'INV-2026-00002'],
      ['matched', 'INV-2026-00002'],
    ]);
    expect((await invoice('INV-2026-00002')).status).toBe('open');
    expect(Number((await db.kysely.selectFrom('bank_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(2);
    const real = await run(feb);
    expect(statuses(real)).toEqual(statuses(dry));
    expect((await invoice('INV-2026-00002')).status).toBe('paid');
  });

  it('reads the same entries from CAMT versions .02 to .08, OFX and a French CSV in Windows-1252', async () => {
    const dir = tempDir();
    const files = [
      ...[2, 3, 4, 5, 6, 7, 8].map((v) => write(dir, `camt-${v}.xml`, camt(table, { version: v }))),
      write(dir, 'releve.ofx', ofx(table), 'latin1'),
      write(dir, 'releve.csv', frenchCsv(table), 'latin1'),
    ];
    for (const file of files) {
      db = await freshDb(dialect);
      await invoices(db);
      const result = await run(file);
      // the CSV has no references: its two identical lines are one entry, recorded once, as the others' are by reference
      expect(statuses(result), file).toEqual([
        ['matched', 'INV-2026-00001'],
        ['matched', 'INV-2026-00002'],
        ['suggested', 'INV-2026-00003'],
        ['matched', 'INV-2026-00004'],
        ['unmatched', null],
        ['debit', null],
        ['duplicate', null],
      ]);
      expect(result.entries[3]!.label).toContain('INV2026-00004');
      await db.close();
    }
    db = await freshDb(dialect);
  });

  it('a returned debit cancels the payment it returns and reopens the invoice, with the reason', async () => {
    db = await freshDb(dialect);
    await invoices(db);
    const dir = tempDir();
    await run(write(dir, 'a.xml', camt([{ date: '2026-01-05', amount: '100.00', reference: 'R1', endToEndId: 'E2E-1', remittance: 'INV-2026-00001', debtor: 'Jean Dupont' }])));
    expect((await invoice('INV-2026-00001')).status).toBe('paid');
    const back = await run(write(dir, 'b.xml', camt([{ date: '2026-01-12', amount: '100.00', credit: false, reference: 'R9', endToEndId: 'E2E-1', returnReason: 'AM04', remittance: 'Retour INV-2026-00001' }])));
    expect(back.entries[0]).toMatchObject({ status: 'returned', invoice: 'INV-2026-00001', payment: 1 });
    expect((await invoice('INV-2026-00001')).status).toBe('open');
    const payment = await db.kysely.selectFrom('payments').selectAll().executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ status: 'cancelled', cancel_reason: 'returned by the bank (AM04) on 2026-01-12' });
  });

  it('refuses a statement in another currency, and an unreadable one, naming the file and the element; nothing is half-applied', async () => {
    db = await freshDb(dialect);
    await invoices(db);
    const dir = tempDir();
    const usd = write(dir, 'usd.xml', camt(table.slice(0, 2), { currency: 'USD' }));
    const refused = await run(usd).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).exitCode).toBe(65);
    expect((refused as UserError).message).toMatch(/usd\.xml, line \d+: the statement is in USD, the invoices in EUR/);
    // good entries, then a broken one: the good ones are not applied either
    const broken = write(dir, 'broken.xml', camt(table.slice(0, 2)).replace('<Amt Ccy="EUR">40.00</Amt>', '<Amt Ccy="EUR">40,00</Amt>'));
    const error = await run(broken).catch((e: unknown) => e);
    expect((error as UserError).exitCode).toBe(65);
    expect((error as UserError).message).toMatch(/broken\.xml, line \d+: the <Amt> of <Ntry> is "40,00"/);
    const truncated = write(dir, 'cut.xml', camt(table).slice(0, 1500));
    expect(((await run(truncated).catch((e: unknown) => e)) as UserError).message).toMatch(/cut\.xml, line \d+: not well-formed XML/);
    expect(Number((await db.kysely.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
    expect(Number((await db.kysely.selectFrom('bank_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
  });
});
