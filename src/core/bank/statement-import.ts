/**
 * `payments import`: the entries of a bank statement recorded once each and matched to invoices, all in one
 * transaction (a dry run is the same transaction, rolled back). A credit names its invoice (the number in its
 * remittance information, label or end-to-end id; a SEPA collection's end-to-end id) and pays it; one that names
 * none but has the exact amount still due on an invoice of a payer whose name or IBAN resembles the debtor's is a
 * suggestion, applied only when accepted; a returned direct debit cancels the payment it returns.
 */
import { creditedAmounts } from '../billing/invoice-balance.js';
import { type Db, type Queryable, retryingUniqueRace } from '../../db/connect.js';
import type { BankEntry, BankEntryStatus, NewBankEntry, Payment } from '../../db/types.js';
import { dataError, UserError } from '../../errors.js';
import type { Statement, StatementEntry } from '../../importers/bank/statement.js';
import { cancelPayment, describePayment, recordPayment } from '../billing/payments.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { compareDates, type IsoDate } from '../kernel/dates.js';
import { formatAmount } from '../kernel/money.js';
import { getSetting } from '../kernel/settings.js';
import { closeCollectionItem } from '../sepa/collect.js';
import { type OpenInvoice, type PaymentToRecord, recordedTransfers, recordTransfers, repeatedTransfer } from './payments-in-bulk.js';
import { ResemblingNames } from './name-index.js';
import { entryKey, invoiceNumberFinder, numberPrefix } from './rules.js';

export type EntryStatus = BankEntryStatus | 'duplicate';
export const entryStatuses: readonly EntryStatus[] = ['matched', 'suggested', 'unmatched', 'duplicate', 'debit', 'returned'];

export interface ImportedEntry {
  key: string;
  at: string;
  date: string;
  amount: number;
  currency: string;
  direction: 'credit' | 'debit';
  reference: string | null;
  label: string;
  debtor: string | null;
  status: EntryStatus;
  /** the invoice number paid, suggested or reopened */
  invoice: string | null;
  payment: number | null;
  /** why it was left alone, or what a suggestion rests on */
  note: string | null;
}

export interface StatementImportOptions {
  asOf: IsoDate;
  dryRun: boolean;
  /** apply every suggestion, or those whose entry keys are listed (confirmed at a terminal) */
  acceptSuggested: boolean | ReadonlySet<string>;
  source: AuditSource;
}

export interface StatementImportResult {
  file: string;
  format: Statement['format'];
  dryRun: boolean;
  entries: ImportedEntry[];
  counts: Record<EntryStatus, number>;
}

/** Entries read, looked up and written together. */
const batchSize = 500;

class RolledBack extends Error {}

/**
 * Imports the statement `open` reads (it may be read twice: a PostgreSQL transaction that lost a race on an entry's
 * key to another import of the same statement runs once more, and then finds those entries recorded). Never
 * half-applied: a statement that cannot be read, or is in another currency than the invoices, changes nothing (65).
 */
export async function importStatement(db: Db, open: () => Promise<Statement>, options: StatementImportOptions): Promise<StatementImportResult> {
  let result: StatementImportResult | null = null;
  const run = async (trx: Queryable) => {
    result = await applyStatement(trx, await open(), options);
    if (options.dryRun) throw new RolledBack();
  };
  try {
    await retryingUniqueRace(db, run);
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  return result!;
}

async function applyStatement(trx: Queryable, statement: Statement, options: StatementImportOptions): Promise<StatementImportResult> {
  // the currency of the organisation, and when an entry is in another one, those of its invoices (reading every
  // invoice for them costs a statement imported again more than looking up its entries)
  const currencies = new Set<string>([await getSetting(trx, 'currency')]);
  let invoiceCurrencies = false;
  // the open invoices, the prefixes and the payers' IBANs are read when the first entry that is not recorded yet
  // needs them (nothing is written before): a statement imported again, every entry recorded, never reads them
  let context: Context | null = null;
  const contextNow = async () => (context ??= await loadContext(trx));
  const entries: ImportedEntry[] = [];
  let batch: StatementEntry[] = [];
  const flush = async () => {
    for (const done of await applyBatch(trx, statement.file, batch, contextNow, options)) entries.push(done);
    batch = [];
  };
  for await (const entry of statement.entries) {
    if (!currencies.has(entry.currency) && !invoiceCurrencies) {
      for (const r of await trx.selectFrom('invoices').select('currency').distinct().execute()) currencies.add(r.currency);
      invoiceCurrencies = true;
    }
    if (!currencies.has(entry.currency)) {
      throw dataError(
        `${statement.file}, ${entry.at}: the statement is in ${entry.currency}, the invoices in ${[...currencies].join(', ')}; nothing was imported`,
        'import the statement of the account the invoices are paid into',
      );
    }
    batch.push(entry);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  const counts = Object.fromEntries(entryStatuses.map((s) => [s, 0])) as Record<EntryStatus, number>;
  for (const e of entries) counts[e.status] += 1;
  if (!options.dryRun) {
    await recordAudit(trx, options.source, {
      action: 'import',
      entity: 'bank_entries',
      summary: `bank statement ${statement.file} (${statement.format}): ${entryStatuses.map((s) => `${counts[s]} ${s}`).join(', ')}`,
    });
  }
  return { file: statement.file, format: statement.format, dryRun: options.dryRun, entries, counts };
}

interface Context {
  findNumbers: (text: string) => string[];
  /** open invoices by number, and by amount due for suggestions; `due` follows what this import pays */
  byNumber: Map<string, OpenInvoice>;
  byId: Map<number, OpenInvoice>;
  byDue: Map<number, OpenInvoice[]>;
  /** byDue indexed for suggestions, an amount when a suggestion first needs it */
  byAmount: Map<number, SameAmount>;
  /** IBAN -> payers: their mandates, and what the IBAN paid before */
  ibanPayers: Map<string, Set<number>>;
  /** end-to-end id -> the payment a credit of this import recorded, for a return further down */
  paidByEndToEnd: Map<string, { paymentId: number; invoice: string }>;
  /** invoices a suggestion of this import proposes already */
  suggested: Set<number>;
}

async function loadContext(trx: Queryable): Promise<Context> {
  const rows = await trx
    .selectFrom('invoices as i')
    .leftJoin('payments as p', (join) => join.onRef('p.invoice_id', '=', 'i.id').on('p.status', '=', 'recorded'))
    .select((eb) => ['i.id', 'i.number', 'i.date', 'i.total', 'i.currency', 'i.payer_id', 'i.payer_name', 'i.status', eb.fn.coalesce(eb.fn.sum<number>('p.amount'), eb.lit(0)).as('paid')])
    .where('i.status', '=', 'open')
    .groupBy(['i.id', 'i.number', 'i.date', 'i.total', 'i.currency', 'i.payer_id', 'i.payer_name', 'i.status'])
    .execute();
  const byNumber = new Map<string, OpenInvoice>();
  const byDue = new Map<number, OpenInvoice[]>();
  // what partial credit notes took off is not due
  const credited = await creditedAmounts(
    trx,
    rows.map((r) => r.id),
  );
  for (const r of rows) {
    const due = r.total - (credited.get(r.id) ?? 0) - Number(r.paid);
    const invoice: OpenInvoice = { id: r.id, number: r.number, date: r.date, total: r.total, currency: r.currency, payerId: r.payer_id, payerName: r.payer_name, status: r.status, due };
    byNumber.set(invoice.number, invoice);
    if (invoice.due > 0) {
      const same = byDue.get(invoice.due);
      if (same) same.push(invoice);
      else byDue.set(invoice.due, [invoice]);
    }
  }
  const prefixes = new Set<string>([await getSetting(trx, 'invoice-prefix')]);
  // the prefixes ever used: a number of last year's prefix is still that invoice's
  for (const r of await trx.selectFrom('number_sequences').select('prefix').distinct().execute()) prefixes.add(r.prefix);
  for (const invoice of byNumber.values()) {
    const prefix = numberPrefix(invoice.number);
    if (prefix !== null) prefixes.add(prefix);
  }
  const creditNotePrefix = await getSetting(trx, 'credit-note-prefix');
  prefixes.delete(creditNotePrefix);
  const ibanPayers = new Map<string, Set<number>>();
  const addIban = (iban: string | null, payer: number | null) => {
    if (iban === null || payer === null) return;
    const set = ibanPayers.get(iban) ?? new Set<number>();
    set.add(payer);
    ibanPayers.set(iban, set);
  };
  for (const m of await trx.selectFrom('sepa_mandates').select(['iban', 'member_id']).execute()) addIban(m.iban, m.member_id);
  const paidFrom = await trx
    .selectFrom('bank_entries as b')
    .innerJoin('invoices as i', 'i.id', 'b.invoice_id')
    .select(['b.debtor_iban', 'i.payer_id'])
    .where('b.status', '=', 'matched')
    .where('b.debtor_iban', 'is not', null)
    .distinct()
    .execute();
  for (const r of paidFrom) addIban(r.debtor_iban, r.payer_id);
  const byId = new Map([...byNumber.values()].map((inv) => [inv.id, inv]));
  return { findNumbers: invoiceNumberFinder(prefixes), byNumber, byId, byDue, byAmount: new Map(), ibanPayers, paidByEndToEnd: new Map(), suggested: new Set() };
}

const chunked = async <T, R>(items: readonly T[], size: number, fn: (chunk: T[]) => Promise<R[]>): Promise<R[]> => {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await fn(items.slice(i, i + size))));
  return out;
};

/** What a statement imported again needs of an entry recorded before. */
type RecordedEntry = Pick<BankEntry, 'id' | 'entry_key' | 'status' | 'invoice_id' | 'payment_id' | 'amount' | 'note' | 'file' | 'created_at'> & { invoice_number: string | null };

async function applyBatch(
  trx: Queryable,
  file: string,
  batch: readonly StatementEntry[],
  contextNow: () => Promise<Context>,
  options: StatementImportOptions,
): Promise<ImportedEntry[]> {
  if (batch.length === 0) return [];
  const keys = batch.map(entryKey);
  const recorded = new Map<string, RecordedEntry>();
  const lookUp = (chunk: string[]) =>
    trx
      .selectFrom('bank_entries as b')
      .leftJoin('invoices as i', 'i.id', 'b.invoice_id')
      .select(['b.id', 'b.entry_key', 'b.status', 'b.invoice_id', 'b.payment_id', 'b.amount', 'b.note', 'b.file', 'b.created_at', 'i.number as invoice_number'])
      .where('b.entry_key', 'in', chunk)
      .execute();
  for (const row of await chunked([...new Set(keys)], 500, lookUp)) recorded.set(row.entry_key, row);
  // the entries recorded here for the first time: not recorded before, nor further up in the batch
  const isNew: boolean[] = [];
  const seenKeys = new Set<string>();
  for (const key of keys) {
    isNew.push(!recorded.has(key) && !seenKeys.has(key));
    seenKeys.add(key);
  }
  // a suggestion left pending is said again (or applied) against the invoice as it stands
  const pendingSuggestion = [...recorded.values()].some((r) => r.status === 'suggested' && r.invoice_id !== null);
  if (!pendingSuggestion && !isNew.includes(true)) return batch.map((entry, i) => repeated(entry, keys[i]!, recorded.get(keys[i]!)));
  const context = await contextNow();
  // numbers named that are not open invoices: paid or void ones, said so rather than "unmatched" in silence
  const named = batch.map((e, i) => (isNew[i] ? context.findNumbers([e.label, e.endToEndId ?? ''].join(' ')) : []));
  const others = [...new Set(named.flat())].filter((n) => !context.byNumber.has(n));
  const closed = new Map<string, { number: string; status: string }>();
  for (const row of await chunked(others, 500, (chunk) => trx.selectFrom('invoices').select(['number', 'status']).where('number', 'in', chunk).execute())) closed.set(row.number, row);

  const namedOpen = named.flat().flatMap((n) => {
    const invoice = context.byNumber.get(n);
    return invoice ? [invoice.id] : [];
  });
  const payments = new BatchPayments(trx, context, options.source, await recordedTransfers(trx, namedOpen));
  const out: ImportedEntry[] = [];
  const fresh: Array<{ done: ImportedEntry; outcome: Outcome; entry: StatementEntry; key: string }> = [];
  for (let i = 0; i < batch.length; i += 1) {
    const entry = batch[i]!;
    const key = keys[i]!;
    const base = importedEntry(entry, key);
    const before = recorded.get(key);
    if (!isNew[i]) {
      // recorded already: only a suggestion left pending may be applied now
      if (before?.status === 'suggested' && before.invoice_id !== null && accepted(options, key)) {
        const invoice = context.byId.get(before.invoice_id);
        if (invoice && invoice.due === before.amount) {
          const paid = await pay(trx, entry, invoice, context, options, payments, false);
          if (paid.status === 'matched') {
            await trx.updateTable('bank_entries').set({ status: 'matched', payment_id: paid.payment, note: null, updated_at: options.source.at }).where('id', '=', before.id).execute();
            out.push({ ...base, ...paid, invoice: invoice.number });
            continue;
          }
        }
      }
      if (before?.status === 'suggested' && before.invoice_id !== null) {
        // still pending: said again, so that it can be accepted now or at the next import
        const invoice = context.byId.get(before.invoice_id);
        if (invoice && invoice.due === before.amount) {
          out.push({ ...base, status: 'suggested', invoice: invoice.number, payment: null, note: before.note });
          continue;
        }
      }
      out.push(repeated(entry, key, before));
      continue;
    }
    const outcome = await decide(trx, entry, named[i]!, closed, context, options, payments);
    const done = { ...base, ...outcome };
    out.push(done);
    fresh.push({ done, outcome, entry, key });
  }
  await payments.flush();
  const inserts: NewBankEntry[] = [];
  for (const { done, outcome, entry, key } of fresh) {
    // the payments written since: their ids and notes
    done.payment = outcome.payment;
    done.note = outcome.note;
    inserts.push({
      entry_key: key,
      account: entry.account,
      date: entry.date,
      amount: entry.amount,
      currency: entry.currency,
      direction: entry.direction,
      reference: entry.reference,
      end_to_end_id: entry.endToEndId,
      label: entry.label,
      debtor: entry.debtor,
      debtor_iban: entry.debtorIban,
      status: done.status as BankEntryStatus,
      invoice_id: outcome.invoiceId ?? null,
      payment_id: done.payment,
      return_reason: entry.returnReason,
      note: done.note,
      file,
      created_at: options.source.at,
      updated_at: options.source.at,
    });
  }
  for (let i = 0; i < inserts.length; i += 100) await trx.insertInto('bank_entries').values(inserts.slice(i, i + 100)).execute();
  return out;
}

const importedEntry = (entry: StatementEntry, key: string): ImportedEntry => ({
  key,
  at: entry.at,
  date: entry.date,
  amount: entry.amount,
  currency: entry.currency,
  direction: entry.direction,
  reference: entry.reference,
  label: entry.label,
  debtor: entry.debtor,
  status: 'unmatched',
  invoice: null,
  payment: null,
  note: null,
});

/** An entry recorded already, by an import before (`before`) or further up in this statement. */
function repeated(entry: StatementEntry, key: string, before: RecordedEntry | undefined): ImportedEntry {
  const done = importedEntry(entry, key);
  done.status = 'duplicate';
  done.invoice = before?.invoice_number ?? null;
  done.payment = before?.payment_id ?? null;
  done.note = before ? recordedNote(before) : 'repeats an entry above';
  return done;
}

/** The notes of entries recorded before, one string for each day, file and status: a statement imported again keeps them all. */
const recordedNotes = new Map<string, string>();

function recordedNote(before: RecordedEntry): string {
  const day = before.created_at.slice(0, 10);
  const key = `${day}\u0000${before.file}\u0000${before.status}`;
  let note = recordedNotes.get(key);
  if (note === undefined) {
    note = `recorded on ${day} from ${before.file} as ${before.status}`;
    if (recordedNotes.size >= 1000) recordedNotes.clear();
    recordedNotes.set(key, note);
  }
  return note;
}

/**
 * The payments of a batch's credits that name their invoice, written together (payments-in-bulk.ts) before anything
 * that reads the payments back: a SEPA settlement, a suggestion, a return, and the batch's bank entries.
 */
class BatchPayments {
  private pending: Array<{ payment: PaymentToRecord; entry: StatementEntry; outcome: Outcome }> = [];
  constructor(
    private readonly trx: Queryable,
    private readonly context: Context,
    private readonly source: AuditSource,
    /** the transfers recorded on the invoices the batch names */
    readonly recorded: ReadonlyMap<string, Payment>,
  ) {}

  add(payment: PaymentToRecord, entry: StatementEntry, outcome: Outcome): void {
    this.pending.push({ payment, entry, outcome });
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    await recordTransfers(
      this.trx,
      pending.map((p) => p.payment),
      this.source,
    );
    for (const { payment, entry, outcome } of pending) {
      const { id, creditChange } = payment.recorded!;
      outcome.payment = id;
      if (creditChange > 0) outcome.note = `${formatAmount(creditChange, entry.currency)} ${entry.currency} beyond the total is credit for ${payment.invoice.payerName}`;
      if (entry.endToEndId !== null) this.context.paidByEndToEnd.set(entry.endToEndId, { paymentId: id, invoice: payment.invoice.number });
    }
  }
}

const accepted = (options: StatementImportOptions, key: string) =>
  options.acceptSuggested === true || (options.acceptSuggested !== false && options.acceptSuggested.has(key));

type Outcome = Pick<ImportedEntry, 'status' | 'invoice' | 'payment' | 'note'> & { invoiceId?: number | null };

async function decide(
  trx: Queryable,
  entry: StatementEntry,
  numbers: readonly string[],
  closed: ReadonlyMap<string, { number: string; status: string }>,
  context: Context,
  options: StatementImportOptions,
  payments: BatchPayments,
): Promise<Outcome> {
  if (entry.direction === 'debit') {
    if (entry.returnReason !== null || entry.reversal) {
      await payments.flush();
      return returned(trx, entry, numbers, context, options);
    }
    return { status: 'debit', invoice: null, payment: null, note: null };
  }
  if (entry.amount === 0) return { status: 'unmatched', invoice: null, payment: null, note: 'an entry of 0' };
  // a SEPA collection's credit comes back with the end-to-end id the collection file gave it
  if (entry.endToEndId !== null) {
    const item = await trx
      .selectFrom('sepa_collection_items as c')
      .innerJoin('invoices as i', 'i.id', 'c.invoice_id')
      .select(['c.id', 'i.number'])
      .where('c.end_to_end_id', '=', entry.endToEndId)
      .where('c.status', '=', 'pending')
      .executeTakeFirst();
    const invoice = item ? context.byNumber.get(item.number) : undefined;
    if (item && invoice) {
      const paid = await pay(trx, entry, invoice, context, options, payments, false);
      if (paid.status === 'matched') await closeCollectionItem(trx, item.id, { status: 'settled', date: entry.date }, options.source);
      return paid;
    }
  }
  const notes: string[] = [];
  for (const number of numbers) {
    const invoice = context.byNumber.get(number);
    if (invoice === undefined) {
      const other = closed.get(number);
      if (other) notes.push(`${number} is ${other.status} already`);
      continue;
    }
    if (invoice.due <= 0) {
      notes.push(`${number} is paid already`);
      continue;
    }
    return pay(trx, entry, invoice, context, options, payments, true);
  }
  if (notes.length > 0) return { status: 'unmatched', invoice: null, payment: null, note: notes.join('; ') };
  const suggestion = suggest(entry, context);
  if (suggestion === null) return { status: 'unmatched', invoice: null, payment: null, note: null };
  const key = entryKey(entry);
  if (accepted(options, key)) {
    const paid = await pay(trx, entry, suggestion.invoice, context, options, payments, false);
    return paid.status === 'matched' ? { ...paid, note: `suggested: ${suggestion.why}, accepted` } : paid;
  }
  context.suggested.add(suggestion.invoice.id);
  return { status: 'suggested', invoice: suggestion.invoice.number, invoiceId: suggestion.invoice.id, payment: null, note: suggestion.why };
}

/** The open invoices of one amount due, by payer and by the payer's name, for suggestions. */
interface SameAmount {
  byPayer: Map<number, OpenInvoice[]>;
  byName: ResemblingNames<OpenInvoice>;
}

function sameAmount(context: Context, amount: number): SameAmount | null {
  const known = context.byAmount.get(amount);
  if (known) return known;
  const invoices = context.byDue.get(amount);
  if (invoices === undefined) return null;
  const byPayer = new Map<number, OpenInvoice[]>();
  for (const invoice of invoices) {
    if (invoice.payerId === null) continue;
    const list = byPayer.get(invoice.payerId);
    if (list) list.push(invoice);
    else byPayer.set(invoice.payerId, [invoice]);
  }
  const made = { byPayer, byName: new ResemblingNames(invoices, (invoice) => invoice.payerName) };
  context.byAmount.set(amount, made);
  return made;
}

/**
 * The one open invoice whose amount due is the entry's, of a payer whose name or IBAN resembles the debtor's; null
 * when there is none, or several payers would fit. Only the invoices of the payers of that IBAN and of the names that
 * resemble the debtor's are looked at (name-index.ts), not every invoice of that amount.
 */
function suggest(entry: StatementEntry, context: Context): { invoice: OpenInvoice; why: string } | null {
  const pool = sameAmount(context, entry.amount);
  if (pool === null) return null;
  const who = entry.debtor ?? entry.label;
  const byIban = entry.debtorIban === null ? undefined : context.ibanPayers.get(entry.debtorIban);
  const fits: Array<{ invoice: OpenInvoice; why: string }> = [];
  const payers = new Set<number | null>();
  const seen = new Set<OpenInvoice>();
  // true once two payers fit: then none is suggested, whatever else would fit
  const fit = (invoice: OpenInvoice, why: (invoice: OpenInvoice) => string): boolean => {
    if (seen.has(invoice)) return false;
    seen.add(invoice);
    if (!(invoice.due === entry.amount && invoice.currency === entry.currency && !context.suggested.has(invoice.id) && compareDates(invoice.date, entry.date) <= 0)) return false;
    fits.push({ invoice, why: why(invoice) });
    payers.add(invoice.payerId);
    return payers.size > 1;
  };
  for (const payer of byIban ?? []) {
    for (const invoice of pool.byPayer.get(payer) ?? []) if (fit(invoice, (i) => `same amount, from the IBAN of ${i.payerName}`)) return null;
  }
  // a CSV export gives no debtor: its label holds the name ("VIR SEPA M PAUL MARTIN")
  let several = false;
  if (who !== '') pool.byName.visit(who, (invoice) => (several = fit(invoice, (i) => `same amount, from "${who.slice(0, 60)}", like ${i.payerName}`)));
  if (several || fits.length === 0) return null;
  // the payer's oldest invoice of that amount
  return fits.sort((a, b) => compareDates(a.invoice.date, b.invoice.date) || a.invoice.id - b.invoice.id)[0]!;
}

/**
 * Records the credit as a payment of the invoice: what is due, the rest becoming the payer's credit. `later`: with
 * the batch's other such payments (its id comes with `payments.flush()`); otherwise at once, after those.
 */
async function pay(
  trx: Queryable,
  entry: StatementEntry,
  invoice: OpenInvoice,
  context: Context,
  options: StatementImportOptions,
  payments: BatchPayments,
  later: boolean,
): Promise<Outcome> {
  const left = (note: string): Outcome => ({ status: 'unmatched', invoice: null, payment: null, note: `${invoice.number}: ${note}` });
  if (invoice.currency !== entry.currency) return left(`it is in ${invoice.currency}, the entry in ${entry.currency}`);
  if (compareDates(entry.date, options.asOf) > 0) return left(`the entry is dated ${entry.date}, after today (${options.asOf})`);
  if (compareDates(entry.date, invoice.date) < 0) return left(`the entry (${entry.date}) is dated before the invoice (${invoice.date})`);
  if (later && invoice.status === 'open' && invoice.due > 0) {
    const payment: PaymentToRecord = { invoice, amount: entry.amount, date: entry.date, reference: bankReference(entry), recorded: null };
    const repeated = repeatedTransfer(payments.recorded, payment);
    if (repeated) return left(`this repeats ${describePayment(repeated)}`);
    invoice.due -= entry.amount;
    const outcome: Outcome = { status: 'matched', invoice: invoice.number, invoiceId: invoice.id, payment: null, note: null };
    payments.add(payment, entry, outcome);
    return outcome;
  }
  await payments.flush();
  try {
    const recorded = await recordPayment(
      trx,
      invoice.number,
      { amount: formatAmount(entry.amount, entry.currency), method: 'transfer', date: entry.date, reference: bankReference(entry), overpay: false },
      options.asOf,
      options.source,
    );
    invoice.due -= entry.amount;
    if (entry.endToEndId !== null) context.paidByEndToEnd.set(entry.endToEndId, { paymentId: recorded.payment.id, invoice: invoice.number });
    const credit = recorded.creditChange > 0 ? `${formatAmount(recorded.creditChange, entry.currency)} ${entry.currency} beyond the total is credit for ${invoice.payerName}` : null;
    return { status: 'matched', invoice: invoice.number, invoiceId: invoice.id, payment: recorded.payment.id, note: credit };
  } catch (error) {
    // the payment rules refuse before writing anything: the entry is left for a person to look at
    if (error instanceof UserError) return left(error.message);
    throw error;
  }
}

const bankReference = (entry: StatementEntry) => (entry.reference ?? entry.endToEndId ?? entry.label.slice(0, 140)) || null;

/** A returned or reversed direct debit: the payment it returns is cancelled and its invoice open again. */
async function returned(trx: Queryable, entry: StatementEntry, numbers: readonly string[], context: Context, options: StatementImportOptions): Promise<Outcome> {
  const reason = `returned by the bank${entry.returnReason ? ` (${entry.returnReason})` : ''} on ${entry.date}`;
  let paymentId: number | null = null;
  if (entry.endToEndId !== null) {
    paymentId = context.paidByEndToEnd.get(entry.endToEndId)?.paymentId ?? null;
    if (paymentId === null) {
      const earlier = await trx
        .selectFrom('bank_entries as b')
        .innerJoin('payments as p', 'p.id', 'b.payment_id')
        .select('p.id')
        .where('b.end_to_end_id', '=', entry.endToEndId)
        .where('b.status', '=', 'matched')
        .where('p.status', '=', 'recorded')
        .orderBy('b.id', 'desc')
        .executeTakeFirst();
      paymentId = earlier?.id ?? null;
    }
    // a collection returned before its credit was booked: nothing was paid, the invoice may be collected again
    const items = await trx.selectFrom('sepa_collection_items').selectAll().where('end_to_end_id', '=', entry.endToEndId).where('status', '!=', 'returned').orderBy('id', 'desc').execute();
    const item = items[0];
    if (item?.status === 'pending') await closeCollectionItem(trx, item.id, { status: 'returned', date: entry.date, reason: entry.returnReason }, options.source);
    else if (item?.status === 'settled' && paymentId !== null) {
      await trx.updateTable('sepa_collection_items').set({ status: 'returned', closed_on: entry.date, return_reason: entry.returnReason }).where('id', '=', item.id).execute();
      await recordAudit(trx, options.source, {
        action: 'return',
        entity: 'sepa_collection_items',
        entityId: item.id,
        before: item,
        summary: `SEPA collection of ${item.end_to_end_id} returned on ${entry.date}${entry.returnReason ? ` (${entry.returnReason})` : ''}`,
      });
    }
    if (paymentId === null && item?.status === 'pending') {
      const invoice = await trx.selectFrom('invoices').select(['id', 'number']).where('id', '=', item.invoice_id).executeTakeFirstOrThrow();
      return { status: 'returned', invoice: invoice.number, invoiceId: invoice.id, payment: null, note: `collection returned before it was credited${entry.returnReason ? ` (${entry.returnReason})` : ''}` };
    }
  }
  if (paymentId === null) {
    // no end-to-end id: the invoice named in the label, and its payment of that amount
    for (const number of numbers) {
      const found = await trx
        .selectFrom('payments as p')
        .innerJoin('invoices as i', 'i.id', 'p.invoice_id')
        .select('p.id')
        .where('i.number', '=', number)
        .where('p.amount', '=', entry.amount)
        .where('p.status', '=', 'recorded')
        .orderBy('p.id', 'desc')
        .executeTakeFirst();
      if (found) {
        paymentId = found.id;
        break;
      }
    }
  }
  if (paymentId === null) return { status: 'unmatched', invoice: null, payment: null, note: `a returned debit${entry.returnReason ? ` (${entry.returnReason})` : ''} that matches no payment` };
  const cancelled = await cancelPayment(trx, paymentId, reason, options.asOf, options.source);
  const invoice = context.byNumber.get(cancelled.invoice.number);
  if (invoice) invoice.due += cancelled.payment.amount;
  else {
    const total = cancelled.invoice.total - ((await creditedAmounts(trx, [cancelled.invoice.id])).get(cancelled.invoice.id) ?? 0) - cancelled.paid;
    const reopened: OpenInvoice = {
      id: cancelled.invoice.id,
      number: cancelled.invoice.number,
      date: cancelled.invoice.date,
      total: cancelled.invoice.total,
      currency: cancelled.invoice.currency,
      payerId: cancelled.invoice.payer_id,
      payerName: cancelled.invoice.payer_name,
      status: cancelled.invoice.status,
      due: total,
    };
    context.byNumber.set(reopened.number, reopened);
    context.byId.set(reopened.id, reopened);
  }
  return { status: 'returned', invoice: cancelled.invoice.number, invoiceId: cancelled.invoice.id, payment: paymentId, note: reason };
}
