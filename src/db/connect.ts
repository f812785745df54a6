import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { type DatabaseConnection, type Driver, Kysely, type SqliteDatabase, type SqliteDialectConfig, type SqliteStatement, type Transaction } from 'kysely';
import { cantCreateError, configError, ExitCode, isBusyError, UserError } from '../errors.js';
import { databaseEnvironmentError } from './environment-errors.js';
import type { Database } from './types.js';
import { maskDbUrl } from './url-mask.js';

export type Dialect = 'sqlite' | 'postgres';
export type DbTarget = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

/** How long a SQLite connection waits for another one's lock before giving up (exit 75). */
const busyTimeoutMs = 10_000;

/** Query functions take either the database or a transaction. */
export type Queryable = Kysely<Database> | Transaction<Database>;

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** The URL as given, with any password hidden, for messages. */
  label: string;
  close(): Promise<void>;
  /**
   * SQLite only: the connection kysely runs on, for bulk inserts inside a kysely transaction (imports, jobs):
   * statements prepared once and run again for every few rows cost a fraction of statements kysely compiles each time.
   */
  sqlite?: SqliteStatements;
  /**
   * SQLite only: copies the whole database into the file `destination` with SQLite's online backup, as of one
   * moment, while other connections go on reading and writing.
   */
  backup?: (destination: string) => Promise<{ pages: number }>;
}

/** The part of a better-sqlite3 connection that bulk writers use. */
export interface SqliteStatements {
  prepare(sql: string): { run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint } };
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

/**
 * Runs a transaction, and runs it once more if it lost a race on a unique key (PostgreSQL's unique_violation): two
 * processes that each found no row with an e-mail or a company name, then both inserted it. The second run sees the
 * row the other process committed and takes it into account (a contact updated, an e-mail refused as taken). SQLite
 * never needs it: its transactions take the write lock when they begin.
 */
export async function retryingUniqueRace<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  try {
    return await db.kysely.transaction().execute(fn);
  } catch (error) {
    if ((error as { code?: unknown }).code !== '23505') throw error;
    return db.kysely.transaction().execute(fn);
  }
}

/** The database cannot be reached or opened (78): a server that does not answer, a file SQLite cannot open. */
const unreachable = (message: string) => new UserError(message, { exitCode: ExitCode.config, kind: 'database_unreachable' });

/** Interprets `--db`: a plain path or `sqlite:PATH` is a SQLite file, `postgres://` or `postgresql://` a server. */
export function parseDbUrl(url: string): DbTarget {
  const trimmed = url.trim();
  if (trimmed === '') throw configError('--db is empty: give a file path or a postgres:// URL');
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw configError(`--db: "${maskDbUrl(trimmed)}" is not a valid PostgreSQL URL (expected postgres://user:pass@host:port/db)`);
    }
    if (!parsed.hostname) throw configError(`--db: "${maskDbUrl(trimmed)}" has no host`);
    if (parsed.pathname.replace(/^\//, '') === '') throw configError(`--db: "${maskDbUrl(trimmed)}" names no database`);
    if (parsed.pathname.includes('@')) {
      // `postgres://u:pa/ss@host/db` reads as host "u" and database "ss@host/db"
      throw configError(`--db: "${maskDbUrl(trimmed)}" has an "@" after its host`, 'write the characters @ / ? # : of a password percent-encoded (%40 %2F %3F %23 %3A)');
    }
    checkSslMode(parsed, trimmed);
    return { dialect: 'postgres', url: trimmed };
  }
  if (/^sqlite:/i.test(trimmed)) {
    const file = trimmed.replace(/^sqlite:(\/\/)?/i, '');
    if (file === '') throw configError('--db: sqlite: needs a file path, e.g. sqlite:./memberctl.db');
    return { dialect: 'sqlite', file };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw configError(`--db: unsupported database URL "${maskDbUrl(trimmed)}" (use a file path, sqlite:PATH or postgres://...)`);
  }
  return { dialect: 'sqlite', file: trimmed };
}

export async function openDb(url: string): Promise<Db> {
  const target = parseDbUrl(url);
  switch (target.dialect) {
    case 'sqlite':
      return openSqlite(target.file);
    case 'postgres':
      return openPostgres(target.url);
  }
}

async function openSqlite(file: string): Promise<Db> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  const { CompiledQuery, SqliteDialect, SqliteDriver } = await import('kysely');
  // A transaction takes SQLite's write lock when it begins (`begin immediate`), so a second memberctl writing at the
  // same time waits for it (busy timeout) instead of failing when its read would have to turn into a write.
  class ImmediateSqliteDriver extends SqliteDriver {
    override async beginTransaction(connection: DatabaseConnection): Promise<void> {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    }
    // SQLite rolls back by itself a transaction that fails on a full disk or an I/O error: a rollback would then fail
    // ("no transaction is active") and hide why the transaction failed
    override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
      if (database.inTransaction) await super.rollbackTransaction(connection);
    }
  }
  class ImmediateSqliteDialect extends SqliteDialect {
    constructor(private readonly config: SqliteDialectConfig) {
      super(config);
    }
    override createDriver(): Driver {
      return new ImmediateSqliteDriver(this.config);
    }
  }
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw unreachable(`--db: folder ${dir} does not exist`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw configError(`--db: ${file} is a folder, not a database file`);
  let database: InstanceType<typeof SqliteDatabase>;
  try {
    createPrivately(file);
    database = new SqliteDatabase(file, { timeout: busyTimeoutMs });
    await useWal(database);
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
  } catch (error) {
    // busy: the caller says so (exit 75), as for any other lock
    if (isBusyError(error) || error instanceof UserError) throw error;
    throw databaseEnvironmentError(error, file) ?? unreachable(`--db: cannot open SQLite database ${file}: ${(error as Error).message}`);
  }
  const kysely = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withRowsBuiltInJs(database) }) });
  const backup = async (destination: string) => {
    // every page in one step, inside one read transaction of the source: a copy made a hundred pages at a time
    // starts over whenever another process writes between two steps (hundreds of times for a 20 MB database under
    // a steady writer). In WAL mode that read transaction holds back no writer.
    const { totalPages } = await database.backup(destination, { progress: () => allPagesAtOnce });
    return { pages: totalPages };
  };
  return { kysely, dialect: 'sqlite', label: file, close: () => kysely.destroy(), sqlite: database, backup };
}

/** The most pages better-sqlite3 copies in one step of a backup: all of them. */
const allPagesAtOnce = 0x7fffffff;

/**
 * Creates a new database file readable and writable by its owner only (0600): it holds people's names, addresses and
 * payments. SQLite gives its `-wal`, `-shm` and `-journal` files the mode of the database file. An empty file is
 * what SQLite makes a new database of; an existing database keeps its mode.
 */
function createPrivately(file: string): void {
  if (file === ':memory:') return;
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // there already: another process may just have created it
    if (code === 'EEXIST') return;
    if (code === 'EACCES' || code === 'EROFS') {
      throw cantCreateError(`cannot create the database ${file}: its folder ${path.dirname(path.resolve(file))} is not writable by this user`, 'choose another --db, or make the folder writable');
    }
    throw error;
  }
}

/** Row builders by column list: a SELECT's columns seldom vary, while kysely prepares its statement at every query. */
const rowBuilders = new Map<string, (values: unknown[]) => Record<string, unknown>>();

/**
 * A function making a row object out of the values of `names`, written as an object literal: its objects share one
 * shape and keep fast properties, where objects filled key by key in a loop fall into dictionary mode.
 */
function rowBuilder(names: readonly string[]): (values: unknown[]) => Record<string, unknown> {
  const key = names.join('\u0000');
  let build = rowBuilders.get(key);
  if (!build) {
    // a literal would read "__proto__" as the prototype: such a column is filled key by key
    build = names.includes('__proto__')
      ? (values) => Object.fromEntries(names.map((name, i) => [name, values[i]]))
      : (new Function('v', `return { ${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')} };`) as (values: unknown[]) => Record<string, unknown>);
    rowBuilders.set(key, build);
  }
  return build;
}

/**
 * The connection as kysely sees it, with the rows of a SELECT read as arrays and turned into objects here:
 * better-sqlite3 builds each row object through the V8 API, which takes several times longer than an object
 * literal, and listing or re-importing 100k members reads hundreds of thousands of rows. A column named twice keeps
 * its last value, as with better-sqlite3's own objects.
 */
function withRowsBuiltInJs(database: BetterSqlite3.Database): SqliteDatabase {
  // kysely prepares every query it runs: statements are kept by their SQL, the most recently used ones, since a run
  // that records thousands of payments or invoices runs the same few dozen queries thousands of times
  const prepared = new Map<string, { statement: BetterSqlite3.Statement; wrapped: SqliteStatement }>();
  const wrap = (statement: BetterSqlite3.Statement): SqliteStatement => {
    if (!statement.reader) return statement;
    const toObject = rowBuilder(statement.columns().map((column) => column.name));
    const raw = statement.raw(true);
    return {
      reader: true,
      all: (parameters) => (raw.all(parameters) as unknown[][]).map(toObject),
      run: (parameters) => raw.run(parameters),
      *iterate(parameters) {
        for (const values of raw.iterate(parameters) as IterableIterator<unknown[]>) yield toObject(values);
      },
    };
  };
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      // a schema change can change what `SELECT *` returns: nothing prepared before it is kept
      if (schemaChange.test(sql)) {
        prepared.clear();
        return wrap(database.prepare(sql));
      }
      const kept = prepared.get(sql);
      // a statement still iterating its rows cannot run again: that query gets one of its own
      if (kept && !kept.statement.busy) {
        prepared.delete(sql);
        prepared.set(sql, kept);
        return kept.wrapped;
      }
      const statement = database.prepare(sql);
      const entry = { statement, wrapped: wrap(statement) };
      if (!kept) {
        prepared.set(sql, entry);
        if (prepared.size > preparedKept) prepared.delete(prepared.keys().next().value!);
      }
      return entry.wrapped;
    },
  };
}

/** How many prepared statements a SQLite connection keeps. */
const preparedKept = 256;
const schemaChange = /^\s*(create|alter|drop)\b/i;

async function openPostgres(url: string): Promise<Db> {
  const { default: pg } = await import('pg');
  const { PostgresDialect } = await import('kysely');
  // Calendar dates stay `YYYY-MM-DD` strings; bigint aggregates (COUNT, SUM) become numbers.
  pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));
  const pool = new pg.Pool({ connectionString: withLibpqSslModes(url), max: 4, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw unreachable(`--db: cannot connect to PostgreSQL at ${maskDbUrl(url)}: ${(error as Error).message}`);
  }
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', label: maskDbUrl(url), close: () => kysely.destroy() };
}

const sslModes = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

function checkSslMode(parsed: URL, url: string): void {
  const mode = parsed.searchParams.get('sslmode');
  if (mode === null) return;
  if (!sslModes.includes(mode)) {
    throw configError(`--db: "${maskDbUrl(url)}": sslmode=${mode} is not supported`, `use one of ${sslModes.join(', ')}`);
  }
  if (mode === 'verify-ca' && !parsed.searchParams.has('sslrootcert') && !parsed.searchParams.has('uselibpqcompat')) {
    throw configError(`--db: "${maskDbUrl(url)}": sslmode=verify-ca needs the certificate of the authority to check the server against`, 'add sslrootcert=FILE, or use sslmode=verify-full');
  }
}

/**
 * `sslmode` as libpq reads it: `require` (and `prefer`) encrypt without checking the server's certificate, `verify-ca`
 * checks it against `sslrootcert` but not the host name, `verify-full` checks both, `disable` does not encrypt. pg
 * still reads `require` as `verify-full`, and warns at length on every run that this will change; libpq's meaning is
 * asked for explicitly, which silences the warning. `sslmode=no-verify` (pg's own) and a URL that says
 * `uselibpqcompat` itself are left as they are.
 */
function withLibpqSslModes(url: string): string {
  const parsed = new URL(url);
  const mode = parsed.searchParams.get('sslmode');
  if (!mode || !['prefer', 'require', 'verify-ca'].includes(mode) || parsed.searchParams.has('uselibpqcompat')) return url;
  parsed.searchParams.set('uselibpqcompat', 'true');
  return parsed.href;
}

/**
 * Puts the database in WAL mode (it stays in it: after the first time, this only checks). While another process
 * loads the database through a rollback journal (withRollbackJournal), the mode can be neither read nor changed and
 * SQLite does not wait by itself: this waits, up to the busy timeout, as any other lock does.
 */
async function useWal(database: SqliteStatements): Promise<void> {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * SQLite: runs `fn` with a rollback journal instead of the write-ahead log, then goes back to the WAL. A large first
 * load then writes its pages once, into the database file, instead of into the WAL and again into the file when the
 * WAL is checkpointed. The journal only holds the pages the load changes that existed before, few in a database
 * without members, and makes a crash or a kill as harmless as with the WAL: the next connection rolls the load back.
 * The cost is that other connections cannot read while the load writes; they wait, up to the busy timeout.
 * When another connection has the database open, the WAL cannot be left: `fn` then runs with it, as always.
 */
export async function withRollbackJournal<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const sqlite = db.sqlite;
  if (!sqlite) return fn();
  let switched = false;
  sqlite.pragma('busy_timeout = 0');
  try {
    switched = sqlite.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
  } catch {
    // another connection holds the database: stay with the WAL
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
  if (!switched) return fn();
  // with a rollback journal, NORMAL leaves a power cut at the wrong moment a small chance of corrupting the file
  sqlite.pragma('synchronous = FULL');
  try {
    return await fn();
  } finally {
    sqlite.pragma('synchronous = NORMAL');
    try {
      sqlite.pragma('journal_mode = WAL');
    } catch {
      // a reader holds the database: the next connection goes back to the WAL, as every connection does on opening
    }
  }
}
