import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDb, withRollbackJournal } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

const journalMode = (db: Db) => db.sqlite?.pragma('journal_mode', { simple: true });

describe.each(dialects)('a large first load on %s', (dialect) => {
  const open: Db[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });
  const connect = async (url: string) => {
    const db = await openDb(url);
    open.push(db);
    return db;
  };

  it('writes through a rollback journal on SQLite, then goes back to the WAL; PostgreSQL is left as it is', async () => {
    const db = await connect(await freshDbUrl(dialect));
    await migrateToLatest(db);
    const during = await withRollbackJournal(db, async () => {
      await db.kysely.insertInto('tags').values({ name: 'vip' }).execute();
      return journalMode(db);
    });
    expect(during).toBe(dialect === 'sqlite' ? 'delete' : undefined);
    expect(journalMode(db)).toBe(dialect === 'sqlite' ? 'wal' : undefined);
    expect(await db.kysely.selectFrom('tags').select('name').execute()).toEqual([{ name: 'vip' }]);
  });

  it('goes back to the WAL when the load fails', async () => {
    const db = await connect(await freshDbUrl(dialect));
    await expect(withRollbackJournal(db, async () => Promise.reject(new Error('the load failed')))).rejects.toThrow('the load failed');
    expect(journalMode(db)).toBe(dialect === 'sqlite' ? 'wal' : undefined);
  });

  it('keeps the WAL, without waiting, while another connection has the database open', async () => {
    const url = await freshDbUrl(dialect);
    const db = await connect(url);
    await migrateToLatest(db);
    const reader = await connect(url);
    await reader.kysely.selectFrom('tags').selectAll().execute();
    const started = Date.now();
    const during = await withRollbackJournal(db, async () => journalMode(db));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(during).toBe(dialect === 'sqlite' ? 'wal' : undefined);
  });
});
