import fs from 'node:fs';
import { inputError } from '../../errors.js';
import { writeOutput } from '../../safe-file.js';

/** What the keys of a `--map` file are, for its messages. */
export interface MapKeys {
  /** e.g. "plan names of the file" */
  what: string;
  /** a one-entry JSON example */
  example: string;
  /** the option that names the file, for its messages (default --map) */
  option?: string;
  /** what each value names (default plan) */
  target?: string;
}

const planNamesOfTheFile: MapKeys = { what: 'plan names of the file', example: '{"Plan name in the file": "Existing plan"}' };

/**
 * `--map FILE`: a JSON object mapping names of an import (plan names written in the file, or Stripe price ids:
 * `keys`) to existing plan names, `{"Hot desk monthly": "Hot Desk"}`. A missing file is an empty map when
 * `mayBeNew` (the answers to the prompts will create it), else a 66.
 */
export function readPlanMap(file: string, mayBeNew: boolean, keys: MapKeys = planNamesOfTheFile): Map<string, string> {
  const option = keys.option ?? '--map';
  const target = keys.target ?? 'plan';
  const shape = `object from ${keys.what} to ${target} names, such as ${keys.example}`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && mayBeNew) return new Map();
    throw inputError(`${option} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw inputError(`${option} ${file}: not valid JSON (${(error as Error).message})`, `expected an ${shape}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw inputError(`${option} ${file}: expected a JSON ${shape}`);
  }
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(value)) {
    if (typeof to !== 'string' || to.trim() === '') throw inputError(`${option} ${file}: the value for "${from}" must be the name of a ${target}, such as ${keys.example}`);
    map.set(from.trim(), to.trim());
  }
  return map;
}

/** Writes the map back (sorted, readable), keeping entries for plans other files may still use; whole or not at all. */
export async function savePlanMap(file: string, map: ReadonlyMap<string, string>, option = '--map'): Promise<void> {
  const sorted = Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
  await writeOutput(file, option, (out) => out.write(`${JSON.stringify(sorted, null, 2)}\n`));
}
