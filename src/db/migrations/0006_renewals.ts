import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  const date = pg ? 'date' : 'text';

  // A renewal is the decision about a term membership's next term [term_start, term_end].
  await db.schema
    .createTable('renewals')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    // removing a membership (undoing its import) removes the decisions about it
    .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
    .addColumn('term_start', date, (c) => c.notNull())
    // inclusive: the last day of the term
    .addColumn('term_end', date, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'intervention', 'accepted', 'refused')`))
    .addColumn('created_on', date, (c) => c.notNull())
    .addColumn('decided_on', date)
    // why it needs an intervention, or why it was refused
    .addColumn('reason', 'text')
    // the invoice that billed the term once accepted
    .addColumn('invoice_id', 'integer', (c) => c.references('invoices.id'))
    .addColumn('job_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The database itself makes two renewals of the same term impossible, whatever the number of runs.
  await db.schema.createIndex('renewals_once_per_term').on('renewals').columns(['membership_id', 'term_start']).unique().execute();
  await db.schema.createIndex('renewals_status').on('renewals').column('status').execute();

  // The last status the jobs recorded for each member, so a status change is reported (and audited) once.
  // No foreign key: a member removed by a merge or an import undo simply leaves a row the next run deletes.
  await db.schema
    .createTable('member_statuses')
    .addColumn('member_id', 'integer', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('since', date, (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Small named values the jobs keep between runs (how far expiries have been processed, ...).
  await db.schema
    .createTable('job_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // A grant expires once and is refunded once, whatever the number of runs.
  await db.schema.createIndex('ledger_expired_once').on('ledger_entries').column('grant_id').unique().where(sql.ref('kind'), '=', 'expire').execute();
  await db.schema.createIndex('ledger_refunded_once').on('ledger_entries').column('grant_id').unique().where(sql.ref('kind'), '=', 'refund').execute();
  await db.schema.createIndex('ledger_grant_expiry').on('ledger_entries').column('expires_on').where(sql.ref('kind'), '=', 'grant').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['ledger_grant_expiry', 'ledger_refunded_once', 'ledger_expired_once']) await db.schema.dropIndex(index).execute();
  for (const table of ['job_state', 'member_statuses', 'renewals']) await db.schema.dropTable(table).execute();
}
