import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../src/db/connect.js';
import { bulkTarget, deferIndexes, insertRows } from '../../src/core/kernel/bulk.js';
import { dialects, freshDb } from '../helpers/db.js';

const at = '2026-11-23T10:00:00.000Z';

describe.each(dialects)('bulk writes of imports on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  const indexNames = async (query: Queryable = db.kysely) =>
    dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'members' and sql is not null order by name`.execute(query)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'members' and indexname not like '%pkey' order by indexname`.execute(query)).rows.map((r) => r.name);

  it('inserts every row in order with the ids it gives back, whatever the number of rows per statement', async () => {
    db = await freshDb(dialect);
    await db.kysely.transaction().execute(async (trx) => {
      const target = bulkTarget(db, trx);
      // 37 and 1 are not multiples of any group size; 1000 spans many groups and a remainder
      for (const count of [1, 37, 1000]) {
        const rows = Array.from({ length: count }, (_, i) => [`Member ${count}-${i}`, `m${count}-${i}@example.org`, at, at]);
        const ids = await insertRows(target, 'members', ['name', 'email_key', 'created_at', 'updated_at'], rows, true);
        expect(ids).toHaveLength(count);
        const stored = await trx.selectFrom('members').select(['id', 'name']).where('id', 'in', ids).execute();
        const nameOf = new Map(stored.map((m) => [m.id, m.name]));
        expect(ids.map((id) => nameOf.get(id))).toEqual(rows.map((r) => r[0]));
      }
      const [member] = await insertRows(target, 'members', ['name', 'created_at', 'updated_at'], [['Owner', at, at]], true);
      const fields = Array.from({ length: 53 }, (_, i) => [member!, `key ${i}`, `value ${i}`]);
      expect(await insertRows(target, 'member_fields', ['member_id', 'key', 'value'], fields)).toEqual([]);
      const stored = await trx.selectFrom('member_fields').select(['key', 'value']).where('member_id', '=', member!).orderBy('key').execute();
      expect(stored.map((f) => [f.key, f.value])).toEqual(fields.map((f) => [f[1], f[2]]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    });
  });

  it('gives every row the values said to be the same in every row, in groups and one by one', async () => {
    db = await freshDb(dialect);
    await db.kysely.transaction().execute(async (trx) => {
      // on SQLite, through its connection's prepared statements and through kysely alone (as an invoicing run given
      // no connection writes)
      for (const target of [bulkTarget(db, trx), { ...bulkTarget(db, trx), sqlite: undefined }]) {
        // 37: two groups of rows per statement on SQLite and five rows one by one
        for (const [count, stamp] of [[37, at], [1, '2026-11-24T08:00:00.000Z']] as const) {
          const rows = Array.from({ length: count }, (_, i) => [`Stamped ${count}-${i}`, i % 2 === 0 ? `+33 ${i}` : null]);
          const ids = await insertRows(target, 'members', ['name', 'phone'], rows, true, { created_at: stamp, updated_at: `${stamp.slice(0, 10)}T09:00:00.000Z` });
          const stored = await trx.selectFrom('members').select(['id', 'name', 'phone', 'created_at', 'updated_at']).where('id', 'in', ids).orderBy('id').execute();
          expect(stored.map((m) => [m.name, m.phone, m.created_at, m.updated_at])).toEqual(
            rows.map(([name, phone]) => [name, phone, stamp, `${stamp.slice(0, 10)}T09:00:00.000Z`]),
          );
        }
      }
    });
  });

  it('stores every kind of value as given, through one array per column on PostgreSQL', async () => {
    db = await freshDb(dialect);
    // what an array literal has to escape: quotes, backslashes, braces, commas, spaces, the word NULL; then
    // accents, emoji, an empty string and a real null
    const texts = ['it\'s "quoted"', 'back\\slash \\"', '{braces}, commas', '  spaced  ', 'NULL', 'null', 'Zoë Müller-Ångström', 'emoji 🎉👩‍💻', '', null, 'line\nbreak\ttab'];
    await db.kysely.transaction().execute(async (trx) => {
      const target = bulkTarget(db, trx);
      const people = texts.map((phone, i) => [`Person ${i}`, phone, at, at]);
      const peopleIds = await insertRows(target, 'members', ['name', 'phone', 'created_at', 'updated_at'], people, true);
      const stored = await trx.selectFrom('members').select(['id', 'phone']).where('id', 'in', peopleIds).execute();
      const phoneOf = new Map(stored.map((m) => [m.id, m.phone]));
      expect(peopleIds.map((id) => phoneOf.get(id))).toEqual(texts);
      const member = peopleIds[0];
      // integers (negative, zero, large), dates, nulls among them, and a constant column
      const entries = [
        [member!, 'credit', 'import', -1250, 'EUR', '2026-02-28', null],
        [member!, 'credit', 'import', 0, null, '2024-02-29', '2027-12-31'],
        [member!, 'credit', 'import', 2_000_000_000, 'CHF', '1999-01-01', null],
      ];
      const ids = await insertRows(target, 'ledger_entries', ['member_id', 'unit', 'kind', 'amount', 'currency', 'date', 'expires_on'], entries, true, { description: 'ça "va" ✓', created_at: at });
      expect(ids).toHaveLength(entries.length);
      const rows = await trx
        .selectFrom('ledger_entries')
        .select(['id', 'member_id', 'unit', 'kind', 'amount', 'currency', 'date', 'expires_on', 'description', 'created_at'])
        .where('id', 'in', ids)
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(ids.map((id) => { const r = byId.get(id)!; return [r.member_id, r.unit, r.kind, Number(r.amount), r.currency, r.date, r.expires_on]; })).toEqual(entries);
      expect(rows.map((r) => [r.description, r.created_at])).toEqual(entries.map(() => ['ça "va" ✓', at]));
    });
  });

  it('refuses a row with the wrong number of values rather than shifting the ones after it', async () => {
    db = await freshDb(dialect);
    const rows = Array.from({ length: 40 }, (_, i) => [`Member ${i}`, at, at]);
    rows[20] = ['Short', at];
    await expect(db.kysely.transaction().execute((trx) => insertRows(bulkTarget(db, trx), 'members', ['name', 'created_at', 'updated_at'], rows))).rejects.toThrow();
    expect(await db.kysely.selectFrom('members').select('id').execute()).toEqual([]);
  });

  it('drops the indexes of a table about to receive a large load and builds the same ones again', async () => {
    db = await freshDb(dialect);
    const before = await indexNames();
    expect(before.length).toBeGreaterThan(2);
    await db.kysely.transaction().execute(async (trx) => {
      const target = bulkTarget(db, trx);
      const small = await deferIndexes(target, [{ table: 'members', rows: 50 }]);
      expect(await indexNames(trx)).toEqual(before);
      await small();
      const rebuild = await deferIndexes(target, [{ table: 'members', rows: 20_000 }]);
      // PostgreSQL keeps its indexes; SQLite builds them once after the load
      expect(await indexNames(trx)).toEqual(dialect === 'sqlite' ? [] : before);
      await insertRows(target, 'members', ['name', 'email_key', 'created_at', 'updated_at'], [['A', 'same@example.org', at, at]]);
      await rebuild();
      expect(await indexNames(trx)).toEqual(before);
    });
    expect(await indexNames()).toEqual(before);
  });

  it('a unique index broken during the load fails its build, and the transaction with it', async () => {
    db = await freshDb(dialect);
    const before = await indexNames();
    const load = db.kysely.transaction().execute(async (trx) => {
      const target = bulkTarget(db, trx);
      const rebuild = await deferIndexes(target, [{ table: 'members', rows: 20_000 }]);
      const twice = [
        ['A', 'same@example.org', at, at],
        ['B', 'same@example.org', at, at],
      ];
      await insertRows(target, 'members', ['name', 'email_key', 'created_at', 'updated_at'], twice);
      await rebuild();
    });
    await expect(load).rejects.toThrow(/unique|duplicate/i);
    expect(await db.kysely.selectFrom('members').select('id').execute()).toEqual([]);
    expect(await indexNames()).toEqual(before);
  });
});
