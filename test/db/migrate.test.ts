import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { MigrationListProvider, migrateToLatest, schemaState } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/db/migrations');

describe.each(dialects)('migrations on %s', (dialect) => {
  it('applies every migration file in the folder, in order, once', async () => {
    const db = await openDb(await freshDbUrl(dialect));
    const files = fs.readdirSync(folder).map((f) => f.replace(/\.ts$/, '')).filter((name) => name !== 'index').sort();
    expect(await migrateToLatest(db)).toEqual(files);
    expect(await migrateToLatest(db)).toEqual([]);
    const state = await schemaState(db);
    expect(state).toEqual({ version: files.at(-1), applied: files, pending: [], unknown: [] });
    await db.close();
  });
});

describe('migration list', () => {
  it('lists every file of the migrations folder, in order', () => {
    const files = fs.readdirSync(folder).map((f) => f.replace(/\.ts$/, '')).filter((name) => name !== 'index').sort();
    expect(migrations.map(([name]) => name)).toEqual(files);
  });

  it('refuses a misnamed migration instead of skipping it', async () => {
    const up = async () => {};
    await expect(new MigrationListProvider([['0001_ok', async () => ({ up })], ['add-things', async () => ({ up })]]).getMigrations()).rejects.toThrow(
      /add-things is not named/,
    );
  });

  it('refuses a migration listed out of order', async () => {
    const up = async () => {};
    await expect(new MigrationListProvider([['0002_b', async () => ({ up })], ['0001_a', async () => ({ up })]]).getMigrations()).rejects.toThrow(
      /0001_a is listed after 0002_b/,
    );
  });

  it('refuses a migration without up()', async () => {
    await expect(new MigrationListProvider([['0001_empty', async () => ({})]]).getMigrations()).rejects.toThrow(/has no up\(\)/);
  });
});
