import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bin, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

const today = '2025-01-10';

/** A plan "Desk" at 110.00 EUR a month with one upcoming, one running and one ended membership on it. */
async function deskInUse(db: string): Promise<void> {
  const steps = [
    ['plans', 'add', 'Desk', '--price', '110'],
    ['plans', 'add', 'Unused', '--price', '50'],
    ['members', 'add', '--name', 'Jo'],
    ['members', 'add', '--name', 'Bo'],
    ['members', 'add', '--name', 'Al'],
    ['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2025-02-01'],
    ['memberships', 'add', 'Bo', '--plan', 'Desk', '--start', '2024-12-15', '--next-invoice', '2025-01-15'],
    ['memberships', 'add', 'Al', '--plan', 'Desk', '--start', '2024-01-01', '--end', '2024-06-30'],
  ];
  for (const args of steps) {
    const result = await runCli(args, { db, today });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  }
}

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `answer` once the question shows. */
function runOnTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1', CI: undefined, MEMBERCTL_DB: undefined, MEMBERCTL_TODAY: undefined } });
    let output = '';
    let answered = false;
    const timer = setTimeout(() => child.kill(), 20_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      if (!answered && output.includes('anyway?')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.each(dialects)('plans edit on %s', (dialect) => {
  it('warns before changing the currency or interval of a plan in use, naming the memberships and their next invoice', async () => {
    const db = await freshDbUrl(dialect);
    await deskInUse(db);
    const edited = await runCli(['plans', 'edit', 'Desk', '--currency', 'CHF', '--interval', 'year', '--json'], { db, today });
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.json()).toMatchObject({ name: 'Desk', currency: 'CHF', interval: 'year', price: '110.00' });
    const warning = edited.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warning).toHaveLength(1);
    // the ended membership is not counted; Bo is billed first
    expect(warning[0]).toContain('2 memberships on plan "Desk"');
    expect(warning[0]).toContain('110.00 CHF every year instead of 110.00 EUR every month');
    expect(warning[0]).toContain('2025-01-15');

    const every = await runCli(['plans', 'edit', 'Desk', '--every', '2'], { db, today });
    expect(every.code).toBe(0);
    expect(every.stderr).toContain('110.00 CHF every 2 years instead of 110.00 CHF every year');
  });

  it('changes a price, or the terms of a plan nobody is on, without a warning', async () => {
    const db = await freshDbUrl(dialect);
    await deskInUse(db);
    const price = await runCli(['plans', 'edit', 'Desk', '--price', '120'], { db, today });
    expect(price.code).toBe(0);
    expect(price.stderr).not.toContain('warning');
    const unused = await runCli(['plans', 'edit', 'Unused', '--currency', 'CHF', '--interval', 'year'], { db, today });
    expect(unused.code).toBe(0);
    expect(unused.stderr).not.toContain('warning');
  });

  it.skipIf(!hasScript)('asks on a terminal before changing the terms of a plan in use; --yes does not ask', async () => {
    const db = await freshDbUrl(dialect);
    await deskInUse(db);
    const refused = await runOnTerminal(['--db', db, '--today', today, 'plans', 'edit', 'Desk', '--currency', 'CHF'], 'n');
    expect(refused.code).toBe(0);
    expect(refused.output).toContain('2 memberships on plan "Desk"');
    expect(refused.output).toContain('Nothing was changed.');
    expect((await runCli(['plans', 'show', 'Desk', '--json'], { db })).json()).toMatchObject({ currency: 'EUR' });

    const accepted = await runOnTerminal(['--db', db, '--today', today, 'plans', 'edit', 'Desk', '--currency', 'CHF'], 'y');
    expect(accepted.code).toBe(0);
    expect(accepted.output).toContain('Updated plan "Desk".');
    expect((await runCli(['plans', 'show', 'Desk', '--json'], { db })).json()).toMatchObject({ currency: 'CHF' });

    const yes = await runOnTerminal(['--db', db, '--today', today, '--yes', 'plans', 'edit', 'Desk', '--interval', 'year'], 'n');
    expect(yes.code).toBe(0);
    expect(yes.output).not.toContain('anyway?');
    expect(yes.output).toContain('warning:');
    expect((await runCli(['plans', 'show', 'Desk', '--json'], { db })).json()).toMatchObject({ interval: 'year' });
  });

  it('says there is nothing to change when no option is given or every value is already the plan', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['plans', 'add', 'Desk', '--price', '110'], { db })).code).toBe(0);
    const bare = await runCli(['plans', 'edit', 'Desk'], { db });
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('Nothing to change for plan "Desk"');
    expect(bare.stdout).not.toContain('Updated');
    expect(bare.stderr).toContain('--price');
    const same = await runCli(['plans', 'edit', 'Desk', '--price', '110.00', '--interval', 'month'], { db });
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('Nothing to change for plan "Desk"');
    const json = await runCli(['plans', 'edit', 'Desk', '--json'], { db });
    expect(json.json()).toMatchObject({ name: 'Desk', price: '110.00' });
  });
});

describe.each(dialects)('plans edit --price on %s', (dialect) => {
  it('says how many memberships follow the plan price and how many keep their own', async () => {
    const db = await freshDbUrl(dialect);
    await deskInUse(db);
    // Bo keeps a price of their own; Al's membership has ended and is not counted
    expect((await runCli(['memberships', 'set', '2', '--price', '99'], { db, today })).code).toBe(0);
    const human = await runCli(['plans', 'edit', 'Desk', '--price', '120'], { db, today });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Updated plan "Desk": 120.00 EUR from the next invoice of 1 membership that follows the plan\'s price; 1 membership keeps its own price.');
    const json = await runCli(['plans', 'edit', 'Desk', '--price', '125', '--json'], { db, today });
    expect(json.json()).toMatchObject({ name: 'Desk', price: '125.00', memberships: { followPlanPrice: 1, ownPrice: 1 } });
    // Al's ended membership is billed first, at the plan's price
    expect((await runCli(['invoices', 'run'], { db, today })).code).toBe(0);
    const run = await runCli(['invoices', 'run', '--json'], { db, today: '2025-02-01' });
    const lines = run.json().invoices.flatMap((i: { lines: Array<{ member: { name: string }; unitPrice: string }> }) => i.lines);
    expect(lines.map((l: { member: { name: string }; unitPrice: string }) => [l.member.name, l.unitPrice])).toEqual([
      ['Jo', '125.00'],
      ['Bo', '99.00'],
    ]);
    // an edit that leaves the price alone says nothing of it
    const renamed = await runCli(['plans', 'edit', 'Desk', '--tax-rate', '20', '--json'], { db, today });
    expect(renamed.json().memberships).toBeUndefined();
  });
});
