import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { readPlanRows } from '../../src/core/import/plans-import.js';
import { openTable } from '../../src/importers/open-table.js';
import { tempFolder } from '../importers/files.js';

const folder = tempFolder('plans-amounts');

async function plansWorkbook(rows: Array<Array<string | number>>, formats: Record<string, string>): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Forfaits');
  for (const row of rows) sheet.addRow(row);
  for (const [cell, format] of Object.entries(formats)) sheet.getCell(cell).numFmt = format;
  const file = folder.path('plans.xlsx');
  await workbook.xlsx.writeFile(file);
  return file;
}

const read = async (file: string) => readPlanRows(await openTable(file), 'EUR');

describe('amounts and rates in a plans file', () => {
  test('a tax rate typed as a percentage in Excel (0.2 shown as 20 %) is a 20% rate', async () => {
    const file = await plansWorkbook(
      [
        ['Nom', 'Prix', 'TVA'],
        ['Hot desk', 199.9, 0.2],
        ['Meeting room', 50, 0.055],
        ['Locker', 10, 20],
      ],
      { C2: '0%', C3: '0.0\\ %' },
    );
    const { rows, problems } = await read(file);
    expect(problems).toEqual([]);
    expect(rows.map((row) => [row.values.name, row.values.price, row.values.taxRate])).toEqual([
      ['Hot desk', 19990, '20'],
      ['Meeting room', 5000, '5.5'],
      ['Locker', 1000, '20'],
    ]);
  });

  test('written as text, a tax rate may end with %', async () => {
    const file = folder.write('plans.csv', 'Name;Price;Tax rate\nA;10;20%\nB;10;20 %\nC;10;5,5 %\n');
    const { rows, problems } = await read(file);
    expect(problems).toEqual([]);
    expect(rows.map((row) => row.values.taxRate)).toEqual(['20', '20', '5.5']);
  });

  test('a percentage in a price, credits, every or passes column is refused, not read as a fraction', async () => {
    const file = await plansWorkbook(
      [
        ['Name', 'Price', 'Credits', 'Every', 'Passes'],
        ['A', 0.2, 10, 1, 2],
        ['B', 10, 0.5, 1, 2],
        ['C', 10, 10, 1, 2],
        ['D', 10, 10, 1, 0.1],
      ],
      { B2: '0%', C3: '0%', D4: '0%', E5: '0%' },
    );
    const { rows, problems } = await read(file);
    expect(rows).toEqual([]);
    expect(problems.map((p) => [p.row, p.column, p.value, p.code, p.severity])).toEqual([
      [2, 'Price', '20%', 'invalid_number', 'error'],
      [3, 'Credits', '50%', 'invalid_number', 'error'],
      [4, 'Every', '100%', 'invalid_number', 'error'],
      [5, 'Passes', '10%', 'invalid_number', 'error'],
    ]);
  });

  test('a price with one separator before exactly three digits is refused with both ways to write it', async () => {
    const file = folder.write('plans.csv', 'Name,Price,Credits\nY,1.005,\nZ,"1,005",\nW,"1.005,50","1,234"\nV,"1,005.50",\nU,1 005,\n');
    const { rows, problems } = await read(file);
    expect(rows.map((row) => [row.values.name, row.values.price])).toEqual([
      ['V', 100550],
      ['U', 100500],
    ]);
    expect(problems.map((p) => [p.row, p.column, p.value, p.code])).toEqual([
      [2, 'Price', '1.005', 'invalid_number'],
      [3, 'Price', '1,005', 'invalid_number'],
      [4, 'Credits', '1,234', 'invalid_number'],
    ]);
    expect(problems[0]?.message).toContain('write 1005 or 1.01');
    expect(problems[1]?.message).toContain('write 1005 or 1,01');
    expect(problems[2]?.message).toContain('write 1234 or 1,23');
  });
});
