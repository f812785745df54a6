import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
// the blank template: every column but the memberctl ID, which only `members export` writes
import { blankTemplateColumns as templateColumns } from '../../src/core/import/template-columns.js';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

describe.each(dialects)('template on %s', (dialect) => {
  it('writes the xlsx template with frozen yellow required headers, date formats, a plan drop-down and instructions', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    for (const [name, price] of [['Hot Desk', '200'], ['Fixed Desk', '350']]) {
      expect((await runCli(['plans', 'add', name!, '--price', price!], { db })).code).toBe(0);
    }
    const file = path.join(dir, 'members.xlsx');
    const result = await runCli(['template', '-o', file, '--json'], { db });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ file, format: 'xlsx', lang: 'en', plans: ['Fixed Desk', 'Hot Desk'] });

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['Members', 'Plans', 'Instructions']);
    const members = workbook.getWorksheet('Members')!;
    expect(members.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const headers = (members.getRow(1).values as unknown[]).slice(1);
    expect(headers).toEqual(templateColumns.map((c) => c.header));
    templateColumns.forEach((column, i) => {
      const cell = members.getRow(1).getCell(i + 1);
      const fill = cell.fill as { fgColor?: { argb?: string } } | undefined;
      expect(fill?.fgColor?.argb === 'FFFFFF00', `${column.header} yellow`).toBe(column.required !== 'no');
      if (column.kind === 'date') expect(members.getColumn(i + 1).numFmt).toBe('yyyy-mm-dd');
    });
    const planCol = templateColumns.findIndex((c) => c.key === 'planName') + 1;
    const validation = members.getRow(2).getCell(planCol).dataValidation;
    expect(validation).toMatchObject({ type: 'list', formulae: ['Plans!$A$2:$A$3'] });
    const plans = workbook.getWorksheet('Plans')!;
    expect([plans.getCell('A2').value, plans.getCell('A3').value]).toEqual(['Fixed Desk', 'Hot Desk']);
    const instructions = workbook.getWorksheet('Instructions')!;
    expect(String(instructions.getCell('A1').value)).toContain('How to fill in');
  });

  it('writes French headers and a CSV header line', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const csv = path.join(dir, 'modele.csv');
    expect((await runCli(['template', '--lang', 'fr', '-o', csv], { db })).code).toBe(0);
    const line = fs.readFileSync(csv, 'utf8');
    expect(line.startsWith('\uFEFFNom;Nom du forfait;Date de début;')).toBe(true);
    expect(line.trimEnd().split(';')).toEqual(templateColumns.map((c) => c.frenchHeaders[0]).map((h, i) => (i === 0 ? `\uFEFF${h}` : h)));

    const xlsx = path.join(dir, 'modele.xlsx');
    expect((await runCli(['template', '--lang', 'fr', '-o', xlsx], { db })).code).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    expect(workbook.getWorksheet('Members')!.getCell('A1').value).toBe('Nom');
  });

  it('refuses an unknown language or format with 64', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['template', '--lang', 'de'], { db })).code).toBe(64);
    expect((await runCli(['template', '--format', 'ods'], { db })).code).toBe(64);
    // a zip in a .csv file would be read as garbage text later
    const dir = tempDir();
    const mismatch = await runCli(['template', '-o', path.join(dir, 'out.csv'), '--format', 'xlsx'], { db });
    expect(mismatch.code).toBe(64);
    expect(mismatch.stderr).toContain('--format xlsx does not fit the name');
    expect(fs.existsSync(path.join(dir, 'out.csv'))).toBe(false);
  });
});

describe('bundled blank templates', () => {
  it.each([
    ['members-template.csv', 'en'],
    ['modele-membres.csv', 'fr'],
  ])('templates/%s is what `template --format csv --lang %s` writes', async (name, lang) => {
    const dir = tempDir();
    const file = path.join(dir, name);
    const result = await runCli(['template', '--format', 'csv', '--lang', lang, '-o', file], { db: path.join(dir, 'm.db') });
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(root, 'templates', name), 'utf8')).toBe(fs.readFileSync(file, 'utf8'));
  });
});
