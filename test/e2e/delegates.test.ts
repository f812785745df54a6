import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { noStackTrace, runExpecting } from '../helpers/errors.js';

const slow = { timeout: 240_000 };

describe.each(dialects)('delegates from the built CLI on %s', (dialect) => {
  it('names delegates up to the seats, lists them as members of the plan, bills each their share on their own invoice', slow, async () => {
    const db = await freshDbUrl(dialect);
    const ok = (args: string[], today = '2026-01-01') => runExpecting(db, ['--today', today, ...args]);
    await ok(['plans', 'add', 'Team', '--price', '100', '--tax-rate', '20']);
    for (const name of ['Acme', 'Ann', 'Bob', 'Cy']) await ok(['members', 'add', '--name', name]);
    await ok(['memberships', 'add', 'Acme', '--plan', 'Team', '--start', '2026-01-01', '--quantity', '2']);

    const added = (await ok(['memberships', 'delegates', '1', '--add', 'Ann', '--json'])).json();
    expect(added).toEqual({ membership: 1, seats: 2, billSeparately: false, delegates: [{ id: 2, name: 'Ann', email: null, since: expect.any(String) }], change: 'added' });
    await ok(['memberships', 'delegates', '1', '--add', 'Bob']);
    const beyond = await runCli(['memberships', 'delegates', '1', '--add', 'Cy'], { db });
    expect(beyond.code).toBe(65);
    expect(beyond.stderr).toContain('membership 1 has 2 seats, all taken (Ann, Bob): Cy would be one beyond them');
    noStackTrace(beyond.stderr);
    const fewer = await runCli(['memberships', 'set', '1', '--quantity', '1'], { db });
    expect(fewer.code).toBe(65);
    expect(fewer.stderr).toContain('membership 1 names 2 delegates (Ann, Bob)');
    const both = await runCli(['memberships', 'delegates', '1', '--add', 'Cy', '--remove', 'Ann'], { db });
    expect(both.code).toBe(64);

    const listed = (await ok(['members', 'list', '--plan', 'Team', '--json'])).json();
    expect(listed.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ['Acme', 'member'],
      ['Ann', 'member'],
      ['Bob', 'member'],
    ]);
    const shown = (await ok(['members', 'show', 'Ann', '--json'])).json();
    expect(shown.delegateOf).toEqual([{ membership: 1, plan: 'Team', holder: { id: 1, name: 'Acme' }, status: 'active' }]);
    expect((await ok(['members', 'show', 'Ann'])).stdout).toContain('Delegate of\n  membership 1 (Team) of Acme (#1), active');

    // billed as today: the holder, 2 x 100.00
    expect((await ok(['invoices', 'run', '--json'])).json().invoices.map((i: { payer: { name: string }; total: string }) => [i.payer.name, i.total])).toEqual([['Acme', '240.00']]);
    const set = (await ok(['memberships', 'set', '1', '--bill-delegates-separately', '--json'])).json();
    expect([set.billDelegatesSeparately, set.delegates]).toEqual([true, [{ id: 2, name: 'Ann' }, { id: 3, name: 'Bob' }]]);
    const february = (await ok(['invoices', 'run', '--json'], '2026-02-01')).json();
    expect(february.invoices.map((i: { payer: { name: string }; total: string; lines: { description: string }[] }) => [i.payer.name, i.total, i.lines[0]!.description])).toEqual([
      ['Ann', '120.00', 'Team x 2, 2026-02-01 to 2026-02-28 (share 1 of 2, membership of Acme)'],
      ['Bob', '120.00', 'Team x 2, 2026-02-01 to 2026-02-28 (share 2 of 2, membership of Acme)'],
    ]);
    expect((await ok(['invoices', 'run', '--json'], '2026-02-01')).json().count).toBe(0);

    await ok(['memberships', 'delegates', '1', '--remove', 'Bob']);
    expect((await ok(['memberships', 'delegates', '1', '--list'])).stdout).toMatch(/^membership 1: 1 of 2 seats named, each delegate billed their share\n {2}#2 {2}Ann {2}since /);
    expect((await ok(['members', 'show', 'Bob', '--json'])).json()).toMatchObject({ status: 'contact', delegateOf: [] });
    const history = (await ok(['members', 'history', 'Acme'])).stdout;
    expect(history).toContain('Bob (#3) no longer a delegate of membership 1');
  });
});
