/**
 * The invoice document of an issued invoice (INV-...) or credit note (CN-...), built from the database: the seller
 * is the organisation's identity as it is now (no snapshot at issue yet), the buyer the invoice's payer (a company's
 * employee: the company, for the attention of the person), with no postal address yet: only the organisation's
 * country. Refuses with the exit code the user can act on: 65 for an unknown number or a document that breaks the
 * model's rules, 78 for an identity that lacks what a legal invoice needs.
 */
import type { Queryable } from '../../db/connect.js';
import type { Invoice, InvoiceLine } from '../../db/types.js';
import { configError, dataError } from '../../errors.js';
import { paidAmounts } from '../billing/invoice-balance.js';
import { findCreditNote, findInvoice } from '../billing/invoices.js';
import { formatRate, rateToScaled } from '../kernel/money.js';
import { getSetting } from '../kernel/settings.js';
import { rankByCloseness } from '../kernel/suggest.js';
import { missingForInvoices, type OrgIdentity } from '../org/identity.js';
import { getIdentity } from '../org/org-store.js';
import { type Buyer, checkInvoiceDocument, type DocumentLine, documentTotals, type InvoiceDocument, type Seller } from './invoice-document.js';

export interface LoadOptions {
  /** the identity, read once for a batch (read from the database when not given) */
  identity?: OrgIdentity;
  /** the documents' language (the `language` setting when not given) */
  language?: 'fr' | 'en';
}

/** The error for a number no invoice nor credit note has (65), with the closest numbers of either. */
export async function unknownDocument(db: Queryable, number: string): Promise<Error> {
  const wanted = number.trim();
  const numbers = [
    ...(await db.selectFrom('invoices').select('number').execute()).map((r) => r.number),
    ...(await db.selectFrom('credit_notes').select('number').execute()).map((r) => r.number),
  ];
  const close = rankByCloseness(wanted.toUpperCase(), numbers, 3, { maxDistance: 3 });
  return dataError(
    `no invoice or credit note numbered "${wanted}"`,
    close.length > 0 ? `did you mean ${close.join(' or ')}?` : 'see `memberctl invoices list`',
  );
}

/** The seller of the documents: the identity's address as up to three lines (its newlines), the rest as stored. */
export function sellerOf(identity: OrgIdentity): Seller {
  const lines = (identity.address ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const address = lines.length > 3 ? [...lines.slice(0, 2), lines.slice(2).join(', ')] : lines;
  return {
    name: identity.name ?? '',
    address: { lines: address, postcode: identity.postcode, city: identity.city ?? '', country: identity.country },
    siren: identity.siren,
    vatId: identity.vatId,
    // BT-32: a seller without a VAT number is identified for tax by its SIREN
    taxRegistrationId: identity.vatId === null ? identity.siren : null,
    email: identity.email,
    iban: identity.iban,
    bic: identity.bic,
    legalForm: identity.legalForm,
    registration: identity.registration,
    vatExemptionText: identity.vatExemption,
    logo: identity.logo,
    latePenalty: identity.latePenalty,
    footer: identity.footer,
  };
}

/** The invoice's payer as buyer: their company when they belong to one (for their attention), else themselves. */
async function buyerOf(db: Queryable, invoice: Invoice, country: string): Promise<Buyer> {
  const address = { lines: [], postcode: null, city: null, country };
  const payer =
    invoice.payer_id === null
      ? undefined
      : await db
          .selectFrom('members')
          .leftJoin('companies', 'companies.id', 'members.company_id')
          .select(['members.email', 'companies.name as company_name', 'companies.billing_email'])
          .where('members.id', '=', invoice.payer_id)
          .executeTakeFirst();
  if (payer?.company_name) {
    return { name: payer.company_name, address, siren: null, vatId: null, email: payer.billing_email ?? payer.email ?? null, attention: invoice.payer_name };
  }
  return { name: invoice.payer_name, address, siren: null, vatId: null, email: payer?.email ?? null, attention: null };
}

function documentLine(line: InvoiceLine, identity: OrgIdentity): DocumentLine {
  const rated = rateToScaled(line.tax_rate) > 0;
  return {
    description: line.description,
    quantity: line.quantity,
    unitPrice: line.unit_price,
    net: line.net,
    vatCategory: rated ? 'S' : identity.vatExemption !== null ? 'E' : 'Z',
    vatRate: rated ? formatRate(line.tax_rate) : '0',
    tax: line.tax,
    periodStart: line.period_start,
    periodEnd: line.period_end,
  };
}

/**
 * The document of invoice or credit note `number` (any case), checked by `checkInvoiceDocument`. A credit note
 * carries the lines of the invoice it voids, its amounts positive, and names that invoice (BT-25, BT-26).
 */
export async function loadInvoiceDocument(db: Queryable, number: string, options: LoadOptions = {}): Promise<InvoiceDocument> {
  const invoice = await findInvoice(db, number);
  const note = invoice ? undefined : await findCreditNote(db, number);
  if (!invoice && !note) throw await unknownDocument(db, number);
  const target = invoice ?? (await findInvoice(db, note!.invoice))!;
  const documentNumber = invoice ? invoice.number : note!.note.number;

  // a void invoice's lines were all voided with it: its document still shows them, as does its credit note
  let linesQuery = db.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', target.id).orderBy('id');
  if (invoice && invoice.status !== 'void') linesQuery = linesQuery.where('voided', '=', 0);
  const rows = await linesQuery.execute();

  const identity = options.identity ?? (await getIdentity(db));
  const vatLines = rows.some((l) => rateToScaled(l.tax_rate) > 0);
  const missing = missingForInvoices(identity, { vatLines });
  if (missing.length > 0) {
    throw configError(
      `${documentNumber}: the organisation's identity lacks what a legal invoice needs: ${missing.map((m) => `${m.option} (${m.why})`).join('; ')}`,
      `set ${missing.length === 1 ? 'it' : 'them'} with \`memberctl org set ${missing.map((m) => `${m.option} ...`).join(' ')}\``,
    );
  }

  const lines = rows.map((row) => documentLine(row, identity));
  const language = options.language ?? (await getSetting(db, 'language'));
  const base = {
    currency: target.currency,
    seller: sellerOf(identity),
    buyer: await buyerOf(db, target, identity.country),
    lines,
    paymentTerms: null,
    language,
  };
  const document = invoice
    ? {
        ...base,
        kind: 'invoice' as const,
        number: invoice.number,
        issueDate: invoice.date,
        dueDate: invoice.due_date,
        totals: documentTotals(lines, (await paidAmounts(db, [invoice.id])).get(invoice.id) ?? 0),
      }
    : {
        ...base,
        kind: 'credit_note' as const,
        number: note!.note.number,
        issueDate: note!.note.date,
        dueDate: null,
        totals: documentTotals(lines, 0),
        corrects: { number: target.number, issueDate: target.date },
      };
  const checked = checkInvoiceDocument(document);
  if (!checked.ok) throw dataError(`${documentNumber} cannot be written as a document: ${checked.problems.join('; ')}`);
  return checked.document;
}

/**
 * The documents of `numbers`, in that order, each loaded and checked by `loadInvoiceDocument` (the first refusal
 * throws); a document named twice (inv-2026-00001 INV-2026-00001) comes once.
 */
export async function loadInvoiceDocuments(db: Queryable, numbers: readonly string[], options: LoadOptions = {}): Promise<InvoiceDocument[]> {
  const identity = options.identity ?? (await getIdentity(db));
  const language = options.language ?? (await getSetting(db, 'language'));
  const documents: InvoiceDocument[] = [];
  const seen = new Set<string>();
  for (const number of numbers) {
    const doc = await loadInvoiceDocument(db, number, { identity, language });
    if (seen.has(doc.number)) continue;
    seen.add(doc.number);
    documents.push(doc);
  }
  return documents;
}
