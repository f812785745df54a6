import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.

/**
 * A membership's own net price per period, in minor units of its plan's currency; null (every membership so far)
 * follows the plan's price.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('memberships').addColumn('price', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('memberships').dropColumn('price').execute();
}
