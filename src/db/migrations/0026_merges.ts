import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * One row per `members merge`: what `members unmerge` needs to bring the removed person back. `removed` is the JSON
 * of the removed person's rows as they were (members, member_fields, member_tags, member_statuses), `kept` the kept
 * person's rows the merge changed, as they were, and `moved` the ids of every row it moved or wrote.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  await db.schema
    .createTable('merges')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kept_id', 'integer', (c) => c.notNull())
    .addColumn('removed_id', 'integer', (c) => c.notNull())
    .addColumn('removed', 'text', (c) => c.notNull())
    .addColumn('kept', 'text', (c) => c.notNull())
    .addColumn('moved', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('applied', 'undone')`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('undone_at', 'text')
    .execute();
  await db.schema.createIndex('merges_kept').on('merges').column('kept_id').execute();
  await db.schema.createIndex('merges_removed').on('merges').column('removed_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('merges').execute();
}
