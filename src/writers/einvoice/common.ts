/**
 * What the CII and UBL writers share: the document checked before writing, amounts and prices from minor units
 * (never through floating point), the payment means, the exemption reason of each VAT category.
 */
import {
  checkInvoiceDocument,
  type DocumentLine,
  type InvoiceDocument,
  reverseChargeText,
  type VatCategory,
} from '../../core/documents/invoice-document.js';
import { formatAmount } from '../../core/kernel/money.js';
import { dataError } from '../../errors.js';

/** The EN 16931 core specification, without extension: BT-24 of both syntaxes. */
export const en16931Specification = 'urn:cen.eu:en16931:2017';

/** UNTDID 1001: commercial invoice and credit note. */
export const typeCode = (doc: InvoiceDocument) => (doc.kind === 'invoice' ? '380' : '381');

/** UN/ECE Recommendation 20: "one" (a membership period is counted in units). */
export const unitCode = 'C62';

/** The document, checked: a UserError (exit 65) listing every problem, so that no invalid e-invoice is written. */
export function writableDocument(doc: InvoiceDocument): InvoiceDocument {
  const check = checkInvoiceDocument(doc);
  if (!check.ok) {
    throw dataError(`${doc.number} cannot be written as an EN 16931 e-invoice: ${check.problems.join('; ')}`);
  }
  return check.document;
}

/** "1234.50" for 123450 EUR, "1200" for 1200 JPY: exact, from the integer. */
export const amountText = (minor: number, currency: string) => formatAmount(minor, currency);

/**
 * The net price of a line (BT-146) and its base quantity (BT-149), so that quantity x price / base quantity is
 * exactly the stored net: the unit price when the net is quantity x unit price, else (a prorated period) the net
 * per unit when it divides exactly, else the whole net for the line's quantity.
 */
export function linePrice(line: DocumentLine, currency: string): { price: string; baseQuantity: number | null } {
  // a discounted line's price is before its discount, the line allowance (BG-27) taking it off
  const gross = lineGross(line);
  if (gross === line.unitPrice * line.quantity) return { price: amountText(line.unitPrice, currency), baseQuantity: null };
  if (gross % line.quantity === 0) return { price: amountText(gross / line.quantity, currency), baseQuantity: null };
  // a credit's net and quantity are both negative: the price per base quantity is not
  return { price: amountText(Math.abs(gross), currency), baseQuantity: Math.abs(line.quantity) };
}

/** A line's net before its discount: quantity x price / base quantity (`linePrice`); the net less the allowance is BT-131. */
export const lineGross = (line: DocumentLine) => line.net + (line.discount?.amount ?? 0);

/** UNTDID 5189 code 95, "Discount": the reason code of a discount's line allowance (BT-140). */
export const discountReasonCode = '95';

/**
 * The payment means (BG-16) of an invoice paid by transfer to the seller's IBAN: 58 (SEPA credit transfer) in
 * euros, 30 (credit transfer) otherwise. None on a credit note (the seller pays it back) or without an IBAN.
 */
export function paymentMeans(doc: InvoiceDocument): { code: '58' | '30'; iban: string; bic: string | null } | null {
  if (doc.kind !== 'invoice' || doc.seller.iban === null) return null;
  return { code: doc.currency === 'EUR' ? '58' : '30', iban: doc.seller.iban, bic: doc.seller.bic };
}

/** The exemption reason of a VAT category (BT-120, BT-121): required for E and AE, forbidden for S and Z. */
export function exemptionReason(category: VatCategory, doc: InvoiceDocument): { text: string; code: string | null } | null {
  switch (category) {
    case 'S':
    case 'Z':
      return null;
    case 'E':
      return { text: doc.seller.vatExemptionText!, code: null };
    case 'AE':
      return { text: reverseChargeText(doc.language), code: 'VATEX-EU-AE' };
  }
}

/** The seller's additional legal information (BT-33): legal form and registration. */
export function sellerLegalInformation(doc: InvoiceDocument): string | null {
  const parts = [doc.seller.legalForm, doc.seller.registration].filter((p): p is string => p !== null);
  return parts.length === 0 ? null : parts.join(', ');
}

/** 2026-03-01 -> 20260301 (UNTDID 2379 format 102). */
export const compactDate = (date: string) => date.replaceAll('-', '');

/** Options every writer serializes with: refuse characters XML 1.0 cannot carry instead of writing them. */
export const serializeOptions = { prettyPrint: true, wellFormed: true } as const;
