import { describe, expect, it } from 'vitest';
import { jobLockName } from '../../src/core/jobs/jobs.js';
import { withJobLock } from '../../src/core/kernel/lock.js';
import type { Db } from '../../src/db/connect.js';
import { seedMembers, seedMemberships } from '../db/people-fixtures.js';
import { addGrantingPlan } from '../db/renewals-fixtures.js';
import { runCli, startCli } from '../helpers/cli.js';
import { dialects, withFreshDb } from '../helpers/db.js';

const count = 12_000;
const asOf = '2026-03-05';

/** `count` yearly term memberships imported as covered until 2026-03-01. */
async function seedTerms(db: Db): Promise<void> {
  const k = db.kysely;
  const plan = await addGrantingPlan(k, 'Annual', { price: 12000 });
  const renewsOn = '2026-03-01';
  await seedMemberships(k, await seedMembers(k, count), plan, {
    start_date: '2025-03-01',
    next_invoice_date: renewsOn,
    first_recurring_date: renewsOn,
    covered_until: renewsOn,
    auto_renew: 0,
  });
}

const startRun = (url: string) => startCli(['--today', asOf, 'renewals', 'run'], { db: url });

const countOf = async (db: Db, table: 'renewals' | 'member_statuses') => Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const audited = async (db: Db, action: 'insert' | 'status') =>
  Number(
    (
      await db.kysely
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('action', '=', action)
        .where('entity', '=', action === 'insert' ? 'renewals' : 'members')
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.each(dialects)('the renewals job as a process on %s', (dialect) => {
  it('killed half-way, it leaves every renewal and status with its audit entry, and the rerun does exactly the rest, once', { timeout: 180_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await seedTerms(db);
      // a first run while everyone is covered: nothing to open, everyone a member
      const quiet = await runCli(['--today', '2026-01-15', 'renewals', 'run', '--json'], { db: url });
      expect([quiet.code, quiet.json().notices, quiet.json().transitions]).toEqual([0, 0, []]);

      const run = startRun(url);
      const deadline = Date.now() + 60_000;
      while ((await countOf(db, 'renewals')) < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      run.child.kill('SIGKILL');
      expect(await run.exit).toBeNull();
      const partial = await countOf(db, 'renewals');
      expect(partial).toBeGreaterThanOrEqual(500);
      expect(partial).toBeLessThan(count);
      // written in the same transactions: never one without the other
      expect(await audited(db, 'insert')).toBe(partial);
      expect(await audited(db, 'status')).toBe(await countOf(db, 'member_statuses'));

      const rerun = await runCli(['--today', asOf, 'renewals', 'run', '--json'], { db: url });
      expect(rerun.code, rerun.stderr).toBe(0);
      const result = rerun.json();
      expect(result.notices).toBe(count - partial);
      expect(result.transitions.every((t: { from: string; to: string }) => t.from === 'member' && t.to === 'grace')).toBe(true);
      expect([await countOf(db, 'renewals'), await audited(db, 'insert'), await countOf(db, 'member_statuses'), await audited(db, 'status')]).toEqual([count, count, count, count]);
      const again = (await runCli(['--today', asOf, 'renewals', 'run', '--json'], { db: url })).json();
      expect([again.notices, again.transitions]).toEqual([0, []]);
    });
  });

  it('exits 75 at once while another job holds the lock, or after waiting --wait seconds', async () => {
    await withFreshDb(dialect, async (db, url) => {
      await withJobLock(db, jobLockName, {}, async () => {
        const [now, waited] = await Promise.all([
          runCli(['renewals', 'run', '--json'], { db: url, today: asOf }),
          runCli(['renewals', 'run', '--wait', '1'], { db: url, today: asOf }),
        ]);
        // with --json, the one document on stdout is the error
        expect(now.code).toBe(75);
        expect(now.json()).toMatchObject({ error: { code: 'lock_held', exitCode: 75 } });
        expect(now.stderr).toContain('lock');
        expect(waited.code).toBe(75);
        expect(waited.stderr).toContain('waited 1s');
      });
    });
  });
});
