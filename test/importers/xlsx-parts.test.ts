// How the parts of a workbook read as cells: serial dates as Excel shows them, built-in formats, Excel's _xHHHH_
// escapes, phonetic runs, cached errors, and which sheet is read when the first one is hidden.
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { openTable } from '../../src/importers/open-table.js';
import { readRows, tempFolder, zipFile } from './files.js';

const folder = tempFolder('xlsx-parts');
const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const relations = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

interface Parts {
  sheets?: Array<{ name: string; xml: string; state?: string }>;
  styles?: string;
  sharedStrings?: string;
  date1904?: boolean;
}

/** A workbook of the sheets (rows as `<row>` XML) and parts given, as other programs write them. */
function workbook(name: string, parts: Parts): string {
  const sheets = parts.sheets ?? [];
  const entries: Record<string, string> = {
    'xl/workbook.xml':
      `<workbook xmlns="${main}" xmlns:r="${relations}">${parts.date1904 ? '<workbookPr date1904="1"/>' : ''}<sheets>` +
      sheets.map((sheet, i) => `<sheet name="${sheet.name}" sheetId="${i + 1}"${sheet.state ? ` state="${sheet.state}"` : ''} r:id="rId${i + 1}"/>`).join('') +
      '</sheets></workbook>',
    'xl/_rels/workbook.xml.rels':
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${relations}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      '</Relationships>',
  };
  if (parts.styles) entries['xl/styles.xml'] = `<styleSheet xmlns="${main}">${parts.styles}</styleSheet>`;
  if (parts.sharedStrings) entries['xl/sharedStrings.xml'] = `<sst xmlns="${main}">${parts.sharedStrings}</sst>`;
  sheets.forEach((sheet, i) => {
    entries[`xl/worksheets/sheet${i + 1}.xml`] = `<worksheet xmlns="${main}"><sheetData>${sheet.xml}</sheetData></worksheet>`;
  });
  return folder.write(name, zipFile(entries, { deflate: true }));
}

const header = '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Value</t></is></c></row>';
const valueRow = (row: number, cell: string) => `<row r="${row}"><c r="A${row}" t="inlineStr"><is><t>Row ${row}</t></is></c>${cell.replace('REF', `B${row}`)}</row>`;
const values = async (file: string) => (await readRows(await openTable(file))).map((row) => row.cells[1] ?? null);

describe('serial dates read as Excel shows them', () => {
  async function datedWorkbook(serials: number[], date1904 = false): Promise<string> {
    const book = new ExcelJS.Workbook();
    if (date1904) book.properties.date1904 = true;
    const sheet = book.addWorksheet('Members');
    sheet.addRow(['Name', 'Start date']);
    serials.forEach((serial, i) => {
      sheet.addRow([`Row ${i + 2}`, serial]);
      sheet.getCell(`B${i + 2}`).numFmt = 'dd/mm/yyyy';
    });
    const file = folder.path('serials.xlsx');
    await book.xlsx.writeFile(file);
    return file;
  }

  test('1900 system: 1 is 1900-01-01, 59 is 1900-02-28, 61 is 1900-03-01; 60 (29 February 1900), 0 and below are no day', async () => {
    const file = await datedWorkbook([1, 2, 59, 61, 45000, 45000.75, 60, 0, 0.5, -1, -5.5, 2958465, 2958466]);
    expect(await values(file)).toEqual([
      { kind: 'date', date: '1900-01-01' },
      { kind: 'date', date: '1900-01-02' },
      { kind: 'date', date: '1900-02-28' },
      { kind: 'date', date: '1900-03-01' },
      { kind: 'date', date: '2023-03-15' },
      { kind: 'date', date: '2023-03-15' },
      '60',
      '0',
      '0.5',
      '-1',
      '-5.5',
      { kind: 'date', date: '9999-12-31' },
      '2958466',
    ]);
  });

  test('1904 system: 0 is 1904-01-01, below 0 is no day', async () => {
    const file = await datedWorkbook([0, 1, 59, 60, 43538, -1], true);
    expect(await values(file)).toEqual([
      { kind: 'date', date: '1904-01-01' },
      { kind: 'date', date: '1904-01-02' },
      { kind: 'date', date: '1904-02-29' },
      { kind: 'date', date: '1904-03-01' },
      { kind: 'date', date: '2023-03-15' },
      '-1',
    ]);
  });

  test("Excel's built-in date and percent formats, and custom ones, are known by their id", async () => {
    const ids = [14, 22, 31, 57, 9, 10, 3, 164];
    const file = workbook('builtin.xlsx', {
      styles:
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>' +
        '<cellStyleXfs count="1"><xf numFmtId="10"/></cellStyleXfs>' +
        `<cellXfs count="${ids.length + 1}"><xf numFmtId="0"/>${ids.map((id) => `<xf numFmtId="${id}" applyNumberFormat="1"/>`).join('')}</cellXfs>`,
      sheets: [{ name: 'Members', xml: header + ids.map((_, i) => valueRow(i + 2, `<c r="REF" s="${i + 1}"><v>45000.25</v></c>`)).join('') }],
    });
    const day = { kind: 'date', date: '2023-03-15' };
    expect(await values(file)).toEqual([day, day, day, day, '4500025%', '4500025%', '45000.25', day]);
  });
});

describe("Excel's _xHHHH_ escapes", () => {
  const escaped = 'Line 1_x000D__x000A_Line 2_x0009_end, literal _x005F_x000D_, emoji _xD83D__xDE00_, not one _x00_ _x12G4_';
  const decoded = 'Line 1\r\nLine 2\tend, literal _x000D_, emoji 😀, not one _x00_ _x12G4_';

  test('are decoded in shared strings, rich text, inline strings and cached formula text', async () => {
    const file = workbook('escapes.xlsx', {
      sharedStrings: `<si><t>${escaped}</t></si><si><r><t>Rich _x0009_</t></r><r><rPr><b/></rPr><t>run_x005F_</t></r></si>`,
      sheets: [
        {
          name: 'Members',
          xml:
            header +
            valueRow(2, '<c r="REF" t="s"><v>0</v></c>') +
            valueRow(3, '<c r="REF" t="s"><v>1</v></c>') +
            valueRow(4, `<c r="REF" t="inlineStr"><is><t>${escaped}</t></is></c>`) +
            valueRow(5, `<c r="REF" t="str"><f>A1&amp;"_x000D_"</f><v>${escaped}</v></c>`),
        },
      ],
    });
    expect(await values(file)).toEqual([decoded, 'Rich \trun_', decoded, decoded]);
  });

  test('a header cell is decoded too', async () => {
    const file = workbook('escaped-header.xlsx', {
      sheets: [{ name: 'Members', xml: '<row r="1"><c r="A1" t="inlineStr"><is><t>Start_x005F_date</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>' }],
    });
    expect((await openTable(file)).headers).toEqual(['Start_date']);
  });
});

describe('cells as other programs store them', () => {
  test('phonetic runs are left out, cached errors keep their text, ISO date cells and booleans read', async () => {
    const file = workbook('others.xlsx', {
      sharedStrings: '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>',
      sheets: [
        {
          name: 'Members',
          xml:
            header +
            valueRow(2, '<c r="REF" t="s"><v>0</v></c>') +
            valueRow(3, '<c r="REF" t="e"><f>1/0</f><v>#DIV/0!</v></c>') +
            valueRow(4, '<c r="REF" t="d"><v>2024-02-29T00:00:00</v></c>') +
            valueRow(5, '<c r="REF" t="b"><v>1</v></c>') +
            valueRow(6, '<c r="REF"><f>NOW()</f></c>') +
            // cells and rows without a reference follow the one before
            '<row><c t="inlineStr"><is><t>Row 7</t></is></c><c><v>7</v></c></row>',
        },
      ],
    });
    expect(await values(file)).toEqual(['東京', '#DIV/0!', { kind: 'date', date: '2024-02-29' }, 'TRUE', { kind: 'formula', formula: 'NOW()' }, '7']);
  });
});

describe('a hidden first sheet', () => {
  const sheetOf = (name: string) => ({ name, xml: `<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>${name} row</t></is></c></row>` });
  const file = () =>
    workbook('hidden.xlsx', {
      sheets: [
        { ...sheetOf('Old members'), state: 'hidden' },
        { ...sheetOf('Lookups'), state: 'veryHidden' },
        sheetOf('Members'),
        sheetOf('Plans'),
      ],
    });

  test('is passed over for the first visible sheet, with a file-level warning naming both; --sheet may still name it', async () => {
    const table = await openTable(file());
    expect(table.sheet).toBe('Members');
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Members row'] }]);
    expect(table.problems).toEqual([
      expect.objectContaining({ code: 'hidden_sheet', severity: 'warning', row: null, column: null, value: 'Old members' }),
    ]);
    expect(table.problems[0]!.message).toContain('"Old members", "Lookups"');
    expect(table.problems[0]!.message).toContain('"Members"');

    const named = await openTable(file(), { sheet: 'old members' });
    expect(named.sheet).toBe('Old members');
    expect(named.problems).toEqual([]);
    expect(await readRows(named)).toEqual([{ row: 2, cells: ['Old members row'] }]);

    const visibleFirst = await openTable(workbook('visible.xlsx', { sheets: [sheetOf('Members'), { ...sheetOf('Old'), state: 'hidden' }] }));
    expect(visibleFirst.sheet).toBe('Members');
    expect(visibleFirst.problems).toEqual([]);
  });
});
