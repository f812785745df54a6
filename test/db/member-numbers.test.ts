import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { down, up } from '../../src/db/migrations/0018_member_numbers.js';
import type { Db } from '../../src/db/connect.js';
import { listMembers } from '../../src/core/people/members.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import { dialects, freshDb } from '../helpers/db.js';
import { addPerson, addPlan, at, bill, source, subscribe } from './invoicing-fixtures.js';

describe.each(dialects)('member numbers on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  const numberOf = async (id: number) => (await db.kysely.selectFrom('members').select('member_number').where('id', '=', id).executeTakeFirstOrThrow()).member_number;

  it('a payer gets the next number with their first invoice, and keeps it; people paid for and contacts get none', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 10000 });
    const ann = await addPerson(k, 'Ann');
    const kid = await addPerson(k, 'Kid', ann);
    const bob = await addPerson(k, 'Bob');
    const contact = await addPerson(k, 'Contact');
    await subscribe(k, ann, desk, { startDate: '2026-01-01' });
    await subscribe(k, kid, desk, { startDate: '2026-01-01' });
    await subscribe(k, bob, desk, { startDate: '2026-03-01' });

    await bill(db, '2026-01-01', { dryRun: true });
    expect(await numberOf(ann)).toBeNull();
    await bill(db, '2026-01-01');
    expect(await numberOf(ann)).toBe('M-00001');
    expect(await numberOf(kid)).toBeNull();
    expect(await numberOf(bob)).toBeNull();

    await bill(db, '2026-02-01');
    expect(await numberOf(ann)).toBe('M-00001');
    await setSetting(k, 'member-number-prefix', 'ADH', at);
    await bill(db, '2026-03-01');
    expect(await numberOf(bob)).toBe('ADH00001');
    expect(await numberOf(ann)).toBe('M-00001');
    expect(await numberOf(contact)).toBeNull();

    const views = await listMembers(k, '2026-03-01');
    expect(views.map((v) => [v.member.name, v.member.member_number])).toEqual([
      ['Ann', 'M-00001'],
      ['Bob', 'ADH00001'],
      ['Contact', null],
      ['Kid', null],
    ]);
  });

  it('numbers run 1..N without gaps across batches and runs, and a deleted person\'s number is never given again', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 10000 });
    const people: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const id = await addPerson(k, `P${i}`);
      people.push(id);
      await subscribe(k, id, desk, { startDate: i < 4 ? '2026-01-01' : '2026-02-01' });
    }
    await bill(db, '2026-01-01', { batchSize: 3 });
    await bill(db, '2026-02-01', { batchSize: 2 });
    const numbers = await Promise.all(people.map(numberOf));
    expect(numbers).toEqual(['M-00001', 'M-00002', 'M-00003', 'M-00004', 'M-00005', 'M-00006', 'M-00007']);

    // the last one numbered leaves (their invoices with them, behind the database's back)
    const last = people.at(-1)!;
    await k.deleteFrom('invoice_lines').where('member_id', '=', last).execute();
    await sql`delete from ledger_entries where member_id = ${last}`.execute(k);
    await sql`delete from outbox where subject_id in (select id from invoices where payer_id = ${last})`.execute(k).catch(() => undefined);
    await k.deleteFrom('invoices').where('payer_id', '=', last).execute();
    await k.deleteFrom('memberships').where('member_id', '=', last).execute();
    await k.deleteFrom('members').where('id', '=', last).execute();
    const newcomer = await addPerson(k, 'Newcomer');
    await subscribe(k, newcomer, desk, { startDate: '2026-03-01' });
    await bill(db, '2026-03-01');
    expect(await numberOf(newcomer)).toBe('M-00008');
  });

  it('a merge keeps the survivor\'s number, or takes the other\'s when the survivor had none', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 10000 });
    const ann = await addPerson(k, 'Ann');
    const ann2 = await addPerson(k, 'Ann bis');
    const bob = await addPerson(k, 'Bob');
    const bob2 = await addPerson(k, 'Bob bis');
    for (const id of [ann, ann2, bob2]) await subscribe(k, id, desk, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    expect([await numberOf(ann), await numberOf(ann2), await numberOf(bob2)]).toEqual(['M-00001', 'M-00002', 'M-00003']);

    await k.transaction().execute(async (trx) => applyMerge(trx, await planMerge(trx, String(ann), String(ann2)), source));
    await k.transaction().execute(async (trx) => applyMerge(trx, await planMerge(trx, String(bob), String(bob2)), source));
    expect(await numberOf(ann)).toBe('M-00001');
    expect(await numberOf(bob)).toBe('M-00003');
  });

  it('the migration numbers people already invoiced in the order of their first invoice, and later numbers follow', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 10000 });
    const late = await addPerson(k, 'Late');
    const early = await addPerson(k, 'Early');
    const never = await addPerson(k, 'Never');
    await subscribe(k, late, desk, { startDate: '2026-02-01' });
    await subscribe(k, early, desk, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    await bill(db, '2026-02-01');
    // a database from before member numbers, with its invoices
    await down(k);
    await up(k);
    expect([await numberOf(early), await numberOf(late), await numberOf(never)]).toEqual(['M-00001', 'M-00002', null]);
    await subscribe(k, never, desk, { startDate: '2026-03-01' });
    await bill(db, '2026-03-01');
    expect(await numberOf(never)).toBe('M-00003');
  });
});
