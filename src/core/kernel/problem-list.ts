/**
 * The problems of one file, in bounded memory whatever their number: counts are exact, the first problems are held
 * in memory, and the rest is spilled to a temporary file (0600, unlinked once open, so nothing is left behind even
 * after kill -9) in sorted runs. Iterating gives every problem in file order: file-level ones first, then by row,
 * and in the order they were found within a row.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { ioError } from '../../errors.js';
import { isFileLevel, type Problem, type ProblemCode } from './problems.js';

/** Problems held in memory before a sorted run of them goes to the temporary file. */
const defaultRunSize = 20_000;
const readChunk = 1 << 16;

/** Where a problem sorts: file-level problems first, then by row. */
const sortKey = (p: Problem): number => (p.row === null ? -1 : p.row);

interface Run {
  start: number;
  end: number;
}

export interface ProblemCounts {
  errors: number;
  warnings: number;
}

export class ProblemList<P extends Problem = Problem> implements Iterable<P> {
  errors = 0;
  warnings = 0;
  /** notes of severity info: counted neither as errors nor as warnings */
  infos = 0;
  /** errors that concern the whole file (its headers, its encoding) rather than a row */
  fileErrors = 0;
  private readonly byCode = new Map<ProblemCode, number>();
  private readonly runSize: number;
  private held: P[] = [];
  private readonly runs: Run[] = [];
  private fd: number | null = null;
  private written = 0;

  constructor(problems: Iterable<P> = [], options: { runSize?: number } = {}) {
    this.runSize = options.runSize ?? defaultRunSize;
    for (const p of problems) this.add(p);
  }

  get size(): number {
    return this.errors + this.warnings + this.infos;
  }

  /** How many problems of each code, most frequent first. */
  get counts(): Array<[ProblemCode, number]> {
    return [...this.byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  add(p: P): void {
    if (p.severity === 'error') {
      this.errors += 1;
      if (isFileLevel(p)) this.fileErrors += 1;
    } else if (p.severity === 'warning') this.warnings += 1;
    else this.infos += 1;
    this.byCode.set(p.code, (this.byCode.get(p.code) ?? 0) + 1);
    this.held.push(p);
    if (this.held.length >= this.runSize) this.spill();
  }

  /** Every problem, in file order; can be called again, and between calls more problems can be added. */
  *[Symbol.iterator](): Iterator<P> {
    const held = this.sortedHeld();
    if (this.runs.length === 0) {
      yield* held;
      return;
    }
    // a k-way merge of the runs and the problems held; ties go to the earlier run, which keeps the order found
    const sources = [...this.runs.map((run) => new RunReader<P>(this.fd!, run)), new ArraySource(held)];
    const heads = sources.map((s) => s.next());
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i += 1) {
        const head = heads[i];
        if (head !== null && head !== undefined && (best === -1 || sortKey(head) < sortKey(heads[best]!))) best = i;
      }
      if (best === -1) return;
      yield heads[best]!;
      heads[best] = sources[best]!.next();
    }
  }

  /** The first `count` problems in file order. */
  first(count: number): P[] {
    const list: P[] = [];
    if (count <= 0) return list;
    for (const p of this) {
      list.push(p);
      if (list.length >= count) break;
    }
    return list;
  }

  some(test: (p: P) => boolean): boolean {
    for (const p of this) if (test(p)) return true;
    return false;
  }

  /** Closes the temporary file. The list is empty afterwards. */
  dispose(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.runs.length = 0;
    this.held = [];
  }

  private sortedHeld(): P[] {
    // Array.prototype.sort is stable: problems of one row keep the order they were found in
    this.held.sort((a, b) => sortKey(a) - sortKey(b));
    return this.held;
  }

  private spill(): void {
    const lines = this.sortedHeld().map((p) => JSON.stringify(p));
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const fd = this.file();
    try {
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, this.written + done);
    } catch (error) {
      throw spillFailure(error);
    }
    this.runs.push({ start: this.written, end: this.written + bytes.length });
    this.written += bytes.length;
    this.held = [];
  }

  private file(): number {
    if (this.fd !== null) return this.fd;
    const name = path.join(os.tmpdir(), `memberctl-problems-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      this.fd = fs.openSync(name, 'wx+', 0o600);
    } catch (error) {
      throw spillFailure(error);
    }
    // read and written through the descriptor only: no name is left for anyone, even after a crash
    fs.rmSync(name, { force: true });
    return this.fd;
  }
}

function spillFailure(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return error as Error;
  const why = code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : code === 'EDQUOT' ? 'the disk quota is exceeded (EDQUOT)' : `${(error as Error).message}`;
  return ioError(
    `the problems found are too many to keep in memory and cannot be written to the temporary folder ${os.tmpdir()}: ${why}; nothing was written`,
    'Free some space there, or point TMPDIR to a folder with room.',
  );
}

interface Source<P> {
  next(): P | null;
}

class ArraySource<P> implements Source<P> {
  private at = 0;
  constructor(private readonly items: readonly P[]) {}
  next(): P | null {
    return this.at < this.items.length ? this.items[this.at++]! : null;
  }
}

/** The lines of one run, read a chunk at a time. */
class RunReader<P> implements Source<P> {
  private position: number;
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private at = 0;
  private rest = '';

  constructor(
    private readonly fd: number,
    private readonly run: Run,
  ) {
    this.position = run.start;
  }

  next(): P | null {
    while (this.at >= this.lines.length) {
      if (this.position >= this.run.end) return null;
      const buffer = Buffer.allocUnsafe(Math.min(readChunk, this.run.end - this.position));
      const n = fs.readSync(this.fd, buffer, 0, buffer.length, this.position);
      if (n === 0) throw new Error('problem file shorter than written');
      this.position += n;
      const text = this.rest + this.decoder.write(buffer.subarray(0, n));
      const lines = text.split('\n');
      this.rest = lines.pop()!;
      this.lines = lines;
      this.at = 0;
    }
    return JSON.parse(this.lines[this.at++]!) as P;
  }
}

/** Counts of errors and warnings of a list or of an array. */
export function problemCounts(problems: ProblemList | readonly Problem[]): ProblemCounts {
  if (problems instanceof ProblemList) return { errors: problems.errors, warnings: problems.warnings };
  let errors = 0;
  let warnings = 0;
  for (const p of problems) {
    if (p.severity === 'error') errors += 1;
    else if (p.severity === 'warning') warnings += 1;
  }
  return { errors, warnings };
}
