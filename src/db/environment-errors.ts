import path from 'node:path';
import { cantCreateError, ioError, type UserError } from '../errors.js';

/**
 * The UserError for a database error that comes from the machine rather than from memberctl: a full disk (74), a
 * database or folder this user cannot write (73), a failing disk (74). Undefined for any other error. `database` is
 * the file, or the masked URL, as messages show it.
 */
export function databaseEnvironmentError(error: unknown, database: string): UserError | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return undefined;
  const cause = (error as Error).message;
  // SQLITE_IOERR_SHMSIZE: the -shm file beside the database could not grow, which a full disk causes
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_SHMSIZE' || code === '53100' /* pg disk_full */) {
    return ioError(`the disk holding the database ${database} is full; what was being written was rolled back`, 'free some space, then run the command again');
  }
  if (code === 'SQLITE_READONLY_DIRECTORY') {
    const file = path.basename(database);
    return cantCreateError(
      `the database ${database} cannot be used: its folder ${path.dirname(path.resolve(database))} is not writable by this user, and SQLite must create ${file}-wal and ${file}-shm there, even to read`,
      "make the folder writable by this user, or run memberctl as the database's owner",
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return cantCreateError(
      `the database ${database} is read-only for this user (${cause}): commands that change it cannot run, those that only read it can`,
      "make the file writable by this user, or run memberctl as the database's owner",
    );
  }
  if (code === '25006' /* pg read_only_sql_transaction */) {
    return cantCreateError(`the database ${database} is read-only (${cause}): commands that change it cannot run, those that only read it can`, 'connect to the primary server');
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return ioError(`reading or writing the database ${database} failed (${code}: ${cause})`, 'check the disk, then run the command again');
  }
  return undefined;
}
