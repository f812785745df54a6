/**
 * The postal address, language and company identifiers of the people and companies invoices are addressed to:
 * pure rules, no I/O. Each value is checked by the same schema as the organisation's own identity
 * (`org/identity.ts`), so that a SIREN, a VAT number or a country means the same thing on both sides of an invoice.
 * Nothing here throws: a refused value comes back with its rule, for the command line (64) and the import (a row
 * problem) to word.
 */
import { identitySchemas, postcodeProblem } from '../org/identity.js';
import { normalizeName, rankByCloseness } from '../kernel/suggest.js';

export const languages = ['fr', 'en'] as const;
export type Language = (typeof languages)[number];

/** `suggestion`: the value meant, when one is close ("FR" for "Frnace"). */
export type PartyRead<T> = { ok: true; value: T } | { ok: false; rule: string; suggestion?: string };

const refused = (rule: string, suggestion?: string): PartyRead<never> => ({ ok: false, rule, ...(suggestion ? { suggestion } : {}) });

function fromSchema<T>(schema: { safeParse(value: string): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }, raw: string): PartyRead<T> {
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : refused(parsed.error.issues[0]?.message ?? 'not a valid value');
}

/** Street lines, one per line (at most 300 characters in all); the documents print up to three. */
export const readAddress = (raw: string): PartyRead<string> => fromSchema(identitySchemas.address, raw.replace(/\r\n?/g, '\n'));

export const readCity = (raw: string): PartyRead<string> => fromSchema(identitySchemas.city, raw);

/** An ISO 3166-1 alpha-2 code in any case ("fr" -> FR). */
export const readCountryCode = (raw: string): PartyRead<string> => fromSchema(identitySchemas.country, raw);

/** A postcode in the format of its country (`postcodeFormats`): "69001" in France, "1000" in Belgium. */
export function readPostcode(raw: string, country: string): PartyRead<string> {
  const read = fromSchema(identitySchemas.postcode, raw);
  if (!read.ok) return read;
  const why = postcodeProblem(read.value, country);
  return why === null ? read : refused(why);
}

/** A SIREN (9 digits, Luhn-checked); a 14-digit SIRET is accepted and its SIREN kept. */
export function readSiren(raw: string): PartyRead<string> {
  const read = fromSchema(identitySchemas.siren, raw);
  return read.ok ? { ok: true, value: read.value.siren } : read;
}

/** A VAT number in its country's format (FR: the key of its SIREN checked); spaces, dots and hyphens dropped. */
export const readVatId = (raw: string): PartyRead<string> => fromSchema(identitySchemas.vatId, raw);

/** Why a French VAT number does not belong to the company's SIREN, or null. */
export function vatSirenMismatch(vatId: string | null, siren: string | null): string | null {
  if (vatId === null || siren === null || !vatId.startsWith('FR') || vatId.slice(4) === siren) return null;
  return `the VAT number ${vatId} is that of SIREN ${vatId.slice(4)}, not of the SIREN ${siren}`;
}

const languageNames: Record<string, Language> = {
  fr: 'fr',
  en: 'en',
  francais: 'fr',
  french: 'fr',
  anglais: 'en',
  english: 'en',
};

/** fr or en, in any case; an import also reads the languages' names (Français, English, Anglais, French). */
export function readLanguage(raw: string, names = false): PartyRead<Language> {
  const key = names ? normalizeName(raw) : raw.trim().toLowerCase();
  const language = names ? languageNames[key] : (languages as readonly string[]).includes(key) ? (key as Language) : undefined;
  return language ? { ok: true, value: language } : refused('fr or en (the language of the documents sent to this person)');
}

/**
 * The countries an import also finds by their French or English name (besides any ISO 3166-1 alpha-2 code): the
 * European Union, Switzerland, the United Kingdom, the United States, and the neighbours a French organisation
 * bills most (Norway, Iceland, Liechtenstein, Monaco, Andorra).
 */
export const namedCountries = [
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK', 'CH', 'GB', 'US', 'NO', 'IS', 'LI', 'MC', 'AD',
] as const;

// the names people write that Intl does not give
const otherNames: Record<string, string> = {
  'czech republic': 'CZ',
  'republique tcheque': 'CZ',
  holland: 'NL',
  hollande: 'NL',
  uk: 'GB',
  'great britain': 'GB',
  'grande bretagne': 'GB',
  angleterre: 'GB',
  england: 'GB',
  usa: 'US',
  'united states of america': 'US',
  'etats unis d amerique': 'US',
  amerique: 'US',
  suisse: 'CH',
  schweiz: 'CH',
  deutschland: 'DE',
  belgie: 'BE',
  espana: 'ES',
  italia: 'IT',
  nederland: 'NL',
  osterreich: 'AT',
};

let countryNames: Map<string, string> | null = null;

/** Normalised French and English names of `namedCountries` -> code (built once, on first use). */
function countriesByName(): Map<string, string> {
  if (countryNames) return countryNames;
  const names = new Map<string, string>(Object.entries(otherNames));
  for (const language of ['en', 'fr']) {
    const display = new Intl.DisplayNames([language], { type: 'region' });
    for (const code of namedCountries) {
      const name = display.of(code);
      if (name && name !== code) names.set(normalizeName(name), code);
    }
  }
  countryNames = names;
  return names;
}

/**
 * A country as an import cell gives it: an ISO 3166-1 alpha-2 code in any case, or the French or English name of
 * one of `namedCountries` (case, accents and punctuation ignored: "Belgique", "belgium", "Royaume-Uni"). A value
 * that is neither suggests the closest name.
 */
export function readCountry(raw: string): PartyRead<string> {
  const code = readCountryCode(raw);
  if (code.ok) return code;
  const names = countriesByName();
  const found = names.get(normalizeName(raw));
  if (found) return { ok: true, value: found };
  const close = rankByCloseness(raw, [...names.keys()], 1);
  const rule = 'an ISO 3166-1 alpha-2 code (FR, BE, CH) or a country name in French or English';
  return close[0] ? refused(rule, names.get(close[0])) : refused(rule);
}

/** The party columns members and companies share, and those only companies have. */
export interface PartyColumns {
  address: string | null;
  postcode: string | null;
  city: string | null;
  /** null: the organisation's country */
  country: string | null;
  language?: Language | null;
  siren?: string | null;
  vat_id?: string | null;
}

/** What the command line gives for those columns: a value sets, '' clears, undefined keeps. */
export interface PartyInput {
  address?: string;
  postcode?: string;
  city?: string;
  country?: string;
  language?: string;
  siren?: string;
  vatId?: string;
}

const partyFlags: Record<keyof PartyInput, string> = {
  address: '--address',
  postcode: '--postcode',
  city: '--city',
  country: '--country',
  language: '--language',
  siren: '--siren',
  vatId: '--vat-id',
};

/** A value as the user typed it, quoted when it would not read as one word. */
const shown = (value: string) => (value === '' || /[\s"']/.test(value) ? JSON.stringify(value) : value);

/**
 * The columns `input` changes on `current` (only those whose value differs), and every refused value as
 * "--option value: rule". The postcode is checked against the country it will have (`orgCountry` when none), a
 * French VAT number against the SIREN it will sit beside. Never throws.
 */
export function planPartyChange(current: PartyColumns, input: PartyInput, orgCountry: string): { changes: Partial<PartyColumns>; problems: string[] } {
  const next: PartyColumns = { ...current };
  const problems: string[] = [];
  const take = <K extends keyof PartyInput>(key: K, column: keyof PartyColumns, read: (raw: string) => PartyRead<string>) => {
    const raw = input[key];
    if (raw === undefined) return;
    if (raw.trim() === '') {
      (next as unknown as Record<string, unknown>)[column] = null;
      return;
    }
    const result = read(raw);
    if (result.ok) (next as unknown as Record<string, unknown>)[column] = result.value;
    else problems.push(`${partyFlags[key]} ${shown(raw)}: ${result.rule}${result.suggestion ? ` (did you mean ${result.suggestion}?)` : ''}`);
  };
  take('address', 'address', readAddress);
  take('city', 'city', readCity);
  take('country', 'country', readCountryCode);
  take('language', 'language', (raw) => readLanguage(raw));
  take('siren', 'siren', readSiren);
  take('vatId', 'vat_id', readVatId);
  const countryRefused = problems.some((p) => p.startsWith('--country '));
  if (input.postcode !== undefined) {
    take('postcode', 'postcode', (raw) => (countryRefused ? fromSchema(identitySchemas.postcode, raw) : readPostcode(raw, next.country ?? orgCountry)));
  } else if (input.country !== undefined && !countryRefused && next.postcode !== null) {
    const why = postcodeProblem(next.postcode, next.country ?? orgCountry);
    if (why !== null) problems.push(`--country ${shown(input.country)}: the postcode ${next.postcode} is ${why}; give --postcode too (or --postcode "" to clear it)`);
  }
  if (input.siren !== undefined || input.vatId !== undefined) {
    const mismatch = vatSirenMismatch(next.vat_id ?? null, next.siren ?? null);
    if (mismatch !== null && !problems.some((p) => p.startsWith('--siren ') || p.startsWith('--vat-id '))) {
      problems.push(`${input.vatId !== undefined ? `--vat-id ${shown(input.vatId)}` : `--siren ${shown(input.siren!)}`}: ${mismatch}; give both --siren and --vat-id (--vat-id "" clears it)`);
    }
  }
  const changes: Partial<PartyColumns> = {};
  for (const [column, value] of Object.entries(next) as Array<[keyof PartyColumns, unknown]>) {
    if (value !== current[column]) (changes as Record<string, unknown>)[column] = value;
  }
  return { changes, problems };
}
