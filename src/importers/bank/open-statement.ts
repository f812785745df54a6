/**
 * Opens a bank statement, its format told by `--format` or else by its content (never its name): an ISO 20022
 * camt.053 or camt.054 document, an OFX file, or a CSV or xlsx export.
 */
import fs from 'node:fs/promises';
import iconv from 'iconv-lite';
import type { ColumnMapping } from '../../core/import/column-mapping.js';
import { usageError } from '../../errors.js';
import { detectEncoding } from '../encoding.js';
import { inputFailure } from '../file-error.js';
import { sniffFormat } from '../sniff.js';
import { readBankCsv } from './bank-csv.js';
import { readCamt } from './camt.js';
import { readOfx } from './ofx.js';
import { type Statement, type StatementFormat, statementFormats, unreadableStatement } from './statement.js';

export function parseStatementFormat(text: string): StatementFormat {
  const value = text.trim().toLowerCase().replace(/[.\s_-]/g, '');
  const known = statementFormats.find((f) => f === value);
  if (!known) throw usageError(`--format: "${text}" is not a statement format; use ${statementFormats.join(', ')}`);
  return known;
}

/** The format the first characters of a text file show, or null for anything else (a CSV export). */
export function formatOfText(head: string): StatementFormat | null {
  const camt = /camt\.05([34])\.\d{3}\.\d{2}/.exec(head);
  if (camt && /<(\w+:)?Document\b/.test(head)) return camt[1] === '3' ? 'camt053' : 'camt054';
  if (/^\s*OFXHEADER\s*:/m.test(head) || /<\?OFX\b/i.test(head) || /<OFX>/i.test(head)) return 'ofx';
  if (/^\s*<\?xml\b/.test(head) || /^\s*<(\w+:)?Document\b/.test(head)) return 'camt053';
  return null;
}

export interface OpenStatementOptions {
  format?: StatementFormat | undefined;
  mapping?: ColumnMapping | undefined;
  /** the currency of a CSV without a currency column */
  currency: string;
  /** the name messages use (`standard input`) when `path` is a copy */
  name?: string | undefined;
}

export async function openStatement(path: string, options: OpenStatementOptions): Promise<Statement> {
  const file = options.name ?? path;
  let head: Buffer;
  try {
    const handle = await fs.open(path, 'r');
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
      head = Buffer.alloc(Math.min(stat.size, 64 * 1024));
      await handle.read(head, 0, head.length, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw inputFailure(file, error);
  }
  if (head.length === 0) throw unreadableStatement(`${file} is empty: it holds no statement`);
  const kind = sniffFormat(file, head);
  const encoding = kind === 'text' ? await detectEncoding(path, head) : null;
  const text = encoding ? iconv.decode(head.subarray(encoding.bomLength), encoding.encoding) : '';
  const seen = kind === 'zip' ? 'csv' : (formatOfText(text) ?? 'csv');
  const format = options.format ?? seen;
  if (options.format && options.format !== 'csv' && seen === 'csv') {
    throw unreadableStatement(`${file} is not ${options.format === 'ofx' ? 'an OFX file' : `a ${options.format.replace('camt', 'camt.')} document`}: it looks like a CSV or spreadsheet export`, 'leave out --format: the format is read from the content');
  }
  if (options.mapping && options.mapping.entries.length > 0 && format !== 'csv') throw usageError(`--column: ${file} is ${format}, not a CSV export: --column maps the columns of a CSV or xlsx statement`);
  switch (format) {
    case 'camt053':
    case 'camt054':
      return { file, format, entries: readCamt(file, path, encoding?.encoding ?? 'utf-8', encoding?.bomLength ?? 0) };
    case 'ofx':
      return { file, format, entries: readOfx(file, path, encoding?.encoding ?? 'utf-8', encoding?.bomLength ?? 0) };
    case 'csv':
      return { file, format, entries: readBankCsv(file, path, { mapping: options.mapping, currency: options.currency }) };
  }
}
