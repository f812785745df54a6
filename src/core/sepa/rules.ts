/**
 * The rules of SEPA Direct Debit that no schema checks (EPC rulebooks SDD Core and SDD B2B): the creditor
 * identifier's check digits, the Latin character set, the identifiers' form, the business-day calendar of the
 * collection date, a mandate's expiry and the sequence type of each collection. Pure: no I/O, table-tested.
 */
import { isSEPACountry } from 'ibantools';
import type { SepaScheme, SepaSequence } from '../../db/types.js';
import { addDays, addMonthsAnchored, compareDates, formatIsoDate, type IsoDate } from '../kernel/dates.js';
import { bicProblem, ibanProblem } from '../org/identity.js';

/** Spaces and the separators people type in IBANs and identifiers removed, upper case. */
export const compactCode = (text: string): string => text.replace(/[\s\u00a0\u202f.-]+/g, '').toUpperCase();

/** ISO 7064 MOD 97-10 of digits and letters (A = 10 ... Z = 35), as IBANs and creditor identifiers use it. */
export function mod97(text: string): number {
  let remainder = 0;
  for (const char of text) {
    const code = char.charCodeAt(0);
    const value = code >= 65 && code <= 90 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder;
}

/**
 * Why a SEPA creditor identifier (ICS, compact: `FR72ZZZ123456`) is refused, or null when it is valid: 2 letters
 * of a SEPA country, 2 check digits, a 3-character business code (not part of the check), then the national
 * identifier; the check digits are ISO 7064 MOD 97-10 over the national identifier followed by the country and
 * `00`, letters converted to numbers.
 */
export function creditorIdProblem(id: string): string | null {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(id)) {
    return 'it is not 2 letters (the country), 2 check digits, a 3-character business code (often ZZZ), then the national identifier, at most 35 characters';
  }
  const country = id.slice(0, 2);
  if (!isSEPACountry(country)) return `${country} is not a country of the SEPA scheme`;
  const expected = creditorIdCheckDigits(country, id.slice(7));
  if (id.slice(2, 4) !== expected) return `its check digits ${id.slice(2, 4)} do not match its national identifier (they would be ${expected}): a mistyped character?`;
  return null;
}

/** The check digits of a creditor identifier of `country` and `national` identifier (the business code plays no part). */
export function creditorIdCheckDigits(country: string, national: string): string {
  return String(98 - mod97(`${national}${country}00`)).padStart(2, '0');
}

/** Why an IBAN (compact) cannot be debited by SEPA Direct Debit, or null. */
export function debtorIbanProblem(iban: string): string | null {
  const problem = ibanProblem(iban);
  if (problem !== null) return problem;
  if (!isSEPACountry(iban.slice(0, 2))) return `${iban.slice(0, 2)} is not a country of the SEPA scheme: its accounts cannot be debited by SEPA Direct Debit`;
  return null;
}

export { bicProblem };

// The characters every SEPA bank must accept (EPC guidance on the character set): the Latin letters, digits and
// / - ? : ( ) . , ' + and space.
const sepaCharacter = /[A-Za-z0-9/\-?:().,'+ ]/;

const foldings: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
  '&': '+',
  '\u2019': "'",
  '\u2018': "'",
  '`': "'",
  '"': "'",
  '«': "'",
  '»': "'",
  '\u201c': "'",
  '\u201d': "'",
  '\u2013': '-',
  '\u2014': '-',
  _: '-',
};

/**
 * `text` in the SEPA Latin character set: accents dropped (`Émilie Müller` -> `Emilie Muller`), a few letters
 * spelt out (ß -> ss, æ -> ae, ø -> o), `&` written `+`, and any other character a space; spaces collapsed, cut to
 * `max` characters.
 */
export function sepaText(text: string, max: number): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    const folded = foldings[char] ?? char.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    for (const c of folded) out += sepaCharacter.test(c) ? c : ' ';
  }
  return out.replace(/\s+/g, ' ').trim().slice(0, max).trimEnd();
}

/** True when every character of `text` is in the SEPA Latin set. */
export const isSepaText = (text: string): boolean => [...text].every((c) => sepaCharacter.test(c));

/**
 * An identifier (end-to-end id, mandate reference) as SEPA allows it: the Latin set without space, at most 35, not
 * starting or ending with `/` and without `//`. Characters outside the set become `-`.
 */
export function sepaIdentifier(text: string): string {
  return sepaText(text, 35)
    .replace(/ /g, '-')
    .replace(/\/{2,}/g, (s) => `/${'-'.repeat(s.length - 1)}`)
    .replace(/^\//, '-')
    .replace(/\/$/, '-');
}

/** Why a mandate reference typed by a person is refused, or null. */
export function mandateReferenceProblem(reference: string): string | null {
  if (reference.length === 0 || reference.length > 35) return 'a mandate reference is 1 to 35 characters';
  if (!/^[A-Za-z0-9/\-?:().,'+]+$/.test(reference)) return "a mandate reference uses only letters A-Z, digits and / - ? : ( ) . , ' + (no space, no accent)";
  if (reference.startsWith('/') || reference.endsWith('/') || reference.includes('//')) return 'a mandate reference neither starts nor ends with / nor holds //';
  return null;
}

/** Easter Sunday of `year` (Gregorian calendar, the anonymous algorithm of Meeus/Jones/Butcher). */
export function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatIsoDate(year, month, day);
}

/**
 * Whether `date` is a TARGET2 business day, the calendar of SEPA settlement: not a Saturday or Sunday, nor 1 January,
 * Good Friday, Easter Monday, 1 May, 25 or 26 December.
 */
export function isTargetBusinessDay(date: IsoDate): boolean {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const monthDay = date.slice(5);
  if (monthDay === '01-01' || monthDay === '05-01' || monthDay === '12-25' || monthDay === '12-26') return false;
  const easter = easterSunday(year);
  return date !== addDays(easter, -2) && date !== addDays(easter, 1);
}

/** The first TARGET2 business day after `date`. */
export function nextBusinessDay(date: IsoDate): IsoDate {
  let next = addDays(date, 1);
  while (!isTargetBusinessDay(next)) next = addDays(next, 1);
  return next;
}

/**
 * Why `collectionDate` cannot be asked for `today`, or null: it must be a TARGET2 business day, at least one business
 * day ahead (the earliest is the first business day after today; the file must reach the bank before its cut-off
 * the business day before).
 */
export function collectionDateProblem(collectionDate: IsoDate, today: IsoDate): string | null {
  const earliest = nextBusinessDay(today);
  if (compareDates(collectionDate, today) < 0) return `${collectionDate} is in the past (today is ${today}); the earliest collection date is ${earliest}`;
  if (compareDates(collectionDate, earliest) < 0) return `${collectionDate} is not at least one business day ahead of today (${today}); the earliest collection date is ${earliest}`;
  if (!isTargetBusinessDay(collectionDate)) return `${collectionDate} is not a TARGET2 business day (a weekend or a closing day); the next one is ${nextBusinessDay(collectionDate)}`;
  return null;
}

/** Months without a collection after which a mandate lapses (EPC rulebook: 36). */
export const mandateLifetimeMonths = 36;

/**
 * The last day a mandate can be used, 36 months after its last collection (or its signature, when never used): a
 * collection dated later is refused and a new mandate is needed.
 */
export function mandateExpiresOn(signedOn: IsoDate, lastCollection: IsoDate | null): IsoDate {
  return addDays(addMonthsAnchored(lastCollection ?? signedOn, mandateLifetimeMonths), -1);
}

export type MandateState = 'active' | 'revoked' | 'expired';

/** The state of a mandate on `date`: revoked when revoked, expired once 36 months passed without a collection. */
export function mandateState(mandate: { status: 'active' | 'revoked'; signed_on: IsoDate }, lastCollection: IsoDate | null, date: IsoDate): MandateState {
  if (mandate.status === 'revoked') return 'revoked';
  return compareDates(date, mandateExpiresOn(mandate.signed_on, lastCollection)) > 0 ? 'expired' : 'active';
}

/**
 * The sequence type of each of a mandate's new transactions, in order: FRST for its first ever (no earlier
 * transaction that was not returned), RCUR for every one after.
 */
export function sequenceTypes(usedBefore: boolean, count: number): SepaSequence[] {
  return Array.from({ length: count }, (_, i) => (usedBefore || i > 0 ? 'RCUR' : 'FRST'));
}

/** The local instrument code of a scheme. */
export const localInstrument = (scheme: SepaScheme): 'CORE' | 'B2B' => (scheme === 'core' ? 'CORE' : 'B2B');

/** Minor units (cents) written as the file does: `1234` -> `12.34`. */
export function sepaAmount(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`an amount in cents, got ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
