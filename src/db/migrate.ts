import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { configError } from '../errors.js';
import type { Db } from './connect.js';

const migrationFile = /\.(js|ts)$/;
const migrationFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Loads `NNNN_name.js` (or `.ts` under the test runner) from the migrations folder. Unlike kysely's
 * FileMigrationProvider it refuses a misnamed file or one without `up`, instead of skipping it silently.
 */
export class MigrationFolderProvider implements MigrationProvider {
  constructor(private readonly folder: string = migrationFolder) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    const files = (await fs.readdir(this.folder)).filter((f) => migrationFile.test(f) && !f.endsWith('.d.ts')).sort();
    for (const file of files) {
      const name = file.replace(migrationFile, '');
      if (!/^\d{4}_[a-z0-9_]+$/.test(name)) throw new Error(`migration file ${file} is not named NNNN_name`);
      const module = await import(pathToFileURL(path.join(this.folder, file)).href);
      if (typeof module.up !== 'function') throw new Error(`migration ${file} has no up() function`);
      migrations[name] = { up: module.up, down: module.down };
    }
    return migrations;
  }
}

function migrator(db: Db): Migrator {
  return new Migrator({ db: db.kysely, provider: new MigrationFolderProvider() });
}

export interface SchemaState {
  /** The last migration applied, or null on a new database. */
  version: string | null;
  applied: string[];
  pending: string[];
  /** Migrations recorded in the database that this program does not know: the database is newer. */
  unknown: string[];
}

/** Migration names from the folder's file names, without loading the files (checked on every command). */
async function knownNames(folder: string = migrationFolder): Promise<string[]> {
  return (await fs.readdir(folder))
    .filter((f) => migrationFile.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(migrationFile, ''))
    .sort();
}

async function appliedNames(db: Db): Promise<string[]> {
  const exists =
    db.dialect === 'postgres'
      ? (await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db.kysely)).rows[0]?.t
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db.kysely)).rows[0];
  if (!exists) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db.kysely);
  return rows.map((r) => r.name);
}

export async function schemaState(db: Db): Promise<SchemaState> {
  const known = await knownNames();
  const knownSet = new Set(known);
  const applied = await appliedNames(db);
  const appliedSet = new Set(applied);
  return {
    version: applied.at(-1) ?? null,
    applied,
    pending: known.filter((name) => !appliedSet.has(name)),
    unknown: applied.filter((name) => !knownSet.has(name)),
  };
}

/**
 * Brings the schema up to date. Refuses (78) a database whose schema is newer than this program.
 * Returns the names of the migrations it applied.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const state = await schemaState(db);
  if (state.unknown.length > 0) {
    throw configError(
      `the database ${db.label} has a newer schema (${state.unknown.at(-1)}) than this memberctl knows; upgrade memberctl`,
    );
  }
  if (state.pending.length === 0) return [];
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw configError(
      `database migration ${failed?.migrationName ?? ''} failed on ${db.label}: ${(error as Error).message ?? String(error)}`,
    );
  }
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length !== state.pending.length) {
    throw configError(`database migration incomplete on ${db.label}: applied ${applied.length} of ${state.pending.length}`);
  }
  return applied;
}
