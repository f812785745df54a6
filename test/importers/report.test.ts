import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../src/core/kernel/problem-list.js';
import { problem } from '../../src/core/kernel/problems.js';
import { openTable } from '../../src/importers/open-table.js';
import { reportFormat, type ValidationReport, writeReport } from '../../src/importers/report.js';
import { tempDir } from '../helpers/db.js';

function sample(): { dir: string; source: string; report: ValidationReport } {
  const dir = tempDir();
  const source = path.join(dir, 'members.csv');
  fs.writeFileSync(source, 'Name,Plan name,Email\nAda,Hot desk ,ada@example.org\nBob,Hot Desk,not-an-email\n=cmd,Hot Desk,\n');
  const problems = [
    problem({ row: 2, column: 'Plan name', value: 'Hot desk', code: 'unknown_plan', severity: 'error', message: 'no plan "Hot desk"', suggestion: 'Hot Desk' }),
    problem({ row: 3, column: 'Email', value: 'not-an-email', code: 'invalid_email', severity: 'error', message: 'not an e-mail address' }),
    problem({ row: 4, column: 'Name', value: '=cmd', code: 'possible_duplicate', severity: 'warning', message: 'looks odd' }),
    problem({ code: 'encoding_guess', severity: 'warning', message: 'read as Windows-1252' }),
  ];
  return { dir, source, report: { file: source, source: 'template', rows: 3, valid: false, errors: 2, warnings: 2, problems } };
}

describe('validation reports', () => {
  it('chooses the format from the extension and refuses others', () => {
    expect(reportFormat('r.JSON')).toBe('json');
    expect(reportFormat('r.xlsx')).toBe('xlsx');
    expect(() => reportFormat('r.txt')).toThrow(/\.json, \.csv or \.xlsx/);
  });

  it('writes the JSON document and a CSV line per problem', async () => {
    const { dir, source, report } = sample();
    await writeReport(path.join(dir, 'r.json'), report, { file: source });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8'))).toEqual(report);
    await writeReport(path.join(dir, 'r.csv'), report, { file: source });
    const lines = fs.readFileSync(path.join(dir, 'r.csv'), 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('Row,Column,Value,Code,Severity,Message,Suggestion');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('2,Plan name,Hot desk,unknown_plan,error,"no plan ""Hot desk""",Hot Desk');
    // a value a spreadsheet would run as a formula is written as text
    expect(lines[3]).toContain("'=cmd");
  });

  it('writes an xlsx copy of the data with red error cells, yellow warning cells, comments and a Problems sheet', async () => {
    const { dir, source, report } = sample();
    const file = path.join(dir, 'r.xlsx');
    await writeReport(file, report, { file: source });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const data = workbook.getWorksheet('Data')!;
    expect((data.getRow(1).values as unknown[]).slice(1)).toEqual(['Name', 'Plan name', 'Email']);
    const fill = (cell: ExcelJS.Cell) => (cell.fill as { fgColor?: { argb?: string } } | undefined)?.fgColor?.argb;
    expect(data.getCell('B2').value).toBe('Hot desk');
    expect(fill(data.getCell('B2'))).toBe('FFFF9999');
    expect(String((data.getCell('B2').note as any)?.texts?.map((t: { text: string }) => t.text).join('') ?? data.getCell('B2').note)).toContain('did you mean "Hot Desk"');
    expect(fill(data.getCell('C3'))).toBe('FFFF9999');
    expect(fill(data.getCell('A4'))).toBe('FFFFFF66');
    // text cells hold the values as they are: no apostrophe that a fixed report would carry back into the data
    expect(data.getCell('A4').value).toBe('=cmd');
    expect(data.getCell('A4').type).toBe(ExcelJS.ValueType.String);
    // a report fixed and imported reads the same cells as the file it copies (the CSV's trailing delimiters aside)
    const rows = async (file: string, sheet?: string) => {
      const read = [];
      for await (const row of (await openTable(file, { sheet })).rows) read.push({ row: row.row, cells: row.cells });
      return read;
    };
    expect(await rows(file, 'Data')).toEqual(await rows(source));
    expect(fill(data.getCell('A2'))).toBeUndefined();
    const problems = workbook.getWorksheet('Problems')!;
    expect(problems.rowCount).toBe(5);
    expect(problems.getCell('D5').value).toBe('encoding_guess');
  });

  it('continues the Problems sheet on "Problems 2" and further once a sheet is full, every problem in order', async () => {
    const dir = tempDir();
    const source = path.join(dir, 'members.csv');
    fs.writeFileSync(source, `Name,Email\n${Array.from({ length: 6 }, (_, i) => `P${i},p${i}@example.org`).join('\n')}\n`);
    // 23 problems on sheets of 10 rows (a header and 9 problems each)
    const problems = Array.from({ length: 23 }, (_, i) =>
      problem({ row: 2 + (i % 6), column: 'Email', value: `p${i % 6}@example.org`, code: 'duplicate_member', severity: 'error', message: `problem ${i}` }),
    );
    const list = new ProblemList(problems, { runSize: 4 });
    const file = path.join(dir, 'r.xlsx');
    await writeReport(file, { file: source, source: 'template', rows: 6, valid: false, errors: 23, warnings: 0, problems: list }, { file: source }, 10);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets.map((w) => [w.name, w.rowCount])).toEqual([
      ['Data', 7],
      ['Problems', 10],
      ['Problems 2', 10],
      ['Problems 3', 6],
    ]);
    const messages = workbook.worksheets.slice(1).flatMap((sheet) => sheet.getSheetValues().slice(2).map((row) => (row as unknown[])[6]));
    expect(messages).toEqual([...list].map((p) => p.message));
    await expect(writeReport(path.join(dir, 'tall.xlsx'), { file: source, source: 'template', rows: 10, valid: false, errors: 0, warnings: 0, problems: [] }, { file: source }, 10)).rejects.toThrow(
      /has 10 rows, more than an xlsx sheet holds \(10, the header included\)/,
    );
  });
});

