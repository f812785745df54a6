/**
 * Bulk INSERT and UPDATE for imports, inside the caller's transaction. PostgreSQL: `insert ... select from
 * unnest(...)` with one array parameter per column, so the statement text is the same whatever its number of
 * rows (short to send, parse and plan, unlike a VALUES list of thousands of parameters) and no statement comes
 * near the 65535-parameter limit. SQLite: prepared multi-row statements of a few dozen rows, run on the very connection the
 * kysely transaction holds (no round trips there; each statement is compiled once, not once per use).
 */
import { CompiledQuery } from 'kysely';
import type { Db, Dialect, Queryable, SqliteStatements } from '../../db/connect.js';
import { type AuditChange, type AuditSource, auditChangeColumns, auditSourceColumns } from './audit.js';

/** Where bulk writes go: the transaction, and on SQLite the connection under it. */
export interface BulkTarget {
  query: Queryable;
  dialect: Dialect;
  sqlite?: SqliteStatements | undefined;
}

export const bulkTarget = (db: Db, query: Queryable): BulkTarget => ({ query, dialect: db.dialect, sqlite: db.sqlite });

/** Bound parameters per multi-row statement (SQLite through kysely alone). */
const maxParameters = 30_000;
/** Rows per multi-row statement: keeps each statement and its result small. */
const maxRows = 500;

export type SqlValue = string | number | null;

const quote = (name: string) => `"${name}"`;

/** `(cast(? as integer), ...), ...`: `rows` groups of `columns` parameters, each cast to its type when it has one. */
function placeholders(rows: number, columns: number, cast: readonly (string | null)[] = []): string {
  const cells: string[] = [];
  for (let c = 0; c < columns; c += 1) cells.push(cast[c] ? `cast(? as ${cast[c]})` : '?');
  return new Array(rows).fill(`(${cells.join(', ')})`).join(', ');
}

/** Rows per statement of `columns` values each. */
const chunkSize = (columns: number) => Math.max(1, Math.min(maxRows, Math.floor(maxParameters / columns)));

/** Values the same in every row of an insert, by column: bound once per statement rather than once per row. */
export type SameInEveryRow = Readonly<Record<string, SqlValue>>;

/**
 * SQLite: `insert into t (a, b, c) values (?, ?, @c0), (?, ?, @c0)` for `rows` rows of `columns`, then the `constants`
 * columns, which every row takes from the same parameters, bound by name.
 */
function insertText(table: string, columns: readonly string[], constants: readonly string[], rows: number): string {
  const group = `(${[...columns.map(() => '?'), ...constants.map((_, i) => `@c${i}`)].join(', ')})`;
  return `insert into ${quote(table)} (${[...columns, ...constants].map(quote).join(', ')}) values ${new Array(rows).fill(group).join(', ')}`;
}

/** Rows per prepared multi-row INSERT on SQLite: fewer steps than one per row, shorter statements than a long one. */
const sqliteGroupRows = 16;
const sqliteMaxParameters = 32_000;

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
 * Inserts `rows` (values in the order of `columns`), each with the values of `constants` too. With `returnIds`,
 * returns the new ids in the order of `rows` (PostgreSQL: the ids of one statement in ascending order, the order it
 * inserts unnest's rows in).
 */
export async function insertRows(
  target: BulkTarget,
  table: string,
  columns: readonly string[],
  rows: readonly SqlValue[][],
  returnIds = false,
  constants: SameInEveryRow = {},
): Promise<number[]> {
  const ids: number[] = [];
  if (rows.length === 0) return ids;
  const constantColumns = Object.keys(constants);
  const shared = Object.values(constants);
  const width = columns.length;
  // a short or long row would shift every value after it into the wrong column
  const checked = (row: readonly SqlValue[]) => {
    if (row.length !== width) throw new Error(`insert into ${table}: a row has ${row.length} values for ${width} columns`);
    return row;
  };
  if (target.sqlite) {
    const named = Object.fromEntries(shared.map((value, i) => [`c${i}`, value]));
    // groups of rows through one prepared multi-row statement (a step per group, not per row), the rest one by one
    const group = Math.max(1, Math.min(sqliteGroupRows, Math.floor((sqliteMaxParameters - shared.length) / width)));
    const values: SqlValue[] = new Array(group * width);
    let start = 0;
    if (rows.length >= group && group > 1) {
      const grouped = cachedStatement(target.sqlite, insertText(table, columns, constantColumns, group));
      for (; start + group <= rows.length; start += group) {
        let n = 0;
        for (let r = start; r < start + group; r += 1) for (const value of checked(rows[r]!)) values[n++] = value;
        const info = grouped.run(values, named);
        if (returnIds) {
          // one statement, under the write lock the transaction holds, numbers its rows one after the other in the
          // order of its VALUES (each takes the largest id so far plus one): the last id gives them all
          if (info.changes !== group) throw new Error(`insert into ${table}: ${info.changes} rows inserted of ${group}`);
          const last = Number(info.lastInsertRowid);
          for (let id = last - group + 1; id <= last; id += 1) ids.push(id);
        }
      }
    }
    const statement = cachedStatement(target.sqlite, insertText(table, columns, constantColumns, 1));
    for (let r = start; r < rows.length; r += 1) {
      const info = statement.run(checked(rows[r]!), named);
      if (returnIds) ids.push(Number(info.lastInsertRowid));
    }
    return ids;
  }
  if (target.dialect === 'postgres') {
    for (const row of rows) checked(row);
    return insertUnnest(target, table, columns, rows, returnIds, constantColumns, shared);
  }
  // SQLite reached through kysely alone binds its parameters in order, so each row repeats the constants
  const rowColumns = [...columns, ...constantColumns];
  const size = chunkSize(rowColumns.length);
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    const text = `${insertText(table, rowColumns, [], part.length)}${returnIds ? ' returning "id"' : ''}`;
    const values: SqlValue[] = [];
    for (const row of part) {
      for (const value of checked(row)) values.push(value);
      values.push(...shared);
    }
    const result = await target.query.executeQuery<{ id: number }>(CompiledQuery.raw(text, values));
    if (returnIds) {
      const got = result.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      if (got.length !== part.length) throw new Error(`insert into ${table}: expected ${part.length} ids, got ${got.length}`);
      ids.push(...got);
    }
  }
  return ids;
}

/** Rows per PostgreSQL `unnest` statement: its parameters are one array per column, so only the statement's size bounds it. */
const unnestRows = 5000;

/** The PostgreSQL types of the columns of each table written through a target, looked up once per target. */
const columnTypes = new WeakMap<BulkTarget, Map<string, Promise<Map<string, string>>>>();

function typesOf(target: BulkTarget, table: string): Promise<Map<string, string>> {
  let tables = columnTypes.get(target);
  if (!tables) {
    tables = new Map();
    columnTypes.set(target, tables);
  }
  let types = tables.get(table);
  if (!types) {
    types = target.query
      .executeQuery<{ name: string; type: string }>(
        CompiledQuery.raw(
          'select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = cast($1 as regclass) and attnum > 0 and not attisdropped',
          [quote(table)],
        ),
      )
      .then((result) => new Map(result.rows.map((r) => [r.name, r.type])));
    // a failed look-up is not kept: the transaction it ran in fails with it
    types.catch(() => tables.delete(table));
    tables.set(table, types);
  }
  return types;
}

/**
 * PostgreSQL: `insert into t (a, b, k) select u.*, $3 from unnest($1::text[], $2::integer[]) as u`, one array
 * parameter per column (the constants after them, bound once), so a statement of thousands of rows is parsed
 * and planned as fast as one of a single row. unnest gives the rows in the order of the arrays, and one
 * statement takes its ids from the sequence in the order it inserts them: the ids, sorted, are those of `rows`.
 */
async function insertUnnest(
  target: BulkTarget,
  table: string,
  columns: readonly string[],
  rows: readonly SqlValue[][],
  returnIds: boolean,
  constantColumns: readonly string[],
  shared: readonly SqlValue[],
): Promise<number[]> {
  const types = await typesOf(target, table);
  const typeOf = (column: string) => {
    const type = types.get(column);
    if (type === undefined) throw new Error(`insert into ${table}: no column ${column}`);
    return type;
  };
  const width = columns.length;
  const arrays = columns.map((column, c) => `cast($${c + 1} as ${typeOf(column)}[])`);
  const constants = constantColumns.map((column, k) => `cast($${width + k + 1} as ${typeOf(column)})`);
  const names = columns.map((_, c) => `"u"."c${c}"`);
  const text =
    `insert into ${quote(table)} (${[...columns, ...constantColumns].map(quote).join(', ')}) ` +
    `select ${[...names, ...constants].join(', ')} from unnest(${arrays.join(', ')}) as "u"(${columns.map((_, c) => `"c${c}"`).join(', ')})` +
    (returnIds ? ' returning "id"' : '');
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += unnestRows) {
    const end = Math.min(rows.length, i + unnestRows);
    const values: SqlValue[][] = columns.map(() => new Array(end - i));
    for (let r = i; r < end; r += 1) {
      const row = rows[r]!;
      for (let c = 0; c < width; c += 1) values[c]![r - i] = row[c]!;
    }
    const result = await target.query.executeQuery<{ id: number }>(CompiledQuery.raw(text, [...values, ...shared]));
    if (returnIds) {
      const got = result.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      if (got.length !== end - i) throw new Error(`insert into ${table}: expected ${end - i} ids, got ${got.length}`);
      ids.push(...got);
    }
  }
  return ids;
}

const auditChangeKeys = ['action', 'entity', 'entity_id', 'member_id', 'before', 'after', 'summary'] as const;

/** Inserts the audit entries of one source (an import, its undo, an invoicing run), its columns bound once per statement. */
export async function insertAudits(target: BulkTarget, source: AuditSource, changes: readonly AuditChange[]): Promise<void> {
  const rows = changes.map((change) => {
    const row = auditChangeColumns(change);
    return auditChangeKeys.map((key) => row[key]);
  });
  await insertRows(target, 'audit_log', auditChangeKeys, rows, false, auditSourceColumns(source));
}

/**
 * Sets one integer column of many rows by id (`pairs`: [id, value]): on SQLite a prepared update per row, on
 * PostgreSQL `update t set col = v.value from unnest(ids, values) as v(id, value) where t.id = v.id` per chunk, on
 * SQLite reached through kysely alone `with v(id, value) as (values ...) update t set col = (select value from v
 * where v.id = t.id) where id in (select id from v)`.
 */
export async function updateColumnById(target: BulkTarget, table: string, column: string, pairs: ReadonlyArray<readonly [number, number | null]>): Promise<void> {
  if (target.sqlite) {
    const statement = cachedStatement(target.sqlite, `update ${quote(table)} set ${quote(column)} = ? where "id" = ?`);
    for (const [id, value] of pairs) statement.run(value, id);
    return;
  }
  if (target.dialect === 'postgres') {
    // one array per column, as insertRows does: thousands of rows per statement
    for (let i = 0; i < pairs.length; i += unnestRows) {
      const part = pairs.slice(i, i + unnestRows);
      const text =
        `update ${quote(table)} set ${quote(column)} = "v"."value" ` +
        `from unnest(cast($1 as integer[]), cast($2 as integer[])) as "v"("id", "value") where ${quote(table)}."id" = "v"."id"`;
      await target.query.executeQuery(CompiledQuery.raw(text, [part.map((p) => p[0]), part.map((p) => p[1])]));
    }
    return;
  }
  const size = chunkSize(2);
  for (let i = 0; i < pairs.length; i += size) {
    const part = pairs.slice(i, i + size);
    const values = placeholders(part.length, 2, ['integer', 'integer']);
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

/** Below this many rows to write, indexes are kept up row by row. */
const deferIndexRows = 10_000;

/**
 * SQLite, for a large load: drops the secondary indexes of each of `tables` that will receive at least as many rows
 * as it holds, and returns what builds them again, to run before the transaction commits. Building an index once
 * from sorted keys costs a fraction of inserting the same keys one by one in random order. A crash or a rollback
 * in between takes the drop back with the rest of the transaction; a unique index that no longer holds fails its
 * build, and with it the transaction. Does nothing on PostgreSQL or for a small load.
 */
export async function deferIndexes(target: BulkTarget, tables: ReadonlyArray<{ table: string; rows: number }>): Promise<() => Promise<void>> {
  const restore: string[] = [];
  if (target.dialect === 'sqlite') {
    for (const { table, rows } of tables) {
      if (rows < deferIndexRows) continue;
      const count = await target.query.executeQuery<{ n: number }>(CompiledQuery.raw(`select count(*) as n from ${quote(table)}`));
      if (Number(count.rows[0]?.n ?? 0) > rows) continue;
      // automatic indexes (primary keys, unique constraints) have no sql and stay
      const indexes = await target.query.executeQuery<{ name: string; sql: string }>(
        CompiledQuery.raw(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`, [table]),
      );
      for (const { name, sql } of indexes.rows) {
        await target.query.executeQuery(CompiledQuery.raw(`drop index ${quote(name)}`));
        restore.push(sql);
      }
    }
  }
  return async () => {
    for (const sql of restore.splice(0)) await target.query.executeQuery(CompiledQuery.raw(sql));
  };
}
