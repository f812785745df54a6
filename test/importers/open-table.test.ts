import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { openTable } from '../../src/importers/open-table.js';
import { readRows, storedZip, tempFolder } from './files.js';

const folder = tempFolder('open');

async function refusal(file: string, options: { sheet?: string } = {}): Promise<UserError> {
  const error = await openTable(file, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  const userError = error as UserError;
  expect(userError.message).toContain(file);
  expect(userError.message).not.toContain('\n');
  return userError;
}

describe('files that cannot be opened are input errors (66) naming the file', () => {
  test('a missing file', async () => {
    const error = await refusal(folder.path('missing.csv'));
    expect(error.exitCode).toBe(66);
    expect(error.message).toContain('no such file');
  });

  test('a directory', async () => {
    const error = await refusal(folder.dir);
    expect(error.exitCode).toBe(66);
    expect(error.message).toContain('directory');
  });

  test.skipIf(process.getuid?.() === 0)('a file without read permission', async () => {
    const file = folder.write('locked.csv', 'Name\nAnn\n');
    fs.chmodSync(file, 0o000);
    const error = await refusal(file);
    expect(error.exitCode).toBe(66);
    expect(error.message).toContain('permission denied');
  });

  test.each([
    ['a PNG image', 'photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), 'PNG image'],
    ['a PDF document', 'members.pdf', Buffer.from('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n', 'latin1'), 'PDF document'],
    [
      'an Excel 97-2003 (.xls) workbook',
      'members.xls',
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]),
      'save it as .xlsx or CSV',
    ],
    ['some other binary file', 'data.bin', Buffer.from([0x01, 0x02, 0x00, 0x00, 0x7f, 0x45, 0x00, 0x10, 0x00, 0x00]), 'binary file'],
    ['a zip archive that is not a workbook', 'photos.zip', storedZip({ 'readme.txt': 'hello', 'a/b.txt': 'x' }), 'not an .xlsx'],
    ['a Word document', 'letter.docx', storedZip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': '<w:document/>' }), 'Word document'],
    [
      'an OpenDocument spreadsheet',
      'members.ods',
      storedZip({ mimetype: 'application/vnd.oasis.opendocument.spreadsheet', 'content.xml': '<office:document-content/>' }),
      '.ods',
    ],
    ['a truncated zip', 'broken.xlsx', storedZip({ 'xl/workbook.xml': '<workbook/>' }).subarray(0, 40), 'damaged zip'],
  ])('%s', async (_, name, bytes, says) => {
    const error = await refusal(folder.write(name, bytes));
    expect(error.exitCode).toBe(66);
    expect(error.message).toContain(says);
  });
});

describe('the format comes from the content, not the extension', () => {
  test('a workbook named .csv is read as xlsx', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Members').addRow(['Name']);
    workbook.getWorksheet('Members')?.addRow(['Ann']);
    const file = folder.path('really-a-workbook.csv');
    await workbook.xlsx.writeFile(file);
    const table = await openTable(file);
    expect(table.format).toBe('xlsx');
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Ann'] }]);
  });

  test('text named .xlsx is read as CSV; --sheet is ignored for CSV', async () => {
    const table = await openTable(folder.write('really-text.xlsx', 'Name;Email\nAnn;a@x.io\n'), { sheet: 'Members' });
    expect(table).toMatchObject({ format: 'csv', sheet: null, delimiter: ';' });
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Ann', 'a@x.io'] }]);
  });

  test('a workbook whose sheet holds no cached value for a formula gives a formula cell', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Members');
    sheet.addRow(['Name', 'Start date']);
    sheet.addRow(['Ann', { formula: 'TODAY()' }]);
    const file = folder.path('uncalculated.xlsx');
    await workbook.xlsx.writeFile(file);
    expect(await readRows(await openTable(file))).toEqual([{ row: 2, cells: ['Ann', { kind: 'formula', formula: 'TODAY()' }] }]);
  });
});

async function bigWorkbook(name: string): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Members');
  sheet.addRow(['Name', 'Email', 'Notes']);
  for (let i = 0; i < 3000; i += 1) sheet.addRow([`Person ${i}`, `person${i}@example.com`, `${i * 7919} notes ${i % 13}`]);
  const file = folder.path(name);
  await workbook.xlsx.writeFile(file);
  return file;
}

describe('workbooks written by other programs, or damaged', () => {
  const workbookXml =
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
    '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>';
  const relsXml =
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
    '</Relationships>';
  const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

  test('a minimal workbook (inline strings, no styles, the sheet stored before the workbook part) is read', async () => {
    const sheetXml =
      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      `<row r="1">${inline('A1', 'Name')}${inline('B1', 'Quantity')}</row>` +
      `<row r="2">${inline('A2', 'Ann &amp; Bob')}<c r="B2"><v>2</v></c></row>` +
      '</sheetData></worksheet>';
    const file = folder.write(
      'minimal.xlsx',
      storedZip({ 'xl/worksheets/sheet1.xml': sheetXml, 'xl/workbook.xml': workbookXml, 'xl/_rels/workbook.xml.rels': relsXml }),
    );
    const table = await openTable(file);
    expect(table).toMatchObject({ format: 'xlsx', sheet: 'Data', headers: ['Name', 'Quantity'] });
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Ann & Bob', '2'] }]);
  });

  test('a workbook cut short (an interrupted download) is a damaged zip', async () => {
    const file = await bigWorkbook('cut.xlsx');
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    const error = await refusal(file);
    expect(error.exitCode).toBe(66);
    expect(error.message).toContain('damaged zip');
  });

  test('a workbook whose compressed sheet is corrupt is an input error while reading, not a crash', async () => {
    const file = await bigWorkbook('corrupt.xlsx');
    const bytes = fs.readFileSync(file);
    const middle = Math.floor(bytes.length * 0.4);
    bytes.fill(0xff, middle, middle + 256);
    fs.writeFileSync(file, bytes);
    const outcome = await openTable(file)
      .then(readRows)
      .catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(UserError);
    expect((outcome as UserError).exitCode).toBe(66);
    expect((outcome as UserError).message).toContain(file);
  });
});
