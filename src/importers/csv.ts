import fs from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { problem } from '../core/problems.js';
import type { Problem } from '../core/problems.js';
import { ExitCode, UserError } from '../errors.js';
import { detectEncoding } from './encoding.js';
import type { EncodingChoice, TextEncoding } from './encoding.js';
import { dataRows, findHeader, headerText, textCell, withoutTrailingEmpty } from './rows.js';
import type { RawRow, Table } from './types.js';
import { FileError, noHeaderRow, unreadableFile } from './file-error.js';

export const csvDelimiters = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof csvDelimiters)[number];

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

/** Re-encodes decoded text as UTF-8 for csv-parse, which reads bytes. */
function toUtf8(encoding: TextEncoding): Transform {
  const decoder = iconv.getDecoder(encoding, { stripBOM: false });
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, Buffer.from(decoder.write(chunk), 'utf8'));
    },
    flush(done) {
      const rest = decoder.end();
      done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
    },
  });
}

function readError(file: string, row: number, error: unknown): Error {
  if (error instanceof UserError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new FileError('unreadable_file', `${file}, row ${row}: a quoted field is never closed`, { exitCode: ExitCode.dataError, hint: 'Check the double quotes (") in that row.' });
  }
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    return new FileError('unreadable_file', `${file}, row ${row}: not valid CSV (${(error as Error).message})`, { exitCode: ExitCode.dataError });
  }
  if (typeof code === 'string') return unreadableFile(`${file}: cannot be read (${(error as Error).message})`);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Every record of the file, empty ones included, numbered as a spreadsheet program numbers rows: one row per
 * record, so a quoted field with line breaks does not shift the numbers below it.
 */
async function* readRecords(file: string, encoding: EncodingChoice, delimiter: CsvDelimiter): AsyncGenerator<RawRow> {
  const source = fs.createReadStream(file, { start: encoding.bomLength });
  const parser = parse({
    delimiter,
    bom: true,
    trim: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    // no limit: a huge cell is reported by the validator, not refused here
    max_record_size: 0,
  });
  const ignore = () => {};
  if (encoding.encoding === 'utf-8') pipeline(source, parser, ignore);
  else pipeline(source, toUtf8(encoding.encoding), parser, ignore);
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      yield { row, cells: withoutTrailingEmpty(record.map(textCell)) };
    }
  } catch (error) {
    throw readError(file, row + 1, error);
  } finally {
    source.destroy();
  }
}

/** Opens a CSV or text file whose first bytes are `head`. Throws a UserError (exit 65) when no row holds anything. */
export async function openCsv(file: string, head: Uint8Array): Promise<Table> {
  const encoding = await detectEncoding(file, head);
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
  const header = await findHeader(readRecords(file, encoding, delimiter));
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
    problems,
    rows: { [Symbol.asyncIterator]: () => dataRows(readRecords(file, encoding, delimiter), header.row, stats) },
    stats,
  };
}
