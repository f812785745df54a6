import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';

const at = '2026-11-23T10:00:00.000Z';

describe.each(dialects)('rows read back on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('gives each row its columns with their values, in the order selected, across a join', async () => {
    db = await freshDb(dialect);
    const { id: companyId } = await db.kysely.insertInto('companies').values({ name: 'Bright Labs', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    await db.kysely
      .insertInto('members')
      .values([
        { name: 'Alice Martin', email: 'alice@example.org', email_key: 'alice@example.org', company_id: companyId, created_at: at, updated_at: at },
        { name: 'Bruno Petit', email: null, email_key: null, company_id: null, created_at: at, updated_at: at },
      ])
      .execute();
    const rows = await db.kysely
      .selectFrom('members')
      .leftJoin('companies', 'companies.id', 'members.company_id')
      .select(['members.name', 'members.email', 'members.company_id', 'companies.name as company'])
      .orderBy('members.name')
      .execute();
    expect(rows).toEqual([
      { name: 'Alice Martin', email: 'alice@example.org', company_id: companyId, company: 'Bright Labs' },
      { name: 'Bruno Petit', email: null, company_id: null, company: null },
    ]);
    expect(rows.map((row) => Object.keys(row))).toEqual([
      ['name', 'email', 'company_id', 'company'],
      ['name', 'email', 'company_id', 'company'],
    ]);
    const all = await db.kysely.selectFrom('members').selectAll().orderBy('id').execute();
    expect(all.map((m) => [m.name, m.email_key, m.created_at])).toEqual([
      ['Alice Martin', 'alice@example.org', at],
      ['Bruno Petit', null, at],
    ]);
  });

  it('keeps the last value of a column named twice, and never takes a column for the prototype', async () => {
    db = await freshDb(dialect);
    const twice = await sql<{ a: number }>`select 1 as a, 2 as a`.execute(db.kysely);
    expect(twice.rows).toEqual([{ a: 2 }]);
    const proto = await sql<Record<string, unknown>>`select 1 as "__proto__", 'x' as b`.execute(db.kysely);
    const row = proto.rows[0]!;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(row.b).toBe('x');
  });

  it('streams the same rows as it returns at once (SQLite), and returns no row for an empty result', async () => {
    db = await freshDb(dialect);
    const values = Array.from({ length: 25 }, (_, i) => ({ name: `Member ${i}`, created_at: at, updated_at: at }));
    await db.kysely.insertInto('members').values(values).execute();
    const query = db.kysely.selectFrom('members').select(['id', 'name']).orderBy('id');
    const rows = await query.execute();
    expect(rows.map((r) => r.name)).toEqual(values.map((v) => v.name));
    // the PostgreSQL pool is set up without cursors: nothing streams there
    if (dialect === 'sqlite') {
      const streamed: Array<{ id: number; name: string }> = [];
      for await (const row of query.stream()) streamed.push(row);
      expect(streamed).toEqual(rows);
    }
    expect(await db.kysely.selectFrom('members').selectAll().where('name', '=', 'nobody').execute()).toEqual([]);
  });

  it('reports the rows a change touched and the rows an insert returns', async () => {
    db = await freshDb(dialect);
    const inserted = await db.kysely
      .insertInto('members')
      .values([
        { name: 'A', created_at: at, updated_at: at },
        { name: 'B', created_at: at, updated_at: at },
      ])
      .returning(['id', 'name'])
      .execute();
    expect(inserted.map((r) => r.name)).toEqual(['A', 'B']);
    const updated = await db.kysely.updateTable('members').set({ phone: '+33 1 00 00 00 00' }).where('name', 'in', ['A', 'B']).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(2);
  });
});
