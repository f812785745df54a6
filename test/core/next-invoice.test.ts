import { describe, expect, it } from 'vitest';
import { computedNextInvoice } from '../../src/core/import/next-invoice.js';

// Worked out by hand from the billing schedule (src/core/kernel/dates.ts addMonthsAnchored): periods fall on the start
// date's day of month, clamped to shorter months and never drifting. A monthly start on 2026-01-31 has periods
// 01-31, 02-28, 03-31, 04-30, 05-31; a yearly start on 2024-02-29 has 2024-02-29, 2025-02-28, 2026-02-28,
// 2027-02-28, 2028-02-29; every 3 months from 2025-11-30: 2025-11-30, 2026-02-28, 2026-05-30.
const table: Array<[string, 'month' | 'year', number, string, string, string]> = [
  // start, interval, every, today, next-period, today
  ['2026-01-31', 'month', 1, '2026-04-15', '2026-04-30', '2026-03-31'],
  ['2026-01-31', 'month', 1, '2026-04-30', '2026-05-31', '2026-04-30'],
  ['2026-01-31', 'month', 1, '2026-02-28', '2026-03-31', '2026-02-28'],
  ['2026-01-31', 'month', 1, '2026-03-30', '2026-03-31', '2026-02-28'],
  ['2026-01-31', 'month', 1, '2026-01-31', '2026-02-28', '2026-01-31'],
  ['2026-01-31', 'month', 1, '2026-01-15', '2026-01-31', '2026-01-31'],
  ['2026-01-10', 'month', 1, '2026-04-15', '2026-05-10', '2026-04-10'],
  ['2024-02-29', 'year', 1, '2026-04-15', '2027-02-28', '2026-02-28'],
  ['2024-02-29', 'year', 1, '2027-02-27', '2027-02-28', '2026-02-28'],
  ['2024-02-29', 'year', 1, '2028-03-01', '2029-02-28', '2028-02-29'],
  ['2025-09-01', 'year', 1, '2026-04-15', '2026-09-01', '2025-09-01'],
  ['2025-11-30', 'month', 3, '2026-04-15', '2026-05-30', '2026-02-28'],
  ['2019-05-12', 'year', 2, '2026-04-15', '2027-05-12', '2025-05-12'],
];

describe('the next invoice date of a membership whose file gives none', () => {
  it.each(table)('start %s every %s x%i, today %s: next-period %s, today %s', (start, interval, every, today, nextPeriod, current) => {
    expect(computedNextInvoice(start, interval, every, 'next-period', today).date).toBe(nextPeriod);
    expect(computedNextInvoice(start, interval, every, 'today', today).date).toBe(current);
  });

  it('keeps the start date\'s day of month as the schedule\'s anchor', () => {
    expect(computedNextInvoice('2026-01-31', 'month', 1, 'next-period', '2026-04-15')).toEqual({ date: '2026-04-30', current: '2026-03-31', anchorDay: 31 });
    expect(computedNextInvoice('2024-02-29', 'year', 1, 'today', '2026-04-15')).toEqual({ date: '2026-02-28', current: '2026-02-28', anchorDay: 29 });
  });

  it('never gives a date on or before today with next-period, nor after today with today', () => {
    for (let day = 1; day <= 28; day += 1) {
      const today = `2026-03-${String(day).padStart(2, '0')}`;
      for (const start of ['2020-01-31', '2025-02-28', '2025-12-15', '2026-03-01']) {
        expect(computedNextInvoice(start, 'month', 1, 'next-period', today).date > today).toBe(true);
        expect(computedNextInvoice(start, 'month', 1, 'today', today).date <= today).toBe(true);
      }
    }
  });
});
