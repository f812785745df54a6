/**
 * The organisation's identity, as its invoices and documents print it: pure rules, no I/O. Each field has one zod
 * schema (the single source of its rule and its normal form); `planIdentityChange` applies the options of `org set`
 * to the stored identity and returns every problem at once, and `missingForInvoices` says what a legal invoice still
 * lacks.
 */
import { getCountrySpecifications, ValidationErrorsBIC, ValidationErrorsIBAN, validateBIC, validateIBAN } from 'ibantools';
import { z } from 'zod';
import { hasControlCharacter } from '../kernel/cell-characters.js';

export type LogoType = 'image/png' | 'image/jpeg';

export interface Logo {
  type: LogoType;
  bytes: Uint8Array;
}

/** The identity as stored: null for a field never set (or cleared); the country is always set (FR by default). */
export interface OrgIdentity {
  name: string | null;
  address: string | null;
  postcode: string | null;
  city: string | null;
  /** ISO 3166-1 alpha-2 */
  country: string;
  /** 9 digits */
  siren: string | null;
  /** 14 digits starting with the SIREN, when one was given */
  siret: string | null;
  vatId: string | null;
  email: string | null;
  phone: string | null;
  iban: string | null;
  bic: string | null;
  legalForm: string | null;
  registration: string | null;
  vatExemption: string | null;
  latePenalty: string | null;
  footer: string | null;
  logo: Logo | null;
  updatedAt: string | null;
}

export const defaultCountry = 'FR';

export const emptyIdentity: OrgIdentity = {
  name: null,
  address: null,
  postcode: null,
  city: null,
  country: defaultCountry,
  siren: null,
  siret: null,
  vatId: null,
  email: null,
  phone: null,
  iban: null,
  bic: null,
  legalForm: null,
  registration: null,
  vatExemption: null,
  latePenalty: null,
  footer: null,
  logo: null,
  updatedAt: null,
};

// ---------------------------------------------------------------------------------------------------------------
// Checksums and formats

/** Luhn: from the right, every second digit doubled (minus 9 above 9); the sum is a multiple of 10. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const isValidSiren = (text: string): boolean => /^\d{9}$/.test(text) && luhnValid(text);

/** La Poste's SIREN: its establishments' SIRETs follow their own rule (the sum of the digits is a multiple of 5). */
const laPosteSiren = '356000000';

export function isValidSiret(text: string): boolean {
  if (!/^\d{14}$/.test(text) || !isValidSiren(text.slice(0, 9))) return false;
  if (luhnValid(text)) return true;
  return text.startsWith(laPosteSiren) && [...text].reduce((sum, c) => sum + Number(c), 0) % 5 === 0;
}

/** The key of a French VAT number: (12 + 3 x (SIREN mod 97)) mod 97, on two digits. */
export function frenchVatKey(siren: string): string {
  return String((12 + 3 * (Number(siren) % 97)) % 97).padStart(2, '0');
}

/**
 * VAT numbers by the country prefix they start with (Greece is EL, Northern Ireland XI), after the prefix, spaces,
 * dots and hyphens removed. The formats are those the EU's VIES service accepts, plus the UK, Switzerland and Norway.
 */
export const vatFormats: Record<string, { pattern: RegExp; rule: string }> = {
  AT: { pattern: /^U\d{8}$/, rule: 'U and 8 digits' },
  BE: { pattern: /^[01]\d{9}$/, rule: '10 digits starting with 0 or 1' },
  BG: { pattern: /^\d{9,10}$/, rule: '9 or 10 digits' },
  CY: { pattern: /^\d{8}[A-Z]$/, rule: '8 digits and a letter' },
  CZ: { pattern: /^\d{8,10}$/, rule: '8 to 10 digits' },
  DE: { pattern: /^\d{9}$/, rule: '9 digits' },
  DK: { pattern: /^\d{8}$/, rule: '8 digits' },
  EE: { pattern: /^\d{9}$/, rule: '9 digits' },
  EL: { pattern: /^\d{9}$/, rule: '9 digits' },
  ES: { pattern: /^[A-Z0-9]\d{7}[A-Z0-9]$/, rule: '9 characters: a letter or digit, 7 digits, a letter or digit' },
  FI: { pattern: /^\d{8}$/, rule: '8 digits' },
  FR: { pattern: /^\d{11}$/, rule: 'a 2-digit key and the 9 digits of the SIREN' },
  HR: { pattern: /^\d{11}$/, rule: '11 digits' },
  HU: { pattern: /^\d{8}$/, rule: '8 digits' },
  IE: { pattern: /^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/, rule: '7 digits and 1 or 2 letters (or the old form 1234567X)' },
  IT: { pattern: /^\d{11}$/, rule: '11 digits' },
  LT: { pattern: /^(\d{9}|\d{12})$/, rule: '9 or 12 digits' },
  LU: { pattern: /^\d{8}$/, rule: '8 digits' },
  LV: { pattern: /^\d{11}$/, rule: '11 digits' },
  MT: { pattern: /^\d{8}$/, rule: '8 digits' },
  NL: { pattern: /^\d{9}B\d{2}$/, rule: '9 digits, B and 2 digits' },
  PL: { pattern: /^\d{10}$/, rule: '10 digits' },
  PT: { pattern: /^\d{9}$/, rule: '9 digits' },
  RO: { pattern: /^[1-9]\d{1,9}$/, rule: '2 to 10 digits' },
  SE: { pattern: /^\d{10}01$/, rule: '12 digits ending in 01' },
  SI: { pattern: /^\d{8}$/, rule: '8 digits' },
  SK: { pattern: /^\d{10}$/, rule: '10 digits' },
  XI: { pattern: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/, rule: '9 or 12 digits (or GD/HA and 3 digits)' },
  GB: { pattern: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/, rule: '9 or 12 digits (or GD/HA and 3 digits)' },
  CH: { pattern: /^E\d{9}(MWST|TVA|IVA)?$/, rule: 'E and 9 digits, optionally followed by MWST, TVA or IVA (CHE-123.456.789 MWST)' },
  NO: { pattern: /^\d{9}(MVA)?$/, rule: '9 digits, optionally followed by MVA' },
};

/** Why a VAT number (normalised: upper case, no spaces, dots or hyphens) is refused, or null when it is valid. */
export function vatIdProblem(vatId: string): string | null {
  const prefix = vatId.slice(0, 2);
  const format = vatFormats[prefix];
  if (!format) {
    return `a VAT number starts with its country's code (FR, BE, DE, IT, ... EL for Greece); known: ${Object.keys(vatFormats).join(', ')}`;
  }
  const rest = vatId.slice(2);
  if (!format.pattern.test(rest)) return `not a valid ${prefix} VAT number (${prefix} followed by ${format.rule})`;
  if (prefix === 'FR') {
    const siren = rest.slice(2);
    if (!isValidSiren(siren)) return `not a valid FR VAT number: ${siren} is not a valid SIREN (9 digits whose Luhn checksum is 0)`;
    const key = frenchVatKey(siren);
    if (rest.slice(0, 2) !== key) return `not a valid FR VAT number: the key of SIREN ${siren} is ${key} (FR${key}${siren})`;
  }
  return null;
}

const ibanErrors: Partial<Record<ValidationErrorsIBAN, string>> = {
  [ValidationErrorsIBAN.NoIBANCountry]: 'it does not start with a known country code',
  [ValidationErrorsIBAN.WrongBBANLength]: 'it has the wrong length for its country',
  [ValidationErrorsIBAN.WrongBBANFormat]: 'its account part has the wrong format for its country',
  [ValidationErrorsIBAN.ChecksumNotNumber]: 'its check digits (3rd and 4th characters) are not digits',
  [ValidationErrorsIBAN.WrongIBANChecksum]: 'its check digits do not match (a mistyped character?)',
  [ValidationErrorsIBAN.WrongAccountBankBranchChecksum]: "its bank's own account key does not match",
};

/** Why an IBAN (normalised) is refused, or null when it is valid. */
export function ibanProblem(iban: string): string | null {
  const result = validateIBAN(iban);
  if (result.valid) return null;
  const country = iban.slice(0, 2);
  const length = getCountrySpecifications()[country]?.chars;
  if (result.errorCodes.includes(ValidationErrorsIBAN.WrongBBANLength) && length) {
    return `not a valid IBAN: it has ${iban.length} characters; a ${country} IBAN has ${length}`;
  }
  const why = result.errorCodes.map((code) => ibanErrors[code]).filter((s) => s !== undefined);
  return `not a valid IBAN: ${why.length > 0 ? why.join(', ') : 'malformed'}`;
}

/** Why a BIC (normalised) is refused, or null when it is valid. */
export function bicProblem(bic: string): string | null {
  const result = validateBIC(bic);
  if (result.valid) return null;
  if (/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic) && result.errorCodes.includes(ValidationErrorsBIC.NoBICCountry)) {
    return `not a valid BIC: ${bic.slice(4, 6)} (its 5th and 6th letters) is not a country code`;
  }
  return 'not a valid BIC (8 or 11 characters: 4 letters for the bank, 2 for the country, 2 letters or digits for the place, optionally 3 for the branch)';
}

/** ISO 3166-1 alpha-2 codes (ibantools keeps the list). */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && Object.hasOwn(getCountrySpecifications(), code);
}

/** The country's name in English, for the human output (the code when Intl does not know it). */
export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Postcode formats of the countries whose format is fixed; other countries take 1 to 10 letters, digits, spaces or hyphens. */
export const postcodeFormats: Record<string, { pattern: RegExp; rule: string }> = {
  FR: { pattern: /^\d{5}$/, rule: '5 digits' },
  MC: { pattern: /^980\d{2}$/, rule: '5 digits starting with 980' },
  DE: { pattern: /^\d{5}$/, rule: '5 digits' },
  ES: { pattern: /^\d{5}$/, rule: '5 digits' },
  IT: { pattern: /^\d{5}$/, rule: '5 digits' },
  BE: { pattern: /^\d{4}$/, rule: '4 digits' },
  CH: { pattern: /^\d{4}$/, rule: '4 digits' },
  LU: { pattern: /^(L-)?\d{4}$/, rule: '4 digits (L-1234 or 1234)' },
  NL: { pattern: /^\d{4} ?[A-Z]{2}$/, rule: '4 digits and 2 letters (1234 AB)' },
};
const otherPostcode = { pattern: /^[A-Z0-9][A-Z0-9 -]{0,9}$/, rule: '1 to 10 letters, digits, spaces or hyphens' };

/** Why a postcode (normalised) is refused in this country, or null when it is valid. */
export function postcodeProblem(postcode: string, country: string): string | null {
  const format = postcodeFormats[country] ?? otherPostcode;
  return format.pattern.test(postcode) ? null : `not a postcode of ${country} (${format.rule})`;
}

// ---------------------------------------------------------------------------------------------------------------
// The fields and their schemas

const compact = (text: string) => text.replace(/[\s\u00a0\u202f]+/g, '');

/** A line of text: trimmed, at most `max` characters, no control characters (no line breaks when `lines` is false). */
const text = (max: number, lines = false) =>
  z
    .string()
    .transform((s) => s.trim())
    .refine((s) => !hasControlCharacter(s) && (lines || !/[\t\r\n]/.test(s)), lines ? 'no control characters (line breaks are allowed)' : 'one line, no tabs or control characters')
    .refine((s) => s.length <= max, `at most ${max} characters`);

const refined = (normalise: (s: string) => string, problem: (s: string) => string | null) =>
  z
    .string()
    .transform(normalise)
    .superRefine((s, ctx) => {
      const why = problem(s);
      if (why !== null) ctx.addIssue({ code: 'custom', message: why });
    });

const sirenOrSiret = z
  .string()
  .transform(compact)
  .superRefine((s, ctx) => {
    if (/^\d{9}$/.test(s) && !isValidSiren(s)) ctx.addIssue({ code: 'custom', message: 'not a valid SIREN (9 digits whose Luhn checksum is 0)' });
    else if (/^\d{14}$/.test(s) && !isValidSiret(s)) {
      ctx.addIssue({ code: 'custom', message: 'not a valid SIRET (14 digits whose Luhn checksum is 0, the first 9 a valid SIREN)' });
    } else if (!/^(\d{9}|\d{14})$/.test(s)) ctx.addIssue({ code: 'custom', message: 'a SIREN is 9 digits (a SIRET 14: its first 9 are kept as the SIREN)' });
  })
  .transform((s) => ({ siren: s.slice(0, 9), siret: s.length === 14 ? s : null }));

/**
 * Every text option of `org set`: its schema (rule and normal form). An empty value clears the field, so it never
 * reaches the schema.
 */
export const identitySchemas = {
  name: text(200),
  address: text(300, true),
  // checked against the country once both are known
  postcode: text(10).transform((s) => s.toUpperCase()),
  city: text(100),
  country: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .refine(isCountryCode, 'an ISO 3166-1 alpha-2 country code such as FR, BE, CH or DE'),
  siren: sirenOrSiret,
  vatId: refined((s) => s.replace(/[\s\u00a0\u202f.-]+/g, '').toUpperCase(), vatIdProblem),
  email: z
    .string()
    .trim()
    .pipe(z.email('an e-mail address such as contact@example.org')),
  phone: text(30).refine((s) => /^\+?[\d\s().-]+$/.test(s) && s.replace(/\D/g, '').length >= 6, 'a phone number: digits, spaces, dots, hyphens or brackets, optionally after a +'),
  iban: refined((s) => compact(s).toUpperCase(), ibanProblem),
  bic: refined((s) => compact(s).toUpperCase(), bicProblem),
  legalForm: text(200),
  registration: text(200),
  vatExemption: text(500, true),
  latePenalty: text(1000, true),
  footer: text(1000, true),
} as const;

export type IdentityOption = keyof typeof identitySchemas;
export const identityOptions = Object.keys(identitySchemas) as IdentityOption[];

/** The option of `org set` for a field (`vatId` -> `--vat-id`). */
export const optionFlag = (field: string): string => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** What `org set` was given: text options as typed ('' clears), the logo read from its file, or null to remove it. */
export type IdentityInput = Partial<Record<IdentityOption, string>> & { logo?: Logo | null };

export interface IdentityProblem {
  option: string;
  message: string;
  /** 66 for a file that cannot be read; every other problem is a usage error (64) */
  exitCode?: 66;
}

/** A value as the user typed it, quoted when it would not read as one word. */
const shownValue = (value: string) => (value === '' || /[\s"']/.test(value) ? JSON.stringify(value) : value);

export const maxLogoBytes = 1024 * 1024;

/** The logo's media type from its first bytes (never from the file name), or null when it is neither PNG nor JPEG. */
export function logoType(bytes: Uint8Array): LogoType | null {
  const starts = (magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  return null;
}

/** The logo of these bytes, or why they are refused. */
export function logoFromBytes(bytes: Uint8Array): Logo | { problem: string } {
  if (bytes.length > maxLogoBytes) return { problem: `the logo is ${bytes.length} bytes; at most 1 MB (${maxLogoBytes} bytes)` };
  const type = logoType(bytes);
  if (type === null) return { problem: 'the logo must be a PNG or JPEG image (read from its first bytes, whatever its name)' };
  return { type, bytes };
}

/** The fields `org set` can change. */
export type IdentityField = Exclude<keyof OrgIdentity, 'updatedAt'>;
type TextField = Exclude<IdentityField, 'logo'>;

export interface IdentityChange {
  next: OrgIdentity;
  /** the fields whose value changed, in the order of OrgIdentity */
  changed: IdentityField[];
  problems: IdentityProblem[];
}

/**
 * Applies the options of `org set` to the stored identity. Never throws: every refused value is a problem, and the
 * caller changes nothing when there is one. A SIRET sets the SIREN too; a SIREN alone keeps the stored SIRET only
 * when it belongs to it. The postcode is checked against the country and a French VAT number against the SIREN, as
 * they will be after the change.
 */
export function planIdentityChange(current: OrgIdentity, input: IdentityInput): IdentityChange {
  const next: OrgIdentity = { ...current };
  const problems: IdentityProblem[] = [];
  for (const field of identityOptions) {
    const raw = input[field];
    if (raw === undefined) continue;
    if (raw.trim() === '') {
      if (field === 'country') next.country = defaultCountry;
      else if (field === 'siren') Object.assign(next, { siren: null, siret: null });
      else next[field] = null;
      continue;
    }
    const parsed = identitySchemas[field].safeParse(raw);
    if (!parsed.success) {
      problems.push({ option: optionFlag(field), message: `${optionFlag(field)} ${shownValue(raw)}: ${parsed.error.issues[0]?.message ?? 'not a valid value'}` });
      continue;
    }
    const value = parsed.data;
    if (typeof value === 'object') {
      next.siren = value.siren;
      next.siret = value.siret ?? (current.siret?.startsWith(value.siren) ? current.siret : null);
    } else next[field as Exclude<TextField, 'siret'>] = value as string;
  }
  if (input.logo !== undefined) next.logo = input.logo;

  if (next.postcode !== null && !problems.some((p) => p.option === '--postcode' || p.option === '--country')) {
    const why = postcodeProblem(next.postcode, next.country);
    if (why !== null) {
      problems.push(
        input.postcode !== undefined
          ? { option: '--postcode', message: `--postcode ${shownValue(input.postcode)}: ${why}` }
          : {
              option: '--country',
              message: `--country ${input.country}: the postcode ${next.postcode} is ${why}; give --postcode too (or --postcode "" to clear it)`,
            },
      );
    }
  }
  if (next.vatId?.startsWith('FR') && next.siren !== null && next.vatId.slice(4) !== next.siren && !problems.some((p) => p.option === '--vat-id' || p.option === '--siren')) {
    const option = input.vatId !== undefined ? '--vat-id' : '--siren';
    const value = input.vatId !== undefined ? input.vatId : input.siren!;
    problems.push({
      option,
      message: `${option} ${shownValue(value)}: the VAT number ${next.vatId} is that of SIREN ${next.vatId.slice(4)}, not of the SIREN ${next.siren}; give both --siren and --vat-id (--vat-id "" clears it)`,
    });
  }

  const changed = (Object.keys(emptyIdentity) as Array<keyof OrgIdentity>).filter(
    (field): field is IdentityField => field !== 'updatedAt' && !sameValue(current[field], next[field]),
  );
  return { next, changed, problems };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const [x, y] = [a as Logo, b as Logo];
    return x.type === y.type && Buffer.from(x.bytes).equals(Buffer.from(y.bytes));
  }
  return a === b;
}

// ---------------------------------------------------------------------------------------------------------------
// What invoices need

export interface MissingField {
  field: IdentityField;
  /** the `org set` option that fills it */
  option: string;
  why: string;
}

/**
 * What a legal invoice still lacks: the name and the full postal address always; a French organisation's SIREN; the
 * VAT number when the invoice has lines with VAT; when it has none, a French organisation's VAT exemption mention
 * (e.g. "TVA non applicable, art. 293 B du CGI"). Empty when invoices can be issued.
 */
export function missingForInvoices(identity: OrgIdentity, options: { vatLines: boolean }): MissingField[] {
  const missing: MissingField[] = [];
  const need = (field: TextField, why: string) => {
    if (identity[field] === null) missing.push({ field, option: optionFlag(field), why });
  };
  need('name', "an invoice names its seller");
  need('address', "an invoice gives the seller's address");
  need('postcode', "an invoice gives the seller's address");
  need('city', "an invoice gives the seller's address");
  const french = identity.country === 'FR';
  if (french) need('siren', "a French organisation's invoices carry its SIREN");
  if (options.vatLines) need('vatId', 'an invoice that charges VAT carries the VAT number of its seller');
  else if (french) need('vatExemption', 'a French invoice without VAT says why (e.g. "TVA non applicable, art. 293 B du CGI")');
  return missing;
}

// ---------------------------------------------------------------------------------------------------------------
// The JSON document

/** The `org show --json` shape of an identity (the logo as its media type and size). */
export function identityJson(identity: OrgIdentity) {
  const { logo, ...fields } = identity;
  const ordered = {
    name: fields.name,
    address: fields.address,
    postcode: fields.postcode,
    city: fields.city,
    country: fields.country,
    siren: fields.siren,
    siret: fields.siret,
    vatId: fields.vatId,
    email: fields.email,
    phone: fields.phone,
    iban: fields.iban,
    bic: fields.bic,
    legalForm: fields.legalForm,
    registration: fields.registration,
    vatExemption: fields.vatExemption,
    latePenalty: fields.latePenalty,
    footer: fields.footer,
  };
  return { ...ordered, logo: logo ? logoSummary(logo) : null, updatedAt: identity.updatedAt };
}

export const logoSummary = (logo: Logo) => ({ type: logo.type, bytes: logo.bytes.length });
