/**
 * Stripe writes timestamps as `YYYY-MM-DD HH:MM` in UTC; memberctl keeps the calendar date in the organisation's
 * time zone. A file re-saved by a spreadsheet program has other shapes (`12/25/25 20:18`, or date cells): the
 * first pass over a file finds out (`surveyTimestamps`), and such values are then read by the loose date rules
 * with one day/month convention for the whole file, never guessed per cell.
 */
import {
  classifyDateText,
  type DateConvention,
  formatIsoDate,
  type IsoDate,
  isIsoDate,
  parseIsoDate,
  parseLooseDate,
  splitDateTime,
  type TimeOfDay,
  utcDateTimeToLocalDate,
} from '../../core/kernel/dates.js';
import { type Problem, problem } from '../../core/kernel/problems.js';
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

/**
 * Adds one timestamp cell to the survey of its file. Every timestamp column counts, imported or not: they were
 * all re-saved by the same program, so any of them tells the day/month order of the file.
 */
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

/**
 * The date in one time zone of UTC dates and times, fast enough for a file with a few hundred thousand of them:
 * the zone's offset is looked up once per UTC day and applied to every time of a day it does not change in; on a
 * day it changes (daylight saving), each time is converted on its own.
 */
export class LocalDates {
  readonly timeZone: string;
  private readonly formatter: Intl.DateTimeFormat;
  /** UTC date -> the zone's offset in ms all that day, or null when it changes during the day */
  private readonly offsets = new Map<string, number | null>();

  /** Throws a RangeError for a zone the runtime does not know. */
  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
  }

  private offsetAt(instant: number): number {
    const parts = this.formatter.formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - instant;
  }

  /** The local date of `time` (UTC) on `date`. */
  of(date: IsoDate, time: TimeOfDay): IsoDate {
    const parts = parseIsoDate(date);
    // Date.UTC reads years below 100 as 19xx: leave those to the exact conversion
    if (parts === null || parts.year < 100) return utcDateTimeToLocalDate(date, time, this.timeZone);
    const midnight = Date.UTC(parts.year, parts.month - 1, parts.day);
    let offset = this.offsets.get(date);
    if (offset === undefined) {
      const first = this.offsetAt(midnight);
      offset = first === this.offsetAt(midnight + 86_399_000) ? first : null;
      this.offsets.set(date, offset);
    }
    if (offset === null) return utcDateTimeToLocalDate(date, time, this.timeZone);
    const local = new Date(midnight + ((time.hour * 60 + time.minute) * 60 + time.second) * 1000 + offset);
    return formatIsoDate(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate());
  }
}

export interface TimestampReading {
  local: LocalDates;
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
  options: { local: LocalDates; dateFormat: DateConvention | null },
): { reading: TimestampReading; problems: Problem[] } {
  const { local, dateFormat } = options;
  let convention: DateConvention | null = dateFormat;
  if (convention === null) {
    if (survey.provesDMY && !survey.provesMDY) convention = 'DMY';
    if (survey.provesMDY && !survey.provesDMY) convention = 'MDY';
  }
  const problems: Problem[] = [];
  const sample = survey.reformatted;
  if (sample) {
    let how: string;
    if (dateFormat !== null) how = `its dates are read as ${shapes[dateFormat]} (--date-format ${dateFormat})`;
    else if (convention !== null) {
      const proof = (convention === 'DMY' ? survey.provesDMY : survey.provesMDY)!;
      how = `its dates are read as ${shapes[convention]}, as "${proof.text}" (row ${proof.row}) shows`;
    } else if (survey.provesDMY && survey.provesMDY) {
      how = `some of its dates can only be day first ("${survey.provesDMY.text}", row ${survey.provesDMY.row}), others only month first ("${survey.provesMDY.text}", row ${survey.provesMDY.row}): give --date-format DMY or MDY`;
    } else how = 'a date that could be day first or month first is refused until --date-format DMY or MDY says which';
    problems.push(
      problem({
        column: sample.column,
        value: sample.text,
        code: 'stripe_dates_reformatted',
        severity: 'warning',
        message: `dates are not in Stripe's "YYYY-MM-DD HH:MM" shape (row ${sample.row}: "${sample.text}"): the file was re-saved by a spreadsheet program; ${how}; a value without a time of day is taken as written`,
      }),
    );
  }
  return { reading: { local, convention, given: dateFormat !== null }, problems };
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
    const split = splitDateTime(cell);
    if (split?.time && isIsoDate(split.date)) return { ok: true, value: reading.local.of(split.date, split.time) };
    return { ok: false, code: 'invalid_date', message: `"${cell}" is not a real date and time` };
  }
  const split = splitDateTime(cell);
  if (split === null) return { ok: false, code: 'invalid_date', message: `"${cell}" is not a date: Stripe writes YYYY-MM-DD HH:MM` };
  const loose = parseLooseDate(split.date, reading.convention);
  switch (loose.kind) {
    case 'date':
      return { ok: true, value: split.time === null ? loose.date : reading.local.of(loose.date, split.time) };
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
