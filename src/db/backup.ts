/**
 * `db backup`: a copy of a SQLite database made while other processes use it, written under a temporary name beside
 * the target and renamed into place, so that FILE is either a whole, consistent database or not there at all. A
 * PostgreSQL database is backed up with its own tool, pg_dump: `pgDumpCommand` gives its command line.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cantCreateError, ioError, isBusyError, UserError } from '../errors.js';
import { cannotWrite, checkOutput, landing, outputMode, syncFolder } from '../safe-file.js';
import type { Db } from './connect.js';

export interface BackupResult {
  /** the database backed up, as messages show it */
  database: string;
  /** the backup's absolute path */
  file: string;
  bytes: number;
  pages: number;
}

/** How the command names itself in messages about FILE. */
const flag = 'db backup';

/**
 * Copies the SQLite database `db` (opened on the file `databaseFile`) into `file`. Refuses (73) the database itself
 * or one of its side files, a missing or read-only folder, something that is not a plain file, and an existing file
 * unless `force`. Nothing is left behind on failure: neither FILE nor a temporary file.
 */
export async function backupSqlite(db: Db, databaseFile: string, file: string, options: { force: boolean }): Promise<BackupResult> {
  if (!db.backup) throw new Error('backupSqlite: not a SQLite database');
  checkOutput(file, flag, { database: databaseFile, inputs: [] });
  const target = landing(file);
  const existing = fs.statSync(target, { throwIfNoEntry: false });
  if (existing !== undefined && !existing.isFile()) {
    throw cantCreateError(`${flag} ${file}: not a plain file; a backup is a database file`, 'Give the name of a new file.');
  }
  if (existing !== undefined && !options.force) throw exists(file);
  const folder = path.dirname(target);
  const temp = path.join(folder, `.${path.basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    // created first, owner only: SQLite writes into it and keeps its mode (the copy holds personal data)
    fs.closeSync(fs.openSync(temp, 'wx', outputMode));
    const { pages } = await db.backup(temp);
    await asOneFile(temp);
    const fd = fs.openSync(temp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options.force) fs.renameSync(temp, target);
    else placeUnlessExists(temp, target, file);
    syncFolder(folder);
    return { database: db.label, file: target, bytes: fs.statSync(target).size, pages };
  } catch (error) {
    for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(`${temp}${suffix}`, { force: true });
    throw backupFailure(error, file);
  }
}

const exists = (file: string) => cantCreateError(`${flag} ${file}: the file exists; nothing was written`, 'Add --force to replace it, or give another name.');

/**
 * The copy keeps the source's WAL mode; it is switched to a rollback journal, so that the backup is one file that
 * can be copied, moved and opened anywhere as it is (memberctl puts a database it opens back in WAL mode).
 */
async function asOneFile(file: string): Promise<void> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  const copy = new SqliteDatabase(file);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/**
 * Renames `temp` to `target` unless `target` has appeared since it was checked: a hard link fails rather than
 * replace a file. Where the file system has no hard links, the check made before is all there is.
 */
function placeUnlessExists(temp: string, target: string, file: string): void {
  try {
    fs.linkSync(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists(file);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    if (fs.existsSync(target)) throw exists(file);
    fs.renameSync(temp, target);
    return;
  }
  fs.rmSync(temp, { force: true });
}

/** A failure while writing the backup as the user should see it; UserErrors and busy errors pass as they are. */
function backupFailure(error: unknown, file: string): unknown {
  if (isBusyError(error) || error instanceof UserError) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return error;
  const nothing = '; nothing was written';
  if (code === 'SQLITE_FULL') return cantCreateError(`${flag} ${file}: the disk is full${nothing}`, 'Free some space, or give a file on another disk.');
  if (code.startsWith('SQLITE_IOERR')) return ioError(`${flag} ${file}: input/output error (${code})${nothing}`);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) return cantCreateError(`${flag} ${file}: cannot be written (${code})${nothing}`);
  if (/^E[A-Z]+$/.test(code)) return cannotWrite(flag, file, error, 'cannot be written', nothing);
  return error;
}

/**
 * The pg_dump command line that backs up the PostgreSQL database at `url` into `file`, without the password (pg_dump
 * asks for it, or reads PGPASSWORD or ~/.pgpass). The URL keeps what libpq reads in it; what only memberctl's driver
 * reads is left out or said in libpq's words.
 */
export function pgDumpCommand(url: string, file: string): string {
  const parsed = new URL(url.trim());
  parsed.password = '';
  // the query is rewritten piece by piece: URLSearchParams would write a space as "+", which libpq keeps as it is
  const pieces = parsed.search
    .slice(1)
    .split('&')
    .filter((piece) => piece !== '')
    .flatMap((piece) => {
      const key = decodedOrAsIs(piece.split('=')[0]!);
      if (/password$/i.test(key) || key === 'uselibpqcompat') return [];
      // pg's "no-verify" is libpq's "require": encrypted, the certificate not checked
      if (key === 'sslmode' && piece === 'sslmode=no-verify') return ['sslmode=require'];
      return [piece];
    });
  parsed.search = pieces.length > 0 ? `?${pieces.join('&')}` : '';
  return `pg_dump --format=custom --file=${shellQuoted(file)} ${shellQuoted(parsed.href)}`;
}

function decodedOrAsIs(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `value` as a POSIX shell reads it back: as it is when it holds nothing the shell interprets, else in single quotes. */
export function shellQuoted(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
