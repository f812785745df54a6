import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { bin, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe.each(dialects)('plans and settings from the built CLI on %s', (dialect) => {
  it('adds, lists, shows, edits and archives plans with the documented JSON shape', async () => {
    const db = await freshDbUrl(dialect);
    const add = await runCli(['plans', 'add', '  Hot Desk ', '--price', '200', '--tax-rate', '20', '--credits', '10', '--passes', '2', '--json'], { db });
    expect(add.code, add.stderr).toBe(0);
    expect(add.json()).toEqual({
      name: 'Hot Desk',
      price: '200.00',
      currency: 'EUR',
      interval: 'month',
      every: 1,
      taxRate: '20',
      credits: '10.00',
      passes: 2,
      autoRenew: true,
      archived: false,
    });
    expect((await runCli(['plans', 'add', 'Annual', '--price', '120,50', '--interval', 'year', '--auto-renew', 'no', '--currency', 'chf'], { db })).code).toBe(0);

    const list = await runCli(['plans', 'list', '--json'], { db });
    expect(list.code).toBe(0);
    expect(list.json().map((p: { name: string; price: string; currency: string }) => [p.name, p.price, p.currency])).toEqual([
      ['Annual', '120.50', 'CHF'],
      ['Hot Desk', '200.00', 'EUR'],
    ]);

    const edit = await runCli(['plans', 'edit', 'Hot Desk', '--price', '220.5', '--json'], { db });
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.json().price).toBe('220.50');

    expect((await runCli(['plans', 'archive', 'Annual'], { db })).code).toBe(0);
    const visible = (await runCli(['plans', 'list', '--json'], { db })).json();
    expect(visible.map((p: { name: string }) => p.name)).toEqual(['Hot Desk']);
    const all = (await runCli(['plans', 'list', '--all', '--json'], { db })).json();
    expect(all.find((p: { name: string }) => p.name === 'Annual').archived).toBe(true);

    const show = await runCli(['plans', 'show', 'Hot Desk'], { db });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('220.50');
  });

  it('refuses a duplicate plan name with 65 and a malformed price with 64, one line each', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['plans', 'add', 'Hot Desk', '--price', '200'], { db })).code).toBe(0);
    const duplicate = await runCli(['plans', 'add', 'Hot Desk ', '--price', '150'], { db });
    expect(duplicate.code).toBe(65);
    expect(duplicate.stderr).toContain('already exists');
    noStackTrace(duplicate.stderr);

    const bad = await runCli(['plans', 'add', 'X', '--price', 'abc'], { db });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--price: "abc"/);
    noStackTrace(bad.stderr);

    const unknown = await runCli(['plans', 'show', 'hot desk'], { db });
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain('"Hot Desk"');
  });

  it('validates settings with their allowed range and keeps them', async () => {
    const db = await freshDbUrl(dialect);
    const list = await runCli(['settings', 'list', '--json'], { db });
    expect(list.json()).toEqual({
      currency: 'EUR',
      timezone: 'UTC',
      'billing-day': '1',
      'payment-terms-days': '14',
      'grace-days': '30',
      'renewal-notice-days': '30',
      'credit-validity-months': '12',
      'apply-credit': 'on',
      'invoice-prefix': 'INV-',
      'member-number-prefix': 'M-',
      'credit-note-prefix': 'CN-',
      language: 'fr',
      'mail-from': '',
      'mail-reply-to': '',
      'mail-bcc': '',
      'mail-invoices': 'on',
      'mail-credit-notes': 'on',
      'mail-renewal-notices': 'on',
      'mail-renewal-reminders': 'on',
      'mail-reminders': 'on',
      'mail-suspension-notices': 'on',
      'mail-receipts': 'off',
      'reminder-days': '7,21',
      'tacit-renewal-notice-days': '30',
      'mail-templates': '',
      'retention-years': '',
      'sepa-creditor-id': '',
    });
    const outOfRange = await runCli(['settings', 'set', 'billing-day', '31'], { db });
    expect(outOfRange.code).toBe(64);
    expect(outOfRange.stderr).toContain('1 to 28');
    noStackTrace(outOfRange.stderr);
    expect((await runCli(['settings', 'set', 'timezone', 'Mars/Base'], { db })).code).toBe(64);
    expect((await runCli(['settings', 'set', 'no-such-key', '1'], { db })).code).toBe(64);
    const badLanguage = await runCli(['settings', 'set', 'language', 'de'], { db });
    expect(badLanguage.code).toBe(64);
    expect(badLanguage.stderr).toContain('fr (French) or en (English)');
    expect((await runCli(['settings', 'set', 'language', 'EN'], { db })).code).toBe(0);
    expect((await runCli(['settings', 'get', 'language'], { db })).stdout.trim()).toBe('en');

    expect((await runCli(['settings', 'set', 'currency', 'XYZ'], { db })).code).toBe(64);
    expect((await runCli(['settings', 'set', 'timezone', 'europe/paris'], { db })).code).toBe(0);
    expect((await runCli(['settings', 'get', 'timezone'], { db })).stdout.trim()).toBe('Europe/Paris');
    expect((await runCli(['settings', 'set', 'timezone', 'UTC'], { db })).code).toBe(0);
    expect((await runCli(['settings', 'set', 'currency', 'chf'], { db })).code).toBe(0);
    expect((await runCli(['settings', 'get', 'currency'], { db })).stdout.trim()).toBe('CHF');
    // a new plan takes the currency setting
    const plan = await runCli(['plans', 'add', 'Desk', '--price', '10', '--json'], { db });
    expect(plan.json().currency).toBe('CHF');
  });

  it('reports schema status and refuses a database newer than the program with 78', async () => {
    const url = await freshDbUrl(dialect);
    const migrate = await runCli(['db', 'migrate', '--json'], { db: url });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.json().applied.length).toBeGreaterThan(0);
    const again = await runCli(['db', 'migrate', '--json'], { db: url });
    expect(again.json().applied).toEqual([]);

    expect((await runCli(['plans', 'add', 'A', '--price', '1'], { db: url })).code).toBe(0);
    const status = await runCli(['db', 'status', '--json'], { db: url });
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({ dialect, pending: [], rows: { plans: 1 } });

    const db = await openDb(url);
    await (db.kysely as any)
      .insertInto('kysely_migration')
      .values({ name: '9999_from_the_future', timestamp: new Date().toISOString() })
      .execute();
    await db.close();
    const newer = await runCli(['plans', 'list'], { db: url });
    expect(newer.code).toBe(78);
    expect(newer.stderr).toContain('newer schema');
    noStackTrace(newer.stderr);
    // db status shows such a database, and exits 78 as the other commands do
    const newerStatus = await runCli(['db', 'status', '--json'], { db: url });
    expect(newerStatus.code).toBe(78);
    expect(newerStatus.json()).toMatchObject({ newerThanProgram: ['9999_from_the_future'] });
    const human = await runCli(['db', 'status'], { db: url });
    expect(human.stdout).not.toContain('up to date');
    expect(human.stdout).toContain('upgrade memberctl');
  });

  it('lets several memberctl processes write at the same time: each waits its turn, none fails', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['members', 'add', '--name', 'Jane Doe', '--email', 'jane@example.org'], { db })).code).toBe(0);
    // each command reads the member, then writes: on SQLite two such transactions would deadlock if the write lock
    // were only taken at the first write
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? runCli(['members', 'tag', 'jane@example.org', `Tag ${i}`], { db })
          : runCli(['members', 'note', 'jane@example.org', `Note ${i}`], { db }),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const show = await runCli(['members', 'show', 'jane@example.org', '--json'], { db });
    expect(show.json().tags).toEqual(['Tag 0', 'Tag 2', 'Tag 4', 'Tag 6']);
    expect(show.json().notes.map((n: { text: string }) => n.text).sort()).toEqual(['Note 1', 'Note 3', 'Note 5', 'Note 7']);
  });

  it('adds the same e-mail from several processes at once: one contact updated, one member added, the others refused', async () => {
    const db = await freshDbUrl(dialect);
    expect((await runCli(['db', 'migrate'], { db })).code).toBe(0);
    for (let round = 0; round < 2; round += 1) {
      const email = `race${round}@example.org`;
      const contacts = await Promise.all(
        Array.from({ length: 6 }, (_, i) => runCli(['contacts', 'add', '--name', `Racer ${i}`, '--email', i % 2 ? email.toUpperCase() : email, '--company', `Race Co ${round}`], { db })),
      );
      for (const run of contacts) expect(run.code, run.stderr).toBe(0);
      const added = await Promise.all(Array.from({ length: 6 }, (_, i) => runCli(['members', 'add', '--name', `Member ${i}`, '--email', `member${round}@example.org`], { db })));
      expect(added.map((run) => run.code).sort()).toEqual([0, 65, 65, 65, 65, 65]);
      for (const run of added) noStackTrace(run.stderr);
    }
    const list = await runCli(['members', 'list', '--json'], { db });
    expect(list.json().map((m: { email: string }) => m.email.toLowerCase()).sort()).toEqual(['member0@example.org', 'member1@example.org', 'race0@example.org', 'race1@example.org']);
  });

  it('stops quietly with 0 when the reader of its output goes away (`| head`)', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const file = path.join(dir, 'members.csv');
    const rows = Array.from({ length: 3000 }, (_, i) => `Member ${i},member${i}@example.org`);
    fs.writeFileSync(file, `Name,Email\n${rows.join('\n')}\n`);
    expect((await runCli(['import', file], { db })).code).toBe(0);
    // the shell's pipe, as a user types it: head reads a few bytes and exits
    const child = spawn('bash', ['-c', 'node "$0" --db "$1" members list --format csv | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"', bin, db], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    await new Promise((resolve) => child.on('close', resolve));
    const code = Number(stdout.trim());
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('command line contract', () => {
  it('suggests the closest command on a typo and exits 64', async () => {
    const result = await runCli(['plan', 'list']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("unknown command 'plan'");
    expect(result.stderr).toContain('plans');
  });

  it('exits 64 on an unknown option', async () => {
    const result = await runCli(['plans', 'list', '--colour']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("unknown option '--colour'");
  });

  it('exits 78 with one line when the PostgreSQL server is unreachable', async () => {
    const result = await runCli(['plans', 'list'], { db: 'postgres://nobody@127.0.0.1:1/x' });
    expect(result.code).toBe(78);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('cannot connect to PostgreSQL');
  });

  it('exits 78 on a malformed or unsupported database URL', async () => {
    expect((await runCli(['plans', 'list'], { db: 'mysql://x@y/z' })).code).toBe(78);
    expect((await runCli(['plans', 'list'], { db: 'postgres://' })).code).toBe(78);
    expect((await runCli(['plans', 'list'], { db: '/no/such/folder/m.db' })).code).toBe(78);
  });

  it('prints the version and help with examples', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
  });
});
