/**
 * The OASIS UBL 2.1 Invoice (380) or CreditNote (381) of a document, EN 16931 core (no CIUS). Element order
 * follows the UBL 2.1 schemas: each child is written where the schema's sequence puts it.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { type BuyerAddress, documentPeriod, type InvoiceDocument } from '../../core/documents/invoice-document.js';
import {
  amountText,
  en16931Specification,
  exemptionReason,
  discountReasonCode,
  linePrice,
  paymentMeans,
  sellerLegalInformation,
  serializeOptions,
  typeCode,
  unitCode,
  writableDocument,
} from './common.js';

const ns = {
  invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};

/** The UBL XML of `input`, UTF-8. Throws a UserError (exit 65) listing its problems when it is not a valid document. */
export function writeUbl(input: InvoiceDocument): string {
  const doc = writableDocument(input);
  const invoice = doc.kind === 'invoice';
  const currency = doc.currency;
  const money = (minor: number) => amountText(minor, currency);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(invoice ? ns.invoice : ns.creditNote, invoice ? 'Invoice' : 'CreditNote', {
    'xmlns:cac': ns.cac,
    'xmlns:cbc': ns.cbc,
  });
  const cbc = (parent: XMLBuilder, name: string, text: string, attributes?: Record<string, string>) =>
    parent.ele(ns.cbc, `cbc:${name}`, attributes).txt(text).up();
  const cac = (parent: XMLBuilder, name: string) => parent.ele(ns.cac, `cac:${name}`);
  const amount = (parent: XMLBuilder, name: string, minor: number) => cbc(parent, name, money(minor), { currencyID: currency });
  const vatScheme = (parent: XMLBuilder) => cbc(cac(parent, 'TaxScheme'), 'ID', 'VAT');

  cbc(root, 'CustomizationID', en16931Specification);
  cbc(root, 'ID', doc.number);
  cbc(root, 'IssueDate', doc.issueDate);
  // a CreditNote has no DueDate of its own (BT-9 would be in PaymentMeans), and memberctl's have nothing to pay
  if (invoice && doc.dueDate !== null) cbc(root, 'DueDate', doc.dueDate);
  cbc(root, invoice ? 'InvoiceTypeCode' : 'CreditNoteTypeCode', typeCode(doc));
  // BT-22: a credit note's reason, its Note (between the type code and the currency in UBL's sequence)
  if (doc.kind === 'credit_note' && doc.reason) cbc(root, 'Note', doc.reason);
  const legal = sellerLegalInformation(doc);
  cbc(root, 'DocumentCurrencyCode', currency);
  const period = documentPeriod(doc.lines);
  const invoicePeriod = cac(root, 'InvoicePeriod');
  cbc(invoicePeriod, 'StartDate', period.start);
  cbc(invoicePeriod, 'EndDate', period.end);
  if (doc.kind === 'credit_note') {
    const reference = cac(cac(root, 'BillingReference'), 'InvoiceDocumentReference');
    cbc(reference, 'ID', doc.corrects.number);
    cbc(reference, 'IssueDate', doc.corrects.issueDate);
  }

  const seller = cac(cac(root, 'AccountingSupplierParty'), 'Party');
  if (doc.seller.email !== null) cbc(seller, 'EndpointID', doc.seller.email, { schemeID: 'EM' });
  cbc(cac(seller, 'PartyName'), 'Name', doc.seller.name);
  address(cac(seller, 'PostalAddress'), doc.seller.address, cbc, cac);
  if (doc.seller.vatId !== null) {
    const scheme = cac(seller, 'PartyTaxScheme');
    cbc(scheme, 'CompanyID', doc.seller.vatId);
    vatScheme(scheme);
  }
  if (doc.seller.taxRegistrationId !== null) {
    const scheme = cac(seller, 'PartyTaxScheme');
    cbc(scheme, 'CompanyID', doc.seller.taxRegistrationId);
    cbc(cac(scheme, 'TaxScheme'), 'ID', 'FC');
  }
  const sellerEntity = cac(seller, 'PartyLegalEntity');
  cbc(sellerEntity, 'RegistrationName', doc.seller.name);
  if (doc.seller.siren !== null) cbc(sellerEntity, 'CompanyID', doc.seller.siren, { schemeID: '0002' });
  if (legal !== null) cbc(sellerEntity, 'CompanyLegalForm', legal);
  if (doc.seller.email !== null) cbc(cac(seller, 'Contact'), 'ElectronicMail', doc.seller.email);

  const buyer = cac(cac(root, 'AccountingCustomerParty'), 'Party');
  if (doc.buyer.email !== null) cbc(buyer, 'EndpointID', doc.buyer.email, { schemeID: 'EM' });
  // BT-46, the buyer identifier: the member number
  if (doc.buyer.memberNumber) cbc(cac(buyer, 'PartyIdentification'), 'ID', doc.buyer.memberNumber);
  cbc(cac(buyer, 'PartyName'), 'Name', doc.buyer.name);
  address(cac(buyer, 'PostalAddress'), doc.buyer.address, cbc, cac);
  if (doc.buyer.vatId !== null) {
    const scheme = cac(buyer, 'PartyTaxScheme');
    cbc(scheme, 'CompanyID', doc.buyer.vatId);
    vatScheme(scheme);
  }
  const buyerEntity = cac(buyer, 'PartyLegalEntity');
  cbc(buyerEntity, 'RegistrationName', doc.buyer.name);
  if (doc.buyer.siren !== null) cbc(buyerEntity, 'CompanyID', doc.buyer.siren, { schemeID: '0002' });
  if (doc.buyer.attention !== null || doc.buyer.email !== null) {
    const contact = cac(buyer, 'Contact');
    if (doc.buyer.attention !== null) cbc(contact, 'Name', doc.buyer.attention);
    if (doc.buyer.email !== null) cbc(contact, 'ElectronicMail', doc.buyer.email);
  }

  const means = paymentMeans(doc);
  if (means !== null) {
    const element = cac(root, 'PaymentMeans');
    cbc(element, 'PaymentMeansCode', means.code);
    cbc(element, 'PaymentID', doc.number);
    const account = cac(element, 'PayeeFinancialAccount');
    cbc(account, 'ID', means.iban);
    if (means.bic !== null) cbc(cac(account, 'FinancialInstitutionBranch'), 'ID', means.bic);
  }
  if (doc.paymentTerms !== null) cbc(cac(root, 'PaymentTerms'), 'Note', doc.paymentTerms);

  const taxTotal = cac(root, 'TaxTotal');
  amount(taxTotal, 'TaxAmount', doc.totals.tax);
  for (const subtotal of doc.totals.vat) {
    const element = cac(taxTotal, 'TaxSubtotal');
    amount(element, 'TaxableAmount', subtotal.base);
    amount(element, 'TaxAmount', subtotal.tax);
    const category = cac(element, 'TaxCategory');
    cbc(category, 'ID', subtotal.category);
    cbc(category, 'Percent', subtotal.rate);
    const reason = exemptionReason(subtotal.category, doc);
    if (reason?.code) cbc(category, 'TaxExemptionReasonCode', reason.code);
    if (reason !== null) cbc(category, 'TaxExemptionReason', reason.text);
    vatScheme(category);
  }

  const totals = cac(root, 'LegalMonetaryTotal');
  amount(totals, 'LineExtensionAmount', doc.totals.net);
  amount(totals, 'TaxExclusiveAmount', doc.totals.net);
  amount(totals, 'TaxInclusiveAmount', doc.totals.total);
  if (doc.totals.paid !== 0) amount(totals, 'PrepaidAmount', doc.totals.paid);
  amount(totals, 'PayableAmount', doc.totals.due);

  doc.lines.forEach((line, i) => {
    const element = cac(root, invoice ? 'InvoiceLine' : 'CreditNoteLine');
    cbc(element, 'ID', String(i + 1));
    cbc(element, invoice ? 'InvoicedQuantity' : 'CreditedQuantity', String(line.quantity), { unitCode });
    amount(element, 'LineExtensionAmount', line.net);
    const linePeriod = cac(element, 'InvoicePeriod');
    cbc(linePeriod, 'StartDate', line.periodStart);
    cbc(linePeriod, 'EndDate', line.periodEnd);
    if (line.discount) {
      // BG-27: the discount as a line allowance, the price (BT-146) being before it
      const allowance = cac(element, 'AllowanceCharge');
      cbc(allowance, 'ChargeIndicator', 'false');
      cbc(allowance, 'AllowanceChargeReasonCode', discountReasonCode);
      cbc(allowance, 'AllowanceChargeReason', line.discount.reason);
      amount(allowance, 'Amount', line.discount.amount);
    }
    const item = cac(element, 'Item');
    cbc(item, 'Name', line.description);
    const category = cac(item, 'ClassifiedTaxCategory');
    cbc(category, 'ID', line.vatCategory);
    cbc(category, 'Percent', line.vatRate);
    vatScheme(category);
    const { price, baseQuantity } = linePrice(line, currency);
    const priceElement = cac(element, 'Price');
    cbc(priceElement, 'PriceAmount', price, { currencyID: currency });
    if (baseQuantity !== null) cbc(priceElement, 'BaseQuantity', String(baseQuantity), { unitCode });
  });
  return root.end(serializeOptions);
}

function address(
  element: XMLBuilder,
  value: BuyerAddress,
  cbc: (parent: XMLBuilder, name: string, text: string) => XMLBuilder,
  cac: (parent: XMLBuilder, name: string) => XMLBuilder,
): void {
  const [street, additional, third] = value.lines;
  if (street !== undefined) cbc(element, 'StreetName', street);
  if (additional !== undefined) cbc(element, 'AdditionalStreetName', additional);
  if (value.city !== null) cbc(element, 'CityName', value.city);
  if (value.postcode !== null) cbc(element, 'PostalZone', value.postcode);
  if (third !== undefined) cbc(cac(element, 'AddressLine'), 'Line', third);
  cbc(cac(element, 'Country'), 'IdentificationCode', value.country);
}
