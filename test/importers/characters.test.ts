// Characters of 1 to 4 bytes in UTF-8 read back whole from xlsx and CSV files, whatever the size of the pieces the
// file is read and decoded in: a character split between two pieces must not become replacement characters.
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, test } from 'vitest';
import { openTable } from '../../src/importers/open-table.js';
import { inlineStringsXlsx, readRows, tempFolder } from './files.js';

const folder = tempFolder('characters');

// 1 byte (ASCII), 2 (é, Ø, ß), 3 (€, CJK, Hangul) and 4 (emoji, a musical symbol) in UTF-8; the 4-byte ones are two
// UTF-16 units, so they split in UTF-16 files too
const alphabet = ['a', 'Z', '7', '-', 'é', 'Ø', 'ß', 'ñ', '€', '中', '日', '한', '😀', '🎉', '𝄞'];
const text = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
const sheet = fc.integer({ min: 1, max: 4 }).chain((width) => fc.array(fc.array(text, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }));

async function sharedStringsXlsx(rows: string[][]): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const members = workbook.addWorksheet('Members');
  for (const row of rows) members.addRow(row);
  const file = folder.path('shared.xlsx');
  await workbook.xlsx.writeFile(file);
  return file;
}

const csv = (rows: string[][]) => `${rows.map((row) => row.join(',')).join('\r\n')}\r\n`;

const writers: Record<string, (rows: string[][]) => Promise<string> | string> = {
  'xlsx, shared strings': sharedStringsXlsx,
  'xlsx, inline strings': (rows) => folder.write('inline.xlsx', inlineStringsXlsx(rows)),
  'CSV, UTF-8': (rows) => folder.write('utf8.csv', csv(rows)),
  'CSV, UTF-8 with BOM': (rows) => folder.write('bom.csv', `\ufeff${csv(rows)}`),
  'CSV, UTF-16 LE': (rows) => folder.write('utf16le.csv', iconv.encode(csv(rows), 'utf-16le', { addBOM: true })),
  'CSV, UTF-16 BE': (rows) => folder.write('utf16be.csv', iconv.encode(csv(rows), 'utf-16be', { addBOM: true })),
};

describe.each(Object.entries(writers))('%s', (_, write) => {
  test('every character reads back as written, the file read in pieces of 1 to 7 bytes', async () => {
    await fc.assert(
      fc.asyncProperty(sheet, fc.integer({ min: 1, max: 7 }), async (rows, chunkBytes) => {
        const file = await write([rows[0]!.map((_, i) => `Column ${i + 1}`), ...rows]);
        try {
          const table = await openTable(file, { chunkBytes });
          expect(await readRows(table)).toEqual(rows.map((cells, i) => ({ row: i + 2, cells })));
        } finally {
          fs.rmSync(file);
        }
      }),
      { numRuns: 40 },
    );
  });
});
