import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { freshDbUrl, tempDir } from '../helpers/db.js';
import { noStackTrace, runExpecting } from '../helpers/errors.js';

/** Members in the database before the writer starts: enough pages that a copy made in steps would be caught out. */
const prefilled = 50_000;

/** Fills a new database (schema by `db migrate`) with `prefilled` members in one transaction. */
async function prefilledDb(): Promise<string> {
  const db = path.join(tempDir(), 'members.db');
  await runExpecting(db, ['db', 'migrate']);
  const connection = new Database(db);
  try {
    const insert = connection.prepare("insert into members (name, email, email_key, address, created_at, updated_at) values (?, ?, ?, ?, '2026-01-01', '2026-01-01')");
    connection.transaction(() => {
      for (let i = 0; i < prefilled; i++) insert.run(`Person ${i}`, `p${i}@example.org`, `p${i}@example.org`, `${i} rue du Long Nom de Rue Pour Remplir Les Pages`);
    })();
  } finally {
    connection.close();
  }
  return db;
}

/**
 * A second process adding members named "writer N", one transaction each, N counting up from 0 without a gap, as
 * fast as it can; it prints N once row N is committed.
 */
function startWriter(db: string) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1], { timeout: 10000 });
    const insert = db.prepare("insert into members (name, created_at, updated_at) values (?, '2026-01-01', '2026-01-01')");
    for (let n = 0; ; n++) {
      insert.run('writer ' + n);
      process.stdout.write(n + '\\n');
    }`;
  const child = spawn(process.execPath, ['-e', script, db], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let committed = -1;
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (data: string) => {
    buffered += data;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    if (lines.length > 0) committed = Number(lines.at(-1));
  });
  return {
    /** the highest N committed so far, -1 before the first */
    committed: () => committed,
    stop: () => new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGKILL');
    }),
  };
}

const waitFor = async (ready: () => boolean) => {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(ready()).toBe(true);
};

describe('db backup of a SQLite database', () => {
  it('made while another process adds members, opens, passes integrity_check and holds every row committed before it started', async () => {
    const db = await prefilledDb();
    const backup = path.join(tempDir(), 'backup.db');
    const writer = startWriter(db);
    let before: number;
    let during: number;
    try {
      await waitFor(() => writer.committed() >= 100);
      before = writer.committed();
      const result = await runExpecting(db, ['db', 'backup', backup, '--json']);
      during = writer.committed();
      expect(result.json()).toEqual({ database: db, file: backup, bytes: fs.statSync(backup).size, pages: expect.any(Number) });
    } finally {
      await writer.stop();
    }
    // the writer went on while the backup ran
    expect(during).toBeGreaterThan(before);

    let written: number;
    const copy = new Database(backup, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('foreign_key_check')).toEqual([]);
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const count = (sql: string) => (copy.prepare(sql).get() as { n: number }).n;
      expect(count("select count(*) as n from members where name like 'Person %'")).toBe(prefilled);
      // one moment of the database: writer rows 0 to k-1, none missing, k at least what was committed before
      written = count("select count(*) as n from members where name like 'writer %'");
      const highest = count("select max(cast(substr(name, 8) as integer)) as n from members where name like 'writer %'");
      expect(written).toBeGreaterThan(before);
      expect(highest).toBe(written - 1);
      // the schema came along: the copy is a memberctl database
      expect(count('select count(*) as n from kysely_migration')).toBeGreaterThan(0);
    } finally {
      copy.close();
    }
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
    // nothing but the backup in its folder: no temporary file, journal or WAL left
    expect(fs.readdirSync(path.dirname(backup))).toEqual(['backup.db']);

    // memberctl opens the backup as the database it was
    const status = await runExpecting(backup, ['db', 'status', '--json']);
    expect(status.json().pending).toEqual([]);
    expect(status.json().rows.members).toBe(prefilled + written);
  });

  it('refuses an existing FILE unless --force, and says where and how big it wrote', async () => {
    const db = path.join(tempDir(), 'members.db');
    await runExpecting(db, ['members', 'add', '--name', 'Jane Doe', '--email', 'jane@example.org']);
    const folder = tempDir();
    const backup = path.join(folder, 'members.backup.db');
    fs.writeFileSync(backup, 'an older backup');

    const refused = await runExpecting(db, ['db', 'backup', backup], 73);
    expect(refused.stderr).toContain(`db backup ${backup}: the file exists; nothing was written`);
    expect(refused.stderr).toContain('--force');
    expect(fs.readFileSync(backup, 'utf8')).toBe('an older backup');

    const forced = await runExpecting(db, ['db', 'backup', backup, '--force']);
    expect(forced.stdout).toMatch(new RegExp(`^Backed up ${db.replaceAll('.', '\\.')} to ${backup.replaceAll('.', '\\.')}: \\d+\\.\\d kB \\(\\d+ pages\\)\\n$`));
    const members = await runExpecting(backup, ['members', 'list', '--json']);
    expect(members.json().map((m: { email: string }) => m.email)).toEqual(['jane@example.org']);
    expect(fs.readdirSync(folder)).toEqual(['members.backup.db']);
  });

  it('refuses the database itself and its side files, a missing folder, and a database that does not exist', async () => {
    const folder = tempDir();
    const db = path.join(folder, 'members.db');
    await runExpecting(db, ['members', 'add', '--name', 'Jane Doe']);
    const size = fs.statSync(db).size;
    for (const target of [db, `${db}-wal`, `${db}-shm`]) {
      const result = await runExpecting(db, ['db', 'backup', target, '--force'], 73);
      expect(result.stderr).toContain('refused: it is the database');
    }
    expect(fs.statSync(db).size).toBe(size);
    const missing = await runExpecting(db, ['db', 'backup', path.join(folder, 'no-such-folder', 'b.db')], 73);
    expect(missing.stderr).toContain('does not exist');

    const nowhere = path.join(folder, 'nowhere.db');
    const absent = await runExpecting(nowhere, ['db', 'backup', path.join(folder, 'b.db')], 66);
    expect(absent.stderr).toContain(`there is no database ${nowhere}`);
    // nothing created: neither an empty database nor a backup of one
    expect(fs.existsSync(nowhere)).toBe(false);
    expect(fs.existsSync(path.join(folder, 'b.db'))).toBe(false);
  });
});

describe('db backup of a PostgreSQL database', () => {
  it('exits 64 with the pg_dump command line for the URL, its password left out', async () => {
    const url = await freshDbUrl('postgres');
    const password = new URL(url).password;
    const folder = tempDir();
    const result = await runCli(['db', 'backup', 'members.dump'], { db: url, cwd: folder });
    expect(result.code, result.stderr).toBe(64);
    noStackTrace(result.stderr);
    expect(result.stdout).toBe('');
    const withoutPassword = new URL(url);
    withoutPassword.password = '';
    expect(result.stderr).toContain('pg_dump');
    expect(result.stderr).toContain(`  pg_dump --format=custom --file=members.dump ${withoutPassword.href}\n`);
    expect(result.stderr).not.toContain(password);
    expect(fs.readdirSync(folder)).toEqual([]);
  });
});
