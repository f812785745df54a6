import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * Discounts on memberships: a percentage or a fixed amount per period, for a number of billed periods or until
 * removed. A discount row never changes once written (only `removed_at` is set): a new value is a new row, so the
 * periods it discounted are counted from the invoice lines that carry its id. At most one discount in force per
 * membership. An invoice line keeps what its discount took off (`discount`, net minor units) and which discount it
 * was (`discount_id`); its `net` is the discounted net.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  await db.schema
    .createTable('discounts')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id'))
    // exactly one of the two: a percentage ("15", "12.5") or a fixed net amount per period in minor units
    .addColumn('percent', 'text')
    .addColumn('amount', 'integer', (c) => c.check(sql`amount >= 0`))
    // how many billed periods it discounts; null: until removed
    .addColumn('periods', 'integer', (c) => c.check(sql`periods > 0`))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('removed_at', 'text')
    .addCheckConstraint('discounts_percent_or_amount', sql`(percent is null) <> (amount is null)`)
    .execute();
  await db.schema.createIndex('discounts_once_per_membership').on('discounts').column('membership_id').unique().where(sql.ref('removed_at'), 'is', null).execute();
  await db.schema.createIndex('discounts_membership').on('discounts').column('membership_id').execute();

  await db.schema.alterTable('invoice_lines').addColumn('discount_id', 'integer', (c) => c.references('discounts.id')).execute();
  await db.schema.alterTable('invoice_lines').addColumn('discount', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('invoice_lines_discount').on('invoice_lines').column('discount_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('invoice_lines_discount').execute();
  await db.schema.alterTable('invoice_lines').dropColumn('discount').execute();
  await db.schema.alterTable('invoice_lines').dropColumn('discount_id').execute();
  await db.schema.dropTable('discounts').execute();
}
