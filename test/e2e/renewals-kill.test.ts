import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { jobLockName } from '../../src/core/jobs.js';
import { withJobLock } from '../../src/core/lock.js';
import { type Db, openDb } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { at } from '../db/invoicing-fixtures.js';
import { bin, root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

const count = 12_000;
const asOf = '2026-03-05';

/** `count` yearly term memberships imported as covered until 2026-03-01. */
async function seedTerms(db: Db): Promise<void> {
  const k = db.kysely;
  const plan = await k
    .insertInto('plans')
    .values({ name: 'Annual', price: 12000, currency: 'EUR', interval: 'year', every: 1, tax_rate: '0', credits: 0, passes: 0, auto_renew: 0, archived: 0, created_at: at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < count; i += 500) {
    const rows = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ name: `Member ${i + j}`, created_at: at, updated_at: at }));
    const ids = (await k.insertInto('members').values(rows).returning('id').execute()).map((r) => r.id);
    await k
      .insertInto('memberships')
      .values(
        ids.map((id) => ({
          member_id: id,
          plan_id: plan.id,
          quantity: 1,
          start_date: '2025-03-01',
          next_invoice_date: '2026-03-01',
          first_recurring_date: '2026-03-01',
          anchor_day: 1,
          covered_until: '2026-03-01',
          auto_renew: 0 as const,
          do_not_renew: 0 as const,
          intervention_required: 0 as const,
          prorate_first: 0 as const,
          source: 'test',
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
  }
}

function startRun(url: string): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, '--db', url, '--today', asOf, 'renewals', 'run'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', MEMBERCTL_DB: undefined, MEMBERCTL_TODAY: undefined },
    stdio: 'ignore',
  });
  return { child, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

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
    const url = await freshDbUrl(dialect);
    const db = await openDb(url);
    try {
      await migrateToLatest(db);
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
    } finally {
      await db.close();
    }
  });

  it('exits 75 at once while another job holds the lock, or after waiting --wait seconds', async () => {
    const url = await freshDbUrl(dialect);
    const db = await openDb(url);
    try {
      await migrateToLatest(db);
      await withJobLock(db, jobLockName, {}, async () => {
        const [now, waited] = await Promise.all([
          runCli(['renewals', 'run', '--json'], { db: url, today: asOf }),
          runCli(['renewals', 'run', '--wait', '1'], { db: url, today: asOf }),
        ]);
        expect([now.code, now.stdout]).toEqual([75, '']);
        expect(now.stderr).toContain('lock');
        expect(waited.code).toBe(75);
        expect(waited.stderr).toContain('waited 1s');
      });
    } finally {
      await db.close();
    }
  });
});
