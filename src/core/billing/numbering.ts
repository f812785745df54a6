/**
 * Gapless document numbers per prefix and year: `INV-2026-00001`, `CN-2026-00001`.
 *
 * A number is taken by advancing the `number_sequences` row in the transaction that writes the document: a
 * rollback (or a process killed before commit) gives the number back, and the row lock serialises concurrent
 * writers on PostgreSQL (SQLite has one writer at a time anyway).
 */
import { sql } from 'kysely';
import type { Queryable } from '../../db/connect.js';

export function formatNumber(prefix: string, year: number, n: number): string {
  return `${prefix}${year}-${String(n).padStart(5, '0')}`;
}

/** The year a document dated `date` (YYYY-MM-DD) is numbered in. */
export const yearOf = (date: string): number => Number(date.slice(0, 4));

/**
 * Takes the next `count` numbers of the prefix and year, in order. Call it inside the transaction that writes
 * the documents, never outside one.
 */
export async function allocateNumbers(trx: Queryable, prefix: string, year: number, count: number): Promise<string[]> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a whole number, got ${count}`);
  if (count === 0) return [];
  const row = await trx
    .insertInto('number_sequences')
    .values({ prefix, year, last: count })
    .onConflict((oc) => oc.columns(['prefix', 'year']).doUpdateSet({ last: sql<number>`number_sequences.last + ${count}` }))
    .returning('last')
    .executeTakeFirstOrThrow();
  const last = Number(row.last);
  return Array.from({ length: count }, (_, i) => formatNumber(prefix, year, last - count + 1 + i));
}

/** The last number taken for the prefix and year (0 when none): for checks and previews, never to allocate. */
export async function lastNumber(db: Queryable, prefix: string, year: number): Promise<number> {
  const row = await db
    .selectFrom('number_sequences')
    .select('last')
    .where('prefix', '=', prefix)
    .where('year', '=', year)
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}
