import { describe, expect, it } from 'vitest';
import { planMembership } from '../../src/core/billing/memberships.js';

const monthly = { name: 'Hot Desk', interval: 'month' as const, every: 1, archived: 0 as const };
const yearly = { name: 'Association', interval: 'year' as const, every: 1, archived: 0 as const };

describe('the billing schedule of a new membership', () => {
  const cases = [
    {
      name: 'start only: billed from the start, anchored on its day',
      input: { startDate: '2026-01-31' },
      schedule: { next_invoice_date: '2026-01-31', first_recurring_date: '2026-01-31', anchor_day: 31, covered_until: null, prorate_first: 0 },
    },
    {
      name: 'a later next invoice date: the period before it counts as paid',
      input: { startDate: '2024-05-10', nextInvoiceDate: '2026-04-01' },
      schedule: { next_invoice_date: '2026-04-01', first_recurring_date: '2026-04-01', anchor_day: 1, covered_until: '2026-04-01', prorate_first: 0 },
    },
    {
      name: 'prorated: billed from the start up to the first recurring date',
      input: { startDate: '2025-10-15', nextInvoiceDate: '2025-11-01', prorateFirst: true },
      schedule: { next_invoice_date: '2025-10-15', first_recurring_date: '2025-11-01', anchor_day: 1, covered_until: null, prorate_first: 1 },
    },
    {
      name: 'prorated without a next invoice date: up to the next billing day',
      input: { startDate: '2025-10-15', prorateFirst: true },
      billingDay: 5,
      schedule: { next_invoice_date: '2025-10-15', first_recurring_date: '2025-11-05', anchor_day: 5, covered_until: null, prorate_first: 1 },
    },
    {
      name: 'prorated, starting on the billing day: nothing to prorate',
      input: { startDate: '2025-10-01', prorateFirst: true },
      schedule: { next_invoice_date: '2025-10-01', first_recurring_date: '2025-10-01', anchor_day: 1, covered_until: null, prorate_first: 1 },
    },
    {
      name: 'next invoice date equal to the start',
      input: { startDate: '2025-10-01', nextInvoiceDate: '2025-10-01' },
      schedule: { next_invoice_date: '2025-10-01', first_recurring_date: '2025-10-01', anchor_day: 1, covered_until: null, prorate_first: 0 },
    },
    {
      name: 'yearly plan prorated to January 1',
      input: { startDate: '2026-03-01', nextInvoiceDate: '2027-01-01', prorateFirst: true },
      plan: yearly,
      schedule: { next_invoice_date: '2026-03-01', first_recurring_date: '2027-01-01', anchor_day: 1, covered_until: null, prorate_first: 1 },
    },
  ];
  it.each(cases)('$name', ({ input, schedule, plan, billingDay }) => {
    const result = planMembership({ memberId: 1, planId: 1, ...input }, plan ?? monthly, billingDay ?? 1);
    expect(result.issues).toEqual([]);
    expect(result.schedule).toEqual(schedule);
  });

  const refused = [
    { name: 'next invoice before the start', input: { startDate: '2026-03-01', nextInvoiceDate: '2026-02-28' }, field: 'nextInvoiceDate', code: 'next_invoice_before_start' },
    { name: 'end before the start', input: { startDate: '2026-03-01', endDate: '2026-02-28' }, field: 'endDate', code: 'invalid_value' },
    { name: 'auto-renew-until before the start', input: { startDate: '2026-03-01', autoRenewUntil: '2026-01-01' }, field: 'autoRenewUntil', code: 'invalid_value' },
    { name: 'a quantity of 0', input: { startDate: '2026-03-01', quantity: 0 }, field: 'quantity', code: 'invalid_number' },
    { name: 'a malformed date', input: { startDate: '2026-02-30' }, field: 'startDate', code: 'invalid_date' },
    {
      name: 'a prorated first period longer than a full period',
      input: { startDate: '2026-01-15', nextInvoiceDate: '2026-03-01', prorateFirst: true },
      field: 'nextInvoiceDate',
      code: 'invalid_value',
    },
    {
      name: 'a yearly prorated first period longer than a year',
      input: { startDate: '2025-12-01', nextInvoiceDate: '2027-01-01', prorateFirst: true },
      plan: yearly,
      field: 'nextInvoiceDate',
      code: 'invalid_value',
    },
  ];
  it.each(refused)('refuses $name', ({ input, field, code, plan }) => {
    const result = planMembership({ memberId: 1, planId: 1, ...input }, plan ?? monthly, 1);
    expect(result.schedule).toBeNull();
    expect(result.issues.map((i) => [i.field, i.code])).toEqual([[field, code]]);
  });

  it('refuses an archived plan', () => {
    const result = planMembership({ memberId: 1, planId: 1, startDate: '2026-01-01' }, { ...monthly, archived: 1 }, 1);
    expect(result.issues.map((i) => i.code)).toEqual(['unknown_plan']);
  });

  it('names the latest next invoice date a prorated start allows', () => {
    const result = planMembership({ memberId: 1, planId: 1, startDate: '2026-01-15', nextInvoiceDate: '2026-03-01', prorateFirst: true }, monthly, 1);
    expect(result.issues[0]!.message).toContain('at the latest 2026-02-15');
  });
});
