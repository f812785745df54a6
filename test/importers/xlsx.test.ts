import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { openTable } from '../../src/importers/open-table.js';
import { numberText, parseWorkbook, percentText, xlsxCell } from '../../src/importers/xlsx.js';
import { readRows, tempFolder } from './files.js';

const folder = tempFolder('xlsx');

async function workbookFile(name: string, build: (workbook: ExcelJS.Workbook) => void): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  const file = folder.path(name);
  await workbook.xlsx.writeFile(file);
  return file;
}

const utcDay = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('cell values', () => {
  test('dates, formulas, rich text, booleans, hyperlinks, errors and numbers become cells', async () => {
    const file = await workbookFile('values.xlsx', (workbook) => {
      const sheet = workbook.addWorksheet('Members');
      sheet.addRow(['Name', 'Start date', 'Next invoice date', 'Quantity', 'Auto renew', 'Company', 'Email', 'Notes', 'Phone']);
      sheet.addRow([
        { richText: [{ text: 'Ann ', font: { bold: true } }, { text: 'Lee' }] },
        utcDay('2024-01-31'),
        { formula: 'B2+30', result: 45352 },
        { formula: '0.1+0.2', result: 0.30000000000000004 },
        true,
        { formula: 'UPPER("acme")', result: 'ACME' },
        { text: 'ann@example.com', hyperlink: 'mailto:ann@example.com' },
        { error: '#N/A' },
        33612345678,
      ]);
      sheet.getCell('C2').numFmt = 'dd/mm/yyyy';
      sheet.addRow(['  Bob\u00a0', 45000, { formula: 'B3' }, 2, false, { formula: 'T("")', result: '' }, null, null, 1.5]);
      sheet.getCell('B3').numFmt = 'yyyy-mm-dd';
    });
    const table = await openTable(file);
    expect(table).toMatchObject({ format: 'xlsx', sheet: 'Members', encoding: null, delimiter: null, headerRow: 1, problems: [] });
    expect(table.headers).toEqual(['Name', 'Start date', 'Next invoice date', 'Quantity', 'Auto renew', 'Company', 'Email', 'Notes', 'Phone']);
    expect(await readRows(table)).toEqual([
      {
        row: 2,
        cells: [
          'Ann Lee',
          { kind: 'date', date: '2024-01-31' },
          { kind: 'date', date: '2024-03-01' },
          '0.3',
          'TRUE',
          'ACME',
          'ann@example.com',
          '#N/A',
          '33612345678',
        ],
      },
      {
        row: 3,
        cells: ['Bob', { kind: 'date', date: '2023-03-15' }, { kind: 'formula', formula: 'B3' }, '2', 'FALSE', null, null, null, '1.5'],
      },
    ]);
  });

  test('a cached result that is falsy (0, empty text) is still the value, not a missing one', async () => {
    const file = await workbookFile('falsy.xlsx', (workbook) => {
      const sheet = workbook.addWorksheet('Members');
      sheet.addRow(['Name', 'Quantity', 'Notes']);
      sheet.addRow(['Ann', { formula: '1-1', result: 0 }, { formula: 'IF(1,"","x")', result: '' }]);
    });
    expect(await readRows(await openTable(file))).toEqual([{ row: 2, cells: ['Ann', '0'] }]);
  });

  test('a date-time cell gives its calendar day', async () => {
    const file = await workbookFile('datetime.xlsx', (workbook) => {
      const sheet = workbook.addWorksheet('Members');
      sheet.addRow(['Name', 'Start date']);
      sheet.addRow(['Ann', 45000.75]);
      sheet.getCell('B2').numFmt = 'yyyy-mm-dd hh:mm';
    });
    expect((await readRows(await openTable(file)))[0]?.cells[1]).toEqual({ kind: 'date', date: '2023-03-15' });
  });

  test('a workbook using the 1904 date system gives the same calendar days', async () => {
    const file = await workbookFile('1904.xlsx', (workbook) => {
      workbook.properties.date1904 = true;
      const sheet = workbook.addWorksheet('Members');
      sheet.addRow(['Name', 'Start date']);
      // 43538 days after 1904-01-01 is 2023-03-15 (1462 days less than the 1900 serial 45000)
      sheet.addRow(['Ann', 43538]);
      sheet.getCell('B2').numFmt = 'yyyy-mm-dd';
    });
    expect((await readRows(await openTable(file)))[0]?.cells[1]).toEqual({ kind: 'date', date: '2023-03-15' });
  });

  test('numbers are written as Excel shows them: no float noise, no exponent, no trailing .0', () => {
    expect(numberText(0.1 + 0.2)).toBe('0.3');
    expect(numberText(1234567)).toBe('1234567');
    expect(numberText(12.5)).toBe('12.5');
    expect(numberText(-0)).toBe('0');
    expect(numberText(1e21)).toBe('1000000000000000000000');
    expect(numberText(0.0000001)).toBe('0.0000001');
    expect(numberText(200.00000000000003)).toBe('200');
  });

  test('a number in a percent format is read as Excel shows it, with the % sign and every significant digit', async () => {
    const file = await workbookFile('percent.xlsx', (workbook) => {
      const sheet = workbook.addWorksheet('Forfaits');
      sheet.addRow(['Nom', 'TVA', 'Two decimals', 'French', 'Sections', 'Quoted', 'Formula', 'Plain']);
      sheet.addRow(['Hot desk', 0.2, 0.055, 0.2, -0.015, 0.2, { formula: 'B2/4', result: 0.05 }, 0.2]);
      sheet.getCell('B2').numFmt = '0%';
      sheet.getCell('C2').numFmt = '0.00%';
      sheet.getCell('D2').numFmt = '0\\ %';
      sheet.getCell('E2').numFmt = '#,##0.0 %;[Red]-#,##0.0 %';
      // a % in quotes is literal text: the number is not scaled
      sheet.getCell('F2').numFmt = '"%"0.00';
      sheet.getCell('G2').numFmt = '0%';
    });
    expect(await readRows(await openTable(file))).toEqual([
      { row: 2, cells: ['Hot desk', '20%', '5.5%', '20%', '-1.5%', '0.2', '5%', '0.2'] },
    ]);
  });

  test.each([
    [0.2, '20%'],
    [0.055, '5.5%'],
    [0.07, '7%'],
    [0.1 + 0.2, '30%'],
    [1, '100%'],
    [12.5, '1250%'],
    [0, '0%'],
    [-0, '0%'],
    [-0.2, '-20%'],
    [0.0000001, '0.00001%'],
    [0.12345678901234568, '12.3456789012346%'],
  ])('percentText(%d) is %j', (value, text) => {
    expect(percentText(value)).toBe(text);
  });

  test('a percent format applies per section and never to a date', () => {
    expect(xlsxCell(0.2, '0%', false)).toBe('20%');
    expect(xlsxCell(-0.2, '0.0;0%', false)).toBe('-20%');
    expect(xlsxCell(0.2, '0.0;0%', false)).toBe('0.2');
    expect(xlsxCell(0.2, '0.0\\%', false)).toBe('0.2');
    expect(xlsxCell(0.2, '[$%-409]0.0', false)).toBe('0.2');
    expect(xlsxCell(Number.POSITIVE_INFINITY, '0%', false)).toBe('#ERROR');
    expect(xlsxCell(45000, 'yyyy-mm-dd', false)).toEqual({ kind: 'date', date: '2023-03-15' });
  });

  test('an error cached by a formula is an error marker, not an empty cell', () => {
    expect(xlsxCell({ formula: '1/0', result: Number.NaN }, undefined, false)).toBe('#ERROR');
    expect(xlsxCell({ error: '#DIV/0!' }, undefined, false)).toBe('#DIV/0!');
  });
});

describe('rows', () => {
  test('hidden rows are read, row numbers are the sheet row numbers and empty rows between data are counted', async () => {
    const file = await workbookFile('rows.xlsx', (workbook) => {
      const sheet = workbook.addWorksheet('Members');
      sheet.getCell('A2').value = 'Name';
      sheet.getCell('B2').value = 'Email';
      sheet.getCell('A3').value = 'Ann';
      sheet.getCell('A5').value = 'Bob';
      sheet.getRow(5).hidden = true;
      sheet.getCell('B6').value = '   ';
      sheet.getCell('A7').value = 'Carl';
      sheet.getCell('B7').value = 'carl@example.com';
      sheet.getCell('F7').style = { font: { bold: true } };
      sheet.getCell('A9').style = { font: { bold: true } };
    });
    const table = await openTable(file);
    expect(table.headerRow).toBe(2);
    expect(table.headers).toEqual(['Name', 'Email']);
    expect(await readRows(table)).toEqual([
      { row: 3, cells: ['Ann'] },
      { row: 5, cells: ['Bob'] },
      { row: 7, cells: ['Carl', 'carl@example.com'] },
    ]);
    expect(table.stats).toEqual({ emptyRows: 2, dataRows: 3 });
  });

  test('cells past the last header reach the caller, with gaps as null', async () => {
    const file = await workbookFile('wide.xlsx', (workbook) => {
      const sheet = workbook.addWorksheet('Members');
      sheet.addRow(['Name', 'Email']);
      sheet.getCell('A2').value = 'Ann';
      sheet.getCell('D2').value = 'stray';
    });
    expect(await readRows(await openTable(file))).toEqual([{ row: 2, cells: ['Ann', null, null, 'stray'] }]);
  });

  test('files written by the streaming writer (shared strings after the sheet) read the same', async () => {
    const file = folder.path('streamed.xlsx');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
    const sheet = workbook.addWorksheet('Members');
    sheet.addRow(['Name', 'Start date']).commit();
    for (let i = 1; i <= 300; i += 1) {
      const row = sheet.addRow([`Person ${i}`, utcDay('2024-05-01')]);
      row.getCell(2).numFmt = 'yyyy-mm-dd';
      row.commit();
    }
    sheet.commit();
    await workbook.commit();
    const rows = await readRows(await openTable(file));
    expect(rows).toHaveLength(300);
    expect(rows[299]).toEqual({ row: 301, cells: ['Person 300', { kind: 'date', date: '2024-05-01' }] });
  });

  test('rows can be read again and stopping early is harmless', async () => {
    const file = await workbookFile('again.xlsx', (workbook) => {
      const sheet = workbook.addWorksheet('Members');
      sheet.addRow(['Name']);
      for (const name of ['Ann', 'Bob', 'Carl']) sheet.addRow([name]);
    });
    const table = await openTable(file);
    for await (const row of table.rows) {
      expect(row.cells).toEqual(['Ann']);
      break;
    }
    expect((await readRows(table)).map((row) => row.cells[0])).toEqual(['Ann', 'Bob', 'Carl']);
    expect(table.stats).toEqual({ emptyRows: 0, dataRows: 3 });
  });
});

describe('sheets', () => {
  const twoSheets = () =>
    workbookFile('sheets.xlsx', (workbook) => {
      workbook.addWorksheet('Members').addRow(['Name']).commit();
      workbook.getWorksheet('Members')?.addRow(['Ann']);
      const plans = workbook.addWorksheet('Plans & prices');
      plans.addRow(['Plan', 'Price']);
      plans.addRow(['Hot Desk', 200]);
    });

  test('the first sheet is read unless one is named; names match case-insensitively', async () => {
    const file = await twoSheets();
    expect((await openTable(file)).sheet).toBe('Members');
    const plans = await openTable(file, { sheet: 'plans & PRICES' });
    expect(plans.sheet).toBe('Plans & prices');
    expect(plans.headers).toEqual(['Plan', 'Price']);
    expect(await readRows(plans)).toEqual([{ row: 2, cells: ['Hot Desk', '200'] }]);
  });

  test('an unknown sheet name is an input error listing the sheets', async () => {
    const file = await twoSheets();
    const error = await openTable(file, { sheet: 'Membres' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(66);
    expect((error as UserError).message).toContain(file);
    expect((error as UserError).message).toContain('"Members", "Plans & prices"');
  });

  test('an empty sheet has no header row (exit 65)', async () => {
    const file = await workbookFile('empty-sheet.xlsx', (workbook) => {
      workbook.addWorksheet('Members');
    });
    const error = await openTable(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(65);
    expect((error as UserError).message).toContain('no header row');
  });

  test('tab order comes from the workbook, not from the part names, whatever the XML prefixes', () => {
    const workbookXml = `<?xml version="1.0"?>
      <x:workbook xmlns:x="main" xmlns:r="rels"><x:workbookPr date1904="1"/><x:sheets>
        <x:sheet name="Summary &amp; notes" sheetId="2" r:id="rId2"/>
        <x:sheet state="hidden" name="Raw" sheetId="1" r:id="rId1"/>
      </x:sheets></x:workbook>`;
    const relsXml = `<Relationships>
        <Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/>
        <Relationship Target="/xl/worksheets/sheet2.xml" Id="rId2" Type="worksheet"/>
      </Relationships>`;
    expect(parseWorkbook(workbookXml, relsXml)).toEqual({
      date1904: true,
      sheets: [
        { name: 'Summary & notes', path: 'xl/worksheets/sheet2.xml', hidden: false },
        { name: 'Raw', path: 'xl/worksheets/sheet1.xml', hidden: true },
      ],
    });
  });
});
