import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * Documents frozen as issued. Each distinct identity of the organisation that issued documents is one row of
 * `issuers` (its fields as JSON, found again by the digest of its content), and each distinct logo one row of
 * `document_logos` (by the SHA-256 of its bytes): a run of 100,000 invoices references one issuer row and copies no
 * logo. Invoices and credit notes reference their issuer and keep their buyer as JSON and their language. The three
 * are null on documents issued before: they are filled the first time the document is written.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';
  await db.schema
    .createTable('document_logos')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('image/png', 'image/jpeg')`))
    .addColumn('bytes', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('issuers')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('digest', 'text', (c) => c.notNull().unique())
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('logo_sha256', 'text', (c) => c.references('document_logos.sha256'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  for (const table of ['invoices', 'credit_notes']) {
    // one column per statement: SQLite adds a single column per ALTER TABLE
    await db.schema.alterTable(table).addColumn('issuer_id', 'integer', (c) => c.references('issuers.id')).execute();
    await db.schema.alterTable(table).addColumn('buyer', 'text').execute();
    await db.schema
      .alterTable(table)
      .addColumn('language', 'text', (c) => c.check(sql`language in ('fr', 'en')`))
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['credit_notes', 'invoices']) {
    for (const column of ['language', 'buyer', 'issuer_id']) await db.schema.alterTable(table).dropColumn(column).execute();
  }
  await db.schema.dropTable('issuers').execute();
  await db.schema.dropTable('document_logos').execute();
}
