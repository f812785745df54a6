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

/** The `number_sequences` year of member numbers, which run on across years: `M-00001`. */
const memberNumberYear = 0;

export const formatMemberNumber = (prefix: string, n: number): string => `${prefix}${String(n).padStart(5, '0')}`;

/**
 * Gives a member number to each of `payerIds` (in that order) that has none yet, inside the transaction that issues
 * their first invoices: a rollback gives the numbers back, a number given is never changed or taken again. A few
 * queries whatever the number of payers.
 */
export async function assignMemberNumbers(trx: Queryable, prefix: string, payerIds: readonly number[]): Promise<Map<number, string>> {
  const given = new Map<number, string>();
  const without = new Set<number>();
  for (let start = 0; start < payerIds.length; start += 500) {
    const chunk = payerIds.slice(start, start + 500);
    const rows = await trx.selectFrom('members').select('id').where('id', 'in', chunk).where('member_number', 'is', null).execute();
    for (const row of rows) without.add(row.id);
  }
  const ids = [...new Set(payerIds)].filter((id) => without.has(id));
  if (ids.length === 0) return given;
  const row = await trx
    .insertInto('number_sequences')
    .values({ prefix, year: memberNumberYear, last: ids.length })
    .onConflict((oc) => oc.columns(['prefix', 'year']).doUpdateSet({ last: sql<number>`number_sequences.last + ${ids.length}` }))
    .returning('last')
    .executeTakeFirstOrThrow();
  const first = Number(row.last) - ids.length + 1;
  for (const [i, id] of ids.entries()) given.set(id, formatMemberNumber(prefix, first + i));
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const cases = chunk.map((id) => sql`when ${id} then ${given.get(id)!}`);
    await sql`update members set member_number = case id ${sql.join(cases, sql` `)} end where id in (${sql.join(chunk)})`.execute(trx);
  }
  return given;
}
