import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * The organisation's identity, as its invoices print it: one row (id 1) whose fields are null until `org set`
 * fills them. The logo is kept in the database (BLOB on SQLite, bytea on PostgreSQL) so that it travels with it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  let table = db.schema
    .createTable('org_identity')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('name', 'text')
    .addColumn('address', 'text')
    .addColumn('postcode', 'text')
    .addColumn('city', 'text')
    .addColumn('country', 'text', (c) => c.notNull().defaultTo('FR'));
  for (const column of ['siren', 'siret', 'vat_id', 'email', 'phone', 'iban', 'bic', 'legal_form', 'registration', 'vat_exemption', 'late_penalty', 'footer']) {
    table = table.addColumn(column, 'text');
  }
  await table
    .addColumn('logo', pg ? 'bytea' : 'blob')
    .addColumn('logo_type', 'text', (c) => c.check(sql`logo_type in ('image/png', 'image/jpeg')`))
    .addColumn('updated_at', 'text')
    .addCheckConstraint('org_identity_logo_type', sql`(logo is null) = (logo_type is null)`)
    .execute();
  await db.insertInto('org_identity').values({ id: 1, country: 'FR' }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('org_identity').execute();
}
