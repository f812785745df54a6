import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * The entries of the bank statements imported (`payments import`), each recorded once under its key (the bank's
 * reference, else a hash of account, date, amount and label), with what it became: the payment it recorded, the
 * invoice it was matched or suggested to, the payment a return cancelled. A statement imported again finds its
 * entries here and records nothing twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  const date = pg ? 'varchar(10)' : 'text';
  await db.schema
    .createTable('bank_entries')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('entry_key', 'text', (c) => c.notNull().unique())
    .addColumn('account', 'text')
    .addColumn('date', date, (c) => c.notNull())
    // minor units of `currency`, always positive: `direction` says which way the money went
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('credit', 'debit')`))
    .addColumn('reference', 'text')
    .addColumn('end_to_end_id', 'text')
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('debtor', 'text')
    .addColumn('debtor_iban', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('matched', 'suggested', 'unmatched', 'debit', 'returned')`))
    // the invoice paid (matched), proposed (suggested) or reopened (returned)
    .addColumn('invoice_id', 'integer', (c) => c.references('invoices.id'))
    // the payment recorded (matched) or cancelled (returned)
    .addColumn('payment_id', 'integer', (c) => c.references('payments.id'))
    .addColumn('return_reason', 'text')
    .addColumn('note', 'text')
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bank_entries_end_to_end').on('bank_entries').column('end_to_end_id').execute();
  await db.schema.createIndex('bank_entries_payment').on('bank_entries').column('payment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('bank_entries').execute();
}
