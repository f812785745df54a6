// Characters no import may take in (U+FFFD, control characters), whatever reads the file and whatever it imports.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('cells-e2e');
const today = '2026-11-23';
const stripe = (name: string) => path.join(root, 'fixtures', 'stripe', name);

const header = 'Name,Email,Company,Plan name,Start date,Next invoice date';
const row = (i: number, name = `Member ${i}`, email = `member${i}@example.com`) => `${name},${email},,Hot Desk,2026-01-01,2027-01-01`;

/** A template CSV of `count` rows, the `bad` row (a row number, the header being row 1) holding `name` and `email`. */
function memberCsv(count: number, bad: { row: number; name?: string; email?: string }): string {
  const lines = [header];
  for (let i = 1; i <= count; i += 1) lines.push(i + 1 === bad.row ? row(i, bad.name, bad.email) : row(i));
  return files.write('members.csv', `${lines.join('\n')}\n`);
}

async function withPlan(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'add', 'Hot Desk', '--price', '200'], { db })).code).toBe(0);
  return db;
}

async function memberNames(url: string): Promise<string[]> {
  const db = await openDb(url);
  try {
    return (await db.kysely.selectFrom('members').select('name').orderBy('id').execute()).map((m) => m.name);
  } finally {
    await db.close();
  }
}

interface JsonProblem {
  row: number | null;
  column: string | null;
  code: string;
  severity: string;
  message: string;
  file?: string;
}
const problemsOf = (result: { json(): { problems: JsonProblem[] } }, code: string) => result.json().problems.filter((p) => p.code === code);

describe.each(dialects)('cells that cannot be imported (%s)', (dialect) => {
  it('a NUL past the first 64 KB: validate reports it at its row and column, import exits 65 and writes nothing', async () => {
    const db = await withPlan(dialect);
    // far past the first bytes, which are checked for a binary file
    const file = memberCsv(1500, { row: 1400, name: 'Ann\u0000e Dupont' });
    expect(fs.statSync(file).size).toBeGreaterThan(64 * 1024);
    const validate = await runCli(['--json', 'validate', file], { db, today });
    expect(validate.code).toBe(65);
    expect(problemsOf(validate, 'control_character')).toEqual([expect.objectContaining({ row: 1400, column: 'Name', severity: 'error', message: expect.stringContaining('U+0000') })]);
    const imported = await runCli(['--json', 'import', file], { db, today });
    expect(imported.code).toBe(65);
    expect(problemsOf(imported, 'control_character').map((p) => [p.row, p.column])).toEqual([[1400, 'Name']]);
    expect(await memberNames(db)).toEqual([]);
    // the other rows go in with --on-error skip; the NUL never reaches the database
    const skip = await runCli(['--json', 'import', file, '--on-error', 'skip', '--rejects', files.path('rejects.csv')], { db, today });
    expect(skip.code).toBe(65);
    const names = await memberNames(db);
    expect(names).toHaveLength(1499);
    expect(names.some((name) => /[\u0000-\u001f]/.test(name))).toBe(false);
  });

  it('other control characters in an imported cell, and an e-mail holding one is an invalid e-mail', async () => {
    const db = await withPlan(dialect);
    const file = memberCsv(3, { row: 3, name: 'Bob\u001b[31m', email: 'bob\u0001@example.com' });
    const imported = await runCli(['--json', 'import', file], { db, today });
    expect(imported.code).toBe(65);
    expect(problemsOf(imported, 'control_character').map((p) => [p.row, p.column])).toEqual([
      [3, 'Name'],
      [3, 'Email'],
    ]);
    expect(problemsOf(imported, 'invalid_email').map((p) => [p.row, p.column])).toEqual([[3, 'Email']]);
    expect(await memberNames(db)).toEqual([]);
  });

  it('U+FFFD left by a broken file is a replacement_character error in a CSV and in an xlsx workbook', async () => {
    const db = await withPlan(dialect);
    const csv = memberCsv(3, { row: 4, name: 'Chlo\ufffd\ufffd Dubois' });
    const validate = await runCli(['--json', 'validate', csv], { db, today });
    expect(validate.code).toBe(65);
    expect(problemsOf(validate, 'replacement_character')).toEqual([
      expect.objectContaining({ row: 4, column: 'Name', severity: 'error', message: expect.stringContaining('save it again as UTF-8') }),
    ]);
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Members');
    sheet.addRow(header.split(','));
    sheet.addRow(['Hugo Dupr\ufffd-Laurent', 'hugo@example.com', null, 'Hot Desk', '2026-01-01', '2027-01-01']);
    const xlsx = files.path('members.xlsx');
    await workbook.xlsx.writeFile(xlsx);
    const imported = await runCli(['--json', 'import', xlsx], { db, today });
    expect(imported.code).toBe(65);
    expect(problemsOf(imported, 'replacement_character').map((p) => [p.row, p.column])).toEqual([[2, 'Name']]);
    expect(await memberNames(db)).toEqual([]);
  });

  it('plans import refuses a plan name holding U+FFFD or a control character, not a column it ignores', async () => {
    const db = await freshDbUrl(dialect);
    // a column that is not a plan column is not imported: what it holds keeps no plan out
    const file = files.write('plans.csv', 'Name,Price,Comment\nHot Desk,200,ok\u0001\nCaf\ufffd,10\nNight\u0007,30\n');
    const result = await runCli(['--json', 'plans', 'import', file], { db });
    expect(result.code).toBe(65);
    const characters = result.json().problems.filter((p: JsonProblem) => p.code !== 'unknown_column');
    expect(characters.map((p: JsonProblem) => [p.row, p.column, p.code])).toEqual([
      [3, 'Name', 'replacement_character'],
      [4, 'Name', 'control_character'],
    ]);
    const list = await runCli(['--json', 'plans', 'list'], { db });
    expect(list.json()).toEqual([]);
  });

  it('Stripe exports: a customer cell holding U+FFFD or a control character keeps the customer out, unless its column is not imported', async () => {
    const db = await freshDbUrl(dialect);
    const lines = fs.readFileSync(stripe('customers.csv'), 'utf8').split('\n');
    lines[1] = lines[1]!.replace('Hélène', 'H\ufffdl\ufffdne');
    lines[2] = lines[2]!.replace(/^(cus_\w+),/, '$1\u0001,');
    // Created is not imported: what it holds keeps nobody out
    lines[3] = lines[3]!.replace(/,(\d{4}-\d{2}-\d{2} \d{2}:\d{2}),/, ',$1\u0001,');
    expect(lines[3]).toContain('\u0001');
    const customers = files.write('customers.csv', lines.join('\n'));
    const validate = await runCli(['--json', 'validate', customers, '--source', 'stripe'], { db, today });
    expect(validate.code).toBe(65);
    expect(problemsOf(validate, 'replacement_character').map((p) => [p.row, p.column])).toEqual([[2, 'Name']]);
    expect(problemsOf(validate, 'control_character').map((p) => [p.row, p.column])).toEqual([[3, 'id']]);
    const imported = await runCli(['--json', 'import', 'stripe', '--customers', customers], { db, today });
    expect(imported.code).toBe(65);
    expect(await memberNames(db)).toEqual([]);
  });

  it('members add refuses a control character in a name or an e-mail (64)', async () => {
    const db = await freshDbUrl(dialect);
    const name = await runCli(['members', 'add', '--name', 'Eve\u0007'], { db });
    expect(name.code).toBe(64);
    expect(name.stderr).toContain('control characters');
    const email = await runCli(['members', 'add', '--name', 'Eve', '--email', 'eve\u0001@example.com'], { db });
    expect(email.code).toBe(64);
    expect(await memberNames(db)).toEqual([]);
  });
});
