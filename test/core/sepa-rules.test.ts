import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectionDateProblem,
  creditorIdCheckDigits,
  creditorIdProblem,
  debtorIbanProblem,
  easterSunday,
  isSepaText,
  isTargetBusinessDay,
  mandateExpiresOn,
  mandateReferenceProblem,
  mandateState,
  nextBusinessDay,
  sepaAmount,
  sepaIdentifier,
  sepaText,
  sequenceTypes,
} from '../../src/core/sepa/rules.js';
import { parseSetting } from '../../src/core/kernel/settings.js';

describe('creditor identifiers', () => {
  it.each([
    // the Bundesbank's test identifier, a French ICS, a Dutch one with a business code other than ZZZ
    ['DE98ZZZ09999999999', null],
    ['FR72ZZZ123456', null],
    ['NL69ABC123456780000', null],
    ['FR73ZZZ123456', 'its check digits 73 do not match its national identifier (they would be 72): a mistyped character?'],
    ['DE98ZZZ09999999998', 'its check digits 98 do not match its national identifier (they would be 28): a mistyped character?'],
    ['US12ZZZ123456', 'US is not a country of the SEPA scheme'],
    ['FR72', expect.stringContaining('it is not 2 letters (the country), 2 check digits')],
  ])('%s', (id, problem) => {
    expect(creditorIdProblem(id)).toEqual(problem);
  });

  it('the business code plays no part in the check digits', () => {
    expect(creditorIdCheckDigits('NL', '123456780000')).toBe('69');
    expect(creditorIdProblem('NL69ZZZ123456780000')).toBeNull();
  });

  it('the setting stores the identifier compact and refuses a wrong one with its rule', () => {
    expect(parseSetting('sepa-creditor-id', ' fr72 zzz 123456 ')).toBe('FR72ZZZ123456');
    expect(parseSetting('sepa-creditor-id', '')).toBe('');
    expect(() => parseSetting('sepa-creditor-id', 'FR73ZZZ123456')).toThrow('its check digits 73 do not match');
  });
});

describe('debtor IBANs', () => {
  it.each([
    ['DE89370400440532013000', null],
    ['DE89370400440532013001', 'not a valid IBAN: its check digits do not match (a mistyped character?)'],
    // a valid IBAN of a country outside SEPA
    ['BR1800360305000010009795493C1', 'BR is not a country of the SEPA scheme: its accounts cannot be debited by SEPA Direct Debit'],
  ])('%s', (iban, problem) => {
    expect(debtorIbanProblem(iban)).toBe(problem);
  });
});

describe('the SEPA Latin character set', () => {
  it.each([
    ['Émilie Ørsted-Müller', 'Emilie Orsted-Muller'],
    ['Søren Æbeltoft «Strauß»', "Soren AEbeltoft 'Strauss'"],
    ['Coworking Lumière & Co', 'Coworking Lumiere + Co'],
    ['Łukasz Żółć', 'Lukasz Zolc'],
    ['Françoise  d’Aubigné', "Francoise d'Aubigne"],
    ['ACME_SA; “quoted”', "ACME-SA 'quoted'"],
    ['王芳', ''],
  ])('%s -> %s', (name, sepa) => {
    expect(sepaText(name, 70)).toBe(sepa);
  });

  it('never gives a character outside the set, nor more than the maximum', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 140 }), (text, max) => {
        const out = sepaText(text, max);
        return isSepaText(out) && out.length <= max && out === out.trim();
      }),
    );
  });

  it.each([
    ['INV-2026-00012', 'INV-2026-00012'],
    ['INV_2026-00012', 'INV-2026-00012'],
    ['/INV//2026/', '-INV/-2026-'],
    ['FAC 2026 12', 'FAC-2026-12'],
  ])('identifier %s -> %s', (text, id) => {
    expect(sepaIdentifier(text)).toBe(id);
  });

  it.each([
    ['MND-000012-01', null],
    ['ACME/2026:1', null],
    ['MANDAT Nº1', "a mandate reference uses only letters A-Z, digits and / - ? : ( ) . , ' + (no space, no accent)"],
    ['/A', 'a mandate reference neither starts nor ends with / nor holds //'],
    ['A//B', 'a mandate reference neither starts nor ends with / nor holds //'],
    ['X'.repeat(36), 'a mandate reference is 1 to 35 characters'],
  ])('mandate reference %s', (reference, problem) => {
    expect(mandateReferenceProblem(reference)).toBe(problem);
  });
});

describe('TARGET2 business days', () => {
  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'],
  ])('Easter %i is %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it.each([
    ['2026-01-01', false], // New Year's Day
    ['2026-01-02', true],
    ['2026-01-03', false], // Saturday
    ['2026-01-04', false], // Sunday
    ['2026-04-02', true],
    ['2026-04-03', false], // Good Friday
    ['2026-04-06', false], // Easter Monday
    ['2026-05-01', false],
    ['2026-05-14', true], // Ascension is no TARGET2 holiday
    ['2026-12-24', true],
    ['2026-12-25', false],
    ['2026-12-28', true],
    ['2027-12-27', true],
  ])('%s: %s', (date, open) => {
    expect(isTargetBusinessDay(date)).toBe(open);
  });

  it.each([
    ['2026-01-02', '2026-01-05'],
    ['2026-04-02', '2026-04-07'],
    ['2026-12-24', '2026-12-28'],
    ['2026-12-31', '2027-01-04'],
  ])('the business day after %s is %s', (date, next) => {
    expect(nextBusinessDay(date)).toBe(next);
  });

  it.each([
    ['2026-01-05', '2026-01-02', null],
    ['2026-01-06', '2026-01-02', null],
    ['2026-01-01', '2026-01-02', '2026-01-01 is in the past (today is 2026-01-02); the earliest collection date is 2026-01-05'],
    ['2026-01-02', '2026-01-02', '2026-01-02 is not at least one business day ahead of today (2026-01-02); the earliest collection date is 2026-01-05'],
    ['2026-01-04', '2026-01-02', '2026-01-04 is not at least one business day ahead of today (2026-01-02); the earliest collection date is 2026-01-05'],
    ['2026-12-26', '2026-12-01', '2026-12-26 is not a TARGET2 business day (a weekend or a closing day); the next one is 2026-12-28'],
    // a Saturday's next business day is the Monday
    ['2026-01-05', '2026-01-03', null],
  ])('collecting on %s as of %s', (date, today, problem) => {
    expect(collectionDateProblem(date, today)).toBe(problem);
  });
});

describe('mandates', () => {
  it('lapse 36 months after their last collection, or their signature when never used', () => {
    expect(mandateExpiresOn('2026-01-15', null)).toBe('2029-01-14');
    expect(mandateExpiresOn('2020-01-15', '2026-02-28')).toBe('2029-02-27');
    const mandate = { status: 'active' as const, signed_on: '2023-01-10' };
    expect(mandateState(mandate, null, '2026-01-09')).toBe('active');
    expect(mandateState(mandate, null, '2026-01-10')).toBe('expired');
    expect(mandateState(mandate, '2025-06-01', '2026-01-10')).toBe('active');
    expect(mandateState({ ...mandate, status: 'revoked' }, '2025-06-01', '2026-01-10')).toBe('revoked');
  });

  it('FRST for the first transaction ever, RCUR after', () => {
    expect(sequenceTypes(false, 3)).toEqual(['FRST', 'RCUR', 'RCUR']);
    expect(sequenceTypes(true, 2)).toEqual(['RCUR', 'RCUR']);
    expect(sequenceTypes(false, 0)).toEqual([]);
  });
});

describe('amounts', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [1234, '12.34'],
    [100000000, '1000000.00'],
  ])('%i cents are %s', (cents, text) => {
    expect(sepaAmount(cents)).toBe(text);
  });

  it('refuses what is not whole cents', () => {
    expect(() => sepaAmount(12.5)).toThrow(RangeError);
    expect(() => sepaAmount(-1)).toThrow(RangeError);
  });
});
