import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BillingSchedule, duePeriods } from '../../src/core/billing/rules.js';
import { addDays } from '../../src/core/kernel/dates.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { addPerson, addPlan, bill, gapless, invoiceNumbers, subscribe } from './invoicing-fixtures.js';

const plans = {
  Monthly: { price: 9999, taxRate: '20' },
  Yearly: { price: 120000, currency: 'CHF', interval: 'year' as const, taxRate: '7.7' },
  Bimonthly: { price: 3333, every: 2, taxRate: '5.5' },
};
type PlanName = keyof typeof plans;

const day = (offset: number) => addDays('2025-01-01', offset);

const membershipArb = fc.record({
  plan: fc.constantFrom<PlanName>('Monthly', 'Yearly', 'Bimonthly'),
  start: fc.integer({ min: 0, max: 700 }),
  // none: billed from the start; otherwise days after the start of the first recurring invoice
  next: fc.option(fc.integer({ min: 0, max: 27 }), { nil: null }),
  prorate: fc.boolean(),
  quantity: fc.integer({ min: 1, max: 3 }),
  end: fc.option(fc.integer({ min: 0, max: 900 }), { nil: null }),
  until: fc.option(fc.integer({ min: 0, max: 900 }), { nil: null }),
});

const scenarioArb = fc.record({
  people: fc.array(fc.record({ paidByEarlier: fc.option(fc.nat(), { nil: null }), memberships: fc.array(membershipArb, { minLength: 0, maxLength: 2 }) }), {
    minLength: 1,
    maxLength: 5,
  }),
  // days after 2025-01-01 on which the job runs, each run repeated
  runs: fc.array(fc.record({ day: fc.integer({ min: 0, max: 1100 }), times: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 5 }),
});

describe.each(dialects)('invoicing properties on %s', (dialect) => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb(dialect);
  });
  afterAll(async () => db?.close());

  async function reset(): Promise<void> {
    for (const table of ['audit_log', 'invoice_lines', 'invoices', 'memberships', 'members', 'plans', 'number_sequences'] as const) {
      await db.kysely.deleteFrom(table).execute();
    }
  }

  it('rerunning any number of times issues nothing new, numbers stay gapless, and the periods billed do not depend on the run days', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        await reset();
        const k = db.kysely;
        const planIds = new Map<PlanName, number>();
        for (const [name, spec] of Object.entries(plans)) planIds.set(name as PlanName, await addPlan(k, name, spec));
        const people: number[] = [];
        const expected = new Map<number, BillingSchedule>();
        for (const person of scenario.people) {
          const payer = person.paidByEarlier !== null && people.length > 0 ? people[person.paidByEarlier % people.length]! : null;
          const id = await addPerson(k, `P${people.length}`, payer);
          people.push(id);
          for (const m of person.memberships) {
            const startDate = day(m.start);
            const membershipId = await subscribe(k, id, planIds.get(m.plan)!, {
              startDate,
              nextInvoiceDate: m.next === null ? null : addDays(startDate, m.next),
              prorateFirst: m.prorate,
              quantity: m.quantity,
              endDate: m.end === null ? null : addDays(startDate, m.end),
              autoRenewUntil: m.until === null ? null : addDays(startDate, m.until),
            });
            const row = await k.selectFrom('memberships').selectAll().where('id', '=', membershipId).executeTakeFirstOrThrow();
            const plan = plans[m.plan];
            expected.set(membershipId, {
              startDate: row.start_date,
              nextInvoiceDate: row.next_invoice_date,
              firstRecurringDate: row.first_recurring_date,
              anchorDay: row.anchor_day,
              endDate: row.end_date,
              autoRenew: true,
              autoRenewUntil: row.auto_renew_until,
              doNotRenew: false,
              interval: 'interval' in plan ? plan.interval : 'month',
              every: 'every' in plan ? plan.every : 1,
            });
          }
        }

        const days = scenario.runs.map((r) => r.day).sort((a, b) => a - b);
        for (const run of [...scenario.runs].sort((a, b) => a.day - b.day)) {
          await bill(db, day(run.day));
          for (let again = 1; again < run.times; again += 1) {
            const rerun = await bill(db, day(run.day));
            expect(rerun.count).toBe(0);
          }
        }
        expect(gapless(await invoiceNumbers(k))).toBe(true);

        // every invoice adds up, and what was billed is exactly what one run on the last day would bill
        const invoices = await k.selectFrom('invoices').selectAll().execute();
        const lines = await k.selectFrom('invoice_lines').selectAll().orderBy('membership_id').orderBy('period_start').execute();
        for (const invoice of invoices) {
          const own = lines.filter((l) => l.invoice_id === invoice.id);
          expect(own.reduce((sum, l) => sum + l.total, 0)).toBe(invoice.total);
          expect(own.reduce((sum, l) => sum + l.net, 0) + own.reduce((sum, l) => sum + l.tax, 0)).toBe(invoice.total);
        }
        const last = day(days.at(-1)!);
        for (const [membershipId, schedule] of expected) {
          const billed = lines.filter((l) => l.membership_id === membershipId).map((l) => [l.period_start, l.period_end]);
          const due = duePeriods(schedule, last).periods.map((p) => [p.start, addDays(p.end, -1)]);
          expect(billed).toEqual(due);
        }
      }),
      { numRuns: 25 },
    );
  });
});
