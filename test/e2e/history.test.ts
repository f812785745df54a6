import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

interface Change {
  field: string;
  before: unknown;
  after: unknown;
  label: string;
  beforeText: string | null;
  afterText: string | null;
}
interface Entry {
  at: string;
  localTime: string;
  action: string;
  entity: string;
  summary: string | null;
  changes: Change[];
}

/** `at` one hour ahead, as Paris is in winter: `2026-12-06 23:17`. */
const parisWinter = (at: string) => new Date(new Date(at).getTime() + 3600_000).toISOString().slice(0, 16).replace('T', ' ');

describe.each(dialects)('members history as people read it, on %s', (dialect) => {
  it('labels instead of columns, values as the CLI shows them, names instead of ids, times in the timezone setting; --json keeps the raw values', async () => {
    const db = await freshDbUrl(dialect);
    const today = '2026-12-06';
    const ok = async (args: string[]) => {
      const result = await runCli(args, { db, today });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result;
    };
    await ok(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')]);
    await ok(['settings', 'set', 'timezone', 'Europe/Paris']);
    await ok(['members', 'add', '--name', 'Paula Payeur', '--email', 'paula@example.fr']);
    await ok(['members', 'add', '--name', 'Benoît Durand', '--email', 'benoit@example.fr', '--field', 'Taille=M']);
    await ok(['memberships', 'add', 'benoit@example.fr', '--plan', 'Hot Desk', '--start', '2026-12-01']);
    await ok(['members', 'edit', 'benoit@example.fr', '--company', 'Atelier Nord', '--no-mail', '--field', 'Taille=L']);
    await ok(['invoices', 'run']);
    await ok(['payments', 'record', 'INV-2026-00001', '--amount', '240', '--method', 'transfer', '--reference', 'VIR 42']);
    await ok(['members', 'edit', 'benoit@example.fr', '--paid-by', 'paula@example.fr']);

    const entries = (await ok(['--json', 'members', 'history', 'benoit@example.fr'])).json<Entry[]>();
    for (const e of entries) expect(e.localTime).toBe(parisWinter(e.at));
    const added = entries.find((e) => e.entity === 'memberships' && e.action === 'insert')!;
    expect(added.changes.find((c) => c.field === 'plan_id')).toMatchObject({ before: null, label: 'Plan', afterText: 'Hot Desk' });
    expect(typeof added.changes.find((c) => c.field === 'plan_id')!.after).toBe('number');
    expect(added.changes.find((c) => c.field === 'auto_renew')).toMatchObject({ after: 1, label: 'Auto-renew', afterText: 'yes' });
    const payment = entries.find((e) => e.entity === 'payments')!;
    expect(payment.changes.find((c) => c.field === 'amount')).toMatchObject({ after: 24000, label: 'Amount', afterText: '240.00' });
    expect(payment.changes.find((c) => c.field === 'invoice_id')).toMatchObject({ label: 'Invoice', afterText: 'INV-2026-00001' });

    const human = (await ok(['members', 'history', 'benoit@example.fr'])).stdout;
    const lines = human.split('\n');
    // each entry's line starts with its time in Paris
    for (const e of entries) expect(lines.some((l) => l.startsWith(`${e.localTime}  `))).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        '    Plan: Hot Desk',
        '    Auto-renew: yes',
        '    Added through: command line',
        '    Taille: M → L',
        '    No mail: no → yes',
        '    Company: (none) → Atelier Nord',
        expect.stringMatching(/^ {4}Paid by: \(none\) → #\d+ Paula Payeur$/),
        '    Amount: 240.00',
        '    Invoice: INV-2026-00001',
      ]),
    );
    // what an entry adds leaves out flags that are off and empty values; column names are gone
    expect(human).not.toMatch(/Do not renew: no|End date: \(none\)|plan_id|auto_renew|no_mail|member_fields|-> /);
    expect(human).toContain('No mail, Company changed');

    // members show ends with the same lines
    const show = (await ok(['members', 'show', 'benoit@example.fr'])).stdout;
    expect(show).toContain('    Company: (none) → Atelier Nord');

    // a merge shows what the removed person had, not values that read the same before and after
    await ok(['members', 'add', '--name', 'Benoit Durand (old)', '--email', 'b.durand@example.fr']);
    await ok(['members', 'merge', 'benoit@example.fr', 'b.durand@example.fr']);
    const merged = (await ok(['members', 'history', 'benoit@example.fr'])).stdout;
    expect(merged).toContain('    E-mail: b.durand@example.fr → (none)');
    expect(merged).toMatch(/ {4}Merged into: \(none\) → #\d+ Benoît Durand/);
    expect(merged).not.toMatch(/\(none\) → \(none\)|: \{\}/);
  });
});
