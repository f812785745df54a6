/**
 * ISO 20022 bank-to-customer statements (camt.053) and debit/credit notifications (camt.054), versions .001.02 to
 * .001.08, read as a stream with saxes: a file of any size is never held as a document tree. Each booked entry
 * (`Ntry`) gives one StatementEntry, or one per transaction (`TxDtls`) when it books several at once (a SEPA
 * collection credited as one sum); pending and information-only entries are left out.
 */
import fs from 'node:fs';
import iconv from 'iconv-lite';
import { SaxesParser } from 'saxes';
import { minorUnits, parseAmount } from '../../core/kernel/money.js';
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

/** An element's place below the statement, shared by every element of that path. */
interface Place {
  path: string | null;
  /** what its opening tag does, from its path: worked out once, not by comparing the path at every tag */
  open: Opening;
  close: ((value: string) => void) | null;
  children: Map<string, Place>;
  /** the child met last, and its name: the elements of an entry come in the same order each time */
  lastName: string | null;
  lastChild: Place | null;
}

const Opening = { Nothing: 0, Statement: 1, Entry: 2, Transaction: 3, EntryAmount: 4, TransactionAmount: 5 } as const;
type Opening = (typeof Opening)[keyof typeof Opening];

function openingOf(name: string, path: string | null): Opening {
  if (name === 'Stmt' || name === 'Ntfctn') return Opening.Statement;
  if (path === 'Ntry') return Opening.Entry;
  if (path === 'Ntry/NtryDtls/TxDtls') return Opening.Transaction;
  if (name !== 'Amt') return Opening.Nothing;
  if (path === 'Ntry/Amt') return Opening.EntryAmount;
  if (path === 'Ntry/NtryDtls/TxDtls/Amt' || path === 'Ntry/NtryDtls/TxDtls/AmtDtls/TxAmt/Amt') return Opening.TransactionAmount;
  return Opening.Nothing;
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);
/** "NOTPROVIDED" is how banks write an end-to-end id the payer did not give. */
const meaningful = (text: string | null) => (text === null || text === '' || text.toUpperCase() === 'NOTPROVIDED' ? null : text);

/** The entries of a camt.053 or camt.054 file, read in `encoding` from `path`; `file` names it in messages. */
export async function* readCamt(file: string, path: string, encoding: TextEncoding, bomLength: number): AsyncGenerator<StatementEntry> {
  const parser = new SaxesParser({ xmlns: false, position: true });
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
  // each open element's place below the statement (`Stmt`/`Ntfctn`): its path, as `Ntry/NtryDtls/TxDtls/Refs/EndToEndId`
  // ('' for the statement itself, null outside it), and what its closing tag does with its text; made once for each
  // kind of element, from its parent's, so the 50,000 entries of a statement share a dozen places
  const outside: Place = { path: null, open: Opening.Nothing, close: null, children: new Map(), lastName: null, lastChild: null };
  const places: Place[] = [];
  const placeOf = (parent: Place, name: string): Place => {
    if (parent.lastName === name) return parent.lastChild!;
    let place = parent.children.get(name);
    if (place === undefined) {
      const path = parent.path !== null ? (parent.path === '' ? name : `${parent.path}/${name}`) : name === 'Stmt' || name === 'Ntfctn' ? '' : null;
      place = { path, open: openingOf(name, path), close: path === null ? null : closing(path), children: new Map(), lastName: null, lastChild: null };
      parent.children.set(name, place);
    }
    parent.lastName = name;
    parent.lastChild = place;
    return place;
  };

  // what the closing tag of an element does with its text, by the element's path
  const closing = (path: string): ((value: string) => void) | null => {
    switch (path) {
      case 'Acct/Id/IBAN':
      case 'Acct/Id/Othr/Id':
        return (value) => {
          account ??= value.replace(/\s+/g, '').toUpperCase();
        };
      case 'Acct/Ccy':
        return (value) => {
          accountCurrency = value.toUpperCase();
        };
      case 'Ntry/Amt':
        return (value) => {
          if (entry) entry.amount = value;
        };
      case 'Ntry/CdtDbtInd':
        return (value) => {
          if (entry) entry.direction = value;
        };
      case 'Ntry/RvslInd':
        return (value) => {
          if (entry) entry.reversal = value === 'true' || value === '1';
        };
      case 'Ntry/Sts':
      case 'Ntry/Sts/Cd':
        // from .06 the status is <Sts><Cd>BOOK</Cd></Sts>: the closing </Sts> then holds no text of its own
        return (value) => {
          if (entry && value !== '') entry.status = value.toUpperCase();
        };
      case 'Ntry/BookgDt/Dt':
      case 'Ntry/BookgDt/DtTm':
        return (value) => {
          if (entry) entry.bookingDate = value.slice(0, 10);
        };
      case 'Ntry/ValDt/Dt':
      case 'Ntry/ValDt/DtTm':
        return (value) => {
          if (entry) entry.valueDate = value.slice(0, 10);
        };
      case 'Ntry/AcctSvcrRef':
        return (value) => {
          if (entry) entry.reference = value || null;
        };
      case 'Ntry/AddtlNtryInf':
        return (value) => {
          if (entry) entry.info = value || null;
        };
      case 'Ntry':
        return () => {
          if (entry) {
            try {
              for (const one of entriesOf(file, entry, account, accountCurrency)) ready.push(one);
            } catch (error) {
              failure ??= error as Error;
            }
          }
          entry = null;
        };
      case 'Ntry/NtryDtls/TxDtls':
        return () => {
          tx = null;
        };
      default: {
        if (!path.startsWith('Ntry/NtryDtls/TxDtls/')) return null;
        const field = transactionField(path.slice('Ntry/NtryDtls/TxDtls/'.length));
        return field === null
          ? null
          : (value) => {
              if (tx) field(tx, value);
            };
      }
    }
  };

  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    const place = placeOf(places.length === 0 ? outside : places[places.length - 1]!, name);
    places.push(place);
    text = '';
    if (places.length === 1) {
      const ns = String(tag.attributes.xmlns ?? '');
      const found = /camt\.\d{3}\.\d{3}\.\d{2}/.exec(ns);
      version = found ? found[0] : null;
      if (name !== 'Document' || version === null) fail(`not an ISO 20022 camt document (the root element is <${tag.name}>${ns ? ` in ${ns}` : ''})`);
      else if (!camtVersions.test(version)) fail(`${version} is not a version memberctl reads: camt.053 or camt.054, versions .001.02 to .001.08`);
      return;
    }
    switch (place.open) {
      case Opening.Nothing:
        return;
      case Opening.Statement:
        account = null;
        accountCurrency = null;
        return;
      case Opening.Entry:
        entry = { line: parser.line, amount: null, currency: null, direction: null, reversal: false, status: null, bookingDate: null, valueDate: null, reference: null, info: null, transactions: [] };
        return;
      case Opening.Transaction:
        if (entry) {
          tx = newTransaction();
          entry.transactions.push(tx);
        }
        return;
      case Opening.EntryAmount:
        if (entry) entry.currency = String(tag.attributes.Ccy ?? '') || null;
        return;
      case Opening.TransactionAmount:
        if (tx) tx.currency = String(tag.attributes.Ccy ?? '') || null;
        return;
    }
  });

  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (t) => {
    text += t;
  });

  parser.on('closetag', () => {
    const close = places.pop()?.close;
    if (close) close(text.trim());
    text = '';
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

/** What the closing tag at `path` below a transaction (`TxDtls`) sets on it, or null for an element left alone. */
function transactionField(path: string): ((t: Transaction, value: string) => void) | null {
  switch (path) {
    case 'Amt':
    case 'AmtDtls/TxAmt/Amt':
      return (t, value) => {
        t.amount = value;
      };
    case 'CdtDbtInd':
      return (t, value) => {
        t.direction = value;
      };
    case 'Refs/AcctSvcrRef':
      return (t, value) => {
        t.reference = value || null;
      };
    case 'Refs/EndToEndId':
      return (t, value) => {
        t.endToEndId = meaningful(value);
      };
    case 'Refs/TxId':
      return (t, value) => {
        t.txId = meaningful(value);
      };
    // the party is Dbtr/Nm up to .07, Dbtr/Pty/Nm from .08
    case 'RltdPties/Dbtr/Nm':
    case 'RltdPties/Dbtr/Pty/Nm':
      return (t, value) => {
        t.debtor = value || null;
      };
    case 'RltdPties/DbtrAcct/Id/IBAN':
      return (t, value) => {
        t.debtorIban = value.replace(/\s+/g, '').toUpperCase() || null;
      };
    case 'RmtInf/Ustrd':
    case 'RmtInf/Strd/CdtrRefInf/Ref':
    case 'RmtInf/Strd/RfrdDocInf/Nb':
      return (t, value) => {
        if (value) t.remittance.push(value);
      };
    case 'RtrInf/Rsn/Cd':
    case 'RtrInf/Rsn/Prtry':
      return (t, value) => {
        t.returnReason = value || null;
      };
    case 'AddtlTxInf':
      return (t, value) => {
        t.info = value || null;
      };
    default:
      return null;
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
  const plain = isoAmount(text, currency);
  if (plain !== null) return { amount: plain, currency };
  const parsed = /^\d+(\.\d+)?$/.test(text) ? parseAmount(text, currency) : null;
  if (!parsed?.ok || parsed.value < 0) throw unreadableStatement(`${file}, line ${line}: the <Amt> of ${what} is "${text}", not an amount in ${currency}`);
  return { amount: parsed.value, currency };
}

/**
 * `text` ("49.9", "1250.00") in minor units of `currency` when it is a plain ISO 20022 amount with no more decimals
 * than the currency has, else null (parseAmount then says what is wrong with it): the amounts of a statement of
 * 50,000 entries are read in a few milliseconds instead of a tenth of a second.
 */
function isoAmount(text: string, currency: string): number | null {
  const found = /^(\d{1,13})(?:\.(\d{1,3}))?$/.exec(text);
  if (found === null) return null;
  const decimals = minorUnits(currency);
  const fraction = found[2] ?? '';
  if (fraction.length > decimals) return null;
  return Number(found[1]) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || '0');
}

function entriesOf(file: string, e: Entry, account: string | null, accountCurrency: string | null): StatementEntry[] {
  // only what the bank booked: a pending or information-only entry may still change or never happen
  if (e.status !== null && e.status !== 'BOOK') return [];
  const date = e.bookingDate ?? e.valueDate;
  if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw unreadableStatement(`${file}, line ${e.line}: <Ntry> has no booking date (<BookgDt><Dt>)`);
  const way = direction(file, e.line, e.direction);
  const whole = amountOf(file, e.line, e.amount, e.currency ?? accountCurrency, '<Ntry>');
  const txs = e.transactions.length === 0 ? [newTransaction()] : e.transactions;
  // the entries are built field by field, without spreading a shared object or joining arrays: a statement of
  // 50,000 entries spent a third of its reading time there
  return txs.map((t, index) => {
    const own = txs.length > 1 ? amountOf(file, e.line, t.amount, t.currency ?? whole.currency, `transaction ${index + 1} of <Ntry>`) : whole;
    let label = t.remittance.length === 1 ? t.remittance[0]! : t.remittance.join(' ');
    if (t.info !== null && t.info !== '') label = label === '' ? t.info : `${label} ${t.info}`;
    if (e.info !== null && e.info !== '') label = label === '' ? e.info : `${label} ${e.info}`;
    // a transaction of a batch booking is told apart by its own reference, else its end-to-end id or its place
    const reference = t.reference ?? (e.reference === null ? null : txs.length > 1 ? `${e.reference}/${t.endToEndId ?? t.txId ?? index + 1}` : e.reference);
    return {
      account,
      date,
      reversal: e.reversal,
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
