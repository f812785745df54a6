import { describe, expect, it } from 'vitest';
import { parseWholeNumber } from '../../src/command-kit.js';
import { defaultPlanValues, validatePlanInput } from '../../src/core/billing/plans.js';
import { parseSetting } from '../../src/core/kernel/settings.js';
import { parseAmount } from '../../src/core/kernel/money.js';
import { UserError } from '../../src/errors.js';

/** What an internal code or a bound of the number type looks like in a message: never shown to a person. */
const internal = /\((invalid|empty|out_of_range|too_many_decimals|ambiguous|currency_mismatch)\)|9007199254740991|Too big|expected int/;

const refusal = (parse: () => unknown): string => {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error('not refused');
};

describe('refusals say the value and the limit in words', () => {
  it.each([
    [['--limit', 1], '99999999999999999999', '--limit: 99999999999999999999 is too large a number'],
    [['--limit', 1], '0', '--limit: 0 is too small; it is at least 1'],
    [['--batch-size', 1, 100_000], '0', '--batch-size: 0 is out of range (1 to 100000)'],
    [['--wait', 0, 86_400], '99999999999999999999', '--wait: 99999999999999999999 is out of range (0 to 86400)'],
    [['--count', 1], 'two', '--count: "two" is not a whole number'],
  ] as const)('parseWholeNumber(%j) of %s', (args, text, message) => {
    const [name, min, max] = args as unknown as [string, number, number | undefined];
    const got = refusal(() => parseWholeNumber(name, min, max)(text));
    expect(got).toBe(message);
    expect(got).not.toMatch(internal);
  });

  it.each([
    ['payment-terms-days', '99999999999999999999', 'setting payment-terms-days: "99999999999999999999" is not allowed; expected a whole number from 0 to 365'],
    ['billing-day', '29', 'setting billing-day: "29" is not allowed; expected a whole number from 1 to 28'],
    ['grace-days', '1.5', 'setting grace-days: "1.5" is not allowed; expected a whole number from 0 to 365'],
  ] as const)('settings set %s %s', (key, text, message) => {
    expect(refusal(() => parseSetting(key, text))).toBe(message);
  });

  it.each([
    [{ price: 'abc' }, 'not an amount; write it like 49, 49.50 or 49,50'],
    [{ price: '999999999999999999' }, '"999999999999999999" is too large an amount: at most 90071992547409.91 EUR'],
    [{ price: '10 USD' }, '"USD" is not the currency EUR'],
    [{ price: '10.123' }, expect.stringContaining('"10.123" is ambiguous')],
    [{ credits: 'x' }, 'not an amount; write it like 49, 49.50 or 49,50'],
    [{ taxRate: '150' }, 'expected a percentage from 0 to 100 such as 20 or 5.5'],
    [{ taxRate: '5.12345' }, 'a tax rate has at most 4 decimals'],
  ])('plans add %j', (input, message) => {
    const { errors } = validatePlanInput(input, defaultPlanValues('EUR'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toEqual(message);
    expect(errors[0]!.message).not.toMatch(internal);
  });

  it('an amount beyond what memberctl holds names the largest one, in the currency', () => {
    expect(parseAmount('1e30', 'EUR')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseAmount('100000000000000', 'EUR')).toEqual({ ok: false, reason: 'out_of_range', message: '"100000000000000" is too large an amount: at most 90071992547409.91 EUR' });
    expect(parseAmount('10000000000000000', 'JPY')).toEqual({ ok: false, reason: 'out_of_range', message: '"10000000000000000" is too large an amount: at most 9007199254740991 JPY' });
  });
});
