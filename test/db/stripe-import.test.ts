import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { readPlanMap } from '../../src/core/import/plan-map.js';
import { listBatches, undoBatch } from '../../src/core/import/undo.js';
import { validateStripe } from '../../src/core/stripe/import-stripe.js';
import { importStripe, type StripeImportOptions } from '../../src/core/stripe/import-stripe.js';
import { type Db, openDb } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { root } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { at } from './people-fixtures.js';

const fixture = (name: string) => path.join(root, 'fixtures', 'stripe', name);
const folder = tempFolder('stripe-import');
const today = '2026-01-15';
const priceMap = readPlanMap(fixture('price-map.json'), false);

/** fixtures/plans.csv */
async function seedPlans(db: Db): Promise<void> {
  const plans: Array<[string, number, 'month' | 'year', 0 | 1]> = [
    ['Hot Desk', 20_000, 'month', 1],
    ['Fixed Desk', 35_000, 'month', 1],
    ['Private Office', 120_000, 'month', 1],
    ['Association Annual', 12_000, 'year', 0],
  ];
  for (const [name, price, interval, autoRenew] of plans) {
    await db.kysely
      .insertInto('plans')
      .values({ name, price, currency: 'EUR', interval, every: 1, tax_rate: '20', credits: 0, passes: 0, auto_renew: autoRenew, archived: 0, created_at: at, updated_at: at })
      .execute();
  }
}

function options(extra: Partial<StripeImportOptions> = {}): StripeImportOptions {
  const customers = extra.files?.customers ?? fixture('customers.csv');
  return {
    files: { customers, subscriptions: fixture('subscriptions.csv'), prices: fixture('prices.csv') },
    priceMap,
    dateFormat: null,
    today,
    dryRun: false,
    onError: 'abort',
    update: false,
    rejects: { customers: path.join(folder.dir, `${path.basename(customers)}.rejects.csv`), subscriptions: path.join(folder.dir, 'subscriptions.rejects.csv') },
    cancelListFile: null,
    env: { MEMBERCTL_ACTOR: 'test' },
    ...extra,
  };
}

async function count(db: Db, table: 'members' | 'memberships' | 'ledger_entries' | 'audit_log' | 'import_batches' | 'member_fields' | 'notes' | 'member_tags'): Promise<number> {
  return Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
}

const memberByExternalId = (db: Db, id: string) => db.kysely.selectFrom('members').selectAll().where('external_id', '=', id).executeTakeFirstOrThrow();

/** Identifying values of the fixtures' card columns. */
function cardSecrets(): string[] {
  const secrets = new Set<string>();
  for (const name of ['customers.csv', 'customers-2019.csv']) {
    const text = fs.readFileSync(fixture(name), 'utf8');
    for (const match of text.matchAll(/card_1Pb\w+|Fp\d+xQwErTy\d+ZuIoP|\d+ Card Street|Cardville/g)) secrets.add(match[0]);
  }
  expect(secrets.size).toBeGreaterThan(20);
  return [...secrets];
}

/** Everything the database holds, as text: the SQLite file's bytes, or every row of every PostgreSQL table. */
async function databaseText(db: Db, dialect: string, url: string): Promise<string> {
  if (dialect === 'sqlite') {
    await db.close();
    return [url, `${url}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
  }
  const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public'`.execute(db.kysely);
  const parts: string[] = [];
  for (const { tablename } of tables.rows) {
    const rows = await sql<{ row: unknown }>`select row_to_json(t) as row from ${sql.table(tablename)} t`.execute(db.kysely);
    parts.push(JSON.stringify(rows.rows));
  }
  return parts.join('\n');
}

describe.each(dialects)('import stripe on %s', (dialect) => {
  let db: Db;
  let url: string;
  afterEach(async () => {
    await db?.close().catch(() => {});
  });
  const start = async () => {
    url = await freshDbUrl(dialect);
    db = await openDb(url);
    await migrateToLatest(db);
    await db.kysely.insertInto('settings').values({ key: 'timezone', value: 'Europe/Paris', updated_at: at }).execute();
    await seedPlans(db);
  };

  it('imports customers as members and subscriptions as memberships, in one batch of source stripe', async () => {
    await start();
    const result = await importStripe(db, options());
    expect(result).toMatchObject({
      dryRun: false,
      written: true,
      aborted: false,
      rejected: 0,
      created: { members: 14, companies: 0, memberships: 10 },
      updated: { members: 0, memberships: 0 },
      unchanged: 0,
      notImported: { canceled: 3, incomplete_expired: 1 },
    });
    const [batch] = await listBatches(db.kysely);
    expect(batch).toMatchObject({ batch: result.batch, source: 'stripe', file: fixture('customers.csv'), rows: 14 + 14 + 7 });

    const helene = await memberByExternalId(db, 'cus_PbA1HeleneGarni');
    expect(helene).toMatchObject({ name: 'Hélène Garnier', email: 'helene.garnier@atelier-lumiere.fr', tax_id: 'FR40123456824', address: "5 rue de l'Église, 75015 Paris, FR" });
    const fields = await db.kysely.selectFrom('member_fields').select(['key', 'value']).where('member_id', '=', helene.id).orderBy('key').execute();
    expect(fields).toEqual([
      { key: 'desk_number', value: 'Office 3' },
      { key: 'membership_number', value: 'A-101' },
      { key: 'referral', value: 'website' },
    ]);
    expect((await db.kysely.selectFrom('notes').select('body').where('member_id', '=', helene.id).execute()).map((n) => n.body)).toEqual(['Founder of Atelier Lumière, pays by card']);
    const office = await db.kysely.selectFrom('memberships').selectAll().where('member_id', '=', helene.id).executeTakeFirstOrThrow();
    expect(office).toMatchObject({ external_id: 'sub_1PbS01HelenePO', start_date: '2024-03-15', next_invoice_date: '2026-02-15', covered_until: '2026-02-15', anchor_day: 15, quantity: 1, do_not_renew: 0 });

    const memberships = await db.kysely.selectFrom('memberships').select(['external_id', 'quantity', 'do_not_renew', 'do_not_renew_reason', 'next_invoice_date', 'auto_renew']).execute();
    const bySub = new Map(memberships.map((m) => [m.external_id, m]));
    expect(bySub.get('sub_1PbS04EtienFD2')!.quantity).toBe(2);
    expect(bySub.get('sub_1PbS08AnaisAA')).toMatchObject({ do_not_renew: 1, do_not_renew_reason: 'Cancel at period end in Stripe', auto_renew: 0 });
    expect(bySub.get('sub_1PbS05NoemiHD')!.next_invoice_date).toBe('2026-02-01'); // 23:30 UTC, Europe/Paris
    expect(bySub.get('sub_1PbS06StudioTr')!.next_invoice_date).toBe('2026-01-19'); // trial end
    expect(bySub.has('sub_1PbS02HeleneHD')).toBe(false); // canceled

    const loic = await memberByExternalId(db, 'cus_PbA8LoicMercie');
    const credit = await db.kysely.selectFrom('ledger_entries').selectAll().where('member_id', '=', loic.id).execute();
    expect(credit).toMatchObject([{ unit: 'credit', kind: 'import', amount: 2500, currency: 'EUR', date: today, grant_id: null }]);
    expect(await count(db, 'ledger_entries')).toBe(1);

    const mael = await memberByExternalId(db, 'cus_PbA6MaelGuerin');
    const tags = await db.kysely.selectFrom('member_tags').innerJoin('tags', 'tags.id', 'member_tags.tag_id').select('tags.name').where('member_id', '=', mael.id).execute();
    expect(tags.map((t) => t.name)).toEqual(['Stripe/Delinquent']);

    const guests = await db.kysely.selectFrom('members').select(['name', 'email', 'external_id']).where('external_id', 'is', null).orderBy('id').execute();
    expect(guests).toEqual([
      { name: 'Lucas Meyer', email: 'lucas.meyer@example.org', external_id: null },
      { name: 'day.pass.visitor@example.org', email: 'day.pass.visitor@example.org', external_id: null },
    ]);
    // every write is in the audit log with the batch
    const audits = await db.kysely.selectFrom('audit_log').select(['entity', 'batch_id']).execute();
    expect(audits.every((a) => a.batch_id === result.batch)).toBe(true);
    expect(audits.filter((a) => a.entity === 'members')).toHaveLength(14);
    expect(audits.filter((a) => a.entity === 'ledger_entries')).toHaveLength(1);

    expect(result.toCancel.map((c) => c.subscriptionId).sort()).toEqual([...bySub.keys()].sort());
  });

  it('stores no card data: neither the database file nor its rows hold a card value', async () => {
    await start();
    const secrets = cardSecrets();
    const ok = await importStripe(db, options());
    expect(ok.written).toBe(true);
    const skipped = await importStripe(db, options({ files: { customers: fixture('customers-2019.csv'), subscriptions: fixture('subscriptions-2019.csv'), prices: null }, onError: 'skip', update: true }));
    const rejects = [skipped.rejects!.customers!, skipped.rejects!.subscriptions!].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const text = await databaseText(db, dialect, url);
    expect(text).toContain('helene.garnier@atelier-lumiere.fr');
    expect(rejects).toContain('cus_GzB4HeleneDupl');
    for (const secret of secrets) {
      expect(text, secret).not.toContain(secret);
      expect(rejects, secret).not.toContain(secret);
      expect(JSON.stringify(skipped), secret).not.toContain(secret);
    }
    expect(rejects).not.toMatch(/Card /);
  });

  it('re-importing the same exports changes nothing', async () => {
    await start();
    const first = await importStripe(db, options());
    const audits = await count(db, 'audit_log');
    const again = await importStripe(db, options());
    expect(again).toMatchObject({ written: false, batch: null, unchanged: 14, rejected: 0, created: { members: 0, memberships: 0 }, updated: { members: 0, memberships: 0 } });
    expect(await count(db, 'audit_log')).toBe(audits);
    expect(await count(db, 'ledger_entries')).toBe(1);
    expect((await listBatches(db.kysely)).map((b) => b.batch)).toEqual([first.batch]);
    // the subscriptions are still to cancel in Stripe: a re-run lists them again
    expect(again.toCancel).toHaveLength(first.toCancel.length);
  });

  it('import undo removes the members, memberships and credit the batch created', async () => {
    await start();
    const result = await importStripe(db, options());
    const undone = await undoBatch(db, result.batch!, { actor: 'test', at: '2026-01-16T10:00:00.000Z' });
    expect(undone.removed).toMatchObject({ members: 14, memberships: 10 });
    for (const table of ['members', 'memberships', 'ledger_entries', 'member_fields', 'notes', 'member_tags'] as const) expect(await count(db, table), table).toBe(0);
    // and the exports can be imported again
    expect((await importStripe(db, options())).created.members).toBe(14);
  });

  it('a changed customer is a conflict without --update and updated with it; a new subscription adds a membership', async () => {
    await start();
    await importStripe(db, options());
    const customers = fs.readFileSync(fixture('customers.csv'), 'utf8').replace('jerome.faure@atelier-lumiere.fr', 'jerome@faure.fr');
    const subscriptions = fs
      .readFileSync(fixture('subscriptions.csv'), 'utf8')
      .replace('sub_1PbS02HeleneHD,cus_PbA1HeleneGarni,"Founder of Atelier Lumière, pays by card",helene.garnier@atelier-lumiere.fr,Hélène Garnier,price_1OaHotDeskMonthly,prod_PbHotDesk01,1,eur,month,200.00,canceled', 'sub_1PbS02HeleneHD,cus_PbA1HeleneGarni,"Founder of Atelier Lumière, pays by card",helene.garnier@atelier-lumiere.fr,Hélène Garnier,price_1OaHotDeskMonthly,prod_PbHotDesk01,1,eur,month,200.00,active');
    expect(subscriptions).not.toEqual(fs.readFileSync(fixture('subscriptions.csv'), 'utf8'));
    const files = { customers: folder.write('customers.csv', customers), subscriptions: folder.write('subscriptions.csv', subscriptions), prices: fixture('prices.csv') };
    const refused = await importStripe(db, options({ files }));
    expect(refused.aborted).toBe(true);
    const conflicts = refused.problems.filter((p) => p.code === 'conflict_existing');
    expect(conflicts.map((p) => p.row)).toEqual([2, 3]);
    expect(conflicts[1]!.message).toContain('jerome@faure.fr');
    expect(conflicts[0]!.message).toContain('adds a membership on "Hot Desk"');

    const updated = await importStripe(db, options({ files, update: true }));
    expect(updated).toMatchObject({ written: true, updated: { members: 1, memberships: 0 }, created: { members: 0, memberships: 1 }, unchanged: 12 });
    expect((await memberByExternalId(db, 'cus_PbA2JeromeFaur')).email).toBe('jerome@faure.fr');
    const helene = await memberByExternalId(db, 'cus_PbA1HeleneGarni');
    const hers = await db.kysely.selectFrom('memberships').select('external_id').where('member_id', '=', helene.id).orderBy('external_id').execute();
    expect(hers.map((m) => m.external_id)).toEqual(['sub_1PbS01HelenePO', 'sub_1PbS02HeleneHD']);
    // undo restores the e-mail and removes the added membership
    await undoBatch(db, updated.batch!, { actor: 'test', at: '2026-01-16T10:00:00.000Z' });
    expect((await memberByExternalId(db, 'cus_PbA2JeromeFaur')).email).toBe('jerome.faure@atelier-lumiere.fr');
    expect(await db.kysely.selectFrom('memberships').select('id').where('member_id', '=', helene.id).execute()).toHaveLength(1);
  });

  it('a paused subscription is a membership paused from its next invoice date until resumed; importing again adds no pause, undo removes it', async () => {
    await start();
    const subscriptions = fs
      .readFileSync(fixture('subscriptions.csv'), 'utf8')
      .replace('sub_1PbS02HeleneHD,cus_PbA1HeleneGarni,"Founder of Atelier Lumière, pays by card",helene.garnier@atelier-lumiere.fr,Hélène Garnier,price_1OaHotDeskMonthly,prod_PbHotDesk01,1,eur,month,200.00,canceled,2022-03-15 09:12,2022-03-15 09:12,2024-02-15 09:12,2024-03-15 09:12,,,,,,2024-03-15 09:12,false,2024-03-15 09:12,cancellation_requested', 'sub_1PbS02HeleneHD,cus_PbA1HeleneGarni,"Founder of Atelier Lumière, pays by card",helene.garnier@atelier-lumiere.fr,Hélène Garnier,price_1OaHotDeskMonthly,prod_PbHotDesk01,1,eur,month,200.00,paused,2022-03-15 09:12,2022-03-15 09:12,2026-01-10 09:12,2026-02-10 09:12,,,,,,,false,,');
    expect(subscriptions).not.toEqual(fs.readFileSync(fixture('subscriptions.csv'), 'utf8'));
    const files = { customers: fixture('customers.csv'), subscriptions: folder.write('paused.csv', subscriptions), prices: fixture('prices.csv') };
    const imported = await importStripe(db, options({ files }));
    expect(imported.notImported).toEqual({ canceled: 2, incomplete_expired: 1 });
    const membership = await db.kysely.selectFrom('memberships').selectAll().where('external_id', '=', 'sub_1PbS02HeleneHD').executeTakeFirstOrThrow();
    expect(membership.next_invoice_date).toBe('2026-02-10');
    const pauses = await db.kysely.selectFrom('pauses').selectAll().execute();
    expect(pauses.map((p) => [p.membership_id, p.start_date, p.end_date, p.reason])).toEqual([[membership.id, '2026-02-10', null, 'Paused in Stripe']]);
    const again = await importStripe(db, options({ files }));
    expect(again.written).toBe(false);
    expect(await db.kysely.selectFrom('pauses').select('id').execute()).toHaveLength(1);
    await undoBatch(db, imported.batch!, { actor: 'test', at: '2026-01-16T10:00:00.000Z' });
    expect(await db.kysely.selectFrom('pauses').select('id').execute()).toHaveLength(0);
  });

  it('errors abort everything; --on-error skip imports the rest and writes both rejects files', async () => {
    await start();
    const files = { customers: fixture('customers-2019.csv'), subscriptions: fixture('subscriptions-2019.csv'), prices: null };
    const aborted = await importStripe(db, options({ files }));
    expect(aborted).toMatchObject({ aborted: true, written: false, rejected: 4, created: { members: 0 } });
    expect(await count(db, 'members')).toBe(0);

    const rejects = { customers: path.join(folder.dir, 'skip-customers.csv'), subscriptions: path.join(folder.dir, 'skip-customers.subscriptions.csv') };
    const skipped = await importStripe(db, options({ files, onError: 'skip', rejects, cancelListFile: path.join(folder.dir, 'cancel.csv') }));
    expect(skipped).toMatchObject({ written: true, rejected: 4, created: { members: 12, memberships: 9 } });
    expect(skipped.rejects).toEqual(rejects);
    const customerRejects = fs.readFileSync(rejects.customers, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    expect(customerRejects[0]).toBe('id,Description,Email,Name,Created (UTC),Plan,Status,Cancel At Period End,Account Balance,Currency,Business Vat ID,Delinquent,Coupon,Discount,member_since (metadata),Error');
    // Maël (unknown plan), the duplicate e-mail, the empty guest
    expect(customerRejects.slice(1).map((l) => l.split(',')[0])).toEqual(['cus_PbA6MaelGuerin', 'cus_GzB4HeleneDupl', '']);
    expect(customerRejects[2]).toContain('row 2');
    const subscriptionRejects = fs.readFileSync(rejects.subscriptions, 'utf8').trim().split('\n');
    expect(subscriptionRejects.slice(1).map((l) => l.split(',')[0])).toEqual(['sub_1PbS07MaelPD', 'sub_GzS15Unknown']);
    expect(subscriptionRejects[2]).toContain('not in the customers file');
    // only the imported subscriptions are to cancel in Stripe
    const cancel = fs.readFileSync(path.join(folder.dir, 'cancel.csv'), 'utf8').trim().split('\n');
    expect(cancel[0]).toBe('Subscription ID,Customer ID,Customer Email,Plan,Next Stripe Billing Date');
    expect(cancel.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(skipped.toCancel.map((c) => c.subscriptionId).sort());
    expect(cancel).toHaveLength(10);
    expect(cancel.join('\n')).not.toContain('sub_1PbS07MaelPD');
    expect(cancel.join('\n')).toContain('sub_1PbS01HelenePO,cus_PbA1HeleneGarni,helene.garnier@atelier-lumiere.fr,Private Office,2026-02-15');
  });

  it('a dry run counts and writes nothing, no list, no rejects', async () => {
    await start();
    const cancelListFile = path.join(folder.dir, 'dry-cancel.csv');
    const result = await importStripe(db, options({ dryRun: true, cancelListFile }));
    expect(result).toMatchObject({ dryRun: true, written: false, batch: null, created: { members: 14, memberships: 10 } });
    expect(result.toCancel).toHaveLength(10);
    expect(result.cancelList).toBeNull();
    expect(fs.existsSync(cancelListFile)).toBe(false);
    expect(await count(db, 'members')).toBe(0);
    expect(await count(db, 'import_batches')).toBe(0);
  });

  it('a customer with several active subscriptions gets one membership each', async () => {
    await start();
    const subscriptions = fs.readFileSync(fixture('subscriptions.csv'), 'utf8').replace(/(sub_1PbS13SamHD,.*?),canceled,/, '$1,active,');
    const files = { customers: fixture('customers.csv'), subscriptions: folder.write('sam.csv', subscriptions), prices: fixture('prices.csv') };
    const result = await importStripe(db, options({ files }));
    expect(result.created).toMatchObject({ members: 14, memberships: 11 });
    const sam = await memberByExternalId(db, 'cus_PbB3SamOkafor0');
    const his = await db.kysely.selectFrom('memberships').select(['external_id']).where('member_id', '=', sam.id).orderBy('external_id').execute();
    expect(his.map((m) => m.external_id)).toEqual(['sub_1PbS13SamHD', 'sub_1PbS14SamFD']);
    const again = await importStripe(db, options({ files }));
    expect(again.unchanged).toBe(14);
    await undoBatch(db, result.batch!, { actor: 'test', at: '2026-01-16T10:00:00.000Z' });
    expect(await count(db, 'memberships')).toBe(0);
  });

  it('validate reports the same problems as the import, writes nothing', async () => {
    await start();
    const request = { files: { customers: fixture('customers-2019.csv'), subscriptions: fixture('subscriptions-2019.csv'), prices: null }, priceMap, dateFormat: null, today };
    const validation = await validateStripe(db.kysely, request);
    expect(validation).toMatchObject({ source: 'stripe', valid: false, errors: 4, rows: 15 + 15, files: { customers: 15, subscriptions: 15, prices: null } });
    const imported = await importStripe(db, options({ files: request.files, dryRun: true }));
    expect(imported.problems).toEqual(validation.problems);
    expect(await count(db, 'members')).toBe(0);
  });
});
