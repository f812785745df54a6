import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Db, type Dialect, openDb } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** Every database test runs on both. */
export const dialects: Dialect[] = ['sqlite', 'postgres'];

export function tempDir(prefix = 'memberctl-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A URL for a brand-new, empty database of this dialect (its own PostgreSQL database, or a new SQLite file). */
export async function freshDbUrl(dialect: Dialect): Promise<string> {
  if (dialect === 'sqlite') return path.join(tempDir(), 'test.db');
  const admin = inject('pgAdminUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Opens a fresh database with the schema applied. */
export async function freshDb(dialect: Dialect): Promise<Db> {
  const db = await openDb(await freshDbUrl(dialect));
  await migrateToLatest(db);
  return db;
}

/**
 * Runs `use` on a fresh database with the schema applied, given both a connection and its URL (for the CLI
 * processes the test starts on it); closes the connection after.
 */
export async function withFreshDb<T>(dialect: Dialect, use: (db: Db, url: string) => Promise<T>): Promise<T> {
  const url = await freshDbUrl(dialect);
  const db = await openDb(url);
  try {
    await migrateToLatest(db);
    return await use(db, url);
  } finally {
    await db.close();
  }
}
