import { describe, expect, it } from 'vitest';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { writeUbl } from '../../src/writers/einvoice/ubl.js';
import { validateCiiSchema, validateEn16931 } from '../helpers/einvoice.js';
import { scenarios } from '../helpers/invoice-documents.js';

// The validation can fail: documents broken on purpose give the rules that should catch them.
const doc = scenarios['a partly paid invoice']!;
const fatalIds = (xml: string, syntax: 'cii' | 'ubl') =>
  [...new Set(validateEn16931(xml, syntax).filter((a) => a.flag === 'fatal').map((a) => a.id))].sort();

/** `xml` with the one occurrence of `from` replaced; fails the test if there is not exactly one. */
function tamper(xml: string, from: string, to: string): string {
  expect(xml.split(from).length - 1).toBe(1);
  return xml.replace(from, to);
}

describe('the EN 16931 validation', () => {
  it('CII: a grand total that is not net + VAT breaks BR-CO-15, and the amount due then breaks BR-CO-16', () => {
    const xml = writeCii(doc);
    expect(xml).toContain('<ram:GrandTotalAmount>240.00</ram:GrandTotalAmount>');
    const broken = tamper(xml, '<ram:GrandTotalAmount>240.00</ram:GrandTotalAmount>', '<ram:GrandTotalAmount>240.01</ram:GrandTotalAmount>');
    expect(fatalIds(broken, 'cii')).toEqual(['BR-CO-15', 'BR-CO-16']);
  });

  it('CII: a line net that does not add up to the line total breaks BR-CO-10 and BR-S-08', () => {
    const broken = tamper(writeCii(doc), '<ram:LineTotalAmount>200.00</ram:LineTotalAmount>\n        </ram:SpecifiedTradeSettlementLineMonetarySummation>', '<ram:LineTotalAmount>199.99</ram:LineTotalAmount>\n        </ram:SpecifiedTradeSettlementLineMonetarySummation>');
    expect(fatalIds(broken, 'cii')).toEqual(['BR-CO-10', 'BR-S-08']);
  });

  it('UBL: a VAT subtotal one euro away from base x rate breaks BR-CO-17 and BR-S-09 (and BR-CO-14, the VAT total)', () => {
    const broken = tamper(writeUbl(doc), '<cbc:TaxAmount currencyID="EUR">40.00</cbc:TaxAmount>\n      <cac:TaxCategory>', '<cbc:TaxAmount currencyID="EUR">41.00</cbc:TaxAmount>\n      <cac:TaxCategory>');
    expect(fatalIds(broken, 'ubl')).toEqual(['BR-CO-14', 'BR-CO-17', 'BR-S-09']);
  });

  it('UBL: an amount due that ignores the payment already made breaks BR-CO-16', () => {
    const broken = tamper(writeUbl(doc), '<cbc:PayableAmount currencyID="EUR">140.00</cbc:PayableAmount>', '<cbc:PayableAmount currencyID="EUR">240.00</cbc:PayableAmount>');
    expect(fatalIds(broken, 'ubl')).toEqual(['BR-CO-16']);
  });

  it('UBL: a reverse charge invoice without the buyer VAT identifier breaks BR-AE-02', () => {
    const xml = writeUbl(scenarios['reverse charge to a Belgian company']!);
    const broken = xml.replace(/<cac:AccountingCustomerParty>[\s\S]*?<cac:PartyTaxScheme>[\s\S]*?<\/cac:PartyTaxScheme>/, (m) => m.replace(/<cac:PartyTaxScheme>[\s\S]*<\/cac:PartyTaxScheme>/, ''));
    expect(broken).not.toBe(xml);
    expect(fatalIds(broken, 'ubl')).toContain('BR-AE-02');
  });

  it('the CII schema refuses an element out of its place', () => {
    const xml = writeCii(doc);
    expect(validateCiiSchema(xml).valid).toBe(true);
    const broken = tamper(xml, '<ram:TypeCode>380</ram:TypeCode>', '<ram:TypeCode>380</ram:TypeCode><ram:ID>again</ram:ID>');
    const result = validateCiiSchema(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(/Element '\{[^}]+\}ID': This element is not expected/);
  });
});
