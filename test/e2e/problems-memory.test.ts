// A file whose every row repeats the first one has as many problems as rows. They are kept in bounded memory (the
// first ones in memory, the rest in a temporary file), so such a file is checked and imported within a heap in
// which holding every problem at once runs out of memory (V8 aborts with exit 134), and every output still lists
// every problem or rejected row.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { xlsxMaxNotes, xlsxMaxRows } from '../../src/importers/report.js';
import { shownProblems } from '../../src/render-problems.js';
import { runCli } from '../helpers/cli.js';
import { dialects } from '../helpers/db.js';
import { memberCount, withPlans } from '../helpers/members.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('problems-memory');
const today = '2026-11-23';
const rows = 100_000;
const smallHeap = { NODE_OPTIONS: '--max-old-space-size=64' };

function repeatedRows(count = rows): string {
  const file = files.path(`repeated-${Math.random().toString(36).slice(2)}.csv`);
  const row = 'Chloé Dubois,chloe@example.org,+33 6 01 02 03 04,Société Générale,Hot Desk,2025-01-02,2027-01-02,crm-1';
  fs.writeFileSync(file, `Name,Email,Phone,Company,Plan name,Start date,Next invoice date,External ID\n${`${row}\n`.repeat(count)}`);
  return file;
}

const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];
afterAll(() => {
  for (const dir of mounts) execFileSync('umount', [dir]);
});

const dataLines = (file: string) => fs.readFileSync(file, 'utf8').trimEnd().split('\n').length - 1;

describe.each(dialects)('a file of %s with a problem on every row', (dialect) => {
  it('validate lists every problem in its --json document and its report, within a small heap', async () => {
    const db = await withPlans(dialect);
    const file = repeatedRows();
    const report = files.path(`report-${dialect}.csv`);
    const result = await runCli(['--json', 'validate', file, '--report', report], { db, today, env: smallHeap });
    expect(result.code, result.stderr.slice(0, 2000)).toBe(65);
    const document = result.json();
    expect(document).toMatchObject({ rows, valid: false, errors: rows - 1, warnings: 0 });
    expect(document.problems).toHaveLength(rows - 1);
    expect(document.problems.map((p: { row: number }) => p.row)).toEqual(Array.from({ length: rows - 1 }, (_, i) => i + 3));
    expect(document.problems.at(-1)).toMatchObject({ row: rows + 1, column: 'External ID', code: 'duplicate_member', message: 'External ID "crm-1" is already on row 2' });
    expect(dataLines(report)).toBe(rows - 1);
  });

  it('validate at a terminal shows the first problems and counts the others', async () => {
    const db = await withPlans(dialect);
    const result = await runCli(['validate', repeatedRows()], { db, today, env: smallHeap });
    expect(result.code, result.stderr.slice(0, 2000)).toBe(65);
    expect(result.stdout.match(/\[duplicate_member\]/g)).toHaveLength(shownProblems);
    expect(result.stdout).toContain(`Shown: the first ${shownProblems} of ${rows - 1} problems (by code: duplicate_member ${rows - 1}). Add \`--report problems.csv\``);
    expect(result.stdout).toContain(`${rows} rows, ${rows - 1} errors, 0 warnings`);
  });

  it('import --on-error skip writes the one good row and every rejected row to the rejects file', async () => {
    const db = await withPlans(dialect);
    const file = repeatedRows();
    const rejects = files.path(`rejects-${dialect}.csv`);
    const result = await runCli(['--json', 'import', file, '--on-error', 'skip', '--rejects', rejects], { db, today, env: smallHeap });
    expect(result.code, result.stderr.slice(0, 2000)).toBe(65);
    const document = result.json();
    expect(document).toMatchObject({ rows, rejected: rows - 1, created: { members: 1 }, rejects });
    expect(document.problems).toHaveLength(rows - 1);
    expect(dataLines(rejects)).toBe(rows - 1);
    // the phone keeps the apostrophe that stops a spreadsheet from reading it as a formula (taken off on import)
    const last = fs.readFileSync(rejects, 'utf8').trimEnd().split('\n').at(-1);
    expect(last).toBe('Chloé Dubois,chloe@example.org,\'+33 6 01 02 03 04,Société Générale,Hot Desk,2025-01-02,2027-01-02,crm-1,"External ID: External ID ""crm-1"" is already on row 2"');
    expect(await memberCount(db)).toBe(1);
  });

  it('rows of one e-mail that each disagree with the first are checked and rejected together within a small heap', async () => {
    const db = await withPlans(dialect);
    // another membership of the first row's person on each row, each with another phone: the person waits on none
    const file = files.path(`one-person-${dialect}.csv`);
    const lines = Array.from({ length: rows }, (_, i) => {
      const start = new Date(Date.UTC(2025, 0, 2 + i)).toISOString().slice(0, 10);
      return `Chloé Dubois,chloe@example.org,+33 6 ${String(i).padStart(8, '0')},Hot Desk,${start},${start}`;
    });
    fs.writeFileSync(file, `Name,Email,Phone,Plan name,Start date,Next invoice date\n${lines.join('\n')}\n`);
    const checked = await runCli(['--json', 'validate', file], { db, today, env: smallHeap });
    expect(checked.code, checked.stderr.slice(0, 2000)).toBe(65);
    const errors = checked.json().problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors).toHaveLength(rows - 1);
    expect(errors.at(-1)).toMatchObject({ row: rows + 1, column: 'Phone', code: 'conflicting_rows' });

    const rejects = files.path(`one-person-rejects-${dialect}.csv`);
    const result = await runCli(['--json', 'import', file, '--on-error', 'skip', '--rejects', rejects], { db, today, env: smallHeap });
    expect(result.code, result.stderr.slice(0, 2000)).toBe(65);
    expect(result.json()).toMatchObject({ rows, rejected: rows, created: { members: 0 } });
    expect(dataLines(rejects)).toBe(rows);
    // the first row goes with the others, saying which row of theirs failed and how many more did
    const first = fs.readFileSync(rejects, 'utf8').trimEnd().split('\n').at(-1)!;
    expect(first).toContain('+33 6 00000000');
    expect(first).toContain(`are imported together, and row 3: row 2 has the same e-mail chloe@example.org with other values`);
    expect(first).toContain(`and ${rows - 2} other rows of theirs have errors`);
    expect(await memberCount(db)).toBe(0);
  });

  it('an xlsx report colours every cell with a problem, comments the first ones and lists every problem', async () => {
    const db = await withPlans(dialect);
    const count = xlsxMaxNotes + 2000;
    const report = files.path(`report-${dialect}.xlsx`);
    const result = await runCli(['validate', repeatedRows(count), '--report', report], { db, today });
    expect(result.code, result.stderr.slice(0, 2000)).toBe(65);
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(report);
    const data = workbook.getWorksheet('Data')!;
    let red = 0;
    let notes = 0;
    data.eachRow((row) => {
      const cell = row.getCell(8);
      if ((cell.fill as { fgColor?: { argb?: string } } | undefined)?.fgColor?.argb === 'FFFF9999') red += 1;
      if (cell.note) notes += 1;
    });
    expect([data.rowCount, red, notes]).toEqual([count + 1, count - 1, xlsxMaxNotes]);
    expect(workbook.getWorksheet('Problems')!.rowCount).toBe(count);
    expect(result.stderr).toContain(`Report written to ${report}.`);
  });

  it('an xlsx report of more rows than a sheet holds is refused, pointing to .csv', async () => {
    const db = await withPlans(dialect);
    const file = files.path(`tall-${dialect}.csv`);
    fs.writeFileSync(file, `Name,Email\n${'Ada,\n'.repeat(xlsxMaxRows)}`);
    const report = files.path(`tall-${dialect}.xlsx`);
    const result = await runCli(['validate', file, '--report', report], { db, today });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(`--report ${report}: ${file} has ${xlsxMaxRows} rows, more than an xlsx sheet holds (${xlsxMaxRows}, the header included)`);
    expect(result.stderr).toContain('Write the report as .csv or .json');
    expect(fs.existsSync(report)).toBe(false);
  });

  it.skipIf(!isRoot)('a temporary folder too full for the problems stops the import with 74, nothing written', async () => {
    const db = await withPlans(dialect);
    const tmp = files.path(`full-tmp-${dialect}`);
    fs.mkdirSync(tmp);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tmp]);
    mounts.push(tmp);
    const rejects = files.path(`full-rejects-${dialect}.csv`);
    const result = await runCli(['import', repeatedRows(30_000), '--on-error', 'skip', '--rejects', rejects], { db, today, env: { TMPDIR: tmp } });
    expect(result.code, result.stderr.slice(0, 2000)).toBe(74);
    expect(result.stderr).toContain(`the problems found are too many to keep in memory and cannot be written to the temporary folder ${tmp}: the disk is full (ENOSPC); nothing was written`);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(await memberCount(db)).toBe(0);
    expect(fs.existsSync(rejects)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
