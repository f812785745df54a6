import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  // SQLite: integer primary key autoincrement; PostgreSQL: serial
  const id = pg ? 'serial' : 'integer';
  const date = pg ? 'date' : 'text';

  await db.schema
    .createTable('import_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('applied'))
    .addColumn('rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('undone_at', 'text')
    .execute();

  await db.schema
    .createTable('companies')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('parent_id', 'integer', (c) => c.references('companies.id'))
    .addColumn('billing_email', 'text')
    .addColumn('address', 'text')
    .addColumn('tax_id', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    // lower-cased e-mail: unique when present
    .addColumn('email_key', 'text')
    .addColumn('phone', 'text')
    .addColumn('address', 'text')
    .addColumn('tax_id', 'text')
    .addColumn('company_id', 'integer', (c) => c.references('companies.id'))
    .addColumn('paid_by_id', 'integer', (c) => c.references('members.id'))
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('members_email_key')
    .on('members')
    .column('email_key')
    .unique()
    .where(sql.ref('email_key'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('members_external_id')
    .on('members')
    .column('external_id')
    .unique()
    .where(sql.ref('external_id'), 'is not', null)
    .execute();
  await db.schema.createIndex('members_name').on('members').column('name').execute();
  await db.schema.createIndex('members_company').on('members').column('company_id').execute();
  await db.schema.createIndex('members_paid_by').on('members').column('paid_by_id').execute();

  await db.schema
    .createTable('member_fields')
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_fields_pk', ['member_id', 'key'])
    .execute();

  // A tag may be written `Category/Tag`; the category is the part before the first slash.
  await db.schema
    .createTable('tags')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .execute();
  await db.schema
    .createTable('member_tags')
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('tag_id', 'integer', (c) => c.notNull().references('tags.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('member_tags_pk', ['member_id', 'tag_id'])
    .execute();
  await db.schema.createIndex('member_tags_tag').on('member_tags').column('tag_id').execute();

  await db.schema
    .createTable('notes')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notes_member').on('notes').column('member_id').execute();

  await db.schema
    .createTable('memberships')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('plan_id', 'integer', (c) => c.notNull().references('plans.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(1).check(sql`quantity >= 1`))
    .addColumn('start_date', date, (c) => c.notNull())
    // the next recurring invoice date; billing advances it
    .addColumn('next_invoice_date', date, (c) => c.notNull())
    // day of month of the first recurring invoice date: periods are computed from it, never chained
    .addColumn('anchor_day', 'integer', (c) => c.notNull())
    // for imported memberships: the period before this date counts as paid without an invoice
    .addColumn('covered_until', date)
    .addColumn('end_date', date)
    .addColumn('auto_renew', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('auto_renew_until', date)
    .addColumn('do_not_renew', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('do_not_renew_reason', 'text')
    .addColumn('intervention_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('intervention_reason', 'text')
    .addColumn('prorate_first', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('external_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('memberships_member').on('memberships').column('member_id').execute();
  await db.schema.createIndex('memberships_plan').on('memberships').column('plan_id').execute();
  await db.schema.createIndex('memberships_next_invoice').on('memberships').column('next_invoice_date').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['memberships', 'notes', 'member_tags', 'tags', 'member_fields', 'members', 'companies', 'import_batches']) {
    await db.schema.dropTable(table).execute();
  }
}
