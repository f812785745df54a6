import fs from 'node:fs';
import { inputError, usageError } from '../../errors.js';

/**
 * `--map FILE`: a JSON object mapping plan names written in an import file to existing plan names,
 * `{"Hot desk monthly": "Hot Desk"}`. A missing file is an empty map when `mayBeNew` (the answers to the
 * prompts will create it), else a 66.
 */
export function readPlanMap(file: string, mayBeNew: boolean): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && mayBeNew) return new Map();
    throw inputError(`--map ${file}: cannot be read (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw inputError(`--map ${file}: not valid JSON (${(error as Error).message})`, 'expected an object such as {"Plan name in the file": "Existing plan"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw inputError(`--map ${file}: expected a JSON object such as {"Plan name in the file": "Existing plan"}`);
  }
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(value)) {
    if (typeof to !== 'string' || to.trim() === '') throw inputError(`--map ${file}: the value for "${from}" must be a plan name`);
    map.set(from.trim(), to.trim());
  }
  return map;
}

/** Writes the map back (sorted, readable), keeping entries for plans other files may still use. */
export function savePlanMap(file: string, map: ReadonlyMap<string, string>): void {
  const sorted = Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
  try {
    fs.writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
  } catch (error) {
    throw usageError(`--map ${file}: cannot be written (${(error as Error).message})`);
  }
}
