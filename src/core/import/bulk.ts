/**
 * Bulk INSERT and UPDATE for imports, inside the caller's transaction. PostgreSQL: multi-row statements of a
 * few hundred rows, values bound as parameters (well below its 65535-parameter limit), so 100k rows take a few
 * hundred round trips. SQLite: one prepared statement per table run for every row on the very connection the
 * kysely transaction holds (no round trips there; compiling multi-row statements would cost twice the CPU).
 */
import { CompiledQuery } from 'kysely';
import type { Db, Dialect, Queryable, SqliteStatements } from '../../db/connect.js';

/** Where bulk writes go: the transaction, and on SQLite the connection under it. */
export interface BulkTarget {
  query: Queryable;
  dialect: Dialect;
  sqlite?: SqliteStatements | undefined;
}

export const bulkTarget = (db: Db, query: Queryable): BulkTarget => ({ query, dialect: db.dialect, sqlite: db.sqlite });

/** Bound parameters per multi-row statement. */
const maxParameters = 30_000;
/** Rows per multi-row statement: keeps each statement and its result small. */
const maxRows = 500;

export type SqlValue = string | number | null;

const quote = (name: string) => `"${name}"`;

function placeholders(dialect: Dialect, rows: number, columns: number, first = 1, cast: readonly (string | null)[] = []): string {
  const groups: string[] = [];
  let n = first;
  for (let r = 0; r < rows; r += 1) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c += 1) {
      const mark = dialect === 'postgres' ? `$${n}` : '?';
      const type = cast[c];
      cells.push(type ? `cast(${mark} as ${type})` : mark);
      n += 1;
    }
    groups.push(`(${cells.join(', ')})`);
  }
  return groups.join(', ');
}

const chunkSize = (columns: number) => Math.max(1, Math.min(maxRows, Math.floor(maxParameters / columns)));

const insertTexts = new WeakMap<readonly string[], Map<string, string>>();

/** `insert into t (a, b) values (?, ?)`, built once per column list: rows are inserted one by one on SQLite. */
function insertText(table: string, columns: readonly string[]): string {
  let byTable = insertTexts.get(columns);
  if (!byTable) {
    byTable = new Map();
    insertTexts.set(columns, byTable);
  }
  let text = byTable.get(table);
  if (text === undefined) {
    text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
    byTable.set(table, text);
  }
  return text;
}

const statements = new WeakMap<SqliteStatements, Map<string, ReturnType<SqliteStatements['prepare']>>>();

function cachedStatement(sqlite: SqliteStatements, text: string) {
  let cache = statements.get(sqlite);
  if (!cache) {
    cache = new Map();
    statements.set(sqlite, cache);
  }
  let statement = cache.get(text);
  if (!statement) {
    statement = sqlite.prepare(text);
    cache.set(text, statement);
  }
  return statement;
}

/**
 * Inserts `rows` (values in the order of `columns`). With `returnIds`, returns the new ids in the order of
 * `rows` (PostgreSQL: the ids of one statement in ascending order, the order it inserts VALUES rows in).
 */
export async function insertRows(
  target: BulkTarget,
  table: string,
  columns: readonly string[],
  rows: readonly SqlValue[][],
  returnIds = false,
): Promise<number[]> {
  const ids: number[] = [];
  if (rows.length === 0) return ids;
  if (target.sqlite) {
    const statement = cachedStatement(target.sqlite, insertText(table, columns));
    for (const row of rows) {
      const info = statement.run(row);
      if (returnIds) ids.push(Number(info.lastInsertRowid));
    }
    return ids;
  }
  const size = chunkSize(columns.length);
  const head = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values `;
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    const text = `${head}${placeholders(target.dialect, part.length, columns.length)}${returnIds ? ' returning "id"' : ''}`;
    const result = await target.query.executeQuery<{ id: number }>(CompiledQuery.raw(text, part.flat()));
    if (returnIds) {
      const got = result.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      if (got.length !== part.length) throw new Error(`insert into ${table}: expected ${part.length} ids, got ${got.length}`);
      ids.push(...got);
    }
  }
  return ids;
}

/**
 * Sets one integer column of many rows by id (`pairs`: [id, value]), a statement per chunk, on both databases:
 * `with v(id, value) as (values ...) update t set col = (select value from v where v.id = t.id) where id in (select id from v)`.
 */
export async function updateColumnById(target: BulkTarget, table: string, column: string, pairs: ReadonlyArray<readonly [number, number | null]>): Promise<void> {
  if (target.sqlite) {
    const statement = cachedStatement(target.sqlite, `update ${quote(table)} set ${quote(column)} = ? where "id" = ?`);
    for (const [id, value] of pairs) statement.run(value, id);
    return;
  }
  const size = chunkSize(2);
  for (let i = 0; i < pairs.length; i += size) {
    const part = pairs.slice(i, i + size);
    const values = placeholders(target.dialect, part.length, 2, 1, ['integer', 'integer']);
    const text =
      `with "v"("id", "value") as (values ${values}) ` +
      `update ${quote(table)} set ${quote(column)} = (select "value" from "v" where "v"."id" = ${quote(table)}."id") ` +
      `where "id" in (select "id" from "v")`;
    await target.query.executeQuery(CompiledQuery.raw(text, part.flat() as SqlValue[]));
  }
}

/** Runs `fn` over `ids` in chunks small enough for an `in (...)` list. */
export async function inChunks<T>(ids: readonly T[], fn: (chunk: T[]) => Promise<void>, size = 5000): Promise<void> {
  for (let i = 0; i < ids.length; i += size) await fn(ids.slice(i, i + size));
}
