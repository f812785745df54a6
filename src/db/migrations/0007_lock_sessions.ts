import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.

/**
 * The PostgreSQL session that holds a job lock (its server process id), so that a job_locks row can be told from
 * one a dead holder left. Older programs refuse the database from here on: they would not take the lock file or the
 * advisory lock that now make a lock.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('job_locks').addColumn('backend_pid', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('job_locks').dropColumn('backend_pid').execute();
}
