import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvoiceDocument } from '../../src/core/documents/invoice-document.js';
import { formatAmount } from '../../src/core/kernel/money.js';
import { UserError } from '../../src/errors.js';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { writeUbl } from '../../src/writers/einvoice/ubl.js';
import { type FailedAssert, validateCiiSchema, validateEn16931, xpathValues } from '../helpers/einvoice.js';
import { invoice, line, scenarios } from '../helpers/invoice-documents.js';

const summary = (asserts: FailedAssert[]) => asserts.map((a) => `${a.flag} ${a.id}: ${a.text}`);
const fatal = (asserts: FailedAssert[]) => summary(asserts.filter((a) => a.flag === 'fatal'));

/** What a receiver reads from an e-invoice, in the same shape for both syntaxes. */
interface Read {
  typeCode: string[];
  number: string[];
  issueDate: string[];
  currency: string[];
  totals: string[];
  breakdown: string[];
  exemptionReasons: string[];
  lines: string[];
  periods: string[];
  sellerIds: string[];
  buyerIds: string[];
  payment: string[];
  corrects: string[];
  /** BT-22: the notes (a credit note's reason) */
  notes: string[];
}

const date102 = (s: string) => `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;

function readCii(xml: string): Read {
  const x = (e: string) => xpathValues(xml, e);
  const settlement = '//ram:ApplicableHeaderTradeSettlement';
  const sums = `${settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation`;
  return {
    typeCode: x('//rsm:ExchangedDocument/ram:TypeCode'),
    number: x('//rsm:ExchangedDocument/ram:ID'),
    issueDate: x('//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString').map(date102),
    currency: x(`${settlement}/ram:InvoiceCurrencyCode`),
    totals: x(`for $s in ${sums} return ($s/ram:LineTotalAmount/string(), $s/ram:TaxTotalAmount/string(), $s/ram:GrandTotalAmount/string(), ($s/ram:TotalPrepaidAmount/string(), '0')[1], $s/ram:DuePayableAmount/string())`),
    breakdown: x(`${settlement}/ram:ApplicableTradeTax ! string-join((ram:CategoryCode, ram:RateApplicablePercent, ram:BasisAmount, ram:CalculatedAmount), ' ')`),
    exemptionReasons: x(`${settlement}/ram:ApplicableTradeTax/ram:ExemptionReason`),
    lines: x(`//ram:IncludedSupplyChainTradeLineItem ! string-join((ram:SpecifiedTradeProduct/ram:Name, ram:SpecifiedLineTradeDelivery/ram:BilledQuantity, .//ram:LineTotalAmount, .//ram:ApplicableTradeTax/ram:CategoryCode), ' | ')`),
    periods: x('//ram:BillingSpecifiedPeriod ! string-join((ram:StartDateTime, ram:EndDateTime)/udt:DateTimeString, " ")').map((p) =>
      p.split(' ').map(date102).join(' '),
    ),
    sellerIds: x('//ram:SellerTradeParty/(ram:SpecifiedLegalOrganization/ram:ID, ram:SpecifiedTaxRegistration/ram:ID) ! concat(@schemeID, ":", .)'),
    buyerIds: x('//ram:BuyerTradeParty/(ram:SpecifiedLegalOrganization/ram:ID, ram:SpecifiedTaxRegistration/ram:ID) ! concat(@schemeID, ":", .)'),
    payment: x(`${settlement}/ram:SpecifiedTradeSettlementPaymentMeans/(ram:TypeCode, .//ram:IBANID)`),
    corrects: x(`${settlement}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID`),
    notes: x('/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IncludedNote/ram:Content'),
  };
}

function readUbl(xml: string): Read {
  const x = (e: string) => xpathValues(xml, e);
  const totals = '/*/cac:LegalMonetaryTotal';
  return {
    typeCode: x('/*/(cbc:InvoiceTypeCode, cbc:CreditNoteTypeCode)'),
    number: x('/*/cbc:ID'),
    issueDate: x('/*/cbc:IssueDate'),
    currency: x('/*/cbc:DocumentCurrencyCode'),
    totals: x(`(${totals}/cbc:LineExtensionAmount/string(), /*/cac:TaxTotal/cbc:TaxAmount/string(), ${totals}/cbc:TaxInclusiveAmount/string(), (${totals}/cbc:PrepaidAmount/string(), '0')[1], ${totals}/cbc:PayableAmount/string())`),
    breakdown: x("/*/cac:TaxTotal/cac:TaxSubtotal ! string-join((cac:TaxCategory/cbc:ID, cac:TaxCategory/cbc:Percent, cbc:TaxableAmount, cbc:TaxAmount), ' ')"),
    exemptionReasons: x('/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason'),
    lines: x("/*/(cac:InvoiceLine, cac:CreditNoteLine) ! string-join((cac:Item/cbc:Name, (cbc:InvoicedQuantity, cbc:CreditedQuantity), cbc:LineExtensionAmount, cac:Item/cac:ClassifiedTaxCategory/cbc:ID), ' | ')"),
    periods: x('//cac:InvoicePeriod ! string-join((cbc:StartDate, cbc:EndDate), " ")'),
    sellerIds: x('//cac:AccountingSupplierParty/cac:Party/(cac:PartyLegalEntity/cbc:CompanyID, cac:PartyTaxScheme/cbc:CompanyID) ! concat(@schemeID, ":", .)'),
    buyerIds: x('//cac:AccountingCustomerParty/cac:Party/(cac:PartyLegalEntity/cbc:CompanyID, cac:PartyTaxScheme/cbc:CompanyID) ! concat(@schemeID, ":", .)'),
    payment: x('/*/cac:PaymentMeans/(cbc:PaymentMeansCode, cac:PayeeFinancialAccount/cbc:ID)'),
    corrects: x('/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID'),
    notes: x('/*/cbc:Note'),
  };
}

/** What the document says, read the same way; amounts from minor units with the money module. */
function expected(doc: InvoiceDocument, syntax: 'cii' | 'ubl'): Read {
  const money = (n: number) => formatAmount(n, doc.currency);
  const { totals, seller, buyer } = doc;
  // in document order: CII has the legal organization before the tax registrations, UBL after
  const ordered = <T>(ids: T[], taxIds: T[]) => (syntax === 'cii' ? [...ids, ...taxIds] : [...taxIds, ...ids]);
  const period = { start: doc.lines.map((l) => l.periodStart).sort()[0]!, end: doc.lines.map((l) => l.periodEnd).sort().at(-1)! };
  const linePeriods = doc.lines.map((l) => `${l.periodStart} ${l.periodEnd}`);
  const exemption = (category: string) =>
    category === 'E' ? [seller.vatExemptionText!] : category === 'AE' ? [doc.language === 'fr' ? 'Autoliquidation' : 'Reverse charge'] : [];
  const taxScheme = syntax === 'cii' ? { vat: 'VA', other: 'FC' } : { vat: '', other: '' };
  return {
    typeCode: [doc.kind === 'invoice' ? '380' : '381'],
    number: [doc.number],
    issueDate: [doc.issueDate],
    currency: [doc.currency],
    totals: [money(totals.net), money(totals.tax), money(totals.total), totals.paid === 0 ? '0' : money(totals.paid), money(totals.due)],
    breakdown: totals.vat.map((v) => `${v.category} ${v.rate} ${money(v.base)} ${money(v.tax)}`),
    exemptionReasons: totals.vat.flatMap((v) => exemption(v.category)),
    lines: doc.lines.map((l) => `${l.description} | ${l.quantity} | ${money(l.net)} | ${l.vatCategory}`),
    // CII: the lines' periods, then the invoice's; UBL: the invoice's first, then the lines'
    periods: syntax === 'cii' ? [...linePeriods, `${period.start} ${period.end}`] : [`${period.start} ${period.end}`, ...linePeriods],
    sellerIds: ordered(
      seller.siren === null ? [] : [`0002:${seller.siren}`],
      [
        ...(seller.vatId === null ? [] : [`${taxScheme.vat}:${seller.vatId}`]),
        ...(seller.taxRegistrationId === null ? [] : [`${taxScheme.other}:${seller.taxRegistrationId}`]),
      ],
    ),
    buyerIds: ordered(buyer.siren === null ? [] : [`0002:${buyer.siren}`], buyer.vatId === null ? [] : [`${taxScheme.vat}:${buyer.vatId}`]),
    payment: doc.kind === 'invoice' && seller.iban !== null ? [doc.currency === 'EUR' ? '58' : '30', seller.iban] : [],
    corrects: doc.kind === 'credit_note' ? [doc.corrects.number] : [],
    notes: doc.kind === 'credit_note' && doc.reason ? [doc.reason] : [],
  };
}

describe.each(Object.entries(scenarios))('%s', (_name, doc) => {
  it('as CII: valid against the CII D16B schema and the EN 16931 rules (no failed assert at all)', () => {
    const xml = writeCii(doc);
    expect(validateCiiSchema(xml)).toEqual({ valid: true, errors: [] });
    const asserts = validateEn16931(xml, 'cii');
    expect(fatal(asserts)).toEqual([]);
    expect(summary(asserts)).toEqual([]);
  });

  it('as UBL: valid against the EN 16931 rules (no failed assert at all)', () => {
    const xml = writeUbl(doc);
    const asserts = validateEn16931(xml, 'ubl');
    expect(fatal(asserts)).toEqual([]);
    expect(summary(asserts)).toEqual([]);
  });

  it.each([
    ['cii', writeCii, readCii],
    ['ubl', writeUbl, readUbl],
  ] as const)('as %s: says what the document says, amounts to the cent', (syntax, write, read) => {
    expect(read(write(doc))).toEqual(expected(doc, syntax));
  });
});

describe('the e-invoice writers', () => {
  it('write the amounts of the database to the cent: a prorated first invoice is 109.68 + 21.94 = 131.62', () => {
    const doc = scenarios['a prorated first invoice']!;
    expect(readCii(writeCii(doc)).totals).toEqual(['109.68', '21.94', '131.62', '0', '131.62']);
    expect(readUbl(writeUbl(doc)).totals).toEqual(['109.68', '21.94', '131.62', '0', '131.62']);
  });

  it('write yen without decimals', () => {
    const doc = scenarios['a JPY plan']!;
    // 15000 + round(3 x 15000 x 17/31) = 15000 + 24677; VAT 3000 + 4935
    expect(readCii(writeCii(doc)).totals).toEqual(['39677', '7935', '47612', '0', '47612']);
    expect(readUbl(writeUbl(doc)).breakdown).toEqual(['S 20 39677 7935']);
  });

  it('write a prorated line so that quantity x price / base quantity is its net exactly', () => {
    const doc = scenarios['a JPY plan']!;
    const xml = writeUbl(doc);
    expect(xpathValues(xml, '/*/cac:InvoiceLine[2]/cac:Price/(cbc:PriceAmount, cbc:BaseQuantity)')).toEqual(['24677', '3']);
    expect(xpathValues(writeCii(scenarios['a prorated first invoice']!), '//ram:NetPriceProductTradePrice/ram:ChargeAmount')).toEqual(['109.68']);
  });

  it('write a credit note with positive amounts, type 381 and the invoice it corrects with its date', () => {
    const doc = scenarios['a credit note']!;
    const cii = writeCii(doc);
    expect(readCii(cii).totals).toEqual(['200.00', '40.00', '240.00', '0', '240.00']);
    expect(xpathValues(cii, '//ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/qdt:DateTimeString')).toEqual(['20260201']);
    const ubl = writeUbl(doc);
    expect(xpathValues(ubl, 'name(/*)')).toEqual(['CreditNote']);
    expect(xpathValues(ubl, '/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate')).toEqual(['2026-02-01']);
    expect(xpathValues(ubl, '/*/cac:PaymentMeans')).toEqual([]);
  });

  it('write a credit note\'s reason as its note (BT-22), escaped; none without a reason', () => {
    const doc = scenarios['a credit note'] as Extract<InvoiceDocument, { kind: 'credit_note' }>;
    const reason = 'Remise « fidélité » <10 %> & "geste" d\'accueil';
    const withReason = { ...doc, reason };
    const cii = writeCii(withReason);
    expect(validateCiiSchema(cii)).toEqual({ valid: true, errors: [] });
    expect(summary(validateEn16931(cii, 'cii'))).toEqual([]);
    expect(xpathValues(cii, '/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IncludedNote/ram:Content')).toEqual([reason]);
    // D16B's order: the note follows the type code and the issue date
    expect(xpathValues(cii, '/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/*/local-name()')).toEqual(['ID', 'TypeCode', 'IssueDateTime', 'IncludedNote']);
    const ubl = writeUbl(withReason);
    expect(summary(validateEn16931(ubl, 'ubl'))).toEqual([]);
    expect(xpathValues(ubl, '/*/cbc:Note')).toEqual([reason]);
    expect(xpathValues(ubl, '/*/cbc:Note/preceding-sibling::*[1]/local-name()')).toEqual(['CreditNoteTypeCode']);
    expect(xpathValues(ubl, '/*/cbc:Note/following-sibling::*[1]/local-name()')).toEqual(['DocumentCurrencyCode']);
    for (const none of [{ ...doc, reason: null }, scenarios['a credit note issued before reasons were printed']!]) {
      expect(xpathValues(writeCii(none), '//ram:IncludedNote')).toEqual([]);
      expect(xpathValues(writeUbl(none), '/*/cbc:Note')).toEqual([]);
    }
  });

  it('write the reverse charge mention in the document language, with its VATEX code', () => {
    const doc = scenarios['reverse charge to a Belgian company']!;
    expect(xpathValues(writeUbl(doc), '//cac:TaxSubtotal/cac:TaxCategory/(cbc:TaxExemptionReasonCode, cbc:TaxExemptionReason)')).toEqual([
      'VATEX-EU-AE',
      'Reverse charge',
    ]);
    expect(xpathValues(writeCii({ ...doc, language: 'fr' }), '//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason')).toEqual([
      'Autoliquidation',
    ]);
  });

  it('write the due date, the payment terms and the buyer contact', () => {
    const doc = scenarios['a company payer consolidating several members']!;
    const cii = writeCii(doc);
    expect(xpathValues(cii, '//ram:SpecifiedTradePaymentTerms/(ram:Description, ram:DueDateDateTime/udt:DateTimeString)')).toEqual([
      'Payable sous 14 jours par virement.',
      '20260315',
    ]);
    expect(xpathValues(cii, '//ram:BuyerTradeParty/ram:DefinedTradeContact/ram:PersonName')).toEqual(['Chloé Durand']);
    const ubl = writeUbl(doc);
    expect(xpathValues(ubl, '/*/cbc:DueDate')).toEqual(['2026-03-15']);
    expect(xpathValues(ubl, '//cac:AccountingCustomerParty//cac:Contact/cbc:Name')).toEqual(['Chloé Durand']);
  });

  it('refuse an invalid document with every problem, writing nothing', () => {
    const doc = scenarios['reverse charge to a Belgian company']!;
    const bad = { ...doc, buyer: { ...doc.buyer, vatId: null } };
    for (const write of [writeCii, writeUbl]) {
      expect(() => write(bad)).toThrow(UserError);
      expect(() => write(bad)).toThrow('INV-2026-00011 cannot be written as an EN 16931 e-invoice: buyer.vatId: a reverse charge line (AE) needs the buyer VAT identifier (BR-AE-02)');
    }
  });

  it('escape any text: a receiver reads back exactly the descriptions and names written', () => {
    const text = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .filter((s) => s.trim() !== '' && s === s.trim() && !/[\u0000-\u001F\uFFFE\uFFFF\uFEFF]/.test(s));
    fc.assert(
      fc.property(text, text, (description, name) => {
        const doc = invoice({
          number: 'INV-2026-00100',
          buyer: { ...scenarios['a partly paid invoice']!.buyer, name },
          lines: [line({ description, unitPrice: 1000, periodStart: '2026-03-01', periodEnd: '2026-03-31' })],
        });
        expect(xpathValues(writeCii(doc), '//ram:SpecifiedTradeProduct/ram:Name | //ram:BuyerTradeParty/ram:Name')).toEqual([description, name]);
        expect(xpathValues(writeUbl(doc), '//cac:Item/cbc:Name | //cac:AccountingCustomerParty//cac:PartyName/cbc:Name')).toEqual([name, description]);
      }),
      { numRuns: 50 },
    );
  });
});
