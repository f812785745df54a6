import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { MigrationFolderProvider, migrateToLatest, schemaState } from '../../src/db/migrate.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/db/migrations');

describe.each(dialects)('migrations on %s', (dialect) => {
  it('applies every migration file in the folder, in order, once', async () => {
    const db = await openDb(await freshDbUrl(dialect));
    const files = fs.readdirSync(folder).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(await migrateToLatest(db)).toEqual(files);
    expect(await migrateToLatest(db)).toEqual([]);
    const state = await schemaState(db);
    expect(state).toEqual({ version: files.at(-1), applied: files, pending: [], unknown: [] });
    await db.close();
  });
});

describe('migration folder', () => {
  it('refuses a misnamed migration instead of skipping it', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0001_ok.js'), 'export async function up() {}\n');
    fs.writeFileSync(path.join(dir, 'add-things.js'), 'export async function up() {}\n');
    await expect(new MigrationFolderProvider(dir).getMigrations()).rejects.toThrow(/add-things.js is not named/);
  });

  it('refuses a migration without up()', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0001_empty.js'), 'export const nothing = 1;\n');
    await expect(new MigrationFolderProvider(dir).getMigrations()).rejects.toThrow(/has no up\(\)/);
  });
});
