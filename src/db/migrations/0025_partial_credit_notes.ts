import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.

/**
 * A credit note for part of one invoice line: `line_id` names the line it credits (null: the whole invoice, or a
 * deposit's refund issued before this column, which `charge_id` names), `days` the days of the line's period it
 * credits when it was given in days (null: an amount, or a whole line).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('credit_notes').addColumn('line_id', 'integer', (c) => c.references('invoice_lines.id')).execute();
  await db.schema.alterTable('credit_notes').addColumn('days', 'integer').execute();
  await db.schema.createIndex('credit_notes_line').on('credit_notes').column('line_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('credit_notes_line').execute();
  await db.schema.alterTable('credit_notes').dropColumn('days').execute();
  await db.schema.alterTable('credit_notes').dropColumn('line_id').execute();
}
