import fs from 'node:fs';
import { inputError, usageError } from '../../errors.js';
import { type ColumnMapping, mappingFileExample, mappingFromJson } from './column-mapping.js';

/**
 * `--columns FILE.json`, a saved column mapping (`mappingFileExample`; docs/importing.md). A file that cannot be read
 * is a 66; JSON of another shape a 64 naming the entry.
 */
export function readColumnsFile(file: string): ColumnMapping {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw inputError(`--columns ${file}: cannot be read (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw usageError(`--columns ${file}: not valid JSON (${(error as Error).message})`, `expected an object such as ${mappingFileExample}`);
  }
  return mappingFromJson(json, file);
}
