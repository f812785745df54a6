import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * Pauses of memberships, and adjustments: lines that correct a period already invoiced (a pause over it credits its
 * days, a plan change with proration credits the old price and charges the new one), billed once on the payer's next
 * invoice. The database itself makes billing an adjustment twice impossible: at most one invoice line that is not
 * voided per adjustment. Lines written from now on keep the days of their full period, which an adjustment of them
 * prorates by.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  const date = pg ? 'date' : 'text';

  await db.schema
    .createTable('pauses')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id'))
    // first and last paused day, both inclusive; no last day: paused until resumed
    .addColumn('start_date', date, (c) => c.notNull())
    .addColumn('end_date', date)
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    // resumed before its first day: it pauses nothing
    .addColumn('cancelled_at', 'text')
    .addCheckConstraint('pauses_dates', sql`end_date is null or end_date >= start_date`)
    .execute();
  await db.schema.createIndex('pauses_membership').on('pauses').column('membership_id').execute();

  await db.schema
    .createTable('adjustments')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id'))
    // pause, resume, plan_credit, plan_charge
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pause_id', 'integer', (c) => c.references('pauses.id'))
    // the invoice line whose period it corrects: not billed once that line is voided
    .addColumn('line_id', 'integer', (c) => c.notNull().references('invoice_lines.id'))
    .addColumn('plan_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // the days corrected, both inclusive
    .addColumn('period_start', date, (c) => c.notNull())
    .addColumn('period_end', date, (c) => c.notNull())
    .addColumn('days', 'integer', (c) => c.notNull().check(sql`days > 0`))
    .addColumn('full_days', 'integer', (c) => c.notNull().check(sql`full_days > 0`))
    // negative for a credit
    .addColumn('quantity', 'integer', (c) => c.notNull())
    // net price of one full period, in minor units
    .addColumn('unit_price', 'integer', (c) => c.notNull().check(sql`unit_price >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('tax_rate', 'text', (c) => c.notNull())
    // billed by the first run on or after this day
    .addColumn('date', date, (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('removed_at', 'text')
    .execute();
  await db.schema.createIndex('adjustments_membership').on('adjustments').column('membership_id').execute();

  await db.schema.alterTable('invoice_lines').addColumn('adjustment_id', 'integer', (c) => c.references('adjustments.id')).execute();
  await db.schema.createIndex('invoice_lines_once_per_adjustment').on('invoice_lines').column('adjustment_id').unique().where(sql.ref('voided'), '=', 0).execute();
  // the days of the full period a membership line prorates by; null on older lines and on charges
  await db.schema.alterTable('invoice_lines').addColumn('full_days', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('invoice_lines').dropColumn('full_days').execute();
  await db.schema.dropIndex('invoice_lines_once_per_adjustment').execute();
  await db.schema.alterTable('invoice_lines').dropColumn('adjustment_id').execute();
  await db.schema.dropTable('adjustments').execute();
  await db.schema.dropTable('pauses').execute();
}
