import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { allocateNumbers } from '../../src/core/billing/numbering.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { addPerson, addPlan, bill, gapless, invoiceNumbers, subscribe } from './invoicing-fixtures.js';

/** Removes a member behind the database's back, as a payer deleted by some other tool would be. */
async function deleteBypassingForeignKeys(db: Db, memberId: number): Promise<void> {
  if (db.dialect === 'sqlite') {
    await sql`pragma foreign_keys = off`.execute(db.kysely);
    await db.kysely.deleteFrom('members').where('id', '=', memberId).execute();
    await sql`pragma foreign_keys = on`.execute(db.kysely);
    return;
  }
  await sql`alter table members disable trigger all`.execute(db.kysely);
  await db.kysely.deleteFrom('members').where('id', '=', memberId).execute();
  await sql`alter table members enable trigger all`.execute(db.kysely);
}

describe.each(dialects)('invoicing runs on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  async function twoMembers() {
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 10000, taxRate: '20' });
    const ann = await addPerson(k, 'Ann');
    const bob = await addPerson(k, 'Bob');
    const annDesk = await subscribe(k, ann, desk, { startDate: '2026-01-01' });
    const bobDesk = await subscribe(k, bob, desk, { startDate: '2026-01-15' });
    return { desk, ann, bob, annDesk, bobDesk };
  }

  it('a dry run shows the invoices without numbers and writes nothing; the real run then issues the same', async () => {
    db = await freshDb(dialect);
    const { annDesk } = await twoMembers();
    const k = db.kysely;
    const dry = await bill(db, '2026-02-01', { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.count).toBe(2);
    expect(dry.invoices.map((i) => i.number)).toEqual([null, null]);
    expect(await k.selectFrom('invoices').selectAll().execute()).toEqual([]);
    expect(await k.selectFrom('number_sequences').selectAll().execute()).toEqual([]);
    expect(await k.selectFrom('audit_log').selectAll().where('entity', '=', 'invoices').execute()).toEqual([]);
    const membership = await k.selectFrom('memberships').select('next_invoice_date').where('id', '=', annDesk).executeTakeFirstOrThrow();
    expect(membership.next_invoice_date).toBe('2026-01-01');

    const real = await bill(db, '2026-02-01');
    expect(real.invoices.map(({ number: _n, ...rest }) => rest)).toEqual(dry.invoices.map(({ number: _n, ...rest }) => rest));
    expect(real.invoices.map((i) => i.number)).toEqual(['INV-2026-00001', 'INV-2026-00002']);
    // Ann: January and February; Bob: Jan 15 - Feb 14
    expect(real.invoices.map((i) => i.lines.length)).toEqual([2, 1]);
  });

  it('running again on the same day, or any number of times, issues nothing more', async () => {
    db = await freshDb(dialect);
    await twoMembers();
    expect((await bill(db, '2026-01-20')).count).toBe(2);
    for (let i = 0; i < 3; i += 1) {
      const again = await bill(db, '2026-01-20');
      expect(again.count).toBe(0);
      expect(again.totals).toEqual({});
    }
    expect((await bill(db, '2026-02-01')).invoices.map((i) => i.payer.name)).toEqual(['Ann']);
    expect(await invoiceNumbers(db.kysely)).toEqual(['INV-2026-00001', 'INV-2026-00002', 'INV-2026-00003']);
  });

  it('the batch size changes nothing in the result', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 1000 });
    const boss = await addPerson(k, 'Boss');
    for (let i = 0; i < 7; i += 1) {
      const person = await addPerson(k, `P${i}`, i % 3 === 0 ? boss : null);
      await subscribe(k, person, desk, { startDate: '2026-01-01' });
    }
    const dry = await bill(db, '2026-01-01', { dryRun: true, batchSize: 500 });
    const run = await bill(db, '2026-01-01', { batchSize: 1 });
    expect(run.invoices.map(({ number: _n, ...rest }) => rest)).toEqual(dry.invoices.map(({ number: _n, ...rest }) => rest));
    expect(run.count).toBe(5);
    expect(gapless(await invoiceNumbers(k))).toBe(true);
  });

  it('reports a membership whose payer no longer exists, bills the rest, and keeps it due', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addPlan(k, 'Desk', { price: 1000 });
    const gone = await addPerson(k, 'Gone');
    const kid = await addPerson(k, 'Kid', gone);
    const ann = await addPerson(k, 'Ann');
    const kidDesk = await subscribe(k, kid, desk, { startDate: '2026-01-01' });
    await subscribe(k, ann, desk, { startDate: '2026-01-01' });
    await deleteBypassingForeignKeys(db, gone);

    const result = await bill(db, '2026-01-01');
    expect(result.invoices.map((i) => i.payer.name)).toEqual(['Ann']);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ code: 'unknown_payer', severity: 'error', row: null, value: String(gone) });
    expect(result.problems[0]!.message).toContain(`membership ${kidDesk} of Kid`);
    const kidRow = await k.selectFrom('memberships').select('next_invoice_date').where('id', '=', kidDesk).executeTakeFirstOrThrow();
    expect(kidRow.next_invoice_date).toBe('2026-01-01');

    // once the member has a payer again, the next run bills them
    await k.updateTable('members').set({ paid_by_id: null }).where('id', '=', kid).execute();
    const next = await bill(db, '2026-01-01');
    expect(next.problems).toEqual([]);
    expect(next.invoices.map((i) => [i.number, i.payer.name])).toEqual([['INV-2026-00002', 'Kid']]);
  });

  it('refuses to bill a period again when a next invoice date was moved back over it, in code and in the database', async () => {
    db = await freshDb(dialect);
    const { annDesk } = await twoMembers();
    const k = db.kysely;
    await bill(db, '2026-01-15');
    await k.updateTable('memberships').set({ next_invoice_date: '2026-01-01' }).where('id', '=', annDesk).execute();
    const result = await bill(db, '2026-02-20');
    expect(result.problems.map((p) => p.code)).toEqual(['already_billed']);
    expect(result.problems[0]!.message).toContain('INV-2026-00001');
    expect(result.invoices.map((i) => i.payer.name)).toEqual(['Bob']);

    const line = await k.selectFrom('invoice_lines').selectAll().where('membership_id', '=', annDesk).executeTakeFirstOrThrow();
    const { id: _id, ...copy } = line;
    await expect(k.insertInto('invoice_lines').values(copy).execute()).rejects.toThrow(/unique|UNIQUE/);
  });

  it('writes the job id, and the next invoice date before and after, to the audit log', async () => {
    db = await freshDb(dialect);
    const { annDesk, ann } = await twoMembers();
    await bill(db, '2026-02-01');
    const entries = await db.kysely.selectFrom('audit_log').selectAll().where('job_id', '=', 'test-job').orderBy('id').execute();
    const billed = entries.find((e) => e.action === 'bill' && e.entity_id === String(annDesk))!;
    expect(billed.member_id).toBe(ann);
    expect(JSON.parse(billed.before!)).toEqual({ next_invoice_date: '2026-01-01' });
    expect(JSON.parse(billed.after!)).toEqual({ next_invoice_date: '2026-03-01', invoice: 'INV-2026-00001' });
    expect(entries.filter((e) => e.action === 'issue').map((e) => e.entity_id)).toEqual(['INV-2026-00001', 'INV-2026-00002']);
  });
});

describe.each(dialects)('number sequences on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('allocates consecutive numbers per prefix and year, and a rolled back transaction gives them back', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    expect(await allocateNumbers(k, 'INV-', 2026, 2)).toEqual(['INV-2026-00001', 'INV-2026-00002']);
    expect(await allocateNumbers(k, 'INV-', 2027, 1)).toEqual(['INV-2027-00001']);
    expect(await allocateNumbers(k, 'CN-', 2026, 1)).toEqual(['CN-2026-00001']);
    const rollback = new Error('rollback');
    await expect(
      k.transaction().execute(async (trx) => {
        expect(await allocateNumbers(trx, 'INV-', 2026, 3)).toEqual(['INV-2026-00003', 'INV-2026-00004', 'INV-2026-00005']);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await allocateNumbers(k, 'INV-', 2026, 1)).toEqual(['INV-2026-00003']);
    expect(await allocateNumbers(k, 'INV-', 2026, 0)).toEqual([]);
  });
});
