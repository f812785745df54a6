import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * One-off charges (a meeting room, a locker, a setup fee, a refundable deposit), billed once to the member's payer.
 * The database itself makes billing a charge twice impossible: at most one invoice line that is not voided per
 * charge. A deposit is refunded by a credit note for its line: an invoice may then have more than one credit note
 * (a refund, then a void), so `credit_notes.invoice_id` is no longer unique; a charge is refunded at most once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  const date = pg ? 'date' : 'text';

  await db.schema
    .createTable('charges')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    // net per unit, in minor units
    .addColumn('unit_price', 'integer', (c) => c.notNull().check(sql`unit_price >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('tax_rate', 'text', (c) => c.notNull())
    // billed by the first run on or after this day
    .addColumn('date', date, (c) => c.notNull())
    .addColumn('deposit', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    // removed before it was billed, or after the invoice that billed it was voided: never billed again
    .addColumn('removed_at', 'text')
    .execute();
  await db.schema.createIndex('charges_member').on('charges').column('member_id').execute();

  await db.schema.alterTable('invoice_lines').addColumn('charge_id', 'integer', (c) => c.references('charges.id')).execute();
  await db.schema.createIndex('invoice_lines_once_per_charge').on('invoice_lines').column('charge_id').unique().where(sql.ref('voided'), '=', 0).execute();

  if (pg) {
    await sql`alter table credit_notes drop constraint credit_notes_invoice_id_key`.execute(db);
  } else {
    // SQLite cannot drop a column's unique constraint: the table is copied without it (nothing references it)
    await sql`create table credit_notes_copy (
      id integer primary key autoincrement,
      number text not null unique,
      invoice_id integer not null references invoices(id),
      date text not null,
      currency text not null,
      net integer not null,
      tax integer not null,
      total integer not null,
      reason text not null,
      created_at text not null,
      issuer_id integer references issuers(id),
      buyer text,
      language text check (language in ('fr', 'en'))
    )`.execute(db);
    await sql`insert into credit_notes_copy (id, number, invoice_id, date, currency, net, tax, total, reason, created_at, issuer_id, buyer, language)
      select id, number, invoice_id, date, currency, net, tax, total, reason, created_at, issuer_id, buyer, language from credit_notes`.execute(db);
    await sql`drop table credit_notes`.execute(db);
    await sql`alter table credit_notes_copy rename to credit_notes`.execute(db);
    await db.schema.createIndex('credit_notes_date').on('credit_notes').column('date').execute();
  }
  await db.schema.createIndex('credit_notes_invoice').on('credit_notes').column('invoice_id').execute();
  // the deposit a credit note refunds; null for a void
  await db.schema.alterTable('credit_notes').addColumn('charge_id', 'integer', (c) => c.references('charges.id')).execute();
  await db.schema.createIndex('credit_notes_once_per_charge').on('credit_notes').column('charge_id').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('credit_notes_once_per_charge').execute();
  await db.schema.alterTable('credit_notes').dropColumn('charge_id').execute();
  await db.schema.dropIndex('credit_notes_invoice').execute();
  await db.schema.dropIndex('invoice_lines_once_per_charge').execute();
  await db.schema.alterTable('invoice_lines').dropColumn('charge_id').execute();
  await db.schema.dropTable('charges').execute();
}
