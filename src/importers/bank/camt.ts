/**
 * ISO 20022 bank-to-customer statements (camt.053) and debit/credit notifications (camt.054), versions .001.02 to
 * .001.08, read as a stream with saxes: a file of any size is never held as a document tree. Each booked entry
 * (`Ntry`) gives one StatementEntry, or one per transaction (`TxDtls`) when it books several at once (a SEPA
 * collection credited as one sum); pending and information-only entries are left out.
 */
import fs from 'node:fs';
import iconv from 'iconv-lite';
import { SaxesParser } from 'saxes';
import { parseAmount } from '../../core/kernel/money.js';
import type { TextEncoding } from '../encoding.js';
import { inputFailure } from '../file-error.js';
import { type StatementEntry, unreadableStatement } from './statement.js';

export const camtVersions = /^camt\.05([34])\.001\.0([2-8])$/;

interface Transaction {
  amount: string | null;
  currency: string | null;
  direction: string | null;
  reference: string | null;
  endToEndId: string | null;
  txId: string | null;
  debtor: string | null;
  debtorIban: string | null;
  remittance: string[];
  returnReason: string | null;
  info: string | null;
}

interface Entry {
  line: number;
  amount: string | null;
  currency: string | null;
  direction: string | null;
  reversal: boolean;
  status: string | null;
  bookingDate: string | null;
  valueDate: string | null;
  reference: string | null;
  info: string | null;
  transactions: Transaction[];
}

const newTransaction = (): Transaction => ({
  amount: null,
  currency: null,
  direction: null,
  reference: null,
  endToEndId: null,
  txId: null,
  debtor: null,
  debtorIban: null,
  remittance: [],
  returnReason: null,
  info: null,
});

const localName = (name: string) => name.slice(name.indexOf(':') + 1);
/** "NOTPROVIDED" is how banks write an end-to-end id the payer did not give. */
const meaningful = (text: string | null) => (text === null || text === '' || text.toUpperCase() === 'NOTPROVIDED' ? null : text);

/** The entries of a camt.053 or camt.054 file, read in `encoding` from `path`; `file` names it in messages. */
export async function* readCamt(file: string, path: string, encoding: TextEncoding, bomLength: number): AsyncGenerator<StatementEntry> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: string[] = [];
  let text = '';
  let account: string | null = null;
  let accountCurrency: string | null = null;
  let entry: Entry | null = null;
  let tx: Transaction | null = null;
  let version: string | null = null;
  let ready: StatementEntry[] = [];
  let failure: Error | null = null;
  const fail = (message: string) => {
    failure ??= unreadableStatement(`${file}, line ${parser.line}: ${message}`);
  };
  // each open element's path below the statement (`Stmt`/`Ntfctn`), as `Ntry/NtryDtls/TxDtls/Refs/EndToEndId`: ''
  // for the statement itself, null outside it; made once per element, from its parent's
  const paths: Array<string | null> = [];
  const below = () => paths[paths.length - 1] ?? '';

  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    stack.push(name);
    const parent = paths[paths.length - 1] ?? null;
    paths.push(parent !== null ? (parent === '' ? name : `${parent}/${name}`) : name === 'Stmt' || name === 'Ntfctn' ? '' : null);
    text = '';
    if (stack.length === 1) {
      const ns = String(tag.attributes.xmlns ?? '');
      const found = /camt\.\d{3}\.\d{3}\.\d{2}/.exec(ns);
      version = found ? found[0] : null;
      if (name !== 'Document' || version === null) fail(`not an ISO 20022 camt document (the root element is <${tag.name}>${ns ? ` in ${ns}` : ''})`);
      else if (!camtVersions.test(version)) fail(`${version} is not a version memberctl reads: camt.053 or camt.054, versions .001.02 to .001.08`);
      return;
    }
    if (name === 'Stmt' || name === 'Ntfctn') {
      account = null;
      accountCurrency = null;
      return;
    }
    const path = below();
    if (path === 'Ntry') {
      entry = { line: parser.line, amount: null, currency: null, direction: null, reversal: false, status: null, bookingDate: null, valueDate: null, reference: null, info: null, transactions: [] };
    } else if (path === 'Ntry/NtryDtls/TxDtls' && entry) {
      tx = newTransaction();
      entry.transactions.push(tx);
    }
    if (name === 'Amt' && (path === 'Ntry/Amt' || path.startsWith('Ntry/NtryDtls/TxDtls/'))) {
      const currency = String(tag.attributes.Ccy ?? '') || null;
      if (path === 'Ntry/Amt' && entry) entry.currency = currency;
      else if (tx && (path === 'Ntry/NtryDtls/TxDtls/Amt' || path === 'Ntry/NtryDtls/TxDtls/AmtDtls/TxAmt/Amt')) tx.currency = currency;
    }
  });

  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (t) => {
    text += t;
  });

  parser.on('closetag', () => {
    const path = below();
    const value = text.trim();
    text = '';
    const e = entry as Entry | null;
    const t = tx as Transaction | null;
    switch (path) {
      case 'Acct/Id/IBAN':
      case 'Acct/Id/Othr/Id':
        account ??= value.replace(/\s+/g, '').toUpperCase();
        break;
      case 'Acct/Ccy':
        accountCurrency = value.toUpperCase();
        break;
      case 'Ntry/Amt':
        if (e) e.amount = value;
        break;
      case 'Ntry/CdtDbtInd':
        if (e) e.direction = value;
        break;
      case 'Ntry/RvslInd':
        if (e) e.reversal = value === 'true' || value === '1';
        break;
      case 'Ntry/Sts':
      case 'Ntry/Sts/Cd':
        // from .06 the status is <Sts><Cd>BOOK</Cd></Sts>: the closing </Sts> then holds no text of its own
        if (e && value !== '') e.status = value.toUpperCase();
        break;
      case 'Ntry/BookgDt/Dt':
      case 'Ntry/BookgDt/DtTm':
        if (e) e.bookingDate = value.slice(0, 10);
        break;
      case 'Ntry/ValDt/Dt':
      case 'Ntry/ValDt/DtTm':
        if (e) e.valueDate = value.slice(0, 10);
        break;
      case 'Ntry/AcctSvcrRef':
        if (e) e.reference = value || null;
        break;
      case 'Ntry/AddtlNtryInf':
        if (e) e.info = value || null;
        break;
      case 'Ntry':
        if (e) {
          try {
            ready.push(...entriesOf(file, e, account, accountCurrency));
          } catch (error) {
            failure ??= error as Error;
          }
        }
        entry = null;
        break;
      case 'Ntry/NtryDtls/TxDtls':
        tx = null;
        break;
      default:
        if (t && path.startsWith('Ntry/NtryDtls/TxDtls/')) transactionField(t, path.slice('Ntry/NtryDtls/TxDtls/'.length), value);
    }
    stack.pop();
    paths.pop();
  });

  parser.on('error', (error) => {
    fail(`not well-formed XML (${error.message.replace(/^[^:]*:\d+:\d+: /, '')})`);
  });

  let stream: fs.ReadStream;
  try {
    stream = fs.createReadStream(path, { start: bomLength, highWaterMark: 1 << 20 });
  } catch (error) {
    throw inputFailure(file, error);
  }
  const decoder = iconv.getDecoder(encoding);
  try {
    for await (const chunk of stream) {
      const piece = decoder.write(chunk as Buffer);
      if (piece) parser.write(piece);
      if (failure) throw failure;
      if (ready.length > 0) {
        const out = ready;
        ready = [];
        yield* out;
      }
    }
    const rest = decoder.end();
    if (rest) parser.write(rest);
    if (!failure) parser.close();
  } catch (error) {
    if (error === failure) throw error;
    if (typeof (error as { code?: unknown }).code === 'string') throw inputFailure(file, error);
    if (!failure) throw error;
  } finally {
    stream.destroy();
  }
  if (failure) throw failure;
  if (version === null) throw unreadableStatement(`${file}: not an ISO 20022 camt document`);
  yield* ready;
}

function transactionField(t: Transaction, path: string, value: string): void {
  switch (path) {
    case 'Amt':
    case 'AmtDtls/TxAmt/Amt':
      t.amount = value;
      break;
    case 'CdtDbtInd':
      t.direction = value;
      break;
    case 'Refs/AcctSvcrRef':
      t.reference = value || null;
      break;
    case 'Refs/EndToEndId':
      t.endToEndId = meaningful(value);
      break;
    case 'Refs/TxId':
      t.txId = meaningful(value);
      break;
    // the party is Dbtr/Nm up to .07, Dbtr/Pty/Nm from .08
    case 'RltdPties/Dbtr/Nm':
    case 'RltdPties/Dbtr/Pty/Nm':
      t.debtor = value || null;
      break;
    case 'RltdPties/DbtrAcct/Id/IBAN':
      t.debtorIban = value.replace(/\s+/g, '').toUpperCase() || null;
      break;
    case 'RmtInf/Ustrd':
    case 'RmtInf/Strd/CdtrRefInf/Ref':
    case 'RmtInf/Strd/RfrdDocInf/Nb':
      if (value) t.remittance.push(value);
      break;
    case 'RtrInf/Rsn/Cd':
    case 'RtrInf/Rsn/Prtry':
      t.returnReason = value || null;
      break;
    case 'AddtlTxInf':
      t.info = value || null;
      break;
  }
}

function direction(file: string, line: number, value: string | null): 'credit' | 'debit' {
  if (value === 'CRDT') return 'credit';
  if (value === 'DBIT') return 'debit';
  throw unreadableStatement(`${file}, line ${line}: <Ntry> has ${value === null ? 'no <CdtDbtInd>' : `<CdtDbtInd>${value}</CdtDbtInd>, neither CRDT nor DBIT`}`);
}

function amountOf(file: string, line: number, text: string | null, currency: string | null, what: string): { amount: number; currency: string } {
  if (text === null || text === '') throw unreadableStatement(`${file}, line ${line}: ${what} has no <Amt>`);
  if (currency === null || !/^[A-Z]{3}$/.test(currency)) throw unreadableStatement(`${file}, line ${line}: the <Amt> of ${what} has no currency (Ccy="${currency ?? ''}")`);
  // ISO 20022 amounts are written with a "." and no grouping
  const parsed = /^\d+(\.\d+)?$/.test(text) ? parseAmount(text, currency) : null;
  if (!parsed?.ok || parsed.value < 0) throw unreadableStatement(`${file}, line ${line}: the <Amt> of ${what} is "${text}", not an amount in ${currency}`);
  return { amount: parsed.value, currency };
}

function entriesOf(file: string, e: Entry, account: string | null, accountCurrency: string | null): StatementEntry[] {
  // only what the bank booked: a pending or information-only entry may still change or never happen
  if (e.status !== null && e.status !== 'BOOK') return [];
  const date = e.bookingDate ?? e.valueDate;
  if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw unreadableStatement(`${file}, line ${e.line}: <Ntry> has no booking date (<BookgDt><Dt>)`);
  const way = direction(file, e.line, e.direction);
  const whole = amountOf(file, e.line, e.amount, e.currency ?? accountCurrency, '<Ntry>');
  const base = { account, date, reversal: e.reversal };
  const txs = e.transactions.length === 0 ? [newTransaction()] : e.transactions;
  return txs.map((t, index) => {
    const own = txs.length > 1 ? amountOf(file, e.line, t.amount, t.currency ?? whole.currency, `transaction ${index + 1} of <Ntry>`) : whole;
    const label = [...t.remittance, t.info, e.info].filter((s): s is string => s !== null && s !== '').join(' ');
    // a transaction of a batch booking is told apart by its own reference, else its end-to-end id or its place
    const reference = t.reference ?? (e.reference === null ? null : txs.length > 1 ? `${e.reference}/${t.endToEndId ?? t.txId ?? index + 1}` : e.reference);
    return {
      ...base,
      at: `line ${e.line}`,
      amount: own.amount,
      currency: own.currency,
      direction: t.direction === 'CRDT' ? 'credit' : t.direction === 'DBIT' ? 'debit' : way,
      reference,
      endToEndId: t.endToEndId,
      label,
      debtor: t.debtor,
      debtorIban: t.debtorIban,
      returnReason: t.returnReason,
    };
  });
}
