import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { runCli, startCli } from '../helpers/cli.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { seedMembers, seedMemberships, seedPlan } from '../db/people-fixtures.js';
import { countByMessageId, mailOrgIdentity, sinksClosedAfterEach } from '../helpers/smtp.js';

const sink = sinksClosedAfterEach(afterEach);

/** `count` members with an e-mail each, one invoice each issued by `invoices run`, which queues its message. */
async function queued(db: Db, url: string, count: number): Promise<string[]> {
  const k = db.kysely;
  expect((await runCli(mailOrgIdentity, { db: url })).code).toBe(0);
  expect((await runCli(['settings', 'set', 'mail-from', 'factures@lumiere.example'], { db: url })).code).toBe(0);
  const plan = await seedPlan(k, 'Desk', 10_000);
  const ids = await seedMembers(k, count);
  for (const id of ids) await k.updateTable('members').set({ email: `m${id}@example.org`, email_key: `m${id}@example.org` }).where('id', '=', id).execute();
  await seedMemberships(k, ids, plan, { first_recurring_date: '2026-01-01' });
  const run = await runCli(['--today', '2026-01-02', 'invoices', 'run'], { db: url });
  expect(run.code, run.stderr).toBe(0);
  const invoices = await k.selectFrom('invoices').select('id').orderBy('id').execute();
  expect(invoices).toHaveLength(count);
  const messages = await k.selectFrom('mail_messages').select(['id', 'subject_id']).orderBy('id').execute();
  expect(messages).toHaveLength(count);
  return messages.map((m) => `<invoice.invoice-${m.subject_id}.issued.${m.id}@lumiere.example>`);
}

describe.each(dialects)('mail send processes on %s', (dialect) => {
  it('mail send killed with SIGKILL at random moments, then run again, delivers every message, at most twice', { timeout: 600_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      const expected = await queued(db, url, 1000);
      const smtp = await sink(() => null, { parse: false });
      let kills = 0;
      for (let round = 0; round < 4; round += 1) {
        const before = smtp.received.length;
        const { child, exit } = startCli(['mail', 'send', '--smtp', smtp.url], { db: url });
        // somewhere after it has started sending: a random number of messages, then a random moment
        const after = before + 20 + Math.floor(Math.random() * 150);
        const deadline = Date.now() + 60_000;
        while (smtp.received.length < after && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          kills += 1;
        }
        await exit;
      }
      expect(kills).toBeGreaterThan(0);
      const last = await runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url });
      expect(last.code, last.stderr).toBe(0);

      const counts = countByMessageId(smtp.received);
      expect([...counts.keys()].sort()).toEqual([...expected].sort());
      const duplicates = [...counts.values()].filter((n) => n > 1);
      expect(duplicates.every((n) => n === 2)).toBe(true);
      // a duplicate only for a message in flight at a kill: at most one per kill
      expect(duplicates.length).toBeLessThanOrEqual(kills);
      const statuses = await db.kysely.selectFrom('mail_messages').select('status').distinct().execute();
      expect(statuses.map((s) => s.status)).toEqual(['sent']);
    });
  });

  it('two mail send at once deliver each message exactly once', { timeout: 300_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      const expected = await queued(db, url, 300);
      const smtp = await sink(() => null, { parse: false });
      const [a, b] = await Promise.all([
        runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url }),
        runCli(['mail', 'send', '--smtp', smtp.url, '--json'], { db: url }),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(a.json().sent + b.json().sent).toBe(300);
      // both took part
      expect(Math.min(a.json().sent, b.json().sent)).toBeGreaterThan(0);
      const counts = countByMessageId(smtp.received);
      expect([...counts.keys()].sort()).toEqual([...expected].sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    });
  });
});
