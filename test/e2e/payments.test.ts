import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, withFreshDb } from '../helpers/db.js';

async function run(db: string, args: string[], code = 0) {
  const result = await runCli(args, { db });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(code);
  return result;
}

describe.each(dialects)('payments record from the built CLI on %s', (dialect) => {
  it('records a payment once: a repeat and a payment on a paid invoice are refused, a key finds its payment', { timeout: 120_000 }, async () => {
    await withFreshDb(dialect, async (db, url) => {
      await run(url, ['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
      await run(url, ['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
      await run(url, ['memberships', 'add', 'ann@example.org', '--plan', 'Hot Desk', '--start', '2026-01-01']);
      await run(url, ['--today', '2026-01-01', 'invoices', 'run']);
      const vir = ['payments', 'record', 'INV-2026-00001', '--amount', '60', '--method', 'transfer', '--reference', 'VIR 42', '--date', '2026-01-05'];
      const first = (await run(url, ['--today', '2026-01-06', ...vir, '--json'])).json();
      expect(first).toMatchObject({ id: 1, amount: '60.00', invoiceStatus: 'open', change: 'recorded' });
      const repeat = await run(url, ['--today', '2026-01-06', ...vir], 65);
      expect(repeat.stderr).toContain('this repeats payment #1 of 60.00 EUR on 2026-01-05 by transfer (VIR 42) on INV-2026-00001');
      expect(repeat.stderr).toContain('--again');
      expect((await run(url, ['--today', '2026-01-06', ...vir, '--again', '--json'])).json()).toMatchObject({ id: 2, invoiceStatus: 'paid' });
      const paid = await run(url, ['--today', '2026-01-06', 'payments', 'record', 'INV-2026-00001', '--amount', '5', '--method', 'cash'], 65);
      expect(paid.stderr).toContain('invoice INV-2026-00001 is paid already');
      expect(paid.stderr).toContain('--overpay');
      // a script that runs twice records its payment once, whatever the order of the races
      await run(url, ['--today', '2026-01-06', 'payments', 'cancel', '2', '--reason', 'typed twice']);
      const keyed = ['--today', '2026-01-06', 'payments', 'record', 'INV-2026-00001', '--amount', '60', '--method', 'card', '--key', 'order-7731', '--json'];
      const [a, b] = await Promise.all([runCli(keyed, { db: url }), runCli(keyed, { db: url })]);
      expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
      expect([a.json().change, b.json().change].sort()).toEqual(['recorded', 'unchanged']);
      expect(a.json().id).toBe(b.json().id);
      const again = await run(url, keyed.slice(0, -1));
      expect(again.stdout).toContain(`Payment #${a.json().id} (60.00 EUR on INV-2026-00001) was recorded already with key order-7731: nothing changed.`);
      const other = await run(url, ['--today', '2026-01-06', 'payments', 'record', 'INV-2026-00001', '--amount', '61', '--method', 'card', '--key', 'order-7731'], 65);
      expect(other.stderr).toContain('amount 60.00, not 61.00');
      expect(await db.kysely.selectFrom('payments').select('id').where('status', '=', 'recorded').execute()).toHaveLength(2);
      expect((await run(url, ['payments', 'record', 'INV-2026-00001', '--amount', '1', '--method', 'card', '--key', ' '], 64)).stderr).toContain('--key needs some text');
    });
  });
});
