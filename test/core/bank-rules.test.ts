import { describe, expect, it } from 'vitest';
import { entryKey, invoiceNumberFinder, namesResemble } from '../../src/core/bank/rules.js';

describe('invoice numbers in what payers type', () => {
  const find = invoiceNumberFinder(['INV-', 'FA/']);
  it.each([
    ['INV-2026-00012', ['INV-2026-00012']],
    ['inv 2026 12', ['INV-2026-00012']],
    ['FACT INV2026-00012', ['INV-2026-00012']],
    ['Inv.2026/0012 cotisation', ['INV-2026-00012']],
    ['VIR SEPA /INV-2026-00012/INV-2026-00013', ['INV-2026-00012', 'INV-2026-00013']],
    ['fa 2025 7 et INV-2026-1', ['FA/2025-00007', 'INV-2026-00001']],
    ['INV-2026-00012 INV 2026 12', ['INV-2026-00012']],
    ['Cotisation janvier 2026', []],
    ['RINV-2026-00012', []],
    ['INV-2026-00000', []],
    ['INV-2026-000123456789', []],
  ])('%s', (text, numbers) => {
    expect(find(text)).toEqual(numbers);
  });
});

describe('debtor names that resemble a payer', () => {
  it.each([
    ['DUPONT JEAN', 'Jean Dupont', true],
    ['M. JEAN DUPONT', 'Jean Dupont', true],
    ['MME LEA ORSTED', 'Léa Ørsted', true],
    ['Jean Dupond', 'Jean Dupont', true],
    ['SARL COWORK LUMIERE', 'Cowork Lumière', true],
    ['MARTIN', 'Paul Martin', false],
    ['Paul Martin', 'Pierre Martin', false],
    ['Inconnu', 'Jean Dupont', false],
    ['', 'Jean Dupont', false],
  ])('%s / %s: %s', (debtor, payer, expected) => {
    expect(namesResemble(debtor, payer)).toBe(expected);
  });
});

describe('the key an entry is recorded under', () => {
  const entry = { account: 'FR76', date: '2026-01-05', amount: 12_000, currency: 'EUR', direction: 'credit' as const, reference: null, endToEndId: null, label: 'VIR  Dupont' };
  it('is the bank reference on its account when there is one', () => {
    expect(entryKey({ ...entry, reference: 'R1' })).toBe('ref:FR76:R1');
  });
  it('is otherwise a hash of account, date, amount and label, blind to spacing and case', () => {
    expect(entryKey(entry)).toBe(entryKey({ ...entry, label: 'vir dupont ' }));
    expect(entryKey(entry)).not.toBe(entryKey({ ...entry, amount: 12_001 }));
    expect(entryKey(entry)).not.toBe(entryKey({ ...entry, date: '2026-01-06' }));
    expect(entryKey(entry)).not.toBe(entryKey({ ...entry, account: 'FR77' }));
  });
});
