// Large CSV files are parsed on a worker thread (src/importers/csv-worker.ts), which only the built CLI runs: these
// files are above its threshold, and their rows must come out exactly as a small file's do.
import fs from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { workerFileBytes } from '../../src/importers/csv.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('large-csv');
const today = '2026-11-23';
/** Not a multiple of the worker's batch size: the last, partial batch must arrive too. */
const rows = 14_321;
const badEmailRows = [2, 5_002, rows + 1];

/** A French Excel export: Windows-1252, semicolons, CRLF, a quoted note on two lines (Alt+Enter in Excel) every 500 rows, wide rows. */
function frenchExport({ badEmails = true, tail = '' } = {}): string {
  const lines = ['Nom;E-mail;Entreprise;Nom du forfait;Date de début;Date de la prochaine facture;Notes;Description'];
  for (let i = 1; i <= rows; i += 1) {
    const row = i + 1;
    const email = badEmails && badEmailRows.includes(row) ? `élodie${i}@@exemple.fr` : `elodie${i}@exemple.fr`;
    const note = i % 500 === 0 ? `"première ligne\nseconde ligne ; fin ${i}"` : `note ${i}`;
    const company = i % 3 === 0 ? `Société Générale ${i % 40}` : '';
    lines.push([`Élodie Lefèvre ${i}`, email, company, 'Hot Desk', '15/01/2025', '15/01/2027', note, 'ç'.repeat(240)].join(';'));
  }
  const file = files.path(`export-${Math.random().toString(36).slice(2)}.csv`);
  fs.writeFileSync(file, iconv.encode(`${lines.join('\r\n')}\r\n${tail}`, 'windows-1252'));
  expect(fs.statSync(file).size).toBeGreaterThan(workerFileBytes);
  return file;
}

async function withPlan(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'add', 'Hot Desk', '--price', '200'], { db })).code).toBe(0);
  return db;
}

describe.each(dialects)('a CSV file of several megabytes (%s)', (dialect) => {
  it('validate reports every problem at its row, accents decoded, rows counted to the last one', async () => {
    const db = await withPlan(dialect);
    const result = await runCli(['--json', 'validate', frenchExport()], { db, today });
    expect(result.code).toBe(65);
    const report = result.json();
    expect(report.rows).toBe(rows);
    const invalid = report.problems.filter((p: { code: string }) => p.code === 'invalid_email');
    expect(invalid.map((p: { row: number; column: string; value: string }) => [p.row, p.column, p.value])).toEqual(
      badEmailRows.map((row) => [row, 'E-mail', `élodie${row - 1}@@exemple.fr`]),
    );
  });

  it('a quote never closed at the end names its row, after the multi-line notes above it', async () => {
    const db = await withPlan(dialect);
    const result = await runCli(['validate', frenchExport({ tail: 'Zoé;zoe@exemple.fr;;Hot Desk;15/01/2025;15/01/2027;"jamais fermé\r\n' })], { db, today });
    expect(result.code).toBe(65);
    expect(result.stderr).toContain(`row ${rows + 2}: a quoted field is never closed`);
  });

  it('import writes every row as read, line breaks inside notes kept', async () => {
    const db = await withPlan(dialect);
    const file = frenchExport({ badEmails: false });
    const result = await runCli(['--json', 'import', file], { db, today });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ rows, created: { members: rows, companies: 40, memberships: rows } });
    const conn = await openDb(db);
    try {
      const last = await conn.kysely.selectFrom('members').select(['name', 'email']).where('name', '=', `Élodie Lefèvre ${rows}`).executeTakeFirstOrThrow();
      expect(last.email).toBe(`elodie${rows}@exemple.fr`);
      const note = await conn.kysely.selectFrom('notes').select('body').where('body', 'like', '%fin 14000').executeTakeFirstOrThrow();
      expect(note.body).toBe('première ligne\nseconde ligne ; fin 14000');
      const description = await conn.kysely.selectFrom('member_fields').select('value').where('key', '=', 'Description').limit(1).executeTakeFirstOrThrow();
      expect(description.value).toBe('ç'.repeat(240));
    } finally {
      await conn.close();
    }
  });
});
