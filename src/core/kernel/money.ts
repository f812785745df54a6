/**
 * Money as integers of minor units (cents): a plain `number` that is always a safe integer.
 *
 * Why `number` and not `bigint`: amounts stored and summed by the program stay far below 2^53 minor units
 * (90 trillion euros), `number` works with JSON, SQLite and `pg` without conversions, and the only place
 * where an intermediate value can exceed 2^53 is a product (amount x quantity x days, amount x rate).
 * Those products are computed in `bigint` inside `multiplyRatio` and `applyRate`, and their results are
 * checked to be safe integers again.
 *
 * Rounding is round-half-up in magnitude ("half away from zero"), the usual accounting rule:
 * 0.5 -> 1 and -0.5 -> -1, so a credit note for an invoice rounds to exactly the opposite amounts.
 */

/** An amount in the currency's minor units; always a safe integer. */
export type MinorAmount = number;

/** A three-letter currency code in upper case (ISO 4217 shape; the code itself is not checked against a list). */
export type CurrencyCode = string;

/** Result of parsing user input: never thrown, the failure says why. */
export type ParseResult<T, Reason extends string> =
  | { ok: true; value: T }
  | { ok: false; reason: Reason; message: string };

export type AmountFailure = 'empty' | 'invalid' | 'too_many_decimals' | 'ambiguous' | 'currency_mismatch' | 'out_of_range';
export type RateFailure = 'empty' | 'invalid' | 'too_many_decimals' | 'out_of_range';

// ISO 4217 exponents that differ from 2; every other code (listed or not) has 2.
const MINOR_UNITS: Readonly<Record<string, number>> = {
  JPY: 0,
  KRW: 0,
  ISK: 0,
  CLP: 0,
  VND: 0,
  PYG: 0,
  UGX: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

/** True for a three-letter code, in either case (Stripe writes `eur`). */
export function isCurrencyCode(text: string): boolean {
  return /^[A-Za-z]{3}$/.test(text);
}

let isoCodes: ReadonlySet<string> | null = null;

/** True for a currency of ISO 4217 (as the runtime's ICU data lists them), in either case: EUR, chf; not XYZ. */
export function isIsoCurrency(text: string): boolean {
  isoCodes ??= new Set(Intl.supportedValuesOf('currency'));
  return isCurrencyCode(text) && isoCodes.has(text.toUpperCase());
}

/** The upper-case code, or null when `text` (trimmed) is not an ISO 4217 currency. */
export function normalizeCurrency(text: string): CurrencyCode | null {
  const trimmed = text.trim();
  return isIsoCurrency(trimmed) ? trimmed.toUpperCase() : null;
}

/** Number of decimals of a currency: 0 for JPY/KRW, 3 for KWD/BHD/..., 2 for EUR/USD/... and any unknown code. */
export function minorUnits(currency: string): number {
  if (!isCurrencyCode(currency)) throw new RangeError(`not a currency code: ${JSON.stringify(currency)}`);
  return MINOR_UNITS[currency.toUpperCase()] ?? 2;
}

/** True when `value` can be used as an amount of minor units. */
export function isMinorAmount(value: unknown): value is MinorAmount {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

// Symbols accepted next to an amount, with the currencies each can stand for.
const SYMBOLS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['US$', ['USD']],
  ['CA$', ['CAD']],
  ['AU$', ['AUD']],
  ['NZ$', ['NZD']],
  ['C$', ['CAD']],
  ['A$', ['AUD']],
  ['$', ['USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD', 'MXN']],
  ['€', ['EUR']],
  ['£', ['GBP']],
  ['¥', ['JPY', 'CNY']],
  ['₩', ['KRW']],
  ['zł', ['PLN']],
  ['kr.', ['SEK', 'NOK', 'DKK', 'ISK']],
  ['kr', ['SEK', 'NOK', 'DKK', 'ISK']],
  ['Fr.', ['CHF']],
];

const SIGNS = new Set(['-', '+', '\u2212']);
const DIGITS_ONLY = /^[0-9]+$/;

function takeSign(text: string): { sign: string | null; negative: boolean; rest: string } {
  const first = text[0];
  if (first === undefined || !SIGNS.has(first)) return { sign: null, negative: false, rest: text };
  return { sign: first, negative: first !== '+', rest: text.slice(1).trimStart() };
}

function takePrefix(text: string): { token: string; rest: string } | null {
  for (const [symbol] of SYMBOLS) {
    if (text.startsWith(symbol)) return { token: symbol, rest: text.slice(symbol.length).trimStart() };
  }
  const code = /^([A-Za-z]{3})(?=[\s0-9+\-\u2212]|$)/.exec(text);
  return code ? { token: code[1]!, rest: text.slice(3).trimStart() } : null;
}

function takeSuffix(text: string): { token: string; rest: string } | null {
  for (const [symbol] of SYMBOLS) {
    if (text.endsWith(symbol)) return { token: symbol, rest: text.slice(0, -symbol.length).trimEnd() };
  }
  const code = /(?<=[\s0-9]|^)([A-Za-z]{3})$/.exec(text);
  return code ? { token: code[1]!, rest: text.slice(0, -3).trimEnd() } : null;
}

function tokenMatches(token: string, currency: string): boolean {
  const symbol = SYMBOLS.find(([s]) => s === token);
  if (symbol) return symbol[1].includes(currency);
  return token.toUpperCase() === currency;
}

/**
 * Splits the integer part into thousands groups separated by one kind of character, or returns null.
 * "1 234 567" and "1.234" are valid; "12 34", "1.234 567" and "01.234" are not.
 */
function ungroup(integerPart: string): string | null {
  if (DIGITS_ONLY.test(integerPart)) return integerPart;
  const separators = new Set(integerPart.replace(/[0-9]/g, ''));
  if (separators.size !== 1) return null;
  const [separator] = separators;
  const groups = integerPart.split(separator!);
  const [first, ...rest] = groups;
  if (first === undefined || !/^[1-9][0-9]{0,2}$/.test(first)) return null;
  if (!rest.every((group) => /^[0-9]{3}$/.test(group))) return null;
  return groups.join('');
}

/**
 * Finds the decimal separator of a number body: null when it has none, 'ambiguous' when it cannot tell.
 * - both `.` and `,`: the last one is the decimal separator ("1,234.56", "1.234,56");
 * - one of them, several times: thousands separators ("1.234.567");
 * - one of them, once: decimals, except when it is followed by exactly 3 digits and its left side is a valid
 *   thousands group ("1.005", "1,234"). Then it is a thousands separator in a currency without decimals
 *   ("1.234" JPY = 1234), the decimal separator in a 3-decimal currency ("1,234" KWD = 1.234), and ambiguous
 *   in any other currency: "1.005" EUR is as likely 1005 as a mistyped 1.01, and reading it wrongly is off by
 *   a factor of 1000.
 */
function decimalSeparator(body: string, decimals: number): '.' | ',' | 'ambiguous' | null {
  const lastDot = body.lastIndexOf('.');
  const lastComma = body.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) return lastDot > lastComma ? '.' : ',';
  const separator = lastDot >= 0 ? '.' : lastComma >= 0 ? ',' : null;
  if (separator === null) return null;
  if (body.indexOf(separator) !== body.lastIndexOf(separator)) return null;
  const after = body.slice(body.indexOf(separator) + 1);
  if (after.length !== 3 || decimals === 3 || ungroup(body) === null) return separator;
  return decimals === 0 ? null : 'ambiguous';
}

/**
 * The failure for a body such as "1.005" that is either a whole number with a thousands separator or a number
 * with 3 decimals: it names both readings the currency allows ("1005" or "1.01", rounded half up).
 */
function ambiguousAmount(text: string, body: string, negative: boolean, code: string, decimals: number): ParseResult<MinorAmount, AmountFailure> {
  const separator = body.includes('.') ? '.' : ',';
  const digits = body.replace(/[^0-9]/g, '');
  const sign = negative && /[1-9]/.test(digits) ? '-' : '';
  const rounded = divideRounded(BigInt(digits), 10n ** BigInt(3 - decimals))
    .toString()
    .padStart(decimals + 1, '0');
  const decimal = `${rounded.slice(0, -decimals)}${separator}${rounded.slice(-decimals)}`;
  const whole = BigInt(digits).toString();
  return {
    ok: false,
    reason: 'ambiguous',
    message:
      `"${text.trim()}" is ambiguous: "${separator}" may separate thousands or decimals; ` +
      `write ${sign}${whole} or ${sign}${decimal} (${code} amounts have at most ${decimals} decimals)`,
  };
}

/**
 * Reads an amount typed by a person or exported by a tool into minor units of `currency`.
 * Accepts "49", "49.5", "49,50", "1 234,56", "1,234.56", "1.234,56", "1'234.50", "-12.00", "€ 49", "49 €",
 * "49.00 EUR"; a symbol or code for another currency is a `currency_mismatch`. More decimals than the
 * currency has is `too_many_decimals` (never rounded). A single `.` or `,` before exactly 3 digits ("1.005",
 * "1,234") is `ambiguous` in a currency with 1 or 2 decimals: the message says how to write either reading.
 * Never throws on the text; an invalid `currency` code is a bug and throws RangeError.
 */
export function parseAmount(text: string, currency: string): ParseResult<MinorAmount, AmountFailure> {
  const code = currency.toUpperCase();
  const decimals = minorUnits(code);
  let rest = text.replace(/\s+/g, ' ').trim();
  if (rest === '') return { ok: false, reason: 'empty', message: 'no amount given' };
  const invalid = { ok: false, reason: 'invalid', message: `"${text.trim()}" is not an amount` } as const;

  const tokens: string[] = [];
  const leading = takeSign(rest);
  rest = leading.rest;
  let negative = leading.negative;
  const prefix = takePrefix(rest);
  if (prefix) {
    tokens.push(prefix.token);
    rest = prefix.rest;
    // "€ -49" as well as "-€ 49"
    if (leading.sign === null) {
      const inner = takeSign(rest);
      rest = inner.rest;
      negative = inner.negative;
    }
  }
  const suffix = takeSuffix(rest);
  if (suffix) {
    tokens.push(suffix.token);
    rest = suffix.rest;
  }

  if (/^[0-9.,'\u2019 ]+ ?%$/.test(rest)) {
    return { ok: false, reason: 'invalid', message: `"${text.trim()}" is a percentage, not an amount` };
  }
  if (!/^[0-9](?:[0-9.,'\u2019 ]*[0-9])?$/.test(rest)) return invalid;
  const mismatch = tokens.find((token) => !tokenMatches(token, code));
  if (mismatch !== undefined) {
    return { ok: false, reason: 'currency_mismatch', message: `"${mismatch}" is not the currency ${code}` };
  }

  const separator = decimalSeparator(rest, decimals);
  if (separator === 'ambiguous') return ambiguousAmount(text, rest, negative, code, decimals);
  const integerPart = separator === null ? rest : rest.slice(0, rest.lastIndexOf(separator));
  const fraction = separator === null ? '' : rest.slice(rest.lastIndexOf(separator) + 1);
  if (separator !== null && !DIGITS_ONLY.test(fraction)) return invalid;
  const integerDigits = ungroup(integerPart);
  if (integerDigits === null) return invalid;

  if (fraction.length > decimals) {
    const message =
      decimals === 0 ? `${code} amounts have no decimals` : `${code} amounts have at most ${decimals} decimals`;
    return { ok: false, reason: 'too_many_decimals', message };
  }
  const magnitude = BigInt(integerDigits + fraction.padEnd(decimals, '0'));
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, reason: 'out_of_range', message: `"${text.trim()}" is too large an amount: at most ${formatAmount(Number.MAX_SAFE_INTEGER, code)} ${code}` };
  }
  const value = Number(magnitude);
  return { ok: true, value: negative && value !== 0 ? -value : value };
}

/** "49.00" for 4900 EUR, "49" for 49 JPY, "-0.05" for -5 EUR: no symbol, `.` for decimals, no grouping. */
export function formatAmount(minor: MinorAmount, currency: string): string {
  if (!isMinorAmount(minor)) throw new RangeError(`not an amount of minor units: ${minor}`);
  const decimals = minorUnits(currency);
  const digits = String(Math.abs(minor)).padStart(decimals + 1, '0');
  const sign = minor < 0 ? '-' : '';
  if (decimals === 0) return sign + digits;
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** numerator / denominator rounded half away from zero, exactly. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const magnitude = (2n * n + d) / (2n * d);
  return negative ? -magnitude : magnitude;
}

function toMinor(value: bigint): MinorAmount {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`amount out of range: ${value}`);
  }
  return Number(value);
}

function checkInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}

/**
 * round-half-up(amount x numerators / denominators), each a product of safe integers, computed exactly (the
 * products may pass 2^53). Throws RangeError on a zero denominator or a result beyond 2^53.
 */
export function multiplyRatios(amount: MinorAmount, numerators: readonly number[], denominators: readonly number[]): MinorAmount {
  checkInteger('amount', amount);
  for (const n of [...numerators, ...denominators]) checkInteger('ratio term', n);
  const product = (terms: readonly number[]) => terms.reduce((p, t) => p * BigInt(t), 1n);
  return toMinor(divideRounded(BigInt(amount) * product(numerators), product(denominators)));
}

/**
 * round-half-up(amount x numerator / denominator), computed exactly: proration (17/31 of 10000 = 5484)
 * and quantities (amount x 3 / 1). Throws RangeError on a zero denominator or a result beyond 2^53.
 */
export function multiplyRatio(amount: MinorAmount, numerator: number, denominator: number): MinorAmount {
  checkInteger('amount', amount);
  checkInteger('numerator', numerator);
  checkInteger('denominator', denominator);
  return toMinor(divideRounded(BigInt(amount) * BigInt(numerator), BigInt(denominator)));
}

/** A tax rate in percent as a canonical decimal string: "20", "5.5", "0", "7.6543". */
export type RatePercent = string;

/** Rates are stored with at most 4 decimals of a percent; `rateToScaled` gives this many units per percent. */
export const RATE_SCALE = 10_000;
const RATE_DECIMALS = 4;

/**
 * Reads a tax rate in percent: "20", "5.5", "5,5", "20 %", "0". Between 0 and 100 with at most 4 decimals.
 * Returns the canonical form (no trailing zeros, `.` for decimals). Never throws.
 */
export function parseRate(text: string): ParseResult<RatePercent, RateFailure> {
  const trimmed = text.replace(/\s+/g, ' ').trim().replace(/\s?%$/, '');
  if (trimmed === '') return { ok: false, reason: 'empty', message: 'no tax rate given' };
  const match = /^(-?)([0-9]+)(?:[.,]([0-9]+))?$/.exec(trimmed);
  if (!match) return { ok: false, reason: 'invalid', message: `"${text.trim()}" is not a percentage` };
  const [, minus, whole, decimals = ''] = match;
  const fraction = decimals.replace(/0+$/, '');
  if (fraction.length > RATE_DECIMALS) {
    return { ok: false, reason: 'too_many_decimals', message: `a tax rate has at most ${RATE_DECIMALS} decimals` };
  }
  const scaled = BigInt(whole!) * BigInt(RATE_SCALE) + BigInt(fraction.padEnd(RATE_DECIMALS, '0'));
  if (scaled > 100n * BigInt(RATE_SCALE) || (minus === '-' && scaled > 0n)) {
    return { ok: false, reason: 'out_of_range', message: 'a tax rate is between 0 and 100' };
  }
  return { ok: true, value: rateFromScaled(Number(scaled)) };
}

/** The rate in ten-thousandths of a percent ("5.5" -> 55000), for integer storage. Throws on an invalid rate. */
export function rateToScaled(rate: RatePercent | number): number {
  const parsed = parseRate(String(rate));
  if (!parsed.ok) throw new RangeError(`invalid tax rate ${JSON.stringify(rate)}: ${parsed.message}`);
  const [whole, fraction = ''] = parsed.value.split('.');
  return Number(whole) * RATE_SCALE + Number(fraction.padEnd(RATE_DECIMALS, '0'));
}

/** Inverse of `rateToScaled`: 55000 -> "5.5". */
export function rateFromScaled(scaled: number): RatePercent {
  if (!Number.isSafeInteger(scaled) || scaled < 0 || scaled > 100 * RATE_SCALE) {
    throw new RangeError(`invalid scaled tax rate: ${scaled}`);
  }
  const whole = Math.floor(scaled / RATE_SCALE);
  const fraction = String(scaled % RATE_SCALE)
    .padStart(RATE_DECIMALS, '0')
    .replace(/0+$/, '');
  return fraction === '' ? String(whole) : `${whole}.${fraction}`;
}

/** Canonical text of a valid rate ("05.50" -> "5.5", 20 -> "20"). Throws RangeError on an invalid rate. */
export function formatRate(rate: RatePercent | number): RatePercent {
  return rateFromScaled(rateToScaled(rate));
}

/** Tax on a net amount: round-half-up(net x rate / 100), exact (no floating point). Throws on an invalid rate. */
export function applyRate(net: MinorAmount, rate: RatePercent | number): MinorAmount {
  checkInteger('net amount', net);
  return toMinor(divideRounded(BigInt(net) * BigInt(rateToScaled(rate)), BigInt(100 * RATE_SCALE)));
}
