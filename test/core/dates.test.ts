import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  zonedTimestampToLocalDate,
  addDays,
  addMonthsAnchored,
  canonicalTimeZone,
  classifyDateText,
  compareDates,
  daysBetween,
  dayOfMonth,
  expandTwoDigitYear,
  formatIsoDate,
  fromExcelSerial,
  fromJsDate,
  inferDateConvention,
  isIsoDate,
  isValidTimeZone,
  lastDayOfMonth,
  nextPeriodStart,
  parseIsoDate,
  parseLooseDate,
  previousPeriodStart,
  splitDateTime,
  todayInTimeZone,
  utcDateTimeToLocalDate,
  utcTimestampToLocalDate,
} from '../../src/core/kernel/dates.js';
import { multiplyRatio } from '../../src/core/kernel/money.js';

// Independent oracle: JavaScript's own UTC calendar (valid for years >= 100).
const MS_PER_DAY = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const oracleDate = (ms: number) => {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};
const oracleMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const oracleLastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const oracleAnchored = (year: number, month: number, anchor: number) =>
  `${pad(year, 4)}-${pad(month)}-${pad(Math.min(anchor, oracleLastDay(year, month)))}`;

const arbitraryDate = fc
  .record({ year: fc.integer({ min: 1900, max: 2399 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
  .map(({ year, month, day }) => oracleAnchored(year, month, day));

describe('ISO dates', () => {
  it.each([
    ['2026-01-01', true],
    ['2024-02-29', true],
    ['2000-02-29', true],
    ['2025-02-29', false],
    ['1900-02-29', false],
    ['2026-04-30', true],
    ['2026-04-31', false],
    ['2026-01-32', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['2026-1-01', false],
    [' 2026-01-01', false],
    ['2026-01-01T00:00', false],
    ['2026/01/01', false],
    ['2026-0a-01', false],
    ['2026-01-1 ', false],
    ['+026-01-01', false],
    ['2026-01--1', false],
    ['２０２６-01-01', false],
    ['0000-01-01', false],
    ['0001-01-01', true],
    ['9999-12-31', true],
    ['', false],
  ])('isIsoDate(%j) is %s', (text, expected) => {
    expect(isIsoDate(text)).toBe(expected);
    expect(parseIsoDate(text) !== null).toBe(expected);
  });

  it('rejects values that are not strings', () => {
    expect(isIsoDate(20260101)).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });

  it('parses into parts and formats back', () => {
    expect(parseIsoDate('2026-03-04')).toEqual({ year: 2026, month: 3, day: 4 });
    expect(formatIsoDate(2026, 3, 4)).toBe('2026-03-04');
    expect(formatIsoDate(987, 1, 2)).toBe('0987-01-02');
    expect(() => formatIsoDate(2026, 2, 29)).toThrow(RangeError);
  });

  it.each([
    [2026, 1, 31],
    [2026, 2, 28],
    [2024, 2, 29],
    [2000, 2, 29],
    [1900, 2, 28],
    [2026, 4, 30],
    [2026, 12, 31],
  ])('lastDayOfMonth(%i, %i) is %i', (year, month, expected) => {
    expect(lastDayOfMonth(year, month)).toBe(expected);
  });

  it('compares dates', () => {
    expect(compareDates('2026-01-02', '2026-01-10')).toBeLessThan(0);
    expect(compareDates('2026-01-10', '2026-01-02')).toBeGreaterThan(0);
    expect(compareDates('2026-01-10', '2026-01-10')).toBe(0);
    expect(['2026-03-01', '2025-12-31', '2026-01-15'].sort(compareDates)).toEqual(['2025-12-31', '2026-01-15', '2026-03-01']);
    expect(() => compareDates('2026-02-30', '2026-01-01')).toThrow(RangeError);
  });

  it.each([
    ['2026-01-31', 1, '2026-02-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2025-02-28', 1, '2025-03-01'],
    ['2025-12-31', 1, '2026-01-01'],
    ['2026-01-01', -1, '2025-12-31'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-01-01', 365, '2027-01-01'],
    ['2026-01-01', 0, '2026-01-01'],
  ])('addDays(%s, %i) is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it.each([
    ['2026-01-31', '2026-02-01', 1],
    ['2026-02-01', '2026-01-31', -1],
    ['2026-10-15', '2026-11-01', 17],
    ['2026-10-01', '2026-11-01', 31],
    ['2024-01-01', '2025-01-01', 366],
    ['2025-01-01', '2026-01-01', 365],
    ['2026-03-29', '2026-03-30', 1],
  ])('daysBetween(%s, %s) is %i', (a, b, expected) => {
    expect(daysBetween(a, b)).toBe(expected);
  });

  it('adds days like the UTC calendar does', () => {
    fc.assert(
      fc.property(arbitraryDate, fc.integer({ min: -20_000, max: 20_000 }), (date, days) => {
        const result = addDays(date, days);
        expect(result).toBe(oracleDate(oracleMs(date) + days * MS_PER_DAY));
        expect(daysBetween(date, result)).toBe(days);
      }),
    );
  });

  it('refuses to leave years 1-9999', () => {
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
    expect(() => addDays('0001-01-01', -1)).toThrow(RangeError);
  });
});

describe('anchored months', () => {
  it.each([
    ['2026-01-31', 1, 31, '2026-02-28'],
    ['2026-01-31', 2, 31, '2026-03-31'],
    ['2026-01-31', 3, 31, '2026-04-30'],
    ['2024-01-31', 1, 31, '2024-02-29'],
    // a clamped date does not carry its day forward
    ['2026-02-28', 1, 31, '2026-03-31'],
    ['2026-02-28', 1, 30, '2026-03-30'],
    ['2026-03-31', -1, 31, '2026-02-28'],
    ['2025-12-15', 1, 15, '2026-01-15'],
    ['2026-01-15', -1, 15, '2025-12-15'],
    ['2026-01-15', -13, 15, '2024-12-15'],
    ['2026-01-15', 24, 15, '2028-01-15'],
    ['2026-05-10', 0, 31, '2026-05-31'],
  ])('addMonthsAnchored(%s, %i, %i) is %s', (date, months, anchor, expected) => {
    expect(addMonthsAnchored(date, months, anchor)).toBe(expected);
  });

  it('takes the anchor from the date when none is given', () => {
    expect(addMonthsAnchored('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsAnchored('2026-01-30', 13)).toBe('2027-02-28');
  });

  it('refuses an anchor outside 1-31', () => {
    expect(() => addMonthsAnchored('2026-01-01', 1, 0)).toThrow(RangeError);
    expect(() => addMonthsAnchored('2026-01-01', 1, 32)).toThrow(RangeError);
  });

  it('never drifts: N single steps from the anchor equal one step of N months', () => {
    fc.assert(
      fc.property(arbitraryDate, fc.integer({ min: 0, max: 600 }), (start, n) => {
        const anchor = dayOfMonth(start);
        let stepped = start;
        for (let i = 0; i < n; i += 1) stepped = addMonthsAnchored(stepped, 1, anchor);
        const direct = addMonthsAnchored(start, n, anchor);
        expect(stepped).toBe(direct);
        const index = Number(start.slice(0, 4)) * 12 + Number(start.slice(5, 7)) - 1 + n;
        expect(direct).toBe(oracleAnchored(Math.floor(index / 12), (index % 12) + 1, anchor));
      }),
    );
  });

  it('never drifts when billing period after period', () => {
    fc.assert(
      fc.property(
        arbitraryDate,
        fc.constantFrom('month' as const, 'year' as const),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 40 }),
        (start, interval, every, periods) => {
          const anchor = dayOfMonth(start);
          let date = start;
          for (let i = 0; i < periods; i += 1) date = nextPeriodStart(date, interval, every, anchor);
          if (periods > 0) expect(date).toBe(nextPeriodStart(start, interval, every * periods, anchor));
          expect(date).toBe(addMonthsAnchored(start, (interval === 'year' ? 12 : 1) * every * periods, anchor));
        },
      ),
    );
  });
});

describe('period starts', () => {
  it.each([
    ['2026-01-31', 'month', 1, 31, '2026-02-28'],
    ['2026-02-28', 'month', 1, 31, '2026-03-31'],
    ['2026-01-31', 'month', 3, 31, '2026-04-30'],
    ['2026-11-01', 'month', 1, 1, '2026-12-01'],
    ['2024-02-29', 'year', 1, 29, '2025-02-28'],
    ['2025-02-28', 'year', 1, 29, '2026-02-28'],
    ['2027-02-28', 'year', 1, 29, '2028-02-29'],
    ['2024-02-29', 'year', 4, 29, '2028-02-29'],
    ['2026-06-15', 'year', 2, 15, '2028-06-15'],
  ] as const)('after %s, every %s x %i (anchor %i), comes %s', (date, interval, every, anchor, expected) => {
    expect(nextPeriodStart(date, interval, every, anchor)).toBe(expected);
    expect(previousPeriodStart(expected, interval, every, anchor)).toBe(date);
  });

  it('refuses a non-positive count of intervals', () => {
    expect(() => nextPeriodStart('2026-01-01', 'month', 0, 1)).toThrow(RangeError);
    expect(() => previousPeriodStart('2026-01-01', 'year', -1, 1)).toThrow(RangeError);
  });

  it('prorates the domain example: Oct 15 to Nov 1 of a 100.00 monthly plan is 54.84', () => {
    const start = '2026-10-15';
    const firstRecurring = '2026-11-01';
    const previous = previousPeriodStart(firstRecurring, 'month', 1, dayOfMonth(firstRecurring));
    expect(previous).toBe('2026-10-01');
    expect(multiplyRatio(10000, daysBetween(start, firstRecurring), daysBetween(previous, firstRecurring))).toBe(5484);
  });

  it('next and previous are inverse on anchored dates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2399 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.constantFrom('month' as const, 'year' as const),
        fc.integer({ min: 1, max: 12 }),
        (year, month, anchor, interval, every) => {
          const date = oracleAnchored(year, month, anchor);
          const next = nextPeriodStart(date, interval, every, anchor);
          const previous = previousPeriodStart(date, interval, every, anchor);
          expect(previousPeriodStart(next, interval, every, anchor)).toBe(date);
          expect(nextPeriodStart(previous, interval, every, anchor)).toBe(date);
          expect(compareDates(previous, date)).toBeLessThan(0);
          expect(compareDates(date, next)).toBeLessThan(0);
        },
      ),
    );
  });
});

describe('time zones', () => {
  const newYearUtc = new Date('2025-12-31T23:30:00Z');

  it.each([
    ['UTC', '2025-12-31'],
    ['Europe/Paris', '2026-01-01'],
    ['America/New_York', '2025-12-31'],
    ['Pacific/Kiritimati', '2026-01-01'],
    ['Pacific/Pago_Pago', '2025-12-31'],
  ])('today in %s at 23:30 UTC on Dec 31 is %s', (zone, expected) => {
    expect(todayInTimeZone(zone, newYearUtc)).toBe(expected);
  });

  it('is west of Greenwich a day behind in the morning UTC', () => {
    expect(todayInTimeZone('America/Los_Angeles', new Date('2026-03-01T05:00:00Z'))).toBe('2026-02-28');
  });

  it('refuses an unknown zone', () => {
    expect(() => todayInTimeZone('Mars/Olympus_Mons', newYearUtc)).toThrow(RangeError);
  });

  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Etc/GMT+1', true],
    ['Mars/Olympus_Mons', false],
    ['Paris', false],
    ['+01:00', false],
    ['', false],
    [' UTC', false],
  ])('isValidTimeZone(%j) is %s', (zone, expected) => {
    expect(isValidTimeZone(zone)).toBe(expected);
  });

  it('gives the canonical spelling of a zone', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('nowhere')).toBeNull();
  });

  it.each([
    ['2025-12-25 20:18', 'UTC', '2025-12-25'],
    ['2025-12-25 20:18', 'Europe/Paris', '2025-12-25'],
    ['2025-12-25 23:30', 'Europe/Paris', '2025-12-26'],
    ['2025-12-25 22:30', 'Europe/Paris', '2025-12-25'],
    // summer time: Paris is UTC+2
    ['2025-06-30 22:30', 'Europe/Paris', '2025-07-01'],
    ['2025-12-25 03:00', 'America/Los_Angeles', '2025-12-24'],
    ['2025-12-25 20:18:59', 'Asia/Tokyo', '2025-12-26'],
    ['2025-12-25T20:18', 'UTC', '2025-12-25'],
    ['2025-12-25', 'UTC', '2025-12-25'],
    ['2025-12-25', 'America/New_York', '2025-12-24'],
  ])('the UTC timestamp %s is on %s in %s', (text, zone, expected) => {
    expect(utcTimestampToLocalDate(text, zone)).toBe(expected);
  });

  it.each(['12/25/25 20:18', '2025-12-25 25:00', '2025-12-25 20:61', '2025-02-30 10:00', '', 'yesterday'])(
    'does not read %j as a UTC timestamp',
    (text) => {
      expect(utcTimestampToLocalDate(text, 'UTC')).toBeNull();
    },
  );

  it('converts a date and time read separately', () => {
    expect(utcDateTimeToLocalDate('2025-12-25', { hour: 23, minute: 0, second: 0 }, 'Europe/Berlin')).toBe('2025-12-26');
  });

  it.each([
    ['2025-12-25', { date: '2025-12-25', time: null }],
    ['2025-12-25 20:18', { date: '2025-12-25', time: { hour: 20, minute: 18, second: 0 } }],
    ['2025-12-25T20:18:05', { date: '2025-12-25', time: { hour: 20, minute: 18, second: 5 } }],
    ['2025-12-25 20:18:05.123', { date: '2025-12-25', time: { hour: 20, minute: 18, second: 5 } }],
    ['12/25/25 20:18', { date: '12/25/25', time: { hour: 20, minute: 18, second: 0 } }],
    ['12/25/25 8:18 PM', { date: '12/25/25', time: { hour: 20, minute: 18, second: 0 } }],
    ['12/25/25 12:05 am', { date: '12/25/25', time: { hour: 0, minute: 5, second: 0 } }],
    ['12/25/25 12:05 PM', { date: '12/25/25', time: { hour: 12, minute: 5, second: 0 } }],
    ['12/25/25 13:05 PM', null],
    ['2025-12-25 24:00', null],
    ['2025-12-25 noon', null],
  ])('splits %j', (text, expected) => {
    expect(splitDateTime(text)).toEqual(expected);
  });
});

describe('spreadsheet dates', () => {
  it.each([
    [1, '1900-01-01'],
    [31, '1900-01-31'],
    [59, '1900-02-28'],
    [61, '1900-03-01'],
    [36526, '2000-01-01'],
    [45658, '2025-01-01'],
    [45658.75, '2025-01-01'],
    [2958465, '9999-12-31'],
  ])('serial %d is %s', (serial, expected) => {
    expect(fromExcelSerial(serial)).toBe(expected);
  });

  it.each([60, 0, 0.5, -1, 2958466, Number.NaN, Number.POSITIVE_INFINITY])('serial %d is no date', (serial) => {
    expect(fromExcelSerial(serial)).toBeNull();
  });

  it('counts serials from 1899-12-30 after the phantom leap day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 61, max: 2958465 }), (serial) => {
        expect(fromExcelSerial(serial)).toBe(oracleDate(Date.UTC(1899, 11, 30) + serial * MS_PER_DAY));
      }),
    );
  });

  it('reads exceljs date cells by their UTC parts, whatever the local zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      expect(fromJsDate(new Date(Date.UTC(2025, 0, 1)))).toBe('2025-01-01');
      expect(fromJsDate(new Date(Date.UTC(2024, 1, 29, 23, 59)))).toBe('2024-02-29');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    expect(fromJsDate(new Date(Number.NaN))).toBeNull();
  });
});

describe('loose dates', () => {
  it.each([
    ['2026-03-04', null, '2026-03-04'],
    ['2026-03-04', 'DMY', '2026-03-04'],
    ['2026-03-04', 'MDY', '2026-03-04'],
    ['2026/03/04', null, '2026-03-04'],
    ['2026.3.4', 'DMY', '2026-03-04'],
    ['2025-12-25 20:18', null, '2025-12-25'],
    ['25/12/2026', null, '2026-12-25'],
    ['25/12/2026', 'DMY', '2026-12-25'],
    ['12/25/2026', null, '2026-12-25'],
    ['12/25/2026', 'MDY', '2026-12-25'],
    ['04/03/2026', 'DMY', '2026-03-04'],
    ['04/03/2026', 'MDY', '2026-04-03'],
    ['4/3/2026', 'DMY', '2026-03-04'],
    ['05/05/2026', null, '2026-05-05'],
    ['29/02/2024', null, '2024-02-29'],
    ['04.03.2026', 'DMY', '2026-03-04'],
    ['04-03-2026', 'DMY', '2026-03-04'],
    ['4.3.26', 'DMY', '2026-03-04'],
    ['04-03-70', 'DMY', '1970-03-04'],
    ['1/2/69', 'DMY', '2069-02-01'],
    ['31.12.99', null, '1999-12-31'],
    ['31.12.00', null, '2000-12-31'],
    ['26/03/04', 'YMD', '2026-03-04'],
    ['25/12/2026 14:00', null, '2026-12-25'],
    ['12/25/25 20:18', null, '2025-12-25'],
    [' 25/12/2026 ', null, '2026-12-25'],
  ] as const)('reads %j (%s) as %s', (text, convention, expected) => {
    expect(parseLooseDate(text, convention)).toEqual({ kind: 'date', date: expected });
  });

  it.each([
    ['04/03/2026', { DMY: '2026-03-04', MDY: '2026-04-03' }],
    ['1.2.26', { DMY: '2026-02-01', MDY: '2026-01-02' }],
  ])('reports %j as ambiguous without a convention', (text, readings) => {
    expect(parseLooseDate(text, null)).toEqual({ kind: 'ambiguous', readings });
  });

  it.each([
    ['31/02/2026', null],
    ['31/02/2026', 'DMY'],
    ['29/02/2025', null],
    ['25/12/2026', 'MDY'],
    ['12/25/2026', 'DMY'],
    ['25/12/2026', 'YMD'],
    ['2026-13-01', null],
    ['2026-02-30', 'DMY'],
    ['25/12-2026', null],
    ['25/12', null],
    ['123/1/2026', null],
    ['1/1/202', null],
    ['', null],
    ['abc', null],
    ['25/12/2026 25:00', null],
  ] as const)('rejects %j (%s)', (text, convention) => {
    expect(parseLooseDate(text, convention)).toEqual({ kind: 'invalid' });
  });

  it('reads back any date written day-first or month-first', () => {
    fc.assert(
      fc.property(arbitraryDate, fc.constantFrom('/', '.', '-'), (date, separator) => {
        const [y, m, d] = date.split('-') as [string, string, string];
        const written: Array<['DMY' | 'MDY', string]> = [
          ['DMY', [d, m, y].join(separator)],
          ['MDY', [m, d, y].join(separator)],
        ];
        for (const [convention, text] of written) {
          expect(parseLooseDate(text, convention)).toEqual({ kind: 'date', date });
          const guess = parseLooseDate(text, null);
          if (guess.kind === 'ambiguous') expect(guess.readings[convention]).toBe(date);
          else expect(guess).toEqual({ kind: 'date', date });
        }
      }),
    );
  });

  it('pivots two-digit years at 70', () => {
    expect(expandTwoDigitYear(0)).toBe(2000);
    expect(expandTwoDigitYear(69)).toBe(2069);
    expect(expandTwoDigitYear(70)).toBe(1970);
    expect(expandTwoDigitYear(99)).toBe(1999);
  });

  it.each([
    ['2026-03-04', { DMY: true, MDY: true, YMD: true }],
    ['25/12/2026', { DMY: true, MDY: false, YMD: false }],
    ['12/25/2026', { DMY: false, MDY: true, YMD: false }],
    ['04/03/2026', { DMY: true, MDY: true, YMD: false }],
    ['31/02/2026', { DMY: false, MDY: false, YMD: false }],
    ['26/03/04', { DMY: true, MDY: false, YMD: true }],
    ['hello', { DMY: false, MDY: false, YMD: false }],
  ])('classifies %j', (text, expected) => {
    expect(classifyDateText(text)).toEqual(expected);
  });

  it.each([
    [['04/03/2026', '25/12/2026', '2026-01-01'], 'DMY', '25/12/2026', null],
    [['04/03/2026', '12/25/2026'], 'MDY', null, '12/25/2026'],
    [['04/03/2026', '05/06/2026', '2026-01-01', ''], null, null, null],
    [['25/12/2026', '12/25/2026'], null, '25/12/2026', '12/25/2026'],
    [[], null, null, null],
  ])('infers the convention of %j as %s', (texts, convention, provesDMY, provesMDY) => {
    expect(inferDateConvention(texts)).toEqual({ convention, provesDMY, provesMDY });
  });
});

describe('timestamps that name their zone', () => {
  it.each([
    ['2026-03-23T14:05:00+01:00', 'Europe/Paris', '2026-03-23'],
    ['2026-03-23T23:30:00-05:00', 'Europe/Paris', '2026-03-24'],
    ['2026-03-23 14:05:10 UTC', 'Europe/Paris', '2026-03-23'],
    ['2026-03-23T13:05:00.000Z', 'Europe/Paris', '2026-03-23'],
    ['2026-03-23T23:05:00.000Z', 'Europe/Paris', '2026-03-24'],
    ['2026-06-30T22:30:00Z', 'Europe/Paris', '2026-07-01'],
    ['2026-06-30T22:30:00Z', 'UTC', '2026-06-30'],
    ['2026-03-23T01:00:00+0100', 'America/New_York', '2026-03-22'],
    ['2026-03-23 00:30 GMT', 'Asia/Tokyo', '2026-03-23'],
  ])('%s in %s is %s', (text, zone, date) => {
    expect(zonedTimestampToLocalDate(text, zone)).toBe(date);
  });

  it.each(['2026-03-23 14:05', '23/03/2026 14:05 UTC', '2026-03-23T25:00:00Z', '2026-02-30T10:00:00Z', '2026-03-23T10:00:00+25:00'])('%s is not one', (text) => {
    expect(zonedTimestampToLocalDate(text, 'Europe/Paris')).toBeNull();
  });
});
