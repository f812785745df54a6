import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { bin, root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { storedZip, tempFolder } from '../importers/files.js';

const files = tempFolder('import-e2e');
const today = '2026-11-23';
const fixture = (name: string) => path.join(root, 'fixtures', name);

async function withPlans(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  const plans = await runCli(['plans', 'import', fixture('plans.csv')], { db });
  expect(plans.code).toBe(0);
  return db;
}

async function tableCounts(url: string) {
  const db = await openDb(url);
  try {
    const count = async (table: 'members' | 'memberships' | 'companies' | 'import_batches' | 'audit_log') =>
      Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return { members: await count('members'), memberships: await count('memberships'), companies: await count('companies'), batches: await count('import_batches'), audit: await count('audit_log') };
  } finally {
    await db.close();
  }
}

describe('validate and import from the command line', () => {
  it('validate: exit 0 for a clean file, 65 with every problem grouped by row, and the documented --json shape', async () => {
    const db = await withPlans('sqlite');
    const clean = await runCli(['--json', 'validate', fixture('members-en.csv')], { db, today });
    expect(clean.code).toBe(0);
    const report = clean.json();
    expect(Object.keys(report)).toEqual(['file', 'source', 'rows', 'valid', 'errors', 'warnings', 'problems']);
    expect(report).toMatchObject({ source: 'template', rows: 25, valid: true, errors: 0 });

    const broken = await runCli(['validate', fixture('members-broken.csv'), '--report', files.path('report.json')], { db, today });
    expect(broken.code).toBe(65);
    expect(broken.stdout).toMatch(/members-broken\.csv, row 5:\n\s+error\s+Email: "alan\.turing@@example" is not an e-mail address \[invalid_email\]/);
    expect(broken.stdout).toMatch(/\d+ errors, \d+ warnings/);

    const warned = await runCli(['validate', fixture('members-en.csv'), '--fail-on-warnings'], { db, today });
    expect(warned.code).toBe(65);

    // --map names the plan a file's plan name stands for
    const mapped = files.write('mapped.csv', 'Name,Plan name,Start date,Next invoice date\nAda,Hotdesk,2025-01-01,2027-01-01\n');
    expect((await runCli(['validate', mapped], { db, today })).code).toBe(65);
    const map = files.write('map.json', JSON.stringify({ Hotdesk: 'Hot Desk' }));
    expect((await runCli(['validate', mapped, '--map', map], { db, today })).code).toBe(0);
  });

  it('validate --report writes the same document as --json, or one CSV line per problem', async () => {
    const db = await withPlans('sqlite');
    const json = files.path('report.json');
    const csv = files.path('report.csv');
    const viaJson = await runCli(['--json', 'validate', fixture('members-broken.csv'), '--report', json], { db, today });
    await runCli(['validate', fixture('members-broken.csv'), '--report', csv], { db, today });
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual(viaJson.json());
    const lines = fs.readFileSync(csv, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toContain('Row,Column,Value,Code,Severity,Message,Suggestion');
    expect(lines).toHaveLength(viaJson.json().problems.length + 1);
  });

  it.each([
    ['a missing file', 66, () => files.path('missing.csv'), /no such file/],
    ['an image', 66, () => files.write('photo.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')), /not a spreadsheet/],
    ['a zip that is not an xlsx', 66, () => files.write('archive.xlsx', storedZip({ 'readme.txt': 'hello' })), /zip/],
    ['an empty file', 65, () => files.write('empty.csv', ''), /empty/],
  ])('%s is refused with a message naming the file (exit %s)', async (_, code, make, message) => {
    const file = make();
    const result = await runCli(['import', file], { db: path.join(files.dir, 'refused.db'), today });
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(path.basename(file));
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a payer cycle is reported on both rows and nothing is written', async () => {
    const url = await withPlans('sqlite');
    const file = files.write('cycle.csv', 'Name,Email,Paid by\nLise,lise@example.org,Otto\nOtto,otto@example.org,Lise\n');
    const result = await runCli(['--json', 'import', file], { db: url, today });
    expect(result.code).toBe(65);
    expect(result.json().problems.map((p: { row: number; code: string }) => [p.row, p.code])).toEqual([
      [2, 'payer_cycle'],
      [3, 'payer_cycle'],
    ]);
    expect(await tableCounts(url)).toMatchObject({ members: 0, batches: 0 });
  });

  it.each(dialects)('import on %s: the --json shape, re-import unchanged, list and undo', async (dialect) => {
    const db = await withPlans(dialect);
    const first = await runCli(['--json', 'import', fixture('members-en.csv')], { db, today });
    expect(first.code).toBe(0);
    const result = first.json();
    expect(Object.keys(result).slice(0, 9)).toEqual(['batch', 'dryRun', 'rows', 'created', 'updated', 'unchanged', 'rejected', 'problems', 'rejects']);
    expect(result).toMatchObject({ dryRun: false, rows: 25, created: { members: 25, companies: 6, memberships: 23 }, updated: { members: 0, memberships: 0 }, unchanged: 0, rejected: 0 });

    const again = await runCli(['--json', 'import', fixture('members-en.csv')], { db, today });
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ batch: null, unchanged: 25, created: { members: 0, companies: 0, memberships: 0 } });

    const list = await runCli(['--json', 'import', 'list'], { db });
    expect(list.json()).toMatchObject([{ batch: result.batch, rows: 25, status: 'applied', created: { members: 25 } }]);

    const shown = await runCli(['--json', 'members', 'show', 'Lena Fischer'], { db, today });
    expect(shown.json()).toMatchObject({ paidBy: { name: 'Jonas Weber' }, customFields: { 'Membership number': 'M-0006' }, memberships: [{ plan: 'Fixed Desk', quantity: 2 }] });

    const undo = await runCli(['--json', 'import', 'undo', result.batch], { db });
    expect(undo.code).toBe(0);
    expect(undo.json()).toMatchObject({ batch: result.batch, removed: { members: 25, memberships: 23, companies: 6 } });
    expect(await tableCounts(db)).toMatchObject({ members: 0, memberships: 0, companies: 0 });
    const twice = await runCli(['import', 'undo', result.batch], { db });
    expect(twice.code).toBe(65);
    const unknown = await runCli(['import', 'undo', `${result.batch}x`], { db });
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain(result.batch);
  });

  it('--on-error skip imports the valid rows, writes the rejected ones with an Error column, exits 65', async () => {
    const db = await withPlans('sqlite');
    const rejects = files.path('rejected.csv');
    const result = await runCli(['--json', 'import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', rejects], { db, today });
    expect(result.code).toBe(65);
    const json = result.json();
    expect(json.rejects).toBe(rejects);
    expect(json.rejected).toBeGreaterThan(0);
    expect(json.created.members + json.rejected).toBe(json.rows);
    const lines = fs.readFileSync(rejects, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]!.endsWith(',Error')).toBe(true);
    expect(lines.length - 1).toBe(json.rejected);

    // the rejects file, fixed, imports as it is: its Error column is ignored
    const fixed = files.write('fixed.csv', `${lines[0]}\n${lines.find((l) => l.startsWith('Ada Lovelace'))!.replace('hot desk', 'Hot Desk')}\n`);
    const second = await runCli(['--json', 'import', fixed], { db, today });
    expect(second.code).toBe(0);
    expect(second.json()).toMatchObject({ created: { members: 1 }, rejected: 0 });
    expect(second.json().problems.map((p: { column: string }) => p.column)).not.toContain('Error');
  });

  it('--json gives a document even for a file that cannot be read at all, with its file-level problem and exit code', async () => {
    const db = await withPlans('sqlite');
    const cases: Array<[string, number, string]> = [
      [files.write('empty.csv', ''), 65, 'empty_file'],
      [files.path('missing.csv'), 66, 'unreadable_file'],
      [files.write('broken.xlsx', Buffer.from('PK\u0003\u0004 not really a zip')), 66, 'unsupported_format'],
      [files.write('unclosed.csv', 'Name,Email\n"Ada,ada@example.org\n'), 65, 'unreadable_file'],
    ];
    for (const [file, code, problemCode] of cases) {
      const validated = await runCli(['--json', 'validate', file], { db, today });
      expect(validated.code, validated.stderr).toBe(code);
      expect(validated.stderr).toContain('error:');
      expect(validated.json()).toMatchObject({ file, source: 'template', rows: 0, valid: false, errors: 1, problems: [{ row: null, column: null, code: problemCode, severity: 'error' }] });
      const imported = await runCli(['--json', 'import', file], { db, today });
      expect(imported.code).toBe(code);
      expect(imported.json()).toMatchObject({ batch: null, rows: 0, rejected: 0, problems: [{ code: problemCode }] });
      // without --json, only the message on stderr
      expect((await runCli(['validate', file], { db, today })).stdout).toBe('');
    }
  });

  it('--json gives header problems as file-level problems: no row or column, the header as the value', async () => {
    const db = await withPlans('sqlite');
    const file = files.write('headers.csv', 'Name,Emial,Locker,Name,Plan name\nAnn,a@x.org,L1,Ann,\n');
    const result = await runCli(['--json', 'validate', file], { db, today });
    expect(result.code).toBe(65);
    const shown = result.json().problems.map((p: { code: string; row: unknown; column: unknown; value: unknown }) => [p.code, p.row, p.column, p.value]);
    expect(shown).toEqual([
      ['unknown_column', null, null, 'Emial'],
      ['custom_field', null, null, 'Locker'],
      ['duplicate_column', null, null, 'Name'],
      ['missing_column', null, null, 'Start date'],
      ['missing_column', null, null, 'Next invoice date'],
    ]);
    const imported = await runCli(['--json', 'import', file], { db, today });
    expect(imported.json().problems.map((p: { code: string; row: unknown; column: unknown; value: unknown }) => [p.code, p.row, p.column, p.value])).toEqual(shown);
  });

  it('--rejects into a symbolic link writes the file it points to, and into a pipe writes through it', async () => {
    const db = await withPlans('sqlite');
    const real = files.path('rejects-real.csv');
    const link = files.path('rejects-link.csv');
    fs.writeFileSync(real, 'old\n');
    fs.symlinkSync(real, link);
    const viaLink = await runCli(['--json', 'import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', link], { db, today });
    expect(viaLink.code).toBe(65);
    const rejected = viaLink.json().rejected;
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    const written = fs.readFileSync(real, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(written[0]!.endsWith(',Error')).toBe(true);
    expect(written).toHaveLength(rejected + 1);

    // /dev/stdout on a shell pipe: a link through /proc to no path ("pipe:[1234]"), written through
    const piped = spawnSync('sh', ['-c', '"$0" "$@" | cat', process.execPath, bin, '--db', await withPlans('sqlite'), '--today', today, 'import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', '/dev/stdout'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(piped.stderr).not.toContain('error:');
    expect(piped.stdout.replace(/^\uFEFF/, '').split(/\r?\n/)[0]!.endsWith(',Error')).toBe(true);

    // a FIFO stands for /dev/null or /dev/stdout: it must stay what it is and receive the rows
    const fifo = files.path('rejects.fifo');
    spawnSync('mkfifo', [fifo]);
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const again = await runCli(['--json', 'import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', fifo], { db: await withPlans('sqlite'), today });
      expect(again.code).toBe(65);
      expect(fs.statSync(fifo).isFIFO()).toBe(true);
      const buffer = Buffer.alloc(1 << 16);
      const text = buffer.subarray(0, fs.readSync(reader, buffer)).toString('utf8').replace(/^\uFEFF/, '');
      expect(text.trim().split(/\r?\n/)).toHaveLength(again.json().rejected + 1);
    } finally {
      fs.closeSync(reader);
    }
  });

  it('an output file that cannot be written is refused (73) before anything is imported', async () => {
    const url = await withPlans('sqlite');
    const before = await tableCounts(url);
    const missing = path.join(files.path('no-such-folder'), 'rejects.csv');
    const template = await runCli(['import', fixture('members-broken.csv'), '--on-error', 'skip', '--rejects', missing], { db: url, today });
    expect(template.code).toBe(73);
    expect(template.stderr).toContain(`--rejects ${missing}: folder ${path.dirname(missing)} does not exist`);
    const stripeFile = (name: string) => path.join(root, 'fixtures', 'stripe', name);
    const stripeArgs = ['import', 'stripe', '--customers', stripeFile('customers.csv'), '--subscriptions', stripeFile('subscriptions.csv'), '--prices', stripeFile('prices.csv'), '--map', stripeFile('price-map.json')];
    const cancel = await runCli([...stripeArgs, '--cancel-list', files.dir], { db: url, today });
    expect(cancel.code).toBe(73);
    expect(cancel.stderr).toContain('--cancel-list');
    const rejects = await runCli([...stripeArgs, '--on-error', 'skip', '--rejects', missing], { db: url, today });
    expect(rejects.code).toBe(73);
    expect(await tableCounts(url)).toEqual(before);
  });

  it('--dry-run and --on-error abort write nothing', async () => {
    const url = await withPlans('sqlite');
    const before = await tableCounts(url);
    const dry = await runCli(['--json', 'import', fixture('members-en.csv'), '--dry-run'], { db: url, today });
    expect(dry.code).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, batch: null, created: { members: 25 } });
    const aborted = await runCli(['import', fixture('members-broken.csv')], { db: url, today });
    expect(aborted.code).toBe(65);
    expect(aborted.stdout).toContain('nothing was written');
    expect(await tableCounts(url)).toEqual(before);
  });

  it('members update edits by e-mail or external id, all or nothing', async () => {
    const db = await withPlans('sqlite');
    await runCli(['import', fixture('members-en.csv')], { db, today });
    const file = files.write('phones.csv', 'External ID,Phone,Plan name,Auto renew\nCRM-1002,+33 1 00,,\nCRM-1012,,Hot Desk,yes\n');
    const result = await runCli(['--json', 'members', 'update', file], { db, today });
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ updated: { members: 1, memberships: 1 }, unchanged: 0 });
    const bruno = await runCli(['--json', 'members', 'show', 'bruno.keller@brightlabs.io'], { db, today });
    expect(bruno.json().phone).toBe('+33 1 00');
    const unknown = await runCli(['members', 'update', files.write('ghost.csv', 'Email,Phone\nghost@example.org,+1\n')], { db, today });
    expect(unknown.code).toBe(65);
    expect(unknown.stdout).toContain('unknown_member');
  });

  // A first load into a database without members writes through a rollback journal on SQLite, other imports through
  // the WAL (withRollbackJournal): a kill must be harmless on each path.
  it.each([
    ['sqlite', 'a first load', false],
    ['sqlite', 'an import next to an existing member', true],
    ['postgres', 'a first load', false],
  ] as const)('a kill while %s is writing %s leaves the database as before; rerunning completes it', async (dialect, _, withMember) => {
    const db = await withPlans(dialect);
    if (withMember) expect((await runCli(['contacts', 'add', '--name', 'Ada Lovelace', '--email', 'ada@example.org'], { db })).code).toBe(0);
    const lines = ['Name,Email,Company,Plan name,Start date,Next invoice date,Paid by'];
    for (let i = 1; i <= 30_000; i += 1) lines.push(`Member ${i},m${i}@example.org,Company ${i % 300},Hot Desk,2025-01-01,2027-01-01,${i % 10 === 0 ? `m${i - 1}@example.org` : ''}`);
    const file = files.write('big.csv', `${lines.join('\n')}\n`);
    const before = await tableCounts(db);
    const child = spawn(process.execPath, [bin, '--db', db, '--today', today, 'import', file], { cwd: root, stdio: 'ignore', env: { ...process.env, MEMBERCTL_DB: undefined } });
    let exited = false;
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    void exit.then(() => {
      exited = true;
    });
    // wait until the import holds the database's write lock with rows written, then kill it without warning
    const writing = dialect === 'sqlite' && !withMember ? async () => fs.existsSync(`${db}-journal`) : await isWriting(dialect, db);
    // twice in a row: the import's lock row is also written, but in an instant
    for (let busy = 0; !exited && busy < 2; ) {
      busy = (await writing()) ? busy + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(exited).toBe(false);
    child.kill('SIGKILL');
    expect(await exit).toBeNull();
    expect(await tableCounts(db)).toEqual(before);
    if (dialect === 'sqlite') {
      // the next connection rolled the load back and went back to the WAL
      expect(fs.existsSync(`${db}-journal`)).toBe(false);
      const { default: Database } = await import('better-sqlite3');
      const probe = new Database(db, { readonly: true });
      expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
      probe.close();
    }
    const rerun = await runCli(['--json', 'import', file], { db, today });
    expect(rerun.code).toBe(0);
    expect(rerun.json()).toMatchObject({ created: { members: 30_000, companies: 300, memberships: 30_000 } });
    // two imports of 30,000 rows: more than the default minute on a loaded machine
  }, 180_000);
});

describe('a large first load into SQLite', () => {
  // PostgreSQL has no such load: its readers see the database as before the import, as always
  it('makes other commands wait for it, up to the busy timeout, rather than fail', async () => {
    const db = await withPlans('sqlite');
    const lines = ['Name,Email,Plan name,Start date,Next invoice date'];
    for (let i = 1; i <= 20_000; i += 1) lines.push(`Member ${i},m${i}@example.org,Hot Desk,2025-01-01,2027-01-01`);
    const file = files.write('first-load.csv', `${lines.join('\n')}\n`);
    const load = runCli(['import', file], { db, today });
    while (!fs.existsSync(`${db}-journal`)) await new Promise((resolve) => setTimeout(resolve, 10));
    const list = await runCli(['--json', 'members', 'list'], { db, today });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json()).toHaveLength(20_000);
    expect((await load).code).toBe(0);
  }, 60_000);
});

/** A probe telling whether another process is in the middle of writing members. */
async function isWriting(dialect: (typeof dialects)[number], url: string): Promise<() => Promise<boolean>> {
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    return async () => {
      const probe = new Database(url, { timeout: 0 });
      try {
        probe.exec('begin immediate');
        probe.exec('rollback');
        return false;
      } catch {
        // busy: a writer holds the lock (the import, or its lock row for an instant)
        return true;
      } finally {
        probe.close();
      }
    };
  }
  const { default: pg } = await import('pg');
  return async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query(
        "select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'members' and l.mode = 'RowExclusiveLock' and l.pid <> pg_backend_pid()",
      );
      return result.rows[0].n > 0;
    } finally {
      await client.end();
    }
  };
}

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs memberctl on a pseudo-terminal (util-linux `script`), answering each prompt when its text appears. */
function onTerminal(args: string[], answers: Array<[RegExp, string]>): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: root, env: { ...process.env, MEMBERCTL_DB: undefined, CI: undefined, NO_COLOR: '1', TERM: 'xterm' } });
  let output = '';
  const pending = [...answers];
  child.stdout.on('data', (data: Buffer) => {
    output += data.toString('utf8');
    const next = pending[0];
    if (next?.[0].test(output)) {
      pending.shift();
      output += '\n';
      setTimeout(() => child.stdin.write(next[1]), 150);
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe.skipIf(!hasScript)('import on a terminal', () => {
  it('asks which plan an unknown plan name means, saves the answer to --map, shows the summary and asks before writing', async () => {
    const db = await withPlans('sqlite');
    const file = files.write('tty.csv', 'Name,Email,Plan name,Start date,Next invoice date\nAda,ada@example.org,Hotdesk,2025-01-01,2027-01-01\nBob,bob@example.org,Fixed Desk,2025-01-01,2027-01-01\n');
    const map = files.path('plans.json');
    const result = await onTerminal(['--db', db, '--today', today, 'import', file, '--map', map], [
      [/Which plan is it\?/, '\r'],
      [/Write these changes to the database\?/, 'y\r'],
    ]);
    expect(result.code).toBe(0);
    expect(result.output).toContain('Ready to import');
    expect(JSON.parse(fs.readFileSync(map, 'utf8'))).toEqual({ Hotdesk: 'Hot Desk' });
    expect(await tableCounts(db)).toMatchObject({ members: 2, memberships: 2 });

    // the saved map is used without asking: the rows are unchanged
    const again = await runCli(['--json', 'import', file, '--map', map], { db, today });
    expect(again.json()).toMatchObject({ unchanged: 2 });
  });

  it('offers no plan as the default answer when no plan is close to the unknown name', async () => {
    const db = await withPlans('sqlite');
    const file = files.write('far.csv', 'Name,Email,Plan name,Start date,Next invoice date\nAda,ada@example.org,Zebra Lounge,2025-01-01,2027-01-01\n');
    const map = files.path('far-plans.json');
    const result = await onTerminal(['--db', db, '--today', today, 'import', file, '--map', map], [[/Which plan is it\?/, '\r']]);
    expect(result.code).toBe(65);
    expect(fs.existsSync(map)).toBe(false);
    expect(await tableCounts(db)).toMatchObject({ members: 0 });
  });

  it('template asks before replacing an existing file, and keeps it when told no', async () => {
    const db = await withPlans('sqlite');
    const file = files.write('filled.xlsx', 'a filled-in copy');
    const kept = await onTerminal(['--db', db, 'template', '-o', file], [[/Replace it with an empty template\?/, 'n\r']]);
    expect(kept.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('a filled-in copy');
    const replaced = await onTerminal(['--db', db, 'template', '-o', file], [[/Replace it with an empty template\?/, 'y\r']]);
    expect(replaced.code).toBe(0);
    expect(fs.readFileSync(file).subarray(0, 2).toString()).toBe('PK');
    // without a terminal (scripts, --yes) the template is written as asked
    expect((await runCli(['template', '-o', file], { db })).code).toBe(0);
  });

  it('Ctrl-C at the confirmation cancels: exit 130 and nothing written', async () => {
    const db = await withPlans('sqlite');
    const result = await onTerminal(['--db', db, '--today', today, 'import', fixture('members-en.csv')], [[/Write these changes to the database\?/, '\u0003']]);
    expect(result.code).toBe(130);
    expect(result.output).toContain('cancelled');
    expect(await tableCounts(db)).toMatchObject({ members: 0 });
  });
});
