/**
 * Reading the records of a CSV file with csv-parse, for csv.ts and for the worker thread that parses large files
 * (csv-worker.ts). Kept apart from csv.ts so that the worker loads no more than it needs.
 */
import fs from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { TextEncoding } from './encoding.js';

export const csvDelimiters = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof csvDelimiters)[number];

/** What reads a CSV file's records: the file, its encoding and its delimiter. */
export interface CsvSource {
  /** the file as messages name it */
  name: string;
  /** where it is read */
  file: string;
  encoding: TextEncoding;
  bomLength: number;
  delimiter: CsvDelimiter;
  /** Reads the file in pieces of this many bytes instead of the stream's default (for tests). */
  chunkBytes?: number | undefined;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Re-encodes decoded text as UTF-8 for csv-parse, which reads bytes. A chunk of UTF-16 can end between the two
 * halves of a character beyond U+FFFF (an emoji): the first half waits for the second, since each half alone would
 * be written as a replacement character.
 */
function toUtf8(encoding: TextEncoding): Transform {
  const decoder = iconv.getDecoder(encoding, { stripBOM: false });
  let pending = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let text = pending + decoder.write(chunk);
      pending = '';
      if (text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
        pending = text.slice(-1);
        text = text.slice(0, -1);
      }
      done(null, Buffer.from(text, 'utf8'));
    },
    flush(done) {
      const rest = pending + (decoder.end() ?? '');
      done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
    },
  });
}

/**
 * The records of the file as csv-parse gives them, in order. Reading stops, and the file is
 * closed, when the caller stops iterating.
 */
export async function* parseRecords(source: CsvSource): AsyncGenerator<string[]> {
  const input = fs.createReadStream(source.file, { start: source.bomLength, ...(source.chunkBytes ? { highWaterMark: source.chunkBytes } : {}) });
  const parser = parse({
    delimiter: source.delimiter,
    bom: true,
    trim: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    // any line break ends a record, whatever the first line used: left to itself csv-parse takes the first line's
    // break for the whole file, and a CRLF header above LF rows (a file edited by two programs) became one record
    record_delimiter: ['\r\n', '\n', '\r'],
    // no limit: a huge cell is reported by the validator, not refused here
    max_record_size: 0,
  });
  const ignore = () => {};
  if (source.encoding === 'utf-8') pipeline(input, parser, ignore);
  else pipeline(input, toUtf8(source.encoding), parser, ignore);
  try {
    yield* parser as AsyncIterable<string[]>;
  } finally {
    input.destroy();
  }
}
