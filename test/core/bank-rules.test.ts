import { describe, expect, it } from 'vitest';
import { ResemblingNames } from '../../src/core/bank/name-index.js';
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

describe('the names that resemble a debtor, found through an index', () => {
  const firsts = ['Jean', 'Jeanne', 'Marie', 'Paul', 'Pauline', 'Léa', 'Lea', 'Luc', 'Anne', 'Jan', 'Éloïse'];
  const lasts = ['Dupont', 'Dupond', 'Martin', 'Martins', 'Ørsted', 'Curie', 'Moreau', 'Morel', 'Lefebvre', 'Le Febvre'];
  const payers = [...firsts.flatMap((f) => lasts.map((l) => `${f} ${l}`)), ...lasts, 'Cowork Lumière SARL', 'Jean-Paul Dupont', 'M. et Mme Martin', ''];
  const debtors = [
    ...payers,
    ...payers.map((p) => p.toUpperCase().split(' ').reverse().join(' ')),
    'M. JEAN DUPONT',
    'JEAN DUPOMT',
    'JAEN DUPONT',
    'MARTIN',
    'VIR SEPA M PAUL MARTIN',
    'SARL COWORK LUMIERE',
    'DUPONT JEAN PAUL',
    'Inconnu',
    '',
    'Xq Zw',
  ];
  const index = new ResemblingNames(payers, (name) => name);

  it('gives every name that resembles, as comparing with each name does, and no other', () => {
    for (const debtor of debtors) {
      const expected = payers.filter((p) => namesResemble(debtor, p)).sort();
      expect([debtor, index.resembling(debtor).sort()]).toEqual([debtor, expected]);
    }
  });

  it('stays fast with thousands of names, and stops when asked to', () => {
    const syllables = ['ba', 'cor', 'del', 'fi', 'gan', 'hu', 'jes', 'kal', 'lom', 'mir', 'nod', 'pra', 'quin', 'ros', 'sul', 'tev', 'ur', 'vos', 'wal', 'zim'];
    const name = (i: number) => `${syllables[i % 20]}${syllables[(i >> 3) % 20]} ${syllables[(i >> 5) % 20]}${syllables[(i >> 9) % 20]}${syllables[(i >> 13) % 20]}`;
    const people = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: name(i) }));
    const many = new ResemblingNames(people, (item) => item.name);
    const started = performance.now();
    for (let i = 0; i < 20_000; i += 7) {
      const found = many.resembling(name(i).toUpperCase().split(' ').reverse().join(' '));
      expect(found.map((p) => p.id)).toContain(i);
      expect(found.length).toBeLessThan(200);
    }
    // compared with each of the 20,000 names, the 2,858 names take about a thousand times longer (some 20 minutes); the
    // bounds leave room for a busy machine
    expect(performance.now() - started).toBeLessThan(30_000);
    // numbered names are all a typo or two apart: the visit stops at the second that resembles
    const numbered = new ResemblingNames(
      Array.from({ length: 20_000 }, (_, i) => `Member ${i}`),
      (n) => n,
    );
    const quick = performance.now();
    for (let i = 0; i < 2_000; i += 1) {
      let seen = 0;
      numbered.visit(`MEMBER ${i * 10 + 7}`, () => ++seen === 2);
      expect(seen).toBe(2);
    }
    expect(performance.now() - quick).toBeLessThan(30_000);
  }, 120_000);
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
