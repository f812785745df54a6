import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { withJobLock } from '../../src/core/kernel/lock.js';
import type { Db } from '../../src/db/connect.js';
import { seedMembers, seedMemberships, seedPlan } from '../db/people-fixtures.js';
import { bin, type CliResult, root, runCli, startCli } from '../helpers/cli.js';
import { dialects, withFreshDb } from '../helpers/db.js';

const asOf = '2026-03-01';
const count = 1500;
const isRoot = process.getuid?.() === 0;
const hasScript = spawnSync('script', ['--version']).status === 0;

/** `count` members on a monthly plan, three months due: an `invoices run --batch-size 5` that takes a while. */
async function seedDue(db: Db): Promise<void> {
  const plan = await seedPlan(db.kysely, 'Desk', 1000);
  await seedMemberships(db.kysely, await seedMembers(db.kysely, count), plan, { first_recurring_date: '2026-01-01' });
}

/** Runs the built CLI under the host name `host` (its own UTS namespace), as in another container; its pid is the CLI's. */
const onHost = (host: string) => ['unshare', '-u', 'sh', '-c', 'hostname "$0" && exec "$@"', host];
const startOnHost = (host: string, args: string[]) => startCli(args, { wrap: onHost(host) });
const runOnHost = (host: string, args: string[]) => runCli(args, { wrap: onHost(host) });

const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, MEMBERCTL_DB: undefined, MEMBERCTL_TODAY: undefined };

/** The built CLI at a terminal (a pseudo-terminal from script(1)), answering `answer` to its first question. */
function answerAtTerminal(args: string[], answer: string): Promise<{ code: number; output: string }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: root, env: { ...env, CI: undefined } });
    let output = '';
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      output += d;
      if (!answered && output.includes('(y/N)')) {
        answered = true;
        child.stdin.write(answer);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

const invoiceCount = async (db: Db) => Number((await db.kysely.selectFrom('invoices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const lockRows = (db: Db) => db.kysely.selectFrom('job_locks').selectAll().execute();

describe.each(dialects)('job locks across hosts on %s', (dialect) => {
  it.skipIf(!isRoot)('a lock left by an invoicing run killed with SIGKILL is taken over at once by a job on another host', { timeout: 120_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await seedDue(db);
      const run = startOnHost(os.hostname(), ['--db', url, '--today', asOf, 'invoices', 'run', '--batch-size', '5']);
      await waitFor(async () => (await invoiceCount(db)) >= 50);
      run.child.kill('SIGKILL');
      expect(await run.exit).toBeNull();
      // the dead process's record is still there
      expect((await lockRows(db)).map((r) => [r.name, r.pid, r.host])).toEqual([['jobs', run.child.pid, os.hostname()]]);
      const partial = await invoiceCount(db);

      const started = Date.now();
      const takeOver = await runOnHost('other', ['--db', url, '--today', asOf, 'jobs', 'run', '--wait', '5', '--json']);
      expect(takeOver.code, takeOver.stderr).toBe(0);
      expect(takeOver.json().invoices.count).toBe(count - partial);
      expect(takeOver.stderr).not.toContain('waited');
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(await lockRows(db)).toEqual([]);
    });
  });

  it.skipIf(!isRoot)('a live holder on another host keeps its lock and db unlock is refused; once it is killed, both go through', { timeout: 120_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await seedDue(db);
      const holder = startOnHost('other', ['--db', url, '--today', asOf, 'invoices', 'run', '--batch-size', '5']);
      try {
        await waitFor(async () => (await invoiceCount(db)) >= 50);
        // stopped, it is alive but makes no progress: nothing may take its lock
        holder.child.kill('SIGSTOP');
        const named = `pid ${holder.child.pid} on host other since `;

        const busy = await runCli(['jobs', 'run', '--wait', '1'], { db: url, today: asOf });
        expect(busy.code).toBe(75);
        expect(busy.stderr).toContain(`another memberctl job holds the "jobs" lock: ${named}`);
        expect(busy.stderr).toContain('waited 1s');
        expect(busy.stderr).toContain('memberctl db unlock jobs');
        if (dialect === 'postgres') expect(busy.stderr).toMatch(/\(PostgreSQL session \d+/);

        const refused = await runCli(['db', 'unlock', 'jobs', '--json'], { db: url });
        expect(refused.code).toBe(75);
        expect(refused.json()).toMatchObject({ lock: 'jobs', held: true, removed: false, holder: { host: 'other', pid: holder.child.pid } });
        expect(refused.stderr).toContain(`the "jobs" lock is held by ${named}`);
        expect((await lockRows(db)).map((r) => r.host)).toEqual(['other']);
      } finally {
        holder.child.kill('SIGKILL');
      }
      expect(await holder.exit).toBeNull();

      // the server notices the closed connection within moments; SQLite's lock is gone with the process
      let freed: CliResult;
      const deadline = Date.now() + 10_000;
      do freed = await runCli(['db', 'unlock', 'jobs', '--json'], { db: url });
      while (freed.code === 75 && Date.now() < deadline);
      expect(freed.code, freed.stderr).toBe(0);
      expect(freed.json()).toMatchObject({ lock: 'jobs', held: false, removed: true, holder: { host: 'other', pid: holder.child.pid } });
      expect(await lockRows(db)).toEqual([]);
      const audit = await db.kysely.selectFrom('audit_log').selectAll().where('entity', '=', 'job_locks').execute();
      expect(audit.map((a) => [a.action, a.entity_id])).toEqual([['delete', 'jobs']]);
      expect(audit[0]?.summary).toContain(`pid ${holder.child.pid} on host other`);

      const again = await runCli(['db', 'unlock', 'jobs'], { db: url });
      expect([again.code, again.stdout]).toEqual([0, 'The "jobs" lock is free: nothing to remove.\n']);
      const rerun = await runCli(['jobs', 'run', '--json'], { db: url, today: asOf });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.json().invoices.count).toBeGreaterThan(0);
    });
  });

  it('db unlock removes what a dead holder left, refuses while a holder runs, and knows its lock names', async () => {
    await withFreshDb(dialect, async (db, url) => {
      const unknown = await runCli(['db', 'unlock', 'nope'], { db: url });
      expect(unknown.code).toBe(64);
      expect(unknown.stderr).toContain('the locks are jobs, import');

      await db.kysely.insertInto('job_locks').values({ name: 'import', holder: 'gone', pid: 2 ** 22 + 12345, host: 'gone-container', acquired_at: '2026-01-01T00:00:00.000Z' }).execute();
      const human = await runCli(['db', 'unlock', 'import'], { db: url });
      expect([human.code, human.stdout]).toEqual([0, 'Removed the stale "import" lock left by pid 4206649 on host gone-container since 2026-01-01T00:00:00.000Z.\n']);
      expect(await lockRows(db)).toEqual([]);

      await withJobLock(db, 'import', {}, async () => {
        const refused = await runCli(['db', 'unlock', 'import', '--yes'], { db: url });
        expect([refused.code, refused.stdout]).toEqual([75, '']);
        expect(refused.stderr).toContain(`the "import" lock is held by pid ${process.pid} on host ${os.hostname()} since `);
        expect((await lockRows(db)).map((r) => r.pid)).toEqual([process.pid]);
      });
      const free = await runCli(['db', 'unlock', 'import', '--json'], { db: url });
      expect(free.json()).toEqual({ lock: 'import', held: false, holder: null, removed: false });
    });
  });

  it.skipIf(!hasScript)('at a terminal, db unlock asks before removing a record: no keeps it, yes removes it', { timeout: 60_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await db.kysely.insertInto('job_locks').values({ name: 'jobs', holder: 'gone', pid: 2 ** 22 + 1, host: 'old-container', acquired_at: '2026-01-01T00:00:00.000Z' }).execute();
      const kept = await answerAtTerminal(['--db', url, 'db', 'unlock', 'jobs'], 'n\r');
      expect(kept.code).toBe(0);
      expect(kept.output).toContain('Remove the "jobs" lock left by pid 4194305 on host old-container');
      expect(kept.output).toContain('Nothing was removed.');
      expect((await lockRows(db)).map((r) => r.host)).toEqual(['old-container']);
      const removed = await answerAtTerminal(['--db', url, 'db', 'unlock', 'jobs'], 'y\r');
      expect(removed.code).toBe(0);
      expect(removed.output).toContain('Removed the stale "jobs" lock');
      expect(await lockRows(db)).toEqual([]);
    });
  });
});
