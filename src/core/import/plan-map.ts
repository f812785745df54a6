import fs from 'node:fs';
import { inputError } from '../../errors.js';
import { writeOutput } from '../../safe-file.js';

/** What the keys of a `--map` file are, for its messages. */
export interface MapKeys {
  /** e.g. "plan names of the file" */
  what: string;
  /** a one-entry JSON example */
  example: string;
}

const planNamesOfTheFile: MapKeys = { what: 'plan names of the file', example: '{"Plan name in the file": "Existing plan"}' };

/**
 * `--map FILE`: a JSON object mapping names of an import (plan names written in the file, or Stripe price ids:
 * `keys`) to existing plan names, `{"Hot desk monthly": "Hot Desk"}`. A missing file is an empty map when
 * `mayBeNew` (the answers to the prompts will create it), else a 66.
 */
export function readPlanMap(file: string, mayBeNew: boolean, keys: MapKeys = planNamesOfTheFile): Map<string, string> {
  const shape = `object from ${keys.what} to plan names, such as ${keys.example}`;
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
    throw inputError(`--map ${file}: not valid JSON (${(error as Error).message})`, `expected an ${shape}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw inputError(`--map ${file}: expected a JSON ${shape}`);
  }
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(value)) {
    if (typeof to !== 'string' || to.trim() === '') throw inputError(`--map ${file}: the value for "${from}" must be the name of a plan, such as ${keys.example}`);
    map.set(from.trim(), to.trim());
  }
  return map;
}

/** Writes the map back (sorted, readable), keeping entries for plans other files may still use; whole or not at all. */
export async function savePlanMap(file: string, map: ReadonlyMap<string, string>): Promise<void> {
  const sorted = Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
  await writeOutput(file, '--map', (out) => out.write(`${JSON.stringify(sorted, null, 2)}\n`));
}
