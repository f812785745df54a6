import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

export async function up(db: Kysely<any>): Promise<void> {
  const date = isPostgres(db) ? 'date' : 'text';

  // The membership's first recurring invoice date (its anchor day comes from it). A prorated first period
  // [start_date, first_recurring_date) is still to be billed while next_invoice_date is before it.
  await db.schema.alterTable('memberships').addColumn('first_recurring_date', date).execute();

  // Overpayment credit is reconciled per invoice: the sum of an invoice's ledger entries is read often.
  await db.schema.createIndex('ledger_invoice').on('ledger_entries').column('invoice_id').execute();
  await db.schema.createIndex('credit_notes_date').on('credit_notes').column('date').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('credit_notes_date').execute();
  await db.schema.dropIndex('ledger_invoice').execute();
  await db.schema.alterTable('memberships').dropColumn('first_recurring_date').execute();
}
