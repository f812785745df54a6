import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { configError, ExitCode, UserError } from '../errors.js';
import type { Db } from './connect.js';
import { databaseEnvironmentError } from './environment-errors.js';
import { type MigrationEntry, migrations } from './migrations/index.js';

/**
 * Loads the migrations of `migrations/index.ts`. Unlike kysely's FileMigrationProvider it refuses a misnamed
 * migration, one out of order, or one without `up`, instead of skipping it silently.
 */
export class MigrationListProvider implements MigrationProvider {
  constructor(private readonly list: readonly MigrationEntry[] = migrations) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const loaded: Record<string, Migration> = {};
    let previous = '';
    for (const [name, load] of this.list) {
      if (!/^\d{4}_[a-z0-9_]+$/.test(name)) throw new Error(`migration ${name} is not named NNNN_name`);
      if (name <= previous) throw new Error(`migration ${name} is listed after ${previous}`);
      previous = name;
      const module = await load();
      if (typeof module.up !== 'function') throw new Error(`migration ${name} has no up() function`);
      loaded[name] = { up: module.up, down: module.down };
    }
    return loaded;
  }
}

function migrator(db: Db): Migrator {
  return new Migrator({ db: db.kysely, provider: new MigrationListProvider() });
}

export interface SchemaState {
  /** The last migration applied, or null on a new database. */
  version: string | null;
  applied: string[];
  pending: string[];
  /** Migrations recorded in the database that this program does not know: the database is newer. */
  unknown: string[];
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
  const known = migrations.map(([name]) => name);
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
    throw new UserError(`the database ${db.label} has a newer schema (${state.unknown.at(-1)}) than this memberctl knows; upgrade memberctl`, {
      exitCode: ExitCode.config,
      kind: 'schema_newer',
    });
  }
  if (state.pending.length === 0) return [];
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const environment = databaseEnvironmentError(error, db.label);
    if (environment) throw environment;
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
