import { afterEach, describe, expect, it } from 'vitest';
import { readCompanyMap } from '../../src/core/import/company-spellings.js';
import { type ImportOptions, importFile, validateFile } from '../../src/core/import/run.js';
import type { Problem } from '../../src/core/kernel/problems.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { at } from './people-fixtures.js';

const files = tempFolder('import-companies');
const today = '2026-11-23';

const acme = ['Name,Email,Company', 'Ada,ada@example.org,ACME SAS', 'Bob,bob@example.org,Acme S.A.S.', 'Cy,cy@example.org,Acme SAS', 'Di,di@example.org,Acme SAS', 'Ed,ed@example.org,Beta'];

const write = (lines: string[]) => files.write('members.csv', `${lines.join('\n')}\n`);
const companiesFile = (map: Record<string, string>) => readCompanyMap(files.write('companies.json', JSON.stringify(map)), false);
const options = (file: string, extra: Partial<ImportOptions> = {}): ImportOptions => ({
  file,
  mode: 'import',
  today,
  dryRun: false,
  onError: 'abort',
  update: false,
  rejectsFile: `${file}.rejects.csv`,
  source: 'template',
  env: {},
  ...extra,
});
const variants = (problems: Iterable<Problem>) => [...problems].filter((p) => p.code === 'company_variant').map((p) => [p.row, p.value, p.severity]);

async function companiesOf(db: Db) {
  const rows = await db.kysely
    .selectFrom('members')
    .leftJoin('companies', 'companies.id', 'members.company_id')
    .select(['members.email', 'companies.name as company'])
    .orderBy('members.email')
    .execute();
  return { companies: (await db.kysely.selectFrom('companies').select('name').orderBy('name').execute()).map((c) => c.name), members: rows.map((r) => [r.email, r.company]) };
}

describe.each(dialects)('company spellings of an import on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('without a map, the spellings are warnings once each and would be three companies', async () => {
    db = await freshDb(dialect);
    const result = await validateFile(db.kysely, { file: write(acme), mode: 'import', today });
    expect(result.valid).toBe(true);
    expect(variants(result.problems)).toEqual([
      [3, 'Acme S.A.S.', 'warning'],
      [4, 'Acme SAS', 'warning'],
    ]);
  });

  it('--strict-companies: every row of a variant spelling is an error, and nothing is written', async () => {
    db = await freshDb(dialect);
    const result = await importFile(db, options(write(acme), { strictCompanies: true }));
    expect(variants(result.problems)).toEqual([
      [3, 'Acme S.A.S.', 'error'],
      [4, 'Acme SAS', 'error'],
      [5, 'Acme SAS', 'error'],
    ]);
    expect(result.written).toBe(false);
    expect((await companiesOf(db)).companies).toEqual([]);
  });

  it('a companies map makes the spellings one company, its members attached to it, with no warning left', async () => {
    db = await freshDb(dialect);
    const companies = companiesFile({ 'ACME SAS': 'Acme SAS', 'Acme S.A.S.': 'Acme SAS' });
    const result = await importFile(db, options(write(acme), { companies, strictCompanies: true }));
    expect(variants(result.problems)).toEqual([]);
    expect(result.created).toMatchObject({ members: 5, companies: 2 });
    expect(await companiesOf(db)).toEqual({
      companies: ['Acme SAS', 'Beta'],
      members: [
        ['ada@example.org', 'Acme SAS'],
        ['bob@example.org', 'Acme SAS'],
        ['cy@example.org', 'Acme SAS'],
        ['di@example.org', 'Acme SAS'],
        ['ed@example.org', 'Beta'],
      ],
    });
    // the same file and map again: every row finds its member, with its company
    const again = await importFile(db, options(write(acme), { companies }));
    expect(again.unchanged).toBe(5);
  });

  it('a spelling mapped to an existing company is that company, by exact name; none is created', async () => {
    db = await freshDb(dialect);
    await db.kysely.insertInto('companies').values({ name: 'Acme', created_at: at, updated_at: at }).execute();
    const companies = companiesFile({ 'ACME SAS': 'Acme', 'Acme S.A.S.': 'Acme', 'Acme SAS': 'Acme' });
    const result = await importFile(db, options(write(acme), { companies }));
    expect(result.created.companies).toBe(1);
    expect((await companiesOf(db)).companies).toEqual(['Acme', 'Beta']);
    expect((await companiesOf(db)).members.filter(([, company]) => company === 'Acme')).toHaveLength(4);
  });

  it('spellings mapped to themselves are companies of their own, said so: no warning, not even under --strict-companies', async () => {
    db = await freshDb(dialect);
    const companies = companiesFile({ 'ACME SAS': 'ACME SAS', 'Acme S.A.S.': 'Acme S.A.S.', 'Acme SAS': 'Acme SAS' });
    const result = await importFile(db, options(write(acme), { companies, strictCompanies: true }));
    expect(variants(result.problems)).toEqual([]);
    expect((await companiesOf(db)).companies).toEqual(['ACME SAS', 'Acme S.A.S.', 'Acme SAS', 'Beta']);
  });

  it('a spelling the map does not settle is still a variant of the company the map chose', async () => {
    db = await freshDb(dialect);
    const companies = companiesFile({ 'ACME SAS': 'Acme SAS', 'Acme SAS': 'Acme SAS' });
    const result = await validateFile(db.kysely, { file: write(acme), mode: 'import', today, companies });
    expect([...result.problems].filter((p) => p.code === 'company_variant').map((p) => [p.row, p.value, p.suggestion])).toEqual([[3, 'Acme S.A.S.', 'Acme SAS']]);
  });

  it('a map naming a company neither in the file nor in the database is refused (65), naming the entry; unused entries are not checked', async () => {
    db = await freshDb(dialect);
    const companies = companiesFile({ 'ACME SAS': 'Acme Sas', 'Gamma Ltd': 'Nowhere' });
    const refused = await importFile(db, options(write(acme), { companies })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).exitCode).toBe(65);
    expect((refused as UserError).message).toContain('"ACME SAS" is mapped to "Acme Sas", which is neither a company of the file nor of the database');
    expect((await companiesOf(db)).members).toEqual([]);
    // the entry for a spelling this file does not hold is kept for other files
    const other = await validateFile(db.kysely, { file: write(acme), mode: 'import', today, companies: companiesFile({ 'Gamma Ltd': 'Nowhere' }) });
    expect(other.valid).toBe(true);
  });

  it('a map whose company is mapped again is refused (64)', () => {
    expect(() => companiesFile({ 'ACME SAS': 'Acme SAS', 'Acme SAS': 'Acme' })).toThrow(/"ACME SAS" is mapped to "Acme SAS", which is itself mapped to "Acme"/);
  });

  it('the rejects file keeps the spelling the file wrote', async () => {
    db = await freshDb(dialect);
    const file = write([...acme, 'Fay,not-an-email,ACME SAS']);
    const companies = companiesFile({ 'ACME SAS': 'Acme SAS', 'Acme S.A.S.': 'Acme SAS' });
    const result = await importFile(db, options(file, { companies, onError: 'skip' }));
    expect(result.rejected).toBe(1);
    const fs = await import('node:fs');
    expect(fs.readFileSync(`${file}.rejects.csv`, 'utf8')).toContain('Fay,not-an-email,ACME SAS');
  });
});
