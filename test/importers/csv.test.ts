import iconv from 'iconv-lite';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { detectDelimiter } from '../../src/importers/csv.js';
import { openTable } from '../../src/importers/open-table.js';
import { readRows, tempFolder } from './files.js';

const folder = tempFolder('csv');

describe('encodings', () => {
  test('a UTF-8 BOM is skipped and never sticks to the first header', async () => {
    const file = folder.write('bom.csv', `\uFEFFName,Email\nZoë,zoe@example.com\n`);
    const table = await openTable(file);
    expect(table.encoding).toBe('utf-8');
    expect(table.headers).toEqual(['Name', 'Email']);
    expect(table.problems).toEqual([]);
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Zoë', 'zoe@example.com'] }]);
  });

  test('UTF-16 LE with BOM (Excel "Unicode text") is decoded, tab-delimited', async () => {
    const text = 'Name\tCompany\r\nJosé Müller\tCafé Œuvre\r\n';
    const file = folder.write('utf16le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]));
    const table = await openTable(file);
    expect(table).toMatchObject({ format: 'csv', encoding: 'utf-16le', delimiter: '\t', headers: ['Name', 'Company'], problems: [] });
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['José Müller', 'Café Œuvre'] }]);
  });

  test('UTF-16 BE with BOM is decoded', async () => {
    const file = folder.write('utf16be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('Nom;Ville\nAnaïs;Besançon\n', 'utf-16be')]));
    const table = await openTable(file);
    expect(table).toMatchObject({ encoding: 'utf-16be', delimiter: ';', headers: ['Nom', 'Ville'] });
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Anaïs', 'Besançon'] }]);
  });

  test('UTF-8 without BOM is read as UTF-8 without any warning', async () => {
    const table = await openTable(folder.write('plain.csv', 'Nom;Étiquettes\nHélène;bénévole\n'));
    expect(table.encoding).toBe('utf-8');
    expect(table.problems).toEqual([]);
    expect((await readRows(table))[0]?.cells).toEqual(['Hélène', 'bénévole']);
  });

  test('bytes that are not UTF-8 are read as Windows-1252 with an encoding_guess warning', async () => {
    const file = folder.write('cp1252.csv', iconv.encode('Nom;Montant\r\nHélène Dubœuf;100 €\r\n', 'windows-1252'));
    const table = await openTable(file);
    expect(table.encoding).toBe('windows-1252');
    expect(table.problems).toHaveLength(1);
    expect(table.problems[0]).toMatchObject({ code: 'encoding_guess', severity: 'warning', row: null, value: 'windows-1252' });
    expect(table.problems[0]?.message).toContain('Windows-1252');
    expect(table.problems[0]?.message).toContain(file);
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Hélène Dubœuf', '100 €'] }]);
  });

  test('a Windows-1252 byte far below the first 64 KB still decides the encoding', async () => {
    const filler = Array.from({ length: 3000 }, (_, i) => `Person ${i};person${i}@example.com`).join('\r\n');
    const file = folder.write('late-accent.csv', iconv.encode(`Name;Email\r\n${filler}\r\nAndré;andre@example.com\r\n`, 'windows-1252'));
    const table = await openTable(file);
    expect(table.encoding).toBe('windows-1252');
    const rows = await readRows(table);
    expect(rows.at(-1)).toEqual({ row: 3002, cells: ['André', 'andre@example.com'] });
  });

  test('UTF-16 LE without BOM is recognised by its zero bytes and reported as a guess', async () => {
    const table = await openTable(folder.write('utf16-nobom.csv', iconv.encode('Name,Email\nAnn,ann@example.com\n', 'utf-16le')));
    expect(table.encoding).toBe('utf-16le');
    expect(table.problems.map((p) => p.code)).toEqual(['encoding_guess']);
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Ann', 'ann@example.com'] }]);
  });
});

describe('delimiters and quoting', () => {
  test.each([
    [',', 'Name,Plan name,Email\nAnn,Hot Desk,a@x.io\n'],
    [';', 'Name;Plan name;Email\nAnn;Hot Desk;a@x.io\n'],
    ['\t', 'Name\tPlan name\tEmail\nAnn\tHot Desk\ta@x.io\n'],
    ['|', 'Name|Plan name|Email\nAnn|Hot Desk|a@x.io\n'],
  ])('detects %j from the header line', async (delimiter, text) => {
    const table = await openTable(folder.write('delimited.csv', text));
    expect(table.delimiter).toBe(delimiter);
    expect(table.headers).toEqual(['Name', 'Plan name', 'Email']);
    expect(await readRows(table)).toEqual([{ row: 2, cells: ['Ann', 'Hot Desk', 'a@x.io'] }]);
  });

  test('delimiters inside quotes are not counted, ties go to the comma', () => {
    expect(detectDelimiter('"Name; full; really",Email;Phone\n')).toBe(',');
    expect(detectDelimiter('"a,b,c";d;e\n')).toBe(';');
    expect(detectDelimiter('Name\n')).toBe(',');
    expect(detectDelimiter('\n;;;\n  \nName|Email|Phone\n')).toBe('|');
    expect(detectDelimiter('"Multi\nline; header";x;y\n')).toBe(';');
  });

  test('CRLF line ends leave no carriage return in the cells', async () => {
    const table = await openTable(folder.write('crlf.csv', 'Name;Notes\r\nAnn;first\r\nBob;second\r\n'));
    expect(table.headers).toEqual(['Name', 'Notes']);
    expect(await readRows(table)).toEqual([
      { row: 2, cells: ['Ann', 'first'] },
      { row: 3, cells: ['Bob', 'second'] },
    ]);
  });

  test('quoted fields keep delimiters, quotes and line breaks; row numbers count records, not lines', async () => {
    const text = 'Name,Address,Notes\r\n"Doe, Jane","12 rue X\r\n75001 Paris","She said ""hi"""\r\nBob,"a\nb\nc",x\r\nCarl,,y\r\n';
    const table = await openTable(folder.write('quoted.csv', text));
    expect(await readRows(table)).toEqual([
      { row: 2, cells: ['Doe, Jane', '12 rue X\r\n75001 Paris', 'She said "hi"'] },
      { row: 3, cells: ['Bob', 'a\nb\nc', 'x'] },
      { row: 4, cells: ['Carl', null, 'y'] },
    ]);
  });

  test('a quote inside an unquoted value is kept as written', async () => {
    const table = await openTable(folder.write('stray-quote.csv', 'Name,Company\nAnn,Bar "Le Zinc"\n'));
    expect((await readRows(table))[0]?.cells).toEqual(['Ann', 'Bar "Le Zinc"']);
  });

  test('a quoted field never closed is a data error naming the file and the row', async () => {
    const file = folder.write('unclosed.csv', 'Name,Notes\nAnn,ok\nBob,"never closed\nCarl,x\n');
    const table = await openTable(file);
    const error = await readRows(table).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(65);
    expect((error as UserError).message).toContain(file);
    expect((error as UserError).message).toContain('row 3');
  });
});

describe('rows', () => {
  test('rows longer or shorter than the header reach the caller as they are; trailing empty cells are dropped and counted in the width', async () => {
    const table = await openTable(folder.write('ragged.csv', 'Name,Email,Phone,\nAnn,a@x.io,1,extra,more\nBob\nCarl,c@x.io,,,\n'));
    expect(table.headers).toEqual(['Name', 'Email', 'Phone']);
    expect(table.headerWidth).toBe(4);
    expect(await readRows(table)).toEqual([
      { row: 2, cells: ['Ann', 'a@x.io', '1', 'extra', 'more'] },
      { row: 3, cells: ['Bob'] },
      { row: 4, cells: ['Carl', 'c@x.io'], width: 5 },
    ]);
  });

  test('values are trimmed of spaces, tabs and non-breaking spaces, and nothing else changes', async () => {
    const table = await openTable(folder.write('spaces.csv', 'Name ,\u00a0Email\n  Ann  Lee\u00a0, A@X.io \n'));
    expect(table.headers).toEqual(['Name', 'Email']);
    expect((await readRows(table))[0]?.cells).toEqual(['Ann  Lee', 'A@X.io']);
  });

  test('empty rows between data are skipped and counted; empty rows at the end are not data', async () => {
    const text = 'Name;Email\n\nAnn;a@x.io\n;;\n   \nBob;b@x.io\n\n\n';
    const table = await openTable(folder.write('gaps.csv', text));
    const rows = await readRows(table);
    expect(rows.map((r) => r.row)).toEqual([3, 6]);
    expect(table.stats).toEqual({ emptyRows: 3, dataRows: 2 });
  });

  test('the header is the first row that holds something', async () => {
    const table = await openTable(folder.write('late-header.csv', '\n;;\nName;Email\nAnn;a@x.io\n'));
    expect(table.headerRow).toBe(3);
    expect(table.headers).toEqual(['Name', 'Email']);
    expect(await readRows(table)).toEqual([{ row: 4, cells: ['Ann', 'a@x.io'] }]);
    expect(table.stats).toEqual({ emptyRows: 0, dataRows: 1 });
  });

  test('a header line only gives a table without rows', async () => {
    const table = await openTable(folder.write('headers-only.csv', 'Name,Plan name,Start date\r\n'));
    expect(table.headers).toEqual(['Name', 'Plan name', 'Start date']);
    expect(await readRows(table)).toEqual([]);
    expect(table.stats).toEqual({ emptyRows: 0, dataRows: 0 });
  });

  test('an empty header cell is kept as an empty string between named ones', async () => {
    const table = await openTable(folder.write('gap-header.csv', 'Name,,Email,\nAnn,x,a@x.io\n'));
    expect(table.headers).toEqual(['Name', '', 'Email']);
  });

  test.each([
    ['0 bytes', ''],
    ['white space only', '  \r\n\t\n \n'],
    ['delimiters only', ';;;\n;;\n'],
  ])('a file with no header row (%s) is refused with exit 65', async (_, text) => {
    const file = folder.write('empty.csv', text);
    const error = await openTable(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(65);
    expect((error as UserError).message).toContain(file);
    expect((error as UserError).message).toContain('no header row');
  });

  test('a 10 MB cell is read whole', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const table = await openTable(folder.write('big-cell.csv', `Name,Notes\nAnn,"${big}"\nBob,short\n`));
    const rows = await readRows(table);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.cells[1]).toBe(big);
    expect(rows[1]).toEqual({ row: 3, cells: ['Bob', 'short'] });
  });

  test('rows can be read again, and stats describe the last pass', async () => {
    const table = await openTable(folder.write('twice.csv', 'Name\nAnn\n\nBob\nCarl\n'));
    const first = await readRows(table);
    const second = await readRows(table);
    expect(second).toEqual(first);
    expect(table.stats).toEqual({ emptyRows: 1, dataRows: 3 });
  });

  test('stopping early closes the file and a later pass starts from the top', async () => {
    const table = await openTable(folder.write('early.csv', 'Name\nAnn\nBob\nCarl\n'));
    for await (const row of table.rows) {
      expect(row.cells).toEqual(['Ann']);
      break;
    }
    expect((await readRows(table)).map((r) => r.cells[0])).toEqual(['Ann', 'Bob', 'Carl']);
  });
});
