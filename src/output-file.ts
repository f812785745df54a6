import fs from 'node:fs';
import path from 'node:path';
import { usageError } from './errors.js';

/**
 * Refuses (64) an output file that cannot be written, before any work: its folder missing or read-only, or the
 * path a folder. Files written after an import commits (rejects, the Stripe cancel list) are checked this way
 * first, so that a typo in a path never turns a committed import into an error.
 */
export function assertWritable(file: string, flag: string): void {
  const existing = fs.statSync(file, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw usageError(`${flag}: ${file} is a folder; give a file name`);
  const folder = path.dirname(path.resolve(file));
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw usageError(`${flag}: folder ${folder} does not exist`);
  try {
    fs.accessSync(existing ? file : folder, fs.constants.W_OK);
  } catch {
    throw usageError(`${flag}: ${existing ? file : `folder ${folder}`} cannot be written (permission denied)`);
  }
}
