import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { usageError } from '../../errors.js';
import type { Cell } from '../../importers/types.js';
import type { Problem } from '../problems.js';

/** The column added to a rejects file; a file with it can be fixed and imported again as it is (the column is ignored). */
export const errorColumn = 'Error';

const cellCsv = (cell: Cell | undefined): string => {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  return cell.kind === 'date' ? cell.date : `=${cell.formula}`;
};

/** What went wrong with a row, in one cell: every error, with the column it concerns. */
export function rejectReason(problems: readonly Problem[]): string {
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.column ? `${p.column}: ` : ''}${p.message}${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''}`)
    .join('; ');
}

/**
 * Where a file given by the user really is, and whether it is a plain file: a symbolic link is followed (the file
 * it points to is the one replaced), and a device or a pipe (/dev/null, /dev/stdout, a FIFO) is written into, never
 * replaced by a file of the same name.
 */
function destination(file: string): { file: string; plain: boolean } {
  try {
    const real = fs.realpathSync(file);
    return { file: real, plain: fs.statSync(real).isFile() };
  } catch {
    return { file, plain: true };
  }
}

/** Copies `from` into the existing `to` a chunk at a time (a rejects file can be larger than the memory to spare). */
function copyInto(from: string, to: string): void {
  const input = fs.openSync(from, 'r');
  try {
    const output = fs.openSync(to, 'w');
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (let n = fs.readSync(input, buffer); n > 0; n = fs.readSync(input, buffer)) fs.writeSync(output, buffer, 0, n);
    } finally {
      fs.closeSync(output);
    }
  } finally {
    fs.closeSync(input);
  }
}

/**
 * The rejected rows of an import, as a UTF-8 CSV (with a BOM, for spreadsheet programs) with the original
 * headers and cells plus an `Error` column. Written to a temporary file and moved into place by `commit`, so a
 * failed import leaves no half-written rejects file; into a device or a pipe it is copied by `commit` instead.
 */
export class RejectsFile {
  readonly file: string;
  private readonly target: { file: string; plain: boolean };
  private readonly temp: string;
  private readonly width: number;
  private fd: number | null = null;
  private readonly headers: readonly string[];
  count = 0;

  constructor(file: string, headers: readonly string[], width: number) {
    this.file = file;
    this.target = destination(file);
    this.temp = this.target.plain ? `${this.target.file}.${process.pid}.tmp` : path.join(os.tmpdir(), `memberctl-rejects-${process.pid}.csv`);
    this.headers = headers;
    this.width = Math.max(width, headers.length);
  }

  add(cells: readonly Cell[], reason: string): void {
    if (this.fd === null) {
      try {
        this.fd = fs.openSync(this.temp, 'w');
      } catch (error) {
        throw usageError(`--rejects: cannot write ${this.file}: ${(error as Error).message}`);
      }
      const header = [...this.headers, ...Array.from({ length: this.width - this.headers.length }, () => ''), errorColumn];
      fs.writeSync(this.fd, `\uFEFF${stringify([header])}`);
    }
    const row = Array.from({ length: this.width }, (_, i) => cellCsv(cells[i]));
    fs.writeSync(this.fd, stringify([[...row, reason]]));
    this.count += 1;
  }

  /** Moves the file into place; returns its name, or null when no row was rejected. */
  commit(): string | null {
    if (this.fd === null) return null;
    fs.closeSync(this.fd);
    this.fd = null;
    if (this.target.plain) fs.renameSync(this.temp, this.target.file);
    else {
      try {
        copyInto(this.temp, this.target.file);
      } finally {
        fs.rmSync(this.temp, { force: true });
      }
    }
    return this.file;
  }

  discard(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.temp, { force: true });
  }
}
