import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breakdownDeviation,
  checkInvoiceDocument,
  type DocumentLine,
  documentTotals,
  type VatCategory,
  vatBreakdown,
} from '../../src/core/documents/invoice-document.js';
import { applyRate } from '../../src/core/kernel/money.js';
import { exemptAssociation, invoice, line, scenarios } from '../helpers/invoice-documents.js';

const problems = (doc: unknown) => {
  const check = checkInvoiceDocument(doc);
  return check.ok ? [] : check.problems;
};

describe('vatBreakdown', () => {
  it('groups by category and rate, S first by rate descending, then Z, E, AE', () => {
    const doc = scenarios['several VAT rates on one invoice']!;
    expect(vatBreakdown(doc.lines)).toEqual([
      { category: 'S', rate: '20', base: 21500, tax: 4300 },
      { category: 'S', rate: '10', base: 3750, tax: 375 },
      { category: 'S', rate: '5.5', base: 499, tax: 27 },
      { category: 'Z', rate: '0', base: 290, tax: 0 },
    ]);
  });

  it('keeps the per-line rounding of the stored invoice: three lines of 0.03 at 20% have 0.03 of VAT, not 0.02', () => {
    const doc = scenarios['per-line rounding that BR-CO-17 computes differently']!;
    const [subtotal] = vatBreakdown(doc.lines);
    expect(subtotal).toEqual({ category: 'S', rate: '20', base: 9, tax: 3 });
    // BR-CO-17 computes round(0.09 x 20%) = 0.02: a deviation of one cent, within its tolerance of one euro
    expect(applyRate(9, '20')).toBe(2);
    expect(breakdownDeviation(subtotal!)).toBe(1);
    expect(doc.totals.tax).toBe(3);
  });

  it('treats "5.5" and "5.50" as one rate', () => {
    const a = line({ description: 'a', unitPrice: 1000, rate: '5.5', periodStart: '2026-01-01', periodEnd: '2026-01-31' });
    expect(vatBreakdown([a, { ...a, vatRate: '5.50' }])).toEqual([{ category: 'S', rate: '5.5', base: 2000, tax: 110 }]);
  });
});

describe('checkInvoiceDocument', () => {
  it.each(Object.entries(scenarios))('accepts %s', (_name, doc) => {
    expect(problems(doc)).toEqual([]);
  });

  it('refuses per-line taxes one unit of the currency away from base x rate (BR-CO-17): two 5 yen lines at 10%', () => {
    const lines = [1, 2].map((n) =>
      line({ description: `Café ${n}`, unitPrice: 5, rate: '10', periodStart: '2026-03-01', periodEnd: '2026-03-01' }),
    );
    expect(lines.map((l) => l.tax)).toEqual([1, 1]);
    const doc = invoice({ number: 'INV-2026-00099', currency: 'JPY', lines });
    expect(problems(doc)).toEqual([
      "totals.vat.0: the S 10% lines' taxes add up to 2, 1 from 10% of 10: EN 16931 tolerates less than one unit of the currency (BR-CO-17)",
    ]);
  });

  it('says which totals do not add up', () => {
    const doc = scenarios['a partly paid invoice']!;
    expect(problems({ ...doc, totals: { ...doc.totals, total: doc.totals.total + 1 } })).toEqual(['totals.total: totals.total is 24001, the lines give 24000']);
    expect(problems({ ...doc, totals: { ...doc.totals, due: doc.totals.total } })).toEqual(['totals.due: totals.due is 24000, the lines give 14000']);
  });

  it('refuses a line tax that is not the billing rule\'s', () => {
    const doc = scenarios['a catch-up invoice of several periods']!;
    const lines = doc.lines.map((l, i) => (i === 1 ? { ...l, tax: l.tax + 1 } : l));
    expect(problems({ ...doc, lines, totals: documentTotals(lines, 0) })).toEqual(['lines.1.tax: line 2: tax 4001 is not 20% of 20000 (4000)']);
  });

  it('requires what each VAT category requires', () => {
    const exempt = scenarios['an exempt association']!;
    expect(problems({ ...exempt, seller: { ...exemptAssociation, vatExemptionText: null } })).toEqual([
      'seller.vatExemptionText: an exempt line (E) needs the exemption text (BR-E-10)',
    ]);
    expect(problems({ ...exempt, seller: { ...exemptAssociation, taxRegistrationId: null } })).toEqual([
      'seller.vatId: an exempt line (E) needs the seller VAT identifier or tax registration (BR-E-02)',
    ]);
    const reverse = scenarios['reverse charge to a Belgian company']!;
    expect(problems({ ...reverse, buyer: { ...reverse.buyer, vatId: null } })).toEqual([
      'buyer.vatId: a reverse charge line (AE) needs the buyer VAT identifier (BR-AE-02)',
    ]);
    const lines = reverse.lines.map((l) => ({ ...l, vatRate: '20' }));
    expect(problems({ ...reverse, lines })).toContain('lines.0.vatRate: line 1: category AE has a rate of 0, not 20');
  });

  it('checks identifiers and refuses what XML cannot carry', () => {
    const doc = scenarios['a company payer consolidating several members']!;
    expect(problems({ ...doc, buyer: { ...doc.buyer, siren: '401234563' } })).toEqual(['buyer.siren: not a SIREN (its check digit is wrong)']);
    expect(problems({ ...doc, seller: { ...doc.seller, iban: 'FR7630006000011234567890188' } })).toEqual([
      'seller.iban: not an IBAN (its check digits are wrong)',
    ]);
    expect(problems({ ...doc, buyer: { ...doc.buyer, name: 'Atelier\u0007' } })).toEqual(['buyer.name: the buyer name contains a control character']);
    expect(problems({ ...doc, currency: 'KWD' })).toContain('currency: KWD has 3 decimals; EN 16931 amounts have at most 2 (BR-DEC)');
  });

  it('a credit note names the invoice it corrects and carries positive amounts', () => {
    const { corrects: _, ...withoutReference } = scenarios['a credit note'] as Extract<(typeof scenarios)[string], { kind: 'credit_note' }>;
    expect(problems(withoutReference)).toEqual(['corrects: Invalid input: expected object, received undefined']);
    const doc = scenarios['a credit note']!;
    const negative = doc.lines.map((l) => ({ ...l, net: -l.net, tax: -l.tax }));
    expect(problems({ ...doc, lines: negative })).toContain('lines.0.net: line 1: net -20000 and quantity 1 differ in sign: only a credit line (a negative quantity) has a negative amount');
    const credits = doc.lines.map((l) => ({ ...l, quantity: -l.quantity, net: -l.net, tax: -l.tax }));
    const totals = { ...doc.totals, net: -doc.totals.net, tax: -doc.totals.tax, total: -doc.totals.total, vat: doc.totals.vat.map((v) => ({ ...v, base: -v.base, tax: -v.tax })) };
    expect(problems({ ...doc, lines: credits, totals: { ...totals, due: totals.total } })).toContain('totals.total: negative total (a credit note carries positive amounts)');
  });

  it("a credit note's reason is optional, never empty, and carries no control character", () => {
    const doc = scenarios['a credit note'] as Extract<(typeof scenarios)[string], { kind: 'credit_note' }>;
    const { reason: _, ...withoutReason } = doc;
    expect(problems(withoutReason)).toEqual([]);
    expect(problems({ ...doc, reason: null })).toEqual([]);
    expect(problems({ ...doc, reason: '  ' })).toEqual(['reason: the reason is empty']);
    expect(problems({ ...doc, reason: 'wrong\u0007plan' })).toEqual(['reason: the reason contains a control character']);
    const check = checkInvoiceDocument({ ...doc, reason: '  billed twice ' });
    expect(check.ok && check.document.kind === 'credit_note' && check.document.reason).toBe('billed twice');
  });

  it('an invoice may carry credit lines: a negative quantity with a negative amount', () => {
    const doc = scenarios['a credit note']!;
    const { corrects: _, reason: _reason, ...fields } = doc as Extract<typeof doc, { kind: 'credit_note' }>;
    const credit = { ...doc.lines[0]!, quantity: -1, net: -doc.lines[0]!.net, tax: -doc.lines[0]!.tax };
    const lines = [...doc.lines, credit];
    const invoice = { ...fields, kind: 'invoice' as const, dueDate: doc.issueDate, lines, totals: documentTotals(lines, 0) };
    expect(problems(invoice)).toEqual([]);
  });
});

describe('the breakdown and the totals, for any lines', () => {
  const categories: VatCategory[] = ['S', 'Z', 'E', 'AE'];
  const anyLine = fc
    .record({
      unitPrice: fc.integer({ min: 0, max: 5_000_000 }),
      quantity: fc.integer({ min: 1, max: 20 }),
      category: fc.constantFrom(...categories),
      rate: fc.constantFrom('20', '10', '8.5', '5.5', '2.1', '0.9', '7.6543'),
      proration: fc.option(fc.integer({ min: 28, max: 366 }).chain((fullDays) => fc.record({ days: fc.integer({ min: 1, max: fullDays }), fullDays: fc.constant(fullDays) })), { nil: undefined }),
    })
    .map(({ unitPrice, quantity, category, rate, proration }): DocumentLine =>
      line({ description: 'x', unitPrice, quantity, category, rate: category === 'S' ? rate : '0', proration, periodStart: '2026-01-01', periodEnd: '2026-01-31' }),
    );

  it('sum exactly, to the cent, to what the invoicing job stores', () => {
    fc.assert(
      fc.property(fc.array(anyLine, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 100 }), (lines, paidPercent) => {
        // each line as the invoicing job stores it (lineAmounts), the invoice's totals as the sums of its lines
        const net = lines.reduce((s, l) => s + l.net, 0);
        const tax = lines.reduce((s, l) => s + l.tax, 0);
        const breakdown = vatBreakdown(lines);
        expect(breakdown.reduce((s, b) => s + b.base, 0)).toBe(net);
        expect(breakdown.reduce((s, b) => s + b.tax, 0)).toBe(tax);
        const paid = Math.floor(((net + tax) * paidPercent) / 100);
        const totals = documentTotals(lines, paid);
        expect(totals).toMatchObject({ net, tax, total: net + tax, paid, due: net + tax - paid });
        for (const b of breakdown) {
          // each line rounds by at most half a minor unit: the breakdown is within half a unit per line of base x rate
          const count = lines.filter((l) => l.vatCategory === b.category && l.vatRate === b.rate).length;
          expect(Math.abs(breakdownDeviation(b))).toBeLessThanOrEqual(Math.ceil(count / 2));
          if (b.category !== 'S') expect(b.tax).toBe(0);
        }
      }),
    );
  });
});
