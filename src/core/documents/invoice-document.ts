/**
 * The invoice document: one plain, typed object from which every document a person keeps is written (the PDF, the
 * CII and UBL e-invoices), so that they all say the same thing. It is built from the database by the caller; here
 * are only its shape, its rules (the VAT breakdown, the totals) and its validation. No I/O.
 *
 * Signs: a credit note's amounts are those it credits, positive, as EN 16931 requires of a document of type 381
 * (the credit_notes table stores them negative: the loader takes their opposite). Amounts are integers of minor units.
 */
import { z } from 'zod';
import { compareDates, isIsoDate, type IsoDate } from '../kernel/dates.js';
import { applyRate, formatRate, isIsoCurrency, type MinorAmount, minorUnits, parseRate, rateToScaled } from '../kernel/money.js';

/** EN 16931 VAT category codes (UNTDID 5305) memberctl uses: standard, zero rated, exempt, reverse charge. */
export const vatCategories = ['S', 'Z', 'E', 'AE'] as const;
export type VatCategory = (typeof vatCategories)[number];

// XML 1.0 refuses C0 controls other than tab, LF and CR, and U+FFFE/FFFF; a document must not carry them
const xmlText = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} is empty`)
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s), `${what} contains a control character`);
const optionalText = (what: string) => xmlText(what).nullable();

const isoDate = z.string().refine(isIsoDate, 'not a date (YYYY-MM-DD)');
const amount = z.number().int('not a whole number of minor units').refine(Number.isSafeInteger, 'amount out of range');
const nonNegativeAmount = amount.refine((n) => n >= 0, 'negative amount (a credit note carries positive amounts)');
const rate = z.string().refine((s) => {
  const parsed = parseRate(s);
  return parsed.ok && parsed.value === s;
}, 'not a canonical tax rate in percent ("20", "5.5")');
const country = z.string().regex(/^[A-Z]{2}$/, 'not an ISO 3166-1 alpha-2 country code (FR, BE)');
const siren = z
  .string()
  .regex(/^[0-9]{9}$/, 'a SIREN has 9 digits')
  .refine(luhnValid, 'not a SIREN (its check digit is wrong)');
// BR-CO-09: a VAT identifier starts with the ISO 3166-1 code of its country (EL for Greece)
const vatId = z.string().regex(/^[A-Z]{2}[0-9A-Za-z+*.]{2,13}$/, 'not a VAT identifier (two letters, then 2 to 13 characters)');
const iban = z
  .string()
  .regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, 'not an IBAN (no spaces)')
  .refine(ibanValid, 'not an IBAN (its check digits are wrong)');
const bic = z.string().regex(/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'not a BIC');
const email = z.email('not an e-mail address');

export const addressSchema = z.object({
  /** one to three lines: street, building, ... */
  lines: z.array(xmlText('an address line')).min(1, 'the address has no line').max(3, 'an address has at most 3 lines'),
  postcode: optionalText('the postcode'),
  city: xmlText('the city'),
  country,
});

/**
 * A buyer's address: members and companies may have no postal address on record, so only its country is required
 * (EN 16931 BT-55); lines, postcode and city are written when known.
 */
export const buyerAddressSchema = z.object({
  lines: z.array(xmlText('an address line')).max(3, 'an address has at most 3 lines'),
  postcode: optionalText('the postcode'),
  city: optionalText('the city'),
  country,
});

export const sellerSchema = z.object({
  name: xmlText('the seller name'),
  address: addressSchema,
  siren: siren.nullable(),
  vatId: vatId.nullable(),
  /** BT-32, a tax registration other than VAT (scheme FC): a seller exempt of VAT may have no VAT identifier */
  taxRegistrationId: optionalText('the tax registration'),
  email: email.nullable(),
  iban: iban.nullable(),
  bic: bic.nullable(),
  /** "SAS au capital de 10 000 €" */
  legalForm: optionalText('the legal form'),
  /** "RCS Lyon 732 829 320" */
  registration: optionalText('the registration'),
  /** the mention on exempt invoices: "TVA non applicable, art. 293 B du CGI" */
  vatExemptionText: optionalText('the VAT exemption text'),
  // the three below are printed on the PDF only (the e-invoices carry none of them); optional for older callers
  /** the organisation's logo, PNG or JPEG, printed at the top of the PDF */
  logo: z.object({ type: z.enum(['image/png', 'image/jpeg']), bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'the logo is not bytes') }).nullable().optional(),
  /** its late-payment penalty mention (`org set --late-penalty`); the PDF prints the legal default without it */
  latePenalty: optionalText('the late-payment penalty').optional(),
  /** the footer text of its documents (`org set --footer`) */
  footer: optionalText('the footer').optional(),
});

export const buyerSchema = z.object({
  name: xmlText('the buyer name'),
  address: buyerAddressSchema,
  siren: siren.nullable(),
  vatId: vatId.nullable(),
  email: email.nullable(),
  /** the person an invoice to a company is for the attention of */
  attention: optionalText('the person for the attention of'),
  /** a company rather than a consumer (see `isBusinessBuyer`); optional for older callers */
  business: z.boolean().optional(),
  /** the language the buyer reads (the payer's), null for the `language` setting; optional for older callers */
  language: z.enum(['fr', 'en']).nullable().optional(),
  /** the payer's member number (`M-00042`), given with their first invoice; optional for older callers */
  memberNumber: optionalText('the member number').optional(),
});

export const documentLineSchema = z.object({
  description: xmlText('the line description'),
  /** negative on a line that credits (an adjustment: billing/adjustments.ts), whose net and tax are negative too */
  quantity: z.number().int().refine((n) => n !== 0, 'a quantity is a whole number other than 0'),
  /** net price of one full period for a quantity of 1 */
  unitPrice: nonNegativeAmount,
  /** as stored: round-half-up(unit price x quantity x proration), less the line's discount when it has one */
  net: amount,
  /**
   * A discount on the line (EN 16931 BG-27, a line allowance): what it took off, and what it is ("Discount 15%
   * (early bird)"). The line's price before it is `net + discount.amount`. Absent or null: none.
   */
  discount: z
    .object({
      amount: amount.refine((n) => n > 0, 'a discount is more than 0'),
      reason: xmlText('the discount reason'),
    })
    .nullable()
    .optional(),
  vatCategory: z.enum(vatCategories),
  /** as stored, "20" or "5.5"; "0" for Z, E and AE */
  vatRate: rate,
  /** as stored: round-half-up(net x rate), per line (billing/rules.ts `lineAmounts`); on a credit note, what it credits of the line's tax */
  tax: amount,
  /** the service period, both days inclusive */
  periodStart: isoDate,
  periodEnd: isoDate,
});

export const vatSubtotalSchema = z.object({
  category: z.enum(vatCategories),
  rate,
  /** sum of the nets of the lines of this category and rate (below 0 when credits outweigh the rest) */
  base: amount,
  /** sum of the taxes of those lines, as stored */
  tax: amount,
});

export const documentTotalsSchema = z.object({
  // below 0 only for an invoice whose credits (adjustments) outweigh its charges
  net: amount,
  vat: z.array(vatSubtotalSchema),
  tax: amount,
  total: amount,
  /** payments already received (0 on a credit note) */
  paid: nonNegativeAmount,
  /** total - paid */
  due: amount,
});

const documentBase = z.object({
  number: xmlText('the number'),
  issueDate: isoDate,
  /** null only on a credit note, which has nothing to pay */
  dueDate: isoDate.nullable(),
  currency: z.string().refine(isIsoCurrency, 'not an ISO 4217 currency'),
  seller: sellerSchema,
  buyer: buyerSchema,
  lines: z.array(documentLineSchema).min(1, 'a document has at least one line'),
  totals: documentTotalsSchema,
  paymentTerms: optionalText('the payment terms'),
  language: z.enum(['fr', 'en']),
});

/** The shape of a document; `checkInvoiceDocument` adds the rules between its fields (`documentProblems`). */
export const invoiceDocumentSchema = z.discriminatedUnion('kind', [
    documentBase.extend({ kind: z.literal('invoice') }),
    documentBase.extend({
      kind: z.literal('credit_note'),
      /** BT-25, BT-26: the invoice this credit note corrects */
      corrects: z.object({ number: xmlText('the corrected invoice number'), issueDate: isoDate }),
      /**
       * BT-22, a note: why it was issued (`credit_notes.reason`), on one line. Absent or null: none (the PDF and the
       * e-invoices then carry no reason).
       */
      reason: optionalText('the reason').optional(),
    }),
  ]);

export type Address = z.infer<typeof addressSchema>;
export type BuyerAddress = z.infer<typeof buyerAddressSchema>;
export type Seller = z.infer<typeof sellerSchema>;
export type Buyer = z.infer<typeof buyerSchema>;
export type DocumentLine = z.infer<typeof documentLineSchema>;
export type VatSubtotal = z.infer<typeof vatSubtotalSchema>;
export type DocumentTotals = z.infer<typeof documentTotalsSchema>;
export type InvoiceDocument = z.infer<typeof invoiceDocumentSchema>;

const categoryOrder: Record<VatCategory, number> = { S: 0, Z: 1, E: 2, AE: 3 };

/**
 * The VAT breakdown (EN 16931 BG-23): one subtotal per category and rate, in the order S, Z, E, AE and by rate
 * descending. Its tax is the sum of the lines' taxes, each rounded per line as the invoice stored it, so that the
 * breakdown adds up exactly to the invoice's tax. It may differ by a few minor units from base x rate rounded once
 * (BR-CO-17), which EN 16931 tolerates within one unit of the currency: see `breakdownDeviation`.
 */
export function vatBreakdown(lines: readonly Pick<DocumentLine, 'vatCategory' | 'vatRate' | 'net' | 'tax'>[]): VatSubtotal[] {
  const groups = new Map<string, VatSubtotal>();
  for (const line of lines) {
    const key = `${line.vatCategory} ${rateToScaled(line.vatRate)}`;
    const group = groups.get(key);
    if (group) {
      group.base += line.net;
      group.tax += line.tax;
    } else {
      groups.set(key, { category: line.vatCategory, rate: formatRate(line.vatRate), base: line.net, tax: line.tax });
    }
  }
  return [...groups.values()].sort(
    (a, b) => categoryOrder[a.category] - categoryOrder[b.category] || rateToScaled(b.rate) - rateToScaled(a.rate),
  );
}

/** The tax of a subtotal computed once on its base, as BR-CO-17 does: round-half-up(base x rate). */
export function breakdownTaxOnBase(subtotal: Pick<VatSubtotal, 'base' | 'rate'>): MinorAmount {
  return applyRate(subtotal.base, subtotal.rate);
}

/**
 * How far a subtotal's tax (the sum of per-line taxes) is from its base x rate, in minor units. EN 16931's BR-CO-17
 * accepts a difference strictly below one unit of the currency (100 cents, 1 yen): beyond that, the stored
 * per-line taxes cannot be written as a valid e-invoice.
 */
export function breakdownDeviation(subtotal: Pick<VatSubtotal, 'base' | 'rate' | 'tax'>): MinorAmount {
  return subtotal.tax - breakdownTaxOnBase(subtotal);
}

/** The totals of a document from its lines and what was already paid: what the invoice stores, recomputed. */
export function documentTotals(lines: readonly DocumentLine[], paid: MinorAmount): DocumentTotals {
  const net = lines.reduce((sum, l) => sum + l.net, 0);
  const tax = lines.reduce((sum, l) => sum + l.tax, 0);
  return { net, vat: vatBreakdown(lines), tax, total: net + tax, paid, due: net + tax - paid };
}

export interface DocumentProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Every rule a well-formed document may still break: amounts that do not add up, VAT categories without what
 * EN 16931 requires of them. Messages name the field and, where one applies, the EN 16931 rule.
 */
export function documentProblems(doc: InvoiceDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const decimals = minorUnits(doc.currency);
  if (decimals > 2) add(['currency'], `${doc.currency} has ${decimals} decimals; EN 16931 amounts have at most 2 (BR-DEC)`);

  doc.lines.forEach((line, i) => {
    if (compareDates(line.periodEnd, line.periodStart) < 0) add(['lines', i, 'periodEnd'], `line ${i + 1}: the period ends before it starts`);
    const zeroRated = line.vatCategory !== 'S';
    if (zeroRated && rateToScaled(line.vatRate) !== 0) add(['lines', i, 'vatRate'], `line ${i + 1}: category ${line.vatCategory} has a rate of 0, not ${line.vatRate}`);
    if (!zeroRated && rateToScaled(line.vatRate) === 0) add(['lines', i, 'vatRate'], `line ${i + 1}: category S needs a rate above 0 (BR-S-05); use Z for 0%`);
    const expected = applyRate(line.net, line.vatRate);
    // a credit note's line that credits what is left of a line credited in part before carries the tax left, which
    // may be a cent or so from net x rate: its breakdown is still held to BR-CO-17 below
    if (line.tax !== expected && doc.kind === 'invoice') add(['lines', i, 'tax'], `line ${i + 1}: tax ${line.tax} is not ${line.vatRate}% of ${line.net} (${expected})`);
    // quantity x a price that is never negative: only a credit (a negative quantity) has a negative amount
    if (line.net !== 0 && line.net < 0 !== line.quantity < 0) {
      add(['lines', i, 'net'], `line ${i + 1}: net ${line.net} and quantity ${line.quantity} differ in sign: only a credit line (a negative quantity) has a negative amount`);
    }
  });
  if (doc.kind === 'credit_note' && doc.totals.total < 0) add(['totals', 'total'], 'negative total (a credit note carries positive amounts)');

  const expected = documentTotals(doc.lines, doc.totals.paid);
  for (const key of ['net', 'tax', 'total', 'due'] as const) {
    if (doc.totals[key] !== expected[key]) add(['totals', key], `totals.${key} is ${doc.totals[key]}, the lines give ${expected[key]}`);
  }
  if (JSON.stringify(doc.totals.vat) !== JSON.stringify(expected.vat)) {
    add(['totals', 'vat'], 'totals.vat is not the breakdown of the lines by category and rate (vatBreakdown)');
  }
  const unit = 10 ** decimals;
  expected.vat.forEach((subtotal, i) => {
    const deviation = breakdownDeviation(subtotal);
    if (Math.abs(deviation) >= unit) {
      add(['totals', 'vat', i], `the ${subtotal.category} ${subtotal.rate}% lines' taxes add up to ${subtotal.tax}, ${deviation} from ${subtotal.rate}% of ${subtotal.base}: EN 16931 tolerates less than one unit of the currency (BR-CO-17)`);
    }
  });
  if (doc.kind === 'credit_note' && doc.totals.paid !== 0) add(['totals', 'paid'], 'a credit note has nothing paid');
  if (doc.kind === 'invoice' && doc.dueDate === null) add(['dueDate'], 'an invoice has a due date (BR-CO-25)');
  if (doc.dueDate !== null && compareDates(doc.dueDate, doc.issueDate) < 0) add(['dueDate'], 'the due date is before the issue date');

  const categories = new Set(doc.lines.map((l) => l.vatCategory));
  const { seller, buyer } = doc;
  if (seller.siren === null && seller.vatId === null) add(['seller'], 'the seller has neither a SIREN nor a VAT identifier (BR-CO-26)');
  if ((categories.has('S') || categories.has('Z')) && seller.vatId === null) {
    add(['seller', 'vatId'], 'a line with VAT (S or Z) needs the seller VAT identifier (BR-S-02, BR-Z-02)');
  }
  if (categories.has('E')) {
    if (seller.vatId === null && seller.taxRegistrationId === null) {
      add(['seller', 'vatId'], 'an exempt line (E) needs the seller VAT identifier or tax registration (BR-E-02)');
    }
    if (seller.vatExemptionText === null) add(['seller', 'vatExemptionText'], 'an exempt line (E) needs the exemption text (BR-E-10)');
  }
  if (categories.has('AE')) {
    if (seller.vatId === null && seller.taxRegistrationId === null) {
      add(['seller', 'vatId'], 'a reverse charge line (AE) needs the seller VAT identifier (BR-AE-02)');
    }
    if (buyer.vatId === null) add(['buyer', 'vatId'], 'a reverse charge line (AE) needs the buyer VAT identifier (BR-AE-02)');
  }
  return problems;
}

export type DocumentCheck = { ok: true; document: InvoiceDocument } | { ok: false; problems: string[] };

const where = (path: readonly PropertyKey[]) => path.map(String).join('.') || 'document';

/** Checks a document before it is written: its shape, then the rules between its fields. Never throws. */
export function checkInvoiceDocument(input: unknown): DocumentCheck {
  const result = invoiceDocumentSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: result.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`) };
  const problems = documentProblems(result.data);
  if (problems.length > 0) return { ok: false, problems: problems.map((p) => `${where(p.path)}: ${p.message}`) };
  return { ok: true, document: result.data };
}

/**
 * Whether the buyer is a business (a company, or anyone with a SIREN or VAT number) rather than a consumer: French
 * law then requires the fixed recovery indemnity mention, and the buyer's identifiers are printed.
 */
export function isBusinessBuyer(buyer: Pick<Buyer, 'business' | 'siren' | 'vatId'>): boolean {
  return buyer.business === true || buyer.siren !== null || buyer.vatId !== null;
}

/** The language's mention on reverse charge lines (French law: "Autoliquidation"). */
export function reverseChargeText(language: InvoiceDocument['language']): string {
  return language === 'fr' ? 'Autoliquidation' : 'Reverse charge';
}

/** The document's service period (BG-14): from the first line's first day to the last line's last day. */
export function documentPeriod(lines: readonly Pick<DocumentLine, 'periodStart' | 'periodEnd'>[]): { start: IsoDate; end: IsoDate } {
  let start = lines[0]!.periodStart;
  let end = lines[0]!.periodEnd;
  for (const line of lines) {
    if (compareDates(line.periodStart, start) < 0) start = line.periodStart;
    if (compareDates(line.periodEnd, end) > 0) end = line.periodEnd;
  }
  return { start, end };
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function ibanValid(text: string): boolean {
  const rearranged = text.slice(4) + text.slice(0, 4);
  const numeric = rearranged.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return BigInt(numeric) % 97n === 1n;
}
