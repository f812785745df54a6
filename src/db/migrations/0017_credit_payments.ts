import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

const before = "method in ('card', 'cash', 'transfer', 'check', 'other')";
const after = "method in ('card', 'cash', 'transfer', 'check', 'other', 'credit')";

/**
 * A payment may be made of the payer's credit (method `credit`): `invoices run` applies the payer's money credit to
 * their new invoices, `credits apply` by hand. The CHECK constraint on `payments.method` lists the methods.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await replaceMethodCheck(db, before, after);
}

/** Refused while a credit payment exists: its method would break the constraint. */
export async function down(db: Kysely<any>): Promise<void> {
  await replaceMethodCheck(db, after, before);
}

async function replaceMethodCheck(db: Kysely<any>, from: string, to: string): Promise<void> {
  if (isPostgres(db)) {
    const { rows } = await sql<{ name: string }>`
      select conname as name from pg_constraint
      where conrelid = 'payments'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%method%'`.execute(db);
    for (const row of rows) await sql`alter table payments drop constraint ${sql.id(row.name)}`.execute(db);
    await sql`alter table payments add constraint payments_method_check check (${sql.raw(to)})`.execute(db);
    return;
  }
  await rebuildSqlitePayments(db, from, to);
}

/**
 * SQLite cannot change a CHECK constraint: the table is rebuilt from its own definition with the new list, keeping
 * every row and id, every index and the autoincrement counter. The migration runs in a transaction, where foreign
 * keys cannot be switched off; they are deferred instead: dropping the table leaves the ledger's rows that name a
 * payment orphaned for a moment, and putting the same rows back under the same ids settles them before commit.
 */
async function rebuildSqlitePayments(db: Kysely<any>, from: string, to: string): Promise<void> {
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'payments'`.execute(db);
  const definition = table.rows[0]?.sql;
  if (definition === undefined || !definition.includes(from)) throw new Error(`payments: the method constraint is not ${from}`);
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'payments' and sql is not null`.execute(db);
  const sequence = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'payments'`.execute(db);
  const count = async (name: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(db)).rows[0]!.n);
  const rows = await count('payments');

  await sql`pragma defer_foreign_keys = on`.execute(db);
  await sql`create temp table payments_rebuild as select * from payments`.execute(db);
  await sql`drop table payments`.execute(db);
  await sql.raw(definition.replace(from, to)).execute(db);
  await sql`insert into payments select * from payments_rebuild`.execute(db);
  await sql`drop table payments_rebuild`.execute(db);
  for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
  const seq = sequence.rows[0]?.seq;
  if (seq !== undefined) await sql`update sqlite_sequence set seq = ${seq} where name = 'payments'`.execute(db);

  if ((await count('payments')) !== rows) throw new Error('payments: rows were lost while rebuilding the table');
  const broken = await sql`pragma foreign_key_check`.execute(db);
  if (broken.rows.length > 0) throw new Error(`payments: ${broken.rows.length} foreign keys broken while rebuilding the table`);
}
