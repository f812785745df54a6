import { afterEach, describe, expect, it } from 'vitest';
import { type ColumnMapping, mappingFromEntries, mappingFromJson } from '../../src/core/import/column-mapping.js';
import { type ImportOptions, importFile, validateFile } from '../../src/core/import/run.js';
import { undoBatch } from '../../src/core/import/undo.js';
import type { Problem, ProblemCode } from '../../src/core/kernel/problems.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { tempFolder } from '../importers/files.js';
import { at, seedPlan, source } from './people-fixtures.js';

const files = tempFolder('import-mapping');
const today = '2026-11-23';

/** An export of another system: its own headers, padded, first and last names apart, oui/non, no plan column. */
const exported = [
  ' Membership ID ;Prénom;Nom;Courriel;Membre depuis;Prochaine échéance;Renouvellement;Code interne',
  'HA-1;Marie;Curie;marie@example.org;2025-01-10;2027-01-10;Oui;x1',
  'HA-2;Pierre;;pierre@example.org;2025-03-01;2027-03-01;non;x2',
];
const entries = [
  'membership id=External ID',
  'Prénom+Nom=Name',
  'Membre depuis=Start date',
  'Prochaine échéance=Next invoice date',
  'Renouvellement=Auto renew',
  'Renouvellement: Oui=yes, Non=no',
  'Code interne=',
  'Plan name:=Adhésion annuelle',
];

const write = (lines: string[], name = 'export.csv') => files.write(name, `${lines.join('\n')}\n`);
const only = (problems: Iterable<Problem>, code: ProblemCode) => [...problems].filter((p) => p.code === code);

async function validate(db: Db, lines: string[], columns?: ColumnMapping) {
  const result = await validateFile(db.kysely, { file: write(lines), mode: 'import', today, columns });
  return { ...result, problems: [...result.problems] };
}

function options(file: string, columns: ColumnMapping, extra: Partial<ImportOptions> = {}): ImportOptions {
  return { file, mode: 'import', today, dryRun: false, onError: 'abort', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: { MEMBERCTL_ACTOR: 'test' }, columns, ...extra };
}

async function people(db: Db) {
  return db.kysely
    .selectFrom('members')
    .leftJoin('memberships', 'memberships.member_id', 'members.id')
    .leftJoin('plans', 'plans.id', 'memberships.plan_id')
    .select(['members.name', 'members.email', 'members.external_id', 'plans.name as plan', 'memberships.start_date', 'memberships.auto_renew'])
    .orderBy('members.id')
    .execute();
}

describe.each(dialects)('importing through a column mapping on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());
  const start = async () => {
    db = await freshDb(dialect);
    await seedPlan(db.kysely, 'Hot Desk');
    await db.kysely
      .insertInto('plans')
      .values({ name: 'Adhésion annuelle', price: 3_000, currency: 'EUR', interval: 'year', every: 1, tax_rate: '0', credits: 0, passes: 0, auto_renew: 0, archived: 0, created_at: at, updated_at: at })
      .execute();
  };

  it('an export of another system validates once mapped: rename, join, ignore, constant, value map, padded headers', async () => {
    await start();
    // as it is, the file is one of contacts named by their last name ("Nom"), the other columns ignored or custom fields
    const unmapped = await validate(db, exported);
    expect(unmapped.problems.map((p) => [p.code, p.column])).toEqual([
      ['unknown_column', 'Membership ID'],
      ['custom_field', 'Prénom'],
      ['custom_field', 'Membre depuis'],
      ['custom_field', 'Prochaine échéance'],
      ['custom_field', 'Renouvellement'],
      ['custom_field', 'Code interne'],
      ['required', 'Nom'],
    ]);
    const result = await validate(db, exported, mappingFromEntries(entries));
    expect(result).toMatchObject({ rows: 2, valid: true, errors: 0 });
    // the ignored column is no custom field, and the join's parts are not either
    expect(result.problems).toEqual([]);
  });

  it('imports the mapped rows as template rows, all or nothing; a re-run changes nothing; undo removes them', async () => {
    await start();
    const file = write(exported);
    const result = await importFile(db, options(file, mappingFromEntries(entries)));
    expect(result).toMatchObject({ rows: 2, rejected: 0, written: true, created: { members: 2, memberships: 2 } });
    expect(await people(db)).toEqual([
      { name: 'Marie Curie', email: 'marie@example.org', external_id: 'HA-1', plan: 'Adhésion annuelle', start_date: '2025-01-10', auto_renew: 1 },
      { name: 'Pierre', email: 'pierre@example.org', external_id: 'HA-2', plan: 'Adhésion annuelle', start_date: '2025-03-01', auto_renew: 0 },
    ]);
    const fields = await db.kysely.selectFrom('member_fields').select('key').execute();
    expect(fields).toEqual([]);

    const again = await importFile(db, options(file, mappingFromEntries(entries)));
    expect(again).toMatchObject({ unchanged: 2, written: false, created: { members: 0, memberships: 0 } });

    await undoBatch(db, result.batch!, source);
    expect(await people(db)).toEqual([]);
  });

  it('a mapped row with an error writes nothing (abort), and the rejects file keeps the file\'s own cells (skip)', async () => {
    await start();
    const file = write([...exported, 'HA-3;Jeanne;Martin;jeanne@example.org;2025-05-01;2027-05-01;Peut-être;x3']);
    const aborted = await importFile(db, options(file, mappingFromEntries(entries)));
    expect(aborted).toMatchObject({ rejected: 1, written: false, created: { members: 0 } });
    expect(await people(db)).toEqual([]);

    const skipped = await importFile(db, options(file, mappingFromEntries(entries), { onError: 'skip' }));
    expect(skipped).toMatchObject({ rejected: 1, written: true, created: { members: 2 } });
    const fs = await import('node:fs');
    const rejects = fs.readFileSync(skipped.rejects!, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(rejects[0]).toBe('Membership ID,Prénom,Nom,Courriel,Membre depuis,Prochaine échéance,Renouvellement,Code interne,Error');
    expect(rejects[1]).toMatch(/^HA-3,Jeanne,Martin,jeanne@example.org,2025-05-01,2027-05-01,Peut-être,x3,/);

    // fixed, the rejects file imports with the same mapping
    const fixed = files.write('fixed.csv', fs.readFileSync(skipped.rejects!, 'utf8').replace('Peut-être', 'Oui'));
    const retried = await importFile(db, options(fixed, mappingFromEntries(entries)));
    expect(retried).toMatchObject({ rejected: 0, written: true, created: { members: 1, memberships: 1 } });
    expect((await people(db)).map((p) => p.name)).toEqual(['Marie Curie', 'Pierre', 'Jeanne Martin']);
  });

  it('problems name the file\'s column and the template column it feeds', async () => {
    await start();
    const { problems } = await validate(
      db,
      [...exported, 'HA-3;;;jeanne@example;2025-05-01;2027-05-01;Peut-être;x3'],
      mappingFromEntries([...entries.filter((e) => !e.startsWith('Plan name')), 'Plan name:=Adhésion annuel']),
    );
    const at = (row: number) => problems.filter((p) => p.row === row).map((p) => [p.code, p.column, p.message]);
    expect(at(4)).toEqual([
      ['invalid_email', 'Courriel', '"jeanne@example" is not an e-mail address'],
      ['invalid_boolean', 'Renouvellement', '"Peut-être" is not yes or no (also accepted: oui/non, true/false, 1/0) (Renouvellement is read as Auto renew)'],
      ['required', 'Prénom+Nom', 'a name is required (Prénom+Nom is read as Name)'],
      ['unknown_plan', 'Plan name', 'no plan named "Adhésion annuel" (Plan name is set by --column "Plan name:=Adhésion annuel")'],
    ]);
    expect(only(problems, 'unknown_plan')[0]!.suggestion).toBe('Adhésion annuelle');
  });

  it('a saved mapping file reads like the same --column entries', async () => {
    await start();
    const mapping = mappingFromJson(
      {
        columns: { 'Membership ID': 'External ID', 'Prénom+Nom': 'Name', 'Membre depuis': 'Start date', 'Prochaine échéance': 'Next invoice date', Renouvellement: 'Auto renew', 'Code interne': null },
        constants: { 'Plan name': 'Adhésion annuelle' },
        values: { Renouvellement: { Oui: 'yes', Non: 'no' } },
      },
      'export.columns.json',
    );
    expect(await validate(db, exported, mapping)).toMatchObject({ valid: true, problems: [] });
  });

  it('a mapping naming a header the file lacks is refused (64) before any row is checked', async () => {
    await start();
    const error = await rejection(validate(db, exported, mappingFromEntries(['Membre depui=Start date'])));
    expect(error.exitCode).toBe(64);
    expect(error.message).toBe('--column "Membre depui=Start date": the file has no column "Membre depui" (the closest is "Membre depuis")');
    const wrongColumn = await rejection(importFile(db, options(write(exported), mappingFromEntries(['Membre depuis=Start dat']))));
    expect(wrongColumn.exitCode).toBe(64);
    expect(wrongColumn.message).toContain('"Start dat" is not a template column (the closest is "Start date")');
  });
});

describe.each(dialects)('shifted rows on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());
  const header = 'Name;Email;Notes;External ID';

  it('a row with more cells than the others is an extra_cells error, even when the extra cells are empty', async () => {
    db = await freshDb(dialect);
    const { problems, valid } = await validate(db, [
      header,
      'Ada Lovelace;ada@example.org;;CRM-1',
      // an unquoted ";" in the note: "pas avant 17 h" became the External ID, and the real one is cut off empty
      'Alan Turing;alan@example.org;rappeler; pas avant 17 h;',
      'Grace Hopper;grace@example.org;;CRM-3',
    ]);
    expect(valid).toBe(false);
    expect(only(problems, 'extra_cells').map((p) => [p.row, p.column, p.severity])).toEqual([[3, null, 'error']]);
    expect(only(problems, 'extra_cells')[0]!.message).toBe(
      "the row has 5 cells where the file's rows have 4 (cell E empty): a delimiter inside a cell that is not in quotes shifts every cell after it into the next column; put that cell in double quotes or remove the delimiter",
    );
  });

  it('a file whose every line ends with the same delimiter stays valid; a wider row in it is still shifted', async () => {
    db = await freshDb(dialect);
    const rows = ['Ada Lovelace;ada@example.org;;CRM-1;', 'Grace Hopper;grace@example.org;;CRM-3;'];
    expect(await validate(db, [header, ...rows])).toMatchObject({ valid: true, problems: [] });
    expect(await validate(db, [`${header};`, ...rows])).toMatchObject({ valid: true, problems: [] });
    const { problems } = await validate(db, [header, ...rows, 'Alan Turing;alan@example.org;rappeler; pas avant 17 h;;']);
    expect(only(problems, 'extra_cells').map((p) => p.row)).toEqual([4]);
    expect(only(problems, 'extra_cells')[0]!.message).toContain("the row has 6 cells where the file's rows have 5 (cell F empty)");
  });

  it('a mapped file is checked as the file writes it', async () => {
    db = await freshDb(dialect);
    const { problems } = await validate(db, ['Nom;Courriel;Remarque', 'Ada;ada@example.org;', 'Alan;alan@example.org;a;b'], mappingFromEntries(['Nom=Name', 'Remarque=Notes']));
    expect(only(problems, 'extra_cells').map((p) => [p.row, p.value])).toEqual([[3, 'b']]);
  });
});
