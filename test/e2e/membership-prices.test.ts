import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

async function ok(db: string, today: string, args: string[]) {
  const result = await runCli([...args, '--json'], { db, today });
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.json();
}

interface LineJson {
  member: { name: string };
  plan: string;
  periodStart: string;
  periodEnd: string;
  unitPrice: string;
  net: string;
  tax: string;
  description: string;
}

/** [member, plan, period start, period end, unit price, net, tax] of every line the run issued. */
function linesOf(run: { invoices: Array<{ lines: LineJson[] }> }) {
  return run.invoices.flatMap((i) => i.lines).map((l) => [l.member.name, l.plan, l.periodStart, l.periodEnd, l.unitPrice, l.net, l.tax]);
}

describe.each(dialects)('per-membership prices on %s', (dialect) => {
  it('bills each membership its own price, prorated and rounded half up like the plan price, until --price plan', async () => {
    const db = await freshDbUrl(dialect);
    const today = '2026-01-10';
    await ok(db, today, ['plans', 'add', 'Desk', '--price', '30', '--tax-rate', '20']);
    await ok(db, today, ['plans', 'add', 'Annual', '--price', '120', '--interval', 'year']);
    for (const name of ['Jo', 'Bo', 'Al', 'Cy']) await ok(db, today, ['members', 'add', '--name', name]);
    // 22 of January's 31 days; the price typed with a decimal comma and a currency sign
    const jo = await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-01-10', '--next-invoice', '2026-02-01', '--prorate', '--price', '33,33 €']);
    expect(jo).toMatchObject({ plan: 'Desk', price: '33.33', currency: 'EUR', followsPlanPrice: false });
    // 15 of November's 30 days: 33.33 x 15 / 30 = 16.665, half a cent rounded up; then two whole months caught up
    await ok(db, today, ['memberships', 'add', 'Bo', '--plan', 'Desk', '--start', '2025-11-16', '--next-invoice', '2025-12-01', '--prorate', '--price', '33.33']);
    // a yearly price, and a yearly one prorated over 356 of 365 days
    await ok(db, today, ['memberships', 'add', 'Al', '--plan', 'Annual', '--start', '2026-01-10', '--price', '99.99']);
    await ok(db, today, ['memberships', 'add', 'Cy', '--plan', 'Annual', '--start', '2026-01-10', '--next-invoice', '2027-01-01', '--prorate', '--price', '99.99']);
    const followsPlan = await ok(db, today, ['memberships', 'show', '3']);
    expect(followsPlan).toMatchObject({ price: '99.99', currency: 'EUR', followsPlanPrice: false });

    const first = await ok(db, today, ['invoices', 'run']);
    expect(linesOf(first)).toEqual([
      // net = round-half-up(3333 x 22 / 31) = round(2365.35) = 2365; tax = round(2365 x 20%) = round(473.0)
      ['Jo', 'Desk', '2026-01-10', '2026-01-31', '33.33', '23.65', '4.73'],
      // round(3333 x 15 / 30) = round(1666.5) = 1667; tax round(333.4) = 333
      ['Bo', 'Desk', '2025-11-16', '2025-11-30', '33.33', '16.67', '3.33'],
      // tax round(666.6) = 667
      ['Bo', 'Desk', '2025-12-01', '2025-12-31', '33.33', '33.33', '6.67'],
      ['Bo', 'Desk', '2026-01-01', '2026-01-31', '33.33', '33.33', '6.67'],
      ['Al', 'Annual', '2026-01-10', '2027-01-09', '99.99', '99.99', '0.00'],
      // round(9999 x 356 / 365) = round(9752.45) = 9752
      ['Cy', 'Annual', '2026-01-10', '2026-12-31', '99.99', '97.52', '0.00'],
    ]);
    expect(first.totals).toEqual({ EUR: '325.89' });

    // a rerun bills nothing new
    expect((await ok(db, today, ['invoices', 'run'])).count).toBe(0);

    // February at Jo's price; then back to the plan's price, for the invoices still to come
    const february = await ok(db, '2026-02-01', ['invoices', 'run']);
    expect(linesOf(february)).toEqual([
      ['Jo', 'Desk', '2026-02-01', '2026-02-28', '33.33', '33.33', '6.67'],
      ['Bo', 'Desk', '2026-02-01', '2026-02-28', '33.33', '33.33', '6.67'],
    ]);
    const back = await ok(db, '2026-02-01', ['memberships', 'set', '1', '--price', 'plan']);
    expect(back).toMatchObject({ price: '30.00', followsPlanPrice: true });
    const march = await ok(db, '2026-03-01', ['invoices', 'run']);
    expect(linesOf(march)).toEqual([
      ['Jo', 'Desk', '2026-03-01', '2026-03-31', '30.00', '30.00', '6.00'],
      ['Bo', 'Desk', '2026-03-01', '2026-03-31', '33.33', '33.33', '6.67'],
    ]);
    expect((await ok(db, '2026-03-01', ['invoices', 'run'])).count).toBe(0);
    // the invoices already issued keep what they billed
    const issued = await ok(db, '2026-03-01', ['invoices', 'show', first.invoices[0].number]);
    expect(issued.lines[0]).toMatchObject({ unitPrice: '33.33', net: '23.65' });

    // a new price for the next periods; the human output says whose price it is
    const human = await runCli(['memberships', 'set', '2', '--price', '31.5'], { db, today: '2026-03-01' });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('31.50 EUR (its own price) per period');
    const shown = await runCli(['memberships', 'show', '1'], { db, today: '2026-03-01' });
    expect(shown.stdout).toContain("30.00 EUR (the plan's price) per period");
    const member = await ok(db, '2026-03-01', ['members', 'show', 'Bo']);
    expect(member.memberships[0]).toMatchObject({ price: '31.50', followsPlanPrice: false });
  });

  it('refuses a price that is not an amount of the plan, naming the option', async () => {
    const db = await freshDbUrl(dialect);
    const today = '2026-01-10';
    await ok(db, today, ['plans', 'add', 'Desk', '--price', '30']);
    await ok(db, today, ['plans', 'add', 'Franc', '--price', '30', '--currency', 'CHF']);
    await ok(db, today, ['members', 'add', '--name', 'Jo']);
    for (const [price, words] of [
      ['abc', '--price: "abc" is not an amount'],
      ['-5', 'cannot be negative'],
      ['12.345', 'EUR amounts have at most 2 decimals'],
      ['$12', '"$" is not the currency EUR'],
    ]) {
      const refused = await runCli(['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-01-10', '--price', price!], { db, today });
      expect(refused.code, price).toBe(64);
      expect(refused.stderr).toContain(words);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await ok(db, today, ['members', 'show', 'Jo'])).memberships).toEqual([]);
    // its own price is in EUR: a move to a plan in CHF needs its price in CHF
    await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-01-10', '--price', '25']);
    const moved = await runCli(['memberships', 'set', '1', '--plan', 'Franc'], { db, today });
    expect(moved.code).toBe(65);
    expect(moved.stderr).toContain('own price 25.00 EUR');
    expect(await ok(db, today, ['memberships', 'set', '1', '--plan', 'Franc', '--price', '27'])).toMatchObject({ plan: 'Franc', price: '27.00', currency: 'CHF' });
  });

  it('refuses a second membership on the same plan at the same time unless --allow-overlap', async () => {
    const db = await freshDbUrl(dialect);
    const today = '2026-01-10';
    await ok(db, today, ['plans', 'add', 'Desk', '--price', '30']);
    await ok(db, today, ['plans', 'add', 'Studio', '--price', '50']);
    await ok(db, today, ['members', 'add', '--name', 'Jo']);
    await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-01-01', '--end', '2026-06-30']);
    const refused = await runCli(['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-06-30'], { db, today });
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain('Jo already has membership 1 on "Desk" (2026-01-01 to 2026-06-30) at the same time');
    expect(refused.stderr).toContain('--allow-overlap');
    // one that ends before the other starts is refused too
    const before = await runCli(['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2025-06-01', '--end', '2026-01-01'], { db, today });
    expect(before.code).toBe(65);
    expect((await ok(db, today, ['members', 'show', 'Jo'])).memberships).toHaveLength(1);
    // after it, on another plan, or a second desk on purpose
    await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-07-01']);
    await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Studio', '--start', '2026-01-01']);
    const second = await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-01-10', '--allow-overlap', '--price', '20']);
    expect(second).toMatchObject({ id: 4, plan: 'Desk', price: '20.00' });
    const run = await ok(db, today, ['invoices', 'run']);
    expect(linesOf(run).map((l) => [l[1], l[2], l[5]])).toEqual([
      ['Desk', '2026-01-01', '30.00'],
      ['Studio', '2026-01-01', '50.00'],
      ['Desk', '2026-01-10', '20.00'],
    ]);
  });

  it('warns naming the invoices that already bill past a new end date', async () => {
    const db = await freshDbUrl(dialect);
    const today = '2026-01-10';
    await ok(db, today, ['plans', 'add', 'Desk', '--price', '30']);
    await ok(db, today, ['members', 'add', '--name', 'Jo']);
    await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Desk', '--start', '2026-01-01']);
    const january = await ok(db, today, ['invoices', 'run']);
    const february = await ok(db, '2026-02-01', ['invoices', 'run']);
    const [jan, feb] = [january.invoices[0].number, february.invoices[0].number];
    const inside = await runCli(['memberships', 'set', '1', '--end', '2026-01-15', '--json'], { db, today: '2026-02-02' });
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.json()).toMatchObject({ endDate: '2026-01-15' });
    expect(inside.stderr).toContain(`invoices ${jan}, ${feb} already bill it through 2026-02-28`);
    const last = await runCli(['memberships', 'set', '1', '--end', '2026-01-31'], { db, today: '2026-02-02' });
    expect(last.stderr).toContain(`invoice ${feb} already bills it through 2026-02-28`);
    expect(last.stderr).toContain(`memberctl invoices void ${feb} --reason TEXT`);
    expect(last.stderr).not.toContain(jan);
    const after = await runCli(['memberships', 'set', '1', '--end', '2026-02-28'], { db, today: '2026-02-02' });
    expect(after.code).toBe(0);
    expect(after.stderr).not.toContain('warning');
    // voided, it bills nothing any more
    await ok(db, '2026-02-02', ['invoices', 'void', feb, '--reason', 'left in January']);
    const voided = await runCli(['memberships', 'set', '1', '--end', '2026-01-31'], { db, today: '2026-02-02' });
    expect(voided.stderr).not.toContain('warning');
  });
});
