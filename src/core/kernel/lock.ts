/**
 * Job locks: never two jobs (or two imports) at once on one database, and never a lock left behind by a process that
 * died. The lock itself is one the operating system or the server releases when its holder ends, however it ends
 * (kill -9, out of memory, `docker stop`, a lost container):
 * - SQLite: a write transaction held open on a small SQLite file beside the database, `<db>.NAME.lock`. SQLite locks
 *   it with a POSIX record lock, which the kernel drops when the process ends; every process that can use the
 *   database shares the kernel that holds it (a SQLite database in WAL mode cannot be shared across machines).
 * - PostgreSQL: a session advisory lock, which the server drops when the session's connection closes.
 * The `job_locks` row only says who holds the lock (host, pid, since when) for messages and `db unlock`: a row left
 * by a dead holder is overwritten by the next one, and `db unlock` removes it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { JobLocksTable } from '../../db/types.js';
import { cantCreateError, ExitCode, isBusyError, UserError } from '../../errors.js';
import { type AuditSource, recordAudit } from './audit.js';

/** The locks memberctl takes, by the name its messages and `db unlock` use. */
export const lockNames = ['jobs', 'import'] as const;

/** The file beside a SQLite database that holds its lock `name`. */
export const lockFilePath = (databaseFile: string, name: string): string => `${databaseFile}.${name}.lock`;

export interface LockOptions {
  /** seconds to wait for a lock another process holds (--wait); 0 gives up at once; undefined: the command has no --wait */
  waitSeconds?: number;
  /** poll interval while waiting, in ms */
  pollMs?: number;
}

/** Who holds a lock, as far as can be told. */
export interface LockHolder {
  /** the memberctl process, as it recorded itself; null when it has not (yet) */
  host: string | null;
  pid: number | null;
  /** ISO timestamp: when it took the lock */
  since: string | null;
  /** PostgreSQL: the server process of the session that holds the lock, and where that session comes from */
  backendPid?: number;
  clientAddress?: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lock taken: `release` gives it back. */
interface Held {
  release(): Promise<void>;
}

/** How a lock is taken on one database: at once or not at all. */
interface Locker {
  /**
   * null: another process holds it. `record`: write this process into job_locks as the holder (over any row a dead
   * holder left), and remove that row on release; without it (`db unlock` looking), the lock is only tried.
   */
  tryTake(record: boolean): Promise<Held | null>;
  /** the holder of a lock tryTake could not take */
  holder(): Promise<LockHolder | null>;
}

function lockerFor(db: Db, name: string): Locker {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`invalid lock name "${name}"`);
  return db.dialect === 'postgres' ? postgresLocker(db, name) : sqliteLocker(db, name);
}

/**
 * Runs `fn` while holding the database-level job lock `name`; a second holder gets a 75 at once or after `waitSeconds`,
 * naming the holder. A lock whose holder has died is free at once (see above).
 */
export async function withJobLock<T>(db: Db, name: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const locker = lockerFor(db, name);
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  const poll = options.pollMs ?? 200;
  let held = await locker.tryTake(true);
  while (!held) {
    if (Date.now() >= deadline) throw busyError(name, await locker.holder(), options.waitSeconds);
    await sleep(poll);
    held = await locker.tryTake(true);
  }
  try {
    return await fn();
  } finally {
    await held.release();
  }
}

function busyError(name: string, holder: LockHolder | null, waitSeconds: number | undefined) {
  const waited = waitSeconds ? `waited ${waitSeconds}s; ` : '';
  const retry = waitSeconds === undefined ? 'try again once it has finished' : waitSeconds ? 'try again later' : 'try again later, or pass --wait SECONDS';
  return new UserError(`another memberctl job holds the "${name}" lock: ${describeHolder(holder)}`, {
    exitCode: ExitCode.tempFail,
    hint: `${waited}${retry}; the lock is freed as soon as that process ends, even if it is killed (\`memberctl db unlock ${name}\` shows who holds it)`,
    kind: 'lock_held',
  });
}

/** `pid 4242 on host web1 since 2026-03-01T06:15:00.000Z`, with the PostgreSQL session where there is one. */
export function describeHolder(holder: LockHolder | null): string {
  const unknown = 'a process that has not recorded itself yet';
  if (!holder) return unknown;
  const session =
    holder.backendPid === undefined ? '' : `PostgreSQL session ${holder.backendPid}${holder.clientAddress ? ` from ${holder.clientAddress}` : ''}`;
  if (holder.pid === null) return session ? `${unknown}, ${session}` : unknown;
  return `pid ${holder.pid} on host ${holder.host} since ${holder.since}${session ? ` (${session})` : ''}`;
}

const holderOf = (row: JobLocksTable): LockHolder => ({ host: row.host, pid: row.pid, since: row.acquired_at });

const recorded = (db: Db['kysely'], name: string) => db.selectFrom('job_locks').selectAll().where('name', '=', name).executeTakeFirst();

const holderRow = (name: string, holder: string, backendPid: number | null) => ({
  name,
  holder,
  pid: process.pid,
  host: os.hostname(),
  acquired_at: new Date().toISOString(),
  backend_pid: backendPid,
});

/** Records this process as the holder of `name`, over any row a dead holder left. */
async function recordHolder(db: Db['kysely'], name: string, holder: string, backendPid: number | null): Promise<void> {
  const row = holderRow(name, holder, backendPid);
  await db
    .insertInto('job_locks')
    .values(row)
    .onConflict((oc) => oc.column('name').doUpdateSet(row))
    .execute();
}

function sqliteLocker(db: Db, name: string): Locker {
  const file = lockFile(db, name);
  return {
    async tryTake(record) {
      if (file === null) return tryRowLock(db, name, record);
      const release = await tryFileLock(file.lock, file.database);
      if (!release) return null;
      if (!record) return { release };
      const holder = randomUUID();
      try {
        await recordHolder(db.kysely, name, holder, null);
      } catch (error) {
        await release();
        throw error;
      }
      return {
        async release() {
          try {
            await db.kysely.deleteFrom('job_locks').where('name', '=', name).where('holder', '=', holder).execute();
          } finally {
            await release();
          }
        },
      };
    },
    async holder() {
      const row = await recorded(db.kysely, name);
      return row ? holderOf(row) : null;
    },
  };
}

/** An in-memory database belongs to one connection: nothing else can hold its locks, and its row is the lock. */
async function tryRowLock(db: Db, name: string, record: boolean): Promise<Held | null> {
  if (!record) return (await recorded(db.kysely, name)) ? null : { release: async () => {} };
  const holder = randomUUID();
  const taken = await db.kysely
    .insertInto('job_locks')
    .values(holderRow(name, holder, null))
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (Number(taken.numInsertedOrUpdatedRows ?? 0) === 0) return null;
  return {
    async release() {
      await db.kysely.deleteFrom('job_locks').where('name', '=', name).where('holder', '=', holder).execute();
    },
  };
}

/** The lock file of `name` beside the database; null for an in-memory database. */
function lockFile(db: Db, name: string): { lock: string; database: string } | null {
  const main = (db.sqlite?.pragma('database_list') as Array<{ name: string; file: string }> | undefined)?.find((d) => d.name === 'main');
  return main?.file ? { lock: lockFilePath(main.file, name), database: main.file } : null;
}

/**
 * Gives the lock file the owner and mode of the database, as SQLite does for its -wal and -shm files, so that a
 * first run as root does not leave a file the service's user cannot lock. By path only: no descriptor is opened.
 */
function followDatabase(file: string, databaseFile: string): void {
  try {
    const database = fs.statSync(databaseFile);
    const lock = fs.statSync(file);
    if ((lock.mode & 0o777) !== (database.mode & 0o666)) fs.chmodSync(file, database.mode & 0o666);
    if (process.getuid?.() === 0 && (lock.uid !== database.uid || lock.gid !== database.gid)) fs.chownSync(file, database.uid, database.gid);
  } catch {
    // the lock still works for this user; a file it cannot change belongs to someone else already
  }
}

/**
 * Takes the lock file at once, or returns null when another connection holds it. An open write transaction is held
 * on it (`begin immediate` takes SQLite's RESERVED lock; the journal stays in memory, so nothing else is written).
 * The file is only ever opened by SQLite: closing any other descriptor of it would drop this process's POSIX locks.
 */
async function tryFileLock(file: string, databaseFile: string): Promise<(() => Promise<void>) | null> {
  const { default: Sqlite } = await import('better-sqlite3');
  const hint = 'memberctl needs to write in the folder of the database';
  let connection: InstanceType<typeof Sqlite>;
  try {
    connection = new Sqlite(file, { timeout: 0 });
  } catch (error) {
    throw cantCreateError(`cannot create the lock file ${file}: ${(error as Error).message}`, hint);
  }
  followDatabase(file, databaseFile);
  try {
    connection.pragma('journal_mode = MEMORY');
    connection.exec('begin immediate');
  } catch (error) {
    connection.close();
    if (isBusyError(error)) return null;
    throw cantCreateError(`cannot lock ${file}: ${(error as Error).message}`, hint);
  }
  return async () => {
    connection.exec('rollback');
    connection.close();
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  const d = {} as Deferred<T>;
  d.promise = new Promise<T>((resolve, reject) => Object.assign(d, { resolve, reject }));
  return d;
}

function postgresLocker(db: Db, name: string): Locker {
  const key = `memberctl:${name}`;
  return {
    async tryTake(record) {
      // the lock belongs to one session: a connection kept out of the pool until the lock is released
      const taken = deferred<boolean>();
      const done = deferred<void>();
      const session = db.kysely.connection().execute(async (conn) => {
        const { rows } = await sql<{ locked: boolean; backend: number }>`select pg_try_advisory_lock(hashtext(${key})) as locked, pg_backend_pid() as backend`.execute(conn);
        if (!rows[0]?.locked) return taken.resolve(false);
        try {
          const holder = randomUUID();
          if (record) {
            // a holder whose machine vanished without closing the connection is noticed within about 25 s
            await sql`select set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false)`.execute(conn);
            await recordHolder(conn, name, holder, rows[0].backend);
          }
          taken.resolve(true);
          await done.promise;
          if (record) await conn.deleteFrom('job_locks').where('name', '=', name).where('holder', '=', holder).execute();
        } finally {
          await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
        }
      });
      session.catch((error: unknown) => taken.reject(error));
      if (!(await taken.promise)) {
        await session;
        return null;
      }
      return {
        async release() {
          done.resolve();
          await session;
        },
      };
    },
    async holder() {
      const { rows } = await sql<{ pid: number; client_address: string | null }>`
        select l.pid, a.client_addr::text as client_address
        from pg_locks l left join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.objsubid = 1
          and l.database = (select oid from pg_database where datname = current_database())
          and l.classid::text::bigint = ((hashtext(${key})::bigint >> 32) & 4294967295)
          and l.objid::text::bigint = (hashtext(${key})::bigint & 4294967295)`.execute(db.kysely);
      const session = rows[0];
      const row = await recorded(db.kysely, name);
      if (!session) return row ? holderOf(row) : null;
      const where = { backendPid: session.pid, clientAddress: session.client_address };
      // a row written by another session is what a dead holder left
      return row && row.backend_pid === session.pid ? { ...holderOf(row), ...where } : { host: null, pid: null, since: null, ...where };
    },
  };
}

/** What `db unlock` found and did. */
export interface UnlockResult {
  lock: string;
  /** a live process holds the lock: nothing was removed */
  held: boolean;
  /** the live holder, or the one whose record was (or would be) removed */
  holder: LockHolder | null;
  removed: boolean;
}

/** Whether `name` is held right now, and by whom; the record a dead holder left otherwise. Never waits. */
export async function inspectLock(db: Db, name: string): Promise<UnlockResult> {
  return unlock(db, name, null);
}

/**
 * Removes the record a dead holder of `name` left (audited), unless a live process holds the lock. `expected`: the
 * holder the caller showed the user; a record that changed meanwhile is left alone.
 */
export async function removeStaleLock(db: Db, name: string, source: AuditSource, expected: LockHolder | null): Promise<UnlockResult> {
  return unlock(db, name, { source, expected });
}

async function unlock(db: Db, name: string, removal: { source: AuditSource; expected: LockHolder | null } | null): Promise<UnlockResult> {
  const locker = lockerFor(db, name);
  // taking the lock proves that nobody holds it
  const held = await locker.tryTake(false);
  if (!held) return { lock: name, held: true, holder: await locker.holder(), removed: false };
  try {
    const found = await recorded(db.kysely, name);
    const holder = found ? holderOf(found) : null;
    if (!removal || !found || !sameHolder(holder, removal.expected)) return { lock: name, held: false, holder, removed: false };
    await db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('job_locks').where('name', '=', name).where('holder', '=', found.holder).execute();
      await recordAudit(trx, removal.source, {
        action: 'delete',
        entity: 'job_locks',
        entityId: name,
        before: found,
        summary: `stale "${name}" lock of ${describeHolder(holder)} removed`,
      });
    });
    return { lock: name, held: false, holder, removed: true };
  } finally {
    await held.release();
  }
}

const sameHolder = (a: LockHolder | null, b: LockHolder | null) => a?.host === b?.host && a?.pid === b?.pid && a?.since === b?.since;
