/**
 * Calendar dates as `YYYY-MM-DD` strings: no time of day, no time zone, ordered by plain string comparison.
 *
 * `IsoDate` is a plain alias, not a branded type, so that dates read from the database, JSON or a test
 * literal need no casts; every value entering the program goes through `parseIsoDate` / `parseLooseDate`.
 * Functions that take an `IsoDate` throw a RangeError on a malformed one (a bug: input is validated at the edge).
 * Years run from 0001 to 9999. Day arithmetic works on day numbers (days since 1970-01-01), never on `Date`.
 */

/** A calendar date `YYYY-MM-DD` (valid in the proleptic Gregorian calendar). */
export type IsoDate = string;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export type Interval = 'month' | 'year';

/** How `DD/MM/YYYY`-like values are read: day first, month first, or year first. */
export type DateConvention = 'DMY' | 'MDY' | 'YMD';

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in `month` (1-12) of `year`. */
export function lastDayOfMonth(year: number, month: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`invalid month: ${month}`);
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isValidCalendarDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    year >= 1 &&
    year <= 9999 &&
    Number.isInteger(month) &&
    month >= 1 &&
    month <= 12 &&
    Number.isInteger(day) &&
    day >= 1 &&
    day <= lastDayOfMonth(year, month)
  );
}

/** The parts of a `YYYY-MM-DD` string, or null when it is malformed or not a real day (2026-02-29). */
export function parseIsoDate(text: string): CalendarDate | null {
  // read by character codes: imports check hundreds of thousands of dates, a regular expression costs several times more
  if (text.length !== 10 || text.charCodeAt(4) !== dash || text.charCodeAt(7) !== dash) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  if (year < 0 || month < 0 || day < 0) return null;
  return isValidCalendarDate(year, month, day) ? { year, month, day } : null;
}

const dash = 45;
const zero = 48;

/** The number written by the ASCII digits text[from..to), or -1 when one is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i += 1) {
    const digit = text.charCodeAt(i) - zero;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

export function isIsoDate(value: unknown): value is IsoDate {
  return typeof value === 'string' && parseIsoDate(value) !== null;
}

/** `YYYY-MM-DD` from parts; throws RangeError when they do not name a real day. */
export function formatIsoDate(year: number, month: number, day: number): IsoDate {
  if (!isValidCalendarDate(year, month, day)) throw new RangeError(`invalid date: ${year}-${month}-${day}`);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function partsOf(date: IsoDate): CalendarDate {
  const parts = parseIsoDate(date);
  if (!parts) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return parts;
}

// Day numbers from and to civil dates (H. Hinnant's algorithms): exact integer arithmetic, no Date, no DST.
function toDayNumber({ year, month, day }: CalendarDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function fromDayNumber(dayNumber: number): IsoDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return formatIsoDate(year, month, day);
}

/** Negative when a is before b, 0 when equal, positive when after (usable with `Array.prototype.sort`). */
export function compareDates(a: IsoDate, b: IsoDate): number {
  partsOf(a);
  partsOf(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  if (!Number.isSafeInteger(days)) throw new RangeError(`days must be an integer, got ${days}`);
  return fromDayNumber(toDayNumber(partsOf(date)) + days);
}

/** b - a in days: daysBetween("2026-01-31", "2026-02-01") = 1. */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toDayNumber(partsOf(b)) - toDayNumber(partsOf(a));
}

function checkAnchorDay(anchorDay: number): void {
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 31) {
    throw new RangeError(`anchor day must be 1-31, got ${anchorDay}`);
  }
}

/**
 * The month `months` after (or before, when negative) the month of `date`, on `anchorDay` clamped to that
 * month's last day. Only the year and month of `date` are used, never its day: anchor 31 gives Jan 31,
 * Feb 28 (29), Mar 31, Apr 30, and a clamped date never shifts later ones. `anchorDay` defaults to the day of `date`.
 */
export function addMonthsAnchored(date: IsoDate, months: number, anchorDay?: number): IsoDate {
  const { year, month, day } = partsOf(date);
  const anchor = anchorDay ?? day;
  checkAnchorDay(anchor);
  if (!Number.isSafeInteger(months)) throw new RangeError(`months must be an integer, got ${months}`);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12 + 1;
  if (targetYear < 1 || targetYear > 9999) throw new RangeError(`date out of range: ${date} + ${months} months`);
  return formatIsoDate(targetYear, targetMonth, Math.min(anchor, lastDayOfMonth(targetYear, targetMonth)));
}

function intervalMonths(interval: Interval, every: number): number {
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`every must be a positive integer, got ${every}`);
  switch (interval) {
    case 'month':
      return every;
    case 'year':
      return every * 12;
  }
}

/**
 * Start of the period after the one starting on `date`: `every` months or years later on the anchor day
 * (clamped; a yearly anchor of Feb 29 gives Feb 28 in other years).
 */
export function nextPeriodStart(date: IsoDate, interval: Interval, every: number, anchorDay: number): IsoDate {
  return addMonthsAnchored(date, intervalMonths(interval, every), anchorDay);
}

/** Start of the period before the one starting on `date`; the inverse of `nextPeriodStart` for anchored dates. */
export function previousPeriodStart(date: IsoDate, interval: Interval, every: number, anchorDay: number): IsoDate {
  return addMonthsAnchored(date, -intervalMonths(interval, every), anchorDay);
}

/** The day of month of a date, e.g. to take a membership's anchor from its first recurring invoice date. */
export function dayOfMonth(date: IsoDate): number {
  return partsOf(date).day;
}

// Building a formatter costs ~0.15 ms; Stripe imports convert one timestamp per row, so formatters are reused.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      numberingSystem: 'latn',
      calendar: 'gregory',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for a time zone name the runtime knows ("Europe/Paris", "UTC"); offsets like "+01:00" are refused. */
export function isValidTimeZone(name: string): boolean {
  // Newer runtimes also accept UTC offsets; a zone name follows daylight saving, an offset does not.
  if (name.trim() === '' || name !== name.trim() || /^[+\-\u2212]?\d/.test(name)) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** The runtime's spelling of a valid zone name ("europe/paris" -> "Europe/Paris"), or null. */
export function canonicalTimeZone(name: string): string | null {
  return isValidTimeZone(name) ? formatterFor(name).resolvedOptions().timeZone : null;
}

function dateOfInstant(instant: Date, timeZone: string): IsoDate {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid instant');
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return formatIsoDate(part('year'), part('month'), part('day'));
}

/** The calendar date in `timeZone` at the instant `now`. Throws RangeError for an unknown zone. */
export function todayInTimeZone(timeZone: string, now: Date = new Date()): IsoDate {
  return dateOfInstant(now, timeZone);
}

export interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
}

/**
 * Splits "2025-12-25 20:18", "12/25/25 8:18 PM", "2025-12-25T20:18:05" into the date text and the time
 * (null when there is none); returns null when the time part is malformed. The date part is not checked.
 */
export function splitDateTime(text: string): { date: string; time: TimeOfDay | null } | null {
  const trimmed = text.trim();
  const match = /^(\S+?)(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp][Mm]))?)?$/.exec(trimmed);
  if (!match) return null;
  const [, date, hourText, minuteText, secondText, meridiem] = match;
  if (hourText === undefined) return { date: date!, time: null };
  let hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText ?? 0);
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return null;
  return { date: date!, time: { hour, minute, second } };
}

/** The date in `timeZone` of a UTC date and time (Stripe exports are in UTC). */
export function utcDateTimeToLocalDate(date: IsoDate, time: TimeOfDay, timeZone: string): IsoDate {
  const { year, month, day } = partsOf(date);
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(time.hour, time.minute, time.second, 0);
  return dateOfInstant(instant, timeZone);
}

/**
 * The date in `timeZone` of a Stripe timestamp `YYYY-MM-DD HH:MM[:SS]` in UTC; a bare `YYYY-MM-DD` counts as
 * midnight UTC. Null when the text has another shape (read it with `splitDateTime` + `parseLooseDate`).
 */
export function utcTimestampToLocalDate(text: string, timeZone: string): IsoDate | null {
  const split = splitDateTime(text);
  if (!split || !isIsoDate(split.date)) return null;
  return utcDateTimeToLocalDate(split.date, split.time ?? { hour: 0, minute: 0, second: 0 }, timeZone);
}

// "2026-03-23T14:05:00+01:00", "2026-03-23 14:05:10 UTC", "2026-03-23T13:05:00.000Z": an instant, not a local time
const zonedTimestamp = /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * The date in `timeZone` of a timestamp that names its zone: `Z`, `UTC`, `GMT` or an offset (`+01:00`, `+0100`,
 * `-05`), after an ISO date and a time (`T` or a space between them). Null when the text has another shape, or names
 * no real day or time.
 */
export function zonedTimestampToLocalDate(text: string, timeZone: string): IsoDate | null {
  const match = zonedTimestamp.exec(text);
  if (!match) return null;
  const [, date, hourText, minuteText, secondText, zone] = match;
  const parts = parseIsoDate(date!);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText ?? 0);
  if (!parts || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (/^[+-]/.test(zone!)) {
    const digits = zone!.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || 0);
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone![0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const instant = new Date(0);
  instant.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  instant.setUTCHours(hour, minute - offsetMinutes, second, 0);
  return dateOfInstant(instant, timeZone);
}

const timeOfDay = /\d(?:T|\s+)\d{1,2}:\d{2}/;

/** Whether a date text carries a time of day ("2026-03-23 14:05", "23/03/2026 14:05", "2026-03-23T13:05:00Z"). */
export const hasTimeOfDay = (text: string): boolean => timeOfDay.test(text);

// Serial 61 is 1900-03-01; Excel counts a 1900-02-29 that never existed as serial 60.
const EXCEL_EPOCH_DAY = toDayNumber({ year: 1899, month: 12, day: 30 });
const EXCEL_MAX_SERIAL = 2958465; // 9999-12-31

/**
 * The date of an Excel serial in the 1900 date system (serial 1 = 1900-01-01, 45658 = 2025-01-01); a
 * fractional part (time of day) is dropped. Null for serial 60 (Excel's nonexistent 1900-02-29), below 1 or
 * beyond 9999-12-31.
 */
export function fromExcelSerial(serial: number): IsoDate | null {
  if (!Number.isFinite(serial)) return null;
  const whole = Math.floor(serial);
  if (whole < 1 || whole === 60 || whole > EXCEL_MAX_SERIAL) return null;
  return fromDayNumber(EXCEL_EPOCH_DAY + (whole < 60 ? whole + 1 : whole));
}

/**
 * The calendar date of a spreadsheet date cell. exceljs returns such cells as a Date at that day's midnight
 * UTC, so the UTC parts are the date (local parts would shift it a day west of Greenwich). Null for an invalid Date.
 */
export function fromJsDate(value: Date): IsoDate | null {
  if (Number.isNaN(value.getTime())) return null;
  const year = value.getUTCFullYear();
  if (year < 1 || year > 9999) return null;
  return formatIsoDate(year, value.getUTCMonth() + 1, value.getUTCDate());
}

export type LooseDate =
  | { kind: 'date'; date: IsoDate }
  | { kind: 'ambiguous'; readings: { DMY?: IsoDate; MDY?: IsoDate } }
  | { kind: 'invalid' };

/** Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999 (the rule spreadsheets use). */
export function expandTwoDigitYear(year: number): number {
  return year < 70 ? 2000 + year : 1900 + year;
}

interface DateShape {
  /** A year-first value (`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`): the same under every convention. */
  yearFirst: boolean;
  parts: [string, string, string];
}

function shapeOf(text: string): DateShape | null {
  const split = splitDateTime(text);
  if (!split) return null;
  const yearFirst = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(split.date);
  if (yearFirst) return { yearFirst: true, parts: [yearFirst[1]!, yearFirst[3]!, yearFirst[4]!] };
  const other = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})$/.exec(split.date);
  if (other) return { yearFirst: false, parts: [other[1]!, other[3]!, other[4]!] };
  return null;
}

function yearOf(text: string): number {
  return text.length === 2 ? expandTwoDigitYear(Number(text)) : Number(text);
}

function dateOrNull(year: number, month: number, day: number): IsoDate | null {
  return isValidCalendarDate(year, month, day) ? formatIsoDate(year, month, day) : null;
}

function readAs(shape: DateShape, convention: DateConvention): IsoDate | null {
  const [a, b, c] = shape.parts;
  if (shape.yearFirst) return dateOrNull(Number(a), Number(b), Number(c));
  switch (convention) {
    case 'DMY':
      return dateOrNull(yearOf(c), Number(b), Number(a));
    case 'MDY':
      return dateOrNull(yearOf(c), Number(a), Number(b));
    case 'YMD':
      // "25/12/31" only: a four-digit last part cannot be a day.
      return c.length === 2 && a.length === 2 ? dateOrNull(yearOf(a), Number(b), Number(c)) : null;
  }
}

/**
 * Reads a date written by a person or a spreadsheet. Year-first values (`2026-03-04`, `2026/03/04`) are
 * read the same way whatever the convention. `DD/MM/YYYY` and `MM/DD/YYYY` shapes (with `/`, `.` or `-`,
 * four- or two-digit years, one- or two-digit day and month) follow `convention`; with no convention a
 * value that only one of DMY and MDY can read (25/12/2026) is a date, one both read differently is
 * ambiguous (the caller reports it, never guesses), and a value neither reads (31/02/2026) is invalid.
 * `YMD` applies to two-digit year-first values such as `26/03/04`, and is only used when asked for.
 * A trailing time of day (`25/12/2026 14:00`) is ignored. Never throws.
 */
export function parseLooseDate(text: string, convention: DateConvention | null): LooseDate {
  const shape = shapeOf(text);
  if (!shape) return { kind: 'invalid' };
  if (shape.yearFirst || convention !== null) {
    const date = readAs(shape, convention ?? 'YMD');
    return date === null ? { kind: 'invalid' } : { kind: 'date', date };
  }
  const dmy = readAs(shape, 'DMY');
  const mdy = readAs(shape, 'MDY');
  if (dmy !== null && mdy !== null && dmy !== mdy) return { kind: 'ambiguous', readings: { DMY: dmy, MDY: mdy } };
  const date = dmy ?? mdy;
  return date === null ? { kind: 'invalid' } : { kind: 'date', date };
}

/** Which conventions read a value as a valid date. A year-first value is compatible with all three. */
export type DateCompatibility = Record<DateConvention, boolean>;

/**
 * Tells which conventions can read `text`: "25/12/2026" only DMY (a first part above 12 proves DMY),
 * "12/25/2026" only MDY, "04/03/2026" both, "2026-03-04" all, "31/02/2026" none.
 */
export function classifyDateText(text: string): DateCompatibility {
  const shape = shapeOf(text);
  if (!shape) return { DMY: false, MDY: false, YMD: false };
  return {
    DMY: readAs(shape, 'DMY') !== null,
    MDY: readAs(shape, 'MDY') !== null,
    YMD: readAs(shape, 'YMD') !== null,
  };
}

export interface ConventionInference {
  /** The convention proven by some value and contradicted by none; null when nothing or both are proven. */
  convention: 'DMY' | 'MDY' | null;
  /** First value that only DMY reads, if any. */
  provesDMY: string | null;
  /** First value that only MDY reads, if any. */
  provesMDY: string | null;
}

/**
 * The per-file inference of day/month dates (docs/importing.md, "Dates"): DMY when some value only DMY reads and none only MDY reads (and
 * the other way round). Empty and unreadable values decide nothing.
 */
export function inferDateConvention(texts: Iterable<string>): ConventionInference {
  let provesDMY: string | null = null;
  let provesMDY: string | null = null;
  for (const text of texts) {
    const fits = classifyDateText(text);
    if (fits.DMY && !fits.MDY) provesDMY ??= text;
    if (fits.MDY && !fits.DMY) provesMDY ??= text;
    if (provesDMY !== null && provesMDY !== null) break;
  }
  let convention: ConventionInference['convention'] = null;
  if (provesDMY !== null && provesMDY === null) convention = 'DMY';
  if (provesMDY !== null && provesDMY === null) convention = 'MDY';
  return { convention, provesDMY, provesMDY };
}
