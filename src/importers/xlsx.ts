import type { FileHandle } from 'node:fs/promises';
import type { CellErrorValue, CellValue } from 'exceljs';
import { fromExcelSerial } from '../core/kernel/dates.js';
import { problem } from '../core/kernel/problems.js';
import type { Problem } from '../core/kernel/problems.js';
import { ExitCode, inputError, UserError } from '../errors.js';
import { dataRows, findHeader, headerText, textCell, withoutTrailingEmpty } from './rows.js';
import type { Cell, RawRow, Table } from './types.js';
import { decodeExcelEscapes, readCellFormats, readSharedStrings, readSheetRows, type StoredCell } from './xlsx-parts.js';
import { type EntryData, entryDataStart, entryText, readZipEntry } from './zip-directory.js';
import type { ZipDirectory } from './zip-directory.js';
import { FileError, noHeaderRow, unsupportedFormat } from './file-error.js';
import { fromWorker, type ReadFailure, workerBuilt } from './worker-batches.js';

export interface SheetInfo {
  name: string;
  /** The zip entry holding the sheet, e.g. `xl/worksheets/sheet1.xml`; null if the workbook does not say. */
  path: string | null;
  hidden: boolean;
}

interface Workbook {
  sheets: SheetInfo[];
  date1904: boolean;
}

/** Marks a cell whose value is an error or cannot be represented; the file does not say which error. */
const unknownError = '#ERROR';

// Excel shows at most 15 significant digits; more is binary noise such as 0.30000000000000004.
const numberFormat = new Intl.NumberFormat('en-US', { useGrouping: false, maximumSignificantDigits: 15 });

/** Days from 1900-01-00 (serial 0 of the 1900 system) to 1904-01-01 (serial 0 of the 1904 system). */
const date1904Offset = 1462;

export const numberText = (value: number) => (Number.isFinite(value) ? numberFormat.format(value === 0 ? 0 : value) : unknownError);

// A format with date or time parts (the test exceljs applies too), ignoring quoted text
// and [colour]/[locale] sections.
const isDateFormat = (format: string | undefined) =>
  format !== undefined && /[ymdhMsb]/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));

/** The section of a number format that displays `value`: `positive;negative;zero;text`. */
function formatSection(format: string, value: number): string {
  const sections = format.split(';');
  if (value < 0 && sections.length > 1) return sections[1]!;
  if (value === 0 && sections.length > 2) return sections[2]!;
  return sections[0]!;
}

// A percent format shows its number times 100 followed by `%`; a `%` in quotes, after `\` or in [brackets] is only text.
const isPercentFormat = (format: string | undefined, value: number) =>
  format !== undefined && formatSection(format.replace(/\[[^\]]*]|"[^"]*"|\\.|[_*]./g, ''), value).includes('%');

/** A number as its percent format shows it, up to 15 significant digits and without rounding to the format: 0.055 -> "5.5%". */
export function percentText(value: number): string {
  const text = numberText(value);
  if (text === unknownError) return text;
  const negative = text.startsWith('-');
  const [whole = '', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const padded = fraction.padEnd(2, '0');
  const digits = `${whole}${padded.slice(0, 2)}`.replace(/^0+(?=[0-9])/, '');
  const rest = padded.slice(2);
  return `${negative ? '-' : ''}${digits}${rest === '' ? '' : `.${rest}`}%`;
}

function isoDate(date: Date): Cell {
  if (Number.isNaN(date.getTime())) return unknownError;
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) return unknownError;
  return { kind: 'date', date: date.toISOString().slice(0, 10) };
}

/**
 * A date cell's serial as the calendar day Excel shows for it. In the 1900 date system serial 1 is 1900-01-01 and
 * 60 is the 29 February 1900 Excel counts but the calendar never had; in the 1904 system serial 0 is 1904-01-01.
 * A serial that is no day (below 1 in the 1900 system, below 0 in the 1904 one, 60, past 9999-12-31) reads as
 * its number, which a date column refuses.
 */
function serialDate(serial: number, date1904: boolean): Cell {
  // to the millisecond, as Excel shows times: 45000.99999999999 is the midnight that starts the next day
  const rounded = Math.round(serial * 86_400_000) / 86_400_000;
  const date = fromExcelSerial(date1904 ? rounded + date1904Offset : rounded);
  if (date === null || (date1904 && serial < 0)) return numberText(serial);
  return { kind: 'date', date };
}

const decodeXml = (text: string) =>
  text.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi, (entity, hex: string, dec: string, name: string) => {
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (dec) return String.fromCodePoint(Number.parseInt(dec, 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[name.toLowerCase()] ?? entity;
  });

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    found.set(match[1]!, decodeXml(match[2] ?? match[3] ?? ''));
  }
  return found;
}

/** Sheet names in tab order with the zip entry of each, from `xl/workbook.xml` and its relationships. */
export function parseWorkbook(workbookXml: string, relsXml: string | null): Workbook {
  const targets = new Map<string, string>();
  for (const [tag] of (relsXml ?? '').matchAll(/<(?:[\w.-]+:)?Relationship\b[^>]*>/g)) {
    const attrs = attributes(tag);
    const id = attrs.get('Id');
    const target = attrs.get('Target');
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`);
  }
  const sheets: SheetInfo[] = [];
  for (const [tag] of workbookXml.matchAll(/<(?:[\w.-]+:)?sheet\b[^>]*>/g)) {
    const attrs = attributes(tag);
    const name = attrs.get('name');
    if (name === undefined) continue;
    const relation = [...attrs].find(([key]) => /(^|:)id$/.test(key) && key !== 'sheetId')?.[1];
    sheets.push({ name, path: relation ? (targets.get(relation) ?? null) : null, hidden: (attrs.get('state') ?? 'visible') !== 'visible' });
  }
  const properties = /<(?:[\w.-]+:)?workbookPr\b[^>]*>/.exec(workbookXml)?.[0];
  const date1904 = properties ? /^(1|true)$/.test(attributes(properties).get('date1904') ?? '') : false;
  return { sheets, date1904 };
}

function richText(value: { richText: Array<{ text?: string | null }> }) {
  return value.richText.map((run) => run.text ?? '').join('');
}

/**
 * One cell value, in exceljs's shapes (which the worksheet reader builds too), as a Cell: dates as calendar days,
 * formulas by their cached result, errors as their text.
 */
export function xlsxCell(value: CellValue, numFmt: string | undefined, date1904: boolean): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return textCell(value);
  if (typeof value === 'number') {
    if (isDateFormat(numFmt)) return serialDate(value, date1904);
    // the text Excel shows: 0.2 formatted 0% is "20%", as a person typed it
    return isPercentFormat(numFmt, value) ? percentText(value) : numberText(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return isoDate(value);
  if ('richText' in value) return textCell(richText(value));
  if ('error' in value) return value.error;
  if ('formula' in value || 'sharedFormula' in value) {
    const result = value.result;
    if (result === undefined || result === null) {
      return { kind: 'formula', formula: value.formula ?? ('sharedFormula' in value ? value.sharedFormula : '') };
    }
    // a cached error (t="e") reaches us as NaN: the error's name is lost
    if (typeof result === 'number' && Number.isNaN(result)) return unknownError;
    return xlsxCell(result, numFmt, date1904);
  }
  if ('hyperlink' in value) {
    const text: unknown = value.text;
    if (typeof text === 'string') return textCell(text);
    if (text && typeof text === 'object' && 'richText' in text) return textCell(richText(text as { richText: Array<{ text?: string }> }));
    return textCell(value.hyperlink);
  }
  return unknownError;
}

/** Where the parts of the workbook that a sheet's cells need are, and what they say. */
export interface SheetSource {
  file: string;
  sheet: EntryData;
  sharedStrings: string[];
  formats: Array<string | undefined>;
  date1904: boolean;
  chunkBytes: number | undefined;
}

/** A cell as the worksheet stores it, read as a Cell with the workbook's shared strings and number formats. */
function storedCellValue(stored: StoredCell, source: SheetSource): Cell {
  const { value } = stored;
  let read: CellValue;
  switch (stored.type) {
    case 's':
      read = value === undefined ? null : (source.sharedStrings[Number(value)] ?? null);
      break;
    case 'inlineStr':
      read = stored.inline ?? (value === undefined ? null : decodeExcelEscapes(value));
      break;
    case 'str':
      read = value === undefined ? null : decodeExcelEscapes(value);
      break;
    case 'b':
      read = value === undefined ? null : value.trim() === '1' || value.trim().toLowerCase() === 'true';
      break;
    case 'e':
      read = value === undefined ? null : { error: value.trim() as CellErrorValue['error'] };
      break;
    case 'd': {
      if (value === undefined) read = null;
      else {
        const day = /^\s*(\d{4}-\d{2}-\d{2})/.exec(value)?.[1];
        const date = day === undefined ? null : isoDate(new Date(`${day}T00:00:00Z`));
        if (date !== null && typeof date === 'object' && date.kind === 'date' && date.date === day) return date;
        read = value;
      }
      break;
    }
    default:
      read = value === undefined || value.trim() === '' ? null : Number(value);
  }
  const format = source.formats[stored.style];
  if (stored.formula === undefined) return xlsxCell(read, format, source.date1904);
  return xlsxCell({ formula: stored.formula, result: read ?? undefined } as CellValue, format, source.date1904);
}

export async function* readSheet(source: SheetSource): AsyncGenerator<RawRow> {
  const rows = readSheetRows(entryText(source.file, source.sheet, source.chunkBytes), (stored) => storedCellValue(stored, source));
  try {
    for await (const { row, cells: stored } of rows) {
      const cells: Cell[] = [];
      for (const { column, cell } of stored) {
        while (cells.length < column - 1) cells.push(null);
        cells[column - 1] = cell;
      }
      yield { row, cells: withoutTrailingEmpty(cells) };
    }
  } catch (error) {
    throw unreadableWorkbook(source.file, error);
  }
}

/**
 * A row as it crosses from the worker thread: its number and its cells joined by NUL, a date as SOH and the day, a
 * formula without a cached value as STX and the formula, an empty cell as nothing (one string is much cheaper to pass
 * than an array of cells); or the row itself when a cell's text holds one of those characters.
 */
export type PostedRow = string | RawRow;

const dateMark = '\u0001';
const formulaMark = '\u0002';

export function postedRow(row: RawRow): PostedRow {
  let text = String(row.row);
  for (const cell of row.cells) {
    if (cell === null) text += '\u0000';
    else if (typeof cell === 'string') {
      if (cell.includes('\u0000') || cell.startsWith(dateMark) || cell.startsWith(formulaMark)) return row;
      text += `\u0000${cell}`;
    } else text += cell.kind === 'date' ? `\u0000${dateMark}${cell.date}` : `\u0000${formulaMark}${cell.formula}`;
  }
  return text;
}

export function receivedRow(posted: PostedRow): RawRow {
  if (typeof posted !== 'string') return posted;
  const parts = posted.split('\u0000');
  const cells: Cell[] = new Array(parts.length - 1);
  for (let i = 1; i < parts.length; i += 1) {
    const part = parts[i]!;
    const mark = part.charAt(0);
    cells[i - 1] = part === '' ? null : mark === dateMark ? { kind: 'date', date: part.slice(1) } : mark === formulaMark ? { kind: 'formula', formula: part.slice(1) } : part;
  }
  return { row: Number(parts[0]), cells };
}

/** Sheets from this many compressed bytes on (some 13,000 rows of a dozen columns) are read on a worker thread. */
export const workerSheetBytes = 1_000_000;

const workerFile = new URL('./xlsx-worker.js', import.meta.url);

/** A failure of the worker's reading as the error readSheet would have thrown. */
function workerFailure(file: string, failure: ReadFailure): Error {
  const known = failure.userError;
  if (known === undefined) return unreadableWorkbook(file, new Error(failure.message));
  const options = { exitCode: (known.exitCode ?? ExitCode.dataError) as ExitCode, hint: known.hint };
  return known.problemCode ? new FileError(known.problemCode as FileError['problemCode'], failure.message, options) : new UserError(failure.message, options);
}

/**
 * The rows of the sheet; a large one is read on a worker thread (xlsx-worker.ts), which inflates and parses it while
 * the caller checks the rows already read, as the CSV reader does.
 */
function sheetRows(source: SheetSource): AsyncGenerator<RawRow> {
  if (source.sheet.compressedSize < workerSheetBytes || !workerBuilt(workerFile)) return readSheet(source);
  return (async function* () {
    for await (const posted of fromWorker<PostedRow>(workerFile, source, 'xlsx', (failure) => workerFailure(source.file, failure))) yield receivedRow(posted);
  })();
}

function unreadableWorkbook(file: string, error: unknown): Error {
  if (error instanceof UserError) return error;
  return unsupportedFormat(`${file} cannot be read as an .xlsx workbook (${error instanceof Error ? error.message : String(error)})`);
}

/** Stored and deflated: the compression methods of every xlsx writer. */
const readableMethods = new Set([0, 8]);

/**
 * The sheet named `wanted` (which may be hidden), or else the first visible one, with the hidden sheets before it
 * that were passed over. A workbook whose sheets are all hidden gives its first.
 */
function pickSheet(file: string, sheets: SheetInfo[], wanted: string | undefined): { sheet: SheetInfo; hiddenSkipped: SheetInfo[] } {
  const list = sheets.map((sheet) => `"${sheet.name}"`).join(', ');
  if (sheets.length === 0) throw unsupportedFormat(`${file} has no worksheet`);
  if (wanted === undefined) {
    const visible = sheets.findIndex((sheet) => !sheet.hidden);
    if (visible < 0) return { sheet: sheets[0]!, hiddenSkipped: [] };
    return { sheet: sheets[visible]!, hiddenSkipped: sheets.slice(0, visible) };
  }
  const sheet =
    sheets.find((candidate) => candidate.name === wanted) ??
    sheets.find((candidate) => candidate.name.toLowerCase() === wanted.trim().toLowerCase());
  if (!sheet) throw inputError(`${file} has no sheet "${wanted}"; its sheets are ${list}`);
  return { sheet, hiddenSkipped: [] };
}

function hiddenSheetsSkipped(sheet: SheetInfo, hidden: SheetInfo[]): Problem {
  const names = hidden.map((skipped) => `"${skipped.name}"`).join(', ');
  const which = hidden.length === 1 ? `the first sheet, ${names}, is hidden` : `the first sheets, ${names}, are hidden`;
  return problem({
    code: 'hidden_sheet',
    severity: 'warning',
    value: hidden[0]!.name,
    message: `${which}: the first visible sheet, "${sheet.name}", is read; give --sheet "${hidden[0]!.name}" to read a hidden one`,
  });
}

/**
 * Opens the first sheet of an xlsx workbook (or the one named `sheet`, matched as Excel does: case-insensitively).
 * `handle` and `directory` are the already opened file and its zip directory, which must hold `xl/workbook.xml`.
 * The shared strings and styles are read here, once; the sheet is streamed each time the rows are read.
 */
export async function openXlsx(
  file: string,
  handle: FileHandle,
  directory: ZipDirectory,
  options: { sheet?: string | undefined; chunkBytes?: number | undefined } = {},
): Promise<Table> {
  const entry = (name: string) => directory.entries.find((candidate) => candidate.name === name);
  const workbookEntry = entry('xl/workbook.xml');
  const relsEntry = entry('xl/_rels/workbook.xml.rels');
  const workbookXml = workbookEntry ? await readZipEntry(handle, workbookEntry) : null;
  if (!workbookXml) throw unsupportedFormat(`${file} cannot be read as an .xlsx workbook (its workbook part is missing or compressed in an unknown way)`);
  const relsXml = relsEntry ? await readZipEntry(handle, relsEntry) : null;
  const { sheets, date1904 } = parseWorkbook(workbookXml.toString('utf8'), relsXml?.toString('utf8') ?? null);
  const { sheet, hiddenSkipped } = pickSheet(file, sheets, options.sheet);
  const sheetEntry = sheet.path && /^xl\/worksheets\/[^/]+\.xml$/.test(sheet.path) ? entry(sheet.path) : undefined;
  const sheetStart = sheetEntry ? await entryDataStart(handle, sheetEntry) : null;
  if (!sheetEntry || sheetStart === null || !readableMethods.has(sheetEntry.method)) {
    throw unsupportedFormat(`${file}: sheet "${sheet.name}" is not a worksheet that can be read`, 'Choose another sheet with --sheet, or save the workbook again with Excel.');
  }
  const source: SheetSource = {
    file,
    sheet: { start: sheetStart, compressedSize: sheetEntry.compressedSize, method: sheetEntry.method },
    sharedStrings: [],
    formats: [],
    date1904,
    chunkBytes: options.chunkBytes,
  };
  try {
    const stylesEntry = entry('xl/styles.xml');
    const stylesXml = stylesEntry ? await readZipEntry(handle, stylesEntry) : null;
    if (stylesXml) source.formats = readCellFormats(stylesXml.toString('utf8'));
    const stringsEntry = entry('xl/sharedStrings.xml');
    const stringsStart = stringsEntry ? await entryDataStart(handle, stringsEntry) : null;
    if (stringsEntry && stringsStart !== null && readableMethods.has(stringsEntry.method)) {
      const data = { start: stringsStart, compressedSize: stringsEntry.compressedSize, method: stringsEntry.method };
      source.sharedStrings = await readSharedStrings(entryText(file, data, options.chunkBytes));
    }
  } catch (error) {
    throw unreadableWorkbook(file, error);
  }
  const header = await findHeader(readSheet(source));
  if (!header) {
    throw noHeaderRow(`${file}: sheet "${sheet.name}" is empty: it has no header row`, 'Start from the sheet written by `memberctl template`.');
  }
  const stats = { emptyRows: 0, dataRows: 0 };
  return {
    file,
    format: 'xlsx',
    encoding: null,
    delimiter: null,
    sheet: sheet.name,
    headerRow: header.row,
    headers: header.cells.map(headerText),
    problems: hiddenSkipped.length > 0 ? [hiddenSheetsSkipped(sheet, hiddenSkipped)] : [],
    rows: { [Symbol.asyncIterator]: () => dataRows(sheetRows(source), header.row, stats) },
    stats,
  };
}
