/**
 * The invoice document of an issued invoice (INV-...) or credit note (CN-...), built from the database: the seller
 * and the buyer as they were when it was issued (its snapshot): the buyer is the invoice's payer (a company's
 * employee: the company, for the attention of the person) with their address, the language theirs. Refuses with the
 * exit code the user can act on: 65 for an unknown number or a document that breaks the
 * model's rules, 78 for an identity that lacks what a legal invoice needs.
 */
import { type Kysely, sql } from 'kysely';
import type { Queryable } from '../../db/connect.js';
import type { Database, Invoice, InvoiceLine } from '../../db/types.js';
import { configError, dataError, notFoundError } from '../../errors.js';
import { paidAmounts } from '../billing/invoice-balance.js';
import { chunks, findCreditNote, findInvoice } from '../billing/invoices.js';
import { type CreditedLine, creditedLines } from '../billing/credit-notes.js';
import { formatRate, rateToScaled } from '../kernel/money.js';
import { getSetting } from '../kernel/settings.js';
import { rankByCloseness } from '../kernel/suggest.js';
import { missingForInvoices, type OrgIdentity } from '../org/identity.js';
import { getIdentity } from '../org/org-store.js';
import { creditNoteReason, discountLabel, documentLineDescription } from './line-description.js';
import { issuerSnapshot, readIssuer, storeIssuer } from './issuers.js';
import { type Buyer, checkInvoiceDocument, type DocumentLine, documentTotals, type InvoiceDocument, type Seller } from './invoice-document.js';

export interface LoadOptions {
  /** the current identity, read once for a batch (read from the database when needed and not given) */
  identity?: OrgIdentity;
  /** the language of documents issued without one in their snapshot, whatever the payer's */
  language?: 'fr' | 'en';
  /** the language of a payer who has none, read once for a batch (the `language` setting when not given) */
  defaultLanguage?: 'fr' | 'en';
  /** when a snapshot taken now is written (now when not given) */
  at?: string;
}

/** The error for a number no invoice nor credit note has (65), with the closest numbers of either. */
export async function unknownDocument(db: Queryable, number: string): Promise<Error> {
  const wanted = number.trim();
  const numbers = [
    ...(await db.selectFrom('invoices').select('number').execute()).map((r) => r.number),
    ...(await db.selectFrom('credit_notes').select('number').execute()).map((r) => r.number),
  ];
  const close = rankByCloseness(wanted.toUpperCase(), numbers, 3, { maxDistance: 3 });
  return notFoundError(
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

/**
 * A credit note's reason as its documents carry it (BT-22): on one line, its line breaks and tabs as spaces, without
 * the characters XML 1.0 forbids nor the other controls (C1, bidirectional overrides) a printed text must not hide;
 * null when nothing is left. The reason is stored as typed (`--reason`), so this is where it is made fit to print.
 */
export function documentReason(reason: string | null | undefined): string | null {
  const text = (reason ?? '')
    .replace(/[\t\n\r\u2028\u2029]/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return text === '' ? null : text;
}

/** Street lines as documents print them: one per stored line, at most three (the third takes the rest, comma-separated). */
function streetLines(address: string | null): string[] {
  const lines = (address ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.length > 3 ? [...lines.slice(0, 2), lines.slice(2).join(', ')] : lines;
}

/** What a buyer is made of: the payer (a member) and their company, read by id. */
export function payerQuery(db: Queryable) {
  return db
    .selectFrom('members')
    .leftJoin('companies', 'companies.id', 'members.company_id')
    .select([
      'members.id',
      'members.name',
      'members.email',
      'members.address',
      'members.postcode',
      'members.city',
      'members.country',
      'members.language',
      'members.member_number',
      'companies.name as company_name',
      'companies.billing_email',
      'companies.address as company_address',
      'companies.postcode as company_postcode',
      'companies.city as company_city',
      'companies.country as company_country',
      'companies.siren as company_siren',
      'companies.vat_id as company_vat_id',
    ]);
}

export type PayerRow = Awaited<ReturnType<ReturnType<typeof payerQuery>['executeTakeFirstOrThrow']>>;

/**
 * The invoice's payer as buyer, as they are now: their company when they belong to one (its address, SIREN, VAT
 * number and billing e-mail, for the payer's attention), else themselves. A country not on record is `country`,
 * the organisation's. The language is the payer's own, even when the company is billed. `payers` holds the payer
 * rows of a batch, read once (`payersOf`); without it the payer is read here.
 */
export async function buyerOf(db: Queryable, invoice: Pick<Invoice, 'payer_id' | 'payer_name'>, country: string, payers?: ReadonlyMap<number, PayerRow>): Promise<Buyer> {
  const payer =
    invoice.payer_id === null
      ? undefined
      : (payers?.get(invoice.payer_id) ?? (await payerQuery(db).where('members.id', '=', invoice.payer_id).executeTakeFirst()));
  const language = payer?.language ?? null;
  if (payer?.company_name) {
    return {
      name: payer.company_name,
      address: { lines: streetLines(payer.company_address), postcode: payer.company_postcode, city: payer.company_city, country: payer.company_country ?? country },
      siren: payer.company_siren,
      vatId: payer.company_vat_id,
      email: payer.billing_email ?? payer.email ?? null,
      attention: invoice.payer_name,
      business: true,
      language,
      memberNumber: payer.member_number,
    };
  }
  return {
    name: invoice.payer_name,
    address: { lines: streetLines(payer?.address ?? null), postcode: payer?.postcode ?? null, city: payer?.city ?? null, country: payer?.country ?? country },
    siren: null,
    vatId: null,
    email: payer?.email ?? null,
    attention: null,
    business: false,
    language,
    memberNumber: payer?.member_number ?? null,
  };
}

/**
 * The buyer an invoice is issued to, as frozen at issue: `buyerOf`, with the SIREN and VAT number of the payer's
 * company when the buyer does not carry them already (the VAT number decides reverse charge).
 */
export async function buyerAtIssue(db: Queryable, invoice: Pick<Invoice, 'payer_id' | 'payer_name'>, country: string, payers?: ReadonlyMap<number, PayerRow>): Promise<Buyer> {
  const payer = invoice.payer_id === null ? undefined : (payers?.get(invoice.payer_id) ?? (await payerQuery(db).where('members.id', '=', invoice.payer_id).executeTakeFirst()));
  const buyer = await buyerOf(db, invoice, country, payers ?? (payer ? new Map([[payer.id, payer]]) : undefined));
  if (!payer?.company_name) return buyer;
  return { ...buyer, siren: buyer.siren ?? payer.company_siren, vatId: buyer.vatId ?? payer.company_vat_id };
}

/** The payer rows `buyerAtIssue` needs for a batch of payers, by id, in a few queries. */
export async function payersOf(db: Queryable, payerIds: readonly number[]): Promise<Map<number, PayerRow>> {
  const payers = new Map<number, PayerRow>();
  for (const chunk of chunks(payerIds, 500)) {
    for (const row of await payerQuery(db).where('members.id', 'in', chunk).execute()) payers.set(row.id, row);
  }
  return payers;
}

type LineDiscount = { percent: string | null; amount: number | null; reason: string | null };

function documentLine(line: InvoiceLine, identity: OrgIdentity, language: InvoiceDocument['language'], currency: string, discounts: ReadonlyMap<number, LineDiscount>): DocumentLine {
  const rated = rateToScaled(line.tax_rate) > 0;
  const discount = line.discount > 0 && line.discount_id !== null ? discounts.get(line.discount_id) : undefined;
  return {
    description: documentLineDescription(line, language, currency),
    quantity: line.quantity,
    unitPrice: line.unit_price,
    net: line.net,
    // lines issued before categories were stored: derived from the rate and the exemption text
    vatCategory: line.vat_category ?? (rated ? 'S' : identity.vatExemption !== null ? 'E' : 'Z'),
    vatRate: rated ? formatRate(line.tax_rate) : '0',
    tax: line.tax,
    periodStart: line.period_start,
    periodEnd: line.period_end,
    discount: discount ? { amount: line.discount, reason: discountLabel(discount, language, currency) } : null,
  };
}

const partWords = {
  fr: { days: (n: number) => `avoir de ${n} jour${n === 1 ? '' : 's'}`, part: 'avoir partiel', rest: 'solde' },
  en: { days: (n: number) => `credit of ${n} day${n === 1 ? '' : 's'}`, part: 'partial credit', rest: 'balance' },
};

/**
 * A line as a credit note credits it: the line itself, or a part of it (one unit of what it credits, the days it
 * credits or what was left of it named after the description, the period those days cover).
 */
function creditedDocumentLine(part: CreditedLine, identity: OrgIdentity, language: InvoiceDocument['language'], currency: string, discounts: ReadonlyMap<number, LineDiscount>): DocumentLine {
  const line = documentLine(part.line, identity, language, currency, discounts);
  if (!part.part) return line;
  const words = partWords[language];
  const what = part.days !== null ? words.days(part.days) : part.part === 'rest' ? words.rest : words.part;
  // what it credits is of the line's net, after its discount: the part carries none of its own
  return { ...line, description: `${line.description} (${what})`, quantity: 1, unitPrice: part.net, net: part.net, tax: part.tax, periodStart: part.periodStart, periodEnd: part.periodEnd, discount: null };
}

/** The snapshot columns of an invoice or a credit note (both tables have the same). */
interface Snapshot {
  issuer_id: number | null;
  buyer: string | null;
  language: 'fr' | 'en' | null;
}

interface Parties {
  identity: OrgIdentity;
  buyer: Buyer;
  language: 'fr' | 'en';
}

/**
 * The seller, buyer and language a document is written with: those frozen when it was issued. A document issued
 * before snapshots takes them now, and so does one whose frozen identity lacks what a legal invoice needs while the
 * current one has it all (a snapshot that could not make a legal document is not frozen until it can): `freeze`
 * then writes them, once the document they make is known to be valid, in its own small transaction and only over
 * what the document held when read, so that of two renders at once the first writer wins and the other gets its
 * snapshot. Refuses (78) an identity that lacks what a legal invoice needs.
 */
async function frozenParties(
  db: Queryable,
  document: { table: 'invoices' | 'credit_notes'; id: number; number: string; snapshot: Snapshot },
  buyerNow: (country: string) => Promise<Buyer>,
  needs: { vatLines: boolean },
  options: LoadOptions,
): Promise<{ parties: Parties; freeze: (() => Promise<Parties>) | null }> {
  const { snapshot } = document;
  const frozen = snapshot.issuer_id === null ? null : await readIssuer(db, snapshot.issuer_id);
  const frozenComplete = frozen !== null && missingForInvoices(frozen, needs).length === 0;
  const identity = frozenComplete ? frozen! : (options.identity ?? (await getIdentity(db)));
  const missing = missingForInvoices(identity, needs);
  if (missing.length > 0) {
    throw configError(
      `${document.number}: the organisation's identity lacks what a legal invoice needs: ${missing.map((m) => `${m.option} (${m.why})`).join('; ')}`,
      `set ${missing.length === 1 ? 'it' : 'them'} with \`memberctl org set ${missing.map((m) => `${m.option} ...`).join(' ')}\``,
    );
  }
  const buyer = snapshot.buyer !== null ? (JSON.parse(snapshot.buyer) as Buyer) : await buyerNow(identity.country);
  const parties: Parties = {
    identity,
    buyer,
    language: snapshot.language ?? options.language ?? buyer.language ?? options.defaultLanguage ?? (await getSetting(db, 'language')),
  };
  if (frozenComplete && snapshot.buyer !== null && snapshot.language !== null) return { parties, freeze: null };

  const write = async (trx: Queryable) => {
    const issuerId = frozenComplete ? snapshot.issuer_id! : await storeIssuer(trx, issuerSnapshot(identity), options.at ?? new Date().toISOString());
    // the two tables have the same snapshot columns
    const table = document.table as 'invoices';
    let update = trx
      .updateTable(table)
      .set({
        issuer_id: issuerId,
        buyer: sql<string>`coalesce(buyer, ${JSON.stringify(parties.buyer)})`,
        language: sql<'fr' | 'en'>`coalesce(language, ${parties.language})`,
      })
      .where('id', '=', document.id);
    update = snapshot.issuer_id === null ? update.where('issuer_id', 'is', null) : update.where('issuer_id', '=', snapshot.issuer_id);
    await update.execute();
    const row = await trx.selectFrom(table).select(['issuer_id', 'buyer', 'language']).where('id', '=', document.id).executeTakeFirstOrThrow();
    return { row, issuerId };
  };
  const freeze = async (): Promise<Parties> => {
    const { row, issuerId } = db.isTransaction ? await write(db) : await (db as Kysely<Database>).transaction().execute(write);
    return {
      identity: row.issuer_id === issuerId ? identity : await readIssuer(db, row.issuer_id!),
      buyer: JSON.parse(row.buyer!) as Buyer,
      language: row.language!,
    };
  };
  return { parties, freeze };
}

/**
 * The document of invoice or credit note `number` (any case), checked by `checkInvoiceDocument`, with the seller
 * and the buyer frozen as issued (`frozenParties`). A credit note carries the lines of the invoice it voids, its
 * amounts positive (a deposit's refund: that deposit's line only), and names that invoice (BT-25, BT-26); its buyer
 * is that of the invoice.
 */
export async function loadInvoiceDocument(db: Queryable, number: string, options: LoadOptions = {}): Promise<InvoiceDocument> {
  const invoice = await findInvoice(db, number);
  const note = invoice ? undefined : await findCreditNote(db, number);
  if (!invoice && !note) throw await unknownDocument(db, number);
  const target = invoice ?? (await findInvoice(db, note!.invoice))!;
  const documentNumber = invoice ? invoice.number : note!.note.number;

  // a void invoice's lines were all voided with it: its document still shows them. A credit note shows what it
  // credits of each line (`creditedLines`): its line for a partial one or a deposit's refund, what was left for a void
  let rows: InvoiceLine[];
  let parts: CreditedLine[] | null = null;
  if (invoice) {
    let linesQuery = db.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', target.id).orderBy('id');
    if (invoice.status !== 'void') linesQuery = linesQuery.where('voided', '=', 0);
    rows = await linesQuery.execute();
  } else {
    parts = await creditedLines(db, note!.note);
    rows = parts.map((p) => p.line);
  }
  // the discounts of discounted lines: never changed once written, so as they were at issue
  const discountIds = [...new Set(rows.flatMap((r) => (r.discount_id !== null && r.discount > 0 ? [r.discount_id] : [])))];
  const discounts = new Map<number, LineDiscount>();
  if (discountIds.length > 0) {
    for (const d of await db.selectFrom('discounts').select(['id', 'percent', 'amount', 'reason']).where('id', 'in', discountIds).execute()) discounts.set(d.id, d);
  }

  // reverse charge needs the seller's VAT number as a taxed line does (BR-AE-03), and no exemption text
  const vatLines = rows.some((l) => rateToScaled(l.tax_rate) > 0 || l.vat_category === 'AE');
  const holder = invoice ? { table: 'invoices' as const, id: invoice.id, snapshot: invoice } : { table: 'credit_notes' as const, id: note!.note.id, snapshot: note!.note };
  const buyerNow = async (country: string) => (target.buyer !== null ? (JSON.parse(target.buyer) as Buyer) : buyerAtIssue(db, target, country));
  const { parties, freeze } = await frozenParties(db, { ...holder, number: documentNumber }, buyerNow, { vatLines }, options);
  const paid = invoice ? ((await paidAmounts(db, [invoice.id])).get(invoice.id) ?? 0) : 0;
  const reason = note ? documentReason(note.note.reason) : null;
  const build = ({ identity, buyer, language }: Parties) => {
    const lines = parts ? parts.map((part) => creditedDocumentLine(part, identity, language, target.currency, discounts)) : rows.map((row) => documentLine(row, identity, language, target.currency, discounts));
    const base = { currency: target.currency, seller: sellerOf(identity), buyer, lines, paymentTerms: null, language };
    const document = invoice
      ? { ...base, kind: 'invoice' as const, number: invoice.number, issueDate: invoice.date, dueDate: invoice.due_date, totals: documentTotals(lines, paid) }
      : {
          ...base,
          kind: 'credit_note' as const,
          number: note!.note.number,
          issueDate: note!.note.date,
          dueDate: null,
          totals: documentTotals(lines, 0),
          corrects: { number: target.number, issueDate: target.date },
          reason: reason === null ? null : creditNoteReason(reason, language),
        };
    const checked = checkInvoiceDocument(document);
    if (!checked.ok) throw dataError(`${documentNumber} cannot be written as a document: ${checked.problems.join('; ')}`);
    return checked.document;
  };
  const document = build(parties);
  // a snapshot is written only once the document it makes is valid; another render may have written one first
  return freeze ? build(await freeze()) : document;
}

/**
 * The documents of `numbers`, in that order, each loaded and checked by `loadInvoiceDocument` (the first refusal
 * throws); a document named twice (inv-2026-00001 INV-2026-00001) comes once.
 */
export async function loadInvoiceDocuments(db: Queryable, numbers: readonly string[], options: LoadOptions = {}): Promise<InvoiceDocument[]> {
  const identity = options.identity ?? (await getIdentity(db));
  const defaultLanguage = options.defaultLanguage ?? (await getSetting(db, 'language'));
  const documents: InvoiceDocument[] = [];
  const seen = new Set<string>();
  for (const number of numbers) {
    const doc = await loadInvoiceDocument(db, number, { ...options, identity, defaultLanguage });
    if (seen.has(doc.number)) continue;
    seen.add(doc.number);
    documents.push(doc);
  }
  return documents;
}
