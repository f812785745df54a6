import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const stripe = (name: string) => path.join(root, 'fixtures', 'stripe', name);
const today = '2026-01-15';
const current = ['--customers', stripe('customers.csv'), '--subscriptions', stripe('subscriptions.csv'), '--prices', stripe('prices.csv'), '--map', stripe('price-map.json')];

/** A database with the sample plans and the organisation in Paris. */
async function prepared(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')], { db })).code).toBe(0);
  expect((await runCli(['settings', 'set', 'timezone', 'Europe/Paris'], { db })).code).toBe(0);
  return db;
}

/** Card values of the fixtures, read from the files themselves. */
function cardValues(): string[] {
  const text = fs.readFileSync(stripe('customers.csv'), 'utf8') + fs.readFileSync(stripe('customers-2019.csv'), 'utf8');
  return [...new Set(text.match(/card_1Pb\w+|Fp\d+xQwErTy\d+ZuIoP|\d+ Card Street|Cardville/g))];
}

describe.each(dialects)('import stripe on %s', (dialect) => {
  it('validates, imports with a cancel list, re-imports unchanged, and undoes', async () => {
    const db = await prepared(dialect);
    const dir = tempDir();

    const validation = await runCli(['validate', stripe('customers.csv'), '--source', 'stripe', '--subscriptions', stripe('subscriptions.csv'), '--prices', stripe('prices.csv'), '--map', stripe('price-map.json'), '--json'], { db, today });
    expect(validation.code, validation.stderr).toBe(0);
    const report = validation.json();
    expect(report).toMatchObject({ file: stripe('customers.csv'), source: 'stripe', rows: 35, valid: true, errors: 0, notImported: { canceled: 3, incomplete_expired: 1 } });
    expect(report.warnings).toBe(report.problems.length);
    expect(new Set(report.problems.map((p: { file: string }) => path.basename(p.file)))).toEqual(new Set(['customers.csv', 'subscriptions.csv']));

    const cancelList = path.join(dir, 'cancel.csv');
    const imported = await runCli(['import', 'stripe', ...current, '--cancel-list', cancelList, '--json'], { db, today });
    expect(imported.code, imported.stderr).toBe(0);
    const result = imported.json();
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['batch', 'dryRun', 'rows', 'created', 'updated', 'unchanged', 'rejected', 'problems', 'cancelList']));
    expect(result).toMatchObject({ dryRun: false, rows: 35, created: { members: 14, memberships: 10, companies: 0 }, rejected: 0, cancelList, rejects: null });
    expect(result.problems).toEqual(report.problems);
    const listed = fs.readFileSync(cancelList, 'utf8').trim().split('\n');
    expect(listed).toHaveLength(11);
    expect(listed).toContain('sub_1PbS05NoemiHD,cus_PbA4NoemieRoux,noemie.roux@exemple.fr,Hot Desk,2026-02-01');
    // the reminder, on stderr under --json
    expect(imported.stderr).toContain('Cancel 10 subscriptions in Stripe: they are memberships here');
    expect(imported.stderr).toContain('2026-01-19');

    const members = (await runCli(['members', 'list', '--json'], { db, today })).json();
    expect(members).toHaveLength(14);
    expect(members.find((m: { externalId: string }) => m.externalId === 'cus_PbA7AnaisBenoi')).toMatchObject({ name: 'Anaïs Benoît', status: 'member' });
    const anais = (await runCli(['members', 'show', 'anais.benoit@exemple.fr', '--json'], { db, today })).json();
    expect(anais.memberships).toMatchObject([{ plan: 'Association Annual', startDate: '2025-06-30', nextInvoiceDate: '2026-06-30', doNotRenew: true }]);

    const again = await runCli(['import', 'stripe', ...current, '--json'], { db, today });
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ batch: null, unchanged: 14, created: { members: 0, memberships: 0 }, cancelList: null });

    const batches = (await runCli(['import', 'list', '--json'], { db })).json();
    expect(batches).toMatchObject([{ batch: result.batch, source: 'stripe', rows: 35 }]);
    const undo = await runCli(['import', 'undo', result.batch, '--json'], { db });
    expect(undo.code, undo.stderr).toBe(0);
    expect((await runCli(['members', 'list', '--json'], { db, today })).json()).toEqual([]);
  });

  it('errors write nothing; --on-error skip imports the rest and writes rejects files without card columns', async () => {
    const db = await prepared(dialect);
    const dir = tempDir();
    const old = ['--customers', stripe('customers-2019.csv'), '--subscriptions', stripe('subscriptions-2019.csv'), '--map', stripe('price-map.json')];

    const aborted = await runCli(['import', 'stripe', ...old, '--json'], { db, today });
    expect(aborted.code).toBe(65);
    expect(aborted.json()).toMatchObject({ batch: null, rejected: 4, created: { members: 0 } });
    const codes = aborted.json().problems.filter((p: { severity: string }) => p.severity === 'error').map((p: { code: string }) => p.code);
    expect(codes.sort()).toEqual(['duplicate_member', 'required', 'unknown_customer', 'unknown_plan']);
    expect(aborted.stdout + aborted.stderr).not.toMatch(/card_1Pb|Fp\d+xQwErTy/);
    expect((await runCli(['members', 'list', '--json'], { db, today })).json()).toEqual([]);

    const rejects = path.join(dir, 'rejected.csv');
    const skipped = await runCli(['import', 'stripe', ...old, '--on-error', 'skip', '--rejects', rejects, '--verbose'], { db, today });
    expect(skipped.code).toBe(65);
    expect(skipped.stdout).toContain('12 members created');
    const subscriptionRejects = path.join(dir, 'rejected.subscriptions.csv');
    expect(skipped.stdout).toContain(rejects);
    expect(skipped.stdout).toContain(subscriptionRejects);
    const written = fs.readFileSync(rejects, 'utf8') + fs.readFileSync(subscriptionRejects, 'utf8');
    for (const secret of cardValues()) {
      expect(written).not.toContain(secret);
      expect(skipped.stdout + skipped.stderr).not.toContain(secret);
    }
    expect(written).not.toContain('Card ');
    expect(written).toContain('cus_GzB4HeleneDupl');
    expect(written).toContain('sub_GzS15Unknown');

    // the rejected customers, fixed (a map for the plan), import on their own
    const fixedMap = path.join(dir, 'map.json');
    fs.writeFileSync(fixedMap, JSON.stringify({ plan_FxEventSpace2019: 'Hot Desk' }));
    const retry = await runCli(['import', 'stripe', '--customers', rejects, '--subscriptions', subscriptionRejects, '--map', fixedMap, '--json', '--on-error', 'skip'], { db, today });
    expect(retry.json()).toMatchObject({ created: { members: 1, memberships: 1 }, rejected: 3 });
  });

  it('refuses bad command lines and missing files with their exit codes', async () => {
    const db = await prepared(dialect);
    const missingFlag = await runCli(['import', 'stripe', '--subscriptions', stripe('subscriptions.csv')], { db, today });
    expect(missingFlag.code).toBe(64);
    expect(missingFlag.stderr).toContain('--customers');
    expect((await runCli(['import', 'stripe', '--customers', stripe('customers.csv'), '--on-error', 'maybe'], { db, today })).code).toBe(64);
    const missingFile = await runCli(['import', 'stripe', '--customers', stripe('nope.csv')], { db, today });
    expect(missingFile.code).toBe(66);
    expect(missingFile.stderr).toContain('nope.csv');
    const dir = tempDir();
    const xlsx = await runCli(['validate', stripe('customers.csv'), '--source', 'stripe', '--report', path.join(dir, 'report.xlsx')], { db, today });
    expect(xlsx.code).toBe(64);
    expect(xlsx.stderr).toContain('.json or .csv');
    const csvReport = path.join(dir, 'report.csv');
    const validated = await runCli(['validate', stripe('customers-2019.csv'), '--source', 'stripe', '--subscriptions', stripe('subscriptions-2019.csv'), '--report', csvReport], { db, today });
    expect(validated.code).toBe(65);
    const report = fs.readFileSync(csvReport, 'utf8');
    expect(report).toContain('customers-2019.csv: Email');
    expect(report).toContain('subscriptions-2019.csv: Customer ID');
    for (const secret of cardValues()) expect(report).not.toContain(secret);
    const swapped = await runCli(['import', 'stripe', '--customers', stripe('subscriptions.csv'), '--json'], { db, today });
    expect(swapped.code).toBe(65);
    const missing = swapped.json().problems.filter((p: { code: string }) => p.code === 'missing_column');
    expect(missing).toMatchObject([{ row: null, column: null, value: 'Email', severity: 'error' }]);
    expect(missing[0].message).toContain('subscriptions export');
  });
});

describe.each(dialects)('a repeated subscription on %s', (dialect) => {
  it('is refused with the row of the first, so the member is not billed twice', async () => {
    const db = await prepared(dialect);
    const dir = tempDir();
    const customers = path.join(dir, 'customers.csv');
    fs.writeFileSync(customers, 'id,Name,Email\ncus_1,Ann,ann@x.org\n');
    const subscriptions = path.join(dir, 's-dup.csv');
    const row = 'sub_1,cus_1,price_HD,1,active,2025-01-01 10:00,2026-02-10 10:00\n';
    fs.writeFileSync(subscriptions, `id,Customer ID,Plan,Quantity,Status,Start Date (UTC),Current Period End (UTC)\n${row}${row}`);
    const map = path.join(dir, 'map.json');
    fs.writeFileSync(map, '{"price_HD":"Hot Desk"}');
    const args = ['import', 'stripe', '--customers', customers, '--subscriptions', subscriptions, '--map', map, '--json'];
    for (const extra of [[], ['--on-error', 'skip']]) {
      const imported = await runCli([...args, ...extra], { db, today: '2026-01-20' });
      expect(imported.code, imported.stderr).toBe(65);
      expect(imported.json().problems).toMatchObject([{ code: 'duplicate_member', severity: 'error', file: subscriptions, row: 3 }]);
      expect(imported.json().problems[0].message).toContain('row 2');
    }
    expect((await runCli(['members', 'list', '--json'], { db, today: '2026-01-20' })).json()).toEqual([]);
  });
});

describe('the options of import stripe', () => {
  it('a bad --map shows a Stripe price id example', async () => {
    const dir = tempDir();
    const customers = path.join(dir, 'customers.csv');
    fs.writeFileSync(customers, 'id,Name,Email\ncus_1,Ann,ann@x.org\n');
    for (const [name, text] of [
      ['list.json', '["price_HD"]'],
      ['broken.json', '{"price_HD": '],
      ['number.json', '{"price_HD": 3}'],
    ]) {
      const map = path.join(dir, name!);
      fs.writeFileSync(map, text!);
      for (const command of [
        ['import', 'stripe', '--customers', customers, '--map', map],
        ['validate', customers, '--source', 'stripe', '--map', map],
      ]) {
        const result = await runCli(command, { db: path.join(dir, 'x.db') });
        expect(result.code, result.stderr).toBe(66);
        expect(result.stderr).toMatch(/\{"price_\w+\.*": "[^"]+"\}/);
        expect(result.stderr).not.toContain('Plan name in the file');
      }
    }
  });

  it('--date-format: the help lists exactly the values the option accepts', async () => {
    const help = await runCli(['import', 'stripe', '--help']);
    const listed = /--date-format <([A-Z|]+)>/.exec(help.stdout)![1]!.split('|');
    const refused = await runCli(['import', 'stripe', '--customers', 'nope.csv', '--date-format', 'DYM']);
    expect(refused.code).toBe(64);
    expect(new Set(refused.stderr.match(/\b[DMY]{3}\b/g)!.filter((v) => v !== 'DYM'))).toEqual(new Set(listed));
    const dir = tempDir();
    const customers = path.join(dir, 'customers.csv');
    fs.writeFileSync(customers, 'id,Name,Email,Created (UTC)\ncus_1,Ann,ann@x.org,26/03/04 10:00\n');
    for (const value of listed) {
      const result = await runCli(['import', 'stripe', '--customers', customers, '--date-format', value, '--dry-run', '--json'], { db: path.join(dir, 'x.db') });
      expect(result.code, `${value}: ${result.stderr}`).toBe(0);
    }
  });
});
