// How the importers read their inputs: line endings, paths that cannot be opened, pipes and standard input, and the
// one --json document of a run whose input cannot be read at all.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerFileBytes } from '../../src/importers/csv.js';
import { bin, root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { memberCount, withPlans } from '../helpers/members.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('inputs-e2e');
const today = '2026-11-23';
const fixture = (name: string) => path.join(root, 'fixtures', name);
const stripe = (name: string) => path.join(root, 'fixtures', 'stripe', name);

const copies = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('memberctl-input-'));

describe('line endings of a CSV file', () => {
  /** A CRLF header above LF rows (a file edited by two programs), a note on two lines, a bad e-mail on the last row. */
  function mixed(rows: number): string {
    const lines = ['Name,Email,Plan name,Start date,Next invoice date,Notes\r\n'];
    for (let i = 1; i <= rows; i += 1) {
      const email = i === rows ? 'not-an-email' : `member${i}@example.com`;
      const note = i % 1000 === 1 ? '"first line\r\nsecond line"' : `note ${i} ${'x'.repeat(40)}`;
      lines.push(`Member ${i},${email},Hot Desk,2026-01-01,2027-01-01,${note}${i % 2 === 0 ? '\r\n' : '\n'}`);
    }
    return files.write('mixed.csv', lines.join(''));
  }

  it.each([
    ['a small file', 50],
    ['a file read on the worker thread', 60_000],
  ])('%s with a CRLF header and LF rows is read row by row, quoted line breaks kept', async (_, rows) => {
    const db = await withPlans('sqlite');
    const file = mixed(rows);
    if (rows > 1000) expect(fs.statSync(file).size).toBeGreaterThan(workerFileBytes);
    const result = await runCli(['--json', 'validate', file], { db, today });
    expect(result.code).toBe(65);
    const report = result.json();
    expect(report.rows).toBe(rows);
    expect(report.problems.filter((p: { code: string }) => p.code === 'invalid_email').map((p: { row: number }) => p.row)).toEqual([rows + 1]);
  }, 60_000);
});

describe('inputs that cannot be opened', () => {
  const loop = path.join(files.dir, 'loop.csv');
  fs.symlinkSync(loop, loop);
  const long = path.join(files.dir, `${'a'.repeat(300)}.csv`);
  const commands = (file: string) => [
    ['validate', file],
    ['import', file],
    // the rejects file beside it would have a path as bad: the input is told first
    ['import', file, '--on-error', 'skip'],
    ['plans', 'import', file],
    ['validate', file, '--source', 'stripe'],
    ['import', 'stripe', '--customers', file],
    ['import', 'stripe', '--customers', file, '--on-error', 'skip'],
  ];

  it.each([
    ['a symbolic link loop', loop, 'it is a symbolic link loop'],
    ['a path too long', long, 'its path is too long'],
  ])('%s: every import command exits 66 naming the file and the cause, with one --json document', async (_, file, cause) => {
    const db = await freshDbUrl('sqlite');
    for (const args of commands(file)) {
      const human = await runCli(args, { db, today });
      expect({ args, code: human.code }).toEqual({ args, code: 66 });
      expect(human.stderr).toContain(`${file} cannot be read: ${cause}`);
      expect(human.stderr).not.toContain('bug');
      const json = await runCli(['--json', ...args], { db, today });
      expect(json.code).toBe(66);
      expect(json.json().problems).toEqual([expect.objectContaining({ code: 'unreadable_file', message: `${file} cannot be read: ${cause}` })]);
    }
  }, 60_000);

  it.skipIf(process.getuid?.() !== 0)('a file the user may not read: 66, permission denied (run as nobody)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-inputs-'));
    try {
      fs.chmodSync(dir, 0o777);
      const secret = path.join(dir, 'secret.csv');
      fs.copyFileSync(fixture('members-en.csv'), secret);
      fs.chmodSync(secret, 0o600);
      const run = spawnSync(process.execPath, [bin, '--db', path.join(dir, 'x.db'), 'validate', secret], { uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(run.stderr).toContain(`${secret} cannot be read: permission denied`);
      expect(run.status).toBe(66);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--json gives one document when a Stripe export, a plans file or a sheet cannot be read', async () => {
    const db = await freshDbUrl('sqlite');
    const missing = path.join(files.dir, 'missing.csv');
    const stripeValidate = await runCli(['--json', 'validate', stripe('customers.csv'), '--source', 'stripe', '--subscriptions', missing], { db, today });
    expect(stripeValidate.code).toBe(66);
    expect(stripeValidate.json()).toMatchObject({ source: 'stripe', valid: false, errors: 1, problems: [{ code: 'unreadable_file', file: missing }] });
    const empty = files.write('empty.csv', '');
    const stripeImport = await runCli(['--json', 'import', 'stripe', '--customers', empty], { db, today });
    expect(stripeImport.code).toBe(65);
    expect(stripeImport.json()).toMatchObject({ batch: null, rows: 0, problems: [{ code: 'empty_file', file: empty }] });
    const plans = await runCli(['--json', 'plans', 'import', missing], { db });
    expect(plans.code).toBe(66);
    expect(plans.json()).toMatchObject({ file: missing, rows: 0, problems: [{ code: 'unreadable_file' }] });
    const sheet = await runCli(['--json', 'validate', fixture('members.xlsx'), '--sheet', 'NOPE'], { db, today });
    expect(sheet.code).toBe(66);
    expect(sheet.json()).toMatchObject({ source: 'template', valid: false, problems: [{ code: 'unreadable_file', message: expect.stringContaining('no sheet "NOPE"') }] });
  }, 60_000);
});

describe.each(dialects)('standard input and pipes (%s)', (dialect) => {
  it('validate and import read - and /dev/stdin from a pipe, as the file itself, and leave no copy behind', async () => {
    const db = await withPlans(dialect);
    const before = copies();
    const csv = fs.readFileSync(fixture('members-en.csv'), 'utf8');
    const direct = (await runCli(['--json', 'validate', fixture('members-en.csv')], { db, today })).json();
    for (const name of ['-', '/dev/stdin']) {
      const piped = await runCli(['--json', 'validate', name], { db, today, input: csv });
      expect(piped.code).toBe(0);
      const report = piped.json();
      expect(report.file).toBe(name === '-' ? 'standard input' : name);
      expect({ ...report, file: null }).toEqual({ ...direct, file: null });
    }
    const imported = await runCli(['--json', 'import', '-'], { db, today, input: csv });
    expect(imported.code).toBe(0);
    expect(imported.json().rows).toBe(direct.rows);
    expect(await memberCount(db)).toBe(25);
    expect(copies()).toEqual(before);
  }, 60_000);

  it('an xlsx workbook and a plans file from standard input, and an empty pipe is an empty file', async () => {
    const db = await freshDbUrl(dialect);
    const plans = await runCli(['--json', 'plans', 'import', '-'], { db, input: fs.readFileSync(fixture('plans.csv'), 'utf8') });
    expect(plans.code).toBe(0);
    expect(plans.json()).toMatchObject({ file: 'standard input', created: 4 });
    const xlsx = spawnSync(process.execPath, [bin, '--db', db, '--today', today, '--json', 'validate', '-'], { input: fs.readFileSync(fixture('members.xlsx')), encoding: 'utf8' });
    expect(xlsx.status).toBe(0);
    expect(JSON.parse(xlsx.stdout)).toMatchObject({ file: 'standard input', valid: true });
    const empty = await runCli(['--json', 'validate', '-'], { db, today, input: '' });
    expect(empty.code).toBe(65);
    expect(empty.json().problems).toEqual([expect.objectContaining({ code: 'empty_file', message: expect.stringContaining('standard input is empty') })]);
  }, 60_000);

  it('Stripe exports from standard input and a pipe', async () => {
    const db = await freshDbUrl(dialect);
    const args = ['--subscriptions', '/dev/stdin', '--prices', stripe('prices.csv'), '--map', stripe('price-map.json')];
    const direct = await runCli(['--json', 'validate', stripe('customers.csv'), '--source', 'stripe', '--subscriptions', stripe('subscriptions.csv'), ...args.slice(2)], { db, today });
    const piped = await runCli(['--json', 'validate', stripe('customers.csv'), '--source', 'stripe', ...args], { db, today, input: fs.readFileSync(stripe('subscriptions.csv'), 'utf8') });
    expect(piped.code).toBe(direct.code);
    expect(piped.json().rows).toBe(direct.json().rows);
    expect(piped.json().errors).toBe(direct.json().errors);
    const twice = await runCli(['validate', '-', '--source', 'stripe', '--subscriptions', '-'], { db, today });
    expect(twice.code).toBe(64);
  }, 60_000);
});

describe('Stripe problems', () => {
  it('a subscription of a repeated customer reports its own problem once', async () => {
    const db = await freshDbUrl('sqlite');
    const customers = fs.readFileSync(stripe('customers.csv'), 'utf8').trimEnd().split('\n');
    const repeated = files.write('customers.csv', `${[...customers, customers[1]].join('\n')}\n`);
    const subscriptions = fs.readFileSync(stripe('subscriptions.csv'), 'utf8').split('\n');
    const quantity = subscriptions[0]!.split(',').indexOf('Quantity');
    const cells = subscriptions[1]!.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    cells[quantity] = '0';
    subscriptions[1] = cells.join(',');
    const zero = files.write('subscriptions.csv', subscriptions.join('\n'));
    const result = await runCli(['--json', 'validate', repeated, '--source', 'stripe', '--subscriptions', zero, '--prices', stripe('prices.csv'), '--map', stripe('price-map.json')], { db, today });
    expect(result.code).toBe(65);
    const problems = result.json().problems.filter((p: { column: string }) => p.column === 'Quantity');
    expect(problems).toEqual([expect.objectContaining({ row: 2, code: 'invalid_number', message: '"0" is not a whole number of at least 1' })]);
  }, 60_000);
});
