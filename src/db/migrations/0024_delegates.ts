import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * Delegates (company seats): the people a membership with a quantity of N names, up to N, each a member through it.
 * A delegate row is never deleted: removing a delegate sets `removed_at`, so the history keeps who held a seat. A
 * person is a delegate of a membership at most once at a time. `bill_delegates_separately` bills each delegate
 * their share of the membership on their own invoice instead of the holder's payer.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  await db.schema
    .createTable('delegates')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('removed_at', 'text')
    .execute();
  await db.schema.createIndex('delegates_once').on('delegates').columns(['membership_id', 'member_id']).unique().where(sql.ref('removed_at'), 'is', null).execute();
  await db.schema.createIndex('delegates_member').on('delegates').column('member_id').execute();
  await db.schema.alterTable('memberships').addColumn('bill_delegates_separately', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // a delegate's share of a period is a line of its own: a period is billed once as a whole (no delegate), or once
  // per delegate, never twice for the same one
  await db.schema.alterTable('invoice_lines').addColumn('delegate_id', 'integer', (c) => c.references('members.id')).execute();
  await db.schema.dropIndex('invoice_lines_once_per_period').execute();
  await sql`create unique index invoice_lines_once_per_period on invoice_lines (membership_id, period_start, coalesce(delegate_id, 0)) where voided = 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('invoice_lines_once_per_period').execute();
  await db.schema.createIndex('invoice_lines_once_per_period').on('invoice_lines').columns(['membership_id', 'period_start']).unique().where(sql.ref('voided'), '=', 0).execute();
  await db.schema.alterTable('invoice_lines').dropColumn('delegate_id').execute();
  await db.schema.alterTable('memberships').dropColumn('bill_delegates_separately').execute();
  await db.schema.dropTable('delegates').execute();
}
