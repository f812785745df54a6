import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { importStripe, type StripeImportOptions, validateStripe } from '../../src/core/stripe/import-stripe.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { at } from './people-fixtures.js';

const folder = tempFolder('stripe-import-checks');
const today = '2026-01-20';
const priceMap = new Map([['price_HD', 'Hot Desk']]);

const customersCsv = 'id,Name,Email\ncus_1,Ann,ann@x.org\ncus_2,Bob,bob@x.org\n';
const subscriptionsHeader = 'id,Customer ID,Plan,Quantity,Status,Start Date (UTC),Current Period End (UTC)\n';
const subscription = (id: string, customer: string, status = 'active') => `${id},${customer},price_HD,1,${status},2025-01-01 10:00,2026-02-10 10:00\n`;

let files = 0;
/** Writes the exports under fresh names; rejects files go next to them. */
function exports(customers: string, subscriptions: string | null): Pick<StripeImportOptions, 'files' | 'rejects'> {
  files += 1;
  const c = folder.write(`customers-${files}.csv`, customers);
  const s = subscriptions === null ? null : folder.write(`subscriptions-${files}.csv`, subscriptions);
  return { files: { customers: c, subscriptions: s, prices: null }, rejects: { customers: `${c}.rejects.csv`, subscriptions: s && `${s}.rejects.csv` } };
}

function options(files: Pick<StripeImportOptions, 'files' | 'rejects'>, extra: Partial<StripeImportOptions> = {}): StripeImportOptions {
  return { ...files, priceMap, dateFormat: null, today, dryRun: false, onError: 'abort', update: false, cancelListFile: null, env: { MEMBERCTL_ACTOR: 'test' }, ...extra };
}

const lines = (file: string) => fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);

describe.each(dialects)('Stripe import checks on %s', (dialect) => {
  let db: Db;
  afterEach(async () => {
    await db?.close().catch(() => {});
  });
  const start = async () => {
    db = await freshDb(dialect);
    await db.kysely
      .insertInto('plans')
      .values({ name: 'Hot Desk', price: 20_000, currency: 'EUR', interval: 'month', every: 1, tax_rate: '20', credits: 0, passes: 0, auto_renew: 1, archived: 0, created_at: at, updated_at: at })
      .execute();
  };
  const memberships = () => db.kysely.selectFrom('memberships').innerJoin('members', 'members.id', 'memberships.member_id').select(['members.external_id as customer', 'memberships.external_id as subscription', 'memberships.do_not_renew']).orderBy('memberships.id').execute();

  it('validate compares customers with the members they stand for, like the import, and empty rows are counted', async () => {
    await start();
    await db.kysely.insertInto('members').values({ name: 'Ann Original', email: 'ann@x.org', email_key: 'ann@x.org', created_at: at, updated_at: at }).execute();
    const files = exports('id,Name,Email\ncus_1,Ann,ann@x.org\n,,\ncus_2,Bob,bob@\n', null);
    const validation = await validateStripe(db.kysely, options(files));
    expect(validation.problems.filter((p) => p.severity === 'error').map((p) => [p.row, p.code])).toEqual([
      [2, 'conflict_existing'],
      [4, 'invalid_email'],
    ]);
    expect(validation).toMatchObject({ rows: 2, emptyRows: 1, valid: false });
    const updating = await validateStripe(db.kysely, options(files), true);
    expect(updating.problems.map((p) => p.code)).not.toContain('conflict_existing');
    const imported = await importStripe(db, options(files, { dryRun: true }));
    expect(imported).toMatchObject({ rows: 2, emptyRows: 1 });
    expect(imported.problems.filter((p) => p.severity === 'error').map((p) => [p.row, p.code])).toEqual(validation.problems.filter((p) => p.severity === 'error').map((p) => [p.row, p.code]));
  });

  describe('a subscription id twice in the subscriptions export', () => {
    const twice = subscriptionsHeader + subscription('sub_1', 'cus_1') + subscription('sub_2', 'cus_2') + subscription('sub_1', 'cus_1');

    it('is a duplicate_member error on the later row naming the first, and nothing is written', async () => {
      await start();
      const files = exports(customersCsv, twice);
      const result = await importStripe(db, options(files));
      expect(result).toMatchObject({ aborted: true, written: false, created: { members: 0, memberships: 0 } });
      const errors = result.problems.filter((p) => p.severity === 'error');
      expect(errors).toMatchObject([{ code: 'duplicate_member', file: files.files.subscriptions, row: 4, column: 'id', value: 'sub_1' }]);
      expect(errors[0]!.message).toContain('row 2');
      expect(await memberships()).toEqual([]);
      expect(Number((await db.kysely.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
    });

    it('with --on-error skip keeps the customer out with all its subscriptions, as any subscription error does', async () => {
      await start();
      const files = exports(customersCsv, twice);
      const result = await importStripe(db, options(files, { onError: 'skip' }));
      expect(result).toMatchObject({ written: true, rejected: 1, created: { members: 1, memberships: 1 } });
      expect(await memberships()).toEqual([{ customer: 'cus_2', subscription: 'sub_2', do_not_renew: 0 }]);
      expect(result.toCancel.map((c) => c.subscriptionId)).toEqual(['sub_2']);
      expect(lines(files.rejects.customers).slice(1).map((l) => l.split(',')[0])).toEqual(['cus_1']);
      const subscriptionRejects = lines(files.rejects.subscriptions!).slice(1);
      expect(subscriptionRejects.map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['sub_1,cus_1', 'sub_1,cus_1']);
      expect(subscriptionRejects[0]).toContain('row 2');
    });

    it('a repeat under a canceled first row is refused too; validate reports what the import does', async () => {
      await start();
      const files = exports(customersCsv, subscriptionsHeader + subscription('sub_1', 'cus_2', 'canceled') + subscription('sub_1', 'cus_1'));
      const validation = await validateStripe(db.kysely, options(files));
      expect(validation.problems.filter((p) => p.severity === 'error')).toMatchObject([{ code: 'duplicate_member', row: 3 }]);
      const result = await importStripe(db, options(files, { dryRun: true }));
      expect(result.problems).toEqual(validation.problems);
    });

    it('the customer of the repeated subscription is still matched with the database, so every error of it is told', async () => {
      await start();
      await importStripe(db, options(exports(customersCsv, null)));
      // cus_1 now has Bob's e-mail: the id says Ann, the e-mail says Bob
      const files = exports('id,Name,Email\ncus_1,Ann,bob@x.org\n', subscriptionsHeader + subscription('sub_1', 'cus_1') + subscription('sub_1', 'cus_1'));
      const result = await importStripe(db, options(files, { onError: 'skip' }));
      expect(result.problems.filter((p) => p.severity === 'error').map((p) => p.code).sort()).toEqual(['conflict_existing', 'duplicate_member']);
      expect(result.rejected).toBe(1);
      expect(await memberships()).toEqual([]);
    });
  });

  it('booleans a French spreadsheet re-saved (VRAI/FAUX), and yes/no words, are read in any case', async () => {
    await start();
    const customers = 'id;Name;Email;Delinquent;Cancel At Period End\r\ncus_1;Ann;ann@x.org;FAUX;faux\r\ncus_2;Bob;bob@x.org;VRAI;Oui\r\n';
    const subscriptions = `${subscriptionsHeader.trim()},Cancel At Period End\n${subscription('sub_1', 'cus_1').trim()},Vrai\n${subscription('sub_2', 'cus_2').trim()},NO\n`;
    const result = await importStripe(db, options(exports(customers, subscriptions)));
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result).toMatchObject({ written: true, created: { members: 2, memberships: 2 } });
    // Ann's subscription says cancel at period end; Bob's customer row does
    expect(await memberships()).toEqual([
      { customer: 'cus_1', subscription: 'sub_1', do_not_renew: 1 },
      { customer: 'cus_2', subscription: 'sub_2', do_not_renew: 1 },
    ]);
    const tagged = await db.kysely.selectFrom('member_tags').innerJoin('members', 'members.id', 'member_tags.member_id').select('members.external_id').execute();
    expect(tagged.map((t) => t.external_id)).toEqual(['cus_2']);
  });

  it('a value the import does not keep (Created, Current Period Start, Canceled At, a subscription Amount) never keeps a row out', async () => {
    await start();
    const customers = 'id,Name,Email,Created (UTC)\r\ncus_1,Ann,ann@x.org,1/5/26 10:00\r\ncus_2,Bob,bob@x.org,yesterday\r\n';
    const subscriptions =
      'id,Customer ID,Plan,Status,Start Date (UTC),Current Period Start (UTC),Current Period End (UTC),Canceled At (UTC),Amount,Currency\n' +
      'sub_1,cus_1,price_HD,active,2025-01-01 10:00,1/5/26 10:00,2026-02-10 10:00,soon,abc,euro\n';
    const result = await importStripe(db, options(exports(customers, subscriptions)));
    // only the file-level warnings that the files were re-saved
    expect(result.problems.map((p) => [p.code, p.severity, p.row])).toEqual([
      ['stripe_dates_reformatted', 'warning', null],
      ['stripe_dates_reformatted', 'warning', null],
    ]);
    expect(result).toMatchObject({ written: true, rejected: 0, created: { members: 2, memberships: 1 } });
  });
});
