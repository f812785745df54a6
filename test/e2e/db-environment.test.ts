import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { freshDbUrl, tempDir } from '../helpers/db.js';

const isRoot = process.getuid?.() === 0;
const today = '2026-03-01';
const plansCsv = path.join(root, 'fixtures/plans.csv');
const membersCsv = path.join(root, 'fixtures/members-en.csv');

/** A CSV of `count` new people with a membership due, about 120 bytes a row. */
function peopleCsv(count: number, prefix: string): string {
  const file = path.join(tempDir(), `${prefix}.csv`);
  const rows = Array.from({ length: count }, (_, i) => `${prefix} Person${i} Longername${i},${prefix}.person${i}@example-domain.org,Hot Desk,2025-01-01,2026-02-01`);
  fs.writeFileSync(file, `Name,Email,Plan name,Start date,Next invoice date\n${rows.join('\n')}\n`);
  return file;
}

const mounts: string[] = [];
afterAll(() => {
  for (const dir of mounts) execFileSync('umount', [dir]);
});

/** A fresh folder on its own small tmpfs, unmounted after the tests. */
function smallDisk(size: string): string {
  const dir = tempDir('memberctl-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Fills the disk holding `dir`, but for `spareKb`. */
function fill(dir: string, spareKb: number): void {
  const available = Number(execFileSync('df', ['-k', '--output=avail', dir], { encoding: 'utf8' }).trim().split('\n').at(-1));
  const size = Math.max(0, available - spareKb) * 1024;
  fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(size));
}

function inspect(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      members: (db.prepare('select count(*) as n from members').get() as { n: number }).n,
      invoices: (db.prepare('select count(*) as n from invoices').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

function expectDiskFull(result: { code: number; stderr: string }, db: string) {
  expect(result.code, result.stderr).toBe(74);
  expect(result.stderr).toContain(`the disk holding the database ${db} is full`);
  expect(result.stderr).not.toMatch(/internal error|no transaction is active|\n\s+at /);
}

describe('a SQLite database on a full disk', () => {
  it.skipIf(!isRoot)('a first large import exits 74 naming the database, which stays as it was', async () => {
    const db = path.join(smallDisk('3m'), 'members.db');
    expect((await runCli(['plans', 'import', plansCsv], { db })).code).toBe(0);
    const result = await runCli(['import', peopleCsv(20_000, 'first'), '--yes'], { db, today });
    expectDiskFull(result, db);
    expect(inspect(db)).toEqual({ integrity: 'ok', members: 0, invoices: 0 });
    const list = await runCli(['members', 'list', '--json'], { db });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json()).toEqual([]);
  });

  it.skipIf(!isRoot)('an import into a database with members exits 74, and the members are those from before', async () => {
    const db = path.join(smallDisk('3m'), 'members.db');
    expect((await runCli(['plans', 'import', plansCsv], { db })).code).toBe(0);
    expect((await runCli(['import', membersCsv, '--yes'], { db, today })).code).toBe(0);
    const before = inspect(db);
    const result = await runCli(['import', peopleCsv(30_000, 'more'), '--yes'], { db, today });
    expectDiskFull(result, db);
    expect(inspect(db)).toEqual({ ...before, integrity: 'ok' });
    expect((await runCli(['members', 'list', '--json'], { db })).json()).toHaveLength(before.members);
  });

  it.skipIf(!isRoot)('invoices run exits 74, nothing is billed, and it bills everything once there is room again', async () => {
    const disk = smallDisk('16m');
    const db = path.join(disk, 'members.db');
    expect((await runCli(['plans', 'import', plansCsv], { db })).code).toBe(0);
    expect((await runCli(['import', peopleCsv(2_000, 'due'), '--yes'], { db, today })).code).toBe(0);
    fill(disk, 24);
    const result = await runCli(['invoices', 'run'], { db, today });
    expectDiskFull(result, db);
    // even reading needs room to grow the -shm
    fs.rmSync(path.join(disk, 'filler'));
    expect(inspect(db)).toMatchObject({ integrity: 'ok', members: 2_000, invoices: 0 });
    const again = await runCli(['invoices', 'run', '--json'], { db, today });
    expect(again.code, again.stderr).toBe(0);
    expect(inspect(db).invoices).toBeGreaterThanOrEqual(2_000);
  });
});

/** Runs the built CLI as the user nobody. */
const runAsNobody = (args: string[], db: string) => runCli(args, { db, wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });

/** A database with the fixture members, in a folder of its own that nobody can enter. */
async function sharedDatabase(): Promise<{ dir: string; db: string }> {
  const dir = tempDir('memberctl-ro-');
  const db = path.join(dir, 'members.db');
  expect((await runCli(['plans', 'import', plansCsv], { db })).code).toBe(0);
  expect((await runCli(['import', membersCsv, '--yes'], { db, today })).code).toBe(0);
  fs.chmodSync(dir, 0o755);
  return { dir, db };
}

const readOnlyMessage = (db: string) => `the database ${db} is read-only for this user`;

describe('a SQLite database this user cannot write', () => {
  it.skipIf(!isRoot)('read-only file: reading commands work, changing ones exit 73 naming the database', async () => {
    const { dir, db } = await sharedDatabase();
    fs.chmodSync(db, 0o644);
    fs.chmodSync(dir, 0o777);
    const list = await runAsNobody(['members', 'list', '--json'], db);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveLength(inspect(db).members);
    expect((await runAsNobody(['db', 'status'], db)).code).toBe(0);
    for (const args of [['plans', 'add', 'Night Desk', '--price', '90'], ['invoices', 'run']]) {
      const result = await runAsNobody(args, db);
      expect(result.code, result.stderr).toBe(73);
      expect(result.stderr).toContain(readOnlyMessage(db));
      expect(result.stderr).not.toContain('internal error');
    }
    const { members } = inspect(db);
    expect(members).toBe(25);
  });

  it.skipIf(!isRoot)('read-only folder: every command exits 73, saying SQLite must create its -wal beside the database', async () => {
    const { dir, db } = await sharedDatabase();
    for (const mode of [0o644, 0o666]) {
      fs.chmodSync(db, mode);
      for (const args of [['members', 'list'], ['plans', 'add', 'Night Desk', '--price', '90']]) {
        const result = await runAsNobody(args, db);
        expect(result.code, result.stderr).toBe(73);
        expect(result.stderr).toContain(`its folder ${dir} is not writable by this user`);
        expect(result.stderr).toContain('members.db-wal');
      }
    }
    const missing = await runAsNobody(['members', 'list'], path.join(dir, 'new.db'));
    expect(missing.code, missing.stderr).toBe(73);
    expect(missing.stderr).toContain(`cannot create the database ${path.join(dir, 'new.db')}`);
    expect(fs.existsSync(path.join(dir, 'new.db'))).toBe(false);
  });
});

describe('a PostgreSQL database in read-only mode', () => {
  it('reading commands work, changing ones exit 73 naming the database', async () => {
    const url = await freshDbUrl('postgres');
    expect((await runCli(['plans', 'add', 'Hot Desk', '--price', '200'], { db: url })).code).toBe(0);
    const readOnly = `${url}?options=${encodeURIComponent('-c default_transaction_read_only=on')}`;
    const list = await runCli(['plans', 'list', '--json'], { db: readOnly });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json()).toHaveLength(1);
    const add = await runCli(['plans', 'add', 'Night Desk', '--price', '90'], { db: readOnly });
    expect(add.code, add.stderr).toBe(73);
    expect(add.stderr).toContain('is read-only');
    expect(add.stderr).not.toContain(new URL(inject('pgAdminUrl')).password);
  });
});
