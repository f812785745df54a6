import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { tempError } from '../errors.js';

export interface LockOptions {
  /** seconds to wait for a lock another process holds (--wait); 0 gives up at once; undefined: the command has no --wait */
  waitSeconds?: number;
  /** poll interval while waiting, in ms */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding the database-level job lock `name`; a second holder gets a 75 at once or after `waitSeconds`.
 * PostgreSQL: a session advisory lock, released by the server if this process dies. SQLite: a row in job_locks naming
 * this process; a row left by a process that no longer runs on this host is taken over.
 */
export async function withJobLock<T>(db: Db, name: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  const poll = options.pollMs ?? 200;
  const busy = () =>
    tempError(
      `another memberctl job holds the "${name}" lock`,
      options.waitSeconds === undefined
        ? 'try again once it has finished'
        : options.waitSeconds
          ? `waited ${options.waitSeconds}s; try again later`
          : 'try again later, or pass --wait SECONDS',
    );

  if (db.dialect === 'postgres') {
    return db.kysely.connection().execute(async (conn) => {
      for (;;) {
        const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext(${`memberctl:${name}`})) as locked`.execute(conn);
        if (rows[0]?.locked) break;
        if (Date.now() >= deadline) throw busy();
        await sleep(poll);
      }
      try {
        return await fn();
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${`memberctl:${name}`}))`.execute(conn);
      }
    });
  }

  const holder = randomUUID();
  const host = os.hostname();
  for (;;) {
    const taken = await db.kysely
      .transaction()
      .execute(async (trx) => {
      const current = await trx.selectFrom('job_locks').selectAll().where('name', '=', name).executeTakeFirst();
      if (current && !(current.host === host && !processAlive(current.pid))) return false;
      if (current) await trx.deleteFrom('job_locks').where('name', '=', name).execute();
      await trx
        .insertInto('job_locks')
        .values({ name, holder, pid: process.pid, host, acquired_at: new Date().toISOString() })
        .execute();
      return true;
      })
      .catch((error: { code?: string }) => {
        // another process inserted its row between our read and our write, or is writing right now
        if (error.code?.startsWith('SQLITE_CONSTRAINT') || error.code === 'SQLITE_BUSY') return false;
        throw error;
      });
    if (taken) break;
    if (Date.now() >= deadline) throw busy();
    await sleep(poll);
  }
  try {
    return await fn();
  } finally {
    await db.kysely.deleteFrom('job_locks').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
