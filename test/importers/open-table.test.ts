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
