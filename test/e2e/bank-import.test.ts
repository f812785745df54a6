import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { camt, type TestEntry } from '../helpers/bank.js';
import { startCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { runExpecting } from '../helpers/errors.js';
import { hasScript, onTerminal } from '../helpers/terminal.js';

const run = runExpecting;

describe.each(dialects)('payments import from the built CLI on %s', (dialect) => {
  it('the SEPA round trip: collect, a CAMT.054 of the collection settles its invoices, a return reopens one', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    await run(db, ['settings', 'set', 'sepa-creditor-id', 'FR72 ZZZ 123456']);
    await run(db, ['org', 'set', '--name', 'Coworking Lumière', '--iban', 'FR76 3000 6000 0112 3456 7890 189']);
    await run(db, ['plans', 'add', 'Hot Desk', '--price', '100']);
    for (const [name, email, iban] of [
      ['Émilie Ørsted', 'em@example.org', 'DE89 3704 0044 0532 0130 00'],
      ['Søren Æbeltoft', 'soren@example.org', 'NL91ABNA0417164300'],
    ]) {
      await run(db, ['members', 'add', '--name', name!, '--email', email!]);
      await run(db, ['--today', '2025-12-20', 'memberships', 'add', email!, '--plan', 'Hot Desk', '--start', '2026-01-01']);
      await run(db, ['--today', '2025-12-20', 'mandates', 'add', email!, '--iban', iban!, '--signed', '2025-12-15']);
    }
    await run(db, ['--today', '2026-01-01', 'invoices', 'run']);
    const pain = path.join(dir, 'collect.xml');
    const collected = (await run(db, ['--json', '--today', '2026-01-02', 'invoices', 'collect', '--sepa', '--collection-date', '2026-01-08', '-o', pain])).json();
    const ids = collected.transactions.map((t: { endToEndId: string }) => t.endToEndId);
    expect(ids).toEqual(['INV-2026-00001', 'INV-2026-00002']);

    // the bank books the collection as one credit of two transactions
    const credit: TestEntry = {
      date: '2026-01-08',
      amount: '200.00',
      reference: 'COLL-1',
      transactions: ids.map((id: string) => ({ amount: '100.00', endToEndId: id, remittance: id })),
    };
    const settled = (await run(db, ['--json', '--today', '2026-01-09', 'payments', 'import', write(dir, 'n1.xml', camt([credit], { kind: '054', version: 4 }))])).json();
    expect(settled.entries.map((e: { status: string; invoice: string }) => [e.status, e.invoice])).toEqual([
      ['matched', 'INV-2026-00001'],
      ['matched', 'INV-2026-00002'],
    ]);
    const items = await run(db, ['--json', 'invoices', 'list']);
    expect(items.json().map((i: { status: string }) => i.status)).toEqual(['paid', 'paid']);

    // Søren's bank returns his debit (AM04: insufficient funds)
    const returned = (
      await run(db, [
        '--json', '--today', '2026-01-12', 'payments', 'import',
        write(dir, 'n2.xml', camt([{ date: '2026-01-12', amount: '100.00', credit: false, reference: 'RET-1', endToEndId: 'INV-2026-00002', returnReason: 'AM04' }], { kind: '053', version: 8 })),
      ])
    ).json();
    expect(returned.entries[0]).toMatchObject({ status: 'returned', invoice: 'INV-2026-00002', amount: '-100.00' });
    expect((await run(db, ['--json', 'invoices', 'show', 'INV-2026-00002'])).json().status).toBe('open');
    const cancelled = (await run(db, ['--json', 'payments', 'list', '--invoice', 'INV-2026-00002'])).json();
    expect(cancelled[0]).toMatchObject({ status: 'cancelled', cancelReason: 'returned by the bank (AM04) on 2026-01-12' });
    // free for the next collection, FRST again since the mandate was never debited
    const next = (await run(db, ['--json', '--today', '2026-01-12', 'invoices', 'collect', '--sepa', '--collection-date', '2026-01-20', '-o', path.join(dir, 'c2.xml')])).json();
    expect(next.transactions.map((t: { invoice: string; sequence: string }) => [t.invoice, t.sequence])).toEqual([['INV-2026-00002', 'FRST']]);
  });

  it('prints the JSON shape, writes the review, refuses bad input with its exit code and no stack trace', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    await run(db, ['plans', 'add', 'Hot Desk', '--price', '100']);
    await run(db, ['members', 'add', '--name', 'Jean Dupont', '--email', 'jean@example.org']);
    await run(db, ['--today', '2025-12-20', 'memberships', 'add', 'jean@example.org', '--plan', 'Hot Desk', '--start', '2026-01-01']);
    await run(db, ['--today', '2026-01-01', 'invoices', 'run']);
    const csv = write(dir, 'releve.csv', 'Date;Libellé;Débit;Crédit\r\n05/01/2026;VIR SEPA DUPONT JEAN FACT INV 2026 1;;100,00\r\n06/01/2026;PRLV FREE MOBILE;-19,99;\r\n', 'latin1');
    const review = path.join(dir, 'revue.xlsx');
    const result = await run(db, ['--json', '--today', '2026-03-01', 'payments', 'import', csv, '--review', review]);
    expect(result.json()).toEqual({
      file: csv,
      format: 'csv',
      dryRun: false,
      entries: [
        { date: '2026-01-05', amount: '100.00', currency: 'EUR', reference: null, label: 'VIR SEPA DUPONT JEAN FACT INV 2026 1', debtor: null, status: 'matched', invoice: 'INV-2026-00001', payment: 1, note: null },
        { date: '2026-01-06', amount: '-19.99', currency: 'EUR', reference: null, label: 'PRLV FREE MOBILE', debtor: null, status: 'debit', invoice: null, payment: null, note: null },
      ],
      counts: { matched: 1, suggested: 0, unmatched: 0, duplicate: 0, debit: 1, returned: 0 },
    });
    expect(fs.readFileSync(review).subarray(0, 2).toString()).toBe('PK');
    const human = await run(db, ['--today', '2026-03-01', 'payments', 'import', csv]);
    expect(human.stdout).toContain('0 matched, 0 suggested, 0 unmatched, 2 already imported');

    const bad = await run(db, ['payments', 'import', write(dir, 'bad.csv', 'Date;Libellé;Crédit\n32/01/2026;x;10,00\n')], 65);
    expect(bad.stderr).toContain('bad.csv, row 2, Date: "32/01/2026" is not a date');
    await run(db, ['payments', 'import', path.join(dir, 'missing.xml')], 66);
    await run(db, ['payments', 'import', csv, '--format', 'mt940'], 64);
    await run(db, ['payments', 'import', csv, '--review', path.join(dir, 'r.pdf')], 64);
  });

  it.skipIf(!hasScript)('at a terminal, each suggestion is asked: the one confirmed is paid, the one refused stays suggested for a later import', { timeout: 60_000 }, async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    await run(db, ['plans', 'add', 'Hot Desk', '--price', '100']);
    for (const [name, email] of [
      ['Jean Dupont', 'jean@example.org'],
      ['Marie Curie', 'marie@example.org'],
    ]) {
      await run(db, ['members', 'add', '--name', name!, '--email', email!]);
      await run(db, ['--today', '2025-12-20', 'memberships', 'add', email!, '--plan', 'Hot Desk', '--start', '2026-01-01']);
    }
    await run(db, ['--today', '2026-01-01', 'invoices', 'run']);
    // no invoice number: the amount due and the debtor's name only
    const file = write(
      dir,
      'releve.xml',
      camt([
        { date: '2026-01-05', amount: '100.00', reference: 'T1', remittance: 'Cotisation janvier', debtor: 'M. JEAN DUPONT' },
        { date: '2026-01-06', amount: '100.00', reference: 'T2', remittance: 'Cotisation', debtor: 'CURIE MARIE' },
      ]),
    );
    const asked = await onTerminal(['--db', db, '--today', '2026-02-01', 'payments', 'import', file], [
      [/Jean Dupont.*\?/s, 'y\r'],
      [/Marie Curie.*\?/s, 'n\r'],
    ]);
    expect(asked.code, asked.output).toBe(0);
    expect(asked.output).toContain('1 matched, 1 suggested');
    const payments = (await run(db, ['--json', 'payments', 'list'])).json();
    expect(payments.map((p: { invoice: string; reference: string }) => [p.invoice, p.reference])).toEqual([['INV-2026-00001', 'T1']]);
    // the refused one is suggested again, and applied when accepted
    const later = (await run(db, ['--json', '--today', '2026-02-01', 'payments', 'import', file, '--accept-suggested'])).json();
    expect(later.entries.map((e: { status: string; invoice: string }) => [e.status, e.invoice])).toEqual([
      ['duplicate', 'INV-2026-00001'],
      ['matched', 'INV-2026-00002'],
    ]);
  });

  it('killed at moments during an import of 10,000 entries, it applied all or nothing; the rerun records everything once', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    await run(db, ['plans', 'add', 'Hot Desk', '--price', '100']);
    await run(db, ['members', 'add', '--name', 'Jean Dupont', '--email', 'jean@example.org']);
    await run(db, ['--today', '2025-12-20', 'memberships', 'add', 'jean@example.org', '--plan', 'Hot Desk', '--start', '2026-01-01']);
    await run(db, ['--today', '2026-01-01', 'invoices', 'run']);
    const entries: TestEntry[] = Array.from({ length: 10_000 }, (_, i) => ({ date: '2026-01-05', amount: '1.00', reference: `K${i}`, remittance: i === 0 ? 'INV-2026-00001' : `don ${i}`, debtor: 'Anonyme' }));
    const file = write(dir, 'big.xml', camt(entries));
    const importing = ['--today', '2026-03-01', 'payments', 'import', file];
    let killed = 0;
    let committed = false;
    for (const delay of [300, 600, 900, 1200, 1500, 1800]) {
      const { child, exit } = startCli(importing, { db });
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      const code = await exit;
      // what is recorded: nothing of the statement, or all of it
      const seen = (await run(db, ['--json', ...importing, '--dry-run'])).json();
      expect([0, 10_000]).toContain(seen.counts.duplicate);
      expect((await run(db, ['--json', 'payments', 'list'])).json()).toHaveLength(seen.counts.duplicate === 0 ? 0 : 1);
      if (code === null && seen.counts.duplicate === 0) killed += 1;
      if (seen.counts.duplicate === 10_000) {
        committed = true;
        break;
      }
    }
    expect(killed).toBeGreaterThan(0);
    const rerun = (await run(db, ['--json', ...importing])).json();
    expect(rerun.counts).toEqual(committed ? { matched: 0, suggested: 0, unmatched: 0, duplicate: 10_000, debit: 0, returned: 0 } : { matched: 1, suggested: 0, unmatched: 9999, duplicate: 0, debit: 0, returned: 0 });
    const again = (await run(db, ['--json', ...importing])).json();
    expect(again.counts.duplicate).toBe(10_000);
    expect((await run(db, ['--json', 'payments', 'list'])).json().length).toBe(1);
  }, 180_000);
});

function write(dir: string, name: string, text: string, encoding: BufferEncoding = 'utf8') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, encoding);
  return file;
}
