import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const plansFixture = path.join(root, 'fixtures', 'plans.csv');

describe.each(dialects)('plans import on %s', (dialect) => {
  it('imports the sample plans, then reports them unchanged on a second run', async () => {
    const db = await freshDbUrl(dialect);
    const first = await runCli(['plans', 'import', plansFixture, '--json'], { db });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ rows: 4, created: 4, updated: 0, unchanged: 0, problems: [] });
    const plans = (await runCli(['plans', 'list', '--json'], { db })).json();
    expect(plans.find((p: { name: string }) => p.name === 'Hot Desk')).toMatchObject({ price: '200.00', taxRate: '20', credits: '10.00', passes: 2 });
    expect(plans.find((p: { name: string }) => p.name === 'Association Annual')).toMatchObject({ interval: 'year', autoRenew: false });

    const again = await runCli(['plans', 'import', plansFixture, '--json'], { db });
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
  });

  it('needs --update to change an existing plan, and keeps values of empty cells', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['plans', 'import', plansFixture], { db })).code).toBe(0);
    const dir = tempDir();
    const file = path.join(dir, 'prices.csv');
    fs.writeFileSync(file, 'Name,Price,Tax rate\nHot Desk,210,\nNew Plan,15,5.5\n');

    const refused = await runCli(['plans', 'import', file, '--json'], { db });
    expect(refused.code).toBe(65);
    expect(refused.json().problems).toMatchObject([{ row: 2, code: 'conflict_existing', severity: 'error' }]);
    // all or nothing: the new plan was not added either
    expect((await runCli(['plans', 'show', 'New Plan'], { db })).code).toBe(65);

    const dry = await runCli(['plans', 'import', file, '--update', '--dry-run', '--json'], { db });
    expect(dry.json()).toMatchObject({ dryRun: true, created: 1, updated: 1 });
    expect((await runCli(['plans', 'show', 'New Plan'], { db })).code).toBe(65);

    const updated = await runCli(['plans', 'import', file, '--update', '--json'], { db });
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({ created: 1, updated: 1 });
    const hot = (await runCli(['plans', 'show', 'Hot Desk', '--json'], { db })).json();
    expect(hot).toMatchObject({ price: '210.00', taxRate: '20', credits: '10.00' });
    expect((await runCli(['plans', 'show', 'New Plan', '--json'], { db })).json()).toMatchObject({ price: '15.00', taxRate: '5.5' });
  });

  it('reports every bad row by row and column and writes nothing', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const file = path.join(dir, 'forfaits.csv');
    // French headers, semicolons, Windows-1252 as French Excel saves it
    const text = 'Nom;Prix;Périodicité;TVA;Renouvellement automatique\r\nBureau partagé;200,00;mois;20;oui\r\nBureau fixe;abc;mois;20;oui\r\nAnnuel;120;semaine;20;peut-être\r\nBureau partagé;150;mois;20;oui\r\n';
    fs.writeFileSync(file, iconv.encode(text, 'win1252'));
    const result = await runCli(['plans', 'import', file, '--json'], { db });
    expect(result.code).toBe(65);
    const problems = result.json().problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([
      [3, 'Prix', 'invalid_number'],
      [4, 'Périodicité', 'invalid_value'],
      [4, 'Renouvellement automatique', 'invalid_boolean'],
      [5, 'Nom', 'duplicate_name'],
    ]);
    expect((await runCli(['plans', 'list', '--json'], { db })).json()).toEqual([]);

    const human = await runCli(['plans', 'import', file], { db });
    expect(human.stderr + human.stdout).toContain('row 3');
    expect(human.stdout).toContain('nothing imported');
  });

  it('reports every problem in one run, conflicts with existing plans included', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['plans', 'add', 'A', '--price', '10'], { db })).code).toBe(0);
    const file = path.join(tempDir(), 'two.csv');
    fs.writeFileSync(file, 'Name,Price\nA,20\nB,abc\nC,5\nC,6\n');
    const result = await runCli(['plans', 'import', file, '--json'], { db });
    expect(result.code).toBe(65);
    expect(result.json().problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([
      [2, 'Name', 'conflict_existing'],
      [3, 'Price', 'invalid_number'],
      [5, 'Name', 'duplicate_name'],
    ]);
    expect((await runCli(['plans', 'list', '--json'], { db })).json().map((p: { name: string }) => p.name)).toEqual(['A']);
  });

  it('reports one problem for each empty required cell', async () => {
    const db = await freshDbUrl(dialect);
    const file = path.join(tempDir(), 'empty-cells.csv');
    fs.writeFileSync(file, 'Name,Price,Interval\n,20,month\nD,,month\n,,week\n');
    const result = await runCli(['plans', 'import', file, '--json'], { db });
    expect(result.code).toBe(65);
    expect(result.json().problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([
      [2, 'Name', 'required'],
      [3, 'Price', 'required'],
      [4, 'Name', 'required'],
      [4, 'Interval', 'invalid_value'],
      [4, 'Price', 'required'],
    ]);
  });

  it('counts every data row read, rejected ones included, and the empty rows skipped', async () => {
    const db = await freshDbUrl(dialect);
    const file = path.join(tempDir(), 'counted.csv');
    fs.writeFileSync(file, 'Name,Price\nA,1\n\nB,abc\n,,\nC,3\n');
    const rejected = await runCli(['plans', 'import', file, '--json'], { db });
    expect(rejected.code).toBe(65);
    expect(rejected.json()).toMatchObject({ rows: 3, emptyRows: 2, created: 0 });
    const human = await runCli(['plans', 'import', file], { db });
    expect(human.stdout).toContain('3 rows, 2 empty rows skipped');

    fs.writeFileSync(file, 'Name,Price\nA,1\n\nB,2\n');
    const imported = await runCli(['plans', 'import', file, '--json'], { db });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json()).toMatchObject({ rows: 2, emptyRows: 1, created: 2 });
  });

  it('an empty Price keeps the price of an existing plan and is required only for a new one', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['plans', 'add', 'A', '--price', '10', '--currency', 'JPY'], { db })).code).toBe(0);
    const file = path.join(tempDir(), 'keep-price.csv');
    fs.writeFileSync(file, 'Name,Price,Tax rate\nA,,5\n');
    const refused = await runCli(['plans', 'import', file, '--json'], { db });
    expect(refused.code).toBe(65);
    expect(refused.json().problems.map((p: { row: number; code: string }) => [p.row, p.code])).toEqual([[2, 'conflict_existing']]);

    const updated = await runCli(['plans', 'import', file, '--update', '--json'], { db });
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({ updated: 1, problems: [] });
    expect((await runCli(['plans', 'show', 'A', '--json'], { db })).json()).toMatchObject({ price: '10', currency: 'JPY', taxRate: '5' });

    // amounts of an existing plan are read in its own currency
    fs.writeFileSync(file, 'Name,Price\nA,12\nB,\n');
    const mixed = await runCli(['plans', 'import', file, '--update', '--json'], { db });
    expect(mixed.code).toBe(65);
    expect(mixed.json().problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([[3, 'Price', 'required']]);
    fs.writeFileSync(file, 'Name,Price\nA,12\n');
    expect((await runCli(['plans', 'import', file, '--update'], { db })).code).toBe(0);
    expect((await runCli(['plans', 'show', 'A', '--json'], { db })).json()).toMatchObject({ price: '12', currency: 'JPY' });
  });

  it('refuses a missing file with 66', async () => {
    const db = await freshDbUrl(dialect);
    const result = await runCli(['plans', 'import', '/no/such/plans.csv'], { db });
    expect(result.code).toBe(66);
    expect(result.stderr).toContain('/no/such/plans.csv');
  });
});
