import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { runCli, startCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir, withFreshDb } from '../helpers/db.js';
import { fatalAsserts, validateCiiSchema, xpathValues } from '../helpers/einvoice.js';
import { noStackTrace, runExpecting } from '../helpers/errors.js';
import { facturxProblems, readFacturx } from '../helpers/facturx.js';
import { PdfProbe } from '../helpers/poppler.js';
import { gapless } from '../db/invoicing-fixtures.js';
import { at, seedMembers, seedMemberships, seedPlan } from '../db/people-fixtures.js';

const identity = [
  'org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@lumiere.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP',
  // the deposit is not taxed: its documents say why
  '--vat-exemption', 'Dépôt de garantie non soumis à la TVA',
];

const slow = { timeout: 240_000 };

describe.each(dialects)('charges from the built CLI on %s', (dialect) => {
  it('add, list, bill with the next run, refuse removal once billed, invoice a deposit at once and refund it', slow, async () => {
    const db = await freshDbUrl(dialect);
    const ok = (args: string[]) => runExpecting(db, ['--today', '2026-03-01', ...args]);
    await ok(identity);
    await ok(['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
    await ok(['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
    await ok(['memberships', 'add', 'ann@example.org', '--plan', 'Hot Desk', '--start', '2026-03-01']);

    const added = (await ok(['charges', 'add', 'ann@example.org', '--amount', '12,50', '--quantity', '3', '--tax-rate', '20', '--description', 'Meeting room', '--json'])).json();
    expect(added).toMatchObject({ id: 1, member: { name: 'Ann Smith' }, quantity: 3, unitPrice: '12.50', net: '37.50', taxRate: '20', deposit: false, state: 'unbilled', invoice: null, invoiceIssued: null });
    const table = (await ok(['charges', 'list', '--unbilled'])).stdout;
    expect(table).toContain('Meeting room');
    expect(table).toContain('3 x 12.50 EUR');

    const run = (await ok(['invoices', 'run', '--json'])).json();
    expect(run.invoices.map((i: { number: string; total: string }) => [i.number, i.total])).toEqual([['INV-2026-00001', '165.00']]);
    expect((await ok(['invoices', 'run', '--json'])).json().count).toBe(0);
    expect((await ok(['charges', 'list', '--unbilled', '--json'])).json()).toEqual([]);

    const removal = await runExpecting(db, ['charges', 'remove', '1'], 65);
    expect(removal.stderr).toContain('charge 1 is billed on invoice INV-2026-00001');
    noStackTrace(removal.stderr);
    expect((await runExpecting(db, ['charges', 'add', 'ann@example.org', '--amount', 'abc', '--description', 'x'], 64)).stderr).toContain('--amount');
    expect((await runExpecting(db, ['charges', 'remove', '99'], 65)).stderr).toContain('no charge 99');

    const deposit = (await ok(['charges', 'add', 'ann@example.org', '--amount', '50', '--description', 'Locker key', '--deposit', '--invoice-now', '--json'])).json();
    expect(deposit).toMatchObject({ id: 2, deposit: true, state: 'held', invoice: 'INV-2026-00002', invoiceIssued: { number: 'INV-2026-00002', total: '50.00' } });
    await ok(['payments', 'record', 'INV-2026-00002', '--amount', '50', '--method', 'transfer']);
    const refund = (await runExpecting(db, ['--today', '2026-03-20', 'charges', 'refund', '2', '--json'])).json();
    expect(refund).toMatchObject({ state: 'refunded', creditNote: 'CN-2026-00001', invoice: 'INV-2026-00002' });
    expect((await runExpecting(db, ['charges', 'refund', '2'], 65)).stderr).toContain('already refunded by credit note CN-2026-00001');

    const csv = (await ok(['charges', 'list', '--member', 'ann@example.org', '--format', 'csv'])).stdout.trim().split(/\r?\n/);
    expect(csv[0]).toBe('ID,Member ID,Member,Date,Description,Quantity,Unit price,Currency,Tax rate,Net,Deposit,State,Invoice,Credit note');
    expect(csv.slice(1)).toEqual(['1,1,Ann Smith,2026-03-01,Meeting room,3,12.50,EUR,20,37.50,no,billed,INV-2026-00001,', '2,1,Ann Smith,2026-03-01,Locker key,1,50.00,EUR,0,50.00,yes,refunded,INV-2026-00002,CN-2026-00001']);

    const history = (await ok(['members', 'history', 'ann@example.org'])).stdout;
    expect(history).toContain('charge 1 added for');
    expect(history).toContain('charge 1 (Meeting room) billed on INV-2026-00001');
    expect(history).toContain('deposit 2 (Locker key) refunded by credit note CN-2026-00001');

    // the documents: the charge line says quantity x unit price; e-invoices valid by the official EN 16931 rules
    const dir = tempDir();
    await ok(['invoices', 'einvoice', 'INV-2026-00001', 'CN-2026-00001', '--format', 'facturx', '-o', dir]);
    await ok(['invoices', 'einvoice', 'INV-2026-00001', 'CN-2026-00001', '--format', 'cii', '-o', dir]);
    const ubl = tempDir();
    await ok(['invoices', 'einvoice', 'INV-2026-00001', 'CN-2026-00001', '--format', 'ubl', '-o', ubl]);
    for (const number of ['INV-2026-00001', 'CN-2026-00001']) {
      expect(fatalAsserts(fs.readFileSync(path.join(ubl, `${number}.xml`), 'utf8'), 'ubl'), `${number} (UBL)`).toEqual([]);
      const reading = readFacturx(fs.readFileSync(path.join(dir, `${number}.pdf`)));
      expect(facturxProblems(reading), number).toEqual([]);
      const xml = fs.readFileSync(path.join(dir, `${number}.xml`), 'utf8');
      expect(fatalAsserts(xml, 'cii'), number).toEqual([]);
      expect(validateCiiSchema(xml)).toEqual({ valid: true, errors: [] });
    }
    const invoiceXml = fs.readFileSync(path.join(dir, 'INV-2026-00001.xml'), 'utf8');
    const names = xpathValues(invoiceXml, '//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:Name');
    expect(names).toHaveLength(2);
    expect(names[1]).toBe('Meeting room — 3 × 12,50\u00a0EUR — 1\u00a0mars\u00a02026');
    const noteXml = fs.readFileSync(path.join(dir, 'CN-2026-00001.xml'), 'utf8');
    expect(xpathValues(noteXml, '//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount')).toEqual(['50.00']);
    const pdf = new PdfProbe(fs.readFileSync(path.join(dir, 'INV-2026-00001.pdf'))).text().replace(/\s+/g, ' ');
    expect(pdf).toContain('Meeting room — 3 × 12,50 EUR');
  });
});

const asOf = '2026-03-01';

/** `count` members on a monthly plan from 2026-01-01 (three periods due), every third with a charge of 3 x 12.50 at 20%. */
async function seedWithCharges(db: Db, count: number): Promise<{ charges: number }> {
  const k = db.kysely;
  const plan = await seedPlan(k, 'Desk', 1000);
  const ids = await seedMembers(k, count);
  await seedMemberships(k, ids, plan, { first_recurring_date: '2026-01-01' });
  const charged = ids.filter((_, i) => i % 3 === 0);
  for (let i = 0; i < charged.length; i += 500) {
    const rows = charged.slice(i, i + 500).map((id) => ({ member_id: id, description: 'Meeting room', quantity: 3, unit_price: 1250, currency: 'EUR', tax_rate: '20', date: '2026-02-15', deposit: 0 as const, created_at: at }));
    await k.insertInto('charges').values(rows).execute();
  }
  return { charges: charged.length };
}

/** Every charge is on at most one line; every invoice's lines add up to it and numbers have no gap. */
async function expectChargesOnce(db: Db): Promise<{ invoices: number; billedCharges: number }> {
  const k = db.kysely;
  const numbers = (await k.selectFrom('invoices').select('number').execute()).map((r) => r.number);
  expect(gapless(numbers)).toBe(true);
  const sums = await k
    .selectFrom('invoices as i')
    .innerJoin('invoice_lines as l', 'l.invoice_id', 'i.id')
    .select(['i.number', 'i.total', (eb) => eb.fn.sum<number>('l.total').as('lines')])
    .groupBy(['i.number', 'i.total'])
    .execute();
  expect(sums.filter((r) => Number(r.lines) !== r.total)).toEqual([]);
  const perCharge = await k
    .selectFrom('charges as c')
    .leftJoin('invoice_lines as l', 'l.charge_id', 'c.id')
    .select(['c.id', (eb) => eb.fn.count<number>('l.id').as('lines')])
    .groupBy('c.id')
    .execute();
  expect(perCharge.filter((c) => Number(c.lines) > 1)).toEqual([]);
  // a payer's charge is on the invoice that billed their periods: the same transaction
  const apart = await k
    .selectFrom('invoice_lines as l')
    .innerJoin('charges as c', 'c.id', 'l.charge_id')
    .select('l.invoice_id')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('invoice_lines as p').select('p.id').whereRef('p.invoice_id', '=', 'l.invoice_id').where('p.membership_id', 'is not', null))))
    .execute();
  expect(apart).toEqual([]);
  return { invoices: numbers.length, billedCharges: perCharge.filter((c) => Number(c.lines) === 1).length };
}

const invoiceCount = async (db: Db) => Number((await db.kysely.selectFrom('invoices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe.each(dialects)('invoicing with charges pending on %s', (dialect) => {
  it('a run killed with SIGKILL half-way with charges pending: the rerun bills each charge exactly once', slow, async () => {
    await withFreshDb(dialect, async (db, url) => {
      const { charges } = await seedWithCharges(db, 1200);
      const run = startCli(['--today', asOf, 'invoices', 'run', '--batch-size', '5'], { db: url });
      const deadline = Date.now() + 60_000;
      while ((await invoiceCount(db)) < 50) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 10));
      }
      run.child.kill('SIGKILL');
      expect(await run.exit).toBeNull();

      const partial = await expectChargesOnce(db);
      expect(partial.invoices).toBeGreaterThanOrEqual(50);
      expect(partial.invoices).toBeLessThan(1200);
      expect(partial.billedCharges).toBeLessThan(charges);

      const rerun = await runCli(['--today', asOf, 'invoices', 'run', '--json'], { db: url });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.json().count).toBe(1200 - partial.invoices);
      expect(await expectChargesOnce(db)).toEqual({ invoices: 1200, billedCharges: charges });
      // three periods of 10.00 + 20% = 36.00, and 3 x 12.50 + 20% = 45.00 for those with a charge
      const totals = await db.kysely.selectFrom('invoices').select('total').execute();
      expect(totals.filter((t) => t.total === 8100)).toHaveLength(charges);
      expect(totals.filter((t) => t.total === 3600)).toHaveLength(1200 - charges);
      expect((await runCli(['--today', asOf, 'invoices', 'run', '--json'], { db: url })).json().count).toBe(0);
    });
  });
});
