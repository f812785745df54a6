/**
 * Every file memberctl writes (exports, reports, rejects files, cancel lists, the template, plan maps) goes through
 * here. An output is checked before any work (`checkOutput`): never the SQLite database or one of its side files,
 * never an input of the same command, its folder present and writable. It is then written to a temporary file
 * beside it, synced and renamed into place (`writeOutput`, `OutputFile`), so a failure leaves neither half a file
 * nor a damaged previous one. Files are created 0600: they hold personal data.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { lockFilePath, lockNames } from './core/kernel/lock.js';
import { cantCreateError, ioError, type UserError } from './errors.js';

/** Owner read and write only. */
export const outputMode = 0o600;

/** What an output must never replace: the SQLite database file (null on PostgreSQL) and the command's input files. */
export interface OutputGuard {
  database: string | null;
  inputs: readonly string[];
}

/** The guard for a command run on `dbUrl` (as `--db`, MEMBERCTL_DB or the default give it) reading `inputs`. */
export async function outputGuard(dbUrl: string, inputs: ReadonlyArray<string | null | undefined>): Promise<OutputGuard> {
  const { parseDbUrl } = await import('./db/connect.js');
  let database: string | null = null;
  try {
    const target = parseDbUrl(dbUrl);
    if (target.dialect === 'sqlite') database = target.file;
  } catch {
    // a malformed --db is reported when the database is opened
  }
  return { database, inputs: inputs.filter((file): file is string => typeof file === 'string' && file !== '' && file !== '-') };
}

const sideFiles = [
  ['', 'the database'],
  ['-wal', "the database's write-ahead log"],
  ['-shm', "the database's shared-memory file"],
  ['-journal', "the database's rollback journal"],
  ...lockNames.map((name) => [lockFilePath('', name), `the database's "${name}" lock file`] as const),
];

/**
 * Where writing `file` lands: symbolic links followed, dangling ones included (a link to a `-wal` file that does not
 * exist yet still lands there), then the real path of the folder plus the base name; a device or a pipe is its own
 * landing. Throws the system error when
 * the folder is missing (ENOENT, ENOTDIR) or the links loop (ELOOP).
 */
export function landing(file: string): string {
  // a device or a pipe (/dev/stdout is a link to /proc/self/fd/1, whose target is no path: "pipe:[1234]") is
  // written by the name given
  const existing = fs.statSync(file, { throwIfNoEntry: false });
  if (existing !== undefined && !existing.isFile() && !existing.isDirectory()) return path.resolve(file);
  let current = path.resolve(file);
  for (let links = 0; ; links += 1) {
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (!stat?.isSymbolicLink()) break;
    if (links >= 40) throw Object.assign(new Error(`too many symbolic links at ${file}`), { code: 'ELOOP' });
    current = path.resolve(path.dirname(current), fs.readlinkSync(current));
  }
  return path.join(fs.realpathSync(path.dirname(current)), path.basename(current));
}

/** The landing of a file, or null when it cannot be resolved (its folder is missing). */
function landingOrNull(file: string): string | null {
  try {
    return landing(file);
  } catch {
    return null;
  }
}

const sameFile = (a: fs.Stats | undefined, b: fs.Stats | undefined) => a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;

/** Why an output path would replace something it must not, or null. */
function refusal(target: string, guard: OutputGuard): string | null {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (guard.database !== null) {
    // SQLite keeps its side files beside the file it opened: the link's folder and the real one are both covered
    const bases = new Set([landingOrNull(guard.database), path.resolve(guard.database)].filter((b): b is string => b !== null));
    for (const base of bases) {
      for (const [suffix, what] of sideFiles) {
        const forbidden = `${base}${suffix}`;
        if (target === forbidden || sameFile(stat, fs.statSync(forbidden, { throwIfNoEntry: false }))) return `it is ${what} (${forbidden})`;
      }
    }
  }
  for (const input of guard.inputs) {
    const inputStat = fs.statSync(input, { throwIfNoEntry: false });
    // a device or a pipe given as input (/dev/stdin) is not a file an output could replace
    if (inputStat !== undefined && !inputStat.isFile()) continue;
    if (target === landingOrNull(input) || sameFile(stat, inputStat)) return `it is ${input}, an input of this command`;
  }
  return null;
}

/**
 * Refuses (73) an output before any work: the database or one of its side files, an input of the command (compared
 * by real path, through symbolic links), a folder, a missing or read-only folder. Outputs written after an import
 * commits (rejects files, the Stripe cancel list) are checked this way first, so that a typo in a path never turns a
 * committed import into an error. A device or a pipe (/dev/stdout, a FIFO) is written through and always allowed.
 */
export function checkOutput(file: string, flag: string, guard: OutputGuard): void {
  const name = `${flag} ${file}`;
  let target: string;
  try {
    target = landing(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const folder = path.dirname(path.resolve(file));
    if (code === 'ENOENT') throw cantCreateError(`${name}: folder ${folder} does not exist`, 'Create the folder first, or give another path.');
    if (code === 'ENOTDIR') throw cantCreateError(`${name}: ${folder} is not a folder`);
    throw cannotWrite(flag, file, error);
  }
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw cantCreateError(`${name} is a folder; give a file name`);
  if (stat !== undefined && !stat.isFile()) return;
  const why = refusal(target, guard);
  if (why !== null) throw cantCreateError(`${name}: refused: ${why}; nothing was written`, 'Give another file name.');
  try {
    // the new file is made in the folder, then renamed over the old one
    fs.accessSync(path.dirname(target), fs.constants.W_OK);
  } catch (error) {
    throw cannotWrite(flag, file, error, `folder ${path.dirname(target)} cannot be written`);
  }
  try {
    // a file made read-only is not replaced behind its owner's back
    if (stat !== undefined) fs.accessSync(target, fs.constants.W_OK);
  } catch (error) {
    throw cannotWrite(flag, file, error, 'is read-only');
  }
}

/** What a system error means for the person who asked for the file. */
export function writeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    case 'EDQUOT':
      return 'the disk quota is exceeded (EDQUOT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'ENOENT':
      return 'its folder does not exist (ENOENT)';
    case 'EIO':
      return 'input/output error (EIO)';
    case 'EFBIG':
      return 'the file is too large for the file system (EFBIG)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** The error for an output that could not be written: 74 for an I/O error of the device, 73 otherwise (a full disk...). */
export function cannotWrite(flag: string, file: string, error: unknown, what = 'cannot be written', after = ''): UserError {
  const message = `${flag} ${file}: ${what}: ${writeFailure(error)}${after}`;
  return (error as NodeJS.ErrnoException).code === 'EIO' ? ioError(message) : cantCreateError(message);
}

const isSystemError = (error: unknown) => typeof (error as { code?: unknown })?.code === 'string' && /^E[A-Z]+$/.test((error as { code: string }).code);

export interface OutputOptions {
  /** added to the message of a failure, e.g. what stays done */
  after?: string;
  /** false when the caller syncs the folder once after writing many files into it (default true) */
  syncFolder?: boolean;
}

/**
 * Where an output lands (`landing`: a link followed) and whether it is a plain file (absent or regular) rather than
 * a device or a pipe; a folder, or a path that cannot be resolved, is refused (73) naming the flag and the file.
 */
function outputTarget(file: string, flag: string, after: string): { target: string; plain: boolean } {
  let target: string;
  try {
    target = landing(file);
  } catch (error) {
    throw cannotWrite(flag, file, error, 'cannot be created', after);
  }
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw cantCreateError(`${flag} ${file} is a folder; give a file name${after}`);
  return { target, plain: stat === undefined || stat.isFile() };
}

/** A temporary name in `folder` for the file that will become `target`. */
const tempName = (folder: string, target: string) => path.join(folder, `.${path.basename(target)}.tmp-${randomBytes(6).toString('hex')}`);

/**
 * One output being written: bytes go to a temporary file (`.NAME.tmp-RANDOM`, 0600) in the target's folder;
 * `commit` syncs it and renames it over the target, `discard` removes it. A symbolic link is followed (the file it
 * points to is replaced). A device or a pipe is never replaced by a file: the bytes wait in a temporary file and are
 * copied into it by `commit`, so a failed command writes nothing there either.
 */
export class OutputFile {
  readonly file: string;
  readonly flag: string;
  private readonly target: string;
  private readonly plain: boolean;
  private readonly temp: string;
  private fd: number | null;
  private failure: unknown = null;
  /** Added to the message of a failure, e.g. what stays done. */
  private readonly after: string;
  /** false: the caller syncs the folder itself, once for many files (`syncFolder`) */
  private readonly syncsFolder: boolean;

  private constructor(file: string, flag: string, target: string, plain: boolean, temp: string, fd: number, after: string, syncsFolder: boolean) {
    this.file = file;
    this.flag = flag;
    this.target = target;
    this.plain = plain;
    this.temp = temp;
    this.fd = fd;
    this.after = after;
    this.syncsFolder = syncsFolder;
  }

  /** Creates the temporary file; a failure is a UserError (73) naming the flag and the file. */
  static create(file: string, flag: string, options: OutputOptions = {}): OutputFile {
    const after = options.after ?? '';
    const { target, plain } = outputTarget(file, flag, after);
    const temp = tempName(plain ? path.dirname(target) : os.tmpdir(), target);
    try {
      // wx: never through a file or a link someone put there
      return new OutputFile(file, flag, target, plain, temp, fs.openSync(temp, 'wx', outputMode), after, options.syncFolder ?? true);
    } catch (error) {
      throw cannotWrite(flag, file, error, 'cannot be created', after);
    }
  }

  /** Appends bytes; a failure is a UserError, after which only `discard` is left to call. */
  write(data: string | Uint8Array): void {
    const fd = this.openFd();
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      this.failure = error;
      throw this.error(error);
    }
  }

  /**
   * A stream into the file, for writers that produce a stream (exceljs). It never emits an error, so that such a
   * writer always runs to its end: the first failure is kept, the rest ignored, and `commit` throws it.
   */
  stream(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (this.failure === null) {
          try {
            this.write(chunk);
          } catch {
            // kept in this.failure
          }
        }
        done();
      },
    });
  }

  /** Syncs the file and moves it into place. A failure removes the temporary file and leaves the target as it was. */
  commit(): void {
    const fd = this.openFd();
    try {
      if (this.failure !== null) throw this.failure;
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      this.fd = null;
      if (this.plain) {
        fs.renameSync(this.temp, this.target);
        if (this.syncsFolder) syncFolder(path.dirname(this.target));
      } else {
        copyInto(this.temp, this.target);
        fs.rmSync(this.temp, { force: true });
      }
    } catch (error) {
      this.discard();
      throw isSystemError(error) ? this.error(error) : error;
    }
  }

  /** Removes the temporary file; the target is left as it was. Safe to call more than once. */
  discard(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing can report a late write error: the file is going anyway
      }
      this.fd = null;
    }
    fs.rmSync(this.temp, { force: true });
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`${this.file}: written after commit or discard`);
    return this.fd;
  }

  private error(error: unknown): UserError {
    return cannotWrite(this.flag, this.file, error, 'cannot be written', `; nothing was written to it${this.after}`);
  }
}

/** Makes a rename durable: the folder's entry is synced too (best effort: some file systems refuse). */
export function syncFolder(folder: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(folder, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported here; the data itself is synced
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** Copies `from` into the existing `to` (a device or a pipe) a chunk at a time. */
function copyInto(from: string, to: string): void {
  const input = fs.openSync(from, 'r');
  try {
    const output = fs.openSync(to, 'w');
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (let n = fs.readSync(input, buffer); n > 0; n = fs.readSync(input, buffer)) {
        for (let done = 0; done < n; ) done += fs.writeSync(output, buffer, done, n - done);
      }
    } finally {
      fs.closeSync(output);
    }
  } finally {
    fs.closeSync(input);
  }
}

/**
 * Writes a whole output: `fill` writes into the `OutputFile`, which is committed when it returns and discarded when
 * it throws. Errors writing are UserErrors naming the flag and the file (73; 74 for an I/O error).
 */
export async function writeOutput<T>(file: string, flag: string, fill: (out: OutputFile) => T | Promise<T>, options: OutputOptions = {}): Promise<T> {
  const out = OutputFile.create(file, flag, options);
  let value: T;
  try {
    value = await fill(out);
  } catch (error) {
    out.discard();
    throw isSystemError(error) ? cannotWrite(flag, file, error, 'cannot be written', `; nothing was written to it${options.after ?? ''}`) : error;
  }
  out.commit();
  return value;
}

/**
 * `writeOutput` of bytes already in memory, with the file system's calls (write, sync, rename) on libuv's threads,
 * so that several files can be written at once, each whole or absent. A device or a pipe goes through
 * `writeOutput`.
 */
export async function writeBytesOutput(file: string, flag: string, bytes: Uint8Array, options: OutputOptions = {}): Promise<void> {
  const after = options.after ?? '';
  const { target, plain } = outputTarget(file, flag, after);
  if (!plain) return writeOutput(file, flag, (out) => out.write(bytes), options);
  const temp = tempName(path.dirname(target), target);
  let handle: fs.promises.FileHandle | null;
  try {
    // wx: never through a file or a link someone put there
    handle = await fs.promises.open(temp, 'wx', outputMode);
  } catch (error) {
    throw cannotWrite(flag, file, error, 'cannot be created', after);
  }
  try {
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.promises.rename(temp, target);
    if (options.syncFolder ?? true) syncFolder(path.dirname(target));
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.promises.rm(temp, { force: true });
    throw isSystemError(error) ? cannotWrite(flag, file, error, 'cannot be written', `; nothing was written to it${after}`) : error;
  }
}

/**
 * Refuses (74) to send an export to a closed standard output: Node reopens a closed descriptor 1 on /dev/null,
 * read-write, before any code runs, so the rows would vanish while the command reports success. (A shell's
 * `> /dev/null` opens it write-only, which is allowed.) Where /proc is missing, nothing is checked.
 */
export function assertStdoutOpen(what: string): void {
  let flags: number;
  let stdout: fs.Stats;
  try {
    const info = fs.readFileSync('/proc/self/fdinfo/1', 'utf8');
    flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? '', 8);
    stdout = fs.fstatSync(1);
  } catch {
    return;
  }
  const devNull = fs.statSync('/dev/null', { throwIfNoEntry: false });
  const readWrite = (flags & 0o3) === 0o2;
  if (readWrite && stdout.isCharacterDevice() && devNull !== undefined && stdout.rdev === devNull.rdev) {
    throw ioError(`standard output is closed: ${what} would be lost; nothing was written`, 'Redirect it to a file (> out.csv), or write the file with -o FILE where the command has it.');
  }
}
