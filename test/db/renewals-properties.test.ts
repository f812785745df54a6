import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/kernel/dates.js';
import { runJobs } from '../../src/core/jobs/jobs.js';
import { acceptRenewal, refuseRenewal } from '../../src/core/renewals/renewals.js';
import { spend } from '../../src/core/renewals/spending.js';
import type { Db } from '../../src/db/connect.js';
import { UserError } from '../../src/errors.js';
import { dialects, freshDb } from '../helpers/db.js';
import { addPerson, source, subscribe } from './invoicing-fixtures.js';
import { addGrantingPlan, payInFull, renew, renewalSnapshot } from './renewals-fixtures.js';

const plans = {
  Annual: { price: 12000, credits: 3000, passes: 2 },
  Monthly: { price: 2000, interval: 'month' as const, autoRenew: true, credits: 500 },
  'Annual Auto': { price: 10000, autoRenew: true, passes: 1 },
};
type PlanName = keyof typeof plans;

const day = (offset: number) => addDays('2025-06-01', offset);

const membershipArb = fc.record({
  plan: fc.constantFrom<PlanName>('Annual', 'Monthly', 'Annual Auto'),
  start: fc.integer({ min: 0, max: 200 }),
  // imported: covered until this many days after the start
  imported: fc.option(fc.integer({ min: 1, max: 200 }), { nil: null }),
  until: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
  end: fc.option(fc.integer({ min: 30, max: 700 }), { nil: null }),
  doNotRenew: fc.boolean(),
  intervention: fc.boolean(),
});

const actionArb = fc.record({
  // days after the previous action
  after: fc.integer({ min: 1, max: 60 }),
  kind: fc.constantFrom('jobs', 'jobs', 'pay', 'pay', 'accept', 'refuse', 'spend'),
  pick: fc.nat(),
});

const scenarioArb = fc.record({
  people: fc.array(fc.array(membershipArb, { maxLength: 2 }), { minLength: 1, maxLength: 4 }),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 12 }),
});

describe.each(dialects)('renewals job properties on %s', (dialect) => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb(dialect);
  });
  afterAll(async () => db?.close());

  async function reset(): Promise<void> {
    const tables = ['audit_log', 'job_state', 'member_statuses', 'ledger_entries', 'payments', 'renewals', 'credit_notes', 'invoice_lines', 'invoices', 'memberships', 'members', 'plans', 'number_sequences', 'settings'] as const;
    for (const table of tables) await db.kysely.deleteFrom(table).execute();
  }

  /** Runs an action that may legitimately be refused (a decided renewal, a spending beyond the balance). */
  async function attempt(fn: () => Promise<unknown>): Promise<void> {
    await fn().catch((error: unknown) => {
      if (!(error instanceof UserError && error.exitCode === 65)) throw error;
    });
  }

  it('running the renewals job a second time on any day changes nothing, with or without the same-day shortcut', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        await reset();
        const k = db.kysely;
        const planIds = new Map<PlanName, number>();
        for (const [name, spec] of Object.entries(plans)) planIds.set(name as PlanName, await addGrantingPlan(k, name, spec));
        const people: number[] = [];
        for (const [i, memberships] of scenario.people.entries()) {
          const person = await addPerson(k, `P${i}`);
          people.push(person);
          for (const m of memberships) {
            const startDate = day(m.start);
            await subscribe(k, person, planIds.get(m.plan)!, {
              startDate,
              nextInvoiceDate: m.imported === null ? null : addDays(startDate, m.imported),
              autoRenewUntil: m.until === null ? null : addDays(startDate, m.until),
              endDate: m.end === null ? null : addDays(startDate, m.end),
              doNotRenewReason: m.doNotRenew ? 'leaving' : null,
              interventionReason: m.intervention ? 'check first' : null,
            });
          }
        }

        let today = day(0);
        for (const action of scenario.actions) {
          today = addDays(today, action.after);
          const asOf = today;
          switch (action.kind) {
            case 'jobs':
              await runJobs(db, { asOf, dryRun: false, source });
              break;
            case 'pay': {
              const open = await k.selectFrom('invoices').select('number').where('status', '=', 'open').orderBy('number').execute();
              if (open.length > 0) await payInFull(db, open[action.pick % open.length]!.number, asOf);
              break;
            }
            case 'accept':
            case 'refuse': {
              const pending = await k.selectFrom('renewals').select('id').orderBy('id').execute();
              const renewal = pending[action.pick % Math.max(1, pending.length)];
              if (!renewal) break;
              if (action.kind === 'accept') await attempt(() => acceptRenewal(k, renewal.id, asOf, source));
              else await attempt(() => k.transaction().execute((trx) => refuseRenewal(trx, renewal.id, 'no', asOf, source)));
              break;
            }
            case 'spend': {
              const member = people[action.pick % people.length]!;
              await attempt(() => spend(k, { id: member, name: 'P' }, { unit: 'credit', amount: 700, currency: 'EUR', description: null }, asOf, source));
              break;
            }
          }
          await renew(db, asOf);
          const once = await renewalSnapshot(k);
          const again = await renew(db, asOf);
          expect([again.notices, again.invoiced, again.transitions, again.expired]).toEqual([0, 0, [], { credits: 0, passes: 0 }]);
          expect(await renewalSnapshot(k)).toEqual(once);
          // without the same-day shortcut: every status is computed again, and still nothing changes
          await k.deleteFrom('job_state').execute();
          expect((await renew(db, asOf)).transitions).toEqual([]);
          expect(await renewalSnapshot(k)).toEqual(once);
        }
      }),
      { numRuns: 25 },
    );
  });
});
