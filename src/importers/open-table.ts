import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { openCsv } from './csv.js';
import { sniffFormat } from './sniff.js';
import type { Table } from './types.js';
import { openXlsx } from './xlsx.js';
import type { ZipDirectory } from './zip-directory.js';
import { readZipDirectory } from './zip-directory.js';
import { inputFailure, noHeaderRow, unsupportedFormat } from './file-error.js';

export interface OpenTableOptions {
  /** Worksheet of an xlsx file; ignored for CSV. */
  sheet?: string | undefined;
  /** Reads and decodes the file in pieces of this many bytes instead of the usual large ones (for tests). */
  chunkBytes?: number | undefined;
  /** Where to read the file when it is not at `file` itself, the name messages use (a copy of standard input: input-file.ts). */
  path?: string | undefined;
}

const headLength = 64 * 1024;

/** Says what a zip file that is not an xlsx workbook is, so the message tells the user what to do. */
function notXlsx(file: string, directory: ZipDirectory): Error {
  const has = (name: string) => directory.entries.some((entry) => entry.name === name);
  if (has('xl/workbook.bin')) return unsupportedFormat(`${file} is an Excel binary workbook (.xlsb): save it as .xlsx or CSV`);
  if (has('content.xml') && has('mimetype')) return unsupportedFormat(`${file} is an OpenDocument file (.ods): save it as .xlsx or CSV`);
  if (has('word/document.xml')) return unsupportedFormat(`${file} is a Word document, not a spreadsheet`);
  return unsupportedFormat(`${file} is a zip archive, not an .xlsx workbook`);
}

/**
 * Opens a member file, deciding its format from its content (an xlsx workbook or CSV/text), not its extension.
 * Reads only the start of the file; rows are read when `rows` is iterated. Throws a UserError naming the file:
 * exit 66 when it is missing, unreadable or not a spreadsheet (or has no such sheet), 65 when it has no header row.
 */
export async function openTable(file: string, options: OpenTableOptions = {}): Promise<Table> {
  const at = options.path ?? file;
  let handle: FileHandle;
  try {
    const stat = await fs.stat(at);
    if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    handle = await fs.open(at, 'r');
  } catch (error) {
    throw inputFailure(file, error);
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, headLength));
    await handle.read(head, 0, head.length, 0);
    if (size === 0) throw noHeaderRow(`${file} is empty: it has no header row`, 'Start from the file written by `memberctl template`.');
    if (sniffFormat(file, head) === 'text') return await openCsv({ name: file, path: at, size }, head, options.chunkBytes);
    const directory = await readZipDirectory(handle, size);
    if (!directory) throw unsupportedFormat(`${file} is a damaged zip file: save the workbook again as .xlsx`);
    if (!directory.entries.some((entry) => entry.name === 'xl/workbook.xml')) throw notXlsx(file, directory);
    // the xlsx reader names the file it reads: a copy of standard input is named by its temporary path
    return { ...(await openXlsx(at, handle, directory, options)), file };
  } catch (error) {
    // system errors (the file vanished or became unreadable meanwhile) are the user's to fix; anything else is a bug
    if (typeof (error as { code?: unknown }).code === 'string' && !(error instanceof UserError)) throw inputFailure(file, error);
    throw error;
  } finally {
    await handle.close();
  }
}
