/**
 * Issued invoices: their `--json` shape, lookups, lists with filters, export rows, and voiding by credit note.
 * An issued invoice is never deleted or renumbered; voiding it issues a credit note with its own gapless numbers.
 */
import type { Queryable } from '../../db/connect.js';
import type { CreditNote, Invoice, InvoiceLine, InvoiceStatus } from '../../db/types.js';
import type { VatCategory } from '../documents/invoice-document.js';
import { dataError, notFoundError } from '../../errors.js';
import type { AuditSource } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { formatAmount, type MinorAmount } from '../kernel/money.js';
import { creditedAmounts, paidAmounts } from './invoice-balance.js';
import { rankByCloseness } from '../kernel/suggest.js';
import { giveBackCreditPayments } from './money-credit.js';
import { type CreditedLine, creditedLines, issueCreditNote } from './credit-notes.js';

/** The part of an invoice its JSON is made of; `number` is null for an invoice a dry run would issue. */
export interface InvoiceHead {
  number: string | null;
  date: IsoDate;
  dueDate: IsoDate;
  payerId: number | null;
  payerName: string;
  status: InvoiceStatus;
  currency: string;
  net: MinorAmount;
  tax: MinorAmount;
  total: MinorAmount;
  /** sum of the recorded (not cancelled) payments */
  paid: MinorAmount;
  /** the credit note that voided the invoice */
  creditNote?: string | null;
  /** what its partial credit notes took off its balance, tax included */
  credited?: MinorAmount;
  /** the net its credit notes credited of each line, by line id */
  lineCredits?: ReadonlyMap<number, MinorAmount>;
}

export interface InvoiceLineFacts {
  memberId: number | null;
  memberName: string;
  planName: string;
  description: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  quantity: number;
  unitPrice: MinorAmount;
  net: MinorAmount;
  taxRate: string;
  tax: MinorAmount;
  total: MinorAmount;
  /** null on lines issued before categories were stored */
  vatCategory: VatCategory | null;
  /** what a discount took off the net (`net` is after it); absent or 0: none */
  discount?: MinorAmount;
  /** null on a line not stored yet (a dry run) */
  id?: number | null;
}

/** The documented `--json` shape of an invoice (docs/reference.md): money as decimal strings in the invoice currency. */
export function invoiceJson(head: InvoiceHead, lines: readonly InvoiceLineFacts[]) {
  const money = (amount: MinorAmount) => formatAmount(amount, head.currency);
  return {
    number: head.number,
    date: head.date,
    dueDate: head.dueDate,
    payer: { id: head.payerId, name: head.payerName },
    status: head.status,
    currency: head.currency,
    net: money(head.net),
    tax: money(head.tax),
    total: money(head.total),
    paid: money(head.paid),
    creditNote: head.creditNote ?? null,
    credited: money(head.credited ?? 0),
    lines: lines.map((l, i) => ({
      line: i + 1,
      member: { id: l.memberId, name: l.memberName },
      plan: l.planName,
      description: l.description,
      periodStart: l.periodStart,
      periodEnd: l.periodEnd,
      quantity: l.quantity,
      unitPrice: money(l.unitPrice),
      net: money(l.net),
      // what a discount took off the net before it (null: no discount)
      discount: l.discount ? money(l.discount) : null,
      taxRate: l.taxRate,
      vatCategory: l.vatCategory,
      tax: money(l.tax),
      total: money(l.total),
      credited: money((l.id == null ? undefined : head.lineCredits?.get(l.id)) ?? 0),
    })),
  };
}

export type InvoiceJson = ReturnType<typeof invoiceJson>;

export const invoiceHead = (invoice: Invoice, paid: MinorAmount): InvoiceHead => ({
  number: invoice.number,
  date: invoice.date,
  dueDate: invoice.due_date,
  payerId: invoice.payer_id,
  payerName: invoice.payer_name,
  status: invoice.status,
  currency: invoice.currency,
  net: invoice.net,
  tax: invoice.tax,
  total: invoice.total,
  paid,
});

export const lineFacts = (line: InvoiceLine): InvoiceLineFacts => ({
  memberId: line.member_id,
  memberName: line.member_name,
  planName: line.plan_name,
  description: line.description,
  periodStart: line.period_start,
  periodEnd: line.period_end,
  quantity: line.quantity,
  unitPrice: line.unit_price,
  net: line.net,
  taxRate: line.tax_rate,
  tax: line.tax,
  total: line.total,
  vatCategory: line.vat_category,
  discount: line.discount,
  id: line.id,
});

/** The invoice with this number (trimmed; `inv-2026-00001` finds `INV-2026-00001`), or a 65 naming the closest numbers. */
/** Looks a document up by its number as typed, else in capitals (numbers are written in capitals: inv-2026-00001). */
async function byNumber<T>(number: string, find: (candidate: string) => Promise<T | undefined>): Promise<T | undefined> {
  const wanted = number.trim();
  for (const candidate of new Set([wanted, wanted.toUpperCase()])) {
    const found = await find(candidate);
    if (found) return found;
  }
  return undefined;
}

export async function findInvoice(db: Queryable, number: string): Promise<Invoice | undefined> {
  return byNumber(number, (candidate) => db.selectFrom('invoices').selectAll().where('number', '=', candidate).executeTakeFirst());
}

export async function requireInvoice(db: Queryable, number: string): Promise<Invoice> {
  const invoice = await findInvoice(db, number);
  if (invoice) return invoice;
  throw await unknownInvoice(db, number);
}

/** The error for a number no invoice has (65), with the closest numbers. */
export async function unknownInvoice(db: Queryable, number: string): Promise<Error> {
  const wanted = number.trim();
  const numbers = (await db.selectFrom('invoices').select('number').execute()).map((r) => r.number);
  const close = rankByCloseness(wanted, numbers, 3, { maxDistance: 2 });
  return notFoundError(
    `no invoice numbered "${number.trim()}"`,
    close.length > 0 ? `did you mean ${close.join(' or ')}?` : 'see `memberctl invoices list`',
  );
}

async function linesOf(db: Queryable, invoiceIds: readonly number[]): Promise<Map<number, InvoiceLine[]>> {
  const byInvoice = new Map<number, InvoiceLine[]>();
  for (const chunk of chunks(invoiceIds, 500)) {
    const rows = await db.selectFrom('invoice_lines').selectAll().where('invoice_id', 'in', chunk).orderBy('id').execute();
    for (const row of rows) {
      const list = byInvoice.get(row.invoice_id);
      if (list) list.push(row);
      else byInvoice.set(row.invoice_id, [row]);
    }
  }
  return byInvoice;
}

export interface InvoiceFilter {
  status?: InvoiceStatus;
  /** invoices this member pays, or that carry a line of theirs */
  memberId?: number;
  /** invoice date on or after */
  from?: IsoDate;
  /** invoice date on or before */
  to?: IsoDate;
  limit?: number;
}

/** Invoices matching the filter, oldest number first. */
export async function findInvoices(db: Queryable, filter: InvoiceFilter): Promise<Invoice[]> {
  let query = db.selectFrom('invoices').selectAll().orderBy('date').orderBy('number');
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.from) query = query.where('date', '>=', filter.from);
  if (filter.to) query = query.where('date', '<=', filter.to);
  if (filter.memberId !== undefined) {
    const memberId = filter.memberId;
    query = query.where((eb) =>
      eb.or([
        eb('payer_id', '=', memberId),
        eb('id', 'in', eb.selectFrom('invoice_lines').select('invoice_id').where('member_id', '=', memberId)),
      ]),
    );
  }
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

/** Invoices with their lines and paid amounts, in their `--json` shape. */
export async function invoicesJson(db: Queryable, invoices: readonly Invoice[]): Promise<InvoiceJson[]> {
  const ids = invoices.map((i) => i.id);
  const [lines, paid, credited] = await Promise.all([linesOf(db, ids), paidAmounts(db, ids), creditedAmounts(db, ids)]);
  const notes = new Map<number, string>();
  for (const chunk of chunks(invoices.filter((i) => i.status === 'void').map((i) => i.id), 500)) {
    for (const note of await db.selectFrom('credit_notes').select(['invoice_id', 'number']).where('invoice_id', 'in', chunk).where('charge_id', 'is', null).where('line_id', 'is', null).execute()) notes.set(note.invoice_id, note.number);
  }
  const lineCredits = new Map<number, MinorAmount>();
  for (const chunk of chunks(ids, 500)) {
    const rows = await db.selectFrom('credit_notes').select(['line_id', 'net']).where('invoice_id', 'in', chunk).where('line_id', 'is not', null).execute();
    for (const r of rows) lineCredits.set(r.line_id!, (lineCredits.get(r.line_id!) ?? 0) - r.net);
  }
  return invoices.map((i) =>
    invoiceJson({ ...invoiceHead(i, paid.get(i.id) ?? 0), creditNote: notes.get(i.id) ?? null, credited: credited.get(i.id) ?? 0, lineCredits }, (lines.get(i.id) ?? []).map(lineFacts)),
  );
}

/** One export row per invoice line (`invoices export`, docs/billing.md). */
export interface ExportRow {
  number: string;
  date: IsoDate;
  dueDate: IsoDate;
  payer: string;
  company: string;
  member: string;
  /** the line's member's number, empty before their first invoice as payer */
  memberNumber: string;
  plan: string;
  description: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  quantity: number;
  unitPrice: string;
  net: string;
  taxRate: string;
  tax: string;
  total: string;
  currency: string;
  status: InvoiceStatus | 'credit note';
}

/** A document of the export: an invoice, or a credit note (whose amounts are the voided invoice's, negated). */
interface ExportDocument {
  number: string;
  date: IsoDate;
  dueDate: IsoDate;
  payerId: number | null;
  payerName: string;
  currency: string;
  status: ExportRow['status'];
  /** 1 for an invoice, -1 for a credit note */
  sign: 1 | -1;
  /** put before each line's description */
  describe: (description: string) => string;
  /** a credit note: the lines it credits, with what it credits of each (`creditedLines`) */
  credited?: CreditedLine[];
}

/** The companies of these payers today, by member id. */
async function payerCompanies(db: Queryable, payerIds: Iterable<number | null>): Promise<Map<number, string>> {
  const ids = [...new Set([...payerIds].filter((id): id is number => id !== null))];
  const companies = new Map<number, string>();
  for (const chunk of chunks(ids, 500)) {
    const rows = await db
      .selectFrom('members')
      .innerJoin('companies', 'companies.id', 'members.company_id')
      .select(['members.id', 'companies.name'])
      .where('members.id', 'in', chunk)
      .execute();
    for (const row of rows) companies.set(row.id, row.name);
  }
  return companies;
}

/** The member numbers of these members, by id (members without one are left out). */
async function memberNumbersOf(db: Queryable, memberIds: Iterable<number | null>): Promise<Map<number, string>> {
  const ids = [...new Set([...memberIds].filter((id): id is number => id !== null))];
  const numbers = new Map<number, string>();
  for (const chunk of chunks(ids, 500)) {
    const rows = await db.selectFrom('members').select(['id', 'member_number']).where('id', 'in', chunk).where('member_number', 'is not', null).execute();
    for (const row of rows) numbers.set(row.id, row.member_number!);
  }
  return numbers;
}

/** One export row per line of each document, the lines read from `invoiceId`. */
async function documentRows(db: Queryable, documents: ReadonlyArray<ExportDocument & { invoiceId: number }>): Promise<ExportRow[]> {
  const lines = await linesOf(
    db,
    documents.map((d) => d.invoiceId),
  );
  const companies = await payerCompanies(
    db,
    documents.map((d) => d.payerId),
  );
  const memberNumbers = await memberNumbersOf(db, [...lines.values()].flatMap((ls) => ls.map((l) => l.member_id)));
  const rows: ExportRow[] = [];
  for (const doc of documents) {
    const money = (amount: MinorAmount) => formatAmount(doc.sign * amount, doc.currency);
    const parts = doc.credited ?? (lines.get(doc.invoiceId) ?? []).map((line) => ({ line, net: line.net, tax: line.tax, periodStart: line.period_start, periodEnd: line.period_end, part: false }));
    for (const { line, net, tax, periodStart, periodEnd, part } of parts) {
      rows.push({
        number: doc.number,
        date: doc.date,
        dueDate: doc.dueDate,
        payer: doc.payerName,
        company: (doc.payerId !== null && companies.get(doc.payerId)) || '',
        member: line.member_name,
        memberNumber: (line.member_id !== null && memberNumbers.get(line.member_id)) || '',
        plan: line.plan_name,
        description: doc.describe(line.description),
        periodStart,
        periodEnd,
        // a part of a line is one amount, not the line's quantity of its unit price
        quantity: part ? 1 : line.quantity,
        unitPrice: money(part ? net : line.unit_price),
        net: money(net),
        taxRate: line.tax_rate,
        tax: money(tax),
        total: money(net + tax),
        currency: doc.currency,
        status: doc.status,
      });
    }
  }
  return rows;
}

/**
 * The export rows of the invoices matching the filter, and of the credit notes dated within its dates (of invoices
 * the member filter keeps; not with --status open or paid): a row per line of the voided invoice, amounts negated,
 * so that an export sums to what is really owed. Documents come in date order, a day's credit notes after its
 * invoices; the company is the payer's company today.
 */
export async function exportRows(db: Queryable, filter: InvoiceFilter): Promise<ExportRow[]> {
  const invoices = (await findInvoices(db, filter)).map((invoice) => ({
    invoiceId: invoice.id,
    number: invoice.number,
    date: invoice.date,
    dueDate: invoice.due_date,
    payerId: invoice.payer_id,
    payerName: invoice.payer_name,
    currency: invoice.currency,
    status: invoice.status,
    sign: 1 as const,
    describe: (description: string) => description,
  }));
  const notes = filter.status === undefined || filter.status === 'void' ? await creditNoteDocuments(db, filter) : [];
  const rows = await documentRows(db, [...invoices, ...notes]);
  return rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

async function creditNoteDocuments(db: Queryable, filter: InvoiceFilter): Promise<Array<ExportDocument & { invoiceId: number }>> {
  let query = db
    .selectFrom('credit_notes')
    .innerJoin('invoices', 'invoices.id', 'credit_notes.invoice_id')
    .select(['credit_notes.id', 'credit_notes.line_id', 'credit_notes.net', 'credit_notes.tax', 'credit_notes.days', 'credit_notes.number', 'credit_notes.date', 'credit_notes.reason', 'credit_notes.charge_id', 'invoices.id as invoice_id', 'invoices.number as invoice_number', 'invoices.payer_id', 'invoices.payer_name', 'invoices.currency'])
    .orderBy('credit_notes.date')
    .orderBy('credit_notes.number');
  if (filter.from) query = query.where('credit_notes.date', '>=', filter.from);
  if (filter.to) query = query.where('credit_notes.date', '<=', filter.to);
  if (filter.memberId !== undefined) {
    const memberId = filter.memberId;
    query = query.where((eb) =>
      eb.or([eb('invoices.payer_id', '=', memberId), eb('invoices.id', 'in', eb.selectFrom('invoice_lines').select('invoice_id').where('member_id', '=', memberId))]),
    );
  }
  const documents: Array<ExportDocument & { invoiceId: number }> = [];
  for (const note of await query.execute()) {
    documents.push({
      invoiceId: note.invoice_id,
      number: note.number,
      date: note.date,
      dueDate: note.date,
      payerId: note.payer_id,
      payerName: note.payer_name,
      currency: note.currency,
      status: 'credit note' as const,
      sign: -1 as const,
      describe: (description: string) => `credit note for ${note.invoice_number} (${note.reason}): ${description}`,
      credited: await creditedLines(db, { ...note, id: note.id }),
    });
  }
  return documents;
}

/** The credit note numbered `number` (any case) with the number of the invoice it voids, or undefined. */
export async function findCreditNote(db: Queryable, number: string): Promise<{ note: CreditNote; invoice: string } | undefined> {
  const found = await byNumber(number, (candidate) =>
    db
      .selectFrom('credit_notes')
      .innerJoin('invoices', 'invoices.id', 'credit_notes.invoice_id')
      .selectAll('credit_notes')
      .select('invoices.number as invoice_number')
      .where('credit_notes.number', '=', candidate)
      .executeTakeFirst(),
  );
  if (!found) return undefined;
  const { invoice_number, ...note } = found;
  return { note, invoice: invoice_number };
}

/** The `--json` shape of a credit note: amounts are negative, the opposite of what it credits. */
export function creditNoteJson(note: CreditNote, invoiceNumber: string, lineNumber: number | null = null) {
  const money = (amount: MinorAmount) => formatAmount(amount, note.currency);
  return {
    number: note.number,
    invoice: invoiceNumber,
    date: note.date,
    currency: note.currency,
    net: money(note.net),
    tax: money(note.tax),
    total: money(note.total),
    reason: note.reason,
    /** the invoice line it credits, numbered as `invoices show` lists them; null: the whole invoice */
    line: lineNumber,
    days: note.days,
  };
}

/** The number of the line a credit note credits, as `invoices show` lists the invoice's lines (null: none). */
export async function creditedLineNumber(db: Queryable, note: Pick<CreditNote, 'invoice_id' | 'line_id'>): Promise<number | null> {
  if (note.line_id === null) return null;
  const ids = await db.selectFrom('invoice_lines').select('id').where('invoice_id', '=', note.invoice_id).orderBy('id').execute();
  const index = ids.findIndex((r) => r.id === note.line_id);
  return index < 0 ? null : index + 1;
}

/**
 * Voids an invoice as of `asOf`: issues a credit note for what is left of it after its partial credit notes (own
 * gapless sequence, numbered in the year of `asOf`), marks the invoice `void` and its lines voided (so their periods
 * may be billed again), and turns what was already paid on it into credit for the payer. An invoice whose lines
 * were all credited in full already is refused (65). Run it inside a transaction.
 */
export async function voidInvoice(
  trx: Queryable,
  number: string,
  reason: string,
  asOf: IsoDate,
  source: AuditSource,
): Promise<{ invoice: Invoice; creditNote: CreditNote }> {
  const invoice = await requireInvoice(trx, number);
  if (invoice.status === 'void') {
    const existing = await trx.selectFrom('credit_notes').select('number').where('invoice_id', '=', invoice.id).where('charge_id', 'is', null).where('line_id', 'is', null).executeTakeFirst();
    throw dataError(`invoice ${invoice.number} is already void${existing ? ` (credit note ${existing.number})` : ''}`);
  }
  // a credit note for the whole invoice would credit a refunded deposit a second time
  const refund = await trx.selectFrom('credit_notes').select(['number', 'charge_id']).where('invoice_id', '=', invoice.id).where('charge_id', 'is not', null).executeTakeFirst();
  if (refund) {
    throw dataError(
      `invoice ${invoice.number} cannot be voided: its deposit (charge ${refund.charge_id}) was refunded by credit note ${refund.number}`,
      'correct the rest with a new charge or a payment instead',
    );
  }
  const voided = await trx
    .updateTable('invoices')
    .set({ status: 'void', void_reason: reason })
    .where('id', '=', invoice.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  // what partial credit notes credited already is not credited again (read once the invoice's row is held: a
  // partial credit note issued at the same time is either seen here or refused)
  const partial = await trx.selectFrom('credit_notes').select(['number', 'net', 'tax']).where('invoice_id', '=', invoice.id).where('line_id', 'is not', null).orderBy('id').execute();
  const left = { net: invoice.net + partial.reduce((sum, n) => sum + n.net, 0), tax: invoice.tax + partial.reduce((sum, n) => sum + n.tax, 0) };
  if (partial.length > 0 && left.net === 0 && left.tax === 0) {
    throw dataError(`invoice ${invoice.number} is credited in full already, by credit ${partial.length === 1 ? 'note' : 'notes'} ${partial.map((n) => n.number).join(', ')}: nothing is left to void`);
  }
  await trx.updateTable('invoice_lines').set({ voided: 1 }).where('invoice_id', '=', invoice.id).execute();
  const creditNote = await issueCreditNote(
    trx,
    {
      invoice,
      reason,
      date: asOf,
      amounts: left,
      settle: 'credit',
      audit: (note) => [
        {
          action: 'void',
          entity: 'invoices',
          entityId: invoice.number,
          memberId: invoice.payer_id,
          before: invoice,
          after: { ...voided, creditNote: note.number },
          summary: `invoice ${invoice.number} voided by credit note ${note.number}: ${reason}`,
        },
      ],
    },
    source,
  );
  // what credit paid of it goes back where it came from: the money credit, or the plan grants still open
  const creditPayments = await trx.selectFrom('payments').select(['id', 'currency', 'method']).where('invoice_id', '=', invoice.id).where('status', '=', 'recorded').where('method', '=', 'credit').orderBy('id').execute();
  await giveBackCreditPayments(trx, creditPayments, { date: asOf, invoiceNumber: invoice.number, why: 'voided', memberId: invoice.payer_id, source });
  return { invoice: voided, creditNote };
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
