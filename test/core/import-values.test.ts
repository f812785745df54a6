import { describe, expect, it } from 'vitest';
import { cellText, isEmail, looksLikePhone, readBoolean, readDate, readEmail, readQuantity, readTags, shownValue } from '../../src/core/import/values.js';

const value = <T>(read: { ok: true; value: T } | { ok: false }) => (read.ok ? read.value : 'FAILED');
const code = (read: { ok: boolean; issue?: { code: string } }) => (read.ok ? 'ok' : read.issue!.code);

describe('reading date cells', () => {
  it('reads ISO dates and spreadsheet date cells whatever the convention', () => {
    for (const convention of [null, 'DMY', 'MDY'] as const) {
      expect(value(readDate('2026-03-04', convention, false))).toBe('2026-03-04');
      expect(value(readDate({ kind: 'date', date: '2026-03-04' }, convention, false))).toBe('2026-03-04');
    }
    expect(value(readDate(null, null, false))).toBeNull();
  });

  it('reads day/month values by the convention, and refuses to guess without one', () => {
    expect(value(readDate('04/03/2026', 'DMY', true))).toBe('2026-03-04');
    expect(value(readDate('04/03/2026', 'MDY', true))).toBe('2026-04-03');
    expect(value(readDate('4.3.26', 'DMY', true))).toBe('2026-03-04');
    const ambiguous = readDate('04/03/2026', null, false);
    expect(code(ambiguous)).toBe('ambiguous_date');
    expect(ambiguous.ok ? '' : ambiguous.issue.message).toContain('--date-format');
    // only one reading exists: no convention needed
    expect(value(readDate('25/12/2026', null, false))).toBe('2026-12-25');
  });

  it('says which convention a value contradicts', () => {
    const read = readDate('25/12/2026', 'MDY', true);
    expect(code(read)).toBe('invalid_date');
    expect(read.ok ? '' : read.issue.message).toContain('--date-format MDY');
  });

  it('refuses impossible days and words', () => {
    expect(code(readDate('2025-02-30', null, false))).toBe('invalid_date');
    expect(code(readDate('31/02/2026', 'DMY', true))).toBe('invalid_date');
    expect(code(readDate('next monday', null, false))).toBe('invalid_date');
  });

  it('refuses a spreadsheet serial number in a text cell, suggesting the date it stands for', () => {
    const read = readDate('45658', null, false);
    expect(code(read)).toBe('invalid_date');
    expect(read.ok ? null : read.issue.suggestion).toBe('2025-01-01');
  });
});

describe('reading other cells', () => {
  it('accepts e-mail addresses and refuses what is not one', () => {
    expect(value(readEmail('Jane.Doe+desk@example.co.uk'))).toBe('Jane.Doe+desk@example.co.uk');
    expect(value(readEmail('mailto:jane@example.org'))).toBe('jane@example.org');
    for (const bad of ['jane@@example.org', 'jane@example', 'jane example.org', 'jane@exa mple.org', 'a..b@example.org']) {
      expect(code(readEmail(bad)), bad).toBe('invalid_email');
    }
    expect(isEmail('jane@example.org')).toBe(true);
  });

  it('reads quantities as whole numbers of at least 1', () => {
    expect(value(readQuantity('3'))).toBe(3);
    expect(value(readQuantity('2.0'))).toBe(2);
    expect(value(readQuantity(null))).toBeNull();
    for (const bad of ['0', 'two', '1.5', '-1']) expect(code(readQuantity(bad)), bad).toBe('invalid_number');
  });

  it('reads yes/no in English and French', () => {
    for (const yes of ['yes', 'Oui', 'TRUE', '1']) expect(value(readBoolean(yes))).toBe(true);
    for (const no of ['no', 'NON', 'false', '0']) expect(value(readBoolean(no))).toBe(false);
    expect(code(readBoolean('maybe'))).toBe('invalid_boolean');
  });

  it('splits tags on commas and semicolons', () => {
    expect(readTags('board, volunteer;board ; ')).toEqual(['board', 'volunteer']);
    expect(readTags(null)).toEqual([]);
  });

  it('recognises names that are phone numbers', () => {
    expect(looksLikePhone('+33 6 12 34 56 78')).toBe(true);
    expect(looksLikePhone('Jane 2')).toBe(false);
  });

  it('shows long values cut, and cells of every kind as text', () => {
    expect(shownValue('x'.repeat(10_000))!.length).toBeLessThan(300);
    expect(shownValue({ kind: 'formula', formula: 'A1+1' })).toBe('=A1+1');
    expect(cellText({ kind: 'date', date: '2026-01-02' })).toBe('2026-01-02');
    expect(cellText({ kind: 'formula', formula: 'A1' })).toBeNull();
  });
});

describe('dates with a time of day', () => {
  it.each([
    ['2026-03-23 14:05', null, '2026-03-23'],
    ['23/03/2026 14:05', 'DMY', '2026-03-23'],
    ['2026-03-23T14:05:00', null, '2026-03-23'],
    ['2026-03-23T14:05:00+01:00', null, '2026-03-23'],
    ['2026-03-23 14:05:10 UTC', null, '2026-03-23'],
    ['2026-03-23T13:05:00.000Z', null, '2026-03-23'],
    ['2026-03-23T23:05:00.000Z', null, '2026-03-24'],
    ['2026-03-23T23:30:00-05:00', null, '2026-03-24'],
  ] as const)('%s is read in Europe/Paris as %s', (text, convention, date) => {
    expect(value(readDate(text, convention, false, null, 'Europe/Paris'))).toBe(date);
  });

  it('a time with Z is the date in UTC without a timezone', () => {
    expect(value(readDate('2026-03-23T23:05:00.000Z', null, false))).toBe('2026-03-23');
  });

  it('a time that is none is an invalid date', () => {
    const read = readDate('2026-03-23T25:05:00Z', null, false, null, 'Europe/Paris');
    expect(read.ok).toBe(false);
  });
});
