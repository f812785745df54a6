import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { memberHistory } from '../../src/core/people/history.js';
import { addMember, addNote, editMember } from '../../src/core/people/members.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { at, seedInvoice, seedMembership, seedPlan, source } from './people-fixtures.js';

async function counts(db: Db) {
  const k = db.kysely;
  const n = async (table: 'members' | 'memberships' | 'invoices' | 'invoice_lines' | 'payments' | 'ledger_entries' | 'notes' | 'member_fields' | 'member_tags') =>
    Number((await k.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    members: await n('members'),
    memberships: await n('memberships'),
    invoices: await n('invoices'),
    lines: await n('invoice_lines'),
    payments: await n('payments'),
    ledger: await n('ledger_entries'),
    notes: await n('notes'),
    fields: await n('member_fields'),
    tags: await n('member_tags'),
  };
}

/** KEEP and REMOVE, the same person twice, with REMOVE owning one of everything. */
async function duplicates(db: Db) {
  const k = db.kysely;
  const plan = await seedPlan(k);
  const keep = (await addMember(k, { name: 'Jane Doe', email: 'jane@example.org', fields: { Size: 'M' }, tags: ['VIP'] }, source)).member;
  const remove = (
    await addMember(
      k,
      { name: 'Jane D.', phone: '+33 6', company: 'Acme', externalId: 'cus_9', fields: { Size: 'L', Diet: 'vegan' }, tags: ['Sport/Yoga', 'VIP'] },
      source,
    )
  ).member;
  const child = (await addMember(k, { name: 'Kid', paidBy: String(remove.id) }, source)).member;
  await addNote(k, remove, 'Prefers e-mail', source);
  const membership = await seedMembership(k, remove.id, plan);
  const invoice = await seedInvoice(k, membership, [['2026-01-01', '2026-01-31']], { status: 'paid' });
  const payment = await k
    .insertInto('payments')
    .values({ invoice_id: invoice, amount: 100, currency: 'EUR', method: 'card', date: '2026-01-02', status: 'recorded', created_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  await k
    .insertInto('ledger_entries')
    .values({ member_id: remove.id, unit: 'credit', kind: 'grant', amount: 500, currency: 'EUR', date: '2026-01-02', invoice_id: invoice, created_at: at })
    .execute();
  return { keep, remove, child, membership, invoice, payment: payment.id };
}

describe.each(dialects)('merging members on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('moves everything to KEEP, repoints payers, deletes REMOVE, and keeps both before-images', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const { keep, remove, child, membership, invoice, payment } = await duplicates(db);
    const before = await counts(db);

    const plan = await k.transaction().execute(async (trx) => {
      const planned = await planMerge(trx, 'jane@example.org', String(remove.id));
      await applyMerge(trx, planned, source);
      return planned;
    });
    expect(plan.conflicts).toEqual(
      expect.arrayContaining([
        { field: 'name', kept: 'Jane Doe', dropped: 'Jane D.' },
        { field: 'field Size', kept: 'M', dropped: 'L' },
      ]),
    );

    const after = await counts(db);
    expect(after).toEqual({ ...before, members: before.members - 1, fields: before.fields - 1, tags: before.tags - 1 });
    expect(await k.selectFrom('members').selectAll().where('id', '=', remove.id).executeTakeFirst()).toBeUndefined();
    const kept = await k.selectFrom('members').selectAll().where('id', '=', keep.id).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ name: 'Jane Doe', email: 'jane@example.org', phone: '+33 6', external_id: 'cus_9' });
    expect(kept.company_id).not.toBeNull();
    expect((await k.selectFrom('memberships').select('member_id').where('id', '=', membership).executeTakeFirstOrThrow()).member_id).toBe(keep.id);
    expect((await k.selectFrom('invoices').select('payer_id').where('id', '=', invoice).executeTakeFirstOrThrow()).payer_id).toBe(keep.id);
    expect((await k.selectFrom('invoice_lines').select('member_id').where('invoice_id', '=', invoice).execute()).map((l) => l.member_id)).toEqual([keep.id]);
    expect((await k.selectFrom('payments').select('invoice_id').where('id', '=', payment).executeTakeFirstOrThrow()).invoice_id).toBe(invoice);
    expect((await k.selectFrom('ledger_entries').select('member_id').execute()).map((l) => l.member_id)).toEqual([keep.id]);
    expect((await k.selectFrom('notes').select('member_id').execute()).map((n) => n.member_id)).toEqual([keep.id]);
    expect((await k.selectFrom('members').select('paid_by_id').where('id', '=', child.id).executeTakeFirstOrThrow()).paid_by_id).toBe(keep.id);
    const fields = await k.selectFrom('member_fields').select(['key', 'value']).where('member_id', '=', keep.id).orderBy('key').execute();
    expect(fields).toEqual([
      { key: 'Diet', value: 'vegan' },
      { key: 'Size', value: 'M' },
    ]);
    const tags = await k.selectFrom('member_tags').innerJoin('tags', 'tags.id', 'member_tags.tag_id').select('tags.name').where('member_id', '=', keep.id).orderBy('tags.name').execute();
    expect(tags.map((t) => t.name)).toEqual(['Sport/Yoga', 'VIP']);

    const merge = await k.selectFrom('audit_log').selectAll().where('action', '=', 'merge').executeTakeFirstOrThrow();
    const images = JSON.parse(merge.before!);
    expect(images.keep.member.id).toBe(keep.id);
    expect(images.remove.member).toMatchObject({ id: remove.id, name: 'Jane D.', external_id: 'cus_9' });
    expect(images.remove.fields).toEqual({ Size: 'L', Diet: 'vegan' });

    // the kept person's history now includes what happened to the removed record
    const history = await memberHistory(k, keep.id);
    expect(history.some((h) => h.action === 'insert' && h.memberId === remove.id)).toBe(true);
    expect(history.at(-2)?.action).toBe('merge');
    expect(history.at(-2)?.changes).toEqual(expect.arrayContaining([{ field: 'phone', before: null, after: '+33 6', label: 'Phone', beforeText: null, afterText: '+33 6' }]));
  });

  it('a dry run plans the same moves and writes nothing', async () => {
    db = await freshDb(dialect);
    const { keep, remove, membership } = await duplicates(db);
    const before = await counts(db);
    const plan = await planMerge(db.kysely, String(keep.id), String(remove.id));
    expect(plan.moves.memberships).toEqual([membership]);
    expect(plan.moves.customFields).toEqual(['Diet']);
    expect(plan.moves.tags).toEqual(['Sport/Yoga']);
    expect(plan.filled.map((f) => f.field)).toEqual(['phone', 'company', 'external_id']);
    expect(await counts(db)).toEqual(before);
  });

  it('refuses merging a member with themselves, and a merge that would make payers a cycle', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const { keep, remove } = await duplicates(db);
    const self = await planMerge(k, String(keep.id), 'jane@example.org').catch((e: unknown) => e);
    expect(self).toBeInstanceOf(UserError);
    expect((self as UserError).exitCode).toBe(65);

    // KEEP paid by X, X paid by REMOVE: after the merge X would pay KEEP who pays X
    const x = (await addMember(k, { name: 'X', paidBy: String(remove.id) }, source)).member;
    await editMember(k, keep, { paidBy: String(x.id) }, source);
    const cycle = await planMerge(k, String(keep.id), String(remove.id)).catch((e: unknown) => e);
    expect(cycle).toBeInstanceOf(UserError);
    expect((cycle as UserError).message).toMatch(/cycle/);
  });

  it('drops a payer link between the two records instead of making someone pay for themselves', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const payer = (await addMember(k, { name: 'Company Payer' }, source)).member;
    const remove = (await addMember(k, { name: 'Old', email: 'old@example.org', paidBy: String(payer.id) }, source)).member;
    const keep = (await addMember(k, { name: 'New', paidBy: String(remove.id) }, source)).member;
    await k.transaction().execute(async (trx) => applyMerge(trx, await planMerge(trx, String(keep.id), String(remove.id)), source));
    const kept = await k.selectFrom('members').selectAll().where('id', '=', keep.id).executeTakeFirstOrThrow();
    expect(kept.paid_by_id).toBe(payer.id);
    expect(kept.email).toBe('old@example.org');
    expect(kept.email_key).toBe('old@example.org');
  });
});
