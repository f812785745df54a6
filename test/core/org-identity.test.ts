import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bicProblem,
  emptyIdentity,
  frenchVatKey,
  ibanProblem,
  identitySchemas,
  isValidSiren,
  isValidSiret,
  logoFromBytes,
  logoType,
  luhnValid,
  maxLogoBytes,
  missingForInvoices,
  type OrgIdentity,
  planIdentityChange,
  postcodeProblem,
  vatIdProblem,
} from '../../src/core/org/identity.js';

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);

describe('SIREN and SIRET', () => {
  it.each([
    ['732829320', true],
    ['404833048', true],
    ['552081317', true],
    ['123456782', true],
    ['356000000', true],
    ['123456788', false],
    ['123456789', false],
    ['12345678', false],
    ['1234567820', false],
    ['12345678a', false],
    ['', false],
  ])('SIREN %s is %s', (siren, valid) => {
    expect(isValidSiren(siren)).toBe(valid);
  });

  it.each([
    ['73282932000074', true],
    // La Poste's establishments: not Luhn, but the sum of their digits is a multiple of 5
    ['35600000049837', true],
    ['35600000049838', false],
    ['40483304800010', false],
    // Luhn-valid as a whole, but its first 9 digits are not a SIREN
    ['12345678900003', false],
    ['7328293200007', false],
  ])('SIRET %s is %s', (siret, valid) => {
    expect(isValidSiret(siret)).toBe(valid);
  });

  it('Luhn finds every single mistyped digit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), (at, delta) => {
        const siren = '732829320';
        const typo = siren.slice(0, at) + String((Number(siren[at]) + delta) % 10) + siren.slice(at + 1);
        return !luhnValid(typo);
      }),
    );
  });

  it('the siren option keeps the SIREN of a SIRET, and ignores spaces', () => {
    expect(identitySchemas.siren.parse('732 829 320 00074')).toEqual({ siren: '732829320', siret: '73282932000074' });
    expect(identitySchemas.siren.parse('732\u00a0829\u00a0320')).toEqual({ siren: '732829320', siret: null });
  });

  it.each([
    ['123456788', 'not a valid SIREN (9 digits whose Luhn checksum is 0)'],
    ['40483304800010', 'not a valid SIRET'],
    ['1234', 'a SIREN is 9 digits'],
  ])('the siren option refuses %s', (text, message) => {
    const result = identitySchemas.siren.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(message);
  });
});

describe('VAT numbers', () => {
  it.each([
    ['732829320', '44'],
    ['303265045', '40'],
    ['552081317', '03'],
    ['404833048', '83'],
  ])('the French key of SIREN %s is %s', (siren, key) => {
    expect(frenchVatKey(siren)).toBe(key);
  });

  it.each([
    'FR44732829320',
    'FR40303265045',
    'FR03552081317',
    'BE0403170701',
    'DE123456789',
    'IT12345678901',
    'NL123456789B01',
    'EL123456789',
    'ATU12345678',
    'ESA12345674',
    'CHE123456789MWST',
  ])('%s is valid', (vat) => {
    expect(vatIdProblem(vat)).toBeNull();
  });

  it.each([
    ['FR12732829320', 'the key of SIREN 732829320 is 44 (FR44732829320)'],
    ['FR44732829321', '732829321 is not a valid SIREN'],
    ['FR4473282932', 'not a valid FR VAT number (FR followed by a 2-digit key and the 9 digits of the SIREN)'],
    ['BE2403170701', 'not a valid BE VAT number (BE followed by 10 digits starting with 0 or 1)'],
    ['DE12345678', 'not a valid DE VAT number (DE followed by 9 digits)'],
    ['IT1234567890', 'not a valid IT VAT number (IT followed by 11 digits)'],
    ['GR123456789', "starts with its country's code"],
    ['732829320', "starts with its country's code"],
  ])('%s is refused: %s', (vat, message) => {
    expect(vatIdProblem(vat)).toContain(message);
  });

  it('the option takes spaces, dots, hyphens and lower case', () => {
    expect(identitySchemas.vatId.parse('fr 44 732.829-320')).toBe('FR44732829320');
    expect(identitySchemas.vatId.parse('CHE-123.456.789 MWST')).toBe('CHE123456789MWST');
  });
});

describe('IBAN and BIC (ibantools)', () => {
  it.each(['FR7630006000011234567890189', 'DE89370400440532013000', 'GB82WEST12345698765432', 'BE68539007547034'])('IBAN %s is valid', (iban) => {
    expect(ibanProblem(iban)).toBeNull();
  });

  it.each([
    ['FR7630006000011234567890188', 'not a valid IBAN'],
    ['FR7730006000011234567890189', 'check digits do not match'],
    ['FR763000600001123456789018', 'it has 26 characters; a FR IBAN has 27'],
    ['ZZ7630006000011234567890189', 'known country code'],
  ])('IBAN %s is refused: %s', (iban, message) => {
    expect(ibanProblem(iban)).toContain(message);
  });

  it('the IBAN option is stored without spaces, in upper case', () => {
    expect(identitySchemas.iban.parse(' fr76 3000 6000 0112 3456 7890 189 ')).toBe('FR7630006000011234567890189');
  });

  it.each(['BNPAFRPP', 'DEUTDEFF500', 'NEDSZAJJXXX'])('BIC %s is valid', (bic) => {
    expect(bicProblem(bic)).toBeNull();
  });

  it.each([
    ['BNPAZZPP', 'ZZ (its 5th and 6th letters) is not a country code'],
    ['XX', 'not a valid BIC (8 or 11 characters'],
    ['BNPAFRPP1', 'not a valid BIC (8 or 11 characters'],
  ])('BIC %s is refused: %s', (bic, message) => {
    expect(bicProblem(bic)).toContain(message);
  });

  it('the BIC option is stored in upper case', () => {
    expect(identitySchemas.bic.parse('bnpa fr pp')).toBe('BNPAFRPP');
  });
});

describe('country, postcode, e-mail, phone', () => {
  it.each([
    ['fr', true],
    ['BE', true],
    ['ch', true],
    ['ZZ', false],
    ['EU', false],
    ['FRA', false],
  ])('country %s is %s', (code, valid) => {
    expect(identitySchemas.country.safeParse(code).success).toBe(valid);
  });

  it.each([
    ['69001', 'FR', null],
    ['6900', 'FR', 'not a postcode of FR (5 digits)'],
    ['1000', 'BE', null],
    ['69001', 'BE', 'not a postcode of BE (4 digits)'],
    ['1234 AB', 'NL', null],
    ['SW1A 1AA', 'GB', null],
  ])('postcode %s in %s', (postcode, country, problem) => {
    expect(postcodeProblem(postcode, country)).toBe(problem);
  });

  it('refuses a malformed e-mail or phone, and a line break in a one-line field', () => {
    expect(identitySchemas.email.safeParse('nope').success).toBe(false);
    expect(identitySchemas.email.parse(' contact@lumiere.fr ')).toBe('contact@lumiere.fr');
    expect(identitySchemas.phone.safeParse('call me').success).toBe(false);
    expect(identitySchemas.phone.parse('+33 4 72 00 00 00')).toBe('+33 4 72 00 00 00');
    expect(identitySchemas.name.safeParse('Two\nlines').success).toBe(false);
    expect(identitySchemas.city.safeParse('Ly\ton').success).toBe(false);
    expect(identitySchemas.name.safeParse('Lumi\u0007ère').success).toBe(false);
    expect(identitySchemas.footer.parse('Two\nlines')).toBe('Two\nlines');
    expect(identitySchemas.name.safeParse('x'.repeat(201)).success).toBe(false);
  });
});

describe('logo', () => {
  it('knows PNG and JPEG by their first bytes only', () => {
    expect(logoType(png)).toBe('image/png');
    expect(logoType(jpeg)).toBe('image/jpeg');
    expect(logoType(new TextEncoder().encode('not an image'))).toBeNull();
    expect(logoType(new Uint8Array())).toBeNull();
    expect(logoType(png.slice(0, 4))).toBeNull();
  });

  it('takes up to 1 MB', () => {
    const full = new Uint8Array(maxLogoBytes);
    full.set(png);
    expect(logoFromBytes(full)).toMatchObject({ type: 'image/png' });
    const over = new Uint8Array(maxLogoBytes + 1);
    over.set(png);
    expect(logoFromBytes(over)).toEqual({ problem: expect.stringContaining('at most 1 MB') });
  });
});

describe('planIdentityChange', () => {
  const stored: OrgIdentity = { ...emptyIdentity, name: 'Lumière', postcode: '69001', siren: '732829320', siret: '73282932000074', vatId: 'FR44732829320' };

  it('changes only what is given, and an empty value clears a field', () => {
    const { next, changed, problems } = planIdentityChange(stored, { city: ' Lyon ', name: '' });
    expect(problems).toEqual([]);
    expect(changed).toEqual(['name', 'city']);
    expect(next).toMatchObject({ name: null, city: 'Lyon', postcode: '69001', siren: '732829320' });
  });

  it('clearing the country goes back to FR; clearing the SIREN clears the SIRET', () => {
    const { next } = planIdentityChange({ ...stored, postcode: null, country: 'BE' }, { country: '', siren: '', vatId: '' });
    expect(next).toMatchObject({ country: 'FR', siren: null, siret: null, vatId: null });
  });

  it('a new SIREN drops a SIRET of another SIREN; the same SIREN keeps it', () => {
    expect(planIdentityChange(stored, { siren: '732829320' }).changed).toEqual([]);
    const other = planIdentityChange(stored, { siren: '552081317', vatId: 'FR03552081317' });
    expect(other.problems).toEqual([]);
    expect(other.next).toMatchObject({ siren: '552081317', siret: null });
  });

  it('reports every refused value at once', () => {
    const { problems } = planIdentityChange(stored, { siren: '123456788', iban: 'FR7630006000011234567890188', email: 'nope', country: 'ZZ' });
    expect(problems.map((p) => p.option)).toEqual(['--country', '--siren', '--email', '--iban']);
    expect(problems[1]!.message).toBe('--siren 123456788: not a valid SIREN (9 digits whose Luhn checksum is 0)');
  });

  it('checks the postcode against the country it will have', () => {
    expect(planIdentityChange(stored, { country: 'BE' }).problems[0]!.message).toContain('--country BE: the postcode 69001 is not a postcode of BE (4 digits)');
    expect(planIdentityChange(stored, { country: 'BE', postcode: '1000' }).problems).toEqual([]);
    expect(planIdentityChange(stored, { postcode: '690' }).problems[0]!.message).toBe('--postcode 690: not a postcode of FR (5 digits)');
  });

  it('a French VAT number must be that of the SIREN', () => {
    expect(planIdentityChange(stored, { vatId: 'FR03552081317' }).problems[0]!.message).toContain('is that of SIREN 552081317, not of the SIREN 732829320');
    expect(planIdentityChange(stored, { siren: '552081317' }).problems[0]!.option).toBe('--siren');
  });

  it('sets and removes the logo, and sees a logo changed', () => {
    const withLogo = planIdentityChange(stored, { logo: { type: 'image/png', bytes: png } });
    expect(withLogo.changed).toEqual(['logo']);
    expect(planIdentityChange(withLogo.next, { logo: { type: 'image/png', bytes: Uint8Array.from(png) } }).changed).toEqual([]);
    expect(planIdentityChange(withLogo.next, { logo: { type: 'image/jpeg', bytes: jpeg } }).changed).toEqual(['logo']);
    expect(planIdentityChange(withLogo.next, { logo: null }).next.logo).toBeNull();
  });
});

describe('missingForInvoices', () => {
  const complete: OrgIdentity = {
    ...emptyIdentity,
    name: 'Lumière',
    address: '12 rue de la République',
    postcode: '69001',
    city: 'Lyon',
    siren: '732829320',
    vatId: 'FR44732829320',
    vatExemption: 'TVA non applicable, art. 293 B du CGI',
  };
  const fields = (identity: OrgIdentity, vatLines: boolean) => missingForInvoices(identity, { vatLines }).map((m) => `${m.field} ${m.option}`);

  it.each([
    ['nothing set, with VAT', emptyIdentity, true, ['name --name', 'address --address', 'postcode --postcode', 'city --city', 'siren --siren', 'vatId --vat-id']],
    ['nothing set, without VAT', emptyIdentity, false, ['name --name', 'address --address', 'postcode --postcode', 'city --city', 'siren --siren', 'vatExemption --vat-exemption']],
    ['complete, with VAT', complete, true, []],
    ['complete, without VAT', complete, false, []],
    ['no VAT number but VAT lines', { ...complete, vatId: null }, true, ['vatId --vat-id']],
    ['no VAT number and no VAT lines', { ...complete, vatId: null }, false, []],
    ['no exemption and no VAT lines', { ...complete, vatExemption: null }, false, ['vatExemption --vat-exemption']],
    ['a Belgian organisation needs no SIREN', { ...complete, country: 'BE', siren: null, vatExemption: null }, false, []],
    ['no city', { ...complete, city: null }, true, ['city --city']],
  ] as const)('%s', (_, identity, vatLines, expected) => {
    expect(fields(identity, vatLines)).toEqual(expected);
  });
});
