import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { noStackTrace } from '../helpers/errors.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('import-delegates-e2e');
const today = '2026-01-10';
const slow = { timeout: 300_000 };

const header = ['Name', 'Email', 'Plan name', 'Start date', 'Next invoice date', 'Quantity', 'Delegate of'];
// a company seat of 3 created by the file: its delegates by e-mail, by exact name with the holder's plan, by exact name;
// and one delegate of a holder of the database, by e-mail
const rows = [
  ['Acme SA', 'contact@acme.example', 'Team', '2026-01-01', '2026-02-01', '3', ''],
  ['Jane Roe', 'jane@acme.example', '', '', '', '', 'contact@acme.example'],
  ['Tom Doe', 'tom@acme.example', 'Team', '', '', '', 'Acme SA'],
  ['Ivy Poe', 'ivy@acme.example', '', '', '', '', 'Acme SA'],
  ['Ada Lee', 'ada@example.org', '', '', '', '', 'OLD@example.org'],
];

async function writeFile(kind: 'csv' | 'xlsx', name: string, body: string[][]): Promise<string> {
  if (kind === 'csv') return files.write(`${name}.csv`, `${[header, ...body].map((r) => r.join(',')).join('\n')}\n`);
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Members');
  sheet.addRow(header);
  for (const row of body) sheet.addRow(row.map((cell) => (cell === '' ? null : cell)));
  return files.write(`${name}.xlsx`, Buffer.from(await workbook.xlsx.writeBuffer()));
}

describe.each(dialects)('delegates named by an import, from the built CLI on %s', (dialect) => {
  it.each(['csv', 'xlsx'] as const)('a %s file: delegates by e-mail, by exact name, of a holder earlier in the file; seats full; re-import; undo', slow, async (kind) => {
    const db = await freshDbUrl(dialect);
    const ok = async (args: string[], code = 0) => {
      const result = await runCli(args, { db, today });
      expect(result.code, result.stderr).toBe(code);
      noStackTrace(result.stderr);
      return result;
    };
    await ok(['plans', 'add', 'Team', '--price', '100']);
    await ok(['members', 'add', '--name', 'Old Client', '--email', 'old@example.org']);
    await ok(['members', 'add', '--name', 'Earlier', '--email', 'earlier@example.org']);
    await ok(['memberships', 'add', 'Old Client', '--plan', 'Team', '--start', '2026-01-01', '--quantity', '2']);
    await ok(['memberships', 'delegates', '1', '--add', 'Earlier']);

    // a fourth delegate of Acme SA: seats full, and nothing at all is written
    const full = await writeFile(kind, `full-${dialect}`, [...rows, ['Max Moe', 'max@acme.example', '', '', '', '', 'Acme SA']]);
    const checked = await ok(['--json', 'validate', full], 65);
    expect(checked.json().problems.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([[7, 'Delegate of', 'seats_full']]);
    expect(checked.json().problems[0].message).toBe(
      'the membership of Acme SA (row 2) on Team has 3 seats, all taken (0 delegates in the database and rows 3, 4, 5 of this file): give the holder\'s membership a larger Quantity, or remove a delegate',
    );
    await ok(['import', full], 65);
    expect((await ok(['--json', 'members', 'list'])).json().map((m: { name: string }) => m.name)).toEqual(['Earlier', 'Old Client']);
    expect((await ok(['--json', 'import', 'list'])).json()).toEqual([]);

    const file = await writeFile(kind, `seats-${dialect}`, rows);
    expect((await ok(['validate', file])).stdout).toContain('valid');
    const imported = (await ok(['--json', 'import', file])).json();
    expect(imported).toMatchObject({ created: { members: 5, memberships: 1 }, delegates: 4, rejected: 0 });
    const names = (id: number) => ok(['--json', 'memberships', 'delegates', String(id), '--list']).then((r) => r.json());
    const acme = await names(2);
    expect([acme.seats, acme.delegates.map((d: { name: string; email: string }) => [d.name, d.email])]).toEqual([
      3,
      [
        ['Jane Roe', 'jane@acme.example'],
        ['Tom Doe', 'tom@acme.example'],
        ['Ivy Poe', 'ivy@acme.example'],
      ],
    ]);
    expect((await names(1)).delegates.map((d: { name: string }) => d.name)).toEqual(['Earlier', 'Ada Lee']);
    // the delegate rows have no membership of their own, and are members through the seat
    const people = (await ok(['--json', 'members', 'list'])).json();
    expect(people.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ['Acme SA', 'member'],
      ['Ada Lee', 'member'],
      ['Earlier', 'member'],
      ['Ivy Poe', 'member'],
      ['Jane Roe', 'member'],
      ['Old Client', 'member'],
      ['Tom Doe', 'member'],
    ]);
    const history = (await ok(['members', 'history', 'Jane Roe'])).stdout;
    expect(history).toContain('Jane Roe (#4) named a delegate of membership 2');

    // a re-import writes nothing new
    const again = (await ok(['--json', 'import', file])).json();
    expect(again).toMatchObject({ batch: null, created: { members: 0, memberships: 0 }, delegates: 0, unchanged: 5 });
    expect((await names(2)).delegates).toHaveLength(3);

    // members export writes each delegate's holder and plan: imported back, nothing changes
    const exported = files.path(`export-${dialect}-${kind}.${kind}`);
    await ok(['members', 'export', '-o', exported]);
    const back = (await ok(['--json', 'import', exported, '--update'])).json();
    expect(back).toMatchObject({ batch: null, created: { members: 0, memberships: 0 }, updated: { members: 0, memberships: 0 }, delegates: 0, unchanged: 7 });

    // undo removes the delegates of its batch, and only those
    const undone = (await ok(['--json', 'import', 'undo', imported.batch, '--yes'])).json();
    expect(undone.removed).toMatchObject({ members: 5, memberships: 1, delegates: 4 });
    expect((await names(1)).delegates.map((d: { name: string }) => d.name)).toEqual(['Earlier']);
    expect((await ok(['--json', 'members', 'list'])).json().map((m: { name: string }) => m.name)).toEqual(['Earlier', 'Old Client']);
  });
});
