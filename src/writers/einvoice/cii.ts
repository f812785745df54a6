/**
 * The UN/CEFACT Cross Industry Invoice D16B of a document, EN 16931 core profile (the XML inside a Factur-X PDF of
 * profile EN 16931). Element order follows the CII D16B schema, which the tests check with the official XSD.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { documentPeriod, type InvoiceDocument, type BuyerAddress } from '../../core/documents/invoice-document.js';
import {
  amountText,
  compactDate,
  discountReasonCode,
  en16931Specification,
  exemptionReason,
  linePrice,
  paymentMeans,
  sellerLegalInformation,
  serializeOptions,
  typeCode,
  unitCode,
  writableDocument,
} from './common.js';

const ns = {
  rsm: 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  ram: 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  qdt: 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  udt: 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
};

/** The CII XML of `input`, UTF-8. Throws a UserError (exit 65) listing its problems when it is not a valid document. */
export function writeCii(input: InvoiceDocument): string {
  const doc = writableDocument(input);
  const currency = doc.currency;
  const money = (minor: number) => amountText(minor, currency);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(ns.rsm, 'rsm:CrossIndustryInvoice', {
    'xmlns:rsm': ns.rsm,
    'xmlns:ram': ns.ram,
    'xmlns:qdt': ns.qdt,
    'xmlns:udt': ns.udt,
  });
  const ram = (parent: XMLBuilder, name: string, text?: string, attributes?: Record<string, string>) => {
    const element = parent.ele(ns.ram, `ram:${name}`, attributes);
    if (text !== undefined) element.txt(text);
    return element;
  };
  const dateTime = (parent: XMLBuilder, name: string, date: string) =>
    ram(parent, name).ele(ns.udt, 'udt:DateTimeString', { format: '102' }).txt(compactDate(date));

  root
    .ele(ns.rsm, 'rsm:ExchangedDocumentContext')
    .ele(ns.ram, 'ram:GuidelineSpecifiedDocumentContextParameter')
    .ele(ns.ram, 'ram:ID')
    .txt(en16931Specification);

  const header = root.ele(ns.rsm, 'rsm:ExchangedDocument');
  ram(header, 'ID', doc.number);
  ram(header, 'TypeCode', typeCode(doc));
  dateTime(header, 'IssueDateTime', doc.issueDate);
  // BG-1, BT-22: a credit note's reason, the header's note (after IssueDateTime in D16B's ExchangedDocument)
  if (doc.kind === 'credit_note' && doc.reason) ram(ram(header, 'IncludedNote'), 'Content', doc.reason);
  const legal = sellerLegalInformation(doc);

  const transaction = root.ele(ns.rsm, 'rsm:SupplyChainTradeTransaction');
  doc.lines.forEach((line, i) => {
    const item = ram(transaction, 'IncludedSupplyChainTradeLineItem');
    ram(ram(item, 'AssociatedDocumentLineDocument'), 'LineID', String(i + 1));
    ram(ram(item, 'SpecifiedTradeProduct'), 'Name', line.description);
    const { price, baseQuantity } = linePrice(line, currency);
    const netPrice = ram(ram(item, 'SpecifiedLineTradeAgreement'), 'NetPriceProductTradePrice');
    ram(netPrice, 'ChargeAmount', price);
    if (baseQuantity !== null) ram(netPrice, 'BasisQuantity', String(baseQuantity), { unitCode });
    ram(ram(item, 'SpecifiedLineTradeDelivery'), 'BilledQuantity', String(line.quantity), { unitCode });
    const settlement = ram(item, 'SpecifiedLineTradeSettlement');
    const tax = ram(settlement, 'ApplicableTradeTax');
    ram(tax, 'TypeCode', 'VAT');
    ram(tax, 'CategoryCode', line.vatCategory);
    ram(tax, 'RateApplicablePercent', line.vatRate);
    const period = ram(settlement, 'BillingSpecifiedPeriod');
    dateTime(period, 'StartDateTime', line.periodStart);
    dateTime(period, 'EndDateTime', line.periodEnd);
    if (line.discount) {
      // BG-27: the discount as a line allowance, the net price (BT-146) being before it
      const allowance = ram(settlement, 'SpecifiedTradeAllowanceCharge');
      ram(allowance, 'ChargeIndicator').ele(ns.udt, 'udt:Indicator').txt('false');
      ram(allowance, 'ActualAmount', money(line.discount.amount));
      ram(allowance, 'ReasonCode', discountReasonCode);
      ram(allowance, 'Reason', line.discount.reason);
    }
    ram(ram(settlement, 'SpecifiedTradeSettlementLineMonetarySummation'), 'LineTotalAmount', money(line.net));
  });

  const agreement = ram(transaction, 'ApplicableHeaderTradeAgreement');
  const seller = ram(agreement, 'SellerTradeParty');
  ram(seller, 'Name', doc.seller.name);
  if (legal !== null) ram(seller, 'Description', legal);
  if (doc.seller.siren !== null) ram(ram(seller, 'SpecifiedLegalOrganization'), 'ID', doc.seller.siren, { schemeID: '0002' });
  address(ram, seller, doc.seller.address);
  if (doc.seller.email !== null) ram(ram(seller, 'URIUniversalCommunication'), 'URIID', doc.seller.email, { schemeID: 'EM' });
  if (doc.seller.vatId !== null) ram(ram(seller, 'SpecifiedTaxRegistration'), 'ID', doc.seller.vatId, { schemeID: 'VA' });
  if (doc.seller.taxRegistrationId !== null) {
    ram(ram(seller, 'SpecifiedTaxRegistration'), 'ID', doc.seller.taxRegistrationId, { schemeID: 'FC' });
  }

  const buyer = ram(agreement, 'BuyerTradeParty');
  // BT-46, the buyer identifier: the member number
  if (doc.buyer.memberNumber) ram(buyer, 'ID', doc.buyer.memberNumber);
  ram(buyer, 'Name', doc.buyer.name);
  if (doc.buyer.siren !== null) ram(ram(buyer, 'SpecifiedLegalOrganization'), 'ID', doc.buyer.siren, { schemeID: '0002' });
  if (doc.buyer.attention !== null) ram(ram(buyer, 'DefinedTradeContact'), 'PersonName', doc.buyer.attention);
  address(ram, buyer, doc.buyer.address);
  if (doc.buyer.email !== null) ram(ram(buyer, 'URIUniversalCommunication'), 'URIID', doc.buyer.email, { schemeID: 'EM' });
  if (doc.buyer.vatId !== null) ram(ram(buyer, 'SpecifiedTaxRegistration'), 'ID', doc.buyer.vatId, { schemeID: 'VA' });

  ram(transaction, 'ApplicableHeaderTradeDelivery');

  const settlement = ram(transaction, 'ApplicableHeaderTradeSettlement');
  const means = paymentMeans(doc);
  if (means !== null) ram(settlement, 'PaymentReference', doc.number);
  ram(settlement, 'InvoiceCurrencyCode', currency);
  if (means !== null) {
    const element = ram(settlement, 'SpecifiedTradeSettlementPaymentMeans');
    ram(element, 'TypeCode', means.code);
    ram(ram(element, 'PayeePartyCreditorFinancialAccount'), 'IBANID', means.iban);
    if (means.bic !== null) ram(ram(element, 'PayeeSpecifiedCreditorFinancialInstitution'), 'BICID', means.bic);
  }
  for (const subtotal of doc.totals.vat) {
    const tax = ram(settlement, 'ApplicableTradeTax');
    const reason = exemptionReason(subtotal.category, doc);
    ram(tax, 'CalculatedAmount', money(subtotal.tax));
    ram(tax, 'TypeCode', 'VAT');
    if (reason !== null) ram(tax, 'ExemptionReason', reason.text);
    ram(tax, 'BasisAmount', money(subtotal.base));
    ram(tax, 'CategoryCode', subtotal.category);
    if (reason?.code) ram(tax, 'ExemptionReasonCode', reason.code);
    ram(tax, 'RateApplicablePercent', subtotal.rate);
  }
  const period = documentPeriod(doc.lines);
  const billing = ram(settlement, 'BillingSpecifiedPeriod');
  dateTime(billing, 'StartDateTime', period.start);
  dateTime(billing, 'EndDateTime', period.end);
  if (doc.paymentTerms !== null || doc.dueDate !== null) {
    const terms = ram(settlement, 'SpecifiedTradePaymentTerms');
    if (doc.paymentTerms !== null) ram(terms, 'Description', doc.paymentTerms);
    if (doc.dueDate !== null) dateTime(terms, 'DueDateDateTime', doc.dueDate);
  }
  const sums = ram(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation');
  ram(sums, 'LineTotalAmount', money(doc.totals.net));
  ram(sums, 'TaxBasisTotalAmount', money(doc.totals.net));
  ram(sums, 'TaxTotalAmount', money(doc.totals.tax), { currencyID: currency });
  ram(sums, 'GrandTotalAmount', money(doc.totals.total));
  if (doc.totals.paid !== 0) ram(sums, 'TotalPrepaidAmount', money(doc.totals.paid));
  ram(sums, 'DuePayableAmount', money(doc.totals.due));
  if (doc.kind === 'credit_note') {
    const reference = ram(settlement, 'InvoiceReferencedDocument');
    ram(reference, 'IssuerAssignedID', doc.corrects.number);
    ram(reference, 'FormattedIssueDateTime')
      .ele(ns.qdt, 'qdt:DateTimeString', { format: '102' })
      .txt(compactDate(doc.corrects.issueDate));
  }
  return root.end(serializeOptions);
}

function address(ram: (parent: XMLBuilder, name: string, text?: string) => XMLBuilder, party: XMLBuilder, value: BuyerAddress): void {
  const element = ram(party, 'PostalTradeAddress');
  if (value.postcode !== null) ram(element, 'PostcodeCode', value.postcode);
  const names = ['LineOne', 'LineTwo', 'LineThree'];
  value.lines.forEach((line, i) => {
    ram(element, names[i]!, line);
  });
  if (value.city !== null) ram(element, 'CityName', value.city);
  ram(element, 'CountryID', value.country);
}
