import { describe, expect, it } from 'vitest';
import { renewsByDecision, termEnd } from '../../src/core/renewals/renewals.js';

type Facts = Parameters<typeof renewsByDecision>[0];
const term: Facts = { start_date: '2025-01-01', end_date: null, auto_renew: 0, auto_renew_until: null, do_not_renew: 0 };

describe('which terms are renewed by decision', () => {
  const rows: Array<[string, Partial<Facts>, string, boolean]> = [
    ['a term membership after its first term', {}, '2026-01-01', true],
    ['never the first term: the invoicing job bills it', {}, '2025-01-01', false],
    ['not an auto-renew membership', { auto_renew: 1 }, '2026-01-01', false],
    ['auto-renew up to a day on or after the term start: still automatic', { auto_renew: 1, auto_renew_until: '2026-01-01' }, '2026-01-01', false],
    ['auto-renew until the day before the term start: by decision', { auto_renew: 1, auto_renew_until: '2025-12-31' }, '2026-01-01', true],
    ['never a do-not-renew membership', { do_not_renew: 1 }, '2026-01-01', false],
    ['never a membership that ends before the term', { end_date: '2025-12-31' }, '2026-01-01', false],
    ['a membership ending within the term is still asked', { end_date: '2026-06-30' }, '2026-01-01', true],
  ];
  it.each(rows)('%s', (_rule, facts, termStart, expected) => {
    expect(renewsByDecision({ ...term, ...facts }, termStart)).toBe(expected);
  });
});

describe('the last day of a term', () => {
  const base = { start_date: '2024-02-29', first_recurring_date: '2024-02-29', anchor_day: 29, interval: 'year' as const, every: 1 };
  it.each([
    ['a yearly term anchored on Feb 29 ends the day before next year\'s Feb 28', base, '2025-02-28', '2026-02-27'],
    ['and in a leap year ends on Feb 28', base, '2027-02-28', '2028-02-28'],
    ['a monthly term anchored on the 31st', { ...base, interval: 'month' as const, anchor_day: 31, start_date: '2026-01-31', first_recurring_date: '2026-01-31' }, '2026-01-31', '2026-02-27'],
    ['a two-year term', { ...base, every: 2, anchor_day: 1, start_date: '2026-01-01', first_recurring_date: '2026-01-01' }, '2028-01-01', '2029-12-31'],
  ])('%s', (_rule, facts, start, end) => {
    expect(termEnd(facts, start)).toBe(end);
  });
});
