import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { runCli, startCli } from '../helpers/cli.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { gapless } from '../db/invoicing-fixtures.js';
import { seedMembers, seedMemberships, seedPlan } from '../db/people-fixtures.js';

const asOf = '2026-03-01';
/** January, February and March are due for every membership */
const periodsEach = 3;

/** `count` members on a monthly plan from 2026-01-01; every tenth is paid for by the member before them. */
async function seedMany(db: Db, count: number): Promise<{ payers: number }> {
  const k = db.kysely;
  const plan = await seedPlan(k, 'Desk', 1000);
  const ids = await seedMembers(k, count);
  for (let i = 9; i < ids.length; i += 10) await k.updateTable('members').set({ paid_by_id: ids[i - 1]! }).where('id', '=', ids[i]!).execute();
  await seedMemberships(k, ids, plan, { first_recurring_date: '2026-01-01' });
  return { payers: count - Math.floor(count / 10) };
}

const startRun = (url: string, args: string[]) => startCli(['--today', asOf, 'invoices', 'run', ...args], { db: url });

const invoiceCount = async (db: Db) => Number((await db.kysely.selectFrom('invoices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Nothing is ever half written: an invoice has all its lines and its e-mail, a membership is billed for all its due
 * periods or none.
 */
async function expectConsistent(db: Db): Promise<{ invoices: number; billedMemberships: number }> {
  const k = db.kysely;
  const numbers = (await k.selectFrom('invoices').select('number').execute()).map((r) => r.number);
  expect(gapless(numbers)).toBe(true);
  const mismatched = await k
    .selectFrom('invoices as i')
    .innerJoin('invoice_lines as l', 'l.invoice_id', 'i.id')
    .select(['i.number', 'i.total', (eb) => eb.fn.sum<number>('l.total').as('lines')])
    .groupBy(['i.number', 'i.total'])
    .execute();
  expect(mismatched.filter((r) => Number(r.lines) !== r.total)).toEqual([]);
  expect(mismatched).toHaveLength(numbers.length);
  const perMembership = await k
    .selectFrom('memberships as m')
    .leftJoin('invoice_lines as l', 'l.membership_id', 'm.id')
    .select(['m.id', 'm.next_invoice_date', (eb) => eb.fn.count<number>('l.id').as('lines')])
    .groupBy(['m.id', 'm.next_invoice_date'])
    .execute();
  const states = new Set(perMembership.map((m) => `${Number(m.lines)}:${m.next_invoice_date}`));
  for (const state of states) expect(['0:2026-01-01', `${periodsEach}:2026-04-01`]).toContain(state);
  // each invoice's e-mail was committed with it: one per invoice, none for an invoice that is not there
  const messages = await k.selectFrom('mail_messages').select(['kind', 'subject_id', 'stage']).execute();
  const ids = (await k.selectFrom('invoices').select('id').execute()).map((r) => r.id);
  expect(messages.map((m) => `${m.kind}:${m.subject_id}:${m.stage}`).sort()).toEqual(ids.map((id) => `invoice:${id}:issued`).sort());
  // each payer invoiced has one member number, nobody else has one, and they run M-00001..M-0000N
  const numbered = await k.selectFrom('members').select(['id', 'member_number']).where('member_number', 'is not', null).execute();
  const payers = [...new Set((await k.selectFrom('invoices').select('payer_id').execute()).map((r) => r.payer_id))];
  expect(numbered.map((m) => m.id).sort((x, y) => x - y)).toEqual(payers.sort((x, y) => x! - y!));
  expect(numbered.map((m) => m.member_number).sort()).toEqual(numbered.map((_, i) => `M-${String(i + 1).padStart(5, '0')}`));
  return { invoices: numbers.length, billedMemberships: perMembership.filter((m) => Number(m.lines) > 0).length };
}

/** Every member starts with 5.00 of money credit (as an import brings it): each payer's invoice takes it once. */
async function seedMoneyCredit(db: Db): Promise<void> {
  const ids = (await db.kysely.selectFrom('members').select('id').orderBy('id').execute()).map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = ids.slice(i, i + 500).map((id) => ({ member_id: id, unit: 'credit' as const, kind: 'import' as const, amount: 500, currency: 'EUR', date: '2025-12-31', description: 'imported balance', created_at: '2026-01-01T00:00:00.000Z' }));
    await db.kysely.insertInto('ledger_entries').values(rows).execute();
  }
}

/** The credit was applied with its invoice or not at all: one credit payment of 5.00 per invoice, and each payer's credit spent once. */
async function expectCreditOnce(db: Db): Promise<void> {
  const k = db.kysely;
  const invoices = await k.selectFrom('invoices').select(['id', 'payer_id']).execute();
  const payments = await k.selectFrom('payments').select(['invoice_id', 'amount']).where('method', '=', 'credit').execute();
  expect(payments.map((p) => `${p.invoice_id}:${p.amount}`).sort()).toEqual(invoices.map((i) => `${i.id}:500`).sort());
  const billed = new Set(invoices.map((i) => i.payer_id));
  const balances = await k
    .selectFrom('ledger_entries')
    .select(['member_id', (eb) => eb.fn.sum<number>('amount').as('balance')])
    .where('unit', '=', 'credit')
    .groupBy('member_id')
    .execute();
  for (const b of balances) expect([b.member_id, Number(b.balance)]).toEqual([b.member_id, billed.has(b.member_id) ? 0 : 500]);
}

describe.each(dialects)('invoicing processes on %s', (dialect) => {
  it('a run killed with SIGKILL half-way loses only the batch in flight, and the rerun issues exactly the rest, each payer\'s credit applied once', async () => {
    await withFreshDb(dialect, async (db, url) => {
      const { payers } = await seedMany(db, 1500);
      await seedMoneyCredit(db);
      const run = startRun(url, ['--batch-size', '5']);
      await waitFor(async () => (await invoiceCount(db)) >= 50);
      run.child.kill('SIGKILL');
      expect(await run.exit).toBeNull();

      const partial = await expectConsistent(db);
      await expectCreditOnce(db);
      expect(partial.invoices).toBeGreaterThanOrEqual(50);
      expect(partial.invoices).toBeLessThan(payers);

      const rerun = await runCli(['--today', asOf, 'invoices', 'run', '--json'], { db: url });
      expect(rerun.code, rerun.stderr).toBe(0);
      const result = rerun.json();
      expect(result.count).toBe(payers - partial.invoices);
      expect(result.invoices[0].number).toBe(`INV-2026-${String(partial.invoices + 1).padStart(5, '0')}`);
      const final = await expectConsistent(db);
      expect(final).toEqual({ invoices: payers, billedMemberships: 1500 });
      await expectCreditOnce(db);
      expect((await runCli(['--today', asOf, 'invoices', 'run', '--json'], { db: url })).json().count).toBe(0);
      await expectCreditOnce(db);
    });
  });

  it('two concurrent runs: the second exits 75 at once, a third waits and then finds nothing left to do', async () => {
    await withFreshDb(dialect, async (db, url) => {
      const { payers } = await seedMany(db, 1000);
      // one payer per transaction: long enough for the other processes to start while it runs
      const first = startRun(url, ['--batch-size', '1']);
      await waitFor(async () => (await invoiceCount(db)) > 0);
      const [second, third] = await Promise.all([
        runCli(['--today', asOf, 'invoices', 'run', '--json'], { db: url }),
        runCli(['--today', asOf, 'jobs', 'run', '--wait', '300', '--json'], { db: url }),
      ]);
      expect(second.code, second.stderr).toBe(75);
      // --json: the error as a document too
      expect(second.json().error).toMatchObject({ code: 'lock_held', exitCode: 75 });
      expect(await first.exit).toBe(0);
      expect(third.code, third.stderr).toBe(0);
      expect(third.json().invoices.count).toBe(0);
      expect(await expectConsistent(db)).toEqual({ invoices: payers, billedMemberships: 1000 });
    });
  });
});
