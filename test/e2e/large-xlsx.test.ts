// Large xlsx sheets are read on a worker thread (src/importers/xlsx-worker.ts), which only the built CLI runs: this
// sheet is above its threshold, and its rows must come out exactly as a small sheet's do: date cells as days, formulas
// by their cached result, empty cells in the middle of a row, problems at their rows up to the last one.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { workerSheetBytes } from '../../src/importers/xlsx.js';
import { readZipDirectory } from '../../src/importers/zip-directory.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';

const folder = tempFolder('large-xlsx');
const today = '2026-11-23';
/** Not a multiple of the worker's batch size: the last, partial batch must arrive too. */
const rows = 30_321;
/** Spreadsheet rows (the header is row 1) whose start date is a serial that is no day. */
const badDateRows = [2, 15_002, rows + 1];
const header = ['Name', 'Email', 'Phone', 'Plan name', 'Start date', 'Next invoice date', 'Reference', 'Greeting'];
/** A reference that does not compress, so that the sheet is large on disk. */
const reference = (i: number) => createHash('sha256').update(String(i)).digest('hex');
const day = (i: number) => new Date(Date.UTC(2025, 0, 1 + (i % 300)));

let file = '';
beforeAll(async () => {
  file = folder.path('members.xlsx');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
  const sheet = workbook.addWorksheet('Membres');
  sheet.addRow(header).commit();
  for (let i = 1; i <= rows; i += 1) {
    const row = i + 1;
    // the phone left empty on every other row: an empty cell between two full ones
    const added = sheet.addRow([
      `Élodie Lefèvre ${i}`,
      `elodie${i}@exemple.fr`,
      i % 2 ? null : `+33 6 00 00 ${String(i % 100).padStart(2, '0')}`,
      'Hot Desk',
      badDateRows.includes(row) ? -5 : day(i),
      new Date(Date.UTC(2027, 0, 15)),
      reference(i),
      // a formula with its cached result every 1000 rows
      i % 1000 === 0 ? { formula: `"Bonjour "&A${row}`, result: `Bonjour Élodie Lefèvre ${i}` } : `Salut ${i}`,
    ]);
    added.getCell(5).numFmt = 'dd/mm/yyyy';
    added.getCell(6).numFmt = 'dd/mm/yyyy';
    added.commit();
  }
  sheet.commit();
  await workbook.commit();
  const handle = await fs.open(file, 'r');
  try {
    const directory = await readZipDirectory(handle, (await handle.stat()).size);
    const entry = directory?.entries.find((e) => e.name === 'xl/worksheets/sheet1.xml');
    expect(entry?.compressedSize).toBeGreaterThan(workerSheetBytes);
  } finally {
    await handle.close();
  }
}, 300_000);

async function withPlan(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'add', 'Hot Desk', '--price', '200'], { db })).code).toBe(0);
  return db;
}

describe.each(dialects)('an xlsx sheet of several megabytes (%s)', (dialect) => {
  it('validate reports every problem at its row, to the last one', async () => {
    const db = await withPlan(dialect);
    const result = await runCli(['--json', 'validate', file], { db, today });
    expect(result.code, result.stderr).toBe(65);
    const report = result.json();
    expect(report.rows).toBe(rows);
    const dates = report.problems.filter((p: { column: string; severity: string }) => p.column === 'Start date' && p.severity === 'error');
    expect(dates.map((p: { row: number }) => p.row)).toEqual(badDateRows);
  }, 300_000);

  it('import writes every row as read: days, cached formula results, empty cells between full ones', async () => {
    const db = await withPlan(dialect);
    const result = await runCli(['--json', 'import', file, '--on-error', 'skip', '--rejects', folder.path('rejects.csv')], { db, today });
    // the rows with an error are left out, which --on-error skip says with exit 65
    expect(result.code, result.stderr).toBe(65);
    expect(result.json().created.members).toBe(rows - badDateRows.length);
    const opened = await openDb(db);
    try {
      const people = await opened.kysely
        .selectFrom('members')
        .innerJoin('memberships', 'memberships.member_id', 'members.id')
        .select(['members.name', 'members.email', 'members.phone', 'memberships.start_date', 'memberships.next_invoice_date'])
        .orderBy('members.id')
        .execute();
      const fields = await opened.kysely.selectFrom('member_fields').select(['member_id', 'key', 'value']).orderBy('member_id').orderBy('key').execute();
      const expected: Array<Record<string, string | null>> = [];
      for (let i = 1; i <= rows; i += 1) {
        if (badDateRows.includes(i + 1)) continue;
        expected.push({
          name: `Élodie Lefèvre ${i}`,
          email: `elodie${i}@exemple.fr`,
          phone: i % 2 ? null : `+33 6 00 00 ${String(i % 100).padStart(2, '0')}`,
          start_date: day(i).toISOString().slice(0, 10),
          next_invoice_date: '2027-01-15',
        });
      }
      const differing = people.filter((p, i) => JSON.stringify(p) !== JSON.stringify(expected[i]));
      expect(differing.slice(0, 3)).toEqual([]);
      expect(people.length).toBe(expected.length);
      const greetings = fields.filter((f) => f.key === 'Greeting');
      expect(greetings.length).toBe(expected.length);
      expect(greetings.filter((f) => f.value.startsWith('Bonjour')).map((f) => f.value)).toEqual(
        Array.from({ length: Math.floor(rows / 1000) }, (_, k) => `Bonjour Élodie Lefèvre ${(k + 1) * 1000}`),
      );
      const kept = Array.from({ length: rows }, (_, k) => k + 1).filter((i) => !badDateRows.includes(i + 1));
      expect(fields.filter((f) => f.key === 'Reference').map((f) => f.value)).toEqual(kept.map(reference));
    } finally {
      await opened.close();
    }
  }, 300_000);
});
