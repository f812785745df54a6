import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
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
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
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
