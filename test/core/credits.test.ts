import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  available,
  balancesOf,
  catchUpEntries,
  closingEntries,
  draftFacts,
  type EntryFacts,
  freezeEntries,
  lotsOf,
  planSpending,
} from '../../src/core/billing/credits.js';

let nextId = 1;
function entry(e: Partial<EntryFacts> & Pick<EntryFacts, 'kind' | 'amount'>): EntryFacts {
  return {
    id: nextId++,
    member_id: 1,
    unit: 'credit',
    currency: 'EUR',
    date: '2026-01-01',
    expires_on: null,
    grant_id: null,
    invoice_id: null,
    description: null,
    ...e,
  };
}
const grant = (amount: number, date: string, expires: string, unit: 'credit' | 'pass' = 'credit') =>
  entry({ kind: 'grant', amount, date, expires_on: expires, unit, currency: unit === 'pass' ? null : 'EUR' });

describe('grant lots', () => {
  it('applies uses, freezes and expiries to the grant they point at, oldest grant first', () => {
    const late = grant(3000, '2026-03-01', '2027-03-01');
    const early = grant(1000, '2026-01-01', '2027-01-01');
    const lots = lotsOf([
      late,
      early,
      entry({ kind: 'use', amount: -400, grant_id: early.id }),
      entry({ kind: 'freeze', amount: -600, grant_id: early.id }),
      entry({ kind: 'use', amount: -3000, grant_id: late.id }),
    ]);
    expect(lots.map((l) => [l.id, l.live, l.frozen, available(l)])).toEqual([
      [early.id, 600, 600, 0],
      [late.id, 0, 0, 0],
    ]);
  });

  it('closing a frozen grant releases it first, then takes what remains', () => {
    const g = grant(1000, '2026-01-01', '2027-01-01');
    const [lot] = lotsOf([g, entry({ kind: 'use', amount: -300, grant_id: g.id }), entry({ kind: 'freeze', amount: -700, grant_id: g.id })]);
    const drafts = closingEntries(lot!, 'expire', '2027-01-01', 'expired');
    expect(drafts.map((d) => [d.kind, d.amount, d.grantId])).toEqual([
      ['unfreeze', 700, g.id],
      ['expire', -700, g.id],
    ]);
    const [after] = lotsOf([g, entry({ kind: 'use', amount: -300, grant_id: g.id }), entry({ kind: 'freeze', amount: -700, grant_id: g.id }), ...draftFacts(drafts)]);
    expect([after!.live, after!.frozen, after!.expired]).toEqual([0, 0, true]);
  });

  it('an expiry is written even when nothing remains, a refund only when something does', () => {
    const g = grant(500, '2026-01-01', '2027-01-01');
    const [lot] = lotsOf([g, entry({ kind: 'use', amount: -500, grant_id: g.id })]);
    expect(closingEntries(lot!, 'expire', '2027-01-01', 'x').map((d) => d.amount)).toEqual([0]);
    expect(closingEntries(lot!, 'refund', '2027-01-01', 'x')).toEqual([]);
  });

  it('freezing holds what can be spent; releasing gives back what was held; expired grants are left alone', () => {
    const g = grant(1000, '2026-01-01', '2027-01-01');
    const gone = grant(200, '2025-01-01', '2026-01-01');
    const entries = [g, gone, entry({ kind: 'use', amount: -250, grant_id: g.id }), entry({ kind: 'expire', amount: -200, grant_id: gone.id })];
    const freeze = freezeEntries(lotsOf(entries), true, '2026-06-01');
    expect(freeze.map((d) => [d.kind, d.amount, d.grantId])).toEqual([['freeze', -750, g.id]]);
    expect(freezeEntries(lotsOf([...entries, ...draftFacts(freeze)]), true, '2026-06-02')).toEqual([]);
    const release = freezeEntries(lotsOf([...entries, ...draftFacts(freeze)]), false, '2026-07-01');
    expect(release.map((d) => [d.kind, d.amount])).toEqual([['unfreeze', 750]]);
  });
});

describe('spending', () => {
  it('draws on the oldest grant first, then on credit without a grant', () => {
    const a = grant(1000, '2026-01-01', '2027-01-01');
    const b = grant(1000, '2026-02-01', '2027-02-01');
    const overpaid = entry({ kind: 'overpayment', amount: 500, date: '2025-12-01' });
    const plan = planSpending([b, a, overpaid], { memberId: 1, unit: 'credit', amount: 2300, currency: 'EUR', date: '2026-03-01', description: null });
    expect(plan.drafts?.map((d) => [d.grantId, d.amount])).toEqual([
      [a.id, -1000],
      [b.id, -1000],
      [null, -300],
    ]);
    expect(plan.balance).toBe(2500);
  });

  it('refuses more than the balance (the sum of the ledger), frozen amounts not spendable', () => {
    const a = grant(1000, '2026-01-01', '2027-01-01');
    const entries = [a, entry({ kind: 'freeze', amount: -1000, grant_id: a.id }), entry({ kind: 'overpayment', amount: 200 })];
    const plan = planSpending(entries, { memberId: 1, unit: 'credit', amount: 201, currency: 'EUR', date: '2026-03-01', description: null });
    expect(plan).toEqual({ drafts: null, balance: 200, frozen: 1000 });
    expect(planSpending(entries, { memberId: 1, unit: 'credit', amount: 200, currency: 'EUR', date: '2026-03-01', description: null }).drafts?.map((d) => d.grantId)).toEqual([null]);
  });

  it('counts passes apart from credits', () => {
    const credits = grant(1000, '2026-01-01', '2027-01-01');
    const passes = grant(3, '2026-01-01', '2027-01-01', 'pass');
    const plan = planSpending([credits, passes], { memberId: 1, unit: 'pass', amount: 2, currency: null, date: '2026-03-01', description: 'guests' });
    expect(plan.drafts?.map((d) => [d.unit, d.grantId, d.amount, d.description])).toEqual([['pass', passes.id, -2, 'guests']]);
    expect(balancesOf([credits, passes]).map((b) => [b.unit, b.balance])).toEqual([
      ['credit', 1000],
      ['pass', 3],
    ]);
  });

  it('catching up before a spending expires due grants and releases frozen ones', () => {
    const old = grant(1000, '2025-01-01', '2026-01-01');
    const current = grant(500, '2025-06-01', '2026-06-01');
    const entries = [old, current, entry({ kind: 'freeze', amount: -500, grant_id: current.id })];
    const drafts = catchUpEntries(entries, '2026-03-01', false);
    expect(drafts.map((d) => [d.kind, d.grantId, d.amount, d.date])).toEqual([
      ['expire', old.id, -1000, '2026-01-01'],
      ['unfreeze', current.id, 500, '2026-03-01'],
    ]);
  });

  it('property: whatever the grants and spendings, every balance is the sum of its entries and no grant goes below zero', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('grant' as const), amount: fc.integer({ min: 1, max: 5000 }), day: fc.integer({ min: 0, max: 27 }) }),
      fc.record({ kind: fc.constant('use' as const), amount: fc.integer({ min: 1, max: 8000 }), day: fc.integer({ min: 0, max: 27 }) }),
      fc.record({ kind: fc.constant('overpayment' as const), amount: fc.integer({ min: -500, max: 3000 }), day: fc.integer({ min: 0, max: 27 }) }),
      fc.record({ kind: fc.constant('freeze' as const), amount: fc.constant(0), day: fc.integer({ min: 0, max: 27 }) }),
      fc.record({ kind: fc.constant('release' as const), amount: fc.constant(0), day: fc.integer({ min: 0, max: 27 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const entries: EntryFacts[] = [];
        const add = (drafts: ReturnType<typeof freezeEntries>) => {
          for (const f of draftFacts(drafts)) entries.push({ ...f, id: nextId++ });
        };
        for (const o of ops) {
          const date = `2026-02-${String(o.day + 1).padStart(2, '0')}`;
          if (o.kind === 'grant') entries.push(grant(o.amount, date, '2027-02-01'));
          else if (o.kind === 'overpayment') entries.push(entry({ kind: 'overpayment', amount: o.amount, date }));
          else if (o.kind === 'freeze' || o.kind === 'release') add(freezeEntries(lotsOf(entries), o.kind === 'freeze', date));
          else {
            const before = balancesOf(entries).find((b) => b.unit === 'credit')?.balance ?? 0;
            const plan = planSpending(entries, { memberId: 1, unit: 'credit', amount: o.amount, currency: 'EUR', date, description: null });
            if (plan.drafts) {
              expect(o.amount).toBeLessThanOrEqual(before);
              add(plan.drafts);
            } else expect(o.amount).toBeGreaterThan(before);
          }
          for (const lot of lotsOf(entries)) {
            expect(available(lot)).toBeGreaterThanOrEqual(0);
            expect(lot.frozen).toBeGreaterThanOrEqual(0);
          }
          const sum = entries.filter((e) => e.unit === 'credit').reduce((s, e) => s + e.amount, 0);
          expect(balancesOf(entries).find((b) => b.unit === 'credit')?.balance ?? 0).toBe(sum);
        }
      }),
    );
  });
});

describe('allocation', () => {
  it('never takes more than a lot has, and stops when the amount is reached', () => {
    const lots = lotsOf([grant(300, '2026-01-01', '2027-01-01'), grant(300, '2026-01-02', '2027-01-02')]);
    expect(allocate(lots, 1000, 400).map((p) => p.amount)).toEqual([300, 100]);
    expect(allocate(lots, 1000, 900).map((p) => [p.grantId === null, p.amount])).toEqual([
      [false, 300],
      [false, 300],
      [true, 300],
    ]);
  });
});
