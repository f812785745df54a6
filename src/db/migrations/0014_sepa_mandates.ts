import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * SEPA Direct Debit: the mandates payers signed, the collection files written (`invoices collect --sepa`) and one
 * item per invoice put in a file. An item is `pending` while its invoice is being collected; the database itself
 * refuses a second pending item for the same invoice, so no invoice is ever in two files until its first
 * collection is settled or returned (by a later bank statement import, which finds it by its end-to-end id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  const date = pg ? 'varchar(10)' : 'text';

  await db.schema
    .createTable('sepa_mandates')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    // the payer: the member the invoices are issued to
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    // the unique mandate reference (UMR), at most 35 characters of the SEPA set
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('iban', 'text', (c) => c.notNull())
    .addColumn('bic', 'text')
    .addColumn('scheme', 'text', (c) => c.notNull().check(sql`scheme in ('core', 'b2b')`))
    .addColumn('signed_on', date, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'revoked')`))
    .addColumn('revoked_on', date)
    .addColumn('revoke_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // one active mandate per payer: which one a collection uses is never a guess
  await db.schema.createIndex('sepa_mandates_one_active').on('sepa_mandates').column('member_id').unique().where(sql.ref('status'), '=', 'active').execute();

  await db.schema
    .createTable('sepa_collections')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    // the file's GrpHdr/MsgId
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('collection_date', date, (c) => c.notNull())
    .addColumn('transactions', 'integer', (c) => c.notNull())
    // minor units of `currency`
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sepa_collection_items')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('collection_id', 'integer', (c) => c.notNull().references('sepa_collections.id'))
    .addColumn('invoice_id', 'integer', (c) => c.notNull().references('invoices.id'))
    .addColumn('mandate_id', 'integer', (c) => c.notNull().references('sepa_mandates.id'))
    // the transaction's EndToEndId: the invoice number, as the bank statement gives it back
    .addColumn('end_to_end_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('sequence', 'text', (c) => c.notNull().check(sql`sequence in ('FRST', 'RCUR')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'settled', 'returned')`))
    // when it was settled or returned, and the bank's return reason
    .addColumn('closed_on', date)
    .addColumn('return_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sepa_items_collection').on('sepa_collection_items').column('collection_id').execute();
  await db.schema.createIndex('sepa_items_mandate').on('sepa_collection_items').column('mandate_id').execute();
  await db.schema.createIndex('sepa_items_end_to_end').on('sepa_collection_items').column('end_to_end_id').execute();
  await db.schema
    .createIndex('sepa_items_one_pending')
    .on('sepa_collection_items')
    .column('invoice_id')
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sepa_collection_items').execute();
  await db.schema.dropTable('sepa_collections').execute();
  await db.schema.dropTable('sepa_mandates').execute();
}
