import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeCollectionItem, findPendingCollection } from '../../src/core/sepa/collect.js';
import { openDb } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { noStackTrace, runExpecting } from '../helpers/errors.js';
import { epcRuleViolations, painTransactions, painValues, validatePain008 } from '../helpers/sepa.js';

const run = runExpecting;

/** The file, checked against the official schema and the EPC rules the schema does not hold. */
function checkedFile(file: string): string {
  const xml = fs.readFileSync(file, 'utf8');
  expect(validatePain008(xml)).toEqual({ valid: true, errors: [] });
  expect(epcRuleViolations(xml)).toEqual([]);
  return xml;
}

/**
 * An organisation set up for SEPA, three payers billed on 2026-01-01 (INV-2026-00001 to 00003): Émilie (a CORE
 * mandate, also paying for Bob), Søren's company account (B2B, with a BIC) and Carla (no mandate).
 */
async function organisation(dialect: (typeof dialects)[number]) {
  const db = await freshDbUrl(dialect);
  const dir = tempDir();
  await run(db, ['settings', 'set', 'sepa-creditor-id', 'FR72 ZZZ 123456']);
  await run(db, ['org', 'set', '--name', 'Coworking Lumière & Co', '--iban', 'FR76 3000 6000 0112 3456 7890 189', '--bic', 'BNPAFRPP']);
  await run(db, ['plans', 'add', 'Hot Desk', '--price', '100']);
  await run(db, ['members', 'add', '--name', 'Émilie Ørsted-Müller', '--email', 'em@example.org']);
  await run(db, ['members', 'add', '--name', 'Bob', '--paid-by', 'em@example.org']);
  await run(db, ['members', 'add', '--name', 'Søren Æbeltoft «Strauß»', '--email', 'soren@example.org']);
  await run(db, ['members', 'add', '--name', 'Carla', '--email', 'carla@example.org']);
  for (const who of ['em@example.org', 'Bob', 'soren@example.org', 'carla@example.org']) {
    await run(db, ['--today', '2025-12-20', 'memberships', 'add', who, '--plan', 'Hot Desk', '--start', '2026-01-01']);
  }
  await run(db, ['--today', '2026-01-01', 'invoices', 'run']);
  await run(db, ['--today', '2025-12-20', 'mandates', 'add', 'em@example.org', '--iban', 'DE89 3704 0044 0532 0130 00', '--signed', '2025-12-15']);
  await run(db, [
    '--today', '2025-12-20', 'mandates', 'add', 'soren@example.org', '--iban', 'NL91ABNA0417164300', '--bic', 'ABNANL2A',
    '--reference', 'SOREN-B2B-1', '--scheme', 'b2b', '--signed', '2025-12-16',
  ]);
  return { db, dir };
}

describe.each(dialects)('SEPA Direct Debit from the built CLI on %s', (dialect) => {
  it('adds, lists, shows and revokes mandates; refuses a bad IBAN (64), a member paid by another and a second active mandate (65)', async () => {
    const db = await freshDbUrl(dialect);
    await run(db, ['members', 'add', '--name', 'Ann', '--email', 'ann@example.org']);
    await run(db, ['members', 'add', '--name', 'Kid', '--paid-by', 'ann@example.org']);
    const t = ['--today', '2026-01-10'];

    const badIban = await run(db, [...t, 'mandates', 'add', 'ann@example.org', '--iban', 'DE89370400440532013001', '--signed', '2026-01-05'], 64);
    expect(badIban.stderr).toContain('--iban: "DE89370400440532013001": not a valid IBAN: its check digits do not match');
    const future = await run(db, [...t, 'mandates', 'add', 'ann@example.org', '--iban', 'DE89370400440532013000', '--signed', '2026-01-11'], 64);
    expect(future.stderr).toContain('--signed: 2026-01-11 is after today (2026-01-10)');
    const badReference = await run(db, [...t, 'mandates', 'add', 'ann@example.org', '--iban', 'DE89370400440532013000', '--signed', '2026-01-05', '--reference', 'MANDAT Nº1'], 64);
    expect(badReference.stderr).toContain('--reference: "MANDAT Nº1"');
    const badScheme = await run(db, [...t, 'mandates', 'add', 'ann@example.org', '--iban', 'DE89370400440532013000', '--signed', '2026-01-05', '--scheme', 'cor'], 64);
    expect(badScheme.stderr).toContain('--scheme: "cor" is not a scheme; use core or b2b');
    const paidByAnother = await run(db, [...t, 'mandates', 'add', 'Kid', '--iban', 'DE89370400440532013000', '--signed', '2026-01-05'], 65);
    expect(paidByAnother.stderr).toContain('#2 Kid is paid by #1 Ann <ann@example.org>: a mandate belongs to the payer');
    expect((await run(db, ['mandates', 'list', '--json'])).json()).toEqual([]);

    const added = (await run(db, [...t, 'mandates', 'add', 'ann@example.org', '--iban', 'de89 3704 0044 0532 0130 00', '--signed', '2026-01-05', '--json'])).json();
    expect(added).toEqual({
      reference: 'MND-000001-01',
      payer: { id: 1, name: 'Ann' },
      iban: 'DE89370400440532013000',
      bic: null,
      scheme: 'core',
      signedOn: '2026-01-05',
      status: 'active',
      revokedOn: null,
      revokeReason: null,
      lastCollection: null,
      expiresOn: '2029-01-04',
      collections: 0,
      nextSequence: 'FRST',
    });
    const second = await run(db, [...t, 'mandates', 'add', 'Ann', '--iban', 'NL91ABNA0417164300', '--signed', '2026-01-06'], 65);
    expect(second.stderr).toContain('already has the active mandate MND-000001-01');
    expect((await run(db, [...t, 'mandates', 'show', 'mnd-000001-01', '--json'])).json()).toEqual(added);
    expect((await run(db, [...t, 'mandates', 'show', 'MND-000001-1'], 65)).stderr).toContain('closest: MND-000001-01');

    const revoked = (await run(db, [...t, 'mandates', 'revoke', 'MND-000001-01', '--reason', 'cancelled by Ann', '--json'])).json();
    expect(revoked).toMatchObject({ status: 'revoked', revokedOn: '2026-01-10', revokeReason: 'cancelled by Ann', expiresOn: null });
    expect((await run(db, [...t, 'mandates', 'revoke', 'MND-000001-01'], 65)).stderr).toContain('mandate MND-000001-01 was revoked on 2026-01-10 (cancelled by Ann)');
    // once revoked, a new one can be signed, with a reference of its own
    const renewed = (await run(db, [...t, 'mandates', 'add', '1', '--iban', 'NL91ABNA0417164300', '--bic', 'ABNANL2A', '--scheme', 'B2B', '--signed', '2026-01-10', '--json'])).json();
    expect(renewed).toMatchObject({ reference: 'MND-000001-02', bic: 'ABNANL2A', scheme: 'b2b', status: 'active' });
    const taken = await run(db, [...t, 'mandates', 'add', 'Kid', '--iban', 'NL91ABNA0417164300', '--signed', '2026-01-10'], 65);
    expect(taken.stderr).toContain('is paid by');

    const list = await run(db, [...t, 'mandates', 'list', '--json']);
    expect(list.json().map((m: { reference: string; status: string }) => [m.reference, m.status])).toEqual([
      ['MND-000001-01', 'revoked'],
      ['MND-000001-02', 'active'],
    ]);
    expect((await run(db, [...t, 'mandates', 'list', '--status', 'revoked', '--json'])).json()).toHaveLength(1);
    expect((await run(db, [...t, 'mandates', 'list'])).stdout).toMatch(/MND-000001-02\s+Ann\s+NL91ABNA0417164300\s+b2b\s+2026-01-10\s+FRST\s+active/);
  });

  it('writes a pain.008 that the official schema accepts: FRST first, transliterated names, what is still due; then RCUR, and never an invoice twice', async () => {
    const { db, dir } = await organisation(dialect);
    await run(db, ['--today', '2026-01-02', 'payments', 'record', 'INV-2026-00002', '--amount', '40', '--method', 'cash']);
    const first = path.join(dir, 'collection-1.xml');
    const result = (await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', first, '--collection-date', '2026-01-05', '--json'])).json();
    expect(result).toMatchObject({
      file: first,
      dryRun: false,
      collectionDate: '2026-01-05',
      currency: 'EUR',
      total: '260.00',
      counts: { transactions: 2, FRST: 2, RCUR: 0 },
      problems: [],
    });
    expect(result.messageId).toMatch(/^MCTL-\d{14}-[0-9a-f]{8}$/);
    const xml = checkedFile(first);
    expect(fs.statSync(first).mode & 0o777).toBe(0o600);
    expect(painTransactions(xml)).toEqual([
      // Bob's line is on the invoice Émilie pays: one transaction per invoice, on the payer's mandate
      { endToEndId: 'INV-2026-00001', amount: '200.00', mandate: 'MND-000001-01', debtor: 'Emilie Orsted-Muller', iban: 'DE89370400440532013000', remittance: 'INV-2026-00001', scheme: 'CORE', sequence: 'FRST' },
      // 100 less the 40 paid in cash
      { endToEndId: 'INV-2026-00002', amount: '60.00', mandate: 'SOREN-B2B-1', debtor: "Soren AEbeltoft 'Strauss'", iban: 'NL91ABNA0417164300', remittance: 'INV-2026-00002', scheme: 'B2B', sequence: 'FRST' },
    ]);
    expect(painValues(xml, '//p:Cdtr/p:Nm | //p:InitgPty/p:Nm')).toEqual(['Coworking Lumiere + Co', 'Coworking Lumiere + Co', 'Coworking Lumiere + Co']);
    expect(painValues(xml, '//p:CdtrSchmeId//p:Othr/p:Id')).toEqual(['FR72ZZZ123456', 'FR72ZZZ123456']);
    expect(painValues(xml, '//p:ReqdColltnDt')).toEqual(['2026-01-05', '2026-01-05']);
    expect(painValues(xml, '//p:DbtrAgt//p:BIC | //p:DbtrAgt//p:Othr/p:Id')).toEqual(['NOTPROVIDED', 'ABNANL2A']);

    // the same invoices are being collected: a second file has nothing, and is not written
    const again = path.join(dir, 'collection-2.xml');
    const nothing = await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', again, '--collection-date', '2026-01-06', '--json']);
    expect(nothing.json()).toMatchObject({ file: null, counts: { transactions: 0 }, transactions: [] });
    expect(nothing.stderr).toContain('Nothing to collect');
    expect(fs.existsSync(again)).toBe(false);
    const shown = (await run(db, ['--today', '2026-01-02', 'mandates', 'show', 'MND-000001-01', '--json'])).json();
    expect(shown).toMatchObject({ lastCollection: '2026-01-05', collections: 1, nextSequence: 'RCUR', expiresOn: '2029-01-04' });

    // next month: only the new invoices, RCUR; Carla has no mandate and is never in a file
    await run(db, ['--today', '2026-02-01', 'invoices', 'run']);
    const next = path.join(dir, 'collection-3.xml');
    const human = await run(db, ['--today', '2026-02-02', 'invoices', 'collect', '--sepa', '-o', next, '--collection-date', '2026-02-03']);
    expect(human.stdout).toMatch(/INV-2026-00004\s+Émilie Ørsted-Müller\s+MND-000001-01\s+CORE\s+RCUR\s+200.00/);
    expect(human.stderr).toContain('2 transactions of EUR 300.00 to collect on 2026-02-03 (0 FRST, 2 RCUR)');
    const rcur = painTransactions(checkedFile(next));
    expect(rcur.map((t) => [t.endToEndId, t.sequence, t.amount])).toEqual([
      ['INV-2026-00004', 'RCUR', '200.00'],
      ['INV-2026-00005', 'RCUR', '100.00'],
    ]);
    expect([...rcur, ...painTransactions(xml)].map((t) => t.endToEndId)).not.toContain('INV-2026-00003');
  });

  it('a returned collection frees its invoice for the next file, FRST again when the mandate was never debited', async () => {
    const { db, dir } = await organisation(dialect);
    await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', path.join(dir, 'a.xml'), '--collection-date', '2026-01-05']);
    // what a bank statement's return will do (payments import): find the transaction by its end-to-end id, return it
    const connection = await openDb(db);
    try {
      const item = await findPendingCollection(connection.kysely, 'INV-2026-00002');
      expect(item).toMatchObject({ sequence: 'FRST', amount: 10000, status: 'pending' });
      await connection.kysely.transaction().execute((trx) => closeCollectionItem(trx, item!.id, { status: 'returned', date: '2026-01-08', reason: 'AC04' }, { actor: 'test', at: '2026-01-08T10:00:00.000Z' }));
      expect(await findPendingCollection(connection.kysely, 'INV-2026-00002')).toBeUndefined();
    } finally {
      await connection.close();
    }
    const b = path.join(dir, 'b.xml');
    await run(db, ['--today', '2026-01-08', 'invoices', 'collect', '--sepa', '-o', b, '--collection-date', '2026-01-09']);
    expect(painTransactions(checkedFile(b)).map((t) => [t.endToEndId, t.sequence])).toEqual([['INV-2026-00002', 'FRST']]);
  });

  it('a dry run writes no file and marks nothing; the real run then collects the same invoices', async () => {
    const { db, dir } = await organisation(dialect);
    const file = path.join(dir, 'dry.xml');
    const dry = await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', file, '--collection-date', '2026-01-05', '--dry-run', '--json']);
    expect(dry.json()).toMatchObject({ file: null, dryRun: true, messageId: null, total: '300.00', counts: { transactions: 2, FRST: 2 } });
    expect(dry.stderr).toContain('Dry run: 2 transactions of EUR 300.00 would be collected on 2026-01-05; nothing was written.');
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
    const one = (await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', file, '--collection-date', '2026-01-05', '--member', 'soren@example.org', '--dry-run', '--json'])).json();
    expect(one.transactions.map((t: { invoice: string }) => t.invoice)).toEqual(['INV-2026-00002']);
    const real = (await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', file, '--collection-date', '2026-01-05', '--json'])).json();
    expect(real.transactions).toEqual(dry.json().transactions);
  });

  it('two collections started at once never put the same invoice in both files', async () => {
    const { db, dir } = await organisation(dialect);
    const files = [path.join(dir, 'x.xml'), path.join(dir, 'y.xml')];
    const results = await Promise.all(files.map((file) => runCli(['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', file, '--collection-date', '2026-01-05'], { db })));
    for (const r of results) {
      // the one that lost the race finds nothing left, or is told to try again (75); never a half-written collection
      expect([0, 75], r.stderr).toContain(r.code);
      noStackTrace(r.stderr);
    }
    const collected = files.filter((f) => fs.existsSync(f)).flatMap((f) => painTransactions(checkedFile(f)).map((t) => t.endToEndId));
    expect(collected.sort()).toEqual(['INV-2026-00001', 'INV-2026-00002']);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a collection date in the past, today, on a weekend or a TARGET2 holiday (64), writing nothing', async () => {
    const { db, dir } = await organisation(dialect);
    const file = path.join(dir, 'c.xml');
    const collect = (date: string, today = '2026-01-02') => run(db, ['--today', today, 'invoices', 'collect', '--sepa', '-o', file, '--collection-date', date], 64);
    expect((await collect('2025-12-31')).stderr).toContain('--collection-date: 2025-12-31 is in the past (today is 2026-01-02); the earliest collection date is 2026-01-05');
    expect((await collect('2026-01-02')).stderr).toContain('is not at least one business day ahead of today (2026-01-02); the earliest collection date is 2026-01-05');
    expect((await collect('2026-01-03')).stderr).toContain('is not at least one business day ahead');
    expect((await collect('2026-01-10')).stderr).toContain('2026-01-10 is not a TARGET2 business day (a weekend or a closing day); the next one is 2026-01-12');
    // Good Friday and Easter Monday 2026
    expect((await collect('2026-04-03', '2026-03-30')).stderr).toContain('2026-04-03 is not a TARGET2 business day');
    expect((await collect('2026-04-06', '2026-03-30')).stderr).toContain('the next one is 2026-04-07');
    expect((await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '-o', file, '--collection-date', '2026-01-05'], 64)).stderr).toContain('needs --sepa');
    expect(fs.existsSync(file)).toBe(false);
    // nothing was marked: a valid date collects all of them
    const ok = (await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', file, '--collection-date', '2026-01-05', '--json'])).json();
    expect(ok.counts.transactions).toBe(2);
  });

  it('refuses an expired (36 months unused) or revoked mandate (65); in a whole run an expired one is left out and the rest collected', async () => {
    const { db, dir } = await organisation(dialect);
    await run(db, ['--today', '2022-01-10', 'mandates', 'add', 'carla@example.org', '--iban', 'FR1420041010050500013M02606', '--signed', '2022-01-04']);
    const shown = (await run(db, ['--today', '2026-01-02', 'mandates', 'show', 'MND-000004-01', '--json'])).json();
    expect(shown).toMatchObject({ status: 'expired', expiresOn: '2025-01-03', lastCollection: null });

    const only = path.join(dir, 'carla.xml');
    const expired = await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', only, '--collection-date', '2026-01-05', '--member', 'Carla'], 65);
    expect(expired.stderr).toContain('--member: the mandate MND-000004-01 of #4 Carla <carla@example.org> expired on 2025-01-03 (36 months without a collection); nothing was written');
    expect(fs.existsSync(only)).toBe(false);

    const all = path.join(dir, 'all.xml');
    const partial = await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', all, '--collection-date', '2026-01-05', '--json'], 65);
    expect(partial.json().problems).toEqual([
      {
        code: 'mandate_expired',
        invoice: 'INV-2026-00003',
        payer: { id: 4, name: 'Carla' },
        message: 'INV-2026-00003: the mandate MND-000004-01 of #4 Carla expired on 2025-01-03 (36 months without a collection); a new mandate is needed',
      },
    ]);
    expect(partial.stderr).toContain('1 invoice could not be collected; the rest was (exit 65).');
    expect(painTransactions(checkedFile(all)).map((t) => t.endToEndId)).toEqual(['INV-2026-00001', 'INV-2026-00002']);

    await run(db, ['--today', '2026-01-02', 'mandates', 'revoke', 'SOREN-B2B-1']);
    await run(db, ['--today', '2026-02-01', 'invoices', 'run']);
    const revoked = await run(db, ['--today', '2026-02-02', 'invoices', 'collect', '--sepa', '-o', only, '--collection-date', '2026-02-03', '--member', 'soren@example.org'], 65);
    expect(revoked.stderr).toContain('--member: the mandate SOREN-B2B-1 of #3 Søren Æbeltoft «Strauß» <soren@example.org> was revoked on 2026-01-02; nothing was written');
    const none = await run(db, ['--today', '2026-02-02', 'invoices', 'collect', '--sepa', '-o', only, '--collection-date', '2026-02-03', '--member', 'Bob'], 65);
    expect(none.stderr).toContain('is paid by #1');
    // without --member, a payer whose mandate is revoked is simply not collected
    const next = path.join(dir, 'next.xml');
    await run(db, ['--today', '2026-02-02', 'invoices', 'collect', '--sepa', '-o', next, '--collection-date', '2026-02-03'], 65);
    expect(painTransactions(checkedFile(next)).map((t) => [t.endToEndId, t.sequence])).toEqual([['INV-2026-00004', 'RCUR']]);
  });

  it('needs the creditor identifier (78), never replaces a file (73), and marks nothing when the file cannot be written', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const bad = await run(db, ['settings', 'set', 'sepa-creditor-id', 'FR73ZZZ123456'], 64);
    expect(bad.stderr).toContain('setting sepa-creditor-id: "FR73ZZZ123456" is not allowed; expected a valid SEPA creditor identifier such as FR72ZZZ123456, but its check digits 73 do not match');
    const file = path.join(dir, 'c.xml');
    const unset = await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', file, '--collection-date', '2026-01-05'], 78);
    expect(unset.stderr).toContain('a SEPA Direct Debit file needs the creditor identifier (`memberctl settings set sepa-creditor-id');
    expect(unset.stderr).toContain("the organisation's name");

    const { db: ready, dir: folder } = await organisation(dialect);
    const existing = path.join(folder, 'old.xml');
    fs.writeFileSync(existing, 'an earlier collection');
    const replaced = await run(ready, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', existing, '--collection-date', '2026-01-05'], 73);
    expect(replaced.stderr).toContain('exists; a collection file is never replaced');
    expect(fs.readFileSync(existing, 'utf8')).toBe('an earlier collection');
    const missing = await run(ready, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', path.join(folder, 'no-such-folder', 'c.xml'), '--collection-date', '2026-01-05'], 73);
    expect(missing.stderr).toContain('no-such-folder');
    // the write fails at the last step, inside the transaction that marks the invoices: the marking is rolled back
    const full = await run(ready, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', '/dev/full', '--collection-date', '2026-01-05'], 73);
    expect(full.stderr).toContain('-o /dev/full: cannot be written: the disk is full (ENOSPC); nothing was written to it; no invoice was marked as being collected');
    const streamed = await run(ready, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', '/dev/stdout', '--collection-date', '2026-01-05', '--json'], 64);
    expect(streamed.stderr).toContain('--json with -o /dev/stdout');
    const good = (await run(ready, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', path.join(folder, 'c.xml'), '--collection-date', '2026-01-05', '--json'])).json();
    expect(good.counts.transactions).toBe(2);
  });
});
