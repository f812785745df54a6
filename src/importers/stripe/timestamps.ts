/**
 * Stripe writes timestamps as `YYYY-MM-DD HH:MM` in UTC; memberctl keeps the calendar date in the organisation's
 * time zone. A file re-saved by a spreadsheet program has other shapes (`12/25/25 20:18`, or date cells): the
 * first pass over a file finds out (`surveyTimestamps`), and such values are then read by the loose date rules
 * with one day/month convention for the whole file, never guessed per cell.
 */
import {
  classifyDateText,
  type DateConvention,
  type IsoDate,
  isIsoDate,
  parseLooseDate,
  splitDateTime,
  utcDateTimeToLocalDate,
  utcTimestampToLocalDate,
} from '../../core/dates.js';
import { type Problem, problem } from '../../core/problems.js';
import type { Cell } from '../types.js';

/** What Stripe itself writes. */
const stripeShape = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?$/;

export interface DateSample {
  row: number;
  column: string;
  text: string;
}

export interface TimestampSurvey {
  /** The first value that Stripe would not have written, or null when every value has Stripe's shape. */
  reformatted: DateSample | null;
  provesDMY: DateSample | null;
  provesMDY: DateSample | null;
}

export const emptySurvey = (): TimestampSurvey => ({ reformatted: null, provesDMY: null, provesMDY: null });

/** Adds one timestamp cell to the survey of its file. */
export function surveyTimestamp(survey: TimestampSurvey, cell: Cell | undefined, row: number, column: string): void {
  if (cell === null || cell === undefined) return;
  if (typeof cell !== 'string') {
    if (cell.kind === 'date') survey.reformatted ??= { row, column, text: cell.date };
    return;
  }
  if (stripeShape.test(cell)) return;
  survey.reformatted ??= { row, column, text: cell };
  const split = splitDateTime(cell);
  if (!split || isIsoDate(split.date)) return;
  const fits = classifyDateText(split.date);
  if (fits.DMY && !fits.MDY) survey.provesDMY ??= { row, column, text: cell };
  if (fits.MDY && !fits.DMY) survey.provesMDY ??= { row, column, text: cell };
}

export interface TimestampReading {
  timeZone: string;
  /** The day/month order of reformatted values: `--date-format`, else the one the file proves, else null. */
  convention: DateConvention | null;
  /** true when the convention is `--date-format` */
  given: boolean;
}

const shapes: Record<DateConvention, string> = { DMY: 'DD/MM/YYYY', MDY: 'MM/DD/YYYY', YMD: 'YY/MM/DD' };

/**
 * How a file's timestamps are read, and its file-level `stripe_dates_reformatted` warning when it was re-saved.
 * A convention proven by some value and contradicted by none is used; `--date-format` overrides it.
 */
export function timestampReading(
  survey: TimestampSurvey,
  options: { timeZone: string; dateFormat: DateConvention | null; file: string },
): { reading: TimestampReading; problems: Problem[] } {
  const { timeZone, dateFormat } = options;
  let convention: DateConvention | null = dateFormat;
  if (convention === null) {
    if (survey.provesDMY && !survey.provesMDY) convention = 'DMY';
    if (survey.provesMDY && !survey.provesDMY) convention = 'MDY';
  }
  const problems: Problem[] = [];
  const sample = survey.reformatted;
  if (sample) {
    let how: string;
    if (dateFormat !== null) how = `read as ${shapes[dateFormat]} (--date-format ${dateFormat})`;
    else if (convention !== null) {
      const proof = (convention === 'DMY' ? survey.provesDMY : survey.provesMDY)!;
      how = `read as ${shapes[convention]}, as "${proof.text}" (row ${proof.row}) shows`;
    } else if (survey.provesDMY && survey.provesMDY) {
      how = `some read only as day first ("${survey.provesDMY.text}", row ${survey.provesDMY.row}), others only as month first ("${survey.provesMDY.text}", row ${survey.provesMDY.row}): give --date-format DMY or MDY`;
    } else how = 'dates that could be day first or month first are refused: give --date-format DMY or MDY';
    problems.push(
      problem({
        column: sample.column,
        value: sample.text,
        code: 'stripe_dates_reformatted',
        severity: 'warning',
        message: `${options.file}: dates are not in Stripe's "YYYY-MM-DD HH:MM" shape (row ${sample.row}: "${sample.text}"): the file was re-saved by a spreadsheet program; its dates are ${how}; a value without a time of day is taken as written`,
      }),
    );
  }
  return { reading: { timeZone, convention, given: dateFormat !== null }, problems };
}

export type Read<T> = { ok: true; value: T } | { ok: false; code: 'invalid_date' | 'ambiguous_date'; message: string };

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const spell = (date: IsoDate) => {
  const [year, month, day] = date.split('-').map(Number);
  return `${day} ${monthNames[(month ?? 1) - 1]} ${year}`;
};

/**
 * The calendar date, in the organisation's time zone, of a Stripe timestamp. A value with a time of day is UTC
 * and converted; a value without one (a date cell, or a date a spreadsheet wrote without its time) is taken as
 * written, since shifting a date whose time is unknown could only move it to a wrong day. Never throws.
 */
export function readTimestamp(cell: Cell | undefined, reading: TimestampReading): Read<IsoDate | null> {
  if (cell === null || cell === undefined) return { ok: true, value: null };
  if (typeof cell !== 'string') return { ok: true, value: cell.kind === 'date' ? cell.date : null };
  if (stripeShape.test(cell)) {
    const date = utcTimestampToLocalDate(cell, reading.timeZone);
    if (date !== null) return { ok: true, value: date };
    return { ok: false, code: 'invalid_date', message: `"${cell}" is not a real date and time` };
  }
  const split = splitDateTime(cell);
  if (split === null) return { ok: false, code: 'invalid_date', message: `"${cell}" is not a date: Stripe writes YYYY-MM-DD HH:MM` };
  const loose = parseLooseDate(split.date, reading.convention);
  switch (loose.kind) {
    case 'date':
      return { ok: true, value: split.time === null ? loose.date : utcDateTimeToLocalDate(loose.date, split.time, reading.timeZone) };
    case 'ambiguous':
      return {
        ok: false,
        code: 'ambiguous_date',
        message: `"${cell}" could be ${spell(loose.readings.DMY!)} (day first) or ${spell(loose.readings.MDY!)} (month first) and nothing in the file decides: give --date-format DMY or --date-format MDY`,
      };
    case 'invalid': {
      const as = reading.convention === null ? '' : ` as ${shapes[reading.convention]}${reading.given ? ` (--date-format ${reading.convention})` : ''}`;
      return { ok: false, code: 'invalid_date', message: `"${cell}" is not a valid date${as}` };
    }
  }
}
