// From the built CLI: date cells whose serial is no day are refused at their row and column, and a hidden first
// sheet is passed over for the first visible one, with a file-level warning.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';

const folder = tempFolder('xlsx-sheets-dates');
const today = '2026-11-23';
const header = ['Name', 'Email', 'Plan name', 'Start date', 'Next invoice date'];

async function writeWorkbook(build: (book: ExcelJS.Workbook) => void): Promise<string> {
  const book = new ExcelJS.Workbook();
  build(book);
  const file = folder.path('members.xlsx');
  await book.xlsx.writeFile(file);
  return file;
}

function membersSheet(book: ExcelJS.Workbook, name: string, starts: number[]) {
  const sheet = book.addWorksheet(name);
  sheet.addRow(header);
  starts.forEach((serial, i) => {
    sheet.addRow([`${name} ${i + 1}`, `${name.toLowerCase().replace(/\W/g, '')}${i + 1}@example.org`, 'Hot Desk', serial, '2027-01-01']);
    sheet.getCell(`D${i + 2}`).numFmt = 'dd/mm/yyyy';
  });
  return sheet;
}

async function withPlan(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'add', 'Hot Desk', '--price', '200'], { db })).code).toBe(0);
  return db;
}

interface Problem {
  row: number | null;
  column: string | null;
  code: string;
  severity: string;
  message: string;
}

describe.each(dialects)('xlsx dates and sheets (%s)', (dialect) => {
  it('a start date serial below 1, or 60 (29 February 1900), is an invalid_date at its row and column', async () => {
    const db = await withPlan(dialect);
    // 46000 is 2025-12-10
    const file = await writeWorkbook((book) => membersSheet(book, 'Members', [46000, 0, -3, 60, 0.5]));
    const result = await runCli(['--json', 'validate', file], { db, today });
    expect(result.code).toBe(65);
    const problems: Problem[] = result.json().problems.filter((p: Problem) => p.code === 'invalid_date');
    expect(problems.map((p) => [p.row, p.column, p.severity])).toEqual([
      [3, 'Start date', 'error'],
      [4, 'Start date', 'error'],
      [5, 'Start date', 'error'],
      [6, 'Start date', 'error'],
    ]);
  });

  it('serial 1 imports as 1900-01-01 and 61 as 1900-03-01, as Excel shows them', async () => {
    const db = await withPlan(dialect);
    const file = await writeWorkbook((book) => membersSheet(book, 'Members', [1, 61]));
    const result = await runCli(['--json', 'validate', file], { db, today });
    expect(result.json().problems.filter((p: Problem) => p.code === 'invalid_date')).toEqual([]);
    const imported = await runCli(['--json', 'import', file], { db, today });
    expect(imported.code, imported.stderr).toBe(0);
    const conn = await openDb(db);
    try {
      const starts = await conn.kysely.selectFrom('memberships').select('start_date').orderBy('id').execute();
      expect(starts.map((m) => String(m.start_date))).toEqual(['1900-01-01', '1900-03-01']);
    } finally {
      await conn.close();
    }
  });

  it('a hidden first sheet is passed over for the first visible one, which the --json document and the output say', async () => {
    const db = await withPlan(dialect);
    const file = await writeWorkbook((book) => {
      membersSheet(book, 'Archive', [46000]).state = 'hidden';
      membersSheet(book, 'Members', [46000, 46001]);
    });
    const human = await runCli(['validate', file], { db, today });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/"Archive".*hidden.*"Members"/);

    const named = await runCli(['--json', 'validate', '--sheet', 'Archive', file], { db, today });
    expect(named.json()).toMatchObject({ rows: 1 });
    expect(named.json().problems.filter((p: Problem) => p.code === 'hidden_sheet')).toEqual([]);

    const result = await runCli(['--json', 'import', file], { db, today });
    expect(result.code, result.stderr).toBe(0);
    const document = result.json();
    expect(document.created.members).toBe(2);
    const warning = document.problems.find((p: Problem) => p.code === 'hidden_sheet');
    expect(warning).toMatchObject({ row: null, column: null, severity: 'warning' });
    expect(warning.message).toContain('"Archive"');
    expect(warning.message).toContain('"Members"');
  });
});
