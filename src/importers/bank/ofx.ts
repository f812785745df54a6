/**
 * OFX bank statements: OFX 1.x (SGML, whose leaf elements are not closed) and OFX 2.x (XML). Each `STMTTRN` of a
 * bank statement gives one StatementEntry: credits have a positive `TRNAMT`, debits a negative one.
 */
import fs from 'node:fs/promises';
import iconv from 'iconv-lite';
import { parseAmount } from '../../core/kernel/money.js';
import type { TextEncoding } from '../encoding.js';
import { inputFailure } from '../file-error.js';
import { type StatementEntry, unreadableStatement } from './statement.js';

/** `CHARSET:1252` in an OFX 1 header, `encoding="..."` in an OFX 2 one: what the file says it is written in. */
function declaredEncoding(head: string): TextEncoding | null {
  const charset = /^CHARSET:\s*(\S+)/m.exec(head)?.[1]?.toUpperCase();
  if (charset === '1252' || charset === 'ISO-8859-1' || charset === '8859-1') return 'windows-1252';
  const xml = /encoding="([^"]+)"/i.exec(head)?.[1]?.toUpperCase();
  if (xml === 'WINDOWS-1252' || xml === 'ISO-8859-1') return 'windows-1252';
  return null;
}

const lineAt = (text: string, offset: number) => {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
};

/** The entries of an OFX file; `file` names it in messages. */
export async function* readOfx(file: string, path: string, encoding: TextEncoding, bomLength: number): AsyncGenerator<StatementEntry> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    throw inputFailure(file, error);
  }
  const body = bytes.subarray(bomLength);
  const guessed = declaredEncoding(body.subarray(0, 2000).toString('latin1'));
  const text = iconv.decode(body, guessed ?? encoding);
  let account: string | null = null;
  let currency: string | null = null;
  let txn: Record<string, string> | null = null;
  let txnOffset = 0;
  const tokens = /<(\/?)([A-Za-z0-9.]+)>([^<]*)/g;
  for (let match = tokens.exec(text); match !== null; match = tokens.exec(text)) {
    const [, closing, rawName, rawValue] = match;
    const name = rawName!.toUpperCase();
    const value = rawValue!.trim();
    if (closing) {
      if (name === 'STMTTRN' && txn) {
        yield entryOf(file, lineAt(text, txnOffset), txn, account, currency);
        txn = null;
      }
      continue;
    }
    if (name === 'STMTTRN') {
      // OFX 1 may leave even an aggregate unclosed: a new transaction ends the one before
      if (txn) yield entryOf(file, lineAt(text, txnOffset), txn, account, currency);
      txn = {};
      txnOffset = match.index;
      continue;
    }
    if (value === '') continue;
    if (txn) txn[name] = txn[name] === undefined ? value : txn[name];
    else if (name === 'ACCTID') account = value.replace(/\s+/g, '').toUpperCase();
    else if (name === 'CURDEF') currency = value.toUpperCase();
  }
  if (txn) yield entryOf(file, lineAt(text, txnOffset), txn, account, currency);
  if (!/<OFX>/i.test(text)) throw unreadableStatement(`${file}: not an OFX file (no <OFX> element)`);
}

const decodeEntities = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (all, name: string) => {
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name] ?? all;
  });

function entryOf(file: string, line: number, txn: Record<string, string>, account: string | null, statementCurrency: string | null): StatementEntry {
  const at = `${file}, line ${line}`;
  const currency = (txn.CURRENCY ?? txn.ORIGCURRENCY ?? statementCurrency)?.toUpperCase() ?? null;
  if (currency === null || !/^[A-Z]{3}$/.test(currency)) throw unreadableStatement(`${at}: <STMTTRN> has no currency (the statement's <CURDEF> is missing)`);
  const posted = txn.DTPOSTED ?? '';
  const date = /^(\d{4})(\d{2})(\d{2})/.exec(posted);
  if (!date) throw unreadableStatement(`${at}: <DTPOSTED> is "${posted}", not a date (YYYYMMDD)`);
  const amountText = txn.TRNAMT ?? '';
  const parsed = parseAmount(amountText, currency);
  if (!parsed.ok) throw unreadableStatement(`${at}: <TRNAMT> is "${amountText}": ${parsed.message}`);
  const name = txn.NAME === undefined ? null : decodeEntities(txn.NAME);
  const memo = txn.MEMO === undefined ? null : decodeEntities(txn.MEMO);
  return {
    at: `line ${line}`,
    account,
    date: `${date[1]}-${date[2]}-${date[3]}`,
    amount: Math.abs(parsed.value),
    currency,
    direction: parsed.value < 0 || txn.TRNTYPE?.toUpperCase() === 'DEBIT' ? 'debit' : 'credit',
    reference: txn.FITID ?? null,
    endToEndId: null,
    label: [name, memo, txn.REFNUM].filter((s) => s !== null && s !== undefined && s !== '').join(' '),
    debtor: name,
    debtorIban: null,
    reversal: false,
    returnReason: null,
  };
}
