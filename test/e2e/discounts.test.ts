import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { fatalAsserts, validateCiiSchema, validateEn16931, xpathValues } from '../helpers/einvoice.js';
import { noStackTrace, runExpecting } from '../helpers/errors.js';
import { facturxProblems, readFacturx } from '../helpers/facturx.js';

const identity = [
  'org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--iban', 'FR7630006000011234567890189',
];

const slow = { timeout: 240_000 };

describe.each(dialects)('discounts from the built CLI on %s', (dialect) => {
  it('set, show, bill a catch-up invoice with the discount on its first periods, rerun, e-invoices valid, remove', slow, async () => {
    const db = await freshDbUrl(dialect);
    const ok = (args: string[], today = '2026-03-01') => runExpecting(db, ['--today', today, ...args]);
    await ok(identity);
    await ok(['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
    await ok(['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
    await ok(['memberships', 'add', 'ann@example.org', '--plan', 'Hot Desk', '--start', '2026-01-01']);

    const set = await ok(['memberships', 'set', '1', '--discount', '15%', '--discount-periods', '2', '--discount-reason', 'early bird', '--json']);
    expect(set.json().discount).toEqual({ value: '15%', kind: 'percent', periods: 2, periodsUsed: 0, periodsLeft: 2, reason: 'early bird', since: expect.any(String) });
    expect((await ok(['memberships', 'show', '1'])).stdout).toContain('discount   15% for 2 periods, 2 left (early bird)');

    // January to March at once: two periods at 85.00 + 17.00, then 100.00 + 20.00
    const run = (await ok(['invoices', 'run', '--json'])).json();
    expect(run.count).toBe(1);
    const [invoice] = run.invoices;
    expect(invoice.lines.map((l: { net: string; discount: string | null; tax: string }) => [l.net, l.discount, l.tax])).toEqual([
      ['85.00', '15.00', '17.00'],
      ['85.00', '15.00', '17.00'],
      ['100.00', null, '20.00'],
    ]);
    expect([invoice.net, invoice.tax, invoice.total]).toEqual(['270.00', '54.00', '324.00']);
    expect((await ok(['invoices', 'run', '--json'])).json().count).toBe(0);
    expect((await ok(['memberships', 'show', '1'])).stdout).toContain('15% for 2 periods, 0 left (early bird)');
    expect((await ok(['invoices', 'show', invoice.number])).stdout).toMatch(/discount\s+net[\s\S]*-15\.00\s+85\.00/);

    const dir = tempDir();
    await ok(['invoices', 'einvoice', invoice.number, '--format', 'facturx', '-o', dir]);
    await ok(['invoices', 'einvoice', invoice.number, '--format', 'cii', '-o', dir]);
    const ubl = tempDir();
    await ok(['invoices', 'einvoice', invoice.number, '--format', 'ubl', '-o', ubl]);
    const reading = readFacturx(fs.readFileSync(path.join(dir, `${invoice.number}.pdf`)));
    expect(facturxProblems(reading)).toEqual([]);
    const cii = fs.readFileSync(path.join(dir, `${invoice.number}.xml`), 'utf8');
    expect(validateCiiSchema(cii)).toEqual({ valid: true, errors: [] });
    expect(validateEn16931(cii, 'cii')).toEqual([]);
    expect(xpathValues(cii, '//ram:SpecifiedTradeAllowanceCharge/ram:Reason')).toEqual(['Remise 15\u00a0% (early bird)', 'Remise 15\u00a0% (early bird)']);
    const ublXml = fs.readFileSync(path.join(ubl, `${invoice.number}.xml`), 'utf8');
    expect(fatalAsserts(ublXml, 'ubl')).toEqual([]);
    expect(validateEn16931(ublXml, 'ubl')).toEqual([]);

    // removed: April is billed in full; the history says it all
    await ok(['memberships', 'set', '1', '--discount', 'none']);
    expect((await ok(['memberships', 'show', '1', '--json'])).json().discount).toBeNull();
    const april = (await ok(['invoices', 'run', '--json'], '2026-04-01')).json();
    expect(april.invoices[0].lines.map((l: { net: string }) => l.net)).toEqual(['100.00']);
    const history = (await ok(['members', 'history', 'ann@example.org'])).stdout;
    expect(history).toContain('membership 1 discounted: 15% for 2 periods (early bird)');
    expect(history).toContain('membership 1: discount removed (15% for 2 periods (early bird))');
  });

  it('refuses bad discounts with a usage error naming the option, never a stack trace', slow, async () => {
    const db = await freshDbUrl(dialect);
    const ok = (args: string[]) => runExpecting(db, ['--today', '2026-03-01', ...args]);
    await ok(['plans', 'add', 'Hot Desk', '--price', '100']);
    await ok(['members', 'add', '--name', 'Ann Smith']);
    await ok(['memberships', 'add', 'Ann Smith', '--plan', 'Hot Desk', '--start', '2026-01-01']);
    for (const [args, message] of [
      [['--discount', 'abc'], '--discount: "abc" is neither a percentage nor an amount'],
      [['--discount', '0%'], 'a discount is more than 0%'],
      [['--discount', '120%'], '--discount: "120%" is not a percentage'],
      [['--discount', '-5'], 'a discount is more than 0'],
      [['--discount-periods', '2'], '--discount-periods goes with --discount VALUE'],
      [['--discount', 'none', '--discount-reason', 'x'], '--discount none removes the discount'],
      [['--discount', '10%', '--discount-periods', '0'], '--discount-periods'],
    ] as const) {
      const result = await runCli(['memberships', 'set', '1', ...args], { db });
      expect(result.code, args.join(' ')).toBe(64);
      expect(result.stderr).toContain(message);
      noStackTrace(result.stderr);
    }
  });
});
