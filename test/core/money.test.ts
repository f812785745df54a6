import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyRate,
  formatAmount,
  formatRate,
  isCurrencyCode,
  isIsoCurrency,
  minorUnits,
  multiplyRatio,
  normalizeCurrency,
  parseAmount,
  parseRate,
  rateFromScaled,
  rateToScaled,
} from '../../src/core/kernel/money.js';

describe('minorUnits', () => {
  it.each([
    ['EUR', 2],
    ['USD', 2],
    ['GBP', 2],
    ['CHF', 2],
    ['CAD', 2],
    ['AUD', 2],
    ['SEK', 2],
    ['NOK', 2],
    ['DKK', 2],
    ['PLN', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['KWD', 3],
    ['jpy', 0],
    ['XYZ', 2],
  ])('%s has %i decimals', (currency, decimals) => {
    expect(minorUnits(currency)).toBe(decimals);
  });

  it('refuses something that is not a currency code', () => {
    expect(() => minorUnits('EURO')).toThrow(RangeError);
  });
});

describe('currency codes', () => {
  it.each([
    ['EUR', true],
    ['eur', true],
    ['EU', false],
    ['EURO', false],
    ['E1R', false],
    ['', false],
  ])('isCurrencyCode(%j) is %s', (text, expected) => {
    expect(isCurrencyCode(text)).toBe(expected);
  });

  it('normalizes to upper case', () => {
    expect(normalizeCurrency(' usd ')).toBe('USD');
    expect(normalizeCurrency('dollars')).toBeNull();
  });

  it.each([
    ['EUR', true],
    ['chf', true],
    ['JPY', true],
    ['XYZ', false],
    ['EUO', false],
  ])('isIsoCurrency(%j) is %s: three letters are not enough', (text, expected) => {
    expect(isIsoCurrency(text)).toBe(expected);
    expect(normalizeCurrency(text) !== null).toBe(expected);
  });
});

describe('parseAmount', () => {
  it.each([
    ['49', 'EUR', 4900],
    ['49.5', 'EUR', 4950],
    ['49,50', 'EUR', 4950],
    ['49.05', 'EUR', 4905],
    ['0.05', 'EUR', 5],
    ['1 234,56', 'EUR', 123456],
    ['1\u00a0234,56', 'EUR', 123456],
    ['1\u202f234,56', 'EUR', 123456],
    ['1,234.56', 'USD', 123456],
    ['1.234,56', 'EUR', 123456],
    ['1.234.567,89', 'EUR', 123456789],
    ['1,234,567', 'USD', 123456700],
    ["1'234.50", 'CHF', 123450],
    ['-12.00', 'EUR', -1200],
    ['\u221212,00', 'EUR', -1200],
    ['+3', 'EUR', 300],
    ['€ 49', 'EUR', 4900],
    ['€49', 'EUR', 4900],
    ['49 €', 'EUR', 4900],
    ['-€ 49', 'EUR', -4900],
    ['€ -49', 'EUR', -4900],
    ['49.00 EUR', 'EUR', 4900],
    ['49.00 eur', 'EUR', 4900],
    ['EUR 49', 'EUR', 4900],
    ['$1,200.00', 'USD', 120000],
    ['CA$ 12', 'CAD', 1200],
    ['£7.5', 'GBP', 750],
    ['  49  ', 'EUR', 4900],
    ['007', 'EUR', 700],
    ['-0', 'EUR', 0],
    // thousands separators that cannot be decimals
    ['1.005,50', 'EUR', 100550],
    ['1,005.50', 'USD', 100550],
    ['12.345.678', 'EUR', 1234567800],
    ['1 005', 'EUR', 100500],
    ["1'005", 'CHF', 100500],
    // a single separator followed by exactly three digits is a thousands separator in a currency without decimals
    ['1.234', 'JPY', 1234],
    // ... and the decimal separator in a 3-decimal currency
    ['1,234', 'KWD', 1234],
    ['1.5', 'KWD', 1500],
    ['49', 'JPY', 49],
    ['¥ 1,000', 'JPY', 1000],
    ['1 000', 'JPY', 1000],
  ])('reads %j in %s as %i minor units', (text, currency, expected) => {
    expect(parseAmount(text, currency)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'EUR', 'empty'],
    ['   ', 'EUR', 'empty'],
    ['abc', 'EUR', 'invalid'],
    ['1.2.3', 'EUR', 'invalid'],
    ['1,2,3', 'EUR', 'invalid'],
    ['12 34', 'EUR', 'invalid'],
    ['1 234.567,89', 'EUR', 'invalid'],
    ['1.234,56.7', 'EUR', 'invalid'],
    ['49.', 'EUR', 'invalid'],
    ['.5', 'EUR', 'invalid'],
    ['4 9 €', 'EUR', 'invalid'],
    ['--4', 'EUR', 'invalid'],
    ['1e3', 'EUR', 'invalid'],
    ['0x10', 'EUR', 'invalid'],
    ['49,5 0', 'EUR', 'invalid'],
    ['1.2345', 'EUR', 'too_many_decimals'],
    ['0.123', 'EUR', 'too_many_decimals'],
    ['1234.567', 'EUR', 'too_many_decimals'],
    ['1,234.567', 'EUR', 'too_many_decimals'],
    ['1.5', 'JPY', 'too_many_decimals'],
    ['49.00', 'JPY', 'too_many_decimals'],
    ['1.2345', 'KWD', 'too_many_decimals'],
    ['0.125', 'EUR', 'too_many_decimals'],
    ['1200.005', 'EUR', 'too_many_decimals'],
    // a single separator followed by exactly three digits: thousands, or a mistyped third decimal?
    ['1.005', 'EUR', 'ambiguous'],
    ['1,005', 'EUR', 'ambiguous'],
    ['1,234', 'EUR', 'ambiguous'],
    ['1.234', 'EUR', 'ambiguous'],
    ['1,000', 'USD', 'ambiguous'],
    ['-1.005', 'EUR', 'ambiguous'],
    ['€ 1.005', 'EUR', 'ambiguous'],
    ['1.005 EUR', 'EUR', 'ambiguous'],
    ['49 USD', 'EUR', 'currency_mismatch'],
    ['$49', 'EUR', 'currency_mismatch'],
    ['€ 49', 'USD', 'currency_mismatch'],
    ['99999999999999999', 'EUR', 'out_of_range'],
  ])('rejects %j in %s (%s)', (text, currency, reason) => {
    const result = parseAmount(text, currency);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.message).not.toBe('');
    }
  });

  it.each([
    ['1.005', 'EUR', '1005', '1.01'],
    ['1,005', 'EUR', '1005', '1,01'],
    ['1.234', 'USD', '1234', '1.23'],
    ['999,999', 'EUR', '999999', '1000,00'],
    ['-12.340', 'EUR', '-12340', '-12.34'],
    ['$1,000', 'USD', '1000', '1,00'],
  ])('says how to write %j in %s without ambiguity: %s or %s', (text, currency, whole, decimal) => {
    const result = parseAmount(text, currency);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('ambiguous');
    expect(result.message).toContain(`write ${whole} or ${decimal} `);
    expect(result.message).toContain(`${currency} amounts have at most 2 decimals`);
  });

  it.each(['20%', '5,5 %', '€ 20%'])('says that %j is a percentage, not an amount', (text) => {
    expect(parseAmount(text, 'EUR')).toEqual({ ok: false, reason: 'invalid', message: `"${text}" is a percentage, not an amount` });
  });

  it('round-trips formatted EUR and JPY amounts', () => {
    for (const currency of ['EUR', 'JPY', 'KWD']) {
      fc.assert(
        fc.property(fc.maxSafeInteger(), (minor) => {
          expect(parseAmount(formatAmount(minor, currency), currency)).toEqual({ ok: true, value: minor });
        }),
      );
    }
  });
});

describe('formatAmount', () => {
  it.each([
    [4900, 'EUR', '49.00'],
    [4950, 'EUR', '49.50'],
    [5, 'EUR', '0.05'],
    [0, 'EUR', '0.00'],
    [-0, 'EUR', '0.00'],
    [-1200, 'EUR', '-12.00'],
    [-5, 'EUR', '-0.05'],
    [123456789, 'USD', '1234567.89'],
    [49, 'JPY', '49'],
    [-49, 'JPY', '-49'],
    [1234, 'KWD', '1.234'],
  ])('writes %i %s as %j', (minor, currency, expected) => {
    expect(formatAmount(minor, currency)).toBe(expected);
  });

  it('refuses a fractional or unsafe amount', () => {
    expect(() => formatAmount(49.5, 'EUR')).toThrow(RangeError);
    expect(() => formatAmount(2 ** 53, 'EUR')).toThrow(RangeError);
  });
});

describe('multiplyRatio', () => {
  it('prorates 17 of 31 days of 100.00 to 54.84', () => {
    expect(formatAmount(multiplyRatio(10000, 17, 31), 'EUR')).toBe('54.84');
  });

  it.each([
    [10000, 17, 31, 5484],
    [10000, 14, 31, 4516],
    [4900, 3, 1, 14700],
    [1, 1, 2, 1],
    [3, 1, 2, 2],
    [1, 1, 3, 0],
    [2, 1, 3, 1],
    [-1, 1, 2, -1],
    [-3, 1, 2, -2],
    [-1, 1, 3, 0],
    [1, -1, 2, -1],
    [1, 1, -2, -1],
    [0, 5, 7, 0],
  ])('%i x %i / %i = %i (half away from zero)', (amount, numerator, denominator, expected) => {
    expect(multiplyRatio(amount, numerator, denominator)).toBe(expected);
  });

  it('is exact where floating point is not', () => {
    // 9007199254740991 x 3 exceeds 2^53; the exact quotient by 3 is the amount itself
    expect(multiplyRatio(Number.MAX_SAFE_INTEGER, 3, 3)).toBe(Number.MAX_SAFE_INTEGER);
    expect(multiplyRatio(Number.MAX_SAFE_INTEGER, 1_000_000, 3_000_000)).toBe(3002399751580330);
  });

  it('refuses a zero denominator, non-integers and results beyond 2^53', () => {
    expect(() => multiplyRatio(100, 1, 0)).toThrow(RangeError);
    expect(() => multiplyRatio(100.5, 1, 2)).toThrow(RangeError);
    expect(() => multiplyRatio(Number.MAX_SAFE_INTEGER, 2, 1)).toThrow(RangeError);
  });

  it('returns the amount for a ratio of one', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 1, max: 1_000_000 }), (amount, d) => {
        expect(multiplyRatio(amount, d, d)).toBe(amount);
      }),
    );
  });

  it('rounds to the nearest integer, halves away from zero', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        (amount, numerator, denominator) => {
          const result = BigInt(multiplyRatio(amount, numerator, denominator));
          const exact = BigInt(amount) * BigInt(numerator);
          const d = BigInt(denominator);
          // |result - exact/d| <= 1/2
          const error = result * d - exact;
          expect(2n * (error < 0n ? -error : error) <= d).toBe(true);
          // on an exact half the magnitude goes up
          if (2n * (error < 0n ? -error : error) === d) {
            const magnitude = result < 0n ? -result : result;
            const exactMagnitude = exact < 0n ? -exact : exact;
            expect(magnitude * d > exactMagnitude).toBe(true);
          }
        },
      ),
    );
  });

  it('never makes the parts of a period sum far from the whole', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 24 }),
        (amount, split) => {
          const days = split.reduce((sum, n) => sum + n, 0);
          const parts = split.map((n) => multiplyRatio(amount, n, days));
          const total = parts.reduce((sum, n) => sum + n, 0);
          expect(total).toBeLessThanOrEqual(amount + split.length);
          // each part is off by at most half a minor unit
          expect(Math.abs(total - amount) * 2).toBeLessThanOrEqual(split.length);
        },
      ),
    );
  });
});

describe('tax rates', () => {
  it.each([
    ['20', '20'],
    ['5.5', '5.5'],
    ['5,5', '5.5'],
    ['05.50', '5.5'],
    ['20%', '20'],
    [' 20 % ', '20'],
    ['5,5 %', '5.5'],
    ['5,5\u202f%', '5.5'],
    ['5.5%', '5.5'],
    ['0', '0'],
    ['0.0', '0'],
    ['-0', '0'],
    ['100', '100'],
    ['100.0000', '100'],
    ['7.6543', '7.6543'],
    ['0.0001', '0.0001'],
  ])('parseRate(%j) is %j', (text, canonical) => {
    expect(parseRate(text)).toEqual({ ok: true, value: canonical });
  });

  it.each([
    ['', 'empty'],
    ['abc', 'invalid'],
    ['20 percent', 'invalid'],
    ['1e2', 'invalid'],
    ['5.', 'invalid'],
    ['5.12345', 'too_many_decimals'],
    ['100.0001', 'out_of_range'],
    ['101', 'out_of_range'],
    ['-1', 'out_of_range'],
  ])('parseRate(%j) fails with %s', (text, reason) => {
    const result = parseRate(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe(reason);
  });

  it('formats rates canonically from text or numbers', () => {
    expect(formatRate('20.00')).toBe('20');
    expect(formatRate(5.5)).toBe('5.5');
    expect(formatRate(0)).toBe('0');
    expect(() => formatRate('120')).toThrow(RangeError);
  });

  it('converts to and from ten-thousandths of a percent', () => {
    expect(rateToScaled('5.5')).toBe(55000);
    expect(rateToScaled('20')).toBe(200000);
    expect(rateToScaled('0.0001')).toBe(1);
    expect(rateFromScaled(55000)).toBe('5.5');
    expect(rateFromScaled(1_000_000)).toBe('100');
    expect(() => rateFromScaled(1_000_001)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (scaled) => {
        expect(rateToScaled(rateFromScaled(scaled))).toBe(scaled);
      }),
    );
  });

  it.each([
    [10000, '20', 2000],
    [4999, '20', 1000],
    [1000, '5.5', 55],
    [4545, '5.5', 250],
    [4454, '5.5', 245],
    [5, '10', 1],
    [15, '10', 2],
    [14, '10', 1],
    [-5, '10', -1],
    [-15, '10', -2],
    [1, '50', 1],
    [100, '0.5', 1],
    [12345, '0', 0],
    [10000, '7.6543', 765],
    [54, '8.1', 4],
  ])('tax on %i at %s%% is %i', (net, rate, expected) => {
    expect(applyRate(net, rate)).toBe(expected);
  });

  it('applies a rate exactly on an exact half', () => {
    // 1005 x 5.5% = 55.275 and 2010 x 5.5% = 110.55: float arithmetic lands on either side of the half
    expect(applyRate(2010, '5.5')).toBe(111);
    expect(applyRate(50, '1')).toBe(1);
    expect(applyRate(150, '1')).toBe(2);
    expect(applyRate(250, '1')).toBe(3);
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 1_000_000 }), (net, scaled) => {
        const tax = BigInt(applyRate(net, rateFromScaled(scaled)));
        const exact = BigInt(net) * BigInt(scaled);
        const error = tax * 1_000_000n - exact;
        expect(2n * (error < 0n ? -error : error) <= 1_000_000n).toBe(true);
        expect(applyRate(-net, rateFromScaled(scaled))).toBe(-applyRate(net, rateFromScaled(scaled)) || 0);
      }),
    );
  });

  it('refuses an invalid rate', () => {
    expect(() => applyRate(100, '101')).toThrow(RangeError);
    expect(() => applyRate(100, 'x')).toThrow(RangeError);
  });
});
