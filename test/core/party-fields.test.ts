import { describe, expect, it } from 'vitest';
import { isBusinessBuyer } from '../../src/core/documents/invoice-document.js';
import { documentLineDescription } from '../../src/core/documents/line-description.js';
import { chargeLineDescription, lineDescription } from '../../src/core/billing/rules.js';
import { namedCountries, planPartyChange, readCountry, readLanguage, readPostcode, readSiren, readVatId } from '../../src/core/people/party-fields.js';

const none = { address: null, postcode: null, city: null, country: null, language: null, siren: null, vat_id: null };
const nbsp = (text: string) => text.replace(/\u00a0/g, ' ');

describe('buyer fields', () => {
  it.each([
    ['FR', 'FR'],
    [' be ', 'BE'],
    ['France', 'FR'],
    ['belgique', 'BE'],
    ['Belgium', 'BE'],
    ['Royaume-Uni', 'GB'],
    ['United Kingdom', 'GB'],
    ['UK', 'GB'],
    ['États-Unis', 'US'],
    ['etats unis', 'US'],
    ['Suisse', 'CH'],
    ['Allemagne', 'DE'],
    ['Pays-Bas', 'NL'],
    ['Czech Republic', 'CZ'],
    ['JP', 'JP'],
  ])('reads the country %j as %s', (raw, code) => {
    expect(readCountry(raw)).toEqual({ ok: true, value: code });
  });

  it('knows the French and English names of every EU country, Switzerland, the UK and the US', () => {
    for (const code of namedCountries) {
      for (const language of ['fr', 'en']) {
        const name = new Intl.DisplayNames([language], { type: 'region' }).of(code)!;
        expect(readCountry(name), `${language} ${name}`).toEqual({ ok: true, value: code });
      }
    }
  });

  it('refuses an unknown country with the rule and the closest code', () => {
    const read = readCountry('Frnace');
    expect(read.ok).toBe(false);
    expect(read).toMatchObject({ rule: expect.stringContaining('ISO 3166-1 alpha-2'), suggestion: 'FR' });
    expect(readCountry('XX').ok).toBe(false);
  });

  it('keeps the SIREN of a SIRET and refuses a wrong check digit', () => {
    expect(readSiren('732 829 320')).toEqual({ ok: true, value: '732829320' });
    expect(readSiren('40123456200007')).toEqual({ ok: true, value: '401234562' });
    expect(readSiren('732829321')).toMatchObject({ ok: false, rule: expect.stringContaining('not a valid SIREN') });
    expect(readSiren('123')).toMatchObject({ ok: false, rule: expect.stringContaining('9 digits') });
  });

  it('checks a VAT number against its country format, and the key of a French one', () => {
    expect(readVatId('fr 44 732.829.320')).toEqual({ ok: true, value: 'FR44732829320' });
    expect(readVatId('BE0123456749')).toEqual({ ok: true, value: 'BE0123456749' });
    expect(readVatId('FR00732829320')).toMatchObject({ ok: false, rule: expect.stringContaining('the key of SIREN 732829320 is 44') });
    expect(readVatId('DE12')).toMatchObject({ ok: false, rule: expect.stringContaining('9 digits') });
  });

  it('reads a postcode in the format of its country', () => {
    expect(readPostcode('69001', 'FR')).toEqual({ ok: true, value: '69001' });
    expect(readPostcode('1000', 'BE')).toEqual({ ok: true, value: '1000' });
    expect(readPostcode('1000', 'FR')).toMatchObject({ ok: false, rule: 'not a postcode of FR (5 digits)' });
    expect(readPostcode('sw1a 1aa', 'GB')).toEqual({ ok: true, value: 'SW1A 1AA' });
  });

  it('reads fr or en, and in an import the languages by name', () => {
    expect(readLanguage('EN')).toEqual({ ok: true, value: 'en' });
    expect(readLanguage('Français').ok).toBe(false);
    expect(readLanguage('Français', true)).toEqual({ ok: true, value: 'fr' });
    expect(readLanguage('anglais', true)).toEqual({ ok: true, value: 'en' });
    expect(readLanguage('de', true).ok).toBe(false);
  });

  it('plans only the changed columns; an empty value clears; every refused value is named with its option', () => {
    const current = { ...none, city: 'Lyon', postcode: '69001' };
    expect(planPartyChange(current, { city: 'Lyon', country: 'be', postcode: '1000', language: 'fr' }, 'FR')).toEqual({
      changes: { country: 'BE', postcode: '1000', language: 'fr' },
      problems: [],
    });
    expect(planPartyChange(current, { city: '', postcode: '' }, 'FR').changes).toEqual({ city: null, postcode: null });
    const bad = planPartyChange(none, { country: 'ZZ', language: 'de', siren: '732829321' }, 'FR');
    expect(bad.problems).toEqual([
      '--country ZZ: an ISO 3166-1 alpha-2 country code such as FR, BE, CH or DE',
      '--language de: fr or en (the language of the documents sent to this person)',
      '--siren 732829321: not a valid SIREN (9 digits whose Luhn checksum is 0)',
    ]);
  });

  it('checks the postcode against the country it will have, the organisation’s when none', () => {
    expect(planPartyChange(none, { postcode: '1000' }, 'BE').problems).toEqual([]);
    expect(planPartyChange(none, { postcode: '1000' }, 'FR').problems).toEqual(['--postcode 1000: not a postcode of FR (5 digits)']);
    expect(planPartyChange({ ...none, postcode: '69001' }, { country: 'BE' }, 'FR').problems[0]).toContain('--country BE: the postcode 69001 is not a postcode of BE');
  });

  it('refuses a French VAT number that is not that of the SIREN beside it', () => {
    const { problems } = planPartyChange({ ...none, siren: '401234562' }, { vatId: 'FR44732829320' }, 'FR');
    expect(problems).toEqual(['--vat-id FR44732829320: the VAT number FR44732829320 is that of SIREN 732829320, not of the SIREN 401234562; give both --siren and --vat-id (--vat-id "" clears it)']);
    expect(planPartyChange(none, { siren: '732829320', vatId: 'FR44732829320' }, 'FR').problems).toEqual([]);
  });
});

describe('the buyer as a business', () => {
  it.each([
    [{ business: true, siren: null, vatId: null }, true],
    [{ business: false, siren: '732829320', vatId: null }, true],
    [{ siren: null, vatId: 'BE0123456749' }, true],
    [{ business: false, siren: null, vatId: null }, false],
    [{ siren: null, vatId: null }, false],
  ])('%j is a business: %s', (buyer, business) => {
    expect(isBusinessBuyer(buyer)).toBe(business);
  });
});

describe('line descriptions in the document language', () => {
  const stored = (plan: string, quantity: number, start: string, endExclusive: string, proration?: { days: number; fullDays: number }) => ({
    plan_name: plan,
    quantity,
    period_start: start,
    period_end: new Date(Date.parse(`${endExclusive}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10),
    description: lineDescription(plan, quantity, { start, end: endExclusive, proration: proration ?? null }),
  });

  it.each([
    ['fr', stored('Bureau nomade', 1, '2026-12-01', '2027-01-01'), 'Bureau nomade — 1 déc. 2026 au 31 déc. 2026'],
    ['en', stored('Hot desk', 1, '2026-12-01', '2027-01-01'), 'Hot desk — Dec 1, 2026 to Dec 31, 2026'],
    ['fr', stored('Bureau fixe', 3, '2026-03-15', '2026-04-01', { days: 17, fullDays: 31 }), 'Bureau fixe × 3 — 15 mars 2026 au 31 mars 2026 (prorata 17/31 jours)'],
    ['en', stored('Fixed desk', 3, '2026-03-15', '2026-04-01', { days: 17, fullDays: 31 }), 'Fixed desk × 3 — Mar 15, 2026 to Mar 31, 2026 (prorated 17/31 days)'],
    ['en', stored('Day pass', 1, '2026-05-04', '2026-05-05'), 'Day pass — May 4, 2026'],
  ] as const)('%s: %s', (language, line, expected) => {
    expect(nbsp(documentLineDescription(line, language))).toBe(expected);
  });

  it('keeps a description that the line columns do not give as it is', () => {
    const line = { plan_name: 'Hot Desk', quantity: 1, period_start: '2026-01-01', period_end: '2026-01-31', description: 'Hot Desk, Zoé, 2026-01-01 to 2026-01-31' };
    expect(documentLineDescription(line, 'fr')).toBe(line.description);
  });

  it.each([
    ['fr', 3, 1250, false, 'Salle de réunion — 3 × 12,50 EUR — 6 déc. 2026'],
    ['en', 3, 1250, false, 'Salle de réunion — 3 × 12.50 EUR — Dec 6, 2026'],
    ['fr', 1, 5000, true, 'Casier (dépôt de garantie) — 1 × 50,00 EUR — 6 déc. 2026'],
    ['en', 1, 5000, true, 'Casier (refundable deposit) — 1 × 50.00 EUR — Dec 6, 2026'],
  ] as const)('a one-off charge in %s: %s x %s', (language, quantity, unitPrice, deposit, expected) => {
    const name = deposit ? 'Casier' : 'Salle de réunion';
    const charge = { description: name, quantity, unitPrice, currency: 'EUR', date: '2026-12-06', deposit };
    const line = { plan_name: name, quantity, unit_price: unitPrice, period_start: '2026-12-06', period_end: '2026-12-06', charge_id: 1, description: chargeLineDescription(charge) };
    expect(nbsp(documentLineDescription(line, language, 'EUR'))).toBe(expected);
  });

  it('never splits a date over two lines', () => {
    const line = stored('Bureau nomade', 1, '2026-12-01', '2027-01-01');
    expect(documentLineDescription(line, 'fr')).toContain('1\u00a0déc.\u00a02026');
  });
});
