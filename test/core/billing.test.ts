import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adjustmentAmounts,
  type BillingSchedule,
  consolidate,
  discountLines,
  type DraftLine,
  draftLines,
  duePeriods,
  lineAmounts,
  nextBillingDay,
  pausedParts,
  periodAt,
  unpausedPeriod,
} from '../../src/core/billing/rules.js';
import { addDays, addMonthsAnchored, compareDates, daysBetween, formatIsoDate } from '../../src/core/kernel/dates.js';

const monthly = (overrides: Partial<BillingSchedule> = {}): BillingSchedule => ({
  startDate: '2026-01-01',
  nextInvoiceDate: '2026-01-01',
  firstRecurringDate: null,
  anchorDay: 1,
  endDate: null,
  autoRenew: true,
  autoRenewUntil: null,
  doNotRenew: false,
  interval: 'month',
  every: 1,
  ...overrides,
});

/** [start, last day] of each due period */
const spans = (schedule: BillingSchedule, asOf: string) =>
  duePeriods(schedule, asOf).periods.map((p) => [p.start, addDays(p.end, -1)]);

describe('due periods', () => {
  const cases: Array<{ name: string; schedule: BillingSchedule; asOf: string; periods: string[][]; next: string }> = [
    {
      name: 'nothing before the next invoice date',
      schedule: monthly({ nextInvoiceDate: '2026-02-01' }),
      asOf: '2026-01-31',
      periods: [],
      next: '2026-02-01',
    },
    {
      name: 'one period on its invoice date',
      schedule: monthly(),
      asOf: '2026-01-01',
      periods: [['2026-01-01', '2026-01-31']],
      next: '2026-02-01',
    },
    {
      name: 'catch-up: three missed periods, one each',
      schedule: monthly(),
      asOf: '2026-03-15',
      periods: [
        ['2026-01-01', '2026-01-31'],
        ['2026-02-01', '2026-02-28'],
        ['2026-03-01', '2026-03-31'],
      ],
      next: '2026-04-01',
    },
    {
      name: 'anchor 31 over a year: clamped to short months, never drifting',
      schedule: monthly({ startDate: '2026-01-31', nextInvoiceDate: '2026-01-31', anchorDay: 31 }),
      asOf: '2026-12-31',
      periods: [
        ['2026-01-31', '2026-02-27'],
        ['2026-02-28', '2026-03-30'],
        ['2026-03-31', '2026-04-29'],
        ['2026-04-30', '2026-05-30'],
        ['2026-05-31', '2026-06-29'],
        ['2026-06-30', '2026-07-30'],
        ['2026-07-31', '2026-08-30'],
        ['2026-08-31', '2026-09-29'],
        ['2026-09-30', '2026-10-30'],
        ['2026-10-31', '2026-11-29'],
        ['2026-11-30', '2026-12-30'],
        ['2026-12-31', '2027-01-30'],
      ],
      next: '2027-01-31',
    },
    {
      name: 'anchor 31 in a leap year: February 29',
      schedule: monthly({ startDate: '2028-01-31', nextInvoiceDate: '2028-01-31', anchorDay: 31 }),
      asOf: '2028-03-31',
      periods: [
        ['2028-01-31', '2028-02-28'],
        ['2028-02-29', '2028-03-30'],
        ['2028-03-31', '2028-04-29'],
      ],
      next: '2028-04-30',
    },
    {
      name: 'yearly plan anchored on February 29',
      schedule: monthly({ startDate: '2024-02-29', nextInvoiceDate: '2024-02-29', anchorDay: 29, interval: 'year' }),
      asOf: '2028-02-29',
      periods: [
        ['2024-02-29', '2025-02-27'],
        ['2025-02-28', '2026-02-27'],
        ['2026-02-28', '2027-02-27'],
        ['2027-02-28', '2028-02-28'],
        ['2028-02-29', '2029-02-27'],
      ],
      next: '2029-02-28',
    },
    {
      name: 'every 3 months',
      schedule: monthly({ every: 3, startDate: '2026-01-15', nextInvoiceDate: '2026-01-15', anchorDay: 15 }),
      asOf: '2026-07-15',
      periods: [
        ['2026-01-15', '2026-04-14'],
        ['2026-04-15', '2026-07-14'],
        ['2026-07-15', '2026-10-14'],
      ],
      next: '2026-10-15',
    },
    {
      name: 'prorated first period up to the first recurring date, then whole periods',
      schedule: monthly({ startDate: '2025-10-15', nextInvoiceDate: '2025-10-15', firstRecurringDate: '2025-11-01' }),
      asOf: '2025-11-01',
      periods: [
        ['2025-10-15', '2025-10-31'],
        ['2025-11-01', '2025-11-30'],
      ],
      next: '2025-12-01',
    },
    {
      name: 'end date: no period starting after the last day',
      schedule: monthly({ endDate: '2026-02-15' }),
      asOf: '2026-06-01',
      periods: [
        ['2026-01-01', '2026-01-31'],
        ['2026-02-01', '2026-02-28'],
      ],
      next: '2026-03-01',
    },
    {
      name: 'auto-renew-until: renewals starting up to that day',
      schedule: monthly({ autoRenewUntil: '2026-03-01' }),
      asOf: '2026-06-01',
      periods: [
        ['2026-01-01', '2026-01-31'],
        ['2026-02-01', '2026-02-28'],
        ['2026-03-01', '2026-03-31'],
      ],
      next: '2026-04-01',
    },
    {
      name: 'a term membership: its first term only',
      schedule: monthly({ autoRenew: false, interval: 'year' }),
      asOf: '2028-01-01',
      periods: [['2026-01-01', '2026-12-31']],
      next: '2027-01-01',
    },
    {
      name: 'do-not-renew stops at the next renewal',
      schedule: monthly({ doNotRenew: true, nextInvoiceDate: '2026-02-01' }),
      asOf: '2026-05-01',
      periods: [],
      next: '2026-02-01',
    },
    {
      name: 'an imported term membership is not renewed by the job',
      schedule: monthly({ autoRenew: false, nextInvoiceDate: '2026-02-01' }),
      asOf: '2026-02-01',
      periods: [],
      next: '2026-02-01',
    },
  ];
  it.each(cases)('$name', ({ schedule, asOf, periods, next }) => {
    expect(spans(schedule, asOf)).toEqual(periods);
    expect(duePeriods(schedule, asOf).nextInvoiceDate).toBe(next);
  });

  it('says why billing stopped', () => {
    expect(duePeriods(monthly({ endDate: '2026-01-20' }), '2026-03-01').stoppedBy).toBe('end_date');
    expect(duePeriods(monthly({ autoRenewUntil: '2026-01-20' }), '2026-03-01').stoppedBy).toBe('not_renewing');
    expect(duePeriods(monthly(), '2026-03-01').stoppedBy).toBeNull();
  });

  it('prorates the first period over the full period before the first recurring date', () => {
    const period = periodAt(monthly({ startDate: '2025-10-15', firstRecurringDate: '2025-11-01' }), '2025-10-15');
    // Oct 15..31 = 17 days of October's 31
    expect(period.proration).toEqual({ days: 17, fullDays: 31 });
    const yearly = periodAt(monthly({ startDate: '2026-03-01', firstRecurringDate: '2027-01-01', interval: 'year' }), '2026-03-01');
    // Mar 1 2026 .. Dec 31 2026 = 306 days of the 365 from Jan 1 2026
    expect(yearly.proration).toEqual({ days: 306, fullDays: 365 });
    // a "prorated" first period that is a whole period is billed whole
    expect(periodAt(monthly({ startDate: '2025-10-01', firstRecurringDate: '2025-11-01' }), '2025-10-01').proration).toBeNull();
  });
});

describe('line amounts', () => {
  const cases = [
    // 100.00 x 17/31 = 54.8387 -> 54.84; tax 20% of 54.84 = 10.968 -> 10.97
    { name: 'domain example: 17/31 of 100.00', price: 10000, quantity: 1, rate: '20', proration: { days: 17, fullDays: 31 }, net: 5484, tax: 1097 },
    // 3 x 49.99 = 149.97; 5.5% = 8.24835 -> 8.25
    { name: 'quantity 3 at 5.5%', price: 4999, quantity: 3, rate: '5.5', proration: null, net: 14997, tax: 825 },
    // 0.10 x 20% = 0.02 exactly; 0.05 x 10% = 0.005 -> half up 0.01
    { name: 'round half up on the tax', price: 5, quantity: 1, rate: '10', proration: null, net: 5, tax: 1 },
    // 10.00 x 1/2 = 5.00; 10.01 x 1/2 = 5.005 -> 5.01
    { name: 'round half up on the net', price: 1001, quantity: 1, rate: '0', proration: { days: 1, fullDays: 2 }, net: 501, tax: 0 },
    // 3 x 10.01 x 1/2 = 15.015 -> 15.02, where rounding each unit first would give 3 x 5.01 = 15.03
    { name: 'quantity applied before rounding', price: 1001, quantity: 3, rate: '0', proration: { days: 1, fullDays: 2 }, net: 1502, tax: 0 },
  ];
  it.each(cases)('$name', ({ price, quantity, rate, proration, net, tax }) => {
    expect(lineAmounts(price, quantity, rate, proration)).toEqual({ net, tax, total: net + tax });
  });
});

const line = (over: Partial<DraftLine>): DraftLine => ({
  membershipId: 1,
  chargeId: null,
  adjustmentId: null,
  fullDays: null,
  memberId: 1,
  memberName: 'A',
  payerId: 1,
  planName: 'Desk',
  currency: 'EUR',
  description: '',
  periodStart: '2026-01-01',
  periodEnd: '2026-01-31',
  quantity: 1,
  unitPrice: 1000,
  taxRate: '0',
  vatCategory: 'Z',
  net: 1000,
  tax: 0,
  total: 1000,
  ...over,
});

describe('consolidation', () => {
  it('makes one invoice per payer and currency, the payer first, totals the sums of the lines', () => {
    const invoices = consolidate([
      line({ membershipId: 3, memberId: 3, memberName: 'Zoe', payerId: 2, net: 500, tax: 100, total: 600 }),
      line({ membershipId: 2, memberId: 2, memberName: 'Yan', payerId: 2, net: 1000, tax: 200, total: 1200 }),
      line({ membershipId: 4, memberId: 4, memberName: 'Abe', payerId: 2, currency: 'CHF', net: 700, tax: 0, total: 700 }),
      line({ membershipId: 1, memberId: 1, memberName: 'Bob', payerId: 1, periodStart: '2026-02-01' }),
      line({ membershipId: 1, memberId: 1, memberName: 'Bob', payerId: 1, periodStart: '2026-01-01' }),
    ]);
    expect(invoices.map((i) => [i.payerId, i.currency, i.lines.map((l) => `${l.memberName} ${l.periodStart}`), i.net, i.tax, i.total])).toEqual([
      [1, 'EUR', ['Bob 2026-01-01', 'Bob 2026-02-01'], 2000, 0, 2000],
      [2, 'CHF', ['Abe 2026-01-01'], 700, 0, 700],
      [2, 'EUR', ['Yan 2026-01-01', 'Zoe 2026-01-01'], 1500, 300, 1800],
    ]);
  });

  it('describes each line so that it can be checked by hand', () => {
    const schedule = monthly({ startDate: '2025-10-15', nextInvoiceDate: '2025-10-15', firstRecurringDate: '2025-11-01' });
    const [first, second] = draftLines(
      { id: 9, memberId: 4, memberName: 'Ann', payerId: 4, quantity: 2 },
      { name: 'Hot Desk', price: 10000, currency: 'EUR', interval: 'month', every: 1, taxRate: '20' },
      duePeriods(schedule, '2025-11-01').periods,
      'S',
    );
    expect(first).toMatchObject({ description: 'Hot Desk x 2, 2025-10-15 to 2025-10-31 (prorated 17/31 days)', periodEnd: '2025-10-31', net: 10968 });
    expect(second).toMatchObject({ description: 'Hot Desk x 2, 2025-11-01 to 2025-11-30', net: 20000, tax: 4000, total: 24000 });
  });
});

describe('a discount over paused periods', () => {
  it('discounts a partly paused period in the proportion it bills, and a wholly paused one uses none of its periods', () => {
    const schedule = monthly({ startDate: '2026-01-01', nextInvoiceDate: '2026-01-01', firstRecurringDate: '2026-01-01' });
    // January paused from the 22nd: 21/31 billed; February paused whole; March billed in full
    const lines = draftLines(
      { id: 9, memberId: 4, memberName: 'Ann', payerId: 4, quantity: 1 },
      { name: 'Hot Desk', price: 10000, currency: 'EUR', interval: 'month', every: 1, taxRate: '20' },
      duePeriods(schedule, '2026-03-01').periods,
      'S',
      [{ start: '2026-01-22', end: '2026-02-28' }],
    );
    expect(lines.map((l) => [l.periodStart, l.net])).toEqual([
      ['2026-01-01', 6774],
      ['2026-03-01', 10000],
    ]);
    // 15.00 off for two periods: 15.00 x 21/31 = 10.16 on January, 15.00 on March (February was not billed)
    const fixed = discountLines(lines, { id: 1, percent: null, amount: 1500, periods: 2, used: 0 });
    expect(fixed.map((l) => [l.discount, l.net, l.tax])).toEqual([
      [1016, 5758, 1152],
      [1500, 8500, 1700],
    ]);
    // 10% of what each line bills
    const percent = discountLines(lines, { id: 2, percent: '10', amount: null, periods: 1, used: 0 });
    expect(percent.map((l) => [l.discount ?? 0, l.net])).toEqual([
      [677, 6097],
      [0, 10000],
    ]);
  });
});

describe('first recurring date of a prorated membership without one', () => {
  it.each([
    ['2026-10-15', 1, '2026-11-01'],
    ['2026-10-01', 1, '2026-10-01'],
    ['2026-10-15', 20, '2026-10-20'],
    ['2026-12-29', 28, '2027-01-28'],
  ])('start %s, billing day %i: %s', (start, day, expected) => {
    expect(nextBillingDay(start, day)).toBe(expected);
  });
});

const dateArb = fc
  .record({ year: fc.integer({ min: 2000, max: 2040 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
  .map(({ year, month, day }) => formatIsoDate(year, month, Math.min(day, new Date(Date.UTC(year, month, 0)).getUTCDate())));

const scheduleArb = fc
  .record({
    first: dateArb,
    interval: fc.constantFrom('month' as const, 'year' as const),
    every: fc.integer({ min: 1, max: 4 }),
    stubDays: fc.integer({ min: 0, max: 27 }),
  })
  .map(({ first, interval, every, stubDays }) => {
    const start = addDays(first, -stubDays);
    return monthly({
      startDate: start,
      nextInvoiceDate: start,
      firstRecurringDate: first,
      anchorDay: Number(first.slice(8)),
      interval,
      every,
    });
  });

describe('properties', () => {
  it('periods follow each other without gaps and never drift from the anchor day', () => {
    fc.assert(
      fc.property(scheduleArb, fc.integer({ min: 0, max: 3000 }), (schedule, span) => {
        const asOf = addDays(schedule.startDate, span);
        const { periods, nextInvoiceDate } = duePeriods(schedule, asOf);
        const months = (schedule.interval === 'year' ? 12 : 1) * schedule.every;
        let k = 0;
        let previousEnd = schedule.startDate;
        for (const p of periods) {
          expect(p.start).toBe(previousEnd);
          expect(compareDates(p.start, p.end)).toBeLessThan(0);
          if (p.start !== schedule.startDate || p.start === schedule.firstRecurringDate) {
            expect(p.start).toBe(addMonthsAnchored(schedule.firstRecurringDate!, k * months, schedule.anchorDay));
            k += 1;
          }
          previousEnd = p.end;
        }
        expect(nextInvoiceDate).toBe(previousEnd);
        expect(compareDates(nextInvoiceDate, asOf)).toBeGreaterThan(0);
      }),
    );
  });

  it('billing up to T in two runs gives the same periods as one run (a rerun bills nothing new)', () => {
    fc.assert(
      fc.property(scheduleArb, fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), (schedule, a, b) => {
        const middle = addDays(schedule.startDate, a);
        const end = addDays(middle, b);
        const first = duePeriods(schedule, middle);
        const second = duePeriods({ ...schedule, nextInvoiceDate: first.nextInvoiceDate }, end);
        const once = duePeriods(schedule, end);
        expect([...first.periods, ...second.periods]).toEqual(once.periods);
        expect(duePeriods({ ...schedule, nextInvoiceDate: once.nextInvoiceDate }, end).periods).toEqual([]);
      }),
    );
  });

  it('a prorated part never exceeds the whole period', () => {
    fc.assert(
      fc.property(scheduleArb, fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 20 }), (schedule, price, quantity) => {
        const period = periodAt(schedule, schedule.startDate);
        const part = lineAmounts(price, quantity, '20', period.proration);
        const whole = lineAmounts(price, quantity, '20', null);
        expect(part.net).toBeLessThanOrEqual(whole.net);
        expect(part.tax).toBeLessThanOrEqual(whole.tax);
        if (period.proration) expect(period.proration.days).toBe(daysBetween(period.start, period.end));
      }),
    );
  });
});

describe('pauses and adjustments, by days', () => {
  const july = { start: '2026-07-01', end: '2026-08-01', proration: null };
  it.each([
    ['no pause', [], { days: 31, fullDays: 31, paused: 0 }],
    ['the last 9 days', [{ start: '2026-07-23', end: '2026-07-31' }], { days: 22, fullDays: 31, paused: 1 }],
    ['a pause across both ends', [{ start: '2026-06-20', end: '2026-08-10' }], null],
    ['two pauses, one starting before', [{ start: '2026-06-25', end: '2026-07-02' }, { start: '2026-07-30', end: '2026-08-05' }], { days: 27, fullDays: 31, paused: 2 }],
    ['a pause after the period', [{ start: '2026-08-01', end: '2026-08-05' }], { days: 31, fullDays: 31, paused: 0 }],
  ] as const)('a period with %s', (_, pauses, expected) => {
    const result = unpausedPeriod(july, pauses);
    if (expected === null) expect(result).toBeNull();
    else {
      expect(result!.paused).toHaveLength(expected.paused);
      expect(result!.period.proration ?? { days: 31, fullDays: 31 }).toEqual({ days: expected.days, fullDays: expected.fullDays });
    }
  });

  it('a prorated first period loses its paused days, its full period unchanged', () => {
    const first = { start: '2026-07-15', end: '2026-08-01', proration: { days: 17, fullDays: 31 } };
    expect(unpausedPeriod(first, [{ start: '2026-07-20', end: '2026-07-24' }])!.period.proration).toEqual({ days: 12, fullDays: 31 });
    expect(pausedParts(first.start, first.end, [{ start: '2026-07-01', end: '2026-07-16' }])).toEqual([{ start: '2026-07-15', end: '2026-07-16' }]);
  });

  it.each([
    // 10.01 x 15 / 30 = 5.005 -> 5.01 either way
    [1001, 1, '0', 15, 30, { net: 501, tax: 0, total: 501 }],
    [1001, -1, '0', 15, 30, { net: -501, tax: 0, total: -501 }],
    // 30.30 x 15 / 30 = 15.15, 10% = 1.515 -> 1.52
    [3030, -1, '10', 15, 30, { net: -1515, tax: -152, total: -1667 }],
    // quantity before rounding: 3 x 10.01 x 1 / 2 = 15.015 -> 15.02
    [1001, -3, '0', 1, 2, { net: -1502, tax: 0, total: -1502 }],
  ] as const)('adjustment %#: %i x %i at %s%%', (price, quantity, rate, days, fullDays, expected) => {
    expect(adjustmentAmounts(price, quantity, rate, days, fullDays)).toEqual(expected);
  });

  it('a credit is exactly the opposite of the same charge, for any price and days', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 28, max: 366 }).chain((full) => fc.tuple(fc.integer({ min: 1, max: full }), fc.constant(full))), (price, quantity, [days, full]) => {
        const charge = adjustmentAmounts(price, quantity, '20', days, full);
        const credit = adjustmentAmounts(price, -quantity, '20', days, full);
        expect([credit.net, credit.tax, credit.total]).toEqual([0 - charge.net, 0 - charge.tax, 0 - charge.total]);
        expect(charge.net).toBeLessThanOrEqual(price * quantity);
      }),
    );
  });
});
