/**
 * An input file as the user named it, made readable as often as the importers need: they read a file more than
 * once (its first bytes, then the rows; an import reads them twice) and the xlsx reader seeks in it. A pipe
 * (`<(cat f.csv)`, `/dev/stdin` fed by `cat`), a terminal or `-` (standard input) can be read only once, from
 * the start: such an input is copied once to a private temporary file, which is read instead and removed after.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ioError } from '../errors.js';
import { inputFailure } from './file-error.js';

/** The argument that stands for standard input. */
export const standardInput = '-';

/** How messages name an input: `standard input` for `-`, else the path as given. */
export const inputName = (file: string): string => (file === standardInput ? 'standard input' : file);

export interface StagedInput {
  /** the input as messages and results name it */
  name: string;
  /** where the importers read it: the file itself, or the copy of a pipe or of standard input */
  path: string;
  /** Removes the copy, if one was made. Never throws. */
  dispose(): void;
}

function isStandardInput(stat: fs.Stats): boolean {
  try {
    const stdin = fs.fstatSync(0);
    return stdin.dev === stat.dev && stdin.ino === stat.ino;
  } catch {
    return false;
  }
}

/**
 * Makes `file` (a path, or `-`) readable as a regular file. Throws the input's FileError (66) when it cannot be
 * read, a 74 when the temporary copy cannot be written (a full disk: TMPDIR names another folder).
 */
export async function stageInput(file: string): Promise<StagedInput> {
  const name = inputName(file);
  let fromStandardInput = file === standardInput;
  if (!fromStandardInput) {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch (error) {
      throw inputFailure(name, error);
    }
    // a regular file is read where it is; a directory is refused by the reader with its usual message
    if (stat.isFile() || stat.isDirectory()) return { name, path: file, dispose: () => {} };
    // `/dev/stdin` of a process whose standard input is a socket (as a parent process may give it) cannot be opened
    fromStandardInput = isStandardInput(stat);
  }
  const copy = path.join(os.tmpdir(), `memberctl-input-${randomBytes(8).toString('hex')}`);
  const dispose = () => fs.rmSync(copy, { force: true });
  let source: fs.ReadStream;
  try {
    source = fromStandardInput ? fs.createReadStream('', { fd: 0, autoClose: false }) : fs.createReadStream(file);
  } catch (error) {
    throw inputFailure(name, error);
  }
  let writeFailed = false;
  try {
    // 0600: the copy holds the same personal data as the input
    const target = fs.createWriteStream(copy, { flags: 'wx', mode: 0o600 });
    target.on('error', () => {
      writeFailed = true;
    });
    await pipeline(source, target);
  } catch (error) {
    dispose();
    if (!writeFailed) throw inputFailure(name, error);
    const cause = (error as { code?: unknown }).code === 'ENOSPC' ? 'the disk is full' : error instanceof Error ? error.message : String(error);
    throw ioError(`${name} cannot be copied to a temporary file in ${os.tmpdir()}: ${cause}`, 'Free some space there, or set TMPDIR to another folder.');
  }
  return { name, path: copy, dispose };
}
