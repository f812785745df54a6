import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.

/**
 * A payment may carry the idempotency key its recorder gave (`payments record --key`): the same key again finds the
 * payment already recorded instead of recording it twice. Unique where given (NULLs do not collide).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payments').addColumn('idempotency_key', 'text').execute();
  await db.schema.createIndex('payments_idempotency_key').unique().on('payments').column('idempotency_key').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('payments_idempotency_key').execute();
  await db.schema.alterTable('payments').dropColumn('idempotency_key').execute();
}
