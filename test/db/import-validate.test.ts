import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { importFile, validateFile } from '../../src/core/import/run.js';
import type { Problem, ProblemCode } from '../../src/core/kernel/problems.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { at, seedPlan } from './people-fixtures.js';

const files = tempFolder('import-validate');
const today = '2026-11-23';
const header = 'Name,Email,Plan name,Start date,Next invoice date';

async function seed(db: Db): Promise<void> {
  await seedPlan(db.kysely, 'Hot Desk');
  await seedPlan(db.kysely, 'Fixed Desk', 35_000);
  await db.kysely
    .insertInto('plans')
    .values({ name: 'Annual', price: 12_000, currency: 'EUR', interval: 'year', every: 1, tax_rate: '20', credits: 0, passes: 0, auto_renew: 0, archived: 0, created_at: at, updated_at: at })
    .execute();
}

async function validate(db: Db, lines: string[] | string | Buffer, options: { dateFormat?: 'DMY' | 'MDY'; name?: string; update?: boolean } = {}) {
  const content = Array.isArray(lines) ? `${lines.join('\n')}\n` : lines;
  const file = files.write(options.name ?? 'members.csv', content);
  const result = await validateFile(db.kysely, { file, mode: 'import', today, dateFormat: options.dateFormat ?? null, update: options.update });
  return { ...result, problems: [...result.problems] };
}

const only = (problems: Iterable<Problem>, code: ProblemCode) => [...problems].filter((p) => p.code === code);

describe.each(dialects)('validating member files on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());
  const start = async () => {
    db = await freshDb(dialect);
    await seed(db);
  };

  it('passes a clean file, counting rows and empty rows, with nothing to report', async () => {
    await start();
    const result = await validate(db, [
      header,
      'Ada Lovelace,ada@example.org,Hot Desk,2025-01-10,2026-12-10',
      ',,,,',
      'Alan Turing,alan@example.org,,,',
    ]);
    expect(result).toMatchObject({ rows: 2, valid: true, errors: 0, warnings: 0, emptyRows: 1 });
    expect(result.problems).toEqual([]);
  });

  it('required: a name, the dates with a plan, and a plan with dates', async () => {
    await start();
    const { problems } = await validate(db, [
      header,
      ',nameless@example.org,Hot Desk,2025-01-01,2027-01-01',
      'No Next,next@example.org,Hot Desk,2025-01-01,',
      'Dates Only,dates@example.org,,2025-01-01,2027-01-01',
    ]);
    expect(only(problems, 'required').map((p) => [p.row, p.column])).toEqual([
      [2, 'Name'],
      [3, 'Next invoice date'],
      [4, 'Plan name'],
    ]);
    expect(problems.every((p) => p.severity === 'error')).toBe(true);
  });

  it('extra_cells: a row longer than the header is an error, never cut', async () => {
    await start();
    const { problems } = await validate(db, [header, 'Ada,ada@example.org,Hot Desk,2025-01-01,2027-01-01,surprise']);
    expect(only(problems, 'extra_cells')).toMatchObject([{ row: 2, value: 'surprise', severity: 'error' }]);
    expect(only(problems, 'extra_cells')[0]!.message).toContain('F');
  });

  it('invalid_date: impossible days, words, and spreadsheet serials in a text column (with the date they stand for)', async () => {
    await start();
    const { problems } = await validate(db, [
      header,
      'A,a@example.org,Hot Desk,2025-02-30,2027-01-01',
      'B,b@example.org,Hot Desk,45658,2027-01-01',
      'C,c@example.org,Hot Desk,soon,2027-01-01',
    ]);
    expect(only(problems, 'invalid_date').map((p) => [p.row, p.column, p.value, p.suggestion])).toEqual([
      [2, 'Start date', '2025-02-30', null],
      [3, 'Start date', '45658', '2025-01-01'],
      [4, 'Start date', 'soon', null],
    ]);
  });

  it('ambiguous_date: nothing in the file decides between day first and month first', async () => {
    await start();
    const { problems } = await validate(db, [header, 'A,a@example.org,Hot Desk,04/03/2025,05/06/2027']);
    const ambiguous = only(problems, 'ambiguous_date');
    expect(ambiguous.map((p) => p.column)).toEqual(['Start date', 'Next invoice date']);
    expect(ambiguous[0]!.message).toContain('--date-format');
  });

  it('date_format_inferred: one value proves day first for the whole file; --date-format overrides', async () => {
    await start();
    const lines = [header, 'A,a@example.org,Hot Desk,25/12/2025,04/01/2027', 'B,b@example.org,Hot Desk,04/03/2025,05/03/2027'];
    const inferred = await validate(db, lines);
    expect(inferred.valid).toBe(true);
    expect(only(inferred.problems, 'date_format_inferred')).toMatchObject([{ row: null, value: '25/12/2025', severity: 'warning' }]);
    const forced = await validate(db, lines, { dateFormat: 'MDY' });
    expect(only(forced.problems, 'invalid_date').map((p) => p.value)).toEqual(['25/12/2025']);
    expect(only(forced.problems, 'date_format_inferred')).toEqual([]);
  });

  it('contradicting conventions decide nothing: no day/month date of the file is read, each naming both proofs', async () => {
    await start();
    const lines = [
      header,
      'A,a@example.org,Hot Desk,25/12/2025,12/25/2026',
      'B,b@example.org,Hot Desk,04/03/2025,05/03/2027',
      'C,c@example.org,Hot Desk,2025/03/04,2027-03-04',
    ];
    const { problems } = await validate(db, lines);
    const ambiguous = only(problems, 'ambiguous_date');
    expect(ambiguous.map((p) => [p.row, p.column])).toEqual([
      [2, 'Start date'],
      [2, 'Next invoice date'],
      [3, 'Start date'],
      [3, 'Next invoice date'],
    ]);
    for (const p of ambiguous) expect(p.message).toContain('"25/12/2025" (row 2, Start date) and month-first dates such as "12/25/2026" (row 2, Next invoice date)');
    // --date-format decides: what the other convention alone reads is then invalid
    const forced = await validate(db, lines, { dateFormat: 'DMY' });
    expect(only(forced.problems, 'ambiguous_date')).toEqual([]);
    expect(only(forced.problems, 'invalid_date').map((p) => [p.row, p.value])).toEqual([[2, '12/25/2026']]);
  });

  it('conflict_existing: a row that differs from its existing member, unless --update; other errors hide nothing', async () => {
    await start();
    const file = files.write('first.csv', `${header},Phone\nAda Lovelace,ada@example.org,Hot Desk,2025-01-10,2026-12-10,111\n`);
    await importFile(db, { file, mode: 'import', today, dryRun: false, onError: 'abort', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: {} });
    const lines = [`${header},Phone`, 'Ada Lovelace,ADA@example.org,Hot Desk,2025-01-10,2026-12-10,222', 'Bad Mail,bad@@example.org,,,,'];
    const { problems } = await validate(db, lines);
    expect(problems.filter((p) => p.severity === 'error').map((p) => [p.row, p.code])).toEqual([
      [2, 'conflict_existing'],
      [3, 'invalid_email'],
    ]);
    expect(only(problems, 'conflict_existing')[0]!.message).toContain('Phone: "111" -> "222"');
    const updating = await validate(db, lines, { update: true });
    expect(only(updating.problems, 'conflict_existing')).toEqual([]);
    // the same file as it is in the database is valid
    expect((await validate(db, [`${header},Phone`, 'Ada Lovelace,ada@example.org,Hot Desk,2025-01-10,2026-12-10,111'])).valid).toBe(true);
  });

  it('next_invoice_in_past: not for the unchanged membership of an existing member, only for a new membership', async () => {
    await start();
    const lines = [header, 'Ada Lovelace,ada@example.org,Hot Desk,2025-01-10,2026-12-10'];
    const file = files.write('first.csv', `${lines.join('\n')}\n`);
    await importFile(db, { file, mode: 'import', today, dryRun: false, onError: 'abort', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: {} });
    const later = '2027-03-02';
    const again = files.write('again.csv', `${lines.join('\n')}\n`);
    const unchanged = await validateFile(db.kysely, { file: again, mode: 'import', today: later, dateFormat: null });
    expect(only(unchanged.problems, 'next_invoice_in_past')).toEqual([]);
    // a new person, and a new membership of the same person, would both bill the months since December at once
    const added = files.write('added.csv', `${[header, 'Ada Lovelace,ada@example.org,Fixed Desk,2025-01-10,2026-12-10', 'Alan Turing,alan@example.org,Hot Desk,2025-01-10,2026-12-10'].join('\n')}\n`);
    const withNew = await validateFile(db.kysely, { file: added, mode: 'import', today: later, dateFormat: null, update: true });
    expect(withNew.errors).toBe(0);
    expect(only(withNew.problems, 'next_invoice_in_past').map((p) => p.row)).toEqual([2, 3]);
  });

  it('invalid_email, invalid_number, invalid_boolean', async () => {
    await start();
    const { problems } = await validate(db, [
      'Name,Email,Plan name,Start date,Next invoice date,Quantity,Auto renew,Prorate first invoice',
      'A,a@@example.org,Hot Desk,2025-01-01,2027-01-01,,,',
      'B,b@example.org,Hot Desk,2025-01-01,2027-01-01,two,,',
      'C,c@example.org,Hot Desk,2025-01-01,2027-01-01,1,maybe,perhaps',
    ]);
    expect(problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [2, 'Email', 'invalid_email'],
      [3, 'Quantity', 'invalid_number'],
      [4, 'Prorate first invoice', 'invalid_boolean'],
      [4, 'Auto renew', 'invalid_boolean'],
    ]);
  });

  it('unknown_plan: exact match only, with the closest plan as suggestion', async () => {
    await start();
    const { problems } = await validate(db, [
      header,
      'A,a@example.org,hot desk,2025-01-01,2027-01-01',
      'B,b@example.org,Fixd Desk,2025-01-01,2027-01-01',
      'C,c@example.org,Yoga,2025-01-01,2027-01-01',
    ]);
    expect(only(problems, 'unknown_plan').map((p) => [p.row, p.value, p.suggestion])).toEqual([
      [2, 'hot desk', 'Hot Desk'],
      [3, 'Fixd Desk', 'Fixed Desk'],
      [4, 'Yoga', null],
    ]);
    expect(only(problems, 'unknown_plan')[0]?.message).not.toContain('no plans yet');
  });

  it('unknown_plan in a database without plans says to add the plans first', async () => {
    db = await freshDb(dialect);
    const { problems } = await validate(db, [header, 'A,a@example.org,Hot Desk,2025-01-01,2027-01-01']);
    expect(only(problems, 'unknown_plan').map((p) => p.message)).toEqual([
      'no plan named "Hot Desk": the database has no plans yet; add them first with `memberctl plans import FILE` or `memberctl plans add`',
    ]);
  });

  it('Paid by: resolved in any order by name or e-mail; unknown_payer, ambiguous_payer, self_payer', async () => {
    await start();
    const { problems } = await validate(db, [
      'Name,Email,Paid by',
      'Payee One,one@example.org,Big Boss',
      'Payee Two,two@example.org,BOSS@example.org',
      'Big Boss,boss@example.org,',
      'Lost,lost@example.org,Big Bos',
      'Twin,twin1@example.org,',
      'Twin,twin2@example.org,',
      'Needs Twin,needs@example.org,Twin',
      'Myself,myself@example.org,Myself',
    ]);
    expect(problems.filter((p) => p.code !== 'possible_duplicate').map((p) => [p.row, p.code, p.suggestion])).toEqual([
      [5, 'unknown_payer', 'Big Boss'],
      [8, 'ambiguous_payer', null],
      [9, 'self_payer', null],
    ]);
    expect(only(problems, 'self_payer')[0]!.severity).toBe('warning');
    expect(only(problems, 'ambiguous_payer')[0]!.message).toContain('rows 6, 7');
  });

  it('payer_cycle: in the file, and through a member already in the database', async () => {
    await start();
    const k = db.kysely;
    const payer = await k.insertInto('members').values({ name: 'Db Payer', email: 'dbpayer@example.org', email_key: 'dbpayer@example.org', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    await k.insertInto('members').values({ name: 'Db Payee', email: 'dbpayee@example.org', email_key: 'dbpayee@example.org', paid_by_id: payer.id, created_at: at, updated_at: at }).execute();
    const { problems } = await validate(db, [
      'Name,Email,Paid by',
      'Lise,lise@example.org,Otto',
      'Otto,otto@example.org,lise@example.org',
      'Db Payer,dbpayer@example.org,dbpayee@example.org',
      'Fine,fine@example.org,Otto',
    ]);
    expect(only(problems, 'payer_cycle').map((p) => p.row)).toEqual([2, 3, 4]);
    expect(only(problems, 'payer_cycle')[2]!.message).toContain(`member #${payer.id + 1}`);
    // paid for by someone in a cycle is not a cycle itself
    expect(problems.filter((p) => p.row === 5)).toEqual([]);
  });

  it('duplicate_member: the later occurrence of an e-mail (any case) or external id, naming the first row', async () => {
    await start();
    const { problems } = await validate(db, [
      'Name,Email,External ID',
      'Ada,ada@example.org,X1',
      'Ada Again,ADA@Example.org,X2',
      'Other,other@example.org,X1',
    ]);
    expect(only(problems, 'duplicate_member').map((p) => [p.row, p.column])).toEqual([
      [3, 'Email'],
      [4, 'External ID'],
    ]);
    expect(only(problems, 'duplicate_member')[0]!.message).toContain('row 2');
  });

  it('possible_duplicate: the same name without an e-mail, in the file or in the database', async () => {
    await start();
    await db.kysely.insertInto('members').values({ name: 'Known Person', created_at: at, updated_at: at }).execute();
    const { problems, valid } = await validate(db, ['Name,Email,Company', 'Sam,,', 'Sam,,', 'Known Person,,Elsewhere']);
    expect(valid).toBe(true);
    expect(only(problems, 'possible_duplicate').map((p) => [p.row, p.severity])).toEqual([
      [3, 'warning'],
      [4, 'warning'],
    ]);
  });

  it('company_variant: names that differ only by case, accents, punctuation or spacing, both given', async () => {
    await start();
    await db.kysely.insertInto('companies').values({ name: 'Café Numérique', created_at: at, updated_at: at }).execute();
    const { problems } = await validate(db, [
      'Name,Email,Company',
      'A,a@example.org,Acme S.A.',
      'B,b@example.org,ACME SA',
      'C,c@example.org,Acme S.A.',
      'D,d@example.org,cafe numerique',
    ]);
    expect(only(problems, 'company_variant').map((p) => [p.row, p.value, p.suggestion])).toEqual([
      [3, 'ACME SA', 'Acme S.A.'],
      [5, 'cafe numerique', 'Café Numérique'],
    ]);
    expect(only(problems, 'company_variant')[0]!.message).toContain('Acme S.A.');
  });

  it('next_invoice_before_start (error), next_invoice_in_past with the periods it would bill, start_in_future', async () => {
    await start();
    const { problems } = await validate(db, [
      header,
      'A,a@example.org,Hot Desk,2026-05-01,2026-04-01',
      'B,b@example.org,Hot Desk,2026-01-01,2026-08-01',
      'C,c@example.org,Hot Desk,2027-02-01,2027-02-01',
      'D,d@example.org,Annual,2025-01-01,2026-01-01',
    ]);
    expect(problems.map((p) => [p.row, p.code, p.severity])).toEqual([
      [2, 'next_invoice_before_start', 'error'],
      [3, 'next_invoice_in_past', 'warning'],
      [4, 'start_in_future', 'warning'],
    ]);
    // August, September, October and November 2026 are due as of 2026-11-23
    expect(only(problems, 'next_invoice_in_past')[0]!.message).toContain('4 periods');
  });

  it('name_looks_like_email and name_looks_like_phone are warnings', async () => {
    await start();
    const { problems, valid } = await validate(db, ['Name,Email', 'jane@example.org,', '+33 6 12 34 56 78,']);
    expect(valid).toBe(true);
    expect(problems.map((p) => [p.row, p.code])).toEqual([
      [2, 'name_looks_like_email'],
      [3, 'name_looks_like_phone'],
    ]);
  });

  it('header problems: missing_column, duplicate_column, unknown_column with a suggestion, custom_field', async () => {
    await start();
    const missing = await validate(db, ['Email,Plan name', 'a@example.org,Hot Desk']);
    expect(missing.valid).toBe(false);
    expect(only(missing.problems, 'missing_column').map((p) => p.column)).toEqual(['Name', 'Start date', 'Next invoice date']);
    expect(missing.rows).toBe(1);

    const duplicated = await validate(db, ['Name,Email,E-mail', 'A,a@example.org,b@example.org']);
    expect(only(duplicated.problems, 'duplicate_column')).toMatchObject([{ column: 'E-mail', severity: 'error' }]);

    const extra = await validate(db, ['Name,Emial,Locker', 'A,a@example.org,L12']);
    expect(extra.valid).toBe(true);
    expect(only(extra.problems, 'unknown_column')).toMatchObject([{ column: 'Emial', suggestion: 'Email', severity: 'warning' }]);
    expect(only(extra.problems, 'custom_field')).toMatchObject([{ column: 'Locker', severity: 'warning' }]);
  });

  it('empty_file: a header without rows is a warning; the Error column of a rejects file is ignored', async () => {
    await start();
    const empty = await validate(db, ['Name,Email,Error']);
    expect(empty).toMatchObject({ rows: 0, valid: true });
    expect(empty.problems.map((p) => p.code)).toEqual(['empty_file']);
  });

  it('encoding_guess: a Windows-1252 file with ; is read with its accents', async () => {
    await start();
    const bytes = iconv.encode('Nom;E-mail;Nom du forfait;Date de début;Date de la prochaine facture\r\nHélène Garnier;helene@example.fr;Hot Desk;15/03/2025;01/01/2027\r\n', 'windows-1252');
    const result = await validate(db, bytes);
    expect(result.valid).toBe(true);
    expect(result.problems).toMatchObject([{ code: 'encoding_guess', severity: 'warning', row: null }]);
  });

  it('a UTF-8 BOM, CRLF and quoted line breaks read cleanly', async () => {
    await start();
    const result = await validate(db, `\uFEFFName,Email,Address\r\nAda,ada@example.org,"1 Main St\r\nLondon"\r\nAlan,alan@example.org,\r\n`);
    expect(result).toMatchObject({ rows: 2, valid: true, problems: [] });
  });

  it('cell_too_long: a 10 MB cell is refused and shown cut', async () => {
    await start();
    const result = await validate(db, `Name,Notes\nAda,${'x'.repeat(10 * 1024 * 1024)}\n`);
    const [tooLong] = only(result.problems, 'cell_too_long');
    expect(tooLong).toMatchObject({ row: 2, column: 'Notes', severity: 'error' });
    expect(tooLong!.value!.length).toBeLessThan(300);
  });

  it('invalid_value: a tag with an empty part', async () => {
    await start();
    const { problems } = await validate(db, ['Name,Tags', 'Ada,"Sport/, board"']);
    expect(problems.map((p) => [p.row, p.column, p.code])).toEqual([[2, 'Tags', 'invalid_value']]);
  });

  it('formula_without_value: an xlsx formula cell without a saved result', async () => {
    await start();
    const file = files.path('formula.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Members');
    sheet.addRow(['Name', 'Email', 'Plan name', 'Start date', 'Next invoice date']);
    sheet.addRow(['Ada', 'ada@example.org', 'Hot Desk', new Date(Date.UTC(2025, 0, 10)), new Date(Date.UTC(2027, 0, 10))]);
    sheet.addRow([{ formula: 'CONCAT("Al","an")' }, 'alan@example.org', 'Hot Desk', new Date(Date.UTC(2025, 0, 10)), new Date(Date.UTC(2027, 0, 10))]);
    await workbook.xlsx.writeFile(file);
    const result = await validateFile(db.kysely, { file, mode: 'import', today });
    expect([...result.problems].map((p) => [p.row, p.column, p.code])).toEqual([[3, 'Name', 'formula_without_value']]);
  });

  it('unknown_member: members update finds people by e-mail or external id only', async () => {
    await start();
    await db.kysely.insertInto('members').values({ name: 'Ada', email: 'ada@example.org', email_key: 'ada@example.org', created_at: at, updated_at: at }).execute();
    const file = files.write('update.csv', 'Email,Phone\nADA@example.org,+44 1\nnobody@example.org,+44 2\n');
    const result = await validateFile(db.kysely, { file, mode: 'update', today });
    expect([...result.problems].map((p) => [p.row, p.code])).toEqual([[3, 'unknown_member']]);
  });
});
