/**
 * Reading one cell of a member file as the value of its column: dates, e-mails, numbers, yes/no, tags.
 * Pure functions; a value that cannot be read is a `CellIssue`, which the row validator turns into a problem.
 */
import type { Cell } from '../../importers/types.js';
import { type DateConvention, fromExcelSerial, isIsoDate, parseLooseDate, zonedTimestampToLocalDate } from '../kernel/dates.js';
import type { ProblemCode } from '../kernel/problems.js';

export type CellIssue = { code: ProblemCode; message: string; suggestion?: string | null };
export type Read<T> = { ok: true; value: T } | { ok: false; issue: CellIssue };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const fail = (code: ProblemCode, message: string, suggestion: string | null = null): Read<never> => ({
  ok: false,
  issue: { code, message, suggestion },
});

/** Excel's own limit on the characters of one cell; anything longer did not come from a person typing. */
export const maxCellLength = 32_767;

/** The text of a cell: a date cell as `YYYY-MM-DD`, an empty cell (or a formula without value) as null. */
export function cellText(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string') return cell;
  return cell.kind === 'date' ? cell.date : null;
}

/** A cell's content as shown in a problem: long values are cut so a report never carries megabytes. */
export function shownValue(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) return null;
  const text = typeof cell === 'string' ? cell : cell.kind === 'date' ? cell.date : `=${cell.formula}`;
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
}

const conventionShape: Record<DateConvention, string> = { DMY: 'DD/MM/YYYY', MDY: 'MM/DD/YYYY', YMD: 'YY/MM/DD' };

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "4 March 2026" for a person reading which of two readings is meant. */
export function spellDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${day} ${monthNames[(month ?? 1) - 1]} ${year}`;
}

/** The first value of a file that only day-first reads, and the first that only month-first reads. */
export interface MixedDates {
  DMY: { row: number; column: string; text: string };
  MDY: { row: number; column: string; text: string };
}

/**
 * A date column's value. `convention` is `--date-format` or the one inferred for the file; `given` says which,
 * for the messages. In a file whose dates prove both readings (`mixed`, without --date-format), no day/month value
 * is read: each cell read its own way would mix up days and months without a word. Spreadsheet date cells and ISO dates are always read; a bare number that is a spreadsheet
 * serial (a date column formatted as text) is refused with the date it stands for as the suggestion. A timestamp is
 * read as its date in `timeZone`: one that names its zone (`Z`, `UTC`, `+01:00`) is converted to it first, one that
 * does not is a local time there (its date as written).
 */
export function readDate(cell: Cell | undefined, convention: DateConvention | null, given: boolean, mixed: MixedDates | null = null, timeZone = 'UTC'): Read<string | null> {
  if (cell === null || cell === undefined) return ok(null);
  if (typeof cell !== 'string') return cell.kind === 'date' ? ok(cell.date) : ok(null);
  if (cell.length === 10 && isIsoDate(cell)) return ok(cell);
  if (/^\d{1,7}(\.\d+)?$/.test(cell)) {
    const serial = Number(cell);
    const date = serial >= 1000 ? fromExcelSerial(serial) : null;
    if (date) {
      return fail(
        'invalid_date',
        `"${cell}" is a spreadsheet date number, not a date (it stands for ${date}): format the column as dates, or write ${date}`,
        date,
      );
    }
    return fail('invalid_date', `"${cell}" is not a date: write it as YYYY-MM-DD`);
  }
  if (cell.length > 16) {
    const zoned = zonedTimestampToLocalDate(cell, timeZone);
    if (zoned !== null) return ok(zoned);
  }
  const read = parseLooseDate(cell, convention);
  if (mixed && convention === null && read.kind !== 'invalid' && !/^\d{4}\D/.test(cell)) {
    const proof = (c: 'DMY' | 'MDY') => `"${mixed[c].text}" (row ${mixed[c].row}, ${mixed[c].column})`;
    return fail(
      'ambiguous_date',
      `"${cell}" is not read: this file has both day-first dates such as ${proof('DMY')} and month-first dates such as ${proof('MDY')}; give --date-format DMY or --date-format MDY, or write YYYY-MM-DD`,
    );
  }
  switch (read.kind) {
    case 'date':
      return ok(read.date);
    case 'ambiguous': {
      const { DMY, MDY } = read.readings;
      return fail(
        'ambiguous_date',
        `"${cell}" could be ${spellDate(DMY!)} (day first) or ${spellDate(MDY!)} (month first): nothing in the file decides; give --date-format DMY or --date-format MDY, or write YYYY-MM-DD`,
      );
    }
    case 'invalid': {
      const other = convention === null ? null : (['DMY', 'MDY'] as const).find((c) => c !== convention && parseLooseDate(cell, c).kind === 'date');
      if (other) {
        const how = given ? `--date-format ${convention}` : `the ${conventionShape[convention!]} dates of this file`;
        return fail('invalid_date', `"${cell}" is not a valid date as ${conventionShape[convention!]} (${how}); it reads only as ${conventionShape[other]}`);
      }
      if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(cell)) return fail('invalid_date', `"${cell}" is not a day of the calendar`);
      return fail('invalid_date', `"${cell}" is not a date: write it as YYYY-MM-DD${convention ? ` or ${conventionShape[convention]}` : ''}`);
    }
  }
}

// Deliberately simple: one @, no spaces or control characters, a dotted domain ending in letters. Mail servers
// decide the rest.
const emailPattern = /^[^\s\p{Cc}@"<>(),;:\\[\]]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}$/u;

export function isEmail(text: string): boolean {
  return emailPattern.test(text) && !text.includes('..');
}

export function readEmail(text: string | null): Read<string | null> {
  if (text === null) return ok(null);
  const email = text.replace(/^mailto:/i, '');
  if (!isEmail(email)) return fail('invalid_email', `"${text}" is not an e-mail address`);
  return ok(email);
}

const phonePattern = /^\+?[\d\s().\-/]{6,}$/;

/** A name that is really a phone number ("+33 6 12 34 56 78"). */
export const looksLikePhone = (text: string) => phonePattern.test(text) && (text.match(/\d/g)?.length ?? 0) >= 6;

export function readQuantity(text: string | null): Read<number | null> {
  if (text === null) return ok(null);
  // spreadsheets sometimes write whole numbers as "2.0"
  const match = /^(\d{1,6})(?:[.,]0+)?$/.exec(text);
  if (!match || Number(match[1]) < 1) return fail('invalid_number', `"${text}" is not a quantity: write a whole number of at least 1`);
  return ok(Number(match[1]));
}

const yes = new Set(['yes', 'y', 'true', '1', 'oui', 'o', 'vrai', 'on', 'x']);
const no = new Set(['no', 'n', 'false', '0', 'non', 'faux', 'off']);

export function readBoolean(text: string | null): Read<boolean | null> {
  if (text === null) return ok(null);
  const key = text.toLowerCase();
  if (yes.has(key)) return ok(true);
  if (no.has(key)) return ok(false);
  return fail('invalid_boolean', `"${text}" is not yes or no (also accepted: oui/non, true/false, 1/0)`);
}

/** Tags separated by `,` or `;`, trimmed, without empty ones or repeats, in the order written. */
export function readTags(text: string | null): string[] {
  if (text === null) return [];
  const tags: string[] = [];
  for (const part of text.split(/[,;]/)) {
    const tag = part.trim();
    if (tag !== '' && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}
