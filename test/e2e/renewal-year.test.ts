import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/kernel/dates.js';
import { openDb, type Queryable } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { addPerson, subscribe } from '../db/invoicing-fixtures.js';
import { addGrantingPlan } from '../db/renewals-fixtures.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

type Name = 'Alice' | 'Bob' | 'Carol' | 'Dan' | 'Eve' | 'Frank' | 'Gina' | 'Ivy' | 'Hal';
type Statuses = Record<Name, string>;

/** Writes the people and their memberships straight into the database, sparing a process per row. */
async function seed(url: string) {
  const db = await openDb(url);
  try {
    await migrateToLatest(db);
    const k: Queryable = db.kysely;
    // 120.00 a year, renewed by decision, granting 30.00 of credits and 2 passes per year paid
    const annual = await addGrantingPlan(k, 'Annual', { price: 12000, credits: 3000, passes: 2 });
    const auto = await addGrantingPlan(k, 'Annual Auto', { price: 10000, autoRenew: true });
    const memberships: Partial<Record<Name, number>> = {};
    for (const name of ['Alice', 'Bob', 'Carol', 'Dan', 'Eve', 'Frank'] as const) {
      const member = await addPerson(k, name);
      memberships[name] = await subscribe(k, member, annual, {
        startDate: '2026-01-01',
        interventionReason: name === 'Dan' ? 'check the company still pays' : null,
      });
    }
    // imported, covered until 2026-07-01, renewing automatically only up to 2026-06-30
    memberships.Gina = await subscribe(k, await addPerson(k, 'Gina'), auto, { startDate: '2025-07-01', nextInvoiceDate: '2026-07-01', autoRenewUntil: '2026-06-30' });
    memberships.Ivy = await subscribe(k, await addPerson(k, 'Ivy'), annual, { startDate: '2026-03-01' });
    await addPerson(k, 'Hal');
    return memberships as Record<Name, number>;
  } finally {
    await db.close();
  }
}

describe.each(dialects)('a year of renewals, day by day through the built CLI, on %s', (dialect) => {
  it('notices, grace, suspension, acceptance and billing, refusal, do-not-renew, intervention, auto-renew-until, credits granted, used and expired', { timeout: 240_000 }, async () => {
    const db = await freshDbUrl(dialect);
    const membership = await seed(db);
    let today = '2025-12-31';

    const cli = async (args: string[], code = 0): Promise<CliResult> => {
      const result = await runCli(args, { db, today });
      expect(result.code, `${today}: memberctl ${args.join(' ')}\n${result.stderr}`).toBe(code);
      return result;
    };
    const json = async (args: string[]) => (await cli([...args, '--json'])).json();
    const jobs = () => json(['jobs', 'run']);
    const transitions = (run: { renewals: { transitions: Array<{ member: { name: string }; from: string; to: string }> } }) =>
      run.renewals.transitions.map((t) => `${t.member.name}: ${t.from} -> ${t.to}`);
    const invoices = new Map<string, string>();
    const remember = (list: Array<{ number: string; payer: { name: string } }>) => {
      for (const i of list) invoices.set(i.payer.name, i.number);
    };
    // one after the other: concurrent writers are not what this test is about
    const pay = async (...names: Name[]) => {
      for (const name of names) await cli(['payments', 'record', invoices.get(name)!, '--amount', name === 'Gina' ? '100' : '120', '--method', 'transfer']);
    };
    let expected: Statuses = { Alice: 'upcoming', Bob: 'upcoming', Carol: 'upcoming', Dan: 'upcoming', Eve: 'upcoming', Frank: 'upcoming', Gina: 'member', Ivy: 'upcoming', Hal: 'contact' };
    /** Every person's status as `members list --json` shows it today, against the expected table with `changes` applied. */
    const statusesAre = async (changes: Partial<Statuses> = {}) => {
      expected = { ...expected, ...changes };
      const list: Array<{ name: Name; status: string }> = await json(['members', 'list']);
      expect(Object.fromEntries(list.map((m) => [m.name, m.status])), `statuses on ${today}`).toEqual(expected);
    };

    /** The days something happens, in order; the loop below walks every day and spawns only on these. */
    const steps: Record<string, () => Promise<void>> = {
      '2025-12-31': async () => {
        const run = await jobs();
        expect([run.renewals.notices, run.invoices.count, transitions(run)]).toEqual([0, 0, []]);
        await statusesAre();
      },
      '2026-01-01': async () => {
        const run = await jobs();
        remember(run.invoices.invoices);
        expect(run.invoices.invoices.map((i: { payer: { name: string }; dueDate: string }) => [i.payer.name, i.dueDate])).toEqual(
          ['Alice', 'Bob', 'Carol', 'Dan', 'Eve', 'Frank'].map((name) => [name, '2026-01-15']),
        );
        expect(transitions(run)).toEqual([]);
        await statusesAre({ Alice: 'member', Bob: 'member', Carol: 'member', Dan: 'member', Eve: 'member', Frank: 'member' });
      },
      '2026-01-05': async () => {
        await pay('Alice', 'Carol', 'Dan', 'Eve', 'Frank');
        const [credits] = await Promise.all([json(['credits', 'show', 'Alice']), statusesAre()]);
        expect([credits.credits.balance, credits.credits.grants, credits.passes.balance]).toEqual([
          '30.00',
          [{ grantedOn: '2026-01-05', granted: '30.00', remaining: '30.00', frozen: '0.00', expiresOn: '2027-01-05' }],
          2,
        ]);
      },
      // Bob's invoice was due on Jan 15: grace from the next day, suspended 30 grace-days after the period start
      '2026-01-16': async () => {
        expect(transitions(await jobs())).toEqual(['Bob: member -> grace']);
        await statusesAre({ Bob: 'grace' });
      },
      '2026-01-31': async () => {
        expect(transitions(await jobs())).toEqual(['Bob: grace -> suspended']);
        await statusesAre({ Bob: 'suspended' });
      },
      // paid while suspended: the grant is spendable at once, as members list says member, before the next run
      // writes its release in the ledger
      '2026-02-10': async () => {
        await pay('Bob');
        const [credits] = await Promise.all([json(['credits', 'show', 'Bob']), statusesAre({ Bob: 'member' })]);
        expect(credits.credits).toMatchObject({ balance: '30.00', frozen: '0.00' });
        expect(credits.credits.grants).toMatchObject([{ remaining: '30.00', frozen: '0.00' }]);
        expect(credits.ledger.at(-1)).toMatchObject({ kind: 'freeze' });
      },
      '2026-02-11': async () => {
        expect(transitions(await jobs())).toEqual([]);
        const [credits] = await Promise.all([json(['credits', 'show', 'Bob']), statusesAre()]);
        expect(credits.credits).toMatchObject({ balance: '30.00', frozen: '0.00' });
      },
      '2026-03-01': async () => {
        const run = await jobs();
        remember(run.invoices.invoices);
        expect(run.invoices.invoices.map((i: { payer: { name: string } }) => i.payer.name)).toEqual(['Ivy']);
        await pay('Ivy');
        await statusesAre({ Ivy: 'member' });
      },
      '2026-03-10': async () => {
        expect(await json(['credits', 'use', 'Alice', '--amount', '10', '--description', 'meeting room'])).toMatchObject({ used: '10.00', balance: '20.00' });
        expect(await json(['passes', 'use', 'Alice'])).toMatchObject({ used: 1, balance: 1 });
        const refused = await cli(['credits', 'use', 'Alice', '--amount', '100'], 65);
        expect(refused.stderr).toContain('Alice has 20.00 EUR: cannot use 100.00 EUR');
        const [credits] = await Promise.all([json(['credits', 'show', 'Alice']), statusesAre()]);
        expect([credits.credits.balance, credits.passes.balance, credits.ledger.map((e: { kind: string }) => e.kind)]).toEqual(['20.00', 1, ['grant', 'grant', 'use', 'use']]);
      },
      // Gina's covered period ends on Jun 30, past her auto-renew-until: a term, noticed 30 days ahead
      '2026-05-31': async () => {
        const run = await jobs();
        expect(run.renewals.renewals.map((r: { member: { name: string }; termStart: string; termEnd: string; status: string }) => [r.member.name, r.termStart, r.termEnd, r.status])).toEqual([
          ['Gina', '2026-07-01', '2027-06-30', 'open'],
        ]);
        await statusesAre();
      },
      '2026-06-10': async () => {
        const [gina] = await json(['renewals', 'list', '--status', 'open']);
        const accepted = await json(['renewals', 'accept', String(gina.id)]);
        expect(accepted.invoices.map((i: { date: string; total: string; lines: Array<{ periodStart: string }> }) => [i.date, i.total, i.lines[0]!.periodStart])).toEqual([['2026-06-10', '100.00', '2026-07-01']]);
        remember(accepted.invoices);
        await pay('Gina');
        await statusesAre();
      },
      '2026-06-15': async () => {
        const set = await json(['memberships', 'set', String(membership.Carol), '--do-not-renew', '--reason', 'moving abroad']);
        expect(set.doNotRenew).toBe(true);
      },
      '2026-07-01': async () => {
        const run = await jobs();
        expect([run.renewals.notices, run.invoices.count, transitions(run)]).toEqual([0, 0, []]);
        await statusesAre();
      },
      // 30 days before the end of the Annual terms: notices for all but Carol (do-not-renew); Dan's needs an intervention
      '2026-12-01': async () => {
        const run = await jobs();
        expect(run.renewals.renewals.map((r: { member: { name: string }; status: string; termStart: string }) => [r.member.name, r.status, r.termStart])).toEqual([
          ['Alice', 'open', '2027-01-01'],
          ['Bob', 'open', '2027-01-01'],
          ['Dan', 'intervention', '2027-01-01'],
          ['Eve', 'open', '2027-01-01'],
          ['Frank', 'open', '2027-01-01'],
        ]);
        await statusesAre();
      },
      '2026-12-05': async () => {
        const renewals: Array<{ id: number; member: { name: Name }; termStart: string }> = await json(['renewals', 'list']);
        const id = (name: Name) => String(renewals.find((r) => r.member.name === name && r.termStart === '2027-01-01')!.id);
        remember((await json(['renewals', 'accept', id('Alice')])).invoices);
        const blocked = await cli(['renewals', 'accept', id('Dan')], 65);
        expect(blocked.stderr).toContain('check the company still pays');
        await cli(['memberships', 'set', String(membership.Dan), '--no-intervention']);
        remember((await json(['renewals', 'accept', id('Dan')])).invoices);
        expect((await json(['renewals', 'refuse', id('Eve'), '--reason', 'moving to Lyon'])).status).toBe('refused');
        remember((await json(['renewals', 'accept', id('Bob')])).invoices);
        await pay('Dan');
        await statusesAre();
      },
      '2026-12-10': async () => {
        await pay('Alice');
        const credits = await json(['credits', 'show', 'Alice']);
        expect([credits.credits.balance, credits.passes.balance, credits.credits.grants.map((g: { remaining: string; expiresOn: string }) => [g.remaining, g.expiresOn])]).toEqual([
          '50.00',
          3,
          [
            ['20.00', '2027-01-05'],
            ['30.00', '2027-12-10'],
          ],
        ]);
      },
      // the new term: Bob's renewal invoice is unpaid, Frank never answered, Carol and Eve leave
      '2027-01-01': async () => {
        const run = await jobs();
        expect(transitions(run)).toEqual(['Bob: member -> grace', 'Frank: member -> grace', 'Carol: member -> former', 'Eve: member -> former']);
        expect(run.invoices.count).toBe(0);
        await statusesAre({ Bob: 'grace', Frank: 'grace', Carol: 'former', Eve: 'former' });
      },
      // a year after the January payments, what remains of those grants expires
      '2027-01-05': async () => {
        const run = await jobs();
        expect(run.renewals.expired).toEqual({ credits: 5, passes: 5 });
        const [credits] = await Promise.all([json(['credits', 'show', 'Alice']), statusesAre()]);
        expect([credits.credits.balance, credits.passes.balance]).toEqual(['30.00', 2]);
        expect(credits.ledger.filter((e: { kind: string }) => e.kind === 'expire').map((e: { date: string; amount: string | number }) => [e.date, e.amount])).toEqual([
          ['2027-01-05', '-20.00'],
          ['2027-01-05', -1],
        ]);
      },
      '2027-01-31': async () => {
        expect(transitions(await jobs())).toEqual(['Bob: grace -> suspended', 'Frank: grace -> suspended']);
        const [credits] = await Promise.all([json(['credits', 'show', 'Bob']), statusesAre({ Bob: 'suspended', Frank: 'suspended' })]);
        expect(credits.credits).toMatchObject({ balance: '0.00', frozen: '30.00' });
        // cron again the same day: nothing to say
        expect((await cli(['jobs', 'run'])).stdout).toBe('');
      },
      // Bob's frozen grant reaches its expiry: released and expired in the same run
      '2027-02-10': async () => {
        expect((await jobs()).renewals.expired).toEqual({ credits: 1, passes: 1 });
        const [credits] = await Promise.all([json(['credits', 'show', 'Bob']), statusesAre()]);
        expect([credits.credits.balance, credits.credits.frozen, credits.ledger.slice(-4).map((e: { kind: string }) => e.kind)]).toEqual(['0.00', '0.00', ['unfreeze', 'expire', 'unfreeze', 'expire']]);
      },
    };

    const last = Object.keys(steps).sort().at(-1)!;
    for (; today <= last; today = addDays(today, 1)) await steps[today]?.();

    // each transition was written once to the audit log
    const check = await openDb(db);
    try {
      const audit = await check.kysely
        .selectFrom('audit_log')
        .innerJoin('members', 'members.id', 'audit_log.member_id')
        .select(['members.name', 'audit_log.after'])
        .where('audit_log.action', '=', 'status')
        .orderBy('audit_log.id')
        .execute();
      expect(audit.map((a) => `${JSON.parse(a.after!).asOf} ${a.name} ${JSON.parse(a.after!).status}`).sort()).toEqual([
        '2026-01-16 Bob grace',
        '2026-01-31 Bob suspended',
        '2027-01-01 Bob grace',
        '2027-01-01 Carol former',
        '2027-01-01 Eve former',
        '2027-01-01 Frank grace',
        '2027-01-31 Bob suspended',
        '2027-01-31 Frank suspended',
      ]);
    } finally {
      await check.close();
    }
  });
});
