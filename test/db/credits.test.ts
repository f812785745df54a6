import { afterEach, describe, expect, it } from 'vitest';
import { creditsView } from '../../src/core/billing/credits.js';
import { voidInvoice } from '../../src/core/billing/invoices.js';
import { cancelPayment, recordPayment } from '../../src/core/billing/payments.js';
import { spend } from '../../src/core/renewals/spending.js';
import { recordTransitions } from '../../src/core/renewals/transitions.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { addPerson, bill, source, subscribe } from './invoicing-fixtures.js';
import { addGrantingPlan, invoiceOf, ledgerSum, payInFull, renew, renewalSnapshot } from './renewals-fixtures.js';

describe.each(dialects)('credits and passes on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  /** A monthly plan granting 10.00 and 2 passes per period; Ann has 2 seats from Jan 1, billed on Mar 1 (three periods). */
  async function threeMonths() {
    db = await freshDb(dialect);
    const k = db.kysely;
    const desk = await addGrantingPlan(k, 'Desk', { price: 5000, interval: 'month', autoRenew: true, credits: 1000, passes: 2 });
    const ann = await addPerson(k, 'Ann');
    const membership = await subscribe(k, ann, desk, { startDate: '2026-01-01', quantity: 2 });
    await bill(db, '2026-03-01');
    const number = await invoiceOf(k, membership, '2026-01-01');
    return { ann, membership, number };
  }

  const view = (member: number) => creditsView(db.kysely, { id: member, name: 'Ann' });
  const use = (member: number, unit: 'credit' | 'pass', amount: number, asOf: string) =>
    spend(db.kysely, { id: member, name: 'Ann' }, { unit, amount, currency: unit === 'credit' ? 'EUR' : null, description: null }, asOf, source);

  it('grants each billed period\'s credits and passes, times the quantity, once the invoice is paid, and only once', async () => {
    const { ann, number } = await threeMonths();
    expect((await view(ann)).credits.balance).toBe('0.00');
    await payInFull(db, number, '2026-03-05');
    const shown = await view(ann);
    expect(shown.credits).toEqual({
      balance: '60.00',
      currency: 'EUR',
      frozen: '0.00',
      grants: [1, 2, 3].map(() => ({ grantedOn: '2026-03-05', granted: '20.00', remaining: '20.00', frozen: '0.00', expiresOn: '2027-03-05' })),
    });
    expect(shown.passes.balance).toBe(12);
    // an overpayment is credit on the payer, not another grant
    await db.kysely.transaction().execute((trx) => recordPayment(trx, number, { amount: '5', method: 'cash', date: '2026-03-06', reference: null, overpay: true }, '2026-03-06', source));
    const overpaid = await view(ann);
    expect([overpaid.credits.balance, overpaid.money]).toEqual(['60.00', { balance: '5.00', currency: 'EUR' }]);
    expect(await db.kysely.selectFrom('ledger_entries').select('id').where('kind', '=', 'grant').execute()).toHaveLength(6);
  });

  it('a cancelled payment takes back what remains of the grants; paying again grants what was taken back', async () => {
    const { ann, number } = await threeMonths();
    await payInFull(db, number, '2026-03-05');
    await use(ann, 'credit', 2500, '2026-03-10');
    await use(ann, 'pass', 5, '2026-03-10');
    const payment = await db.kysely.selectFrom('payments').select('id').executeTakeFirstOrThrow();
    await db.kysely.transaction().execute((trx) => cancelPayment(trx, payment.id, 'cheque bounced', '2026-03-12', source));
    const taken = await view(ann);
    expect([taken.credits.balance, taken.passes.balance]).toEqual(['0.00', 0]);
    // 25.00 and 5 passes were used from the oldest grants: what remains of the others is taken back
    expect(taken.ledger.filter((e) => e.kind === 'refund').map((e) => e.amount)).toEqual(['-15.00', -3, '-20.00', -4]);
    await payInFull(db, number, '2026-03-20');
    const again = await view(ann);
    expect([again.credits.balance, again.passes.balance]).toEqual(['35.00', 7]);
    expect(again.credits.grants.map((g) => [g.grantedOn, g.granted, g.expiresOn])).toEqual([['2026-03-20', '35.00', '2027-03-20']]);
    // voiding the paid invoice takes the grants back too (what was paid becomes credit on the payer)
    await db.kysely.transaction().execute((trx) => voidInvoice(trx, number, 'wrong plan', '2026-03-25', source));
    const voided = await view(ann);
    expect([voided.credits.grants, voided.passes.balance]).toEqual([[], 0]);
    expect([voided.credits.balance, voided.money.balance]).toEqual(['0.00', '300.00']);
    expect(await ledgerSum(db.kysely, ann, 'credit')).toBe(Number(voided.money.balance.replace('.', '')));
  });

  it('spends oldest grant first; more than the balance is refused (65) and writes nothing', async () => {
    const { ann, number } = await threeMonths();
    await payInFull(db, number, '2026-03-05');
    const before = await renewalSnapshot(db.kysely);
    const refused = await rejection(use(ann, 'credit', 6001, '2026-03-10'));
    expect([refused.exitCode, refused.message]).toEqual([65, 'Ann has 60.00 EUR: cannot use 60.01 EUR']);
    expect((await rejection(use(ann, 'pass', 13, '2026-03-10'))).exitCode).toBe(65);
    expect(await renewalSnapshot(db.kysely)).toEqual(before);
    const used = await use(ann, 'credit', 2500, '2026-03-10');
    expect(used.drawn.map((d) => d.amount)).toEqual(['20.00', '5.00']);
    expect(used.balance).toBe('35.00');
    expect((await view(ann)).credits.grants.map((g) => g.remaining)).toEqual(['15.00', '20.00']);
  });

  it('expires what remains after credit-validity-months with one ledger entry per grant, once', async () => {
    const { ann, number } = await threeMonths();
    await db.kysely.insertInto('settings').values({ key: 'credit-validity-months', value: '3', updated_at: source.at }).execute();
    await payInFull(db, number, '2026-03-05');
    await use(ann, 'credit', 2500, '2026-03-10');
    expect((await renew(db, '2026-06-04')).expired).toEqual({ credits: 0, passes: 0 });
    // on the expiry date, before the job runs, a spending cannot draw on the expired grants, and writes nothing
    const before = await renewalSnapshot(db.kysely);
    expect((await rejection(use(ann, 'credit', 100, '2026-06-05'))).message).toBe('Ann has 0.00 EUR: cannot use 1.00 EUR');
    expect(await renewalSnapshot(db.kysely)).toEqual(before);
    const run = await renew(db, '2026-06-05');
    // the first grant was spent whole: only two still had something left
    expect(run.expired).toEqual({ credits: 2, passes: 3 });
    expect((await renew(db, '2026-06-05')).expired).toEqual({ credits: 0, passes: 0 });
    expect((await renew(db, '2026-09-01')).expired).toEqual({ credits: 0, passes: 0 });
    const shown = await view(ann);
    expect([shown.credits.balance, shown.passes.balance, shown.credits.grants]).toEqual(['0.00', 0, []]);
    expect(shown.ledger.filter((e) => e.kind === 'expire').map((e) => [e.date, e.amount])).toEqual([
      ['2026-06-05', -4],
      ['2026-06-05', '-15.00'],
      ['2026-06-05', -4],
      ['2026-06-05', '-20.00'],
      ['2026-06-05', -4],
    ]);
    expect(await db.kysely.selectFrom('ledger_entries').select('id').where('kind', '=', 'expire').execute()).toHaveLength(6);
  });

  it('frozen while suspended, released when not; spending while suspended is refused and writes nothing', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await k.insertInto('settings').values({ key: 'credit-validity-months', value: '24', updated_at: source.at }).execute();
    const annual = await addGrantingPlan(k, 'Annual', { price: 12000, credits: 3000, passes: 2 });
    const ann = await addPerson(k, 'Ann');
    const membership = await subscribe(k, ann, annual, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    await payInFull(db, await invoiceOf(k, membership, '2026-01-01'), '2026-01-05');
    // not renewed: grace from Jan 1 2027, suspended from Jan 31
    expect((await renew(db, '2027-01-01')).transitions.map((t) => [t.from, t.to])).toEqual([['member', 'grace']]);
    expect((await renew(db, '2027-01-31')).transitions.map((t) => [t.from, t.to])).toEqual([['grace', 'suspended']]);
    const frozen = await view(ann);
    expect([frozen.credits.balance, frozen.credits.frozen, frozen.passes.balance, frozen.passes.frozen]).toEqual(['0.00', '30.00', 0, 2]);
    const before = await renewalSnapshot(k);
    expect((await rejection(use(ann, 'pass', 1, '2027-01-31'))).message).toContain('frozen while they are suspended');
    expect(await renewalSnapshot(k)).toEqual(before);

    // a late acceptance, paid: no longer suspended, released at the next run (or at once by a spending)
    await renewNowAndAccept(membership, '2027-02-02');
    await payInFull(db, await invoiceOf(k, membership, '2027-01-01'), '2027-02-03');
    const used = await use(ann, 'pass', 1, '2027-02-03');
    expect(used.balance).toBe(3);
    expect((await renew(db, '2027-02-03')).transitions).toEqual([]);
    const released = await view(ann);
    expect([released.credits.balance, released.credits.frozen]).toEqual(['60.00', '0.00']);
    // the new grants arrived while Ann was still recorded as suspended: frozen at once, released with the others
    expect(released.ledger.map((e) => e.kind)).toEqual([
      ...['grant', 'grant', 'freeze', 'freeze'],
      ...['grant', 'freeze', 'grant', 'freeze', 'unfreeze', 'unfreeze', 'unfreeze', 'unfreeze', 'use'],
    ]);
  });

  async function renewNowAndAccept(membership: number, asOf: string) {
    const { acceptRenewal, renewNow } = await import('../../src/core/renewals/renewals.js');
    const { renewal } = await renewNow(db.kysely, membership, asOf, source);
    await acceptRenewal(db.kysely, renewal.id, asOf, source);
  }

  it('a grant made while the member is recorded as suspended is frozen at once', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const annual = await addGrantingPlan(k, 'Annual', { price: 12000, credits: 3000 });
    const bob = await addPerson(k, 'Bob');
    const membership = await subscribe(k, bob, annual, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    expect((await renew(db, '2026-01-31')).transitions.map((t) => t.to)).toEqual(['suspended']);
    await payInFull(db, await invoiceOf(k, membership, '2026-01-01'), '2026-02-10');
    expect((await view(bob)).credits).toMatchObject({ balance: '0.00', frozen: '30.00' });
    await renew(db, '2026-02-11');
    expect((await view(bob)).credits).toMatchObject({ balance: '30.00', frozen: '0.00' });
    expect(await ledgerSum(k, bob, 'credit')).toBe(3000);
  });

  it('merging a suspended member into one who is not releases the grants that move; into a suspended one, freezes them', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const annual = await addGrantingPlan(k, 'Annual', { price: 12000, credits: 3000 });
    const people: Record<string, number> = {};
    for (const name of ['Ann', 'Ann D.', 'Bob', 'Bob D.']) {
      people[name] = await addPerson(k, name);
      await subscribe(k, people[name]!, annual, { startDate: name.endsWith('D.') ? '2026-01-01' : '2026-02-01' });
    }
    await bill(db, '2026-01-01');
    // the duplicates pay January late and are recorded as suspended first; Ann pays February, Bob never does
    expect((await renew(db, '2026-01-31')).transitions.map((t) => t.to)).toEqual(['suspended', 'suspended']);
    await bill(db, '2026-02-01');
    for (const name of ['Ann D.', 'Bob D.', 'Ann']) {
      const membership = await k.selectFrom('memberships').select('id').where('member_id', '=', people[name]!).executeTakeFirstOrThrow();
      await payInFull(db, await invoiceOf(k, membership.id, name === 'Ann' ? '2026-02-01' : '2026-01-01'), '2026-02-05');
    }
    const { applyMerge, planMerge } = await import('../../src/core/people/merge.js');
    const merge = async (keep: string, remove: string) => {
      const plan = await planMerge(k, String(people[keep]), String(people[remove]));
      await k.transaction().execute((trx) => applyMerge(trx, plan, source));
    };
    // Ann D. is still recorded as suspended, her grant frozen: it is released as it moves to Ann
    expect((await creditsView(k, { id: people['Ann D.']!, name: 'Ann D.' })).credits.frozen).toBe('30.00');
    await merge('Ann', 'Ann D.');
    // Bob D. is a member again, Bob is suspended: Bob D.'s grant is frozen as it moves to Bob
    expect((await renew(db, '2026-03-03')).transitions.map((t) => [t.member.name, t.to])).toEqual([['Bob', 'suspended']]);
    await merge('Bob', 'Bob D.');
    const ann = await creditsView(k, { id: people.Ann!, name: 'Ann' });
    const bob = await creditsView(k, { id: people.Bob!, name: 'Bob' });
    expect([ann.credits.balance, ann.credits.frozen, bob.credits.balance, bob.credits.frozen]).toEqual(['60.00', '0.00', '0.00', '30.00']);
    expect(await k.selectFrom('member_statuses').select(['member_id', 'status']).execute()).toEqual([{ member_id: people.Bob, status: 'suspended' }]);
  });

  it('imported coverage grants nothing', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const annual = await addGrantingPlan(k, 'Annual', { price: 12000, credits: 3000, passes: 5 });
    const ann = await addPerson(k, 'Ann');
    await subscribe(k, ann, annual, { startDate: '2025-06-01', nextInvoiceDate: '2026-06-01' });
    await renew(db, '2026-01-10');
    await bill(db, '2026-01-10');
    expect(await k.selectFrom('ledger_entries').selectAll().execute()).toEqual([]);
  });

  it('first-seen members are compared with the day before: only what today changed is reported', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const annual = await addGrantingPlan(k, 'Annual', { price: 12000 });
    const bob = await addPerson(k, 'Bob');
    await subscribe(k, bob, annual, { startDate: '2026-01-01' });
    await bill(db, '2026-01-01');
    // first run ever, Bob already in grace since Jan 16: recorded, not reported
    expect((await recordTransitions(k, '2026-01-20', { dryRun: false, source })).length).toBe(0);
    expect(await k.selectFrom('member_statuses').select(['member_id', 'status', 'since']).execute()).toEqual([{ member_id: bob, status: 'grace', since: '2026-01-20' }]);
    const expected = [{ member: { id: bob, name: 'Bob' }, from: 'grace', to: 'suspended' }];
    // a dry run reports without recording: the real run reports it again, then never
    expect(await recordTransitions(k, '2026-01-31', { dryRun: true, source })).toEqual(expected);
    expect(await recordTransitions(k, '2026-01-31', { dryRun: false, source })).toEqual(expected);
    expect(await recordTransitions(k, '2026-01-31', { dryRun: false, source })).toEqual([]);
    expect(await recordTransitions(k, '2026-02-01', { dryRun: false, source })).toEqual([]);
  });
});
