import fs from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type ImportOptions, importFile } from '../../src/core/import/run.js';
import { listBatches, undoBatch } from '../../src/core/import/undo.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { at, seedInvoice, seedPlan, source } from './people-fixtures.js';

const files = tempFolder('import-write');
const today = '2026-11-23';

const members = [
  'Name,Email,Company,Plan name,Start date,Next invoice date,Paid by,Tags,Notes,External ID,Locker',
  // the payer comes after the people she pays for
  'Bruno Keller,bruno@brightlabs.io,Bright Labs,Fixed Desk,2024-03-01,2027-01-01,Alice Martin,,,CRM-2,L2',
  'Chloé Dubois,chloe@brightlabs.io,Bright Labs,Fixed Desk,2025-09-15,2027-01-15,alice@brightlabs.io,designer,,CRM-3,',
  'Alice Martin,alice@brightlabs.io,Bright Labs,Hot Desk,2024-03-31,2027-01-31,,"founder, board",Pays for the team,CRM-1,L1',
  'Emma Schmidt,emma@nordlicht.de,Nordlicht GmbH,,,,,office manager,Contact only,CRM-9,',
];

function write(lines: string[], name = 'members.csv'): string {
  return files.write(name, `${lines.join('\n')}\n`);
}

function options(file: string, extra: Partial<ImportOptions> = {}): ImportOptions {
  return { file, mode: 'import', today, dryRun: false, onError: 'abort', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: { MEMBERCTL_ACTOR: 'test' }, ...extra };
}

async function counts(db: Db) {
  const count = async (table: 'members' | 'memberships' | 'companies' | 'member_fields' | 'member_tags' | 'notes' | 'audit_log' | 'import_batches' | 'tags') =>
    Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return {
    members: await count('members'),
    memberships: await count('memberships'),
    companies: await count('companies'),
    fields: await count('member_fields'),
    tags: await count('member_tags'),
    notes: await count('notes'),
    audit: await count('audit_log'),
    batches: await count('import_batches'),
  };
}

async function member(db: Db, email: string) {
  return db.kysely.selectFrom('members').selectAll().where('email_key', '=', email.toLowerCase()).executeTakeFirstOrThrow();
}

describe.each(dialects)('importing members on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());
  const start = async () => {
    db = await freshDb(dialect);
    await seedPlan(db.kysely, 'Hot Desk');
    await seedPlan(db.kysely, 'Fixed Desk', 35_000);
  };

  it('creates people, companies once, memberships with the imported schedule, fields, tags and notes', async () => {
    await start();
    const result = await importFile(db, options(write(members)));
    expect(result).toMatchObject({
      dryRun: false,
      rows: 4,
      created: { members: 4, companies: 2, memberships: 3 },
      updated: { members: 0, memberships: 0 },
      unchanged: 0,
      rejected: 0,
      written: true,
    });
    expect(result.batch).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);

    const alice = await member(db, 'alice@brightlabs.io');
    const bruno = await member(db, 'bruno@brightlabs.io');
    const chloe = await member(db, 'chloe@brightlabs.io');
    expect(bruno.paid_by_id).toBe(alice.id);
    expect(chloe.paid_by_id).toBe(alice.id);
    expect(alice.paid_by_id).toBeNull();
    expect(bruno.company_id).toBe(alice.company_id);
    expect(alice.external_id).toBe('CRM-1');

    const membership = await db.kysely.selectFrom('memberships').selectAll().where('member_id', '=', alice.id).executeTakeFirstOrThrow();
    // the period before the next invoice counts as paid; the anchor day comes from the next invoice date
    expect(membership).toMatchObject({
      start_date: '2024-03-31',
      next_invoice_date: '2027-01-31',
      first_recurring_date: '2027-01-31',
      covered_until: '2027-01-31',
      anchor_day: 31,
      quantity: 1,
      auto_renew: 1,
      prorate_first: 0,
      source: 'import',
    });
    const emma = await member(db, 'emma@nordlicht.de');
    expect(await db.kysely.selectFrom('memberships').select('id').where('member_id', '=', emma.id).execute()).toEqual([]);

    const fields = await db.kysely.selectFrom('member_fields').select(['member_id', 'key', 'value']).orderBy('value').execute();
    expect(fields).toEqual([
      { member_id: alice.id, key: 'Locker', value: 'L1' },
      { member_id: bruno.id, key: 'Locker', value: 'L2' },
    ]);
    const aliceTags = await db.kysely
      .selectFrom('member_tags')
      .innerJoin('tags', 'tags.id', 'member_tags.tag_id')
      .select('tags.name')
      .where('member_id', '=', alice.id)
      .orderBy('tags.name')
      .execute();
    expect(aliceTags.map((t) => t.name)).toEqual(['board', 'founder']);
    const note = await db.kysely.selectFrom('notes').selectAll().where('member_id', '=', alice.id).executeTakeFirstOrThrow();
    expect(note).toMatchObject({ body: 'Pays for the team', source: `import ${result.batch}` });

    // every write is in the audit log with the batch id
    const audit = await db.kysely.selectFrom('audit_log').selectAll().where('batch_id', '=', result.batch).execute();
    expect(audit.filter((e) => e.entity === 'members' && e.action === 'insert').map((e) => e.member_id).sort()).toEqual(
      [alice.id, bruno.id, chloe.id, emma.id].sort(),
    );
    expect(audit.filter((e) => e.entity === 'companies')).toHaveLength(2);
    expect(JSON.parse(audit.find((e) => e.member_id === alice.id)!.after!).membership).toEqual({ id: membership.id, plan: 'Hot Desk' });

    const [batch] = await listBatches(db.kysely);
    expect(batch).toMatchObject({ batch: result.batch, source: 'template', rows: 4, status: 'applied', created: result.created });
  });

  it('re-importing the same file changes nothing and reports every row unchanged', async () => {
    await start();
    const file = write(members);
    await importFile(db, options(file));
    const before = await counts(db);
    const again = await importFile(db, options(file));
    expect(again).toMatchObject({ batch: null, rows: 4, unchanged: 4, rejected: 0, written: false, created: { members: 0, companies: 0, memberships: 0 } });
    expect(await counts(db)).toEqual(before);
  });

  it('matches existing people by External ID, else e-mail, else exact name and company', async () => {
    await start();
    const k = db.kysely;
    const company = await k.insertInto('companies').values({ name: 'Acme', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    const byId = await k.insertInto('members').values({ name: 'Old Name', email: 'old@example.org', email_key: 'old@example.org', external_id: 'X1', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    const byEmail = await k.insertInto('members').values({ name: 'Eve', email: 'Eve@Example.org', email_key: 'eve@example.org', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    const byName = await k.insertInto('members').values({ name: 'Sam', company_id: company.id, created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    const file = write(['Name,Email,Company,External ID,Phone', 'New Name,new@example.org,,X1,+1', 'Eve,EVE@example.org,,,+2', 'Sam,,Acme,,+3', 'Sam,,,,+4']);

    const refused = await importFile(db, options(file));
    expect(refused.written).toBe(false);
    expect([...refused.problems].filter((p) => p.code === 'conflict_existing').map((p) => p.row)).toEqual([2, 3, 4]);
    expect([...refused.problems].find((p) => p.row === 2)!.message).toContain('--update');

    const result = await importFile(db, options(file, { update: true }));
    expect(result).toMatchObject({ created: { members: 1 }, updated: { members: 3 }, rejected: 0 });
    const after = await k.selectFrom('members').select(['id', 'name', 'email', 'phone']).orderBy('id').execute();
    expect(after).toEqual([
      { id: byId.id, name: 'New Name', email: 'new@example.org', phone: '+1' },
      // an empty cell keeps the value; the e-mail's case as written in the file is kept
      { id: byEmail.id, name: 'Eve', email: 'EVE@example.org', phone: '+2' },
      { id: byName.id, name: 'Sam', email: null, phone: '+3' },
      // the same name without the company is someone else
      { id: expect.any(Number), name: 'Sam', email: null, phone: '+4' },
    ]);
    expect(after[3]!.id).toBeGreaterThan(byName.id);
  });

  it('--update changes what differs and import undo restores the values before', async () => {
    await start();
    const first = await importFile(db, options(write(members)));
    const changed = members.map((line) => line.replace('CRM-2,L2', 'CRM-2,L7').replace('Fixed Desk,2024-03-01,2027-01-01', 'Hot Desk,2024-03-01,2027-01-01'));
    const second = await importFile(db, options(write(changed), { update: true }));
    expect(second).toMatchObject({ updated: { members: 1 }, created: { memberships: 1 }, unchanged: 3 });
    const bruno = await member(db, 'bruno@brightlabs.io');
    expect((await db.kysely.selectFrom('member_fields').select('value').where('member_id', '=', bruno.id).executeTakeFirstOrThrow()).value).toBe('L7');
    expect(await db.kysely.selectFrom('memberships').select('id').where('member_id', '=', bruno.id).execute()).toHaveLength(2);

    // the first batch cannot be undone while the second one changed its people
    const blocked = await undoBatch(db, first.batch!, { ...source, at: '2026-11-24T00:00:00.000Z' }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(UserError);
    expect((blocked as UserError).exitCode).toBe(65);
    expect((blocked as UserError).message).toContain(`import ${second.batch}`);
    expect((blocked as UserError).hint).toContain('undo that one first');

    const undone = await undoBatch(db, second.batch!, { ...source, at: '2026-11-24T00:00:00.000Z' });
    expect(undone).toMatchObject({ removed: { members: 0, memberships: 1 }, restored: { members: 1 } });
    expect((await db.kysely.selectFrom('member_fields').select('value').where('member_id', '=', bruno.id).executeTakeFirstOrThrow()).value).toBe('L2');
    expect(await db.kysely.selectFrom('memberships').select('id').where('member_id', '=', bruno.id).execute()).toHaveLength(1);

    await undoBatch(db, first.batch!, { ...source, at: '2026-11-24T00:00:00.000Z' });
    expect(await counts(db)).toMatchObject({ members: 0, memberships: 0, companies: 0, fields: 0, tags: 0, notes: 0 });
    expect((await listBatches(db.kysely)).map((b) => b.status)).toEqual(['undone', 'undone']);
    const again = await undoBatch(db, first.batch!, source).catch((e: unknown) => e);
    expect((again as UserError).message).toContain('already undone');
  });

  it('undo is refused while an invoice depends on the batch, listing it', async () => {
    await start();
    const result = await importFile(db, options(write(members)));
    const alice = await member(db, 'alice@brightlabs.io');
    const membership = await db.kysely.selectFrom('memberships').select('id').where('member_id', '=', alice.id).executeTakeFirstOrThrow();
    await seedInvoice(db.kysely, membership.id, [['2027-01-31', '2027-02-28']]);
    const before = await counts(db);
    const error = await undoBatch(db, result.batch!, source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/invoice T-\d+/);
    // voiding would not help: an issued invoice is kept for good, and the hint says so
    expect((error as UserError).hint).toContain('can no longer be undone');
    expect(await counts(db)).toEqual(before);
  });

  it('an aborted import still reports every conflict with existing members, before and after the failing row', async () => {
    await start();
    await importFile(db, options(write(members)));
    const before = await counts(db);
    const changed = [
      members[0]!,
      members[1]!.replace('CRM-2,L2', 'CRM-2,L7'),
      'Broken,broken@example.org,,Yoga,2025-01-01,2027-01-01,,,,,',
      members[3]!,
      members[4]!.replace('CRM-9,', 'CRM-9,L9'),
    ];
    for (const dryRun of [false, true]) {
      const result = await importFile(db, options(write(changed), { dryRun }));
      expect(result.written).toBe(false);
      expect([...result.problems].filter((p) => p.severity === 'error').map((p) => [p.row, p.code])).toEqual([
        [2, 'conflict_existing'],
        [3, 'unknown_plan'],
        [5, 'conflict_existing'],
      ]);
      expect(result.rejected).toBe(3);
    }
    expect(await counts(db)).toEqual(before);
  });

  it('a new tag of a category the database knows takes the category\'s spelling', async () => {
    await start();
    await importFile(db, options(write(['Name,Email,Tags', 'Ann,ann@example.org,Sport/Yoga'])));
    await importFile(db, options(write(['Name,Email,Tags', 'Bob,bob@example.org,"SPORT/Running, sport/yoga"'])));
    const tags = await db.kysely.selectFrom('tags').select('name').orderBy('name').execute();
    expect(tags.map((t) => t.name)).toEqual(['Sport/Running', 'Sport/Yoga']);
  });

  it('an e-mail written in other capitals is the same address: no conflict, and only --update respells it', async () => {
    await start();
    await importFile(db, options(write(members)));
    const shouting = members.map((line) => line.replace('alice@brightlabs.io', 'Alice@BrightLabs.io'));
    const again = await importFile(db, options(write(shouting)));
    expect(again).toMatchObject({ rejected: 0, unchanged: 4, updated: { members: 0 } });
    expect((await member(db, 'alice@brightlabs.io')).email).toBe('alice@brightlabs.io');
    const respelt = await importFile(db, options(write(shouting), { update: true }));
    expect(respelt).toMatchObject({ rejected: 0, unchanged: 3, updated: { members: 1 } });
    expect((await member(db, 'alice@brightlabs.io')).email).toBe('Alice@BrightLabs.io');
  });

  it('--on-error abort writes nothing when a row has an error', async () => {
    await start();
    const result = await importFile(db, options(write([...members, 'Broken,broken@example.org,,Yoga,2025-01-01,2027-01-01,,,,,'])));
    expect(result).toMatchObject({ written: false, batch: null, rejected: 1, created: { members: 0 } });
    expect(await counts(db)).toMatchObject({ members: 0, companies: 0, audit: 0, batches: 0 });
  });

  it('--on-error skip imports the valid rows and rejects a payee with its rejected payer, with the reason', async () => {
    await start();
    const lines = [
      members[0]!,
      'Payee,payee@example.org,,Hot Desk,2025-01-01,2027-01-01,Payer,,,,',
      'Payer,payer@example.org,,Yoga,2025-01-01,2027-01-01,,,,,',
      ...members.slice(1),
    ];
    const file = write(lines);
    const rejects = files.path('rejected.csv');
    const result = await importFile(db, options(file, { onError: 'skip', rejectsFile: rejects }));
    expect(result).toMatchObject({ written: true, rejected: 2, created: { members: 4 }, rejects });
    const cascade = [...result.problems].find((p) => p.code === 'payer_rejected')!;
    expect(cascade).toMatchObject({ row: 2, severity: 'error' });
    expect(cascade.message).toContain('row 3');
    expect(cascade.message).toContain('Yoga');
    const text = fs.readFileSync(rejects, 'utf8').replace(/^\uFEFF/, '');
    const rows = text.trim().split(/\r?\n/);
    expect(rows[0]).toBe(`${lines[0]},Error`);
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(['Payer', 'Payee']);
    expect(await counts(db)).toMatchObject({ members: 4 });
  });

  it('a dry run counts what would be written and writes nothing', async () => {
    await start();
    const result = await importFile(db, options(write(members), { dryRun: true }));
    expect(result).toMatchObject({ dryRun: true, batch: null, written: false, created: { members: 4, companies: 2, memberships: 3 } });
    expect(await counts(db)).toMatchObject({ members: 0, companies: 0, audit: 0, batches: 0 });
  });

  it('a prorated first invoice is billed from the start date', async () => {
    await start();
    await importFile(db, options(write(['Name,Plan name,Start date,Next invoice date,Prorate first invoice', 'Nina,Hot Desk,2026-11-16,2026-12-01,yes'])));
    const membership = await db.kysely.selectFrom('memberships').selectAll().executeTakeFirstOrThrow();
    expect(membership).toMatchObject({ next_invoice_date: '2026-11-16', first_recurring_date: '2026-12-01', anchor_day: 1, covered_until: null, prorate_first: 1 });
  });

  it('members update changes people found by e-mail or external id, all or nothing, and can be undone', async () => {
    await start();
    await importFile(db, options(write(members)));
    const file = write(['External ID,Email,Phone,Tags', 'CRM-1,,+33 1,vip', ',chloe@brightlabs.io,+33 2,']);
    const result = await importFile(db, options(file, { mode: 'update', update: true, source: 'members-update' }));
    expect(result).toMatchObject({ updated: { members: 2 }, created: { members: 0 }, rejected: 0 });
    expect((await member(db, 'alice@brightlabs.io')).phone).toBe('+33 1');
    expect((await member(db, 'chloe@brightlabs.io')).phone).toBe('+33 2');

    const refused = await importFile(db, options(write(['Email,Phone', 'alice@brightlabs.io,+33 9', 'ghost@example.org,+33 8']), { mode: 'update', update: true }));
    expect(refused).toMatchObject({ written: false, rejected: 1 });
    expect((await member(db, 'alice@brightlabs.io')).phone).toBe('+33 1');

    // membership columns without a plan name change the person's one membership
    const renew = await importFile(db, options(write(['Email,Auto renew,Quantity', 'bruno@brightlabs.io,no,3', 'emma@nordlicht.de,no,']), { mode: 'update', update: true }));
    expect(renew).toMatchObject({ written: false, rejected: 1 });
    expect([...renew.problems].find((p) => p.row === 3)!.message).toContain('no membership');
    const bruno = await importFile(db, options(write(['Email,Auto renew,Quantity', 'bruno@brightlabs.io,no,3']), { mode: 'update', update: true }));
    expect(bruno).toMatchObject({ updated: { members: 0, memberships: 1 } });
    const brunoId = (await member(db, 'bruno@brightlabs.io')).id;
    expect(await db.kysely.selectFrom('memberships').select(['auto_renew', 'quantity']).where('member_id', '=', brunoId).executeTakeFirstOrThrow()).toEqual({ auto_renew: 0, quantity: 3 });

    await undoBatch(db, bruno.batch!, source);
    expect(await db.kysely.selectFrom('memberships').select(['auto_renew', 'quantity']).where('member_id', '=', brunoId).executeTakeFirstOrThrow()).toEqual({ auto_renew: 1, quantity: 1 });
    await undoBatch(db, result.batch!, source);
    expect((await member(db, 'alice@brightlabs.io')).phone).toBeNull();
    const tags = await db.kysely.selectFrom('tags').select('name').execute();
    expect(tags.map((t) => t.name)).not.toContain('vip');
  });

  it('a first load of many rows writes them all, payers included, and leaves every index in place', async () => {
    await start();
    const count = 12_000;
    const lines = ['Name,Email,Company,Plan name,Start date,Next invoice date,Paid by,External ID'];
    for (let i = 1; i <= count; i += 1) {
      // every tenth person is paid for by the next one down, written after them
      const payer = i % 10 === 0 && i < count ? `member${i + 1}@example.org` : '';
      lines.push(`Member ${i},member${i}@example.org,Company ${i % 40},${i % 2 ? 'Hot Desk' : 'Fixed Desk'},2025-01-01,2027-01-01,${payer},crm-${i}`);
    }
    const indexes = async () => {
      const query =
        dialect === 'sqlite'
          ? sql<{ name: string }>`select name from sqlite_master where type = 'index' and sql is not null order by name`
          : sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() order by indexname`;
      return (await query.execute(db.kysely)).rows.map((r) => r.name);
    };
    const before = await indexes();
    const result = await importFile(db, options(write(lines, 'many.csv')));
    expect(result.created).toEqual({ members: count, companies: 40, memberships: count, mandates: 0 });
    expect(await indexes()).toEqual(before);
    const stored = await db.kysely
      .selectFrom('members as m')
      .leftJoin('members as p', 'p.id', 'm.paid_by_id')
      .innerJoin('memberships as s', 's.member_id', 'm.id')
      .select(['m.name', 'm.external_id', 'p.email as payer'])
      .orderBy('m.id')
      .execute();
    expect(stored).toHaveLength(count);
    const byName = new Map(stored.map((m) => [m.name, m]));
    for (let n = 1; n <= count; n += 1) {
      expect(byName.get(`Member ${n}`)).toEqual({ name: `Member ${n}`, external_id: `crm-${n}`, payer: n % 10 === 0 && n < count ? `member${n + 1}@example.org` : null });
    }
    // a second file with the same people matches them through the rebuilt indexes
    const again = await importFile(db, options(write(lines, 'many.csv')));
    expect(again.unchanged).toBe(count);
  }, 120_000);
});
