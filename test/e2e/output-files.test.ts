import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects } from '../helpers/db.js';
import { memberCount, withPlans } from '../helpers/members.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('output-files');
const today = '2026-11-23';
const fixture = (name: string) => path.join(root, 'fixtures', name);
const stripeFixture = (name: string) => path.join(root, 'fixtures', 'stripe', name);
const isRoot = process.getuid?.() === 0;

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Runs the built CLI through `sh -c script` (`MC` in the script stands for it and its arguments), for umask and redirections of its own. */
const runShell = (script: string, args: string[], db?: string) => runCli(args, { db, today, wrap: ['sh', '-c', script.replace('MC', '"$0" "$@"')] });

const stripeArgs = ['import', 'stripe', '--customers', stripeFixture('customers.csv'), '--subscriptions', stripeFixture('subscriptions.csv'), '--prices', stripeFixture('prices.csv'), '--map', stripeFixture('price-map.json')];

describe('an output never replaces the database, its side files or an input', () => {
  it('refuses (73) the SQLite database, its -wal, -shm and -journal, its lock files, directly or through a symbolic link, and leaves it intact', async () => {
    const dir = fs.mkdtempSync(path.join(files.dir, 'db-'));
    const db = path.join(dir, 'm.db');
    expect((await runCli(['plans', 'import', fixture('plans.csv')], { db })).code).toBe(0);
    expect((await runCli(['import', fixture('members-en.csv')], { db, today })).code).toBe(0);
    expect((await runCli(['invoices', 'run'], { db, today })).code).toBe(0);
    const members = await memberCount(db);
    fs.symlinkSync(db, path.join(dir, 'link.csv'));
    // a link to a side file that does not exist at this moment still lands on it
    fs.symlinkSync(`${db}-wal`, path.join(dir, 'wal-link.csv'));
    fs.symlinkSync(`${db}-journal`, path.join(dir, 'journal-link.csv'));
    const targets = [db, `${db}-wal`, `${db}-shm`, `${db}-journal`, `${db}.jobs.lock`, `${db}.import.lock`, path.join(dir, 'link.csv'), path.join(dir, 'wal-link.csv'), path.join(dir, 'journal-link.csv')];
    const before = sha(db);
    const commands = (target: string): Array<[string, string[]]> => [
      ['-o', ['invoices', 'export', '-o', target]],
      ['-o', ['payments', 'export', '-o', target]],
      ['-o', ['template', '-o', target]],
      ['--rejects', ['import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', target]],
      ['--rejects', [...stripeArgs, '--on-error', 'skip', '--rejects', target]],
      ['--cancel-list', [...stripeArgs, '--cancel-list', target]],
      // a report's format comes from its extension: only the .csv links can name one
      ...(target.endsWith('.csv') ? ([['--report', ['validate', fixture('members-broken.csv'), '--report', target]]] as Array<[string, string[]]>) : []),
    ];
    for (const target of targets) {
      for (const [flag, args] of commands(target)) {
        const result = await runCli(args, { db, today });
        expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(73);
        expect(result.stderr).toContain(`${flag} ${target}: refused: it is the database`);
        expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
      }
    }
    expect(sha(db)).toBe(before);
    expect(fs.lstatSync(path.join(dir, 'link.csv')).isSymbolicLink()).toBe(true);
    expect(await memberCount(db)).toBe(members);
    const list = await runCli(['--json', 'members', 'list'], { db, today });
    expect(list.code).toBe(0);
  });

  it.each(dialects)('refuses (73) an input of the same command as its output, directly or through a link, on %s', async (dialect) => {
    const db = await withPlans(dialect);
    const input = files.write('in.csv', fs.readFileSync(fixture('members-broken.csv')));
    const link = path.join(path.dirname(input), `link-${path.basename(input)}`);
    fs.symlinkSync(input, link);
    const before = sha(input);
    const cases: Array<[string, string, string[]]> = [
      ['--rejects', input, ['import', input, '--on-error', 'skip', '--rejects', input]],
      ['--rejects', link, ['import', input, '--on-error', 'skip', '--rejects', link]],
      ['--rejects', input, ['import', link, '--on-error', 'skip', '--rejects', input]],
      ['--report', input, ['validate', input, '--report', input]],
      ['--report', link, ['validate', input, '--report', link]],
    ];
    for (const [flag, output, args] of cases) {
      const result = await runCli(args, { db, today });
      expect(result.code, result.stderr).toBe(73);
      expect(result.stderr).toContain(`${flag} ${output}: refused: it is`);
      expect(result.stderr).toContain('an input of this command');
    }
    // Stripe: each export (and the --map file) is an input
    const customers = files.write('customers.csv', fs.readFileSync(stripeFixture('customers.csv')));
    const subscriptions = files.write('subscriptions.csv', fs.readFileSync(stripeFixture('subscriptions.csv')));
    const stripeBefore = [sha(customers), sha(subscriptions)];
    const stripe = ['import', 'stripe', '--customers', customers, '--subscriptions', subscriptions, '--prices', stripeFixture('prices.csv'), '--map', stripeFixture('price-map.json')];
    for (const [flag, args] of [
      ['--rejects', [...stripe, '--on-error', 'skip', '--rejects', customers]],
      ['--cancel-list', [...stripe, '--cancel-list', subscriptions]],
      ['--cancel-list', [...stripe, '--cancel-list', stripeFixture('price-map.json')]],
    ] as Array<[string, string[]]>) {
      const result = await runCli(args, { db, today });
      expect(result.code, result.stderr).toBe(73);
      expect(result.stderr).toContain(`${flag} `);
      expect(result.stderr).toContain('an input of this command');
    }
    expect(sha(input)).toBe(before);
    expect([sha(customers), sha(subscriptions)]).toEqual(stripeBefore);
    expect(await memberCount(db)).toBe(0);
  });

  it.each(dialects)('validate --report into a missing folder exits 73 with a message, on %s', async (dialect) => {
    const db = await withPlans(dialect);
    const report = path.join(files.path('missing'), 'dir', 'r.xlsx');
    const result = await runCli(['validate', fixture('members-broken.csv'), '--report', report], { db, today });
    expect(result.code).toBe(73);
    expect(result.stderr).toContain(`--report ${report}: folder ${path.dirname(report)} does not exist`);
  });
});

/** A member file whose cells a spreadsheet would run as formulas; the last row is rejected (its e-mail). */
const formulaFile = [
  'Name,Email,Phone,Plan name,Start date,Next invoice date,Notes',
  '=1+2,formula@example.org,+33 6 12 34 56 78,Hot Desk,2026-01-01,2026-11-01,@SUM(1)',
  '"=HYPERLINK(""http://evil.example"",""click"")",hyper@example.org,-12.50,,,,-x',
  'Rejected,@bad,,,,,=bad',
  '',
].join('\n');

const csvRecords = (text: string): string[][] => parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true });

describe('cells a spreadsheet would run as formulas are written as text', () => {
  it.each(dialects)('in members and contacts lists, rejects, reports and exports (CSV and xlsx), and a fixed rejects file imports the cells back, on %s', async (dialect) => {
    const db = await withPlans(dialect);
    const input = files.write('formulas.csv', formulaFile);
    const rejects = files.path('formulas.rejects.csv');
    const imported = await runCli(['import', input, '--on-error', 'skip', '--rejects', rejects], { db, today });
    expect(imported.code, imported.stderr).toBe(65);

    const members = csvRecords((await runCli(['members', 'list', '--format', 'csv'], { db, today })).stdout);
    const member = members.find((r) => r.includes('formula@example.org'))!;
    expect(member[members[0]!.indexOf('Name')]).toBe("'=1+2");
    expect(member[members[0]!.indexOf('Phone')]).toBe("'+33 6 12 34 56 78");
    const contacts = csvRecords((await runCli(['contacts', 'list', '--format', 'csv'], { db, today })).stdout);
    const contact = contacts.find((r) => r.includes('hyper@example.org'))!;
    expect(contact[contacts[0]!.indexOf('Name')]).toBe('\'=HYPERLINK("http://evil.example","click")');
    // a negative number runs nothing: it stays a number
    expect(contact[contacts[0]!.indexOf('Phone')]).toBe('-12.50');

    const rejected = csvRecords(fs.readFileSync(rejects, 'utf8'));
    expect(rejected[1]!.slice(0, 7)).toEqual(['Rejected', "'@bad", '', '', '', '', "'=bad"]);
    // fixed and imported again: the cells come back as they were written in the first file
    fs.writeFileSync(rejects, fs.readFileSync(rejects, 'utf8').replace("'@bad", 'fixed@example.org'));
    expect((await runCli(['import', rejects], { db, today })).code).toBe(0);
    const fixed = (await runCli(['--json', 'members', 'show', 'fixed@example.org'], { db, today })).json();
    expect(fixed.notes.map((n: { text: string }) => n.text)).toEqual(['=bad']);

    const csvReport = files.path('report.csv');
    const xlsxReport = files.path('report.xlsx');
    const broken = files.write('broken.csv', formulaFile);
    expect((await runCli(['validate', broken, '--report', csvReport], { db, today })).code).toBe(65);
    const reported = csvRecords(fs.readFileSync(csvReport, 'utf8'));
    expect(reported.find((r) => r[3] === 'invalid_email')![2]).toBe("'@bad");
    expect((await runCli(['validate', broken, '--report', xlsxReport], { db, today })).code).toBe(65);
    const report = new ExcelJS.Workbook();
    await report.xlsx.readFile(xlsxReport);
    const data = report.getWorksheet('Data')!;
    expect(data.getCell('A2').value).toBe('=1+2');
    expect(data.getCell('A2').type).toBe(ExcelJS.ValueType.String);
    expect(data.getCell('G4').type).toBe(ExcelJS.ValueType.String);

    expect((await runCli(['invoices', 'run'], { db, today })).code).toBe(0);
    const invoice = (await runCli(['--json', 'invoices', 'list'], { db, today })).json()[0].number;
    expect((await runCli(['invoices', 'void', invoice, '--reason', '=wrong'], { db, today })).code).toBe(0);
    const exported = csvRecords((await runCli(['invoices', 'export'], { db, today })).stdout);
    const header = exported[0]!;
    const credit = exported.find((r) => r[header.indexOf('Status')] === 'credit note')!;
    expect(credit[header.indexOf('Payer')]).toBe("'=1+2");
    expect(credit[header.indexOf('Total')]).toMatch(/^-\d+\.\d\d$/);
    const xlsx = files.path('invoices.xlsx');
    expect((await runCli(['invoices', 'export', '-o', xlsx], { db, today })).code).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsx);
    const sheet = book.getWorksheet('Invoices')!;
    const columns = (sheet.getRow(1).values as unknown[]).slice(1);
    const creditRow = sheet.getRows(2, sheet.rowCount - 1)!.find((r) => r.getCell(columns.indexOf('Status') + 1).value === 'credit note')!;
    expect(creditRow.getCell(columns.indexOf('Payer') + 1).value).toBe('=1+2');
    expect(creditRow.getCell(columns.indexOf('Payer') + 1).type).toBe(ExcelJS.ValueType.String);
    expect(typeof creditRow.getCell(columns.indexOf('Total') + 1).value).toBe('number');
    expect(creditRow.getCell(columns.indexOf('Total') + 1).value as number).toBeLessThan(0);
  });

  it.each(dialects)('in Stripe rejects files and the cancel list, on %s', async (dialect) => {
    const db = await withPlans(dialect);
    expect((await runCli(['plans', 'add', '=Office', '--price', '100'], { db })).code).toBe(0);
    const customers = files.write(
      'customers.csv',
      fs
        .readFileSync(stripeFixture('customers.csv'), 'utf8')
        .replace('"Faure, Jérôme"', '=1+2')
        .replace('jerome.faure@atelier-lumiere.fr', 'not-an-email'),
    );
    const map = files.write('map.json', JSON.stringify({ price_1OaPrivOffice1200: '=Office', price_1NcCoworkFlex2022: 'Hot Desk' }));
    const rejects = files.path('stripe-rejects.csv');
    const cancel = files.path('cancel.csv');
    const result = await runCli(
      ['import', 'stripe', '--customers', customers, '--subscriptions', stripeFixture('subscriptions.csv'), '--prices', stripeFixture('prices.csv'), '--map', map, '--on-error', 'skip', '--rejects', rejects, '--cancel-list', cancel],
      { db, today },
    );
    expect(result.code, result.stderr).toBe(65);
    const rejected = csvRecords(fs.readFileSync(rejects, 'utf8'));
    expect(rejected[1]![rejected[0]!.indexOf('Name')]).toBe("'=1+2");
    const list = csvRecords(fs.readFileSync(cancel, 'utf8'));
    expect(list.find((r) => r[0] === 'sub_1PbS01HelenePO')![3]).toBe("'=Office");
  });
});

describe('output files are created 0600 (owner only)', () => {
  it('for exports, the template, reports, rejects and cancel lists, new or replacing a 0644 file, under umask 022', async () => {
    const db = await withPlans('sqlite');
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    const out = (name: string) => files.path(name);
    const replaced = out('replaced.csv');
    fs.writeFileSync(replaced, 'old\n', { mode: 0o644 });
    fs.chmodSync(replaced, 0o644);
    const outputs: Array<[string, string[]]> = [];
    const add = (file: string, args: (file: string) => string[]) => outputs.push([file, args(file)]);
    expect((await runCli(['import', fixture('members-en.csv')], { db, today })).code).toBe(0);
    expect((await runCli(['invoices', 'run'], { db, today })).code).toBe(0);
    add(out('invoices.csv'), (file) => ['invoices', 'export', '-o', file]);
    add(out('invoices.xlsx'), (file) => ['invoices', 'export', '-o', file]);
    add(replaced, (file) => ['invoices', 'export', '-o', file]);
    add(out('payments.csv'), (file) => ['payments', 'export', '-o', file]);
    add(out('payments.xlsx'), (file) => ['payments', 'export', '-o', file]);
    add(out('template.xlsx'), (file) => ['template', '-o', file]);
    add(out('template.csv'), (file) => ['template', '-o', file]);
    add(out('report.json'), (file) => ['validate', fixture('members-broken.csv'), '--report', file]);
    add(out('report.csv'), (file) => ['validate', fixture('members-broken.csv'), '--report', file]);
    add(out('report.xlsx'), (file) => ['validate', fixture('members-broken.csv'), '--report', file]);
    add(out('rejects.csv'), (file) => ['import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', file]);
    const customers = files.write('customers.csv', fs.readFileSync(stripeFixture('customers.csv'), 'utf8').replace('jerome.faure@atelier-lumiere.fr', 'not-an-email'));
    const stripe = ['import', 'stripe', '--customers', customers, '--subscriptions', stripeFixture('subscriptions.csv'), '--prices', stripeFixture('prices.csv'), '--map', stripeFixture('price-map.json')];
    add(out('cancel.csv'), (file) => [...stripe, '--on-error', 'skip', '--cancel-list', file, '--rejects', out('stripe-rejects.csv')]);
    for (const [target, args] of outputs) {
      const result = await runShell('umask 022; exec MC', args, db);
      expect([0, 65], result.stderr).toContain(result.code);
      expect(mode(target), `${args.join(' ')}`).toBe(0o600);
    }
    expect(fs.readFileSync(replaced, 'utf8')).toContain('Number,Date');
    const stripeRejects = fs.readdirSync(files.dir).filter((name) => name.includes('stripe-rejects'));
    expect(stripeRejects.length).toBeGreaterThan(0);
    for (const name of stripeRejects) expect(mode(path.join(files.dir, name))).toBe(0o600);
    // no temporary file is left behind
    expect(fs.readdirSync(files.dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});

describe.skipIf(!isRoot)('as another user (nobody, run from root)', () => {
  it('a read-only folder or a read-only file is refused (73) before any work, and the file is kept', async () => {
    const dir = fs.mkdtempSync(path.join(files.dir, 'nobody-'));
    fs.chmodSync(files.dir, 0o755);
    fs.chmodSync(dir, 0o777);
    const db = path.join(dir, 'n.db');
    const readOnly = path.join(dir, 'read-only');
    fs.mkdirSync(readOnly, { mode: 0o555 });
    fs.chmodSync(readOnly, 0o555);
    const kept = path.join(dir, 'kept.csv');
    fs.writeFileSync(kept, 'kept\n', { mode: 0o444 });
    fs.chownSync(kept, 65534, 65534);
    fs.chmodSync(kept, 0o444);
    const asNobody = (args: string[]) => runShell('exec setpriv --reuid=65534 --regid=65534 --clear-groups MC', args, db);
    expect((await asNobody(['plans', 'import', fixture('plans.csv')])).code).toBe(0);
    const folder = await asNobody(['validate', fixture('members-broken.csv'), '--report', path.join(readOnly, 'r.csv')]);
    expect(folder.code, folder.stderr).toBe(73);
    expect(folder.stderr).toContain(`folder ${readOnly} cannot be written: permission denied (EACCES)`);
    const file = await asNobody(['template', '-o', kept]);
    expect(file.code, file.stderr).toBe(73);
    expect(file.stderr).toContain(`-o ${kept}: is read-only: permission denied (EACCES)`);
    expect(fs.readFileSync(kept, 'utf8')).toBe('kept\n');
  });
});

describe.skipIf(!isRoot)('a full disk (a 64 KiB tmpfs, as root)', () => {
  const mount = fs.mkdtempSync(path.join(files.dir, 'tmpfs-'));
  let mounted = false;
  afterAll(() => {
    if (mounted) spawnSync('umount', [mount]);
  });

  /** Mounts an empty tmpfs, puts `previous` in it, then fills it up. */
  function fullDisk(previous: Record<string, string>): void {
    if (mounted) spawnSync('umount', [mount]);
    const result = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    expect(result.status, String(result.stderr)).toBe(0);
    mounted = true;
    for (const [name, text] of Object.entries(previous)) fs.writeFileSync(path.join(mount, name), text);
    const fd = fs.openSync(path.join(mount, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
  }
  const leftovers = () => fs.readdirSync(mount).filter((name) => name !== 'filler' && !name.startsWith('previous'));

  it.each(dialects)('exports and the template exit 73 naming the file, the previous file intact and no half file, on %s', async (dialect) => {
    const db = await withPlans(dialect);
    expect((await runCli(['import', fixture('members-en.csv')], { db, today })).code).toBe(0);
    // a year of invoices: every output is larger than the page the previous file holds
    expect((await runCli(['invoices', 'run'], { db, today: '2027-11-23' })).code).toBe(0);
    for (const [name, args] of [
      ['previous.csv', ['invoices', 'export', '-o']],
      ['previous.xlsx', ['invoices', 'export', '-o']],
      ['previous-template.xlsx', ['template', '-o']],
      ['previous-report.csv', ['validate', fixture('members-broken.csv'), '--report']],
    ] as Array<[string, string[]]>) {
      fullDisk({ [name]: 'the previous file\n' });
      const target = path.join(mount, name);
      const result = await runCli([...args, target], { db, today });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(73);
      expect(result.stderr).toContain(`${target}: cannot be written: the disk is full (ENOSPC)`);
      expect(result.stderr).not.toContain('internal error');
      expect(fs.readFileSync(target, 'utf8')).toBe('the previous file\n');
      expect(leftovers()).toEqual([]);
    }
  });

  it.each(dialects)('a rejects file that cannot be written: 73, and the message says what became of the import, on %s', async (dialect) => {
    const db = await withPlans(dialect);
    // written while the import runs: the import is rolled back
    fullDisk({});
    const rejects = path.join(mount, 'rejects.csv');
    const during = await runCli(['import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', rejects], { db, today });
    expect(during.code, during.stderr).toBe(73);
    expect(during.stderr).toContain(`--rejects ${rejects}: cannot be written: the disk is full (ENOSPC)`);
    expect(during.stderr).toContain('nothing was imported');
    expect(await memberCount(db)).toBe(0);
    expect(leftovers()).toEqual([]);
    // copied into a device once the import has committed: the import stays
    const after = await runCli(['import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', '/dev/full'], { db, today });
    expect(after.code, after.stderr).toBe(73);
    expect(after.stderr).toContain('--rejects /dev/full: cannot be written: the disk is full (ENOSPC)');
    expect(after.stderr).toContain('The import itself is committed');
    expect(await memberCount(db)).toBeGreaterThan(0);
    const cancel = await runCli([...stripeArgs, '--cancel-list', '/dev/full'], { db, today });
    expect(cancel.code, cancel.stderr).toBe(73);
    expect(cancel.stderr).toContain('--cancel-list /dev/full: cannot be written: the disk is full (ENOSPC)');
    expect(cancel.stderr).toContain('The import itself is committed');
  });
});

describe('standard output', () => {
  it.each(dialects)('closed: an export or a CSV list exits 74 and says nothing was written, on %s', async (dialect) => {
    const db = await withPlans(dialect);
    expect((await runCli(['import', fixture('members-en.csv')], { db, today })).code).toBe(0);
    expect((await runCli(['invoices', 'run'], { db, today })).code).toBe(0);
    for (const args of [
      ['invoices', 'export'],
      ['members', 'list', '--format', 'csv'],
      ['contacts', 'list', '--format', 'csv'],
      ['members', 'list', '--format', 'json'],
    ]) {
      const result = await runShell('MC >&-', args, db);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(74);
      expect(result.stderr).toContain('standard output is closed');
      expect(result.stderr).not.toContain('Exported');
    }
    // redirected to /dev/null on purpose: allowed
    expect((await runShell('MC > /dev/null', ['invoices', 'export'], db)).code).toBe(0);
    // a full device behind stdout
    const full = await runShell('MC > /dev/full', ['members', 'list', '--format', 'csv'], db);
    expect(full.code).toBe(74);
    expect(full.stderr).toContain('cannot write to standard output');
  });
});
