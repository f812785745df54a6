import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { runExpecting as run } from '../helpers/errors.js';
import { epcRuleViolations, painTransactions, validatePain008 } from '../helpers/sepa.js';

const beforeStart = ['--today', '2025-12-20'];

/** An organisation set up for SEPA Direct Debit with one monthly plan, nobody in it yet. */
async function organisation(dialect: (typeof dialects)[number]) {
  const db = await freshDbUrl(dialect);
  const dir = tempDir();
  await run(db, ['settings', 'set', 'sepa-creditor-id', 'FR72ZZZ123456']);
  await run(db, ['org', 'set', '--name', 'Coworking Lumière', '--iban', 'FR76 3000 6000 0112 3456 7890 189', '--bic', 'BNPAFRPP']);
  await run(db, ['plans', 'add', 'Hot Desk', '--price', '100']);
  return { db, dir };
}

const csv = [
  'Name,Email,Plan name,Start date,Next invoice date,IBAN,BIC,Mandate reference,Mandate date,Mandate scheme',
  'Ann Weber,ann@example.org,Hot Desk,2026-01-01,2026-01-01,de89 3704 0044 0532 0130 00,COBADEFFXXX,,2025-12-01,',
  'Bruno Keller,bruno@example.org,Hot Desk,2026-01-01,2026-01-01,NL91ABNA0417164300,ABNANL2A,ACME-B2B-1,2025-12-02,b2b',
  'Carla Rossi,carla@example.org,Hot Desk,2026-01-01,2026-01-01,,,,,',
].join('\n');

/** The collection file, checked against the official schema and the EPC rules. */
function checkedTransactions(file: string) {
  const xml = fs.readFileSync(file, 'utf8');
  expect(validatePain008(xml)).toEqual({ valid: true, errors: [] });
  expect(epcRuleViolations(xml)).toEqual([]);
  return painTransactions(xml);
}

describe.each(dialects)('SEPA mandates in the member import, from the built CLI on %s', (dialect) => {
  it('validates and imports a CSV with mandate columns; mandates list shows them and invoices collect --sepa debits them', async () => {
    const { db, dir } = await organisation(dialect);
    const file = path.join(dir, 'members.csv');
    fs.writeFileSync(file, `${csv}\n`);
    const validated = (await run(db, [...beforeStart, 'validate', file, '--json'])).json();
    expect(validated).toMatchObject({ rows: 3, valid: true, errors: 0 });
    const imported = (await run(db, [...beforeStart, 'import', file, '--json'])).json();
    expect(imported).toMatchObject({ created: { members: 3, memberships: 3, mandates: 2 }, rejected: 0 });

    const list = (await run(db, [...beforeStart, 'mandates', 'list', '--json'])).json();
    expect(list.map((m: Record<string, unknown>) => [m.reference, (m.payer as { name: string }).name, m.iban, m.bic, m.scheme, m.signedOn, m.status])).toEqual([
      ['MND-000001-01', 'Ann Weber', 'DE89370400440532013000', 'COBADEFFXXX', 'core', '2025-12-01', 'active'],
      ['ACME-B2B-1', 'Bruno Keller', 'NL91ABNA0417164300', 'ABNANL2A', 'b2b', '2025-12-02', 'active'],
    ]);

    await run(db, ['--today', '2026-01-01', 'invoices', 'run']);
    const collection = path.join(dir, 'collection.xml');
    await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', collection, '--collection-date', '2026-01-05']);
    expect(checkedTransactions(collection).map((t) => [t.debtor, t.mandate, t.iban, t.scheme, t.sequence, t.amount])).toEqual([
      ['Ann Weber', 'MND-000001-01', 'DE89370400440532013000', 'CORE', 'FRST', '100.00'],
      ['Bruno Keller', 'ACME-B2B-1', 'NL91ABNA0417164300', 'B2B', 'FRST', '100.00'],
    ]);
  });

  it('imports an xlsx with French headers (RUM, a date cell for the mandate date), then re-running changes nothing and undo removes the mandates', async () => {
    const { db, dir } = await organisation(dialect);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Membres');
    sheet.addRow(['Nom', 'E-mail', 'Nom du forfait', 'Date de début', 'Date de la prochaine facture', 'IBAN', 'BIC', 'RUM', 'Date du mandat', 'Schéma du mandat']);
    const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
    sheet.addRow(['Élodie Martin', 'elodie@example.fr', 'Hot Desk', day('2026-01-01'), day('2026-01-01'), 'FR76 3000 6000 0112 3456 7890 189', '', 'RUM-2025-0042', day('2025-11-30'), 'Core']);
    sheet.addRow(['Société Durand', 'compta@durand.fr', 'Hot Desk', day('2026-01-01'), day('2026-01-01'), 'BE68 5390 0754 7034', 'GKCCBEBB', '', day('2025-12-05'), 'B2B']);
    const file = path.join(dir, 'membres.xlsx');
    await workbook.xlsx.writeFile(file);

    expect((await run(db, [...beforeStart, 'validate', file, '--json'])).json()).toMatchObject({ valid: true, errors: 0 });
    const imported = (await run(db, [...beforeStart, 'import', file, '--json'])).json();
    expect(imported).toMatchObject({ created: { members: 2, mandates: 2 } });
    const list = (await run(db, [...beforeStart, 'mandates', 'list', '--json'])).json();
    expect(list.map((m: Record<string, unknown>) => [m.reference, m.iban, m.bic, m.scheme, m.signedOn])).toEqual([
      ['RUM-2025-0042', 'FR7630006000011234567890189', null, 'core', '2025-11-30'],
      ['MND-000002-01', 'BE68539007547034', 'GKCCBEBB', 'b2b', '2025-12-05'],
    ]);

    const again = (await run(db, [...beforeStart, 'import', file, '--json'])).json();
    expect(again).toMatchObject({ batch: null, created: { members: 0, mandates: 0 }, unchanged: 2 });
    expect((await run(db, [...beforeStart, 'mandates', 'list', '--json'])).json()).toHaveLength(2);

    const undone = (await run(db, ['import', 'undo', imported.batch, '--yes', '--json'])).json();
    expect(undone).toMatchObject({ removed: { members: 2, mandates: 2 } });
    expect((await run(db, ['mandates', 'list', '--json'])).json()).toEqual([]);
  });

  it('import --update gives existing members their mandates; once collected, that import cannot be undone', async () => {
    const { db, dir } = await organisation(dialect);
    const people = path.join(dir, 'people.csv');
    fs.writeFileSync(people, 'Name,Email,Plan name,Start date,Next invoice date\nAnn Weber,ann@example.org,Hot Desk,2026-01-01,2026-01-01\n');
    await run(db, [...beforeStart, 'import', people]);
    await run(db, ['--today', '2026-01-01', 'invoices', 'run']);
    const mandates = path.join(dir, 'mandates.csv');
    fs.writeFileSync(mandates, 'Name,Email,IBAN,Mandate date\nAnn Weber,ann@example.org,DE89370400440532013000,2025-12-01\n');
    const refused = await run(db, ['--today', '2026-01-02', 'import', mandates], 65);
    expect(refused.stdout).toContain('IBAN: adds a mandate (DE89370400440532013000, signed on 2025-12-01)): use --update to change it');
    const added = (await run(db, ['--today', '2026-01-02', 'import', mandates, '--update', '--json'])).json();
    expect(added).toMatchObject({ created: { members: 0, mandates: 1 }, updated: { members: 1 } });
    const collection = path.join(dir, 'collection.xml');
    await run(db, ['--today', '2026-01-02', 'invoices', 'collect', '--sepa', '-o', collection, '--collection-date', '2026-01-05']);
    expect(checkedTransactions(collection).map((t) => [t.endToEndId, t.mandate, t.sequence])).toEqual([['INV-2026-00001', 'MND-000001-01', 'FRST']]);
    const undo = await run(db, ['import', 'undo', added.batch, '--yes'], 65);
    expect(undo.stderr).toContain(`mandate MND-000001-01 collects invoice INV-2026-00001 in ${collection}`);
    expect((await run(db, ['mandates', 'list', '--json'])).json()).toHaveLength(1);
  });

  it('a bad IBAN and a reference used twice are errors by row and column (65), and nothing is written', async () => {
    const { db, dir } = await organisation(dialect);
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(
      file,
      [
        'Name,Email,IBAN,Mandate reference,Mandate date',
        'Ann Weber,ann@example.org,DE89 3704 0044 0532 0130 01,REF-1,2025-12-01',
        'Bruno Keller,bruno@example.org,NL91ABNA0417164300,REF-2,2025-12-01',
        'Carla Rossi,carla@example.org,NL91ABNA0417164300,REF-2,2025-12-01',
      ].join('\n'),
    );
    const validated = await run(db, [...beforeStart, 'validate', file], 65);
    expect(validated.stdout + validated.stderr).toContain('row 2:');
    expect(validated.stdout).toContain('IBAN: "DE89 3704 0044 0532 0130 01" is not accepted: not a valid IBAN: its check digits do not match');
    expect(validated.stdout).toContain('Mandate reference: the mandate reference REF-2 is already on row 3: a mandate reference is unique');
    const json = (await run(db, [...beforeStart, 'validate', file, '--json'], 65)).json();
    expect(json.problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([
      [2, 'IBAN', 'invalid_value'],
      [4, 'Mandate reference', 'duplicate_mandate'],
    ]);
    await run(db, [...beforeStart, 'import', file], 65);
    expect((await run(db, ['mandates', 'list', '--json'])).json()).toEqual([]);
    expect((await run(db, ['members', 'list', '--json'])).json()).toEqual([]);
  });
});
