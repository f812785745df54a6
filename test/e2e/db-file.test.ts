import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/db.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('the SQLite database file', () => {
  it('is created readable and writable by its owner only, as are its -wal, -shm and -journal files; an existing one keeps its mode', async () => {
    const db = path.join(tempDir(), 'members.db');
    const previous = process.umask(0o022);
    try {
      const result = await runCli(['plans', 'add', 'Hot Desk', '--price', '200'], { db });
      expect(result.code, result.stderr).toBe(0);
      expect(modeOf(db)).toBe(0o600);

      const connection = new Database(db);
      try {
        connection.prepare("insert into settings (key, value, updated_at) values ('probe', 'x', '') on conflict do nothing").run();
        expect(fs.existsSync(`${db}-wal`)).toBe(true);
        expect(modeOf(`${db}-wal`)).toBe(0o600);
        expect(modeOf(`${db}-shm`)).toBe(0o600);
      } finally {
        connection.close();
      }

      const journaled = new Database(db);
      try {
        journaled.pragma('journal_mode = DELETE');
        journaled.exec('begin immediate');
        journaled.prepare("update settings set value = 'y' where key = 'probe'").run();
        expect(modeOf(`${db}-journal`)).toBe(0o600);
        journaled.exec('rollback');
        journaled.pragma('journal_mode = WAL');
      } finally {
        journaled.close();
      }

      // an existing database keeps the mode it was given
      fs.chmodSync(db, 0o640);
      const again = await runCli(['plans', 'add', 'Annual', '--price', '100'], { db });
      expect(again.code, again.stderr).toBe(0);
      expect(modeOf(db)).toBe(0o640);
    } finally {
      process.umask(previous);
    }
  });
});
