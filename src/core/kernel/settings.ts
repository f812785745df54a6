import { z } from 'zod';
import type { Queryable } from '../../db/connect.js';
import { usageError } from '../../errors.js';
import { isValidTimeZone } from './dates.js';
import { isIsoCurrency } from './money.js';
import { isEmail } from '../import/values.js';
import { compactCode, creditorIdProblem } from '../sepa/rules.js';

// a refinement rather than zod's int(): that one refuses 20 digits with its own words ("expected int to be <=9007199254740991")
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `a whole number from ${min} to ${max}`);

const prefix = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_./-]{0,11}$/, '1 to 12 letters, digits, -, _, . or /');

const onOff = z
  .string()
  .trim()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['on', 'off', 'yes', 'no', 'true', 'false'], 'on or off'))
  .transform((s) => (s === 'on' || s === 'yes' || s === 'true' ? 'on' : 'off'));

/** An address as a header carries it, `clubs@example.org` or `Club Lumière <clubs@example.org>`; empty: not set. */
const mailAddress = z
  .string()
  .trim()
  .refine((s) => s === '' || isEmail(/^[^<>]*<([^<>]+)>$/.exec(s)?.[1]?.trim() ?? s), 'an e-mail address, alone or as "Name <address>", or empty');

/** Whole numbers of days, ascending, each once: "7,21". */
const dayList = z
  .string()
  .trim()
  .refine((s) => s === '' || /^\d+(\s*,\s*\d+)*$/.test(s), 'days as whole numbers separated by commas, such as 7,21')
  .transform((s) => (s === '' ? [] : s.split(',').map((d) => Number(d.trim()))))
  .refine((days) => days.every((d, i) => d >= 1 && d <= 365 && (i === 0 || d > days[i - 1]!)), 'days from 1 to 365, ascending, each once')
  .transform((days) => days.join(','));

/** A SEPA creditor identifier (ICS), stored compact; its check digits are verified; empty: not set. */
const creditorId = z
  .string()
  .transform(compactCode)
  .superRefine((s, ctx) => {
    const problem = s === '' ? null : creditorIdProblem(s);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `a valid SEPA creditor identifier such as FR72ZZZ123456, but ${problem}` });
  });

const mailKindSwitch = (what: string, on = true) => ({ schema: onOff, default: on ? 'on' : 'off', description: `queue ${what} (on or off)` });

/** Every setting: its schema (the single source of truth for its type and range), default and meaning. */
export const settingDefinitions = {
  currency: {
    schema: z
      .string()
      .trim()
      .refine(isIsoCurrency, 'a 3-letter ISO 4217 code such as EUR, USD, GBP, CHF or JPY')
      .transform((s) => s.toUpperCase()),
    default: 'EUR',
    description: 'default currency of new plans',
  },
  timezone: {
    schema: z
      .string()
      .trim()
      .refine(isValidTimeZone, 'an IANA time zone such as Europe/Paris or UTC')
      // stored as the zone is named (europe/paris -> Europe/Paris)
      .transform((zone) => new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone),
    default: 'UTC',
    description: 'time zone of the organisation; "today" and Stripe timestamps are read in it',
  },
  'billing-day': {
    schema: wholeNumber(1, 28),
    default: '1',
    description: 'day of the month of the first recurring invoice when none is given',
  },
  'payment-terms-days': {
    schema: wholeNumber(0, 365),
    default: '14',
    description: 'days between an invoice date and its due date',
  },
  'grace-days': {
    schema: wholeNumber(0, 365),
    default: '30',
    description: 'days an unpaid or unrenewed member stays in grace before suspension',
  },
  'renewal-notice-days': {
    schema: wholeNumber(0, 366),
    default: '30',
    description: 'days before the end of a term that its renewal is opened',
  },
  'credit-validity-months': {
    schema: wholeNumber(1, 120),
    default: '12',
    description: 'months after which granted credits and passes expire',
  },
  'apply-credit': {
    schema: onOff,
    default: 'on',
    description: "pay a payer's new invoices from their money credit (overpayments, paid on void invoices), as payments of method credit (on or off)",
  },
  'invoice-prefix': { schema: prefix, default: 'INV-', description: 'prefix of invoice numbers (INV-2026-00001)' },
  'credit-note-prefix': { schema: prefix, default: 'CN-', description: 'prefix of credit note numbers (CN-2026-00001)' },
  'member-number-prefix': {
    schema: prefix,
    default: 'M-',
    description: "prefix of member numbers (M-00001), given with a person's first invoice; each prefix counts from 1",
  },
  language: {
    schema: z
      .string()
      .trim()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(['fr', 'en'], 'fr (French) or en (English)')),
    default: 'fr',
    description: 'language of the documents sent to people who have none of their own (fr or en)',
  },
  'mail-from': {
    schema: mailAddress,
    default: '',
    description: 'sender of the e-mails, "Name <address>" or an address; its domain ends every Message-ID (required to send)',
  },
  'mail-reply-to': { schema: mailAddress, default: '', description: 'Reply-To of the e-mails (empty: replies go to mail-from)' },
  'mail-bcc': { schema: mailAddress, default: '', description: 'an address every e-mail is also sent to as a hidden copy (an archive); empty: none' },
  'mail-invoices': mailKindSwitch('an e-mail with the PDF for each invoice issued'),
  'mail-credit-notes': mailKindSwitch('an e-mail with the PDF for each credit note issued'),
  'mail-renewal-notices': mailKindSwitch('an e-mail when a renewal opens'),
  'mail-renewal-reminders': mailKindSwitch('an e-mail before an automatically renewing yearly membership renews'),
  'mail-reminders': mailKindSwitch('payment reminders of unpaid invoices, on the days of reminder-days'),
  'mail-suspension-notices': mailKindSwitch('an e-mail when a person becomes suspended'),
  'mail-receipts': mailKindSwitch('a receipt when a payment makes an invoice paid', false),
  'reminder-days': {
    schema: dayList,
    default: '7,21',
    description: 'days after its due date that an unpaid invoice gets a payment reminder (e.g. 7,21; empty: none)',
  },
  'tacit-renewal-notice-days': {
    schema: wholeNumber(1, 366),
    default: '30',
    description: 'days before an automatically renewing membership of a year or more renews that its holder is told',
  },
  'mail-templates': {
    schema: z.string().trim(),
    default: '',
    description: 'folder of e-mail templates overriding the built-in ones (`mail templates export` writes them); empty: built-in',
  },
  'retention-years': {
    schema: z
      .string()
      .trim()
      .refine((s) => s === '' || (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 100), 'a whole number of years from 1 to 100, or empty'),
    default: '',
    description: 'years without activity after which `jobs run` anonymises former members and contacts (`privacy run`); empty: never',
  },
  'sepa-creditor-id': {
    schema: creditorId,
    default: '',
    description: 'the SEPA creditor identifier (ICS) of SEPA Direct Debit collections, e.g. FR72ZZZ123456; empty: not set',
  },
} as const;

export type SettingKey = keyof typeof settingDefinitions;
export type SettingValue<K extends SettingKey> = z.output<(typeof settingDefinitions)[K]['schema']>;
export const settingKeys = Object.keys(settingDefinitions) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(settingDefinitions, key);
}

function assertKey(key: string): asserts key is SettingKey {
  if (!isSettingKey(key)) throw usageError(`unknown setting "${key}"`, `settings are: ${settingKeys.join(', ')}`);
}

/** Parses a setting's text; a bad value is a usage error (64) naming the allowed range. */
/** Parsed setting values by key and text: jobs read the settings for each invoice or payment they record. */
const parsed = new Map<string, unknown>();

export function parseSetting<K extends SettingKey>(key: K, text: string): SettingValue<K> {
  const cacheKey = `${key}\u0000${text}`;
  if (parsed.has(cacheKey)) {
    const value = parsed.get(cacheKey);
    // a list (reminder days) is the caller's to change
    return (Array.isArray(value) ? [...value] : value) as SettingValue<K>;
  }
  const result = settingDefinitions[key].schema.safeParse(text);
  if (!result.success) {
    const expected = result.error.issues[0]?.message ?? 'a valid value';
    throw usageError(`setting ${key}: "${text}" is not allowed; expected ${expected}`);
  }
  if (parsed.size >= 1000) parsed.clear();
  parsed.set(cacheKey, result.data);
  return result.data as SettingValue<K>;
}

export async function getSetting<K extends SettingKey>(db: Queryable, key: K): Promise<SettingValue<K>> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return parseSetting(key, row?.value ?? settingDefinitions[key].default);
}

export async function getSettings(db: Queryable): Promise<{ [K in SettingKey]: SettingValue<K> }> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const stored = new Map(rows.map((r) => [r.key, r.value]));
  const entries = settingKeys.map((key) => [key, parseSetting(key, stored.get(key) ?? settingDefinitions[key].default)]);
  return Object.fromEntries(entries);
}

export interface SettingRow {
  key: SettingKey;
  value: string;
  default: string;
  isDefault: boolean;
  description: string;
}

export async function listSettings(db: Queryable): Promise<SettingRow[]> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const stored = new Map(rows.map((r) => [r.key, r.value]));
  return settingKeys.map((key) => {
    const def = settingDefinitions[key];
    const value = stored.get(key) ?? def.default;
    return { key, value, default: def.default, isDefault: !stored.has(key), description: def.description };
  });
}

/** Validates and stores a setting, returning the normalised value as stored. */
export async function setSetting(db: Queryable, key: string, text: string, now: string): Promise<string> {
  assertKey(key);
  const value = String(parseSetting(key, text));
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
  return value;
}

export function requireSettingKey(key: string): SettingKey {
  assertKey(key);
  return key;
}
