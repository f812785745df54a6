import { describe, expect, it } from 'vitest';
import { euVatPrefixes, isReverseCharged, lineVat, type VatSeller } from '../../src/core/billing/vat-category.js';

const french: VatSeller = { country: 'FR', vatId: 'FR44732829320', vatExemption: null };
const exempt: VatSeller = { country: 'FR', vatId: null, vatExemption: 'TVA non applicable, art. 293 B du CGI' };

describe('reverse charge', () => {
  it.each([
    ['a Belgian company', 'BE0123456749', french, true],
    ['a German company', 'DE123456789', french, true],
    ['a Greek company (EL, not GR)', 'EL123456789', french, true],
    ['a French company', 'FR46401234562', french, false],
    ['a malformed Belgian number', 'BE123', french, false],
    ['a Swiss company (not in the EU)', 'CHE123456789', french, false],
    ['a British company (not in the EU)', 'GB123456789', french, false],
    ['Northern Ireland (XI is not a member state)', 'XI123456789', french, false],
    ['no VAT number', null, french, false],
    ['a seller without a VAT number of its own', 'BE0123456749', exempt, false],
    ['a Greek seller billing a Greek company', 'EL123456789', { ...french, country: 'GR', vatId: 'EL987654321' }, false],
    ['a Greek seller billing a French company', 'FR46401234562', { ...french, country: 'GR', vatId: 'EL987654321' }, true],
    ['a Swiss seller billing a Belgian company', 'BE0123456749', { ...french, country: 'CH', vatId: 'CHE123456789MWST' }, false],
  ] as const)('%s: %s', (_name, vatId, seller, expected) => {
    expect(isReverseCharged(vatId, seller)).toBe(expected);
  });

  it('knows the 27 member states', () => {
    expect(euVatPrefixes).toHaveLength(27);
    expect(new Set(euVatPrefixes).size).toBe(27);
  });
});

describe('line categories', () => {
  it.each([
    ['a taxed plan', '20', french, false, { category: 'S', rate: '20' }],
    ['a reduced rate', '5.5', french, false, { category: 'S', rate: '5.5' }],
    ['a rate of 0, not exempt', '0', french, false, { category: 'Z', rate: '0' }],
    ['a rate of 0, exempt', '0', exempt, false, { category: 'E', rate: '0' }],
    ['a taxed plan, reverse charged: rate 0', '20', french, true, { category: 'AE', rate: '0' }],
    ['a rate of 0, reverse charged', '0', french, true, { category: 'AE', rate: '0' }],
    ['a rate of 0, exempt and reverse charged: exempt stays exempt', '0', { ...french, vatExemption: 'Exonération, art. 261 du CGI' }, true, { category: 'E', rate: '0' }],
  ] as const)('%s', (_name, rate, seller, reverse, expected) => {
    expect(lineVat(rate, seller, reverse)).toEqual(expected);
  });
});
