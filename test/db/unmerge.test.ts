import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db, Dialect } from '../../src/db/connect.js';
import { memberHistory } from '../../src/core/people/history.js';
import { addMember, addNote, editMember } from '../../src/core/people/members.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { applyUnmerge, planUnmerge } from '../../src/core/people/unmerge.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { at, seedInvoice, seedMembership, seedPlan, source } from './people-fixtures.js';

// what a merge and its undoing write besides the people's rows: the audit trail and the merge's own record
const bookkeeping = new Set(['audit_log', 'merges']);

/** Every row of every table but the bookkeeping ones, as sorted JSON lines per table. */
async function dump(db: Db, dialect: Dialect): Promise<Record<string, string[]>> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`
      : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`;
  const tables = (await query.execute(db.kysely)).rows.map((r) => r.name).filter((t) => !bookkeeping.has(t));
  const result: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db.kysely)).rows;
    result[table] = rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))))).sort();
  }
  return result;
}

const later = { actor: 'test', at: '2026-02-01T09:00:00.000Z' };

/** KEEP and REMOVE, the same person twice, REMOVE with one of everything a merge moves. */
async function duplicates(db: Db) {
  const k = db.kysely;
  const plan = await seedPlan(k);
  const keep = (await addMember(k, { name: 'Jane Doe', email: 'jane@example.org', fields: { Size: 'M' }, tags: ['VIP'] }, source)).member;
  const remove = (
    await addMember(
      k,
      { name: 'Jane D.', email: 'jd@example.org', phone: '+33 6', company: 'Acme', externalId: 'cus_9', fields: { Size: 'L', Diet: 'vegan' }, tags: ['Sport/Yoga', 'VIP'] },
      source,
    )
  ).member;
  const child = (await addMember(k, { name: 'Kid', paidBy: String(remove.id) }, source)).member;
  await addNote(k, remove, 'Prefers e-mail', source);
  const keptMembership = await seedMembership(k, keep.id, plan);
  const membership = await seedMembership(k, remove.id, plan);
  const invoice = await seedInvoice(k, membership, [['2026-01-01', '2026-01-31']], { status: 'paid' });
  await k.insertInto('payments').values({ invoice_id: invoice, amount: 100, currency: 'EUR', method: 'card', date: '2026-01-02', status: 'recorded', created_at: at }).execute();
  const grant = await k
    .insertInto('ledger_entries')
    .values({ member_id: remove.id, unit: 'credit', kind: 'grant', amount: 500, currency: 'EUR', date: '2026-01-02', invoice_id: invoice, created_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  // REMOVE is suspended, its credit frozen; KEEP is a member: the merge releases the credit, the unmerge takes that back
  await k
    .insertInto('ledger_entries')
    .values({ member_id: remove.id, unit: 'credit', kind: 'freeze', amount: -500, currency: 'EUR', date: '2026-01-10', grant_id: grant.id, created_at: at })
    .execute();
  await k.insertInto('member_statuses').values([
    { member_id: keep.id, status: 'member', since: '2026-01-01', updated_at: at },
    { member_id: remove.id, status: 'suspended', since: '2026-01-10', updated_at: at },
  ]).execute();
  await k
    .insertInto('charges')
    .values({ member_id: remove.id, description: 'Locker key', quantity: 1, unit_price: 1000, currency: 'EUR', tax_rate: '0', date: '2026-03-01', deposit: 1, created_at: at })
    .execute();
  await k
    .insertInto('sepa_mandates')
    .values({ member_id: remove.id, reference: 'MND-1', iban: 'DE89370400440532013000', bic: null, scheme: 'core', signed_on: '2026-01-01', status: 'active', revoked_on: null, revoke_reason: null, created_at: at, updated_at: at })
    .execute();
  return { keep, remove, child, membership, keptMembership, invoice };
}

async function merge(db: Db, keep: number, remove: number, by = later): Promise<number> {
  return db.kysely.transaction().execute(async (trx) => (await applyMerge(trx, await planMerge(trx, String(keep), String(remove)), by)).mergeId);
}

async function unmerge(db: Db, mergeId: number | string) {
  return db.kysely.transaction().execute(async (trx) => applyUnmerge(trx, await planUnmerge(trx, String(mergeId)), { actor: 'test', at: '2026-02-02T09:00:00.000Z' }));
}

async function refusal(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).exitCode).toBe(65);
  return error as UserError;
}

describe.each(dialects)('undoing a merge on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('merge then unmerge gives back every row as it was (all tables but audit_log and merges)', async () => {
    db = await freshDb(dialect);
    const { keep, remove } = await duplicates(db);
    const before = await dump(db, dialect);
    const mergeId = await merge(db, keep.id, remove.id);
    const merged = await dump(db, dialect);
    expect(merged.members).not.toEqual(before.members);
    // the suspension's credit was released on KEEP by the merge
    expect(merged.ledger_entries!.some((r) => r.includes('"kind":"unfreeze"'))).toBe(true);

    const dry = await planUnmerge(db.kysely, String(mergeId));
    expect(dry.back).toMatchObject({ memberships: [expect.any(Number)], invoices: [expect.any(Number)], notes: [expect.any(Number)], tags: ['Sport/Yoga', 'VIP'], customFields: ['Diet', 'Size'] });
    expect(await dump(db, dialect)).toEqual(merged);

    await unmerge(db, mergeId);
    expect(await dump(db, dialect)).toEqual(before);
    const record = await db.kysely.selectFrom('merges').selectAll().where('id', '=', mergeId).executeTakeFirstOrThrow();
    expect(record.status).toBe('undone');

    // both histories tell it, with the merge's id
    const history = await memberHistory(db.kysely, remove.id);
    expect(history.at(-1)).toMatchObject({ action: 'unmerge', mergeId });
    const keptHistory = await memberHistory(db.kysely, keep.id);
    expect(keptHistory.find((h) => h.action === 'merge')).toMatchObject({ mergeId });
    expect(keptHistory.at(-1)).toMatchObject({ action: 'unmerge', mergeId });
  });

  it('is refused once undone, and the same people can be merged again and unmerged again', async () => {
    db = await freshDb(dialect);
    const { keep, remove } = await duplicates(db);
    const before = await dump(db, dialect);
    const first = await merge(db, keep.id, remove.id);
    await unmerge(db, first);
    expect((await refusal(unmerge(db, first))).message).toMatch(/undone on 2026-02-02/);
    const second = await merge(db, keep.id, remove.id);
    expect(second).not.toBe(first);
    await unmerge(db, second);
    expect(await dump(db, dialect)).toEqual(before);
  });

  it('is refused after an invoice issued since bills what would move back, and allowed once it is voided', async () => {
    db = await freshDb(dialect);
    const { keep, remove, membership } = await duplicates(db);
    const mergeId = await merge(db, keep.id, remove.id);
    // one invoice to KEEP for both memberships, as `invoices run` makes it for one payer
    const consolidated = await seedInvoice(db.kysely, membership, [['2026-02-01', '2026-02-28']], { payerId: keep.id });
    const number = (await db.kysely.selectFrom('invoices').select('number').where('id', '=', consolidated).executeTakeFirstOrThrow()).number;
    const before = await dump(db, dialect);
    const error = await refusal(unmerge(db, mergeId));
    expect(error.message).toContain(`invoice ${number} issued since`);
    expect(await dump(db, dialect)).toEqual(before);
    await db.kysely.updateTable('invoice_lines').set({ voided: 1 }).where('invoice_id', '=', consolidated).execute();
    await db.kysely.updateTable('invoices').set({ status: 'void' }).where('id', '=', consolidated).execute();
    await unmerge(db, mergeId);
  });

  it("is refused once the removed person's credit was used since", async () => {
    db = await freshDb(dialect);
    const { keep, remove } = await duplicates(db);
    const mergeId = await merge(db, keep.id, remove.id);
    const grant = await db.kysely.selectFrom('ledger_entries').select('id').where('kind', '=', 'grant').executeTakeFirstOrThrow();
    await db.kysely
      .insertInto('ledger_entries')
      .values({ member_id: keep.id, unit: 'credit', kind: 'use', amount: -100, currency: 'EUR', date: '2026-02-03', grant_id: grant.id, created_at: later.at })
      .execute();
    expect((await refusal(unmerge(db, mergeId))).message).toContain(`credit or passes that would move back to #${remove.id} were used or granted since`);
  });

  it("is refused when the removed person's e-mail was given to someone since, or the kept person was merged away", async () => {
    db = await freshDb(dialect);
    const { keep, remove } = await duplicates(db);
    const mergeId = await merge(db, keep.id, remove.id);
    const other = (await addMember(db.kysely, { name: 'Someone', email: 'JD@example.org' }, later)).member;
    expect((await refusal(unmerge(db, mergeId))).message).toMatch(/e-mail jd@example\.org is taken by #\d+ Someone/);

    await editMember(db.kysely, other, { email: 'someone@example.org' }, later);
    const third = (await addMember(db.kysely, { name: 'Jane Doe (2)' }, later)).member;
    const away = await merge(db, third.id, keep.id);
    const error = await refusal(unmerge(db, mergeId));
    expect(error.message).toMatch(new RegExp(`#${keep.id} no longer exists`));
    expect(error.hint).toContain(`members unmerge ${away}`);
    await unmerge(db, away);
    await unmerge(db, mergeId);
    expect(await db.kysely.selectFrom('members').select('email').where('id', '=', remove.id).executeTakeFirstOrThrow()).toEqual({ email: 'jd@example.org' });
  });

  it("the kept person gives back the e-mail and external id they took, keeps a value changed since, and what is theirs since", async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const keep = (await addMember(k, { name: 'Kim' }, source)).member;
    const remove = (await addMember(k, { name: 'Kim (old)', email: 'kim@example.org', externalId: 'cus_1', phone: '+33 1' }, source)).member;
    const mergeId = await merge(db, keep.id, remove.id);
    expect(await k.selectFrom('members').select(['email', 'external_id']).where('id', '=', keep.id).executeTakeFirstOrThrow()).toEqual({ email: 'kim@example.org', external_id: 'cus_1' });
    const edited = await k.selectFrom('members').selectAll().where('id', '=', keep.id).executeTakeFirstOrThrow();
    await editMember(k, edited, { phone: '+33 2' }, later);
    await addNote(k, edited, 'written after the merge', later);

    const plan = await planUnmerge(k, String(mergeId));
    expect(plan.restored.map((r) => r.field).sort()).toEqual(['email', 'external_id']);
    await unmerge(db, mergeId);
    const [kept, back] = await Promise.all([
      k.selectFrom('members').selectAll().where('id', '=', keep.id).executeTakeFirstOrThrow(),
      k.selectFrom('members').selectAll().where('id', '=', remove.id).executeTakeFirstOrThrow(),
    ]);
    expect(kept).toMatchObject({ email: null, email_key: null, external_id: null, phone: '+33 2' });
    expect(kept.updated_at).not.toBe(edited.updated_at);
    expect(back).toEqual(remove);
    expect((await k.selectFrom('notes').select('member_id').execute()).map((n) => n.member_id)).toEqual([keep.id]);
  });

  it('a merge id that is not a number is a usage error, an unknown one a data error', async () => {
    db = await freshDb(dialect);
    expect(((await planUnmerge(db.kysely, 'abc').catch((e: unknown) => e)) as UserError).exitCode).toBe(64);
    expect(((await planUnmerge(db.kysely, '99').catch((e: unknown) => e)) as UserError).message).toBe('no merge 99');
  });
});
