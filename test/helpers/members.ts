import path from 'node:path';
import { expect } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { root, runCli } from './cli.js';
import { type dialects, freshDbUrl } from './db.js';

/** A fresh database of this dialect holding the plans of `fixtures/plans.csv`. */
export async function withPlans(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')], { db })).code).toBe(0);
  return db;
}

/** How many members the database at `url` holds. */
export async function memberCount(url: string): Promise<number> {
  const db = await openDb(url);
  try {
    return Number((await db.kysely.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  } finally {
    await db.close();
  }
}
