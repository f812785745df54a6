import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/kernel/dates.js';
import {
  type BilledPeriod,
  explainMembershipStatus,
  firstUncoveredDay,
  type MembershipFacts,
  type MembershipStatus,
  memberStatus,
  membershipStatus,
} from '../../src/core/status/status.js';

const rules = { graceDays: 30 };

/** A monthly auto-renew membership that started on 2026-01-01 and has nothing billed yet. */
const base: MembershipFacts = {
  startDate: '2026-01-01',
  endDate: null,
  autoRenew: true,
  autoRenewUntil: null,
  doNotRenew: false,
  nextInvoiceDate: '2026-01-01',
  coveredUntil: null,
  billed: [],
};

const paid = (start: string, end: string): BilledPeriod => ({ start, end, invoiceStatus: 'paid', dueDate: addDays(start, 14) });
const open = (start: string, end: string, dueDate = addDays(start, 14)): BilledPeriod => ({ start, end, invoiceStatus: 'open', dueDate });

const january = paid('2026-01-01', '2026-01-31');
/** Six months billed at once on 2026-06-01 and due 2026-06-15 (catch-up), all unpaid. */
const catchUp = [0, 1, 2, 3, 4, 5].map((i) => {
  const start = `2026-0${i + 1}-01`;
  return open(start, addDays(`2026-0${i + 2}-01`, -1), '2026-06-15');
});
/** January paid, February and March voided (the job will not bill them again), April paid. */
const gap: Partial<MembershipFacts> = { billed: [paid('2026-04-01', '2026-04-30')], billedThrough: '2026-01-31', nextInvoiceDate: '2026-05-01' };
const termFacts: Partial<MembershipFacts> = { autoRenew: false, billed: [january], nextInvoiceDate: '2026-02-01' };

describe('membership status as of T', () => {
  const rows: Array<[string, Partial<MembershipFacts>, string, MembershipStatus]> = [
    ['upcoming the day before its start', { startDate: '2026-03-01', nextInvoiceDate: '2026-03-01' }, '2026-02-28', 'upcoming'],
    ['paused on the first day of a pause', { billed: [january], nextInvoiceDate: '2026-02-01', pauses: [{ start: '2026-02-01', end: '2026-02-28' }] }, '2026-02-01', 'paused'],
    ['paused on the last day of a pause, even with nothing billed for it', { billed: [january], nextInvoiceDate: '2026-02-01', pauses: [{ start: '2026-02-01', end: '2026-02-28' }] }, '2026-02-28', 'paused'],
    ['paused rather than in grace with an unpaid invoice for the days around the pause', { billed: [open('2026-01-01', '2026-01-31')], pauses: [{ start: '2026-01-20', end: '2026-01-25' }] }, '2026-01-22', 'paused'],
    ['active again the day after a pause', { billed: [january, paid('2026-02-01', '2026-02-28')], nextInvoiceDate: '2026-03-01', pauses: [{ start: '2026-02-01', end: '2026-02-10' }] }, '2026-02-11', 'active'],
    ['ended after its end date, whatever a pause says', { billed: [january], endDate: '2026-01-31', pauses: [{ start: '2026-02-01', end: '2026-02-28' }] }, '2026-02-10', 'ended'],
    ['upcoming before its start, whatever a pause says', { startDate: '2026-03-01', nextInvoiceDate: '2026-03-01', pauses: [{ start: '2026-02-01', end: '2026-03-10' }] }, '2026-02-10', 'upcoming'],
    ['not upcoming any more on its start day', { startDate: '2026-03-01', nextInvoiceDate: '2026-03-01' }, '2026-03-01', 'active'],
    ['active on the last day of its end date', { billed: [january], endDate: '2026-01-31' }, '2026-01-31', 'active'],
    ['ended the day after its end date', { billed: [january], endDate: '2026-01-31' }, '2026-02-01', 'ended'],
    ['ended after its end date even with an unpaid invoice', { billed: [open('2026-01-01', '2026-01-31')], endDate: '2026-01-31' }, '2026-03-01', 'ended'],
    ['do-not-renew: active up to the last covered day', { ...termFacts, doNotRenew: true }, '2026-01-31', 'active'],
    ['do-not-renew: ended once the covered period is over', { ...termFacts, doNotRenew: true }, '2026-02-01', 'ended'],
    ['refused renewal: ended once the covered period is over', { ...termFacts, renewalRefused: true }, '2026-02-01', 'ended'],
    ['do-not-renew never billed: the first term is still to come', { doNotRenew: true }, '2026-01-10', 'active'],
    ['paid invoice covering T', { billed: [january] }, '2026-01-20', 'active'],
    ['open invoice not yet past due', { billed: [open('2026-01-01', '2026-01-31')] }, '2026-01-15', 'active'],
    ['unpaid past due within grace-days of the period start', { billed: [open('2026-01-01', '2026-01-31')] }, '2026-01-16', 'grace'],
    ['unpaid past due on the last day of grace', { billed: [open('2026-01-01', '2026-01-31')] }, '2026-01-30', 'grace'],
    ['unpaid past due beyond grace-days', { billed: [open('2026-01-01', '2026-01-31')] }, '2026-01-31', 'suspended'],
    [
      'only the period covering T decides: a paid one with an older one unpaid',
      { billed: [open('2026-01-01', '2026-01-31'), paid('2026-02-01', '2026-02-28')], nextInvoiceDate: '2026-03-01' },
      '2026-02-10',
      'active',
    ],
    [
      'only the period covering T decides: one not yet due with an older one unpaid',
      { billed: [open('2026-01-01', '2026-01-31'), open('2026-02-01', '2026-02-28')], nextInvoiceDate: '2026-03-01' },
      '2026-02-10',
      'active',
    ],
    [
      'a catch-up invoice unpaid past due: grace counted from the start of the period covering T',
      { billed: catchUp, nextInvoiceDate: '2026-07-01' },
      '2026-06-16',
      'grace',
    ],
    ['a catch-up invoice unpaid: grace on the last day of the period', { billed: catchUp, nextInvoiceDate: '2026-07-01' }, '2026-06-30', 'grace'],
    ['a voided first period the job will not bill again: grace from the start', { nextInvoiceDate: '2026-02-01' }, '2026-01-20', 'grace'],
    ['a voided first period: suspended grace-days after the start', { nextInvoiceDate: '2026-02-01' }, '2026-01-31', 'suspended'],
    ['a voided first period: the next one is billed automatically', { nextInvoiceDate: '2026-02-01' }, '2026-02-01', 'active'],
    ['a voided first term of a term membership: still uncovered after it', { nextInvoiceDate: '2026-02-01', autoRenew: false }, '2026-02-10', 'suspended'],
    ['voided periods between two paid ones: grace from the day after the last covered day', gap, '2026-03-02', 'grace'],
    ['voided periods between two paid ones: suspended beyond grace-days', gap, '2026-03-03', 'suspended'],
    ['voided periods between two paid ones: the later paid one covers its period', gap, '2026-04-10', 'active'],
    ['never drops to grace because cron has not run yet today', { billed: [january], nextInvoiceDate: '2026-02-01' }, '2026-02-01', 'active'],
    ['auto-renew still billable weeks later when cron missed days', { billed: [january], nextInvoiceDate: '2026-02-01' }, '2026-03-20', 'active'],
    ['auto-renew until a date on or after the next period', { billed: [january], autoRenewUntil: '2026-02-01' }, '2026-02-05', 'active'],
    ['auto-renew until a date before the next period: awaiting renewal', { billed: [january], autoRenewUntil: '2026-01-31' }, '2026-02-05', 'grace'],
    ['term awaiting renewal within grace-days after the last covered day', termFacts, '2026-03-02', 'grace'],
    ['term awaiting renewal beyond grace-days', termFacts, '2026-03-03', 'suspended'],
    ['imported coverage counts as paid before the imported next invoice date', { coveredUntil: '2026-06-01', nextInvoiceDate: '2026-06-01', autoRenew: false }, '2026-05-31', 'active'],
    ['imported coverage over, term not renewed: grace', { coveredUntil: '2026-06-01', nextInvoiceDate: '2026-06-01', autoRenew: false }, '2026-06-01', 'grace'],
    ['imported coverage over, auto-renew: active until billed', { coveredUntil: '2026-06-01', nextInvoiceDate: '2026-06-01' }, '2026-06-01', 'active'],
    ['a term membership never billed is in its first term', { autoRenew: false }, '2026-01-20', 'active'],
    ['a void-free period billed in advance covers a later T', { billed: [paid('2026-01-01', '2026-12-31')], autoRenew: false }, '2026-11-30', 'active'],
  ];

  it.each(rows)('%s', (_rule, facts, asOf, expected) => {
    expect(membershipStatus({ ...base, ...facts }, asOf, rules)).toBe(expected);
  });

  it('grace-days 0 suspends an unpaid member the day after the due date', () => {
    const facts = { ...base, billed: [open('2026-01-01', '2026-01-31')] };
    expect(membershipStatus(facts, '2026-01-15', { graceDays: 0 })).toBe('active');
    expect(membershipStatus(facts, '2026-01-16', { graceDays: 0 })).toBe('suspended');
  });

  it('says when grace started and when suspension begins', () => {
    const detail = explainMembershipStatus({ ...base, ...termFacts }, '2026-02-10', rules);
    expect(detail).toMatchObject({ status: 'grace', reason: 'awaiting_renewal', graceStart: '2026-02-01', suspendedFrom: '2026-03-03' });
  });

  it('counts grace from the start of the unpaid period covering T, not from an older one', () => {
    const detail = explainMembershipStatus({ ...base, billed: catchUp, nextInvoiceDate: '2026-07-01' }, '2026-06-16', rules);
    expect(detail).toMatchObject({ status: 'grace', reason: 'unpaid_past_due', graceStart: '2026-06-01', suspendedFrom: '2026-07-01' });
    const shorter = explainMembershipStatus({ ...base, billed: catchUp, nextInvoiceDate: '2026-07-01' }, '2026-06-16', { graceDays: 10 });
    expect(shorter).toMatchObject({ status: 'suspended', graceStart: '2026-06-01', suspendedFrom: '2026-06-11' });
  });

  it('counts grace for a voided period from its first uncovered day', () => {
    const detail = explainMembershipStatus({ ...base, nextInvoiceDate: '2026-02-01' }, '2026-01-03', { graceDays: 5 });
    expect(detail).toMatchObject({ status: 'grace', reason: 'awaiting_renewal', graceStart: '2026-01-01', suspendedFrom: '2026-01-06' });
  });

  it('takes the first uncovered day from billed periods, the summary of older ones and imported coverage', () => {
    expect(firstUncoveredDay(base)).toBe('2026-01-01');
    expect(firstUncoveredDay({ ...base, billed: [january] })).toBe('2026-02-01');
    expect(firstUncoveredDay({ ...base, billed: [january], billedThrough: '2026-04-30' })).toBe('2026-05-01');
    expect(firstUncoveredDay({ ...base, coveredUntil: '2026-07-01' })).toBe('2026-07-01');
  });

  it('gives the same status when old paid periods are replaced by their summary (what the loader does)', () => {
    const period = fc.integer({ min: 0, max: 23 }).chain((month) =>
      fc.record({
        month: fc.constant(month),
        paid: fc.boolean(),
        dueAfter: fc.integer({ min: 0, max: 40 }),
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(period, { selector: (p) => p.month, maxLength: 12 }), fc.integer({ min: 0, max: 800 }), fc.boolean(), (periods, offset, autoRenew) => {
        const billed = periods.map(({ month, paid: isPaid, dueAfter }) => {
          const start = monthStart(month);
          const end = addDays(monthStart(month + 1), -1);
          return { start, end, invoiceStatus: isPaid ? 'paid' : 'open', dueDate: addDays(start, dueAfter) } as BilledPeriod;
        });
        const asOf = addDays('2026-01-01', offset);
        const full = { ...base, autoRenew, billed };
        const kept = billed.filter((p) => p.invoiceStatus === 'open' || p.end >= asOf);
        const through = billed.map((p) => p.end).filter((end) => end < asOf).sort().at(-1) ?? null;
        const reduced = { ...full, billed: kept, billedThrough: through };
        expect(explainMembershipStatus(reduced, asOf, rules)).toEqual(explainMembershipStatus(full, asOf, rules));
      }),
    );
  });
});

function monthStart(index: number): string {
  const year = 2026 + Math.floor(index / 12);
  const month = (index % 12) + 1;
  return `${year}-${String(month).padStart(2, '0')}-01`;
}

describe('member status: the best of their memberships', () => {
  const rows: Array<[MembershipStatus[], string]> = [
    [[], 'contact'],
    [['ended'], 'former'],
    [['ended', 'ended'], 'former'],
    [['ended', 'upcoming'], 'upcoming'],
    [['upcoming', 'suspended'], 'suspended'],
    [['suspended', 'grace'], 'grace'],
    [['grace', 'active', 'ended'], 'member'],
    [['active'], 'member'],
    [['paused'], 'paused'],
    [['paused', 'paused'], 'paused'],
    [['paused', 'active'], 'member'],
    [['paused', 'grace'], 'paused'],
    [['paused', 'ended'], 'paused'],
  ];
  it.each(rows)('%j -> %s', (statuses, expected) => {
    expect(memberStatus(statuses)).toBe(expected);
  });
});
