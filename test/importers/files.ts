import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll } from 'vitest';
import type { RawRow, Table } from '../../src/importers/types.js';

/** A temporary folder for one test file, removed after its tests. */
export function tempFolder(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `memberctl-${prefix}-`));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  return {
    dir,
    /** Writes `content` to a new file named `name` (made unique) and returns its path. */
    write(name: string, content: string | Uint8Array): string {
      count += 1;
      const file = path.join(dir, `${count}-${name}`);
      fs.writeFileSync(file, content);
      return file;
    },
    path: (name: string) => {
      count += 1;
      return path.join(dir, `${count}-${name}`);
    },
  };
}

export async function readRows(table: Table): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of table.rows) rows.push(row);
  return rows;
}

/** A zip file of stored (uncompressed) entries, for containers that are not xlsx workbooks. */
export function storedZip(entries: Record<string, string>): Buffer {
  return zipFile(entries, { deflate: false });
}

/** A zip file of the entries in the order given, stored or deflated. */
export function zipFile(entries: Record<string, string>, options: { deflate: boolean }): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const content = Buffer.from(text, 'utf8');
    const crc = crc32(content);
    const data = options.deflate ? deflateRawSync(content) : content;
    const method = options.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Column letters of a 1-based column number: 1 is A, 28 is AB. */
function columnName(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/**
 * An xlsx workbook of one sheet whose cells are inline strings (`t="inlineStr"`), as many web exports write
 * them (exceljs writes shared strings), deflated. `cellXml` may write a cell's XML itself.
 */
export function inlineStringsXlsx(rows: readonly (readonly string[])[], cellXml?: (ref: string, text: string) => string | undefined): Buffer {
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const lines = rows.map((cells, r) => {
    const xml = cells.map((text, c) => {
      const ref = `${columnName(c + 1)}${r + 1}`;
      return cellXml?.(ref, text) ?? `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${xmlText(text)}</t></is></c>`;
    });
    return `<row r="${r + 1}">${xml.join('')}</row>`;
  });
  return zipFile(
    {
      '[Content_Types].xml':
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
      'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${main}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Members" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      'xl/_rels/workbook.xml.rels':
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${main}"><sheetData>${lines.join('')}</sheetData></worksheet>`,
    },
    { deflate: true },
  );
}
