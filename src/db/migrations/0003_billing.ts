import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  // SQLite: integer primary key autoincrement; PostgreSQL: serial
  const id = pg ? 'serial' : 'integer';
  const date = pg ? 'date' : 'text';

  // Gapless numbers: one row per prefix and year, advanced inside the transaction that writes the document.
  await db.schema
    .createTable('number_sequences')
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('number_sequences_pk', ['prefix', 'year'])
    .execute();

  await db.schema
    .createTable('invoices')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('date', date, (c) => c.notNull())
    .addColumn('due_date', date, (c) => c.notNull())
    .addColumn('payer_id', 'integer', (c) => c.references('members.id'))
    // the payer's name when issued: an invoice never changes after issue
    .addColumn('payer_name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('net', 'integer', (c) => c.notNull())
    .addColumn('tax', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'paid', 'void')`))
    .addColumn('job_id', 'text')
    .addColumn('void_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invoices_payer').on('invoices').column('payer_id').execute();
  await db.schema.createIndex('invoices_date').on('invoices').column('date').execute();
  await db.schema.createIndex('invoices_status').on('invoices').column('status').execute();

  await db.schema
    .createTable('invoice_lines')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('invoice_id', 'integer', (c) => c.notNull().references('invoices.id'))
    .addColumn('membership_id', 'integer', (c) => c.references('memberships.id'))
    .addColumn('member_id', 'integer', (c) => c.references('members.id'))
    .addColumn('member_name', 'text', (c) => c.notNull())
    .addColumn('plan_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('period_start', date, (c) => c.notNull())
    // inclusive: the last day the line covers
    .addColumn('period_end', date, (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('unit_price', 'integer', (c) => c.notNull())
    .addColumn('net', 'integer', (c) => c.notNull())
    .addColumn('tax_rate', 'text', (c) => c.notNull())
    .addColumn('tax', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    // 1 once its invoice is voided: the period may then be billed again
    .addColumn('voided', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('invoice_lines_invoice').on('invoice_lines').column('invoice_id').execute();
  await db.schema.createIndex('invoice_lines_member').on('invoice_lines').column('member_id').execute();
  // The database itself makes billing the same membership period twice impossible.
  await db.schema
    .createIndex('invoice_lines_once_per_period')
    .on('invoice_lines')
    .columns(['membership_id', 'period_start'])
    .unique()
    .where(sql.ref('voided'), '=', 0)
    .execute();

  await db.schema
    .createTable('credit_notes')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('invoice_id', 'integer', (c) => c.notNull().unique().references('invoices.id'))
    .addColumn('date', date, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('net', 'integer', (c) => c.notNull())
    .addColumn('tax', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('invoice_id', 'integer', (c) => c.notNull().references('invoices.id'))
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('card', 'cash', 'transfer', 'check', 'other')`))
    .addColumn('date', date, (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('recorded').check(sql`status in ('recorded', 'cancelled')`))
    .addColumn('cancel_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payments_invoice').on('payments').column('invoice_id').execute();

  // Credits (money, minor units) and passes (a count): a balance is always the sum of its member's entries.
  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('unit', 'text', (c) => c.notNull().check(sql`unit in ('credit', 'pass')`))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('grant', 'use', 'expire', 'freeze', 'unfreeze', 'refund', 'overpayment', 'import')`),
    )
    // signed: grants positive, uses and expiries negative
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text')
    .addColumn('date', date, (c) => c.notNull())
    // for grants: when what remains of it expires
    .addColumn('expires_on', date)
    // for uses and expiries: the grant they draw from
    .addColumn('grant_id', 'integer', (c) => c.references('ledger_entries.id'))
    .addColumn('invoice_id', 'integer', (c) => c.references('invoices.id'))
    .addColumn('payment_id', 'integer', (c) => c.references('payments.id'))
    .addColumn('description', 'text')
    .addColumn('job_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_member').on('ledger_entries').columns(['member_id', 'unit']).execute();
  await db.schema.createIndex('ledger_grant').on('ledger_entries').column('grant_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['ledger_entries', 'payments', 'credit_notes', 'invoice_lines', 'invoices', 'number_sequences']) {
    await db.schema.dropTable(table).execute();
  }
}
