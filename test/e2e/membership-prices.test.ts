import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

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
    const table = await runCli(['members', 'show', 'Bo'], { db, today: '2026-03-01' });
    expect(table.stdout).toMatch(/\bprice\b/);
    expect(table.stdout).toContain('31.50 EUR (own)');
    expect((await runCli(['members', 'show', 'Jo'], { db, today: '2026-03-01' })).stdout).toMatch(/30\.00 EUR(?! \(own\))/);
  }, 180_000);

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
    // a term that does not renew by itself ends with its term, end date or not: rejoining after it is no overlap
    await ok(db, today, ['plans', 'add', 'Annual', '--price', '100', '--interval', 'year', '--auto-renew', 'no']);
    await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Annual', '--start', '2025-01-01']);
    const during = await runCli(['memberships', 'add', 'Jo', '--plan', 'Annual', '--start', '2025-12-31'], { db, today });
    expect(during.code).toBe(65);
    expect(during.stderr).toContain('membership 5 on "Annual" (2025-01-01 to 2025-12-31)');
    expect(await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Annual', '--start', '2026-01-01'])).toMatchObject({ id: 6 });
    // so does one that will not be renewed
    await ok(db, today, ['memberships', 'set', '3', '--do-not-renew', '--reason', 'leaving']);
    expect((await runCli(['memberships', 'add', 'Jo', '--plan', 'Studio', '--start', '2026-01-31'], { db, today })).code).toBe(65);
    await ok(db, today, ['memberships', 'add', 'Jo', '--plan', 'Studio', '--start', '2026-02-01']);
    const run = await ok(db, today, ['invoices', 'run']);
    expect(linesOf(run).map((l) => [l[1], l[2], l[5]])).toEqual([
      ['Desk', '2026-01-01', '30.00'],
      ['Studio', '2026-01-01', '50.00'],
      ['Desk', '2026-01-10', '20.00'],
      ['Annual', '2025-01-01', '100.00'],
      ['Annual', '2026-01-01', '100.00'],
    ]);
  }, 120_000);

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

  it('imports a Price (or Prix) per membership, in the plan currency; a rerun changes and bills nothing; --update changes it', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const today = '2026-01-10';
    await ok(db, today, ['plans', 'add', 'Desk', '--price', '30']);
    await ok(db, today, ['plans', 'add', 'Franc', '--price', '30', '--currency', 'CHF']);
    const file = (name: string, text: string) => {
      const full = path.join(dir, name);
      fs.writeFileSync(full, text);
      return full;
    };
    const broken = file(
      'broken.csv',
      'Name,Email,Plan name,Start date,Next invoice date,Price\nJo,jo@example.org,Desk,2026-01-01,2026-02-01,abc\nBo,bo@example.org,Desk,2026-01-01,2026-02-01,-3\nAl,al@example.org,Franc,2026-01-01,2026-02-01,12 €\nCy,cy@example.org,,,,12\nDi,di@example.org,Desk,2026-01-01,2026-02-01,"1.005"\n',
    );
    const refused = await runCli(['import', broken, '--json'], { db, today });
    expect(refused.code).toBe(65);
    const errors = refused.json().problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([
      [2, 'Price', 'invalid_number'],
      [3, 'Price', 'invalid_number'],
      [4, 'Price', 'invalid_number'],
      [5, 'Price', 'invalid_number'],
      [6, 'Price', 'invalid_number'],
    ]);
    expect(errors[0].message).toContain('write the price per period in EUR (plan "Desk")');
    expect(errors[2].message).toContain('"€" is not the currency CHF');
    expect(errors[3].message).toContain('give its Plan name too');
    expect(errors[4].message).toContain('ambiguous');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(await ok(db, today, ['members', 'list'])).toEqual([]);

    // French headers, semicolons, a decimal comma and a currency sign
    const french = file(
      'membres.csv',
      'Nom;E-mail;Nom du forfait;Date de début;Date de la prochaine facture;Prix\nJo;jo@example.org;Desk;2026-01-01;2026-01-01;33,33 €\nBo;bo@example.org;Desk;2026-01-01;2026-01-01;\nAl;al@example.org;Franc;2026-01-01;2026-01-01;CHF 12.34\n',
    );
    const imported = await ok(db, today, ['import', french]);
    expect(imported.created).toMatchObject({ members: 3, memberships: 3 });
    const run = await ok(db, today, ['invoices', 'run']);
    expect(linesOf(run).map((l) => [l[0], l[4]])).toEqual([
      ['Jo', '33.33'],
      ['Bo', '30.00'],
      ['Al', '12.34'],
    ]);
    // the same file again: the same memberships, nothing new to bill
    const rerun = await ok(db, today, ['import', french]);
    expect(rerun).toMatchObject({ created: { members: 0, memberships: 0 }, updated: { members: 0, memberships: 0 }, unchanged: 3 });
    expect((await ok(db, today, ['invoices', 'run'])).count).toBe(0);
    expect((await ok(db, today, ['members', 'show', 'jo@example.org'])).memberships).toHaveLength(1);

    // another price needs --update; "plan" follows the plan's price again
    const changed = file(
      'changed.csv',
      'Name,Email,Plan name,Start date,Next invoice date,Price\nJo,jo@example.org,Desk,2026-01-01,2026-01-01,plan\nBo,bo@example.org,Desk,2026-01-01,2026-01-01,40\nAl,al@example.org,Franc,2026-01-01,2026-01-01,\n',
    );
    const conflict = await runCli(['import', changed, '--json'], { db, today });
    expect(conflict.code).toBe(65);
    expect(conflict.json().problems[0].message).toContain('Price: "33.33 EUR" -> "the plan\'s price"');
    const updated = await ok(db, today, ['import', changed, '--update']);
    expect(updated.updated).toMatchObject({ memberships: 2 });
    const prices = async (email: string) => (await ok(db, today, ['members', 'show', email])).memberships[0];
    expect(await prices('jo@example.org')).toMatchObject({ price: '30.00', followsPlanPrice: true });
    expect(await prices('bo@example.org')).toMatchObject({ price: '40.00', followsPlanPrice: false });
    // an empty Price keeps the membership's own
    expect(await prices('al@example.org')).toMatchObject({ price: '12.34', currency: 'CHF', followsPlanPrice: false });
    const february = await ok(db, '2026-02-01', ['invoices', 'run']);
    expect(linesOf(february).map((l) => [l[0], l[4]])).toEqual([
      ['Jo', '30.00'],
      ['Bo', '40.00'],
      ['Al', '12.34'],
    ]);
  }, 120_000);

  it('keeps the price of a Stripe subscription on its membership: an info, and invoices at that price', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const today = '2026-01-15';
    await ok(db, today, ['plans', 'add', 'Desk', '--price', '15.00']);
    const write = (name: string, text: string) => {
      const full = path.join(dir, name);
      fs.writeFileSync(full, text);
      return full;
    };
    const customers = write('customers.csv', 'id,Email,Name\ncus_Jo,jo@example.org,Jo\ncus_Bo,bo@example.org,Bo\ncus_Al,al@example.org,Al\n');
    const subscriptions = write(
      'subscriptions.csv',
      [
        'id,Customer ID,Plan,Quantity,Currency,Interval,Amount,Status,Start Date (UTC),Current Period End (UTC)',
        'sub_Jo,cus_Jo,price_legacy,1,eur,month,12.34,active,2025-06-01 10:00,2026-02-01 10:00',
        'sub_Bo,cus_Bo,price_list,1,eur,month,15.00,active,2025-06-01 10:00,2026-02-01 10:00',
        'sub_Al,cus_Al,price_dollars,1,usd,month,16.00,active,2025-06-01 10:00,2026-02-01 10:00',
      ].join('\n'),
    );
    const map = write('map.json', JSON.stringify({ price_legacy: 'Desk', price_list: 'Desk', price_dollars: 'Desk' }));
    const args = ['import', 'stripe', '--customers', customers, '--subscriptions', subscriptions, '--map', map];
    const imported = await ok(db, today, args);
    expect(imported.created).toMatchObject({ members: 3, memberships: 3 });
    const mismatches = imported.problems.filter((p: { code: string }) => p.code === 'price_mismatch');
    expect(mismatches.map((p: { row: number; severity: string }) => [p.row, p.severity])).toEqual([
      [2, 'info'],
      [4, 'warning'],
    ]);
    expect(mismatches[0].message).toContain('keeps its own price of 12.34 EUR');
    // another currency cannot be kept: that one is billed the plan's price, and says so
    expect(mismatches[1].message).toContain("memberctl will bill the plan's price");
    const membershipOf = async (email: string) => (await ok(db, today, ['members', 'show', email])).memberships[0];
    expect(await membershipOf('jo@example.org')).toMatchObject({ price: '12.34', currency: 'EUR', followsPlanPrice: false });
    expect(await membershipOf('bo@example.org')).toMatchObject({ price: '15.00', followsPlanPrice: true });
    expect(await membershipOf('al@example.org')).toMatchObject({ price: '15.00', followsPlanPrice: true });

    // a re-import changes nothing; the next period is billed at the kept price, once
    expect(await ok(db, today, args)).toMatchObject({ created: { members: 0, memberships: 0 }, updated: { members: 0, memberships: 0 }, unchanged: 3 });
    const run = await ok(db, '2026-02-01', ['invoices', 'run']);
    expect(linesOf(run).map((l) => [l[0], l[2], l[4], l[5]])).toEqual([
      ['Jo', '2026-02-01', '12.34', '12.34'],
      ['Bo', '2026-02-01', '15.00', '15.00'],
      ['Al', '2026-02-01', '15.00', '15.00'],
    ]);
    expect(await ok(db, '2026-02-01', args)).toMatchObject({ created: { memberships: 0 }, updated: { memberships: 0 } });
    expect((await ok(db, '2026-02-01', ['invoices', 'run'])).count).toBe(0);
  });
});
