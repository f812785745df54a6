import { afterEach, describe, expect, it } from 'vitest';
import { findInvoices, invoicesJson } from '../../src/core/billing/invoices.js';
import type { InvoiceRunResult } from '../../src/core/billing/invoicing.js';
import type { MembershipInput } from '../../src/core/billing/memberships.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { addPerson, addPlan, at, bill, gapless, invoiceNumbers, type PlanSpec, subscribe } from './invoicing-fixtures.js';

type Line = [member: string, start: string, end: string, net: string, tax: string];
interface Expected {
  number: string;
  payer: string;
  currency?: string;
  net: string;
  tax: string;
  total: string;
  lines: Line[];
  due?: string;
  status?: 'open' | 'paid';
}
interface Scenario {
  name: string;
  settings?: Record<string, string>;
  plans: Record<string, PlanSpec>;
  /** name, and the name of who pays for them */
  people: Array<[string] | [string, string]>;
  memberships: Array<{ who: string; plan: string } & Omit<Partial<MembershipInput>, 'memberId' | 'planId'> & { startDate: string }>;
  runs: Array<{ asOf: string; invoices: Expected[]; totals?: Record<string, string> }>;
}

// Every amount below is computed by hand from the plan prices, as a bookkeeper would check them.
const scenarios: Scenario[] = [
  {
    name: 'prorated first invoice (domain example: 17/31 of 100.00 = 54.84), then whole months',
    plans: { Desk: { price: 10000, taxRate: '20' } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Desk', startDate: '2025-10-15', nextInvoiceDate: '2025-11-01', prorateFirst: true }],
    runs: [
      { asOf: '2025-10-14', invoices: [] },
      {
        asOf: '2025-10-15',
        // tax 20% of 54.84 = 10.968 -> 10.97
        invoices: [{ number: 'INV-2025-00001', payer: 'Ann', net: '54.84', tax: '10.97', total: '65.81', due: '2025-10-29', lines: [['Ann', '2025-10-15', '2025-10-31', '54.84', '10.97']] }],
      },
      { asOf: '2025-10-31', invoices: [] },
      {
        asOf: '2025-11-01',
        invoices: [{ number: 'INV-2025-00002', payer: 'Ann', net: '100.00', tax: '20.00', total: '120.00', lines: [['Ann', '2025-11-01', '2025-11-30', '100.00', '20.00']] }],
      },
    ],
  },
  {
    name: 'anchor day 31 over a year: Feb 28, Apr 30, ... and back to the 31st, never drifting',
    plans: { Desk: { price: 1000 } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Desk', startDate: '2026-01-31' }],
    runs: [
      ['2026-01-31', '2026-02-27'],
      ['2026-02-28', '2026-03-30'],
      ['2026-03-31', '2026-04-29'],
      ['2026-04-30', '2026-05-30'],
      ['2026-05-31', '2026-06-29'],
      ['2026-06-30', '2026-07-30'],
      ['2026-07-31', '2026-08-30'],
      ['2026-08-31', '2026-09-29'],
      ['2026-09-30', '2026-10-30'],
      ['2026-10-31', '2026-11-29'],
      ['2026-11-30', '2026-12-30'],
      ['2026-12-31', '2027-01-30'],
    ].map(([start, end], i) => ({
      asOf: start!,
      invoices: [{ number: `INV-2026-000${String(i + 1).padStart(2, '0')}`, payer: 'Ann', net: '10.00', tax: '0.00', total: '10.00', lines: [['Ann', start!, end!, '10.00', '0.00'] as Line] }],
    })),
  },
  {
    name: 'leap year: anchor 31 gives February 29, caught up with the missed January period',
    plans: { Desk: { price: 1000 } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Desk', startDate: '2028-01-31' }],
    runs: [
      {
        asOf: '2028-02-29',
        invoices: [
          {
            number: 'INV-2028-00001',
            payer: 'Ann',
            net: '20.00',
            tax: '0.00',
            total: '20.00',
            lines: [
              ['Ann', '2028-01-31', '2028-02-28', '10.00', '0.00'],
              ['Ann', '2028-02-29', '2028-03-30', '10.00', '0.00'],
            ],
          },
        ],
      },
      { asOf: '2028-03-30', invoices: [] },
      {
        asOf: '2028-03-31',
        invoices: [{ number: 'INV-2028-00002', payer: 'Ann', net: '10.00', tax: '0.00', total: '10.00', lines: [['Ann', '2028-03-31', '2028-04-29', '10.00', '0.00']] }],
      },
    ],
  },
  {
    name: 'yearly plans, whole and prorated (306/365 of 120.00 = 100.60)',
    plans: { Association: { price: 12000, interval: 'year', taxRate: '5.5' } },
    people: [['Ann'], ['Bob']],
    memberships: [
      { who: 'Ann', plan: 'Association', startDate: '2026-03-01' },
      { who: 'Bob', plan: 'Association', startDate: '2026-03-01', nextInvoiceDate: '2027-01-01', prorateFirst: true },
    ],
    runs: [
      {
        asOf: '2026-03-01',
        invoices: [
          // 5.5% of 120.00 = 6.60
          { number: 'INV-2026-00001', payer: 'Ann', net: '120.00', tax: '6.60', total: '126.60', lines: [['Ann', '2026-03-01', '2027-02-28', '120.00', '6.60']] },
          // Mar 1 .. Dec 31 = 306 days of 365: 120.00 x 306 / 365 = 100.6027 -> 100.60; 5.5% = 5.533 -> 5.53
          { number: 'INV-2026-00002', payer: 'Bob', net: '100.60', tax: '5.53', total: '106.13', lines: [['Bob', '2026-03-01', '2026-12-31', '100.60', '5.53']] },
        ],
      },
      {
        asOf: '2027-01-01',
        invoices: [{ number: 'INV-2027-00001', payer: 'Bob', net: '120.00', tax: '6.60', total: '126.60', lines: [['Bob', '2027-01-01', '2027-12-31', '120.00', '6.60']] }],
      },
      { asOf: '2027-02-28', invoices: [] },
      {
        asOf: '2027-03-01',
        invoices: [{ number: 'INV-2027-00002', payer: 'Ann', net: '120.00', tax: '6.60', total: '126.60', lines: [['Ann', '2027-03-01', '2028-02-29', '120.00', '6.60']] }],
      },
    ],
  },
  {
    name: 'catch-up: an imported membership three periods behind gets three lines on one invoice',
    plans: { Desk: { price: 10000, taxRate: '20' } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Desk', startDate: '2025-06-01', nextInvoiceDate: '2026-01-01' }],
    runs: [
      {
        asOf: '2026-03-10',
        invoices: [
          {
            number: 'INV-2026-00001',
            payer: 'Ann',
            net: '300.00',
            tax: '60.00',
            total: '360.00',
            lines: [
              ['Ann', '2026-01-01', '2026-01-31', '100.00', '20.00'],
              ['Ann', '2026-02-01', '2026-02-28', '100.00', '20.00'],
              ['Ann', '2026-03-01', '2026-03-31', '100.00', '20.00'],
            ],
          },
        ],
      },
      { asOf: '2026-03-10', invoices: [] },
      { asOf: '2026-03-31', invoices: [] },
    ],
  },
  {
    name: 'quantity multiplies the price before rounding the tax',
    plans: { Desk: { price: 4999, taxRate: '20' } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Desk', startDate: '2026-01-01', quantity: 3 }],
    runs: [
      {
        asOf: '2026-01-01',
        // 3 x 49.99 = 149.97; 20% = 29.994 -> 29.99
        invoices: [{ number: 'INV-2026-00001', payer: 'Ann', net: '149.97', tax: '29.99', total: '179.96', lines: [['Ann', '2026-01-01', '2026-01-31', '149.97', '29.99']] }],
      },
    ],
  },
  {
    name: 'payer consolidation: one invoice with the payer first, then the members they pay for',
    plans: { Desk: { price: 10000, taxRate: '20' } },
    people: [['Bob'], ['Cid', 'Bob'], ['Ann', 'Bob'], ['Dan']],
    memberships: [
      { who: 'Cid', plan: 'Desk', startDate: '2026-01-01' },
      { who: 'Dan', plan: 'Desk', startDate: '2026-01-01' },
      { who: 'Ann', plan: 'Desk', startDate: '2026-01-01', quantity: 2 },
      { who: 'Bob', plan: 'Desk', startDate: '2026-01-01' },
    ],
    runs: [
      {
        asOf: '2026-01-01',
        invoices: [
          {
            number: 'INV-2026-00001',
            payer: 'Bob',
            net: '400.00',
            tax: '80.00',
            total: '480.00',
            lines: [
              ['Bob', '2026-01-01', '2026-01-31', '100.00', '20.00'],
              ['Ann', '2026-01-01', '2026-01-31', '200.00', '40.00'],
              ['Cid', '2026-01-01', '2026-01-31', '100.00', '20.00'],
            ],
          },
          { number: 'INV-2026-00002', payer: 'Dan', net: '100.00', tax: '20.00', total: '120.00', lines: [['Dan', '2026-01-01', '2026-01-31', '100.00', '20.00']] },
        ],
        totals: { EUR: '600.00' },
      },
    ],
  },
  {
    name: 'currencies: one invoice per payer and currency',
    plans: { Desk: { price: 10000, taxRate: '20' }, Zurich: { price: 15000, currency: 'CHF', taxRate: '7.7' } },
    people: [['Bob'], ['Ann', 'Bob']],
    memberships: [
      { who: 'Bob', plan: 'Desk', startDate: '2026-01-01' },
      { who: 'Bob', plan: 'Zurich', startDate: '2026-01-01' },
      { who: 'Ann', plan: 'Zurich', startDate: '2026-01-01' },
    ],
    runs: [
      {
        asOf: '2026-01-01',
        invoices: [
          // 7.7% of 150.00 = 11.55
          {
            number: 'INV-2026-00001',
            payer: 'Bob',
            currency: 'CHF',
            net: '300.00',
            tax: '23.10',
            total: '323.10',
            lines: [
              ['Bob', '2026-01-01', '2026-01-31', '150.00', '11.55'],
              ['Ann', '2026-01-01', '2026-01-31', '150.00', '11.55'],
            ],
          },
          { number: 'INV-2026-00002', payer: 'Bob', net: '100.00', tax: '20.00', total: '120.00', lines: [['Bob', '2026-01-01', '2026-01-31', '100.00', '20.00']] },
        ],
        totals: { CHF: '323.10', EUR: '120.00' },
      },
    ],
  },
  {
    name: 'a new year restarts the numbering at 1',
    plans: { Desk: { price: 1000 } },
    people: [['Ann'], ['Bob']],
    memberships: [
      { who: 'Ann', plan: 'Desk', startDate: '2026-12-01' },
      { who: 'Bob', plan: 'Desk', startDate: '2026-12-15' },
    ],
    runs: [
      {
        asOf: '2026-12-15',
        invoices: [
          { number: 'INV-2026-00001', payer: 'Ann', net: '10.00', tax: '0.00', total: '10.00', lines: [['Ann', '2026-12-01', '2026-12-31', '10.00', '0.00']] },
          { number: 'INV-2026-00002', payer: 'Bob', net: '10.00', tax: '0.00', total: '10.00', lines: [['Bob', '2026-12-15', '2027-01-14', '10.00', '0.00']] },
        ],
      },
      {
        asOf: '2027-01-01',
        invoices: [{ number: 'INV-2027-00001', payer: 'Ann', net: '10.00', tax: '0.00', total: '10.00', lines: [['Ann', '2027-01-01', '2027-01-31', '10.00', '0.00']] }],
      },
      {
        asOf: '2027-01-15',
        invoices: [{ number: 'INV-2027-00002', payer: 'Bob', net: '10.00', tax: '0.00', total: '10.00', lines: [['Bob', '2027-01-15', '2027-02-14', '10.00', '0.00']] }],
      },
    ],
  },
  {
    name: 'auto-renew-until: renewals stop after that day',
    plans: { Desk: { price: 1000 } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Desk', startDate: '2026-01-01', autoRenewUntil: '2026-02-15' }],
    runs: [
      { asOf: '2026-01-01', invoices: [{ number: 'INV-2026-00001', payer: 'Ann', net: '10.00', tax: '0.00', total: '10.00', lines: [['Ann', '2026-01-01', '2026-01-31', '10.00', '0.00']] }] },
      { asOf: '2026-02-01', invoices: [{ number: 'INV-2026-00002', payer: 'Ann', net: '10.00', tax: '0.00', total: '10.00', lines: [['Ann', '2026-02-01', '2026-02-28', '10.00', '0.00']] }] },
      { asOf: '2026-03-01', invoices: [] },
      { asOf: '2026-09-01', invoices: [] },
    ],
  },
  {
    name: 'end date: the period containing it is billed, none after',
    plans: { Desk: { price: 1000 } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Desk', startDate: '2026-01-01', endDate: '2026-02-10' }],
    runs: [
      {
        asOf: '2026-06-01',
        invoices: [
          {
            number: 'INV-2026-00001',
            payer: 'Ann',
            net: '20.00',
            tax: '0.00',
            total: '20.00',
            lines: [
              ['Ann', '2026-01-01', '2026-01-31', '10.00', '0.00'],
              ['Ann', '2026-02-01', '2026-02-28', '10.00', '0.00'],
            ],
          },
        ],
      },
      { asOf: '2026-07-01', invoices: [] },
    ],
  },
  {
    name: 'term and do-not-renew memberships: the first term only',
    plans: { Association: { price: 5000, interval: 'year', autoRenew: false }, Desk: { price: 1000 } },
    people: [['Ann'], ['Bob']],
    memberships: [
      { who: 'Ann', plan: 'Association', startDate: '2026-01-01' },
      { who: 'Bob', plan: 'Desk', startDate: '2026-01-01', doNotRenewReason: 'moving away' },
    ],
    runs: [
      {
        asOf: '2026-01-01',
        invoices: [
          { number: 'INV-2026-00001', payer: 'Ann', net: '50.00', tax: '0.00', total: '50.00', lines: [['Ann', '2026-01-01', '2026-12-31', '50.00', '0.00']] },
          { number: 'INV-2026-00002', payer: 'Bob', net: '10.00', tax: '0.00', total: '10.00', lines: [['Bob', '2026-01-01', '2026-01-31', '10.00', '0.00']] },
        ],
      },
      { asOf: '2027-03-01', invoices: [] },
    ],
  },
  {
    name: 'due date from payment-terms-days; a free plan is paid at once',
    settings: { 'payment-terms-days': '30' },
    plans: { Honorary: { price: 0 } },
    people: [['Ann']],
    memberships: [{ who: 'Ann', plan: 'Honorary', startDate: '2026-01-01' }],
    runs: [
      {
        asOf: '2026-01-01',
        invoices: [{ number: 'INV-2026-00001', payer: 'Ann', net: '0.00', tax: '0.00', total: '0.00', due: '2026-01-31', status: 'paid', lines: [['Ann', '2026-01-01', '2026-01-31', '0.00', '0.00']] }],
      },
    ],
  },
];

const project = (result: InvoiceRunResult) =>
  result.invoices.map((i) => ({
    number: i.number,
    payer: i.payer.name,
    currency: i.currency,
    net: i.net,
    tax: i.tax,
    total: i.total,
    lines: i.lines.map((l) => [l.member.name, l.periodStart, l.periodEnd, l.net, l.tax]),
  }));

describe.each(dialects)('invoicing job on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it.each(scenarios)('$name', async (scenario) => {
    db = await freshDb(dialect);
    const k = db.kysely;
    for (const [key, value] of Object.entries(scenario.settings ?? {})) await k.insertInto('settings').values({ key, value, updated_at: at }).execute();
    const plans = new Map<string, number>();
    for (const [name, spec] of Object.entries(scenario.plans)) plans.set(name, await addPlan(k, name, spec));
    const people = new Map<string, number>();
    for (const [name, paidBy] of scenario.people) people.set(name, await addPerson(k, name, paidBy ? people.get(paidBy)! : null));
    for (const { who, plan, ...input } of scenario.memberships) await subscribe(k, people.get(who)!, plans.get(plan)!, input);

    for (const run of scenario.runs) {
      const result = await bill(db, run.asOf);
      expect(result.problems).toEqual([]);
      expect(project(result), `run as of ${run.asOf}`).toEqual(
        run.invoices.map(({ due: _due, status: _status, ...e }) => ({ currency: 'EUR', ...e })),
      );
      run.invoices.forEach((expected, i) => {
        const issued = result.invoices[i]!;
        expect(issued.date).toBe(run.asOf);
        expect(issued.status).toBe(expected.status ?? 'open');
        if (expected.due) expect(issued.dueDate).toBe(expected.due);
        expect(issued.payer.id).toBe(people.get(expected.payer));
      });
      if (run.totals) expect(result.totals).toEqual(run.totals);
      // what was reported is what was written
      const stored = await invoicesJson(k, (await findInvoices(k, { from: run.asOf, to: run.asOf })).filter((i) => result.invoices.some((r) => r.number === i.number)));
      expect(stored).toEqual(result.invoices);
    }
    expect(gapless(await invoiceNumbers(k))).toBe(true);
  });
});
