import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.

/**
 * What an invoice needs of its buyer: structured postal addresses for members and companies (the existing `address`
 * column keeps the street lines), a member's language, a company's SIREN and VAT number, and each invoice line's
 * EN 16931 VAT category. Every new column is null on existing rows: a null country is the organisation's, a null
 * language the `language` setting, a null category the one derived from the line's rate (lines issued before
 * categories were stored).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // one column per statement: SQLite adds a single column per ALTER TABLE
  for (const column of ['postcode', 'city', 'country']) {
    await db.schema.alterTable('members').addColumn(column, 'text').execute();
  }
  await db.schema
    .alterTable('members')
    .addColumn('language', 'text', (c) => c.check(sql`language in ('fr', 'en')`))
    .execute();
  for (const column of ['postcode', 'city', 'country', 'siren', 'vat_id']) {
    await db.schema.alterTable('companies').addColumn(column, 'text').execute();
  }
  await db.schema
    .alterTable('invoice_lines')
    .addColumn('vat_category', 'text', (c) => c.check(sql`vat_category in ('S', 'Z', 'E', 'AE')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('invoice_lines').dropColumn('vat_category').execute();
  for (const column of ['postcode', 'city', 'country', 'siren', 'vat_id']) {
    await db.schema.alterTable('companies').dropColumn(column).execute();
  }
  for (const column of ['postcode', 'city', 'country', 'language']) {
    await db.schema.alterTable('members').dropColumn(column).execute();
  }
}
