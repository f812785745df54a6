import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

/**
 * The mail outbox: one row per message to send, queued in the same transaction as its cause (an invoice issued, a
 * renewal opened...), sent later by `mail send`. The message is rendered at send time from its subject; the row
 * holds who it goes to, its state, and what each attempt to send it gave.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = pg ? 'serial' : 'integer';

  await db.schema
    .createTable('mail_messages')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('invoice', 'credit_note', 'renewal_notice', 'renewal_reminder', 'reminder', 'suspension_notice', 'receipt')`),
    )
    .addColumn('subject_type', 'text', (c) => c.notNull().check(sql`subject_type in ('invoice', 'credit_note', 'renewal', 'membership', 'person')`))
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    // which message of its kind about that subject: "issued", a reminder's day ("day-7"), a term's start...
    .addColumn('stage', 'text', (c) => c.notNull())
    // the person it is about (for listing by member); no foreign key: the outbox outlives merges and undos
    .addColumn('member_id', 'integer')
    // JSON arrays of addresses
    .addColumn('to_addresses', 'text', (c) => c.notNull())
    .addColumn('cc_addresses', 'text', (c) => c.notNull())
    .addColumn('bcc_addresses', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('fr', 'en')`))
    // JSON of what the message needs beyond its subject (a reminder's days overdue...)
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'sending', 'sent', 'failed', 'skipped', 'cancelled')`))
    .addColumn('skip_reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // ISO timestamp; null: as soon as possible
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text')
    .addColumn('server_reply', 'text')
    // the sender that claimed it (host/pid/random) and until when the claim holds
    .addColumn('claimed_by', 'text')
    .addColumn('claim_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // No number of runs queues the same message twice.
  await db.schema.createIndex('mail_messages_once').on('mail_messages').columns(['kind', 'subject_type', 'subject_id', 'stage']).unique().execute();
  await db.schema.createIndex('mail_messages_due').on('mail_messages').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('mail_messages_member').on('mail_messages').column('member_id').execute();

  // Every attempt to send a message, and what came of it.
  await db.schema
    .createTable('mail_attempts')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('message_id', 'integer', (c) => c.notNull().references('mail_messages.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('sent', 'retry', 'failed', 'written')`))
    .addColumn('reply', 'text')
    .execute();
  await db.schema.createIndex('mail_attempts_message').on('mail_attempts').column('message_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_attempts').execute();
  await db.schema.dropTable('mail_messages').execute();
}
