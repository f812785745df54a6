import { afterEach, describe, expect, it } from 'vitest';
import { planMerge, applyMerge } from '../../src/core/people/merge.js';
import { setMembership } from '../../src/core/billing/memberships.js';
import { acceptRenewal, listRenewals, refuseRenewal, renewNow, syncInterventions } from '../../src/core/renewals/renewals.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { addPerson, bill, source, subscribe } from './invoicing-fixtures.js';
import { addGrantingPlan, invoiceOf, payInFull, renew, statuses } from './renewals-fixtures.js';

describe.each(dialects)('renewals on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  /** Yearly memberships from 2026-01-01, first terms billed and paid. */
  async function yearly(people: Record<string, Parameters<typeof subscribe>[3] extends infer I ? Partial<I> : never> = {}) {
    db = await freshDb(dialect);
    const k = db.kysely;
    const annual = await addGrantingPlan(k, 'Annual', { price: 12000 });
    const auto = await addGrantingPlan(k, 'Annual Auto', { price: 10000, autoRenew: true });
    const ids: Record<string, { member: number; membership: number }> = {};
    for (const [name, input] of Object.entries(people)) {
      const member = await addPerson(k, name);
      const plan = (input as { autoRenew?: boolean | null }).autoRenew ? auto : annual;
      ids[name] = { member, membership: await subscribe(k, member, plan, { startDate: '2026-01-01', ...input }) };
    }
    await bill(db, '2026-01-01');
    for (const { membership } of Object.values(ids)) {
      const row = await k.selectFrom('memberships').select('start_date').where('id', '=', membership).executeTakeFirstOrThrow();
      if (row.start_date === '2026-01-01') await payInFull(db, await invoiceOf(k, membership, '2026-01-01'), '2026-01-05');
    }
    return ids;
  }

  it('opens one renewal per term ending within the notice window, never two, and only for memberships renewed by decision', async () => {
    const ids = await yearly({
      Term: {},
      Checked: { interventionReason: 'check the company still pays' },
      Leaving: { doNotRenewReason: 'moving abroad' },
      Automatic: { autoRenew: true },
      Until: { autoRenew: true, autoRenewUntil: '2026-12-31' },
      Ending: { endDate: '2026-12-31' },
      Later: { startDate: '2026-06-01' },
    });
    // the covered period ends on Dec 31: 31 days away on Nov 30, 30 days on Dec 1 (renewal-notice-days 30)
    expect((await renew(db, '2026-11-30')).notices).toBe(0);
    const run = await renew(db, '2026-12-01');
    expect(run.renewals.map((r) => [r.member.name, r.status, r.termStart, r.termEnd, r.reason])).toEqual([
      ['Term', 'open', '2027-01-01', '2027-12-31', null],
      ['Checked', 'intervention', '2027-01-01', '2027-12-31', 'check the company still pays'],
      ['Until', 'open', '2027-01-01', '2027-12-31', null],
    ]);
    expect(run.notices).toBe(3);
    expect((await renew(db, '2026-12-01')).notices).toBe(0);
    expect((await renew(db, '2027-03-01')).notices).toBe(0);
    expect(await listRenewals(db.kysely)).toHaveLength(3);
    // the database itself refuses a second renewal of the same term
    const again = db.kysely
      .insertInto('renewals')
      .values({ membership_id: ids.Term!.membership, term_start: '2027-01-01', term_end: '2027-12-31', status: 'open', created_on: '2026-12-02', decided_on: null, reason: null, invoice_id: null, job_id: null, created_at: source.at, updated_at: source.at })
      .execute();
    await expect(again).rejects.toThrow();
    const audited = await db.kysely.selectFrom('audit_log').select('entity_id').where('entity', '=', 'renewals').where('action', '=', 'insert').execute();
    expect(audited).toHaveLength(3);
  });

  it('a dry run reports the renewals it would open and writes nothing', async () => {
    await yearly({ Term: {} });
    const dry = await renew(db, '2026-12-10', true);
    expect(dry.renewals.map((r) => [r.id, r.member.name, r.termStart])).toEqual([[null, 'Term', '2027-01-01']]);
    expect(await listRenewals(db.kysely)).toEqual([]);
    expect(await db.kysely.selectFrom('member_statuses').selectAll().execute()).toEqual([]);
  });

  it('accepting bills the next term at once, dated the day of acceptance; refusing ends the membership with its covered period', async () => {
    const ids = await yearly({ Ann: {}, Bob: {} });
    const { renewals } = await renew(db, '2026-12-01');
    const [ann, bob] = renewals;
    const accepted = await acceptRenewal(db.kysely, ann!.id!, '2026-12-05', source);
    expect(accepted.renewal).toMatchObject({ status: 'accepted', decided_on: '2026-12-05' });
    expect(accepted.invoices.map((i) => [i.number, i.date, i.dueDate, i.total, i.lines.map((l) => [l.periodStart, l.periodEnd])])).toEqual([
      ['INV-2026-00003', '2026-12-05', '2026-12-19', '120.00', [['2027-01-01', '2027-12-31']]],
    ]);
    expect(accepted.renewal.invoice_number).toBe('INV-2026-00003');
    expect((await rejection(acceptRenewal(db.kysely, ann!.id!, '2026-12-06', source))).exitCode).toBe(65);

    const refused = await db.kysely.transaction().execute((trx) => refuseRenewal(trx, bob!.id!, 'moving abroad', '2026-12-06', source));
    expect(refused).toMatchObject({ status: 'refused', reason: 'moving abroad', decided_on: '2026-12-06' });
    expect((await rejection(db.kysely.transaction().execute((trx) => refuseRenewal(trx, ann!.id!, 'no', '2026-12-06', source)))).exitCode).toBe(65);
    expect((await rejection(acceptRenewal(db.kysely, bob!.id!, '2026-12-07', source))).exitCode).toBe(65);

    expect(await statuses(db.kysely, '2026-12-31')).toEqual({ [ids.Ann!.member]: 'member', [ids.Bob!.member]: 'member' });
    // Ann's renewal invoice was due on Dec 19: unpaid when the term starts, she is in grace
    expect(await statuses(db.kysely, '2027-01-01')).toEqual({ [ids.Ann!.member]: 'grace', [ids.Bob!.member]: 'former' });
    await payInFull(db, 'INV-2026-00003', '2026-12-20');
    expect(await statuses(db.kysely, '2027-01-01')).toEqual({ [ids.Ann!.member]: 'member', [ids.Bob!.member]: 'former' });
    // the invoicing job has nothing left for Ann, and never bills a refused term, even once set to renew automatically
    await setMembership(db.kysely, ids.Bob!.membership, { autoRenew: true }, source);
    expect((await bill(db, '2027-01-01')).count).toBe(0);

    // undoing the refusal: renew-now reopens it, and Bob awaits his renewal again
    const reopened = await renewNow(db.kysely, ids.Bob!.membership, '2027-01-02', source).catch((e) => e);
    expect(reopened).toBeInstanceOf(UserError);
    await setMembership(db.kysely, ids.Bob!.membership, { autoRenew: false }, source);
    expect((await renewNow(db.kysely, ids.Bob!.membership, '2027-01-02', source)).change).toBe('reopened');
    expect(await statuses(db.kysely, '2027-01-02')).toEqual({ [ids.Ann!.member]: 'member', [ids.Bob!.member]: 'grace' });
    // a late acceptance bills the term from its start, nothing after it
    const late = await acceptRenewal(db.kysely, bob!.id!, '2027-01-10', source);
    expect(late.invoices.flatMap((i) => i.lines.map((l) => [l.periodStart, l.periodEnd]))).toEqual([['2027-01-01', '2027-12-31']]);
  });

  it('an intervention renewal is accepted only once the intervention is cleared', async () => {
    const ids = await yearly({ Dan: { interventionReason: 'check the company still pays' } });
    const [renewal] = (await renew(db, '2026-12-01')).renewals;
    const refused = await rejection(acceptRenewal(db.kysely, renewal!.id!, '2026-12-02', source));
    expect([refused.exitCode, refused.message]).toEqual([65, expect.stringContaining('check the company still pays')]);
    expect(refused.hint).toContain(`memberships set ${ids.Dan!.membership} --no-intervention`);
    await setMembership(db.kysely, ids.Dan!.membership, { intervention: false }, source);
    expect(await syncInterventions(db.kysely, ids.Dan!.membership, source)).toBe(1);
    expect((await listRenewals(db.kysely)).map((r) => [r.status, r.reason])).toEqual([['open', null]]);
    expect((await acceptRenewal(db.kysely, renewal!.id!, '2026-12-03', source)).invoices).toHaveLength(1);
    // and back: setting an intervention marks pending renewals again
    await setMembership(db.kysely, ids.Dan!.membership, { intervention: { reason: 'new address' } }, source);
    expect(await syncInterventions(db.kysely, ids.Dan!.membership, source)).toBe(0);
  });

  it('renew-now opens the renewal today whatever the window, once; refuses first terms, do-not-renew and automatic renewals', async () => {
    const ids = await yearly({ Term: {}, Leaving: { doNotRenewReason: 'moving' }, Automatic: { autoRenew: true } });
    const first = await renewNow(db.kysely, ids.Term!.membership, '2026-03-01', source);
    expect([first.change, first.renewal.term_start, first.renewal.created_on, first.renewal.status]).toEqual(['opened', '2027-01-01', '2026-03-01', 'open']);
    expect((await renewNow(db.kysely, ids.Term!.membership, '2026-03-02', source)).change).toBe('unchanged');
    expect((await renew(db, '2026-12-01')).notices).toBe(0);
    for (const name of ['Leaving', 'Automatic'] as const) {
      expect((await rejection(renewNow(db.kysely, ids[name]!.membership, '2026-03-01', source))).exitCode).toBe(65);
    }
    const fresh = await subscribe(db.kysely, await addPerson(db.kysely, 'New'), (await db.kysely.selectFrom('plans').select('id').where('name', '=', 'Annual').executeTakeFirstOrThrow()).id, { startDate: '2026-05-01' });
    expect((await rejection(renewNow(db.kysely, fresh, '2026-03-01', source))).message).toContain('first term');
  });

  it('do-not-renew memberships get no renewal and end with their covered period; the move to former is reported and audited once', async () => {
    const ids = await yearly({ Carol: { doNotRenewReason: 'moving abroad' } });
    expect((await renew(db, '2026-12-31')).notices).toBe(0);
    const run = await renew(db, '2027-01-01');
    expect(run.transitions).toEqual([{ member: { id: ids.Carol!.member, name: 'Carol' }, from: 'member', to: 'former' }]);
    expect((await renew(db, '2027-01-01')).transitions).toEqual([]);
    expect((await renew(db, '2027-01-02')).transitions).toEqual([]);
    const audit = await db.kysely.selectFrom('audit_log').select(['before', 'after', 'job_id']).where('action', '=', 'status').execute();
    expect(audit.map((a) => [JSON.parse(a.before!).status, JSON.parse(a.after!).status, a.job_id])).toEqual([['member', 'former', 'test-job']]);
  });

  it('a merge keeps the removed member\'s renewals on their memberships; a removed membership takes its renewals with it', async () => {
    const ids = await yearly({ Ann: {}, 'Ann D.': {} });
    await renew(db, '2026-12-01');
    // neither answered: in grace since Jan 1, reported by the next run (on Jan 2) against the last one (Dec 1)
    expect((await renew(db, '2027-01-02')).transitions.map((t) => t.to)).toEqual(['grace', 'grace']);
    const plan = await planMerge(db.kysely, String(ids.Ann!.member), String(ids['Ann D.']!.member));
    await db.kysely.transaction().execute((trx) => applyMerge(trx, plan, source));
    expect((await listRenewals(db.kysely)).map((r) => [r.member_name, r.membership_id])).toEqual([
      ['Ann', ids.Ann!.membership],
      ['Ann', ids['Ann D.']!.membership],
    ]);
    // the removed member's recorded status goes at the next run
    expect((await renew(db, '2027-01-03')).transitions).toEqual([]);
    expect(await db.kysely.selectFrom('member_statuses').select(['member_id', 'status']).execute()).toEqual([{ member_id: ids.Ann!.member, status: 'grace' }]);

    const lone = await subscribe(db.kysely, ids.Ann!.member, (await db.kysely.selectFrom('plans').select('id').where('name', '=', 'Annual').executeTakeFirstOrThrow()).id, {
      startDate: '2025-02-01',
      nextInvoiceDate: '2026-02-01',
    });
    await renewNow(db.kysely, lone, '2026-01-10', source);
    await db.kysely.deleteFrom('memberships').where('id', '=', lone).execute();
    expect((await listRenewals(db.kysely)).map((r) => r.membership_id)).not.toContain(lone);
  });
});
