import iconv from 'iconv-lite';
import { problem } from '../core/kernel/problems.js';
import type { Problem } from '../core/kernel/problems.js';
import { ExitCode, UserError } from '../errors.js';
import { type CsvDelimiter, type CsvSource, csvDelimiters, parseRecords } from './csv-records.js';
import { fromWorker, type ReadFailure, workerBuilt } from './worker-batches.js';
import { detectEncoding } from './encoding.js';
import type { TextEncoding } from './encoding.js';
import { dataRows, findHeader, headerText, textCell, withoutTrailingEmpty } from './rows.js';
import type { RawRow, Table } from './types.js';
import { FileError, inputFailure, noHeaderRow } from './file-error.js';

const encodingNames: Record<TextEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16 LE',
  'utf-16be': 'UTF-16 BE',
  'windows-1252': 'Windows-1252 (Western European)',
};

/**
 * The delimiter of the first line that holds something: the candidate found most often outside quotes; a tie
 * (or none at all: a one-column file) gives `,`.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const line = new Map<string, number>();
  // a file of nothing but delimiters has no header line; its delimiter still decides what "empty" means
  const everywhere = new Map<string, number>();
  let inQuotes = false;
  let hasContent = false;
  for (const char of text) {
    if (char === '"') {
      inQuotes = !inQuotes;
      hasContent = true;
    } else if (inQuotes) {
      // delimiters and line breaks inside quotes belong to the value
    } else if (char === '\n' || char === '\r') {
      if (hasContent) break;
      // a line of nothing but spaces and delimiters is an empty row above the header: start again below it
      line.clear();
    } else if ((csvDelimiters as readonly string[]).includes(char)) {
      line.set(char, (line.get(char) ?? 0) + 1);
      everywhere.set(char, (everywhere.get(char) ?? 0) + 1);
    } else if (char.trim() !== '') {
      hasContent = true;
    }
  }
  const counts = hasContent ? line : everywhere;
  let best: CsvDelimiter = ',';
  for (const delimiter of csvDelimiters) {
    if ((counts.get(delimiter) ?? 0) > (counts.get(best) ?? 0)) best = delimiter;
  }
  return best;
}

function readError(file: string, row: number, error: unknown): Error {
  if (error instanceof UserError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new FileError('unreadable_file', `${file}, row ${row}: a quoted field is never closed`, { exitCode: ExitCode.dataError, hint: 'Check the double quotes (") in that row.' });
  }
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    return new FileError('unreadable_file', `${file}, row ${row}: not valid CSV (${message})`, { exitCode: ExitCode.dataError });
  }
  if (typeof code === 'string') return inputFailure(file, error);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Every record of `records`, empty ones included, numbered as a spreadsheet program numbers rows: one row per
 * record, so a quoted field with line breaks does not shift the numbers below it. A failure names the row after
 * the last one read.
 */
async function* numbered(file: string, records: AsyncIterable<string[]>): AsyncGenerator<RawRow> {
  let row = 0;
  try {
    for await (const record of records) {
      row += 1;
      const cells = withoutTrailingEmpty(record.map(textCell));
      yield record.length > cells.length ? { row, cells, width: record.length } : { row, cells };
    }
  } catch (error) {
    throw readError(file, row + 1, error);
  }
}

/** Files from this size on are parsed on a worker thread while the caller checks the rows already read. */
export const workerFileBytes = 4_000_000;

const workerFile = new URL('./csv-worker.js', import.meta.url);

/**
 * The records of a large file, parsed on a worker thread (csv-worker.ts) so that parsing overlaps the caller's
 * work on the rows before (worker-batches.ts).
 */
async function* parsedOnWorker(source: CsvSource): AsyncGenerator<string[]> {
  const failed = (failure: ReadFailure) => Object.assign(new Error(failure.message), { code: failure.code });
  for await (const record of fromWorker<string | string[]>(workerFile, source, 'CSV', failed)) yield typeof record === 'string' ? record.split('\u0000') : record;
}

/** The rows of the file, parsed on a worker thread when it is large and the worker is available. */
function readRows(source: CsvSource, size: number): AsyncGenerator<RawRow> {
  return numbered(source.name, size >= workerFileBytes && workerBuilt(workerFile) ? parsedOnWorker(source) : parseRecords(source));
}

/**
 * Opens a CSV or text file whose first bytes are `head`, read at `path` and named `name` in messages. Throws a
 * UserError (exit 65) when no row holds anything.
 */
export async function openCsv(input: { name: string; path: string; size: number }, head: Uint8Array, chunkBytes?: number): Promise<Table> {
  const file = input.name;
  const encoding = await detectEncoding(input.path, head);
  const problems: Problem[] = [];
  if (encoding.guessed) {
    const name = encodingNames[encoding.encoding];
    problems.push(
      problem({
        code: 'encoding_guess',
        severity: 'warning',
        value: encoding.encoding,
        message: `${file} is not marked as UTF-8 or UTF-16: read it as ${name}; if accented letters look wrong, save it as "CSV UTF-8"`,
      }),
    );
  }
  const sample = iconv.decode(Buffer.from(head.subarray(encoding.bomLength)), encoding.encoding, { stripBOM: true });
  const delimiter = detectDelimiter(sample);
  const source: CsvSource = { name: file, file: input.path, encoding: encoding.encoding, bomLength: encoding.bomLength, delimiter, chunkBytes };
  const header = await findHeader(numbered(source.name, parseRecords(source)));
  if (!header) {
    throw noHeaderRow(`${file} is empty: it has no header row`, 'Start from the header line of `memberctl template --format csv`.');
  }
  const stats = { emptyRows: 0, dataRows: 0 };
  return {
    file,
    format: 'csv',
    encoding: encoding.encoding,
    delimiter,
    sheet: null,
    headerRow: header.row,
    headers: header.cells.map(headerText),
    headerWidth: header.width ?? header.cells.length,
    problems,
    rows: { [Symbol.asyncIterator]: () => dataRows(readRows(source, input.size), header.row, stats) },
    stats,
  };
}
