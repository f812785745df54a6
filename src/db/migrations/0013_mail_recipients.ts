import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.

/**
 * Where a person's e-mails go: an address for their invoices (`billing_email`) and one for their renewals
 * (`renewal_email`), both instead of their own e-mail; copies of each of their messages (`cc_emails`, the addresses
 * as "a@x.org; b@y.org"); and `no_mail`, a person who asked not to be written to (their messages are queued as
 * skipped). Null and 0 on existing rows: everything goes to the person's e-mail, as before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // one column per statement: SQLite adds a single column per ALTER TABLE
  for (const column of ['billing_email', 'renewal_email', 'cc_emails']) {
    await db.schema.alterTable('members').addColumn(column, 'text').execute();
  }
  await db.schema
    .alterTable('members')
    .addColumn('no_mail', 'integer', (c) => c.notNull().defaultTo(0).check(sql`no_mail in (0, 1)`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['no_mail', 'cc_emails', 'renewal_email', 'billing_email']) {
    await db.schema.alterTable('members').dropColumn(column).execute();
  }
}
