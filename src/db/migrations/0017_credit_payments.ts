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
 * every row and id, every index and the autoincrement counter, in one transaction of its own (kysely runs SQLite
 * migrations outside a transaction). Foreign keys are off meanwhile, as SQLite's procedure for changing a table asks
 * (the ledger's rows naming a payment would otherwise be orphaned for a moment); were the migration ever run inside
 * a transaction, where they cannot be switched off, they are deferred instead, and putting the same rows back under
 * the same ids settles them before commit. Every foreign key is checked before the change is committed.
 */
async function rebuildSqlitePayments(db: Kysely<any>, from: string, to: string): Promise<void> {
  const enforced = Number((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys ?? 0) === 1;
  if (enforced) await sql`pragma foreign_keys = off`.execute(db);
  await sql`savepoint payments_rebuild`.execute(db);
  try {
    await sql`pragma defer_foreign_keys = on`.execute(db);
    await copyWithConstraint(db, from, to);
    await sql`release payments_rebuild`.execute(db);
  } catch (error) {
    await sql`rollback to payments_rebuild`.execute(db);
    await sql`release payments_rebuild`.execute(db);
    throw error;
  } finally {
    if (enforced) await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function copyWithConstraint(db: Kysely<any>, from: string, to: string): Promise<void> {
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'payments'`.execute(db);
  const definition = table.rows[0]?.sql;
  if (definition === undefined || !definition.includes(from)) throw new Error(`payments: the method constraint is not ${from}`);
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'payments' and sql is not null`.execute(db);
  const sequence = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'payments'`.execute(db);
  const count = async (name: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(db)).rows[0]!.n);
  const rows = await count('payments');

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
