import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/db/connect.js';
import { withJobLock } from '../../src/core/kernel/lock.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { migrateToLatest } from '../../src/db/migrate.js';

describe.each(dialects)('job lock on %s', (dialect) => {
  const open: Db[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });
  const connect = async (url: string) => {
    const db = await openDb(url);
    open.push(db);
    return db;
  };

  it('refuses a second holder with exit code 75 while the first runs, and frees the lock afterwards', async () => {
    const url = await freshDbUrl(dialect);
    const first = await connect(url);
    await migrateToLatest(first);
    const second = await connect(url);
    let inner: unknown = null;
    await withJobLock(first, 'jobs', {}, async () => {
      inner = await withJobLock(second, 'jobs', {}, async () => 'ran').catch((e) => e);
    });
    expect(inner).toBeInstanceOf(UserError);
    expect((inner as UserError).exitCode).toBe(75);
    await expect(withJobLock(second, 'jobs', {}, async () => 'ran')).resolves.toBe('ran');
  });

  it('suggests --wait only to a command that has it', async () => {
    const url = await freshDbUrl(dialect);
    const first = await connect(url);
    await migrateToLatest(first);
    const second = await connect(url);
    const hints: Array<string | undefined> = [];
    await withJobLock(first, 'import', {}, async () => {
      for (const options of [{}, { waitSeconds: 0 }]) {
        const refused = await withJobLock(second, 'import', options, async () => 'ran').catch((e: unknown) => e);
        hints.push((refused as UserError).hint);
      }
    });
    expect(hints[0]).not.toContain('--wait');
    expect(hints[1]).toContain('--wait SECONDS');
  });

  it('waits for the lock when asked to', async () => {
    const url = await freshDbUrl(dialect);
    const first = await connect(url);
    await migrateToLatest(first);
    const second = await connect(url);
    const order: string[] = [];
    let release!: () => void;
    const held = withJobLock(first, 'jobs', {}, () => new Promise<void>((resolve) => (release = () => { order.push('first done'); resolve(); })));
    await new Promise((r) => setTimeout(r, 100));
    const waiting = withJobLock(second, 'jobs', { waitSeconds: 5, pollMs: 20 }, async () => { order.push('second ran'); });
    setTimeout(() => release(), 200);
    await Promise.all([held, waiting]);
    expect(order).toEqual(['first done', 'second ran']);
  });

  it('takes over at once a lock whose recorded holder runs on another host but no longer holds it', async () => {
    const url = await freshDbUrl(dialect);
    const db = await connect(url);
    await migrateToLatest(db);
    // what a job killed in another container leaves: its row, naming a pid that means nothing here
    await db.kysely.insertInto('job_locks').values({ name: 'jobs', holder: 'dead', pid: 1, host: 'another-container', acquired_at: '2026-01-01T00:00:00Z' }).execute();
    await expect(withJobLock(db, 'jobs', {}, async () => 'ran')).resolves.toBe('ran');
    expect(await db.kysely.selectFrom('job_locks').selectAll().execute()).toEqual([]);
  });

  it('names the live holder in its 75: pid, host and since when', async () => {
    const url = await freshDbUrl(dialect);
    const first = await connect(url);
    await migrateToLatest(first);
    const second = await connect(url);
    const os = await import('node:os');
    const refused = await withJobLock(first, 'jobs', {}, async () => {
      const since = (await second.kysely.selectFrom('job_locks').select('acquired_at').executeTakeFirstOrThrow()).acquired_at;
      return [since, await withJobLock(second, 'jobs', { waitSeconds: 0 }, async () => 'ran').catch((e: UserError) => e)] as const;
    });
    const [since, error] = refused;
    expect((error as UserError).exitCode).toBe(75);
    expect((error as UserError).message).toContain(`pid ${process.pid} on host ${os.hostname()} since ${since}`);
    expect((error as UserError).hint).toContain('memberctl db unlock jobs');
  });

  it('different lock names do not block each other', async () => {
    const url = await freshDbUrl(dialect);
    const first = await connect(url);
    await migrateToLatest(first);
    const second = await connect(url);
    const result = await withJobLock(first, 'a', {}, () => withJobLock(second, 'b', {}, async () => 'both'));
    expect(result).toBe('both');
  });
});

describe('job lock on sqlite after a crash', () => {
  it('takes over a lock left by a process that no longer runs', async () => {
    const url = await freshDbUrl('sqlite');
    const db = await openDb(url);
    await migrateToLatest(db);
    const os = await import('node:os');
    // a pid far above any live one on this host
    await db.kysely
      .insertInto('job_locks')
      .values({ name: 'jobs', holder: 'dead', pid: 2 ** 22 + 12345, host: os.hostname(), acquired_at: '2026-01-01T00:00:00Z' })
      .execute();
    await expect(withJobLock(db, 'jobs', {}, async () => 'ran')).resolves.toBe('ran');
    await db.close();
  });
});
